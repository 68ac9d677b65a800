/** A Markdown table with columns padded for reading in a terminal as well as rendered. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const numeric = header.map((_, c) => rows.every((r) => /^[-+−]?[\d.]*%?$/.test(r[c] ?? "")));
  const cell = (s: string, c: number) => (numeric[c] ? s.padStart(widths[c]!) : s.padEnd(widths[c]!));
  const line = (cells: string[]) => `| ${cells.map((s, c) => cell(s, c)).join(" | ")} |`;
  const rule = `|${
    widths.map((w, c) => (numeric[c] ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|")
  }|`;
  // A short row gets empty cells, so every line has the header's columns (valid Markdown).
  return [line(header), rule, ...rows.map((r) => line(header.map((_, c) => r[c] ?? "")))].join("\n");
}

/**
 * Markdown for the report: number formatting with a fixed number of decimals, and tables padded so the
 * raw file reads as well as the rendered one.
 *
 * Every number the report prints goes through `formatNumber`, so REPORT.md never shows a float's full
 * binary expansion and never depends on how a value happened to be computed (`0.1 + 0.2` and `0.3`
 * print the same). `Number.prototype.toFixed` is specified exactly by ECMAScript, so the text is the
 * same on every machine.
 *
 * (lib/cli/table.ts is the scripts' console table, which guesses alignment from the cells; report
 * cells such as `48.7 [44.1, 53.2]` need the alignment stated.)
 *
 * @module
 */

/** Column alignment in a Markdown table. */
export type Align = "left" | "right" | "center";

/** `x` with exactly `decimals` decimals; a value that rounds to zero prints without a minus sign. */
export function formatNumber(x: number, decimals = 1): string {
  if (!Number.isFinite(x)) throw new RangeError(`Cannot format number "${x}": not finite`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) {
    throw new RangeError(`Decimals must be an integer from 0 to 20, got "${decimals}"`);
  }
  const text = x.toFixed(decimals);
  return /^-[0.]+$/.test(text) ? text.slice(1) : text;
}

/** Like `formatNumber` with an explicit `+` on positive values (gains, differences). */
export function formatSigned(x: number, decimals = 1): string {
  const text = formatNumber(x, decimals);
  return text.startsWith("-") || /^[0.]+$/.test(text) ? text : `+${text}`;
}

/** Options of `formatEstimate`. */
export interface EstimateOptions {
  /** Decimals of the value and the bounds (default 1). */
  decimals?: number;
  /** Print the value with an explicit sign (the bounds keep their plain sign). */
  signed?: boolean;
  /** Appended to the value, e.g. `×` for ratios. */
  unit?: string;
}

/** `48.7 [44.1, 53.2]`: a value and its CI, or the value alone when there is no CI. */
export function formatEstimate(
  value: number,
  ci: readonly [number, number] | undefined,
  options: EstimateOptions = {},
): string {
  const { decimals = 1, signed = false, unit = "" } = options;
  const head = (signed ? formatSigned(value, decimals) : formatNumber(value, decimals)) + unit;
  if (!ci) return head;
  return `${head} [${formatNumber(ci[0], decimals)}, ${formatNumber(ci[1], decimals)}]`;
}

/** A cell's text with the characters that would break a table row escaped or flattened. */
export function escapeCell(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("|", "\\|").replace(/\r?\n/g, " ");
}

/** Options of `markdownTable`. */
export interface TableOptions {
  /** One alignment per column (default: every column left-aligned). */
  align?: readonly Align[];
}

/**
 * A GitHub-flavoured Markdown table with every column padded to its widest cell. Cells are escaped
 * (`|` → `\|`); widths count UTF-16 code units, which is exact for the report's characters (Latin,
 * `×`, `—`, `†`, `≠`).
 */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  if (header.length === 0) throw new RangeError("Cannot render a table without columns");
  const align = options.align ?? header.map((): Align => "left");
  if (align.length !== header.length) {
    throw new RangeError(`Table has ${header.length} columns but ${align.length} alignments`);
  }
  rows.forEach((row, i) => {
    if (row.length !== header.length) {
      throw new RangeError(`Table row ${i + 1} has ${row.length} cells, expected ${header.length}`);
    }
  });
  const cells = [header, ...rows].map((row) => row.map(escapeCell));
  // Three dashes is the shortest rule every Markdown renderer accepts.
  const widths = header.map((_, c) => Math.max(3, ...cells.map((row) => row[c]!.length)));
  const pad = (text: string, c: number) => {
    const width = widths[c]!;
    if (align[c] === "right") return text.padStart(width);
    if (align[c] === "center") {
      const left = Math.floor((width - text.length) / 2);
      return (" ".repeat(left) + text).padEnd(width);
    }
    return text.padEnd(width);
  };
  const line = (row: readonly string[]) => `| ${row.map(pad).join(" | ")} |`;
  const rule = widths.map((width, c) => {
    if (align[c] === "right") return `${"-".repeat(width + 1)}:`;
    if (align[c] === "center") return `:${"-".repeat(width)}:`;
    return `:${"-".repeat(width + 1)}`;
  });
  return [line(cells[0]!), `|${rule.join("|")}|`, ...cells.slice(1).map(line)].join("\n");
}

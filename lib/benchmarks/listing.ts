/**
 * What `deno task benchmarks` prints: one JSON line per question (`--jsonl`), or a readable summary per
 * benchmark (rows per split, files read, the first prompts).
 */
import type { BenchmarkItem } from "./load.ts";
import { type BenchmarkName, BENCHMARKS } from "./registry.ts";

/** The `--jsonl` record of one question, keys in this order. */
export interface BenchmarkLine {
  benchmark: BenchmarkName;
  split: string;
  id: string;
  prompt: string;
  answers: string[];
  category: string | null;
  image: { sha256: string; width: number; height: number };
}

/** The `--jsonl` record of `item` (no pixels, no source path). */
export function toLine(item: BenchmarkItem): BenchmarkLine {
  return {
    benchmark: item.benchmark,
    split: item.split,
    id: item.id,
    prompt: item.prompt,
    answers: item.answers,
    category: item.category,
    image: { sha256: item.image.sha256, width: item.image.width, height: item.image.height },
  };
}

/** Per-benchmark tally for the readable summary. */
export interface BenchmarkSummary {
  name: BenchmarkName;
  /** Rows read per split, in reading order. */
  splits: { split: string; rows: number; files: Set<string> }[];
  /** The first questions read. */
  first: BenchmarkLine[];
}

/** How many questions the summary shows per benchmark. */
export const SUMMARY_EXAMPLES = 3;

/** Start a summary of `name`. */
export function newSummary(name: BenchmarkName): BenchmarkSummary {
  return { name, splits: [], first: [] };
}

/** Count `item` into `summary`. */
export function addToSummary(summary: BenchmarkSummary, item: BenchmarkItem): void {
  let split = summary.splits.find((s) => s.split === item.split);
  if (!split) {
    split = { split: item.split, rows: 0, files: new Set() };
    summary.splits.push(split);
  }
  split.rows++;
  split.files.add(item.source.file);
  if (summary.first.length < SUMMARY_EXAMPLES) summary.first.push(toLine(item));
}

/** The readable block of one benchmark. Prompts are shown as JSON strings so newlines stay visible. */
export function formatSummary(summary: BenchmarkSummary): string {
  const spec = BENCHMARKS[summary.name];
  const total = summary.splits.reduce((n, s) => n + s.rows, 0);
  const config = spec.config === null ? "" : ` config ${spec.config}`;
  const lines = [`${summary.name}: ${total} rows (${spec.dataset}${config}; lmms-eval ${spec.task})`];
  for (const s of summary.splits) {
    lines.push(
      `  split ${s.split}: ${s.rows} rows from ${s.files.size} file${s.files.size === 1 ? "" : "s"}`,
    );
  }
  for (const q of summary.first) {
    const category = q.category === null ? "" : ` [${q.category}]`;
    lines.push(`  ${q.split} #${q.id}${category} ${q.image.width}x${q.image.height}`);
    lines.push(`    prompt:  ${JSON.stringify(q.prompt)}`);
    lines.push(`    answers: ${JSON.stringify(q.answers)}`);
  }
  return lines.join("\n");
}

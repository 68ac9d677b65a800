/**
 * Load the real benchmarks from a local folder, without a model, and show what would be asked: a
 * readable summary per benchmark, or with --jsonl one JSON object per question on stdout.
 *
 *   deno task benchmarks --data DIR [--benchmarks a,b,…|all] [--limit N] [--jsonl]
 *
 * Layout of DIR: see lib/benchmarks/load.ts (and the README section "Real benchmarks"). Output is
 * printed only once every row has loaded, so a bad file leaves stdout empty and ends the run with one
 * error naming the file and row.
 */
import { z } from "zod";
import { defineCli, progress, runMain } from "../lib/cli/mod.ts";
import { addToSummary, formatSummary, newSummary, toLine } from "../lib/benchmarks/listing.ts";
import { loadBenchmark } from "../lib/benchmarks/load.ts";
import { parseBenchmarkList } from "../lib/benchmarks/registry.ts";

const cli = defineCli({
  name: "benchmarks",
  description: "Load the paper's eight benchmarks from local parquet snapshots and show the prompts",
  schema: z.strictObject({}),
  scales: { quick: {}, default: {}, full: {} },
  flags: { jsonl: "Print one JSON object per question to stdout (messages go to stderr)" },
  options: {
    data: "Folder with one dataset snapshot per benchmark, DIR/<name>/ (required)",
    benchmarks: "Comma-separated benchmark names in output order, or all (default: all)",
    limit: "Read at most N rows per benchmark",
  },
});

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim())) {
    throw new Error(`Invalid value for --limit "${text}": expected a non-negative integer`);
  }
  return Number(text.trim());
}

await runMain(async () => {
  const args = cli.parse(Deno.args);
  if (args.help) return console.log(cli.usage());
  const dataDir = args.options.data;
  if (dataDir === undefined || dataDir === "") {
    throw new Error('Missing option "--data": the benchmark folder');
  }
  const names = parseBenchmarkList(args.options.benchmarks ?? "all");
  const limit = parseLimit(args.options.limit);

  const out: string[] = [];
  for (const name of names) {
    const bar = progress(name, limit ?? 0);
    const summary = newSummary(name);
    for await (const item of loadBenchmark(dataDir, name, { limit })) {
      if (args.flags.jsonl) out.push(JSON.stringify(toLine(item)));
      else addToSummary(summary, item);
      bar.tick();
    }
    bar.done();
    if (!args.flags.jsonl) out.push(formatSummary(summary), "");
  }
  const text = out.join("\n");
  const bytes = new TextEncoder().encode(args.flags.jsonl && out.length > 0 ? `${text}\n` : text);
  // Deno.stdout.write may take only part of a large buffer.
  for (let written = 0; written < bytes.length;) written += await Deno.stdout.write(bytes.subarray(written));
});

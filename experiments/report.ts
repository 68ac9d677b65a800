/**
 * The report: every result file in a folder → REPORT.md and its SVG figures, with the paper's numbers
 * beside ours and a verdict on each claim. All the work is `buildReport` (lib/report/report.ts), a pure
 * function; this script only reads, validates and writes, so the same result files always give the same
 * bytes.
 *
 *   deno task report [--results DIR] [--out FILE] [--paper FILE] [--allow-mixed]
 *
 * Results that do not share one scale and one checkpoint are refused (their tables would compare unlike
 * numbers) unless `--allow-mixed` is given; the report then lists each result's source under a warning.
 */
import { basename, dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { runMain } from "../lib/cli/mod.ts";
import { loadPaperTables, PAPER_TABLES_PATH } from "../lib/report/paper.ts";
import { EXPERIMENTS } from "../lib/experiment/mod.ts";
import { exampleImages } from "../lib/report/example_images.ts";
import { indexResults } from "../lib/report/lookup.ts";
import { buildReport, FIGURES_DIR } from "../lib/report/report.ts";
import { sourceMismatch } from "../lib/report/sources.ts";
import { writeFileAtomic } from "../lib/results/atomic.ts";
import { readResult } from "../lib/results/io.ts";
import type { Result } from "../lib/results/schema.ts";
import { checkReportDestination } from "../lib/experiment/destination.ts";

const USAGE = `report: results/*.json → REPORT.md + SVG figures (paper tables side by side, claims verdicts)

Usage: deno task report [options]

Options:
  -h, --help        Show this help and exit
  --results <dir>   Folder of the result files; every *.json directly in it is read (default: results)
  --out <file>      Report to write; figures go to figures/ beside it (default: <results>/REPORT.md)
  --paper <file>    Paper reference numbers (default: data/paper/sd-rpn-paper-tables.json)
  --allow-mixed     Build the report even when the results do not share scale and checkpoint (each
                    result's source is then listed under a warning)`;

await runMain(async () => {
  const options = parseOptions(Deno.args);
  if (options.help) return console.log(USAGE);
  checkReportDestination(options.results, options.out);
  const files = await resultFiles(options.results);
  // One bad file stops the report with its name: a report silently missing a section would mislead.
  const results: Result[] = [];
  for (const file of files) results.push(await readResult(file));
  const used = indexResults(results).used;
  const mismatch = sourceMismatch(used, used.map((r) => basename(files[results.indexOf(r)]!)));
  if (mismatch !== null) {
    const text = `Results in "${options.results}" do not share scale and checkpoint: ${mismatch}`;
    if (!options.allowMixed) {
      throw new Error(
        `${text}; pass --allow-mixed to build the report anyway, with each result's source listed`,
      );
    }
    console.error(`report: warning: ${text}; the report lists each result's source`);
  }
  const paper = await loadPaperTables(options.paper);
  // The example figures' images are regenerated here (sharp is async) so that buildReport stays pure;
  // the examples drawn are those of the main result buildReport uses (the first by file name).
  const main = indexResults(results).get(EXPERIMENTS.mainResults);
  const report = buildReport(results, paper, { exampleImages: await exampleImages(main?.examples ?? []) });
  // Figures first, so the report never links to a figure that is not written yet.
  const figuresDir = join(dirname(options.out), FIGURES_DIR);
  for (const [name, svg] of Object.entries(report.figures)) {
    await writeFileAtomic(join(figuresDir, name), svg);
  }
  await writeFileAtomic(options.out, report.markdown);
  const figures = Object.keys(report.figures).length;
  console.error(
    `report: ${results.length} result files from ${options.results} → ${options.out} (${figures} figures)`,
  );
});

interface Options {
  help: boolean;
  allowMixed: boolean;
  results: string;
  out: string;
  paper: string;
}

function parseOptions(argv: readonly string[]): Options {
  let values: { help?: boolean; results?: string; out?: string; paper?: string; "allow-mixed"?: boolean };
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        help: { type: "boolean", short: "h" },
        results: { type: "string" },
        out: { type: "string" },
        paper: { type: "string" },
        "allow-mixed": { type: "boolean" },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    const { code, message = "" } = error as { code?: string; message?: string };
    const quoted = message.match(/'([^']+)'/)?.[1]?.split(" ")[0] ?? "";
    if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") throw new Error(`Unknown option "${quoted}" (see --help)`);
    if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      throw new Error(`Unexpected argument "${quoted}" (see --help)`);
    }
    if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
      throw new Error(`Missing value for option "${quoted}"`);
    }
    throw error;
  }
  const results = values.results ?? "results";
  return {
    help: values.help === true,
    allowMixed: values["allow-mixed"] === true,
    results,
    out: values.out ?? join(results, "REPORT.md"),
    paper: values.paper ?? PAPER_TABLES_PATH,
  };
}

/** Every `*.json` directly in `dir`, sorted by name (so duplicates of an experiment resolve stably). */
async function resultFiles(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      if (entry.isFile && entry.name.endsWith(".json")) names.push(entry.name);
    }
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "folder not found" : (error as Error).message;
    throw new Error(`Cannot read results folder "${dir}": ${reason}`);
  }
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((name) => join(dir, name));
}

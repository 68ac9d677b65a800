/**
 * Every experiment, then the report: `deno task reproduce [--scale quick|default|full]`.
 *
 * Runs the experiment scripts as `deno run` subprocesses, `parallel` at a time (default 2: wasm runs on one
 * core per process, so two processes use both cores of the reference machine), each with the same scale,
 * backend and seeds. Experiments share their artifacts through the cache (teacher passes, backbone states,
 * RPNs); whoever needs one first builds it under a lock and the other waits for it, so nothing is computed
 * twice. Output of each experiment is passed through with its name in front. Then, when
 * experiments/report.ts exists and every experiment succeeded, the report is built from the results folder.
 *
 *   deno task reproduce [--scale quick|default|full] [--seeds 0,1,2] [--backend wasm] [--timing-repeats 3]
 *                       [--set 'set=["checkpoint=data/base"]'] [--set 'experiments=["main_results"]']
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { defineCli, formatDuration, runMain } from "../lib/cli/mod.ts";
import {
  type ExperimentName,
  REPRODUCE_EXPERIMENTS,
  SEED_COUNT,
  SEED_FREE_EXPERIMENTS,
} from "../lib/experiment/mod.ts";
import { driverResultsDir } from "../lib/experiment/destination.ts";
import { formatTable } from "../lib/cli/table.ts";
import { TIMING_OPTION, timingRepeats } from "../lib/experiment/timing.ts";

/** In run order (lib/experiment/registry.ts): main_results first, attention_localisation last. */
const ALL = REPRODUCE_EXPERIMENTS as readonly [ExperimentName, ...ExperimentName[]];

const Config = z.strictObject({
  experiments: z.array(z.enum(ALL)).min(1).default([...ALL]).describe("experiments to run, in this order"),
  parallel: z.int().positive().default(2).describe("experiment processes at a time"),
  outDir: z.string().default("").describe(
    "folder of the results and the report (default: results/ for the canonical run, results/scratch/<scale>/ " +
      "at quick and full, else results/scratch/<hash>/)",
  ),
  set: z.array(z.string()).default([]).describe(
    '--set entries for every experiment, e.g. ["checkpoint=data/base"]',
  ),
  experimentSets: z.record(z.string(), z.array(z.string())).default({}).describe(
    "extra --set entries per experiment name",
  ),
  report: z.boolean().default(true).describe(
    "build the report afterwards (when experiments/report.ts exists)",
  ),
});

const cli = defineCli({
  name: "reproduce",
  description: "Run every experiment (two processes at a time), then the report",
  schema: Config,
  scales: { quick: {}, default: {}, full: {} },
  seedCount: SEED_COUNT,
  options: { ...TIMING_OPTION },
});

const ROOT = new URL("..", import.meta.url).pathname;

interface Outcome {
  name: string;
  code: number;
  seconds: number;
  out: string;
}

await runMain(async () => {
  const args = cli.parse(Deno.args);
  if (args.help) return console.log(cli.usage());
  const cfg = args.config;
  for (const name of Object.keys(cfg.experimentSets)) {
    if (!(ALL as readonly string[]).includes(name)) {
      throw new Error(`Unknown experiment "${name}" in experimentSets (known: ${ALL.join(", ")})`);
    }
  }
  // A subset of experiments, the process count or the report do not change any result.
  const outDir = cfg.outDir || driverResultsDir(args, ["experiments", "parallel", "outDir", "report"]);
  const repeats = args.options["timing-repeats"];
  if (repeats !== undefined) timingRepeats(args.scale, repeats); // fail before the first experiment
  const t0 = performance.now();
  console.error(
    `reproduce: ${cfg.experiments.length} experiments, ${cfg.parallel} at a time, ${args.scale} scale, seeds ` +
      `${args.seeds.join(",")} → ${outDir}`,
  );
  const queue = [...cfg.experiments];
  const outcomes: Outcome[] = [];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const out = join(outDir, `${name}.json`);
      const seeds = SEED_FREE_EXPERIMENTS.has(name)
        ? ["--seed", String(args.seeds[0])]
        : ["--seeds", args.seeds.join(",")];
      const sets = [...cfg.set, ...(cfg.experimentSets[name] ?? []), `out=${out}`];
      const childArgs = [
        "--scale",
        args.scale,
        "--backend",
        args.backend,
        ...seeds,
        ...(repeats !== undefined ? ["--timing-repeats", repeats] : []),
        ...sets.flatMap((s) => ["--set", s]),
      ];
      console.error(`reproduce: start ${name}`);
      const started = performance.now();
      const code = await runScript(name, childArgs);
      const seconds = (performance.now() - started) / 1000;
      outcomes.push({ name, code, seconds, out });
      console.error(
        `reproduce: ${code === 0 ? "done" : `FAILED (exit ${code})`} ${name} in ${formatDuration(seconds)}`,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(cfg.parallel, queue.length) }, worker));
  outcomes.sort((a, b) =>
    cfg.experiments.indexOf(a.name as never) - cfg.experiments.indexOf(b.name as never)
  );
  const failed = outcomes.filter((o) => o.code !== 0).map((o) => o.name);

  let report = "skipped";
  const reportScript = join(ROOT, "experiments", "report.ts");
  if (!cfg.report) report = "skipped (report=false)";
  else if (!existsSync(reportScript)) report = "skipped (experiments/report.ts does not exist yet)";
  else if (failed.length > 0) report = "skipped (experiments failed)";
  else {
    const code = await runScript("report", ["--results", outDir]);
    report = code === 0 ? join(outDir, "REPORT.md") : `FAILED (exit ${code})`;
    if (code !== 0) failed.push("report");
  }
  const total = (performance.now() - t0) / 1000;
  if (args.json) {
    console.log(
      JSON.stringify({ scale: args.scale, seeds: args.seeds, seconds: total, experiments: outcomes, report }),
    );
  } else {
    console.log(formatTable(
      ["experiment", "status", "time", "result"],
      outcomes.map((o) => [o.name, o.code === 0 ? "ok" : `exit ${o.code}`, formatDuration(o.seconds), o.out]),
    ));
    console.log(`report: ${report}`);
    console.log(`total: ${formatDuration(total)} (${args.scale} scale, ${cfg.parallel} processes)`);
  }
  if (failed.length > 0) throw new Error(`${failed.length} step(s) failed: ${failed.join(", ")}`);
});

/** Run experiments/<name>.ts, passing its output through line by line with the name in front. */
async function runScript(name: string, scriptArgs: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(ROOT, "experiments", `${name}.ts`), ...scriptArgs],
    cwd: Deno.cwd(),
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  await Promise.all([relay(child.stdout, name), relay(child.stderr, name)]);
  return (await child.status).code;
}

async function relay(stream: ReadableStream<Uint8Array>, name: string): Promise<void> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const lines = (pending + text).split(/\r?\n|\r/);
    pending = lines.pop()!;
    for (const line of lines) if (line !== "") console.error(`[${name}] ${line}`);
  }
  if (pending !== "") console.error(`[${name}] ${pending}`);
}

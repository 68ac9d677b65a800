/**
 * Tables 1–2 on the paper's real benchmarks (`main_results --data DIR`): every selected benchmark's rows
 * (lib/benchmarks) answered by the main methods — baseline, ViCrop-style raw attention, SD-RPN with
 * masked and with box-only upscaling — with the lmms-eval prompt as the question (the model family wraps
 * it in its chat template) and the task's generation length, then scored and aggregated as lmms-eval
 * does (lib/eval/benchmark_scores.ts).
 *
 * Rows are streamed in chunks (`real.chunk`): decoded, encoded, answered by every method, then dropped,
 * so memory does not grow with the benchmark (a DocVQA page decodes to ~10 MB). The RPNs are built
 * first, one per seed, through the experiment (`exp.rpn`: the shared teacher → labels → training cache).
 *
 * Result rows (`REAL_BENCHMARKS_EXPERIMENT`): `method` (baseline, vicrop, sdrpn, sdrpn_box), `suite`
 * (the benchmark; HR-Bench: its split `hrbench_4k` / `hrbench_8k`; `mean-text` for Table 1's average),
 * `metric` (lmms-eval's metric name, e.g. `anls`, `relaxed_human_split`, `pope_f1_score`, `single`),
 * `value` (percent; OCRBench category and final scores are sums), `n` (rows behind it), `ci` (95 %
 * bootstrap over rows, for means of per-row scores), and `extra`: `benchmark`, `split`, `prompt` (prompt
 * version), `metricVersion` (the vendored lmms-eval commit and task), `limit` (when rows were capped),
 * `protocol` (HR-Bench), `category` (OCRBench sums), `perSeed` (SD-RPN: one value per seed; the row is
 * their mean).
 *
 * @module
 */
import { formatTable, progress } from "../cli/mod.ts";
import { Rng } from "../engine/rng.ts";
import { benchmarkFiles, type BenchmarkItem, loadBenchmark } from "../benchmarks/load.ts";
import {
  BENCHMARK_THRESHOLDS,
  type BenchmarkName,
  BENCHMARKS,
  parseBenchmarkList,
} from "../benchmarks/registry.ts";
import { bootstrapCi } from "../eval/bootstrap.ts";
import {
  aggregateBenchmark,
  type BenchmarkMetric,
  HEADLINE_METRICS,
  HRBENCH_PROTOCOL,
  LMMS_EVAL_COMMIT,
  MAX_NEW_TOKENS,
} from "../eval/benchmark_scores.ts";
import { round, type RowKey } from "../eval/rows.ts";
import { artifact } from "../results/record.ts";
import type { Artifact, ResultRow } from "../results/schema.ts";
import { type AnswerItem, evaluateSuite, type MethodSpec, warmUp } from "../roi/evaluate.ts";
import type { Rpn } from "../roi/two_stage.ts";
import { type RealBenchmarksConfig, realResultPath } from "./benchmark_config.ts";
import type { ExperimentConfig, VicropConfig } from "./config.ts";
import {
  AGGREGATE_SUITES,
  MAIN_METHODS,
  REAL_BENCHMARKS_EXPERIMENT,
  throughputPhase,
} from "./conventions.ts";
import type { Experiment } from "./runner.ts";

/** The config a real-benchmark run reads. */
export type RealRunConfig = ExperimentConfig & { real?: RealBenchmarksConfig; vicrop: VicropConfig };

/** Table 1's benchmarks, whose headline values `mean-text` averages (the paper's "Ave"). */
export const TABLE1_BENCHMARKS: readonly BenchmarkName[] = [
  "docvqa",
  "chartqa",
  "ocrbench",
  "infovqa",
  "textvqa",
];

/**
 * Prompt version of a benchmark's rows: lmms-eval's doc_to_text of the split's task with the task's
 * default kwargs (HR-Bench: task hrbench4k or hrbench8k by split).
 */
export function promptVersion(name: BenchmarkName, split: string): string {
  const task = name === "hrbench" ? split.replace("_", "") : BENCHMARKS[name].task;
  return `lmms-eval@${LMMS_EVAL_COMMIT.slice(0, 7)} ${task} doc_to_text (default kwargs)`;
}

/** Metric version of a benchmark's rows: the vendored lmms-eval task code. */
export function metricVersion(name: BenchmarkName): string {
  return `lmms-eval@${LMMS_EVAL_COMMIT} tasks/${taskFolder(name)}`;
}

function taskFolder(name: BenchmarkName): string {
  return name === "vstar" ? "vstar_bench" : name;
}

/** What scoring needs of a benchmark row. */
export type ScoredItem = Pick<BenchmarkItem, "split" | "answers" | "category" | "extra">;

/** What one method answered on one benchmark: per row its answer, and the seconds it took. */
interface Answers {
  key: RowKey;
  answers: string[];
  seconds: number;
}

/** Evaluate the main methods on the real benchmarks of `exp.config.real` and set the result to write. */
export async function evaluateRealBenchmarks(exp: Experiment<RealRunConfig>): Promise<void> {
  const cfg = exp.config;
  const { real } = cfg;
  if (!real || real.data === "") {
    throw new Error('Cannot evaluate real benchmarks: config key "real.data" is empty');
  }
  const names = parseBenchmarkList(real.benchmarks);
  // Released weights (`--set rpn.released=PATH`) are the same for every seed: one evaluation.
  const released = cfg.rpn.released;
  const seeds = released === undefined ? exp.seeds : exp.seeds.slice(0, 1);
  const rpns: { seed: number; rpn: Rpn }[] = [];
  for (const seed of seeds) rpns.push({ seed, rpn: (await exp.rpn(seed)).rpn });
  const threshold = cfg.thresholdOverride ?? BENCHMARK_THRESHOLDS;
  const methods: MethodSpec[] = [
    { kind: "baseline", key: { method: MAIN_METHODS.baseline } },
    exp.vicrop({ method: MAIN_METHODS.vicrop }, cfg.vicrop),
    ...rpns.flatMap(({ seed, rpn }) =>
      (["mask", "box"] as const).map((upscaling): MethodSpec => ({
        kind: "sdrpn",
        key: { method: upscaling === "mask" ? MAIN_METHODS.sdrpn : MAIN_METHODS.sdrpnBox, extra: { seed } },
        rpn,
        upscaling,
        threshold,
        maxArea: exp.maxArea,
      }))
    ),
  ];

  const rows: ResultRow[] = [];
  const artifacts: Artifact[] = [];
  const seconds = new Map<string, number>();
  const rng = new Rng(exp.seeds[0]!).fork("ci");
  let warm = false;
  for (const name of names) {
    for (const { files } of await benchmarkFiles(real.data, name)) {
      for (const file of files) artifacts.push(await artifact("benchmark", file));
    }
    const maxNewTokens = real.maxNewTokens > 0
      ? Math.min(real.maxNewTokens, MAX_NEW_TOKENS[name])
      : MAX_NEW_TOKENS[name];
    const scored: ScoredItem[] = [];
    const answers = new Map<string, Answers>(
      methods.map((m) => [keyId(m.key), { key: m.key, answers: [], seconds: 0 }]),
    );
    for await (const chunk of chunks(rowsOf(real, name), real.chunk)) {
      const suite = {
        name,
        items: await Promise.all(chunk.map(async (item): Promise<AnswerItem> => ({
          sample: { question: item.prompt },
          image: item.image.rgb,
          pixels: await exp.model.encodeImage(item.image.rgb),
        }))),
      };
      if (!warm) await warmUp(exp.model, suite);
      warm = true;
      const first = scored.length;
      const runs = await evaluateSuite(exp.model, suite, methods, {
        batchSize: cfg.batchSize,
        maxNewTokens,
        progress: (_, total) => progress(`${exp.name} ${name} ${first + 1}–${first + chunk.length}`, total),
      });
      for (const run of runs) {
        const a = answers.get(keyId(run.key))!;
        a.answers.push(...run.answers);
        a.seconds += run.seconds;
      }
      // Keep what scoring needs, not the decoded image.
      for (const { split, answers, category, extra } of chunk) {
        scored.push({ split, answers, category, extra });
      }
    }
    exp.log(`${name}: ${scored.length} rows, max_new_tokens ${maxNewTokens}`);
    for (const a of answers.values()) {
      const id = keyId({ method: a.key.method });
      seconds.set(id, (seconds.get(id) ?? 0) + a.seconds);
    }
    rows.push(...benchmarkRows(name, scored, [...answers.values()], { limit: real.limit, rng }));
  }
  for (const { rpn } of rpns) exp.release(rpn);
  rows.push(...table1Average(rows));

  const phases = throughput(seconds, rpns.length);
  exp.setResult({
    experiment: REAL_BENCHMARKS_EXPERIMENT,
    out: realResultPath(cfg.out),
    prompt: {
      template:
        `lmms-eval@${LMMS_EVAL_COMMIT.slice(0, 7)} doc_to_text (default kwargs) as the question, in the ` +
        `${exp.model.family} chat template`,
      metricVariant: `lmms-eval@${LMMS_EVAL_COMMIT} task metrics and aggregations; hrbench: offline letter ` +
        "extraction instead of the GPT-3.5 judge",
    },
    rows,
    artifacts,
    notes: notes(names, real, rpns.length, released),
    phases,
    summary: summaryTable(rows),
  });
}

/** Rows of one benchmark: each method's aggregates (SD-RPN: mean over seeds), with CIs over rows. */
export function benchmarkRows(
  name: BenchmarkName,
  items: readonly ScoredItem[],
  answers: readonly { key: RowKey; answers: readonly string[] }[],
  options: { limit: number; rng: Rng },
): ResultRow[] {
  const byMethod = new Map<string, BenchmarkMetric[][]>();
  for (const { key, answers: predictions } of answers) {
    if (predictions.length !== items.length) {
      throw new Error(
        `Method "${key.method}" answered ${predictions.length} of ${items.length} rows of "${name}"`,
      );
    }
    const metrics = aggregateBenchmark(
      name,
      items.map((it, i) => ({
        split: it.split,
        answers: it.answers,
        category: it.category,
        extra: it.extra,
        prediction: predictions[i]!,
      })),
    );
    const list = byMethod.get(key.method) ?? [];
    list.push(metrics);
    byMethod.set(key.method, list);
  }
  const rows: ResultRow[] = [];
  for (const [method, perSeed] of byMethod) {
    const first = perSeed[0]!;
    first.forEach((m, j) => {
      const values = perSeed.map((s) => s[j]!.value);
      const value = values.reduce((a, b) => a + b, 0) / values.length;
      const extra: Record<string, unknown> = {
        benchmark: name,
        split: m.split,
        prompt: promptVersion(name, m.split),
        metricVersion: metricVersion(name),
        ...(options.limit > 0 ? { limit: options.limit } : {}),
        ...(name === "hrbench" ? { protocol: HRBENCH_PROTOCOL } : {}),
        ...(m.category ? { category: m.category } : {}),
        ...(perSeed.length > 1 ? { perSeed: values.map((v) => round(v, 2)) } : {}),
      };
      const row: ResultRow = {
        method,
        suite: m.suite,
        metric: m.metric,
        value: round(value, 2),
        n: m.n,
        extra,
      };
      if (m.scores) {
        // Per row, the mean over seeds; its mean is `value`.
        const averaged = m.scores.map((_, i) =>
          perSeed.reduce((a, s) => a + s[j]!.scores![i]!, 0) / perSeed.length
        );
        const ci = bootstrapCi(averaged, { rng: options.rng.fork(`${method}/${m.suite}/${m.metric}`) });
        row.ci = [round(ci.lo, 2), round(ci.hi, 2)];
      }
      rows.push(row);
    });
  }
  return rows;
}

/** Table 1's "Ave" per method: the plain mean of the five headline values, when all five were evaluated. */
export function table1Average(rows: readonly ResultRow[]): ResultRow[] {
  const out: ResultRow[] = [];
  for (const method of [...new Set(rows.map((r) => r.method))]) {
    const parts = TABLE1_BENCHMARKS.map((b) =>
      rows.find((r) => r.method === method && r.suite === b && r.metric === HEADLINE_METRICS[b])
    );
    if (parts.some((p) => p === undefined)) continue;
    const values = parts.map((p) => p!.value);
    out.push({
      method,
      suite: AGGREGATE_SUITES.meanText,
      metric: "average",
      value: round(values.reduce((a, b) => a + b, 0) / values.length, 2),
      n: parts.reduce((a, p) => a + p!.n, 0),
      extra: { parts: TABLE1_BENCHMARKS.map((b) => `${b}:${HEADLINE_METRICS[b]}`) },
    });
  }
  return out;
}

/** Seconds per method (all benchmarks; SD-RPN per seed) and throughput relative to the baseline. */
function throughput(seconds: ReadonlyMap<string, number>, seeds: number): Record<string, number> {
  const phases: Record<string, number> = {};
  const base = seconds.get(keyId({ method: MAIN_METHODS.baseline })) ?? 0;
  for (const [id, total] of seconds) {
    const method = id.split("|")[0]!;
    const per = method === MAIN_METHODS.sdrpn || method === MAIN_METHODS.sdrpnBox ? total / seeds : total;
    phases[`seconds ${method}`] = round(per, 2);
    phases[throughputPhase(method)] = round(per > 0 ? base / per : 0, 2);
  }
  return phases;
}

function notes(
  names: readonly BenchmarkName[],
  real: RealBenchmarksConfig,
  seeds: number,
  released: string | undefined,
): string[] {
  return [
    `Real benchmarks ${names.join(", ")} from "${real.data}"` +
    (real.limit > 0 ? `, first ${real.limit} rows of each split (--limit)` : ", every row") +
    "; prompts are lmms-eval's doc_to_text; generation is greedy with the task's max_new_tokens " +
    "(textvqa and hrbench set none: llava.py's 1024)" +
    (real.maxNewTokens > 0 ? `, capped at ${real.maxNewTokens} (real.maxNewTokens)` : "") + ".",
    "Values are lmms-eval's aggregates in percent (OCRBench category and final scores are sums); CIs are 95 % " +
    "percentile bootstraps over rows (1000 resamples) of means of per-row scores.",
    (released !== undefined
      ? `SD-RPN uses the released RPN weights "${released}" (one evaluation, whatever the seeds)`
      : `SD-RPN rows are means over ${seeds} seed(s) (extra.perSeed); its RPN comes from the testbed's ` +
        "teacher → pseudo-labels → training with this model") +
    "; τ_conf per benchmark: the released defaults " +
    "(0.15 text-centric, 0.10 DocVQA / V* / HR-Bench, 0.05 OCRBench, POPE 0.15).",
    "ocrbench_accuracy = final / 1000 as utils.py divides (whatever the row count); ocrbench_mean = final / n " +
    "is the same number on all 1000 rows and the comparable one under --limit (Table 1 prints it).",
    `HR-Bench: ${HRBENCH_PROTOCOL}.`,
    "Throughput: seconds per method in timing.phases, shared passes charged to every method that reads them.",
  ];
}

/** The headline values per method and benchmark, as printed after the run. */
function summaryTable(rows: readonly ResultRow[]): string {
  const columns = [
    ...TABLE1_BENCHMARKS.map((b) => ({ suite: b as string, metric: HEADLINE_METRICS[b] })),
    { suite: AGGREGATE_SUITES.meanText as string, metric: "average" },
    { suite: "vstar", metric: HEADLINE_METRICS.vstar },
    { suite: "pope", metric: HEADLINE_METRICS.pope },
    { suite: "hrbench_4k", metric: "average" },
    { suite: "hrbench_8k", metric: "average" },
  ].filter((c) => rows.some((r) => r.suite === c.suite && r.metric === c.metric));
  const methods = [...new Set(rows.map((r) => r.method))];
  return formatTable(
    ["method", ...columns.map((c) => `${c.suite} ${c.metric}`)],
    methods.map((m) => [
      m,
      ...columns.map((c) => {
        const r = rows.find((x) => x.method === m && x.suite === c.suite && x.metric === c.metric);
        return r ? String(r.value) : "";
      }),
    ]),
  );
}

/** The rows of a benchmark, the limit applying to each split (HR-Bench: 4K and 8K alike). */
async function* rowsOf(real: RealBenchmarksConfig, name: BenchmarkName): AsyncGenerator<BenchmarkItem> {
  for (const split of BENCHMARKS[name].splits) {
    yield* loadBenchmark(real.data, name, { split, ...(real.limit > 0 ? { limit: real.limit } : {}) });
  }
}

async function* chunks<T>(items: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

function keyId(key: RowKey): string {
  return `${key.method}|${JSON.stringify(key.extra ?? {})}`;
}

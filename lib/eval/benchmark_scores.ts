/**
 * The paper's eight benchmarks scored and aggregated as the lmms-eval copy vendored in the authors'
 * repository does it (YuHengsss/SD-RPN `LLaVA/lmms-eval/lmms_eval/tasks/<task>/`, commit
 * `LMMS_EVAL_COMMIT`): a per-row score from the official metric (lib/eval/official), then each task's
 * aggregation under its own metric names. Rates are in percent (×100, the paper's unit); OCRBench's
 * category and final scores are sums, as lmms-eval writes them.
 *
 * - textvqa `exact_match`: mean of the leave-one-out VQA accuracy.
 * - docvqa, infovqa `anls`: mean ANLS (threshold 0.5).
 * - chartqa `relaxed_overall`, `relaxed_human_split` (type "human_test"), `relaxed_augmented_split`
 *   (every other type): means of relaxed correctness.
 * - ocrbench `ocrbench_accuracy` = final / 1000 (utils.py divides by 1000 whatever the row count), plus
 *   `ocrbench_final` (the sum), `ocrbench_mean` = final / n (equal to `ocrbench_accuracy` on all 1000 rows,
 *   and the comparable number under `--limit`) and one `ocrbench_category` sum per question type.
 * - vstar `vstar_overall_acc` and `vstar_<category>_acc`: means of letter matches.
 * - pope `pope_accuracy`, `pope_precision`, `pope_recall`, `pope_f1_score`, `pope_yes_ratio`.
 * - hrbench, per split (`hrbench_4k`, `hrbench_8k`): `single` (FSP), `cross` (FCP) and `average`, each
 *   the mean over `cycle_category` groups of the group's mean score. lmms-eval scores a row with a GPT-3.5
 *   judge that maps the answer to an option; offline the option letter is extracted with V*'s rules
 *   (`HRBENCH_PROTOCOL`).
 *
 * @module
 */
import type { BenchmarkName } from "../benchmarks/registry.ts";
import {
  anls,
  hrbenchLetter,
  lmmsMean,
  OCRBENCH_CATEGORIES,
  ocrbenchAggregate,
  ocrbenchScore,
  popeMetrics,
  pyLower,
  relaxedCorrectness,
  textvqaAccuracy,
  vstarScore,
} from "./official/mod.ts";

/** The vendored lmms-eval: YuHengsss/SD-RPN at this commit, `LLaVA/lmms-eval/`. */
export const LMMS_EVAL_COMMIT = "00876ac0f6900e642a2698e896b9848e49fe8bdf";

/** How HR-Bench rows are scored here, recorded with every HR-Bench row. */
export const HRBENCH_PROTOCOL =
  "offline letter extraction: lmms-eval asks a GPT-3.5 judge to map the answer to an option; here the " +
  "option letter is extracted with vstar_bench/utils.py's rules (hrbenchLetter) and compared " +
  "case-insensitively with the answer";

/** What the scorer needs of an answered benchmark row. */
export interface AnsweredRow {
  split: string;
  answers: readonly string[];
  category: string | null;
  /** Loader extras: ocrbench `dataset`, hrbench `cycle_category`. */
  extra: Readonly<Record<string, string | null>>;
  /** The model's raw output. */
  prediction: string;
}

/** One aggregate of a benchmark, under lmms-eval's metric name. */
export interface BenchmarkMetric {
  /** The benchmark, or for HR-Bench its split (`hrbench_4k`, `hrbench_8k`). */
  suite: string;
  metric: string;
  value: number;
  /** Rows behind the value. */
  n: number;
  split: string;
  /** For a mean of per-row scores: the per-row scores in percent (their mean is `value`; for CIs). */
  scores?: number[];
  /** OCRBench category of an `ocrbench_category` sum. */
  category?: string;
}

/** lmms-eval's generation length per benchmark (task YAML `generation_kwargs.max_new_tokens`). */
export const MAX_NEW_TOKENS: Readonly<Record<BenchmarkName, number>> = {
  // textvqa and hrbench set none: models/llava.py `generate_until` then uses 1024.
  textvqa: 1024,
  docvqa: 32,
  infovqa: 32,
  chartqa: 16,
  ocrbench: 128,
  vstar: 16,
  pope: 128,
  hrbench: 1024,
};

/** The headline metric per benchmark (suite): what Tables 1–2 print. */
export const HEADLINE_METRICS: Readonly<Record<BenchmarkName, string>> = {
  textvqa: "exact_match",
  docvqa: "anls",
  infovqa: "anls",
  chartqa: "relaxed_overall",
  ocrbench: "ocrbench_mean",
  vstar: "vstar_overall_acc",
  pope: "pope_f1_score",
  hrbench: "average",
};

/** The official per-row score of a benchmark in [0, 1] (POPE: exact yes/no match, its accuracy term). */
export function rowScore(benchmark: BenchmarkName, row: AnsweredRow): number {
  const first = row.answers[0] ?? "";
  switch (benchmark) {
    case "textvqa":
      return textvqaAccuracy(row.prediction, [...row.answers]);
    case "docvqa":
    case "infovqa":
      return anls(row.prediction, [...row.answers]);
    case "chartqa":
      return relaxedCorrectness(row.prediction, first);
    case "ocrbench":
      return ocrbenchScore(row.prediction, [...row.answers], row.extra.dataset ?? "");
    case "vstar":
      return vstarScore(row.prediction, first);
    case "pope":
      return popeMetrics([{ prediction: row.prediction, answer: first }]).accuracy;
    case "hrbench": {
      // hrbench/utils.py: `gt.lower() == gpt_prediction.lower()`, the judge's letter replaced by ours.
      const letter = hrbenchLetter(row.prediction);
      return letter !== null && pyLower(letter) === pyLower(first) ? 1 : 0;
    }
  }
}

/** Every aggregate lmms-eval reports for `benchmark` over its answered rows (none for no rows). */
export function aggregateBenchmark(
  benchmark: BenchmarkName,
  rows: readonly AnsweredRow[],
): BenchmarkMetric[] {
  if (rows.length === 0) return [];
  const split = rows[0]!.split;
  const scores = rows.map((r) => rowScore(benchmark, r));
  const mean = (suite: string, metric: string, values: number[], s = split): BenchmarkMetric => {
    const percent = values.map((v) => v * 100);
    return { suite, metric, value: lmmsMean(values) * 100, n: values.length, split: s, scores: percent };
  };
  switch (benchmark) {
    case "textvqa":
      return [mean(benchmark, "exact_match", scores)];
    case "docvqa":
    case "infovqa":
      return [mean(benchmark, "anls", scores)];
    case "chartqa": {
      const human = scores.filter((_, i) => rows[i]!.category === "human_test");
      const augmented = scores.filter((_, i) => rows[i]!.category !== "human_test");
      return [
        mean(benchmark, "relaxed_overall", scores),
        ...(human.length > 0 ? [mean(benchmark, "relaxed_human_split", human)] : []),
        ...(augmented.length > 0 ? [mean(benchmark, "relaxed_augmented_split", augmented)] : []),
      ];
    }
    case "ocrbench":
      return ocrbenchMetrics(rows, scores, split);
    case "vstar": {
      const out = [mean(benchmark, "vstar_overall_acc", scores)];
      // vstar_process_results files a row under f"vstar_{category}_acc"; a null category prints as None.
      for (const category of uniqueInOrder(rows.map((r) => r.category ?? "None"))) {
        const values = scores.filter((_, i) => (rows[i]!.category ?? "None") === category);
        out.push(mean(benchmark, `vstar_${category}_acc`, values));
      }
      return out;
    }
    case "pope": {
      const m = popeMetrics(rows.map((r) => ({ prediction: r.prediction, answer: r.answers[0] ?? "" })));
      const n = rows.length;
      return [
        { ...mean(benchmark, "pope_accuracy", scores) },
        { suite: benchmark, metric: "pope_precision", value: m.precision * 100, n, split },
        { suite: benchmark, metric: "pope_recall", value: m.recall * 100, n, split },
        { suite: benchmark, metric: "pope_f1_score", value: m.f1 * 100, n, split },
        { suite: benchmark, metric: "pope_yes_ratio", value: m.yesRatio * 100, n, split },
      ];
    }
    case "hrbench":
      return hrbenchMetrics(rows, scores);
  }
}

function ocrbenchMetrics(rows: readonly AnsweredRow[], scores: number[], split: string): BenchmarkMetric[] {
  const agg = ocrbenchAggregate(rows.map((r, i) => ({ questionType: r.category ?? "", score: scores[i]! })));
  const n = rows.length;
  const suite = "ocrbench";
  return [
    { suite, metric: "ocrbench_accuracy", value: agg.accuracy * 100, n, split },
    { suite, metric: "ocrbench_final", value: agg.final, n, split },
    {
      suite,
      metric: "ocrbench_mean",
      value: lmmsMean(scores) * 100,
      n,
      split,
      scores: scores.map((s) => s * 100),
    },
    // Categories present, in utils.py's order.
    ...OCRBENCH_CATEGORIES.filter((c) => rows.some((r) => r.category === c)).map((category) => ({
      suite,
      metric: "ocrbench_category",
      value: agg.categories[category],
      n: rows.filter((r) => r.category === category).length,
      split,
      category,
    })),
  ];
}

function hrbenchMetrics(rows: readonly AnsweredRow[], scores: number[]): BenchmarkMetric[] {
  const out: BenchmarkMetric[] = [];
  for (const split of uniqueInOrder(rows.map((r) => r.split))) {
    const picked = rows.flatMap((r, i) => (r.split === split ? [{ row: r, score: scores[i]! }] : []));
    // hrbench4k.yaml / hrbench8k.yaml: metrics single, cross (process_results files a row under its
    // category) and average (every row), each aggregated by hrbench_aggregate_results.
    for (const metric of ["single", "cross", "average"]) {
      const group = metric === "average" ? picked : picked.filter((p) => p.row.category === metric);
      if (group.length === 0) continue;
      const value = cycleAverage(
        group.map((p) => ({ cycle: p.row.extra.cycle_category ?? null, score: p.score })),
      );
      out.push({ suite: split, metric, value: value * 100, n: group.length, split });
    }
  }
  return out;
}

/**
 * hrbench_aggregate_results: the mean per `cycle_category` (groups in first-seen order, as the dict
 * keeps them), then the plain mean of the group means.
 */
export function cycleAverage(results: readonly { cycle: string | null; score: number }[]): number {
  const groups = new Map<string | null, number[]>();
  for (const { cycle, score } of results) {
    const g = groups.get(cycle) ?? [];
    g.push(score);
    groups.set(cycle, g);
  }
  if (groups.size === 0) throw new Error("Cannot aggregate HR-Bench results of no rows");
  let sum = 0;
  for (const g of groups.values()) sum += g.reduce((a, b) => a + b, 0) / g.length;
  return sum / groups.size;
}

function uniqueInOrder(values: readonly string[]): string[] {
  return [...new Set(values)];
}

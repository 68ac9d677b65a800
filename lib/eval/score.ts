import type { Rng } from "../engine/rng.ts";
import { likelihoodMetric, type ResultRow, type ScoringProtocol } from "../results/schema.ts";
import { bootstrapCi } from "./bootstrap.ts";
import { type MetricFamily, scoreAnswer, summarise } from "./metrics.ts";

/**
 * One method's predictions on one suite, scored with the suite's metric: a result row with a bootstrap CI.
 * `protocol` says where the predictions come from: "generation" (default; metric `<family>-accuracy`) or
 * "likelihood" (option letters / yes-no picked by lib/eval/likelihood.ts; metric
 * `likelihood-<family>-accuracy` and `extra.protocol` "likelihood").
 */
export function scoreMethod(
  method: string,
  suite: string,
  metric: MetricFamily,
  predictions: string[],
  samples: { answers: string[]; options?: string[] }[],
  rng: Rng,
  protocol: ScoringProtocol = "generation",
): { row: ResultRow; accuracy: number; scores: number[] } {
  const items = samples.map((s, i) => ({
    prediction: predictions[i]!,
    answers: s.answers,
    score: scoreAnswer(metric, predictions[i]!, s.answers, s.options),
  }));
  const s = summarise(metric, items);
  const scores = items.map((x) => 100 * x.score);
  const ci = bootstrapCi(scores, { rng });
  const accuracy = round2(s.accuracy);
  const row: ResultRow = {
    method,
    suite,
    metric: protocol === "likelihood" ? likelihoodMetric(metric) : `${metric}-accuracy`,
    value: accuracy,
    n: items.length,
    ci: [round2(ci.lo), round2(ci.hi)],
  };
  const extra = {
    ...(protocol === "likelihood" ? { protocol } : {}),
    ...(s.f1 !== undefined ? { f1: round2(s.f1), yesRatio: round2(s.yesRatio ?? 0) } : {}),
  };
  if (Object.keys(extra).length > 0) row.extra = extra;
  return { row, accuracy, scores };
}

export function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

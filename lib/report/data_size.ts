/**
 * Accuracy vs the number of teacher samples the RPN was trained on (the paper's 10K vs 152K analogue).
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import { DASH, DERIVED_NOTE, measuredCell, notRunYet } from "./cells.ts";
import {
  ABLATION_METHODS,
  AGGREGATE_SUITES,
  DATA_SIZE_DELTA,
  isAccuracyMetric,
  METRICS,
} from "../experiment/conventions.ts";
import { experimentIn } from "../experiment/registry.ts";
import { accuracyOf, deltaOf, findRow, type Measured, measuredOf, type ResultSet } from "./lookup.ts";
import { formatSigned, markdownTable } from "./markdown.ts";
import type { PaperTables } from "./paper.ts";

const METHOD = ABLATION_METHODS.sdrpn;
const MEAN = AGGREGATE_SUITES.mean;

/** One teacher-set size with its mean accuracy and gain over the baseline. */
export interface SizePoint {
  samples: number;
  accuracy?: Measured;
  gain?: Measured;
}

/** Every teacher-set size of the data-size sweep, ascending. */
export function dataSizePoints(result: Result | undefined): SizePoint[] {
  const sizes = new Set<number>();
  for (const row of result?.rows ?? []) {
    const samples = row.extra?.samples;
    if (row.method === METHOD && isAccuracyMetric(row.metric) && typeof samples === "number") {
      sizes.add(samples);
    }
  }
  return [...sizes].sort((a, b) => a - b).map((samples) => {
    const extra = { samples };
    const accuracy = accuracyOf(result, { method: METHOD, suite: MEAN, extra });
    const gain = deltaOf(result, { a: METHOD, b: ABLATION_METHODS.baseline, suite: MEAN, extra });
    return { samples, ...(accuracy ? { accuracy } : {}), ...(gain ? { gain } : {}) };
  });
}

/** The data-size section. */
export function dataSizeSection(results: ResultSet, paper: PaperTables): string {
  const experiment = experimentIn("dataSize");
  const result = results.get(experiment);
  const out = ["## Teacher data size", ""];
  if (!result) return [...out, notRunYet(experiment), ""].join("\n");
  const points = dataSizePoints(result);
  const rows = points.map((p) => [
    String(p.samples),
    measuredCell(p.accuracy),
    measuredCell(p.gain, { signed: true }),
  ]);
  const baseline = accuracyOf(result, { method: ABLATION_METHODS.baseline, suite: MEAN });
  const spread = findRow(result, {
    method: DATA_SIZE_DELTA,
    suite: MEAN,
    metric: (m) => m === METRICS.deltaAccuracy,
  });
  const paperText = paper.ablations_llava_1_5_7b_avg_gain.data_size
    .map((p) => `${p.samples} samples ${formatSigned(p.gain)}`).join(", ");
  return [
    ...out,
    markdownTable(["teacher samples", "ours: mean accuracy", "ours: gain vs baseline"], rows, {
      align: ["right", "right", "right"],
    }),
    "",
    `- Baseline (same questions): ${measuredCell(baseline)}.`,
    `- Largest − smallest teacher set: ${
      spread ? measuredCell(measuredOf(spread), { signed: true }) : DASH
    }.`,
    `- Paper (LLaVA-1.5-7B, gain over its baseline): ${paperText}.`,
    `- ${DERIVED_NOTE}`,
    "",
  ].join("\n");
}

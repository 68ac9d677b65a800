/**
 * POPE's five metrics as lmms-eval's `tasks/pope/utils.py` aggregates them (`pope_aggregate_*`).
 *
 * @module
 */

import { pyLower, pyStrip } from "./python_str.ts";

/** POPE's aggregate metrics; "yes" is the positive class. */
export interface PopeMetrics {
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  yesRatio: number;
}

/**
 * POPE metrics over raw model outputs and their "yes"/"no" answers. Predictions are harness-stripped,
 * lower-cased and stripped and must then be exactly "yes" or "no" to count: "Yes." is wrong, and a
 * prediction that is neither is no false negative. Precision, recall and F1 are 0 where their
 * denominator is. `yesRatio` is, as in the reference, the share of "yes" GROUND-TRUTH answers, not of
 * predictions. No items is an error (the reference divides by zero), as is an answer other than yes/no.
 */
export function popeMetrics(items: { prediction: string; answer: string }[]): PopeMetrics {
  if (items.length === 0) throw new Error("Cannot compute POPE metrics of no items");
  let correct = 0;
  let truePositives = 0;
  let falsePositives = 0;
  let falseNegatives = 0;
  let yes = 0;
  let no = 0;
  for (const [index, item] of items.entries()) {
    const pred = pyStrip(pyLower(pyStrip(item.prediction)));
    const gt = pyStrip(pyLower(item.answer));
    if (gt !== "yes" && gt !== "no") {
      throw new Error(`POPE item ${index} has answer "${item.answer}", expected "yes" or "no"`);
    }
    if (pred === gt) correct++;
    if (gt === "yes") {
      yes++;
      if (pred === "yes") truePositives++;
      else if (pred === "no") falseNegatives++;
    } else {
      no++;
      if (pred === "yes") falsePositives++;
    }
  }
  const precision = truePositives + falsePositives > 0 ? truePositives / (truePositives + falsePositives) : 0;
  const recall = truePositives + falseNegatives > 0 ? truePositives / (truePositives + falseNegatives) : 0;
  const f1 = precision + recall > 0 ? 2 * (precision * recall) / (precision + recall) : 0;
  return { accuracy: correct / items.length, precision, recall, f1, yesRatio: yes / (yes + no) };
}

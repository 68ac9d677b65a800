/**
 * ChartQA's relaxed correctness (lmms-eval `tasks/chartqa/utils.py` `relaxed_correctness`, from Qwen-VL's
 * evaluate_vqa.py): numbers within 5 % of a non-zero numeric target are right, anything else must match
 * case-insensitively.
 *
 * @module
 */

import { pyFloat, pyLower, pyRstripChars, pyStrip } from "./python_str.ts";

/** ChartQA's tolerance: 5 % relative error. */
export const MAX_RELATIVE_CHANGE = 0.05;

/** `_to_float`: Python's float(), with any trailing "%" run removed and the value divided by 100. */
function toFloat(text: string): number | null {
  if (text.endsWith("%")) {
    const value = pyFloat(pyRstripChars(text, "%"));
    return value === null ? null : value / 100;
  }
  return pyFloat(text);
}

/**
 * ChartQA score (1 or 0) of one raw model output against the target answer. The prediction is
 * harness-stripped, the target is used as stored. When both parse as Python floats and the target is
 * truthy (non-zero; NaN is truthy, and then nothing is within tolerance), the relative change must be
 * ≤ 5 %; otherwise the texts must be equal after Python's `lower()`.
 */
export function relaxedCorrectness(prediction: string, target: string): number {
  const pred = pyStrip(prediction);
  const predFloat = toFloat(pred);
  const targetFloat = toFloat(target);
  if (predFloat !== null && targetFloat !== null && targetFloat !== 0) {
    const relativeChange = Math.abs(predFloat - targetFloat) / Math.abs(targetFloat);
    return relativeChange <= MAX_RELATIVE_CHANGE ? 1 : 0;
  }
  return pyLower(pred) === pyLower(target) ? 1 : 0;
}

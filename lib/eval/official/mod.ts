/**
 * The official metrics of the paper's eight benchmarks, scored as the lmms-eval copy vendored in the
 * authors' repository (YuHengsss/SD-RPN, `LLaVA/lmms-eval/lmms_eval/`) scores them. Every function takes
 * the raw model output and applies the harness's Python `str.strip()` itself.
 *
 * @module
 */

export { evalAiNormalize, textvqaAccuracy } from "./eval_ai.ts";
export { anls, levenshtein } from "./anls.ts";
export { MAX_RELATIVE_CHANGE, relaxedCorrectness } from "./relaxed.ts";
export {
  OCRBENCH_CATEGORIES,
  type OcrbenchAggregate,
  ocrbenchAggregate,
  type OcrbenchCategory,
  type OcrbenchResult,
  ocrbenchScore,
} from "./ocrbench.ts";
export { type PopeMetrics, popeMetrics } from "./pope.ts";
export { hrbenchLetter, vstarLetter, vstarScore } from "./vstar.ts";
export { pyFloat, pyLen, pyLower, pySplit, pyStrip, pyUpper } from "./python_str.ts";
export { lmmsMean, pyMean } from "./python_mean.ts";

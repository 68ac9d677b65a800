/**
 * OCRBench (v1) scoring as lmms-eval's `tasks/ocrbench/utils.py` does it: a sample scores 1 when some
 * accepted answer is a substring of the prediction, and the benchmark score is the sum over its 1000
 * samples, reported per category and as sum / 1000.
 *
 * @module
 */

import { pyLower, pyStrip } from "./python_str.ts";

/** OCRBench's ten question types, in the reference's order. */
export const OCRBENCH_CATEGORIES = [
  "Regular Text Recognition",
  "Irregular Text Recognition",
  "Artistic Text Recognition",
  "Handwriting Recognition",
  "Digit String Recognition",
  "Non-Semantic Text Recognition",
  "Scene Text-centric VQA",
  "Doc-oriented VQA",
  "Key Information Extraction",
  "Handwritten Mathematical Expression Recognition",
] as const;

/** One OCRBench question type. */
export type OcrbenchCategory = typeof OCRBENCH_CATEGORIES[number];

// The six recognition types the reference sums into "Text Recognition" (utils.py L73-80).
const RECOGNITION = OCRBENCH_CATEGORIES.slice(0, 6);

/**
 * OCRBench score (1 or 0) of one raw model output. The prediction is harness-stripped, lower-cased and
 * stripped. For the `HME100k` dataset (formulas) spaces and newlines are deleted from both sides and the
 * answer is NOT lower-cased, so an answer with capitals can only match a prediction that does not lower
 * them; elsewhere the answer is lower-cased and stripped and newlines become spaces. An empty answer list
 * scores 0; an empty answer string is a substring of anything and scores 1.
 */
export function ocrbenchScore(prediction: string, answer: string | string[], dataset: string): number {
  const pred = pyStrip(pyLower(pyStrip(prediction)));
  const answers = Array.isArray(answer) ? answer : [answer];
  const matches = dataset === "HME100k"
    ? (gt: string) => squeeze(pred).includes(squeeze(gt))
    : (gt: string) => newlinesToSpaces(pyLower(pred)).includes(newlinesToSpaces(pyLower(gt)));
  return answers.some(matches) ? 1 : 0;
}

function squeeze(text: string): string {
  return pyStrip(text).replaceAll("\n", " ").replaceAll(" ", "");
}

function newlinesToSpaces(text: string): string {
  return pyStrip(text).replaceAll("\n", " ");
}

/** One scored OCRBench sample: its `question_type` and its {@link ocrbenchScore}. */
export interface OcrbenchResult {
  questionType: string;
  score: number;
}

/** The OCRBench aggregate: per-category sums, the recognition subtotal, the final sum, and final / 1000. */
export interface OcrbenchAggregate {
  categories: Record<OcrbenchCategory, number>;
  recognition: number;
  final: number;
  accuracy: number;
}

/**
 * Sums OCRBench sample scores per question type as `ocrbench_aggregate_accuracy` does; the reported
 * accuracy divides by 1000 (the benchmark's size), not by the number of samples given. An unknown question
 * type is an error (the reference raises `KeyError`). Unlike the reference, whose module-level tally grows
 * across calls, every call starts from zero.
 */
export function ocrbenchAggregate(results: readonly OcrbenchResult[]): OcrbenchAggregate {
  const categories = Object.fromEntries(OCRBENCH_CATEGORIES.map((c) => [c, 0])) as Record<
    OcrbenchCategory,
    number
  >;
  for (const { questionType, score } of results) {
    if (!(OCRBENCH_CATEGORIES as readonly string[]).includes(questionType)) {
      throw new Error(`Unknown OCRBench question type "${questionType}"`);
    }
    categories[questionType as OcrbenchCategory] += score;
  }
  const recognition = RECOGNITION.reduce((sum, c) => sum + categories[c], 0);
  const final = OCRBENCH_CATEGORIES.slice(6).reduce((sum, c) => sum + categories[c], recognition);
  return { categories, recognition, final, accuracy: final / 1000 };
}

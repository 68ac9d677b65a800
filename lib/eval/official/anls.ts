/**
 * ANLS, the DocVQA / InfographicVQA metric, as lmms-eval's `api/metrics.py` registers it (`anls`,
 * `levenshtein_distance`); both `docvqa_val` and `infovqa_val` use it with the default threshold.
 *
 * @module
 */

import { pyLen, pyLower, pySplit, pyStrip, pyUpper } from "./python_str.ts";

/** Levenshtein edit distance (insert, delete, substitute, each cost 1) over Unicode code points. */
export function levenshtein(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  let previous = Array.from({ length: s.length + 1 }, (_, i) => i);
  for (let j = 0; j < t.length; j++) {
    const current = [j + 1];
    for (let i = 0; i < s.length; i++) {
      const cost = s[i] === t[j] ? previous[i]! : 1 + Math.min(previous[i]!, previous[i + 1]!, current[i]!);
      current.push(cost);
    }
    previous = current;
  }
  return previous[s.length]!;
}

/** lower-case, strip, and collapse whitespace runs to one space, in the reference's order. */
function normalise(text: string): string {
  return pySplit(pyLower(pyStrip(text))).join(" ");
}

/**
 * ANLS of one raw model output against the accepted answers: 1 − min over answers of NL, where NL is the
 * edit distance of the normalised strings over the longer of the two un-normalised lengths, and 0 when that
 * is below `threshold` (a score exactly at the threshold is kept). As in the reference, the lengths are
 * those of `answer.upper()` and of the harness-stripped prediction's `upper()`, so "ß" counts two.
 * No answers scores 0 (the reference raises on an empty list).
 */
export function anls(prediction: string, answers: string[], threshold = 0.5): number {
  if (answers.length === 0) return 0;
  const pred = pyStrip(prediction);
  const detected = normalise(pred);
  const predLength = pyLen(pyUpper(pred));
  const distances = answers.map((answer) => {
    const length = Math.max(pyLen(pyUpper(answer)), predLength);
    return length === 0 ? 0 : levenshtein(normalise(answer), detected) / length;
  });
  const score = 1 - Math.min(...distances);
  return score < threshold ? 0 : score;
}

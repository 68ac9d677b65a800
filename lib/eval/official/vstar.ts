/**
 * V* Bench's answer-letter extraction (lmms-eval `tasks/vstar_bench/utils.py` `extract_answer_letter`).
 *
 * HR-Bench is scored in lmms-eval by a GPT-3.5 judge mapping the answer to an option; offline, the suite
 * extracts the letter the same way as for V* ({@link hrbenchLetter}) and records that protocol.
 *
 * @module
 */

import { PY_WHITESPACE_CLASS, pyStrip, pyUpper } from "./python_str.ts";

// Python's `\s` in str patterns is str.isspace(), not JavaScript's \s.
const S = `[${PY_WHITESPACE_CLASS}]`;

// Python's re.IGNORECASE compares simple lower-case mappings and also pairs "i" with "ı": its "I" matches
// "İ" and "ı", which JavaScript's /iu does not (its "S" ~ "ſ" agrees). "İ" survives upper().
const I = "[Iİı]";

// utils.py L52-58, tried in order with re.IGNORECASE against the upper-cased response.
const PATTERNS = [
  new RegExp(`^([A-D])${S}*[.)\\]]*`, "iu"), // starts with the letter
  new RegExp(
    `(?:THE${S}+)?(?:ANSWER|CHO${I}CE|OPT${I}ON)(?:${S}+${I}S)?[${PY_WHITESPACE_CLASS}:]+([A-D])`,
    "iu",
  ),
  /\(([A-D])\)/iu, // (A)
  new RegExp(`([A-D])${S}*(?:\\.|\\)|\\])`, "iu"), // A. A) A]
  new RegExp(`(?:^|${S})([A-D])(?:${S}|$)`, "iu"), // a standalone letter
];

/**
 * The option letter "A"–"D" in a raw model output, or null. The response is stripped and upper-cased
 * (so "ß" becomes "SS"), then the first matching pattern wins: a leading letter (so "Dog" gives "D"),
 * "ANSWER/CHOICE/OPTION (IS) X", "(X)", "X." / "X)" / "X]", a standalone letter; failing those, the only
 * A–D letter in the response, or a leading one.
 */
export function vstarLetter(prediction: string): string | null {
  const response = pyUpper(pyStrip(prediction));
  for (const pattern of PATTERNS) {
    const match = pattern.exec(response);
    if (match) return pyUpper(match[1]!);
  }
  const letters = response.match(/[A-D]/gu) ?? [];
  if (letters.length === 1) return letters[0]!;
  const first = [...response][0];
  return first !== undefined && "ABCD".includes(first) ? first : null;
}

/** V* score (1 or 0): the extracted letter equals the label, stripped and upper-cased (`vstar_process_results`). */
export function vstarScore(prediction: string, label: string): number {
  return vstarLetter(prediction) === pyUpper(pyStrip(label)) ? 1 : 0;
}

/** HR-Bench's offline protocol: the V* letter extraction in place of lmms-eval's GPT-3.5 option judge. */
export const hrbenchLetter: (prediction: string) => string | null = vstarLetter;

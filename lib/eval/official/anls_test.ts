import assert from "node:assert/strict";
import { anls, levenshtein } from "./anls.ts";

// Golden values read off the vendored lmms-eval (YuHengsss/SD-RPN @ 00876ac, LLaVA/lmms-eval/lmms_eval/)
// api/metrics.py and checked against its anls() run under CPython 3.11.

Deno.test("levenshtein() counts insertions, deletions and substitutions", () => {
  // api/metrics.py L276-289 levenshtein_distance
  assert.equal(levenshtein("kitten", "sitting"), 3);
  assert.equal(levenshtein("sitting", "kitten"), 3);
  assert.equal(levenshtein("", "abc"), 3);
  assert.equal(levenshtein("abc", ""), 3);
  assert.equal(levenshtein("", ""), 0);
  assert.equal(levenshtein("flaw", "lawn"), 2);
});

Deno.test("levenshtein() works on code points, not UTF-16 units", () => {
  // Python str indexing is by code point
  assert.equal(levenshtein("𝟙𝟚", "𝟙"), 1);
  assert.equal(levenshtein("𝟙", "𝟚"), 1);
});

Deno.test("anls() is 1 for a match up to case and whitespace", () => {
  // api/metrics.py L310-311: " ".join(s.strip().lower().split())
  assert.equal(anls("  The   Answer\n", ["the answer"]), 1);
  assert.equal(anls("\u3000abcd\x85", ["ABCD"]), 1);
  assert.equal(anls("İ", ["i\u0307"]), 1, "İ.lower() is i + combining dot");
});

Deno.test("anls() keeps a score exactly at the threshold and zeroes one below it", () => {
  // api/metrics.py L319-320: `if question_result < thresh_hold: 0`
  assert.equal(anls("abxy", ["abcd"]), 0.5);
  assert.equal(anls("axyz", ["abcd"]), 0);
  assert.equal(anls("abcx", ["abcd"], 0.75), 0.75);
  assert.equal(anls("abcx", ["abcd"], 0.8), 0);
});

Deno.test("anls() divides by the longer raw length of upper(), so 'ß' counts two", () => {
  // api/metrics.py L314: length = max(len(answer.upper()), len(pred.upper()))
  assert.equal(anls("ßß", ["ss"]), 0.5, "distance 2 over len('SSSS') = 4");
  assert.equal(anls("straße", ["STRASSE"]), 1 - 2 / 7);
  assert.equal(anls("ab", ["a  b"]), 0.75, "the un-collapsed answer 'a  b' has length 4");
});

Deno.test("anls() takes the best answer", () => {
  // api/metrics.py L308-317: 1 - min over answers
  assert.equal(anls("abcd", ["xyz", "abce", "abcd"]), 1);
  assert.equal(anls("abce", ["xyz", "abcd"]), 0.75);
});

Deno.test("anls() scores two empty strings 1 and no answers 0", () => {
  // api/metrics.py L315: length 0 gives distance 0; an empty list makes the reference's min() raise
  assert.equal(anls("", [""]), 1);
  assert.equal(anls("", ["abc"]), 0);
  assert.equal(anls("abc", []), 0);
});

import assert from "node:assert/strict";
import { hrbenchLetter, vstarLetter, vstarScore } from "./vstar.ts";

// Golden values read off the vendored lmms-eval (YuHengsss/SD-RPN @ 00876ac, LLaVA/lmms-eval/lmms_eval/)
// tasks/vstar_bench/utils.py L46-74 extract_answer_letter, checked by running it under CPython 3.11.

Deno.test("vstarLetter() reads a leading letter with or without brackets and dots", () => {
  // L53: ^([A-D])\s*[\.)\]]*
  assert.equal(vstarLetter("A."), "A");
  assert.equal(vstarLetter("B) cat"), "B");
  assert.equal(vstarLetter("a"), "A");
  assert.equal(vstarLetter("\x85 b \x85"), "B");
});

Deno.test("vstarLetter() takes ANY leading A-D letter, even the first letter of a word", () => {
  // L53 matches before the answer pattern of L54 is tried
  assert.equal(vstarLetter("Dog"), "D");
  assert.equal(vstarLetter("Because"), "B");
  assert.equal(vstarLetter("answer: c"), "A");
});

Deno.test("vstarLetter() reads 'the answer is X' and 'choice: X' in any case", () => {
  // L54 with re.IGNORECASE
  assert.equal(vstarLetter("The answer is B"), "B");
  assert.equal(vstarLetter("option D"), "D");
  assert.equal(vstarLetter("the choice:b"), "B");
  assert.equal(vstarLetter("The answer is (D)."), "D");
});

Deno.test("vstarLetter() reads '(X)', 'X.' and a standalone letter", () => {
  // L55-57
  assert.equal(vstarLetter("(A)"), "A");
  assert.equal(vstarLetter("(b)"), "B");
  assert.equal(vstarLetter("I think it is (C)"), "C");
  assert.equal(vstarLetter("i think c."), "C");
  assert.equal(vstarLetter("xyz b"), "B");
});

Deno.test("vstarLetter() falls back to the only A-D letter, else gives null", () => {
  // L66-74
  assert.equal(vstarLetter("xCx"), "C");
  assert.equal(vstarLetter("The car is red"), null, "C, A and D all occur");
  assert.equal(vstarLetter("no letter here"), null);
  assert.equal(vstarLetter("E"), null);
  assert.equal(vstarLetter(""), null);
  assert.equal(vstarLetter("   "), null);
});

Deno.test("vstarLetter() follows Python's \\s and IGNORECASE, not JavaScript's", () => {
  // L49 strip(); L54 "\s" includes U+001C and "IS" matches "İS" under re.IGNORECASE, so L54 wins over L55
  assert.equal(vstarLetter("(C) answer\x1cb"), "B");
  assert.equal(vstarLetter("(A) the answer İS B"), "B");
  // U+FEFF is not stripped, so no pattern anchors at the start and B, A, D are three letters
  assert.equal(vstarLetter("\ufeffBAD"), null);
});

Deno.test("vstarScore() compares the letter with the stripped, upper-cased label", () => {
  // L87-96
  assert.equal(vstarScore("(b)", " b "), 1);
  assert.equal(vstarScore("Dog", "A"), 0);
  assert.equal(vstarScore("", ""), 0, "no letter never equals a label");
});

Deno.test("hrbenchLetter() is the V* extraction", () => {
  assert.equal(hrbenchLetter, vstarLetter);
});

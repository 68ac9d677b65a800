import assert from "node:assert/strict";
import { evalAiNormalize, textvqaAccuracy } from "./eval_ai.ts";

// Golden values read off the vendored lmms-eval (YuHengsss/SD-RPN @ 00876ac, LLaVA/lmms-eval/lmms_eval/)
// and checked against its EvalAIAnswerProcessor and textvqa_process_results run under CPython 3.11.

// --- evalAiNormalize: tasks/_task_utils/vqa_eval_metric.py ---------------------------------------

Deno.test("evalAiNormalize() lower-cases, drops ',' '?' and articles, and collapses spaces", () => {
  // L178-181 word_tokenize, L193-206 process_digit_article
  assert.equal(evalAiNormalize("  What?  A red, big car!"), "what red big car");
  assert.equal(evalAiNormalize("a an the"), "");
  assert.equal(evalAiNormalize("Theatre"), "theatre", "articles only as whole words");
});

Deno.test("evalAiNormalize() maps number words zero to ten, and 'none', to digits", () => {
  // L134-147 NUMBER_MAP, L197
  assert.equal(evalAiNormalize("\u3000None of the TEN\tcats\x85"), "0 of 10 cats");
  assert.equal(evalAiNormalize("Theatre eleven twenty one"), "theatre eleven twenty 1");
});

Deno.test("evalAiNormalize() restores contractions, splits off 's, and keeps the table's quirks", () => {
  // L11-132 CONTRACTIONS (lower-cased text never meets the key "Im"), L180 "'s" → " 's"
  assert.equal(evalAiNormalize("John's dont Im somebody'd"), "john 's don't im somebodyd");
  assert.equal(evalAiNormalize("yall'll it's"), "y'all'll it 's");
});

Deno.test("evalAiNormalize() removes punctuation touching a space and blanks it otherwise", () => {
  // L183-189 process_punctuation: the test is on the whole input, per punctuation mark
  assert.equal(evalAiNormalize("hello - world"), "hello world");
  assert.equal(evalAiNormalize("x/y z"), "x y z");
  assert.equal(evalAiNormalize("x/y /z"), "xy z", "one spaced '/' makes every '/' vanish");
  assert.equal(evalAiNormalize("(x)y"), "x y");
  assert.equal(evalAiNormalize("@home #1 50% (approx)"), "home #1 50% approx");
});

Deno.test("evalAiNormalize() drops periods unless a digit follows", () => {
  // L149 PERIOD_STRIP, L190
  assert.equal(evalAiNormalize("end. 3.5 .5 v1.2."), "end 3.5 .5 v1.2");
  assert.equal(evalAiNormalize("1.5. 2,5"), "1.5 25", "commas go first, in word_tokenize");
});

Deno.test("evalAiNormalize() removes only the first 32 periods (re.UNICODE passed as sub's count)", () => {
  // L190: PERIOD_STRIP.sub("", out_text, re.UNICODE) — the third positional argument is count = 32
  const input = "x.".repeat(40);
  assert.equal(evalAiNormalize(input), "x".repeat(33) + ".x".repeat(7) + ".");
});

Deno.test("evalAiNormalize() turns tabs and newlines into spaces and strips Python whitespace", () => {
  // L210
  assert.equal(evalAiNormalize("red\tcar\nblue"), "red car blue");
  assert.equal(evalAiNormalize("\x1c dog \x1f"), "dog");
  assert.equal(evalAiNormalize("Straße"), "straße", "lower() keeps ß");
});

// --- textvqaAccuracy: tasks/textvqa/utils.py L19-36 ----------------------------------------------

const withMatches = (k: number, n = 10) => Array.from({ length: n }, (_, i) => i < k ? "2" : "3");

Deno.test("textvqaAccuracy() is the leave-one-out mean of min(1, matches / 3) over 10 annotators", () => {
  // L31-36: k identical matching answers give 0, 0.3, 0.6, 0.9, then 1
  assert.equal(textvqaAccuracy("2", withMatches(0)), 0);
  assert.equal(textvqaAccuracy("2", withMatches(1)), 0.3);
  assert.equal(textvqaAccuracy("2", withMatches(2)), 0.6);
  assert.equal(textvqaAccuracy("2", withMatches(3)), 0.9);
  assert.equal(textvqaAccuracy("2", withMatches(4)), 1);
  assert.equal(textvqaAccuracy("2", withMatches(10)), 1);
});

Deno.test("textvqaAccuracy() normalises the prediction and every answer the same way", () => {
  // L22, L28-29
  assert.equal(textvqaAccuracy("Two", withMatches(3)), 0.9);
  assert.equal(
    textvqaAccuracy("\u3000Stop sign\x85", ["stop sign", "stop-sign", "stop sign", "stop sign", "sign"]),
    1,
  );
});

Deno.test("textvqaAccuracy() averages exactly as statistics.mean does", () => {
  // L36: the exact mean of three 2/3s and two 1s is 0.7999999999999999, a float sum gives 0.8
  assert.equal(textvqaAccuracy("cat", ["cat", "Cat.", "the cat", "dog", "dog"]), 0.7999999999999999);
  assert.equal(textvqaAccuracy("cat", ["cat", "cat", "x", "y", "z", "w"]), 0.5555555555555556);
});

Deno.test("textvqaAccuracy() scores no answers 0", () => {
  // L23-25: a missing answer list leaves accuracy 0 (an empty list would make statistics.mean raise)
  assert.equal(textvqaAccuracy("cat", []), 0);
});

Deno.test("textvqaAccuracy() does not modify the answers it is given", () => {
  const answers = ["The Cat.", "cat"];
  textvqaAccuracy("cat", answers);
  assert.deepEqual(answers, ["The Cat.", "cat"]);
});

import assert from "node:assert/strict";
import { OCRBENCH_CATEGORIES, ocrbenchAggregate, ocrbenchScore } from "./ocrbench.ts";

// Golden values read off the vendored lmms-eval (YuHengsss/SD-RPN @ 00876ac, LLaVA/lmms-eval/lmms_eval/)
// tasks/ocrbench/utils.py and checked by running ocrbench_process_results under CPython 3.11.

Deno.test("ocrbenchScore() is 1 when a lower-cased answer is a substring of the prediction", () => {
  // L53-64
  assert.equal(ocrbenchScore("The answer is Hello World", ["hello world"], "IIIT5K"), 1);
  assert.equal(ocrbenchScore("Hello", ["bye", "HELLO"], "IIIT5K"), 1);
  assert.equal(ocrbenchScore("Hello", ["bye", "hi"], "IIIT5K"), 0);
  assert.equal(ocrbenchScore("Hello", "  hello \n", "IIIT5K"), 1, "a single answer string is stripped too");
});

Deno.test("ocrbenchScore() turns newlines into spaces on both sides", () => {
  // L56-57: .replace("\n", " ")
  assert.equal(ocrbenchScore("hello world", "hello\nworld", "IIIT5K"), 1);
});

Deno.test("ocrbenchScore() scores an empty answer list 0 and an empty answer string 1", () => {
  // L42-43 / L54-55 loop over no answers; L61-63 '' in anything is True
  assert.equal(ocrbenchScore("Hello", [], "IIIT5K"), 0);
  assert.equal(ocrbenchScore("Hello", "", "IIIT5K"), 1);
});

Deno.test("ocrbenchScore() deletes spaces and newlines for HME100k and keeps the answer's case", () => {
  // L41-52: the HME100k branch lower-cases only the prediction (L36)
  assert.equal(ocrbenchScore("$x^{2}$", ["x ^ { 2 }"], "HME100k"), 1);
  assert.equal(ocrbenchScore("a\nb", "ab", "HME100k"), 1);
  assert.equal(ocrbenchScore("X^{2}", ["X^{2}"], "HME100k"), 0);
  assert.equal(ocrbenchScore("X^{2}", ["X^{2}"], "CROHME"), 1, "other datasets lower-case both sides");
  assert.equal(ocrbenchScore("a b", "a\tb", "HME100k"), 0, "tabs are not deleted");
});

Deno.test("ocrbenchScore() strips the raw prediction with Python's whitespace set", () => {
  // api/task.py L1466-1468 and utils.py L36; lower() keeps ß, so 'straße' is not in 'strasse'
  assert.equal(ocrbenchScore("\u3000Hi\x85", "hi", "IIIT5K"), 1);
  assert.equal(ocrbenchScore("STRASSE", "straße", "IIIT5K"), 0);
});

Deno.test("ocrbenchAggregate() sums per category and divides the total by 1000", () => {
  // L70-81 and L105
  const results = [
    { questionType: "Regular Text Recognition", score: 1 },
    { questionType: "Regular Text Recognition", score: 1 },
    { questionType: "Digit String Recognition", score: 0 },
    { questionType: "Non-Semantic Text Recognition", score: 1 },
    { questionType: "Doc-oriented VQA", score: 1 },
    { questionType: "Handwritten Mathematical Expression Recognition", score: 1 },
  ];
  const aggregate = ocrbenchAggregate(results);
  assert.equal(aggregate.categories["Regular Text Recognition"], 2);
  assert.equal(aggregate.categories["Digit String Recognition"], 0);
  assert.equal(aggregate.categories["Doc-oriented VQA"], 1);
  assert.equal(aggregate.recognition, 3);
  assert.equal(aggregate.final, 5);
  assert.equal(aggregate.accuracy, 0.005);
  assert.deepEqual(Object.keys(aggregate.categories), [...OCRBENCH_CATEGORIES]);
});

Deno.test("ocrbenchAggregate() starts from zero on every call", () => {
  // Unlike the module-level OCRBench_score dict of L8-19, which accumulates across calls
  const one = [{ questionType: "Key Information Extraction", score: 1 }];
  ocrbenchAggregate(one);
  assert.equal(ocrbenchAggregate(one).final, 1);
  assert.equal(ocrbenchAggregate([]).accuracy, 0);
});

Deno.test("ocrbenchAggregate() rejects an unknown question type", () => {
  // L72 raises KeyError
  assert.throws(() => ocrbenchAggregate([{ questionType: "Scene Text VQA", score: 1 }]), {
    message: 'Unknown OCRBench question type "Scene Text VQA"',
  });
});

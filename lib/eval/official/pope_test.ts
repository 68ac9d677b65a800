import assert from "node:assert/strict";
import { popeMetrics } from "./pope.ts";

// Golden values read off the vendored lmms-eval (YuHengsss/SD-RPN @ 00876ac, LLaVA/lmms-eval/lmms_eval/)
// tasks/pope/utils.py and checked by running pope_process_results and the pope_aggregate_* under CPython 3.11.

const items = (pairs: [string, string][]) => pairs.map(([prediction, answer]) => ({ prediction, answer }));

Deno.test("popeMetrics() computes accuracy, precision, recall, F1 and the yes ratio", () => {
  // L31-84
  const metrics = popeMetrics(
    items([["Yes", "yes"], ["no", "yes"], ["yes", "no"], ["No", "no"], ["no", "no"]]),
  );
  assert.deepEqual(metrics, { accuracy: 0.6, precision: 0.5, recall: 0.5, f1: 0.5, yesRatio: 0.4 });
  const skewed = popeMetrics(items([["yes", "yes"], ["yes", "yes"], ["yes", "no"]]));
  assert.deepEqual(skewed, {
    accuracy: 0.6666666666666666,
    precision: 0.6666666666666666,
    recall: 1,
    f1: 0.8,
    yesRatio: 0.6666666666666666,
  });
});

Deno.test("popeMetrics() needs an exact 'yes'/'no' after lower() and strip(), and skips other words", () => {
  // L18-21: "Yes." is wrong; L61-62: only pred == "no" is a false negative, so "maybe" is not one
  const metrics = popeMetrics(items([["Yes.", "yes"], [" YES\n", "yes"], ["maybe", "yes"], ["no", "No "]]));
  assert.deepEqual(metrics, { accuracy: 0.5, precision: 1, recall: 1, f1: 1, yesRatio: 0.75 });
});

Deno.test("popeMetrics() gives 0 for precision, recall and F1 when their denominators are 0", () => {
  // L49, L63, L70: no "yes" predictions; no positive answers; neither
  assert.deepEqual(popeMetrics(items([["no", "yes"], ["no", "no"]])), {
    accuracy: 0.5,
    precision: 0,
    recall: 0,
    f1: 0,
    yesRatio: 0.5,
  });
  assert.deepEqual(popeMetrics(items([["yes", "no"], ["no", "no"]])), {
    accuracy: 0.5,
    precision: 0,
    recall: 0,
    f1: 0,
    yesRatio: 0,
  });
  assert.deepEqual(popeMetrics(items([["no", "no"]])), {
    accuracy: 1,
    precision: 0,
    recall: 0,
    f1: 0,
    yesRatio: 0,
  });
});

Deno.test("popeMetrics() strips the raw prediction with Python's whitespace set", () => {
  // api/task.py L1466-1468, utils.py L18
  assert.equal(popeMetrics(items([["\x1cyes\x85", "yes"]])).accuracy, 1);
  assert.equal(popeMetrics(items([["\ufeffyes", "yes"]])).accuracy, 0, "U+FEFF is not Python whitespace");
});

Deno.test("popeMetrics() rejects no items and answers other than yes/no", () => {
  // L35 divides by len(results); L20 asserts the answer
  assert.throws(() => popeMetrics([]), { message: "Cannot compute POPE metrics of no items" });
  assert.throws(() => popeMetrics(items([["yes", "yes"], ["yes", "maybe"]])), {
    message: 'POPE item 1 has answer "maybe", expected "yes" or "no"',
  });
});

import assert from "node:assert/strict";
import { relaxedCorrectness } from "./relaxed.ts";

// Golden values read off the vendored lmms-eval (YuHengsss/SD-RPN @ 00876ac, LLaVA/lmms-eval/lmms_eval/)
// tasks/chartqa/utils.py L25-62 relaxed_correctness, checked by running it under CPython 3.11.

Deno.test("relaxedCorrectness() accepts numbers within 5 % of the target, boundary included", () => {
  // L58-60
  assert.equal(relaxedCorrectness("12", "12.5"), 1);
  assert.equal(relaxedCorrectness("11.8", "12.5"), 0);
  assert.equal(relaxedCorrectness("105", "100"), 1);
  assert.equal(relaxedCorrectness("95", "100"), 1);
  assert.equal(relaxedCorrectness("-12", "12"), 0);
});

Deno.test("relaxedCorrectness() reads a trailing '%' as a hundredth on either side", () => {
  // L48-50: float(text.rstrip("%")) / 100
  assert.equal(relaxedCorrectness("30", "30%"), 0);
  assert.equal(relaxedCorrectness("0.3", "30%"), 1);
  assert.equal(relaxedCorrectness("30%", "30%"), 1);
  assert.equal(relaxedCorrectness("0.05", "5%%"), 1, "rstrip removes the whole run");
  assert.equal(relaxedCorrectness("5 %", "5%"), 1, "float() ignores the space left before '%'");
  assert.equal(relaxedCorrectness("%", "%"), 1, "neither parses, the texts match");
});

Deno.test("relaxedCorrectness() parses numbers as Python's float() does", () => {
  // L52: float(text)
  assert.equal(relaxedCorrectness("1e3", "1000"), 1);
  assert.equal(relaxedCorrectness("1_000", "1000"), 1);
  assert.equal(relaxedCorrectness("١٢", "12"), 1);
  assert.equal(relaxedCorrectness("12", "12 "), 1);
  assert.equal(relaxedCorrectness("1,000", "1000"), 0, "'1,000' is no float and not the text '1000'");
});

Deno.test("relaxedCorrectness() falls back to text equality for a zero target", () => {
  // L58: `and target_float` — 0.0 is falsy
  assert.equal(relaxedCorrectness("0", "0"), 1);
  assert.equal(relaxedCorrectness("0.0", "0"), 0);
});

Deno.test("relaxedCorrectness() never accepts a NaN or infinite target", () => {
  // L58-60: nan is truthy, and |x - nan| or |inf - inf| / inf is nan, never <= 0.05
  assert.equal(relaxedCorrectness("nan", "nan"), 0);
  assert.equal(relaxedCorrectness("inf", "inf"), 0);
});

Deno.test("relaxedCorrectness() compares other answers after Python's lower()", () => {
  // L62
  assert.equal(relaxedCorrectness("Yes", "yes"), 1);
  assert.equal(relaxedCorrectness("STRASSE", "straße"), 0, "lower() keeps ß");
  assert.equal(relaxedCorrectness("İ", "i\u0307"), 1);
});

Deno.test("relaxedCorrectness() strips the raw prediction as the harness does", () => {
  // api/task.py L1466-1468 strips results before process_results
  assert.equal(relaxedCorrectness("\u300012\n", "12"), 1);
  assert.equal(relaxedCorrectness("\x1cYes\x85", "yes"), 1);
});

import assert from "node:assert/strict";
import {
  pyFloat,
  pyIsSpace,
  pyLen,
  pyLower,
  pyRstripChars,
  pySplit,
  pyStrip,
  pyUpper,
} from "./python_str.ts";

// The harness strips every generated answer with Python's str.strip() before scoring
// (api/task.py L1465-1468), so these helpers decide what counts as "the same answer".

Deno.test("pyStrip() removes the separators U+001C-U+001F and U+0085 that JavaScript's trim() keeps", () => {
  assert.equal(pyStrip("\x1c\x1d\x1e\x1f yes \x85"), "yes");
  assert.equal(pyStrip("\u00a0\u2000\u200a\u2028\u2029\u202f\u205f\u3000\u1680x\t\n\v\f\r"), "x");
});

Deno.test("pyStrip() keeps U+FEFF and U+200B, which Python does not count as whitespace", () => {
  assert.equal(pyStrip("\ufeffyes\u200b"), "\ufeffyes\u200b");
  assert.equal(pyIsSpace("\ufeff"), false);
  assert.equal(pyIsSpace("\x1f"), true);
});

Deno.test("pySplit() splits on runs of Python whitespace and drops empty pieces", () => {
  assert.deepEqual(pySplit(" a\x1cb\x85c  d\u3000"), ["a", "b", "c", "d"]);
  assert.deepEqual(pySplit("   "), []);
  assert.deepEqual(pySplit(""), []);
});

Deno.test("pyRstripChars() removes a whole trailing run of the given characters", () => {
  assert.equal(pyRstripChars("5%%", "%"), "5");
  assert.equal(pyRstripChars("%5%", "%"), "%5");
  assert.equal(pyRstripChars("%", "%"), "");
});

Deno.test("pyLen() counts code points and pyUpper() uses full case mappings", () => {
  assert.equal(pyLen("𝟙𝟚"), 2);
  assert.equal(pyUpper("ß"), "SS");
  assert.equal(pyLen(pyUpper("straße")), 7);
  assert.equal(pyUpper("ﬃ"), "FFI");
  assert.equal(pyLower("İ"), "i\u0307");
  assert.equal(pyLower("ΟΔΟΣ"), "οδος", "final sigma");
});

Deno.test("pyFloat() parses what Python's float() parses", () => {
  assert.equal(pyFloat("1e3"), 1000);
  assert.equal(pyFloat("1E+3"), 1000);
  assert.equal(pyFloat(" 12 "), 12);
  assert.equal(pyFloat("1_000"), 1000);
  assert.equal(pyFloat("1e1_0"), 1e10);
  assert.equal(pyFloat(".5"), 0.5);
  assert.equal(pyFloat("5."), 5);
  assert.equal(pyFloat("+.5e-3"), 0.0005);
  assert.equal(pyFloat("00012"), 12);
  assert.ok(Object.is(pyFloat("-0"), -0));
  assert.equal(pyFloat("1e400"), Infinity);
});

Deno.test("pyFloat() accepts inf, infinity and nan in any case, with a sign", () => {
  assert.equal(pyFloat("inf"), Infinity);
  assert.equal(pyFloat("-inf"), -Infinity);
  assert.equal(pyFloat("+Infinity"), Infinity);
  assert.equal(pyFloat("iNfInItY"), Infinity);
  assert.ok(Number.isNaN(pyFloat("nan")));
  assert.ok(Number.isNaN(pyFloat("-NaN")));
});

Deno.test("pyFloat() maps Unicode digits and non-ASCII whitespace as CPython does", () => {
  assert.equal(pyFloat("١٢.٥"), 12.5);
  assert.equal(pyFloat("３"), 3);
  assert.equal(pyFloat("\u00a012\u2003"), 12);
  assert.equal(pyFloat("\x853"), 3);
  assert.equal(pyFloat("1\u2028"), 1);
  // ASCII separators count for str.isspace() but float() strips only " \t\n\v\f\r" among ASCII.
  assert.equal(pyFloat("\x1c3"), null);
  assert.equal(pyFloat("\x0b7\x0c"), 7);
});

Deno.test("pyFloat() returns null where Python raises ValueError", () => {
  for (
    const text of [
      "",
      ".",
      "1e",
      "e5",
      "- 1",
      "+-1",
      "1 2",
      "1__000",
      "_1",
      "1_",
      "1_.5",
      "1._5",
      "1e_10",
      "0x10",
      "infinit",
      "in f",
      "nan(1)",
      "12%",
      "%",
      "1,000",
      "١٢٫٥",
      "\ufeff1",
      "\u200b3",
    ]
  ) {
    assert.equal(pyFloat(text), null, JSON.stringify(text));
  }
});

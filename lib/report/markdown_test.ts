import assert from "node:assert/strict";
import { escapeCell, formatEstimate, formatNumber, formatSigned, markdownTable } from "./markdown.ts";

Deno.test("formatNumber() prints a fixed number of decimals", () => {
  assert.equal(formatNumber(50.2617801, 1), "50.3");
  assert.equal(formatNumber(50.2617801, 2), "50.26");
  assert.equal(formatNumber(7, 1), "7.0");
  assert.equal(formatNumber(7.25, 0), "7");
  assert.equal(formatNumber(0.1 + 0.2, 3), formatNumber(0.3, 3));
  assert.equal(formatNumber(1234.5), "1234.5");
});

Deno.test("formatNumber() drops the minus sign of a value that rounds to zero", () => {
  assert.equal(formatNumber(-0.04, 1), "0.0");
  assert.equal(formatNumber(-0, 2), "0.00");
  assert.equal(formatNumber(-0.06, 1), "-0.1");
});

Deno.test("formatNumber() rejects non-finite values and bad decimals", () => {
  assert.throws(() => formatNumber(NaN), { message: 'Cannot format number "NaN": not finite' });
  assert.throws(() => formatNumber(Infinity), { message: 'Cannot format number "Infinity": not finite' });
  assert.throws(() => formatNumber(1, 1.5), {
    message: 'Decimals must be an integer from 0 to 20, got "1.5"',
  });
});

Deno.test("formatSigned() adds a plus to positive values only", () => {
  assert.equal(formatSigned(3.84), "+3.8");
  assert.equal(formatSigned(-1.25, 2), "-1.25");
  assert.equal(formatSigned(0), "0.0");
  assert.equal(formatSigned(0.01), "0.0");
  assert.equal(formatSigned(-0.01), "0.0");
});

Deno.test("formatEstimate() prints the value and its CI", () => {
  assert.equal(formatEstimate(48.66, [44.1, 53.249]), "48.7 [44.1, 53.2]");
  assert.equal(formatEstimate(2.5, [-0.5, 5.5], { signed: true }), "+2.5 [-0.5, 5.5]");
  assert.equal(formatEstimate(0.615, undefined, { decimals: 2, unit: "×" }), "0.61×");
  assert.equal(formatEstimate(0.625, [0.5, 0.75], { decimals: 2, unit: "×" }), "0.63× [0.50, 0.75]");
});

Deno.test("escapeCell() escapes pipes and flattens newlines", () => {
  assert.equal(escapeCell("a|b\nc"), "a\\|b c");
  assert.equal(escapeCell("x\\y"), "x\\\\y");
});

Deno.test("markdownTable() pads every column to its widest cell with the stated alignment", () => {
  const text = markdownTable(
    ["method", "acc", "note"],
    [["baseline", "48.7", "a"], ["SD-RPN", "67.5", "—"]],
    { align: ["left", "right", "center"] },
  );
  assert.equal(
    text,
    [
      "| method   |  acc | note |",
      "|:---------|-----:|:----:|",
      "| baseline | 48.7 |  a   |",
      "| SD-RPN   | 67.5 |  —   |",
    ].join("\n"),
  );
});

Deno.test("markdownTable() defaults to left alignment, keeps a three-dash minimum and escapes cells", () => {
  assert.equal(
    markdownTable(["a", "b"], [["x|y", ""]]),
    ["| a    | b   |", "|:-----|:----|", "| x\\|y |     |"].join("\n"),
  );
});

Deno.test("markdownTable() with no rows is the header and the rule", () => {
  assert.equal(markdownTable(["only"], []), "| only |\n|:-----|");
});

Deno.test("markdownTable() rejects ragged rows and mismatched alignments", () => {
  assert.throws(() => markdownTable(["a", "b"], [["1", "2"], ["3"]]), {
    message: "Table row 2 has 1 cells, expected 2",
  });
  assert.throws(() => markdownTable(["a", "b"], [], { align: ["left"] }), {
    message: "Table has 2 columns but 1 alignments",
  });
  assert.throws(() => markdownTable([], []), { message: "Cannot render a table without columns" });
});

Deno.test("markdownTable() does not mutate its inputs", () => {
  const header = ["a"];
  const rows = [["x|y"]];
  markdownTable(header, rows);
  assert.deepEqual(header, ["a"]);
  assert.deepEqual(rows, [["x|y"]]);
});

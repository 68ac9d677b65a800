import assert from "node:assert/strict";
import { DASH, DERIVED_MARK, DERIVED_NOTE, measuredCell, notRunYet, paperCell } from "./cells.ts";

Deno.test("measuredCell() prints a value with its CI at one decimal", () => {
  assert.equal(measuredCell({ value: 48.66, ci: [44.14, 53.24] }), "48.7 [44.1, 53.2]");
});

Deno.test("measuredCell() marks a derived value and prints no CI when there is none", () => {
  assert.equal(measuredCell({ value: 3.14, derived: true }), "3.1*");
  assert.equal(DERIVED_MARK, "*");
});

Deno.test("measuredCell() passes decimals and unit to the estimate", () => {
  assert.equal(
    measuredCell({ value: 1.234, ci: [1.1, 1.3] }, { decimals: 2, unit: "×" }),
    "1.23× [1.10, 1.30]",
  );
  assert.equal(measuredCell({ value: 0.5, derived: true }, { decimals: 2, unit: "×" }), "0.50×*");
});

Deno.test("measuredCell() prints a dash for a missing value", () => {
  assert.equal(measuredCell(undefined), "—");
  assert.equal(DASH, "—");
});

Deno.test("paperCell() prints one decimal by default and a dash for null or undefined", () => {
  assert.equal(paperCell(58.2), "58.2");
  assert.equal(paperCell(58.25, 2), "58.25");
  assert.equal(paperCell(0), "0.0");
  assert.equal(paperCell(null), "—");
  assert.equal(paperCell(undefined), "—");
});

Deno.test("notRunYet() names the experiment in code", () => {
  assert.equal(notRunYet("main-results"), "_Not run yet: no `main-results` result in the results folder._");
});

Deno.test("DERIVED_NOTE explains the derived mark", () => {
  assert.ok(DERIVED_NOTE.startsWith("`*` no CI of its own: derived by the report from other rows"));
});

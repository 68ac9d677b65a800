import assert from "node:assert/strict";
import {
  accuracyOf,
  deltaOf,
  f1Of,
  findRow,
  indexResults,
  throughputDeltaOf,
  throughputOf,
} from "./lookup.ts";
import { fixtureResult, row } from "./test_helpers.ts";

const result = fixtureResult("masked_upscaling", [
  row("baseline", "doc", "accuracy", 40, { ci: [35, 45] }),
  row("baseline", "vstar-attr", "accuracy", 50, { n: 100 }),
  row("baseline", "vstar-spatial", "accuracy", 80, { n: 50 }),
  row("masked", "doc", "accuracy", 50, { ci: [45, 55] }),
  row("masked", "doc", "accuracy", 47, { extra: { sweep: "tau", tau: 0.05 } }),
  row("masked", "doc", "vqa-accuracy", 99),
  row("masked", "pope", "yesno-accuracy", 85, { extra: { f1: 84.5 } }),
  row("masked-vs-baseline", "doc", "delta_accuracy", 9.5, { ci: [7, 12] }),
  row("masked", "all", "throughput", 0.5, { extra: { sweep: "tau", tau: 0.05 } }),
], {
  phases: {
    "throughput-masked": 0.6,
    // A row wins over its phase; the τ = 0.15 point has only its phase (how experiments write it now).
    "throughput-masked tau=0.05": 0.9,
    "throughput-masked tau=0.15": 0.7,
    "throughput-box": 0.8,
  },
});

Deno.test("findRow() returns headline rows unless the query names a sweep", () => {
  const isAcc = (m: string) => m === "accuracy";
  assert.equal(findRow(result, { method: "masked", suite: "doc", metric: isAcc })?.value, 50);
  assert.equal(
    findRow(result, { method: "masked", suite: "doc", metric: isAcc, extra: { sweep: "tau", tau: 0.05 } })
      ?.value,
    47,
  );
  assert.equal(
    findRow(result, { method: "masked", suite: "doc", metric: isAcc, extra: { tau: 0.05 } }),
    undefined,
  );
  assert.equal(findRow(undefined, { method: "masked", metric: isAcc }), undefined);
});

Deno.test("accuracyOf() reads rows and derives the aggregates that are missing", () => {
  assert.deepEqual(accuracyOf(result, { method: "masked", suite: "doc" }), {
    value: 50,
    n: 100,
    ci: [45, 55],
  });
  // (50·100 + 80·50) / 150 = 60.
  assert.deepEqual(accuracyOf(result, { method: "baseline", suite: "vstar" }), {
    value: 60,
    n: 150,
    derived: true,
  });
  // Plain mean of doc and the two V* suites: (40 + 50 + 80) / 3.
  assert.deepEqual(accuracyOf(result, { method: "baseline", suite: "mean" }), {
    value: 170 / 3,
    derived: true,
  });
  assert.equal(accuracyOf(result, { method: "masked", suite: "vstar" }), undefined);
  assert.equal(accuracyOf(result, { method: "nobody", suite: "mean" }), undefined);
});

Deno.test("f1Of() falls back to the scorer's extra.f1 without a CI", () => {
  assert.deepEqual(f1Of(result, { method: "masked", suite: "pope" }), { value: 84.5, n: 100, derived: true });
  assert.equal(f1Of(result, { method: "baseline", suite: "pope" }), undefined);
});

Deno.test("throughputOf() reads rows, then the timing block; the baseline is 1", () => {
  assert.deepEqual(throughputOf(result, { method: "masked" }), { value: 0.6, derived: true });
  assert.deepEqual(throughputOf(result, { method: "masked", extra: { sweep: "tau", tau: 0.05 } }), {
    value: 0.5,
    n: 100,
  });
  assert.deepEqual(throughputOf(result, { method: "baseline" }), { value: 1 });
  assert.deepEqual(throughputOf(result, { method: "box" }), { value: 0.8, derived: true });
  assert.equal(throughputOf(result, { method: "nobody" }), undefined);
  assert.equal(throughputOf(undefined, { method: "baseline" }), undefined);
});

Deno.test("throughputOf() reads a sweep point's throughput from its phase", () => {
  const point = { value: 0.7, derived: true };
  assert.deepEqual(throughputOf(result, { method: "masked", extra: { sweep: "tau", tau: 0.15 } }), point);
  // The phase key leaves out bookkeeping keys, so the point is found with or without them.
  assert.deepEqual(throughputOf(result, { method: "masked", extra: { tau: 0.15 } }), point);
  assert.deepEqual(throughputOf(result, { method: "masked", extra: { tau: 0.15, paper: "x" } }), point);
  assert.equal(throughputOf(result, { method: "masked", extra: { sweep: "tau", tau: 0.3 } }), undefined);
  assert.equal(throughputOf(result, { method: "baseline", extra: { tau: 0.15 } }), undefined);
});

Deno.test("throughputDeltaOf() derives the difference from the timing block when there is no row", () => {
  assert.deepEqual(throughputDeltaOf(result, { a: "masked", b: "baseline" }), {
    value: 0.6 - 1,
    derived: true,
  });
  assert.deepEqual(throughputDeltaOf(result, { a: "box", b: "masked" }), { value: 0.8 - 0.6, derived: true });
  assert.equal(throughputDeltaOf(result, { a: "nobody", b: "baseline" }), undefined);
  const withRow = fixtureResult("main_results", [
    row("sdrpn-vs-vicrop", "all", "delta_throughput", 0.3, { ci: [0.1, 0.5] }),
  ], { phases: { "throughput-sdrpn": 0.9, "throughput-vicrop": 0.2 } });
  assert.deepEqual(throughputDeltaOf(withRow, { a: "sdrpn", b: "vicrop" }), {
    value: 0.3,
    n: 100,
    ci: [0.1, 0.5],
  });
});

Deno.test("deltaOf() prefers the paired row and otherwise derives the difference", () => {
  assert.deepEqual(deltaOf(result, { a: "masked", b: "baseline", suite: "doc" }), {
    value: 9.5,
    n: 100,
    ci: [7, 12],
  });
  assert.deepEqual(
    deltaOf(result, { a: "masked", b: "baseline", suite: "doc", extra: { sweep: "tau", tau: 0.05 } }),
    {
      value: 7,
      derived: true,
    },
  );
  assert.equal(deltaOf(result, { a: "box", b: "baseline", suite: "doc" }), undefined);
});

Deno.test("indexResults() keeps the first result per experiment and lists the rest as ignored", () => {
  const a = fixtureResult("eval-base", []);
  const b = fixtureResult("eval_base", [row("x", "y", "accuracy", 1)]);
  const set = indexResults([a, b]);
  assert.equal(set.get("eval_base"), a);
  assert.equal(set.get("eval-base"), a);
  assert.deepEqual(set.used, [a]);
  assert.deepEqual(set.ignored, [b]);
  assert.equal(set.get("main_results"), undefined);
});

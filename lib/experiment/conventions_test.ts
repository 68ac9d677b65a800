import assert from "node:assert/strict";
import {
  deltaMethod,
  experimentKey,
  isAccuracyMetric,
  layerMethod,
  PAPER_SPLITS,
  paperSplitAnalogue,
  pointLabel,
  sweepOf,
  throughputPhase,
} from "./conventions.ts";
import type { ResultRow } from "../results/schema.ts";

Deno.test("experimentKey() files hyphenated and snake_case names together", () => {
  assert.equal(experimentKey("eval-base"), "eval_base");
  assert.equal(experimentKey("main_results"), "main_results");
});

Deno.test("isAccuracyMetric() accepts accuracy and the scorer's <family>-accuracy only, never likelihood's", () => {
  for (const m of ["accuracy", "vqa-accuracy", "anls-accuracy", "yesno-accuracy"]) {
    assert.ok(isAccuracyMetric(m), m);
  }
  for (const m of ["f1", "delta_accuracy", "mean-iou", "accuracy-x", ""]) assert.ok(!isAccuracyMetric(m), m);
  // The likelihood protocol's accuracies are never read as the generation accuracy.
  for (const m of ["likelihood-accuracy", "likelihood-choice-accuracy"]) assert.ok(!isAccuracyMetric(m), m);
});

Deno.test("deltaMethod() and layerMethod() spell the method strings", () => {
  assert.equal(deltaMethod("sdrpn", "baseline"), "sdrpn-vs-baseline");
  assert.equal(layerMethod(15, 3), "B15R3");
});

Deno.test("throughputPhase() keys a method and its point stably, without bookkeeping keys", () => {
  assert.equal(throughputPhase("sdrpn"), "throughput-sdrpn");
  assert.equal(throughputPhase("sdrpn", {}), "throughput-sdrpn");
  assert.equal(throughputPhase("masked", { sweep: "tau", tau: 0.1 }), "throughput-masked tau=0.1");
  assert.equal(throughputPhase("masked", { tau: 0.1 }), "throughput-masked tau=0.1");
  // Sorted keys, so the key does not depend on how extra was assembled.
  assert.equal(throughputPhase("B4R3", { R: 3, paper: "B15R3", B: 4 }), "throughput-B4R3 B=4 R=3");
  assert.equal(throughputPhase("B4R3", { B: 4, R: 3 }), throughputPhase("B4R3", { R: 3, B: 4 }));
  assert.equal(throughputPhase("m", { perSeed: [1, 2], sweep: "x" }), "throughput-m");
  // Strings as they are, anything else as canonical JSON (sorted keys, no whitespace).
  assert.equal(
    throughputPhase("raw_attention", {
      sweep: "select",
      select: "sum",
      relative: true,
      w: { b: [1], a: null },
    }),
    'throughput-raw_attention relative=true select=sum w={"a":null,"b":[1]}',
  );
  assert.equal(pointLabel({ samples: 1200 }), "samples=1200");
  assert.equal(pointLabel(undefined), "");
});

Deno.test("paperSplitAnalogue() scales B by depth and keeps the branch inside the model", () => {
  const shape = (backbone: number, branch: number) => ({ backbone, branch });
  // 8 layers: 3·8/32 = 0.75 → 1, 15·8/32 = 3.75 → 4, 18·8/32 = 4.5 → 5.
  assert.deepEqual(PAPER_SPLITS.map((s) => paperSplitAnalogue(s, 8)), [
    shape(1, 3),
    shape(4, 3),
    shape(5, 3),
  ]);
  // 32 layers reproduce the paper; 6 layers clip R so that B + R ≤ 6 (18·6/32 = 3.375 → 3).
  assert.deepEqual(PAPER_SPLITS.map((s) => paperSplitAnalogue(s, 32)), [...PAPER_SPLITS]);
  assert.deepEqual(paperSplitAnalogue(shape(18, 3), 6), shape(3, 3));
  assert.deepEqual(paperSplitAnalogue(shape(31, 3), 4), shape(3, 1));
  assert.throws(() => paperSplitAnalogue(shape(3, 3), 1), {
    message: 'Layer count must be an integer of at least 2, got "1"',
  });
});

Deno.test("sweepOf() names the swept parameter of a sweep point only", () => {
  const row = (extra?: Record<string, unknown>): ResultRow => ({
    method: "m",
    suite: "mean",
    metric: "accuracy",
    value: 1,
    n: 100,
    ...(extra ? { extra } : {}),
  });
  assert.equal(sweepOf(row({ sweep: "tau", tau: 0.1 })), "tau");
  assert.equal(sweepOf(row({ tau: 0.1 })), undefined);
  assert.equal(sweepOf(row({ sweep: true })), undefined);
  assert.equal(sweepOf(row()), undefined);
});

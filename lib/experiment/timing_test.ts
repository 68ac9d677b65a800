import assert from "node:assert/strict";
import { median, timingPhases, timingRepeats } from "./timing.ts";

Deno.test("timingRepeats() reads --timing-repeats, else 1 at quick scale and the experiment's value otherwise", () => {
  assert.equal(timingRepeats("quick", undefined, 3), 1);
  assert.equal(timingRepeats("default", undefined, 3), 3);
  assert.equal(timingRepeats("full", undefined, 3), 3);
  assert.equal(timingRepeats("default", undefined, 1), 1);
  assert.equal(timingRepeats("default", undefined), 1);
  assert.equal(timingRepeats("quick", "5", 1), 5);
  assert.equal(timingRepeats("default", "2", 3), 2);
  for (const bad of ["0", "-1", "2.5", "x", ""]) {
    assert.throws(() => timingRepeats("default", bad), {
      message: `Invalid value for --timing-repeats "${bad}": expected a positive integer`,
    });
  }
});

Deno.test("timingPhases() with one repeat is baseline seconds over method seconds per run", () => {
  const phases = timingPhases([
    { key: { method: "baseline" }, seconds: [10], runs: [1] },
    // Two seeds: 16 s in all, 8 s per evaluation.
    { key: { method: "sdrpn" }, seconds: [16], runs: [2] },
    { key: { method: "masked", extra: { tau: 0.1 } }, seconds: [20], runs: [1] },
  ]);
  assert.deepEqual(phases, {
    "seconds baseline": 10,
    "seconds sdrpn": 8,
    "seconds masked tau=0.1": 20,
    "throughput-baseline": 1,
    "throughput-sdrpn": 1.25,
    "throughput-masked tau=0.1": 0.5,
  });
});

Deno.test("timingPhases() over repeats gives the median ratio of each repeat and its range", () => {
  const phases = timingPhases([
    { key: { method: "baseline" }, seconds: [10, 12, 9], runs: [1, 1, 1] },
    { key: { method: "vicrop" }, seconds: [20, 16, 30], runs: [1, 1, 1] },
  ]);
  // Per repeat: 10/20 = 0.5, 12/16 = 0.75, 9/30 = 0.3 → median 0.5, range 0.3–0.75.
  assert.deepEqual(phases, {
    "seconds baseline": 10,
    "seconds vicrop": 20,
    "timing repeats": 3,
    "throughput-baseline": 1,
    "throughput min-baseline": 1,
    "throughput max-baseline": 1,
    "throughput-vicrop": 0.5,
    "throughput min-vicrop": 0.3,
    "throughput max-vicrop": 0.75,
  });
  assert.deepEqual(timingPhases([{ key: { method: "vicrop" }, seconds: [3, 1], runs: [1, 1] }]), {
    "seconds vicrop": 2,
    "timing repeats": 2,
  });
});

Deno.test("timingPhases() divides each repeat by the evaluations it timed (repeats 2..n: the first seed only)", () => {
  const phases = timingPhases([
    { key: { method: "baseline" }, seconds: [10, 11, 9], runs: [1, 1, 1] },
    // Three seeds in the scored pass (8 + 10 + 12 s), the first seed's evaluation re-timed twice.
    { key: { method: "sdrpn" }, seconds: [30, 9, 8], runs: [3, 1, 1] },
  ]);
  // Per evaluation: sdrpn 10, 9, 8 → median 9; ratios 10/10 = 1, 11/9 = 1.222…, 9/8 = 1.125 → median 1.125.
  assert.deepEqual(phases, {
    "seconds baseline": 10,
    "seconds sdrpn": 9,
    "timing repeats": 3,
    "throughput-baseline": 1,
    "throughput min-baseline": 1,
    "throughput max-baseline": 1,
    "throughput-sdrpn": 1.13,
    "throughput min-sdrpn": 1,
    "throughput max-sdrpn": 1.22,
  });
  assert.throws(
    () => timingPhases([{ key: { method: "sdrpn" }, seconds: [3, 0], runs: [1, 0] }]),
    { message: 'Method "sdrpn" has no timed evaluation in repeat 2' },
  );
});

Deno.test("timingPhases() rejects methods with different repeat counts", () => {
  assert.throws(
    () =>
      timingPhases([
        { key: { method: "baseline" }, seconds: [1, 2], runs: [1, 1] },
        { key: { method: "sdrpn" }, seconds: [1], runs: [1] },
      ]),
    { message: 'Method "sdrpn" has 1 timed repeats, expected 2' },
  );
});

Deno.test("median() of odd and even counts, and of none", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), { message: "Cannot take the median of no values" });
});

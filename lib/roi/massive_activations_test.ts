import assert from "node:assert/strict";
import { MASSIVE_RATIO, massiveActivationRecord, massiveActivationStats } from "./massive_activations.ts";

// 3 tokens × 4 dims. |h| sorted: 0 0 0 1 1 1 2 2 2 3 50 100 → median (1 + 2) / 2 = 1.5. Peaks per dim:
// 3, 2, 0, 100 → ratios 2, 4/3, 0, 200/3. Means: 5/3, 5/3, 0, 152/3.
// RMS-normalised (ε = 1e-6): t0 / sqrt(10005/4) → dim 3 = 1.9995002; t1 / sqrt(2505/4) → dim 3 = 1.9980020;
// t2 / sqrt(14/4) → dims 0, 1, 3 = 1.6035675, 0.5345225, 1.0690450.
const H = [
  1,
  -2,
  0,
  100,
  -1,
  2,
  0,
  -50,
  3,
  1,
  0,
  2,
];

Deno.test("massiveActivationStats() measures peaks, means and ratios to the median magnitude", () => {
  const s = massiveActivationStats(H, 4, { tauNorm: 1.5, sinkDims: [3] }, { topK: 2 });
  assert.equal(s.tokens, 3);
  assert.equal(s.dim, 4);
  assert.equal(s.median, 1.5);
  assert.deepEqual(s.maxAbs, [3, 2, 0, 100]);
  assert.deepEqual(s.meanAbs, [5 / 3, 5 / 3, 0, 152 / 3]);
  assert.deepEqual(s.top, [
    { dim: 3, max: 100, mean: 152 / 3, ratio: 200 / 3 },
    { dim: 0, max: 3, mean: 5 / 3, ratio: 2 },
  ]);
  assert.equal(s.minRatio, MASSIVE_RATIO);
  assert.deepEqual(s.massiveDims, [], "66.7× the median is not two orders of magnitude");
  assert.ok(Math.abs(s.normedMax - 1.9995002) < 1e-6);
  // Above τ = 1.5: t0 dim 3, t1 dim 3, t2 dim 0 → dims {0, 3}, all three tokens; the rule (dim 3) flags t0, t1.
  assert.equal(s.dimsOverTau, 2);
  assert.equal(s.tokensOverTau, 3);
  assert.equal(s.tokensFlagged, 2);
  assert.deepEqual(s.sinkDims, [3]);
  assert.equal(s.tauNorm, 1.5);
});

Deno.test("massiveActivationStats() calls a dimension massive at the ratio bar, inclusive", () => {
  assert.deepEqual(
    massiveActivationStats(H, 4, { tauNorm: 1.5, sinkDims: [] }, { minRatio: 200 / 3 }).massiveDims,
    [
      3,
    ],
  );
  assert.deepEqual(
    massiveActivationStats(H, 4, { tauNorm: 1.5, sinkDims: [] }, { minRatio: 2 }).massiveDims,
    [0, 3],
  );
});

Deno.test("massiveActivationStats() flags no token without sink dimensions, whatever exceeds τ_norm", () => {
  const s = massiveActivationStats(H, 4, { tauNorm: 1.5, sinkDims: [] });
  assert.equal(s.tokensFlagged, 0);
  assert.equal(s.tokensOverTau, 3);
  assert.equal(s.top.length, 4, "topK 5 capped at d");
});

Deno.test("massiveActivationStats() gives a null (unbounded) ratio over a zero median, 0 for a zero dimension", () => {
  // |h| = 0 0 0 5 → median 0.
  const s = massiveActivationStats([0, 0, 0, 5], 2, { tauNorm: 1, sinkDims: [] });
  assert.equal(s.median, 0);
  assert.deepEqual(s.top.map((t) => [t.dim, t.ratio]), [[1, null], [0, 0]]);
  assert.deepEqual(s.massiveDims, [1]);
  // RMS of t1 = sqrt(25/2 + 1e-6): 5 / 3.5355340 = 1.4142135.
  assert.ok(Math.abs(s.normedMax - 1.4142135) < 1e-6);
});

Deno.test("massiveActivationStats() rejects bad shapes and settings with one clear message", () => {
  const rule = { tauNorm: 1, sinkDims: [] };
  assert.throws(() => massiveActivationStats(H, 0, rule), {
    message: 'Invalid dim "0": expected a positive integer',
  });
  assert.throws(() => massiveActivationStats(H, 5, rule), {
    message: 'Invalid hidden length "12": expected a positive multiple of dim 5',
  });
  assert.throws(() => massiveActivationStats([], 4, rule), {
    message: 'Invalid hidden length "0": expected a positive multiple of dim 4',
  });
  assert.throws(() => massiveActivationStats(H, 4, rule, { topK: 0 }), {
    message: 'Invalid topK "0": expected a positive integer',
  });
  assert.throws(() => massiveActivationStats(H, 4, rule, { minRatio: -1 }), {
    message: 'Invalid minRatio "-1": expected a positive number',
  });
  assert.throws(() => massiveActivationStats(H, 4, { tauNorm: NaN, sinkDims: [] }), {
    message: 'Invalid norm threshold "NaN": expected a number ≥ 0',
  });
  assert.throws(() => massiveActivationStats(H, 4, { tauNorm: 1, sinkDims: [4] }), {
    message: 'Invalid sink dim "4": expected an integer in [0, 3]',
  });
});

Deno.test("massiveActivationRecord() rounds magnitudes to 4 significant digits and keeps counts", () => {
  const s = massiveActivationStats(H, 4, { tauNorm: 1.5, sinkDims: [3] }, { topK: 1 });
  assert.deepEqual(massiveActivationRecord(s, 4, 1), {
    layer: 4,
    samples: 1,
    tokens: 3,
    dim: 4,
    median: 1.5,
    maxAbs: [3, 2, 0, 100],
    meanAbs: [1.667, 1.667, 0, 50.67],
    top: [{ dim: 3, max: 100, mean: 50.67, ratio: 66.67 }],
    minRatio: 100,
    massiveDims: [],
    tauNorm: 1.5,
    sinkDims: [3],
    normedMax: 2,
    dimsOverTau: 2,
    tokensOverTau: 3,
    tokensFlagged: 2,
  });
});

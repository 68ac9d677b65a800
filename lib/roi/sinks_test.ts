import assert from "node:assert/strict";
import {
  applySinkMask,
  attentionSinkMask,
  attentionSinkThreshold,
  findSinkDims,
  flaggedShare,
  normScoreMask,
  normSinkMask,
  normSinkScores,
  normSinkThreshold,
  removeSinks,
  rmsNormalise,
} from "./sinks.ts";

Deno.test("attentionSinkThreshold() is 0.576 / N: 1e-3 at 576 tokens", () => {
  assert.equal(attentionSinkThreshold(576), 1e-3);
  assert.equal(attentionSinkThreshold(64), 0.009);
  assert.throws(() => attentionSinkThreshold(0), {
    message: 'Invalid token count "0": expected a positive integer',
  });
  assert.throws(() => attentionSinkThreshold(2.5), {
    message: 'Invalid token count "2.5": expected a positive integer',
  });
});

Deno.test("removeSinks() zeroes tokens with sink attention >= threshold (non-strict) and copies", () => {
  const grounding = new Float32Array([0.4, 0.3, 0.2, 0.1]);
  const sinkMap = [1e-3, 0.000999, 0.5, 0];
  const out = removeSinks(grounding, sinkMap, 1e-3);
  assert.ok(out instanceof Float64Array);
  assert.deepEqual(Array.from(out), [0, Math.fround(0.3), 0, Math.fround(0.1)]);
  assert.deepEqual(Array.from(grounding), [0.4, 0.3, 0.2, 0.1].map(Math.fround));
  assert.deepEqual(sinkMap, [1e-3, 0.000999, 0.5, 0]);
  assert.deepEqual(Array.from(attentionSinkMask(sinkMap, 1e-3)), [1, 0, 1, 0]);
});

Deno.test("removeSinks() rejects maps of different lengths", () => {
  assert.throws(() => removeSinks([1, 2, 3], [0, 0], 0.1), {
    message: 'Invalid sink map length "2": expected 3 (the grounding map length)',
  });
  assert.throws(() => applySinkMask([1, 2, 3], [0]), {
    message: 'Invalid sink mask length "1": expected 3 (the grounding map length)',
  });
});

Deno.test("rmsNormalise() divides each token by sqrt(mean(h^2) + 1e-6), no weight", () => {
  // Token 0: mean(h²) = 4/4 = 1. Token 1: [3, 4, 0, 0] → mean 25/4.
  const h = new Float32Array([2, 0, 0, 0, 3, 4, 0, 0]);
  const out = rmsNormalise(h, 4);
  const expected = [2 / Math.sqrt(1.000001), 0, 0, 0, 3 / Math.sqrt(6.250001), 4 / Math.sqrt(6.250001), 0, 0];
  out.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-12, `index ${i}: ${v}`));
  assert.ok(Math.abs(out[0]! - 1.99999900000075) < 1e-14); // 2·(1 − x/2 + 3x²/8), x = 1e-6
  assert.deepEqual(Array.from(h), [2, 0, 0, 0, 3, 4, 0, 0]);
  assert.throws(() => rmsNormalise(h, 3), {
    message: 'Invalid hidden length "8": expected a multiple of dim 3',
  });
});

/**
 * 4 visual tokens, d = 8. Tokens 0, 1: all ones (normalised ≈ 1). Token 2: ones with dim 5 = 7
 * (mean h² = 56/8 = 7 → dim 5 → √7 ≈ 2.6458, others 1/√7). Token 3: ones with dim 1 = 3
 * (mean h² = 16/8 = 2 → dim 1 → 3/√2 ≈ 2.1213). Peaks: dim 5 ≈ 2.6458, dim 1 ≈ 2.1213, others ≈ 1;
 * median ≈ 1.
 */
function sinkHidden(): Float32Array {
  const h = new Float32Array(32).fill(1);
  h[2 * 8 + 5] = 7;
  h[3 * 8 + 1] = 3;
  return h;
}

Deno.test("findSinkDims() returns outlier dims (peak > z·median) by descending peak, at most k", () => {
  const h = sinkHidden();
  assert.deepEqual(findSinkDims(h, 8, { z: 2 }), [5, 1]);
  assert.deepEqual(findSinkDims(h, 8, { z: 2, k: 1 }), [5]);
  assert.deepEqual(findSinkDims(h, 8, { z: 2.2 }), [5]); // 2.1213 < 2.2·0.9999995
  assert.deepEqual(findSinkDims(h, 8, { z: 3 }), []);
  assert.deepEqual(findSinkDims(h, 8), []); // default z = 5
  assert.deepEqual(findSinkDims(new Float32Array(16).fill(1), 8, { z: 1 }), []); // no outlier
  assert.deepEqual(Array.from(h.slice(16, 24)), [1, 1, 1, 1, 1, 7, 1, 1]);
  assert.throws(() => findSinkDims(h, 8, { k: 0 }), {
    message: 'Invalid k "0": expected a positive integer',
  });
  assert.throws(() => findSinkDims(h, 8, { z: 0 }), { message: 'Invalid z "0": expected a positive number' });
});

Deno.test("normSinkMask() flags tokens whose max |rms value| over the sink dims exceeds tau (strict)", () => {
  const h = sinkHidden();
  assert.deepEqual(Array.from(normSinkMask(h, 8, [5, 1], 2)), [0, 0, 1, 1]);
  assert.deepEqual(Array.from(normSinkMask(h, 8, [5, 1], 2.5)), [0, 0, 1, 0]);
  assert.deepEqual(Array.from(normSinkMask(h, 8, [1], 2)), [0, 0, 0, 1]);
  assert.deepEqual(Array.from(normSinkMask(h, 8, [], 0)), [0, 0, 0, 0]);
  // A value exactly equal to tau is not a sink.
  const atTau = rmsNormalise(h, 8)[2 * 8 + 5]!;
  assert.deepEqual(Array.from(normSinkMask(h, 8, [5], atTau)), [0, 0, 0, 0]);
  assert.deepEqual(Array.from(normSinkMask(h, 8, [5], atTau - 1e-12)), [0, 0, 1, 0]);
  // The mask zeroes the grounding values of the flagged tokens.
  assert.deepEqual(Array.from(applySinkMask([0.1, 0.2, 0.3, 0.4], normSinkMask(h, 8, [5, 1], 2))), [
    0.1,
    0.2,
    0,
    0,
  ]);
  assert.throws(() => normSinkMask(h, 8, [8], 2), {
    message: 'Invalid sink dim "8": expected an integer in [0, 7]',
  });
});

Deno.test("normSinkThreshold() scales tau_norm with sqrt(d): 20 at d = 4096", () => {
  assert.equal(normSinkThreshold(4096), 20);
  assert.equal(normSinkThreshold(64), 2.5);
  assert.equal(normSinkThreshold(256, 0.5), 8);
  assert.throws(() => normSinkThreshold(0), { message: 'Invalid dim "0": expected a positive integer' });
});

Deno.test("normSinkScores() is the max |rms value| over the sink dims per token, 0 without sink dims", () => {
  // Token 0: [3, 4] → rms = 5/√2, normalised [0.6√2, 0.8√2]; token 1: [0, -2] → [0, -√2].
  const h = Float32Array.from([3, 4, 0, -2]);
  const s = normSinkScores(h, 2, [0, 1]);
  assert.ok(Math.abs(s[0]! - 0.8 * Math.SQRT2) < 1e-6 && Math.abs(s[1]! - Math.SQRT2) < 1e-6);
  assert.deepEqual(Array.from(normSinkScores(h, 2, [])), [0, 0]);
  assert.throws(() => normSinkScores(h, 2, [2]), {
    message: 'Invalid sink dim "2": expected an integer in [0, 1]',
  });
});

Deno.test("normScoreMask() flags scores strictly above tau", () => {
  assert.deepEqual(Array.from(normScoreMask([0.5, 1, 1.5], 1)), [0, 0, 1]);
  assert.throws(() => normScoreMask([1], NaN), {
    message: 'Invalid norm threshold "NaN": expected a number',
  });
});

Deno.test("flaggedShare() is the share of non-zero cells of a sink mask", () => {
  // 2 of 8 flagged; any non-zero value counts (a mask may carry 1 or 255).
  assert.equal(flaggedShare(Uint8Array.from([0, 1, 0, 0, 0, 0, 255, 0])), 0.25);
  assert.equal(flaggedShare([0, 0, 0]), 0);
  assert.equal(flaggedShare([1]), 1);
  // The released rule on a flat map flags every cell: 1/N ≥ 0.576/N.
  assert.equal(flaggedShare(attentionSinkMask([0.25, 0.25, 0.25, 0.25], attentionSinkThreshold(4))), 1);
  // [0.4, 0.3, 0.2, 0.1] at τ = 0.144: three cells at or above it.
  assert.equal(flaggedShare(attentionSinkMask([0.4, 0.3, 0.2, 0.1], attentionSinkThreshold(4))), 0.75);
});

Deno.test("flaggedShare() rejects an empty mask", () => {
  assert.throws(() => flaggedShare([]), { message: "Cannot take the flagged share of an empty sink mask" });
});

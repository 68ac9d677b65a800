import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import {
  bootstrapCi,
  bootstrapStatistic,
  pairedBootstrap,
  quantileSorted,
  stratifiedBootstrap,
} from "./bootstrap.ts";

Deno.test("quantileSorted() interpolates like numpy.percentile", () => {
  // numpy.percentile([1, 2, 3, 4], [0, 25, 50, 100]) → [1, 1.75, 2.5, 4]
  assert.equal(quantileSorted([1, 2, 3, 4], 0), 1);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.25), 1.75);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 1), 4);
  assert.equal(quantileSorted([10], 0.3), 10);
  assert.throws(() => quantileSorted([], 0.5), { message: "quantileSorted() needs at least one value" });
  assert.throws(() => quantileSorted([1], 1.5), { message: 'Quantile must be in [0, 1], got "1.5"' });
});

Deno.test("bootstrapCi() of a constant sample has zero width", () => {
  const ci = bootstrapCi(Array(50).fill(0.7), { rng: new Rng(1) });
  assert.equal(ci.lo, ci.mean);
  assert.equal(ci.hi, ci.mean);
  assert.ok(Math.abs(ci.mean - 0.7) < 1e-12);
  assert.deepEqual(bootstrapCi(Array(8).fill(0.25), { rng: new Rng(1) }), { mean: 0.25, lo: 0.25, hi: 0.25 });
  assert.deepEqual(bootstrapCi([3], { rng: new Rng(2) }), { mean: 3, lo: 3, hi: 3 });
});

Deno.test("bootstrapCi() of [0, 1] spans the three possible resample means", () => {
  // Resample means are 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4.
  const wide = bootstrapCi([0, 1], { iterations: 2000, rng: new Rng(3) });
  assert.deepEqual(wide, { mean: 0.5, lo: 0, hi: 1 });
  // The 30 % and 70 % quantiles both fall inside the 0.5 mass.
  const narrow = bootstrapCi([0, 1], { iterations: 2000, alpha: 0.6, rng: new Rng(3) });
  assert.deepEqual(narrow, { mean: 0.5, lo: 0.5, hi: 0.5 });
});

Deno.test("bootstrapCi() of a coin-flip sample matches the normal approximation", () => {
  // 200 ones and 200 zeros: se = sqrt(0.25 / 400) = 0.025, 95 % CI ≈ 0.5 ± 1.96·0.025 = [0.451, 0.549].
  const values = [...Array(200).fill(1), ...Array(200).fill(0)];
  const ci = bootstrapCi(values, { iterations: 2000, rng: new Rng(4) });
  assert.equal(ci.mean, 0.5);
  assert.ok(Math.abs(ci.lo - 0.451) < 0.012, `lo ${ci.lo}`);
  assert.ok(Math.abs(ci.hi - 0.549) < 0.012, `hi ${ci.hi}`);
});

Deno.test("bootstrapCi() is deterministic for a seed and varies across seeds", () => {
  const values = [0.1, 0.9, 0.4, 0.4, 0.7, 0.2, 1, 0];
  const a = bootstrapCi(values, { iterations: 200, rng: new Rng(7) });
  const b = bootstrapCi(values, { iterations: 200, rng: new Rng(7) });
  const c = bootstrapCi(values, { iterations: 200, rng: new Rng(8) });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  assert.ok(a.lo <= a.mean && a.mean <= a.hi);
});

Deno.test("bootstrapCi() validates its inputs and does not mutate them", () => {
  const rng = new Rng(0);
  assert.throws(() => bootstrapCi([], { rng }), { message: "bootstrapCi() needs at least one value" });
  assert.throws(() => bootstrapCi([1], { rng, iterations: 0 }), {
    message: 'Bootstrap iterations must be a positive integer, got "0"',
  });
  assert.throws(() => bootstrapCi([1], { rng, alpha: 1 }), {
    message: 'Bootstrap alpha must be in (0, 1), got "1"',
  });
  assert.throws(() => bootstrapCi([1, NaN], { rng }), {
    message: 'bootstrapCi() needs finite values, got "NaN"',
  });
  const values = [3, 1, 2];
  bootstrapCi(values, { rng, iterations: 10 });
  assert.deepEqual(values, [3, 1, 2]);
});

Deno.test("pairedBootstrap() of identical arrays is exactly 0", () => {
  const a = [0, 1, 1, 0, 0.5, 1];
  assert.deepEqual(pairedBootstrap(a, a.slice(), { rng: new Rng(5) }), { mean: 0, lo: 0, hi: 0 });
});

Deno.test("pairedBootstrap() resamples questions jointly", () => {
  // a and b vary a lot across questions but always differ by 0.25: only joint resampling of the
  // pairs gives a zero-width CI; resampling a and b independently would not.
  const b = [0, 0.5, 0.25, 0.75, 0.1, 0.6, 0.3, 0.05];
  const a = b.map((x) => x + 0.25);
  const ci = pairedBootstrap(a, b, { rng: new Rng(6) });
  assert.ok(
    Math.abs(ci.mean - 0.25) < 1e-12 && Math.abs(ci.lo - 0.25) < 1e-12 && Math.abs(ci.hi - 0.25) < 1e-12,
  );
});

Deno.test("pairedBootstrap() equals bootstrapCi() of the differences for the same seed", () => {
  const a = [1, 0, 1, 1, 0, 1, 0, 1];
  const b = [0, 0, 1, 0, 0, 1, 1, 0];
  const paired = pairedBootstrap(a, b, { iterations: 300, rng: new Rng(9) });
  const direct = bootstrapCi(a.map((x, i) => x - b[i]!), { iterations: 300, rng: new Rng(9) });
  assert.deepEqual(paired, direct);
  assert.equal(paired.mean, 0.25);
});

Deno.test("pairedBootstrap() rejects arrays of different length", () => {
  assert.throws(() => pairedBootstrap([1, 2, 3], [1, 2, 3, 4], { rng: new Rng(0) }), {
    message: 'pairedBootstrap() needs arrays of equal length, got "3" and "4"',
  });
});

Deno.test("bootstrapStatistic() of the mean draws exactly like bootstrapCi()", () => {
  const values = [0.1, 0.9, 0.4, 0.4, 0.7, 0.2, 1, 0];
  const mean = (idx: Int32Array) => idx.reduce((a, i) => a + values[i]!, 0) / idx.length;
  const viaStatistic = bootstrapStatistic(values.length, mean, { iterations: 300, rng: new Rng(5) });
  const viaMean = bootstrapCi(values, { iterations: 300, rng: new Rng(5) });
  assert.ok(Math.abs(viaStatistic.mean - viaMean.mean) < 1e-12);
  assert.equal(viaStatistic.lo, viaMean.lo);
  assert.equal(viaStatistic.hi, viaMean.hi);
});

Deno.test("bootstrapStatistic() reports the statistic of the unresampled questions as its mean", () => {
  // max over [3, 1, 2] is 3; every resample's max is in {1, 2, 3}.
  const values = [3, 1, 2];
  const ci = bootstrapStatistic(3, (idx) => Math.max(...Array.from(idx, (i) => values[i]!)), {
    iterations: 500,
    rng: new Rng(1),
  });
  assert.equal(ci.mean, 3);
  assert.ok(ci.lo >= 1 && ci.hi === 3);
  assert.throws(() => bootstrapStatistic(0, () => 0, { rng: new Rng(1) }), {
    message: 'bootstrapStatistic() needs n ≥ 1, got "0"',
  });
});

Deno.test("stratifiedBootstrap() averages group means, not pooled values", () => {
  // Groups [0, 0, 0, 100] and [50]: means 25 and 50 → 37.5 (pooled would be 30).
  const ci = stratifiedBootstrap([[0, 0, 0, 100], [50]], { iterations: 200, rng: new Rng(2) });
  assert.equal(ci.mean, 37.5);
  // Constant groups give a zero-width interval at the mean of means.
  assert.deepEqual(stratifiedBootstrap([[1, 1], [3, 3, 3]], { rng: new Rng(3) }), { mean: 2, lo: 2, hi: 2 });
});

Deno.test("stratifiedBootstrap() of one group is bootstrapCi() with the same draws", () => {
  const values = [0, 10, 20, 5, 5];
  assert.deepEqual(
    stratifiedBootstrap([values], { iterations: 250, rng: new Rng(9) }),
    bootstrapCi(values, { iterations: 250, rng: new Rng(9) }),
  );
});

Deno.test("stratifiedBootstrap() rejects no groups, an empty group and non-finite values", () => {
  const rng = new Rng(0);
  assert.throws(() => stratifiedBootstrap([], { rng }), {
    message: "stratifiedBootstrap() needs at least one group",
  });
  assert.throws(() => stratifiedBootstrap([[1], []], { rng }), {
    message: "stratifiedBootstrap() needs non-empty groups, group 1 is empty",
  });
  assert.throws(() => stratifiedBootstrap([[NaN]], { rng }), {
    message: 'stratifiedBootstrap() needs finite values, got "NaN"',
  });
});

import assert from "node:assert/strict";
import { lmmsMean, pyMean } from "./python_mean.ts";

// tasks/textvqa/utils.py L36 averages with statistics.mean, which rounds the exact sum once.

Deno.test("pyMean() rounds the exact mean once, unlike a running float sum", () => {
  const thirds = Array<number>(10).fill(1 / 3);
  assert.equal(pyMean(thirds), 0.3333333333333333);
  assert.notEqual(thirds.reduce((a, b) => a + b) / 10, 0.3333333333333333);
  assert.equal(
    pyMean([...Array<number>(7).fill(2 / 3), ...Array<number>(3).fill(1 / 3)]),
    0.5666666666666667,
  );
  // Three 2/3s and two 1s: the exact sum is just below 4 because fl(2/3) < 2/3.
  assert.equal(pyMean([2 / 3, 2 / 3, 2 / 3, 1, 1]), 0.7999999999999999);
});

Deno.test("pyMean() handles zeros, negatives and very different magnitudes", () => {
  assert.equal(pyMean([0, 0, 0]), 0);
  assert.equal(pyMean([1, 0]), 0.5);
  assert.equal(pyMean([1e300, -1e300, 4]), 4 / 3);
  assert.equal(pyMean([5e-324, 1]), 0.5);
  assert.equal(pyMean([-0.1, -0.2]), -0.15000000000000002);
});

Deno.test("pyMean() refuses no values and non-finite values", () => {
  assert.throws(() => pyMean([]), { message: "Cannot take the mean of no values" });
  assert.throws(() => pyMean([1, NaN]), { message: 'Cannot take the exact mean of "NaN"' });
});

Deno.test("lmmsMean() adds left to right like CPython 3.11's sum(), then divides", () => {
  // api/metrics.py L22-24 mean aggregation
  assert.equal(lmmsMean(Array<number>(10).fill(1 / 3)), 0.33333333333333337);
  assert.equal(lmmsMean([0.1, 0.2, 0.3]), 0.20000000000000004);
  assert.throws(() => lmmsMean([]), { message: "Cannot take the mean of no values" });
});

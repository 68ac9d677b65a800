import assert from "node:assert/strict";
import {
  checkFinalWeights,
  checkGrowth,
  checkLoss,
  lossBound,
  nonFiniteParam,
  paramNorm,
} from "./divergence.ts";

Deno.test("lossBound() is ten times the loss of a uniform guess over the vocabulary", () => {
  // ln(100) = 4.60517…
  assert.ok(Math.abs(lossBound(100) - 46.0517) < 1e-4);
  assert.ok(Math.abs(lossBound(100, 2) - 9.21034) < 1e-5);
});

Deno.test("checkLoss() passes a normal loss and rejects a non-finite or exploded one with the step", () => {
  checkLoss(4.2, 3, 46);
  assert.throws(() => checkLoss(NaN, 7, 46), { message: 'Loss is "NaN" at step 7: training diverged' });
  assert.throws(() => checkLoss(Infinity, 0, 46), {
    message: 'Loss is "Infinity" at step 0: training diverged',
  });
  assert.throws(() => checkLoss(3e9, 0, 46.0517), {
    message: 'Loss is "3000000000" at step 0, above the bound 46.05 (10 × the loss of a uniform guess): ' +
      "training diverged; lower the learning rate",
  });
});

Deno.test("checkFinalWeights() catches what the pre-update loss cannot: the last update's damage", () => {
  const params = { "a.w": new Float32Array([0.1, -0.2]), "b.w": new Float32Array([1e9, 3]) };
  // Finite weights of 1e9 pass the finiteness check; the loss they give does not pass the bound.
  assert.throws(() => checkFinalWeights(params, 2.5e10, 0, 46.0517), {
    message: 'Loss is "25000000000" at step 0 after its update, above the bound 46.05 (10 × the loss of a ' +
      "uniform guess): training diverged; lower the learning rate",
  });
  params["b.w"][0] = NaN;
  assert.equal(nonFiniteParam(params), '"b.w" has "NaN" at index 0');
  assert.throws(() => checkFinalWeights(params, 1, 4, 46), {
    message: 'Weights after step 4 are not finite: "b.w" has "NaN" at index 0: training diverged',
  });
  params["b.w"][0] = 0.5;
  checkFinalWeights(params, 3.9, 4, 46);
});

Deno.test("checkGrowth() stops an update that more than doubles the global weight norm", () => {
  // ‖(3, 4)‖ = 5, ‖(0, 0, 12)‖ = 12.
  assert.equal(paramNorm({ a: new Float32Array([3, 4]), b: new Float32Array([0, 0]) }), 5);
  checkGrowth(5, 10, 3);
  checkGrowth(5, 4.9, 3);
  assert.throws(() => checkGrowth(5, 10.5, 3), {
    message: "Weights grew from norm 5.00 to 10.5 at step 3 (more than 2× in one update): training " +
      "diverged; lower the learning rate",
  });
  assert.throws(() => checkGrowth(12.3, 4.47e11, 0), {
    message: "Weights grew from norm 12.3 to 4.47e+11 at step 0 (more than 2× in one update): training " +
      "diverged; lower the learning rate",
  });
  assert.throws(() => checkGrowth(5, NaN, 1), { message: /^Weights grew from norm 5.00 to NaN at step 1/ });
});

import assert from "node:assert/strict";
import { checkFinalWeights, checkLoss, lossBound, nonFiniteParam } from "./divergence.ts";

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

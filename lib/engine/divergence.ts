/**
 * Divergence guard of a training loop: a step's loss and gradient norm, and the weights after the last
 * update, must be finite and the loss below a bound.
 *
 * A loss is checked before the update it drives, so on its own it never sees the effect of the last update:
 * one step at an absurd learning rate leaves weights of 1e9 behind a perfectly normal logged loss. The loop
 * therefore also re-evaluates the loss with the final weights (`checkFinalWeights`) before anything is saved.
 * Float32 weights of 1e9 are finite, so finiteness alone is not enough; and behind normalisation layers
 * such weights can even give a loss near that of a uniform guess. So every update is also checked for the
 * growth of the global weight norm (`checkGrowth`): a healthy AdamW step moves each weight by about the
 * learning rate and never doubles the norm.
 */

/**
 * The largest mean per-token cross-entropy a healthy run can have: `factor` × ln(vocabulary size), the loss
 * of a uniform guess. Any initialisation starts near ln V and training only lowers it; a loss ten times
 * that means the logits have blown up (diverged weights), not slow learning.
 */
export function lossBound(vocabSize: number, factor = 10): number {
  return factor * Math.log(vocabSize);
}

/** Throws `Loss is "x" at step s …: training diverged` for a non-finite loss or one above `bound`. */
export function checkLoss(loss: number, step: number, bound: number, when = ""): void {
  if (!Number.isFinite(loss)) {
    throw new Error(`Loss is "${loss}" at step ${step}${when}: training diverged`);
  }
  if (loss > bound) {
    throw new Error(
      `Loss is "${loss}" at step ${step}${when}, above the bound ${bound.toFixed(2)} ` +
        "(10 × the loss of a uniform guess): training diverged; lower the learning rate",
    );
  }
}

/** First parameter (by name) holding NaN or ±Infinity, as `"name" has "NaN" at index i`; null if none. */
export function nonFiniteParam(params: Record<string, Float32Array>): string | null {
  for (const name of Object.keys(params).sort()) {
    const p = params[name]!;
    for (let i = 0; i < p.length; i++) {
      if (!Number.isFinite(p[i]!)) return `"${name}" has "${p[i]}" at index ${i}`;
    }
  }
  return null;
}

/**
 * Check the weights after the last update of step `step`: finite, and the loss they give (`lossAfter`,
 * evaluated on that step's batch with the updated weights) finite and within `bound`.
 */
export function checkFinalWeights(
  params: Record<string, Float32Array>,
  lossAfter: number,
  step: number,
  bound: number,
): void {
  const bad = nonFiniteParam(params);
  if (bad) throw new Error(`Weights after step ${step} are not finite: ${bad}: training diverged`);
  checkLoss(lossAfter, step, bound, " after its update");
}

/** Global L2 norm of all parameters. */
export function paramNorm(params: Record<string, Float32Array>): number {
  let sq = 0;
  for (const p of Object.values(params)) for (let i = 0; i < p.length; i++) sq += p[i]! * p[i]!;
  return Math.sqrt(sq);
}

/**
 * Throws when one update multiplied the global weight norm by more than `maxRatio` (or made it non-finite):
 * `Weights grew from norm 12.3 to 4.47e+11 at step 0 (more than 2× in one update): training diverged; …`.
 */
export function checkGrowth(before: number, after: number, step: number, maxRatio = 2): void {
  if (Number.isFinite(after) && after <= maxRatio * before) return;
  throw new Error(
    `Weights grew from norm ${before.toPrecision(3)} to ${after.toPrecision(3)} at step ${step} ` +
      `(more than ${maxRatio}× in one update): training diverged; lower the learning rate`,
  );
}

/**
 * Softmax over cells in float64: exp(z − max) / Σ exp(z − max), summed in index order. The one softmax of
 * the RoI maps (the attention-target RPN's proposal and the recorded example probabilities).
 */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let j = 0; j < logits.length; j++) max = Math.max(max, logits[j]!);
  const e = Float64Array.from(logits as ArrayLike<number>, (z) => Math.exp(z - max));
  let sum = 0;
  for (const v of e) sum += v;
  return e.map((v) => v / sum);
}

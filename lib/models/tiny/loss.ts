import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "./config.ts";
import { forward } from "./forward.ts";
import type { Params } from "./params.ts";
import type { SequenceBatch } from "./sequence.ts";

/**
 * Summed next-token cross-entropy over the answer tokens (incl. <eos>) of a batch, and how many tokens
 * that is. Prompt tokens carry no loss, as in LLaVA's instruction tuning. A sum, not a mean, so that
 * data-parallel shards add up to exactly the whole batch's loss (the trainer divides by the total count).
 */
export function answerLossSum(
  params: Params,
  config: ModelConfig,
  seq: SequenceBatch,
): { loss: tf.Scalar; count: number } {
  const V = config.vocabSize;
  const n = seq.batch * seq.length;
  const onehot = new Float32Array(n * V);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const t = seq.targets[i]!;
    if (t >= 0) {
      onehot[i * V + t] = 1;
      count++;
    }
  }
  if (count === 0) throw new Error("Cannot compute the answer loss of a batch without answers");
  const { logits } = forward(params, config, seq, { logits: true });
  const logp = tf.logSoftmax(tf.reshape(logits!, [n, V]));
  // Rows without a target are all-zero in `onehot`, so they drop out of the sum.
  return { loss: tf.neg(tf.sum(tf.mul(logp, tf.tensor2d(onehot, [n, V])))) as tf.Scalar, count };
}

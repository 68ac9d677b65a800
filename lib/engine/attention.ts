import * as tf from "@tensorflow/tfjs";
import { bmm } from "./ops.ts";

/**
 * Attention primitives shared by the model and the fused kernel's tests: scaled dot-product attention with an
 * additive bias, and the causal masks over valid keys (0 = attend, −1e9 = masked).
 */

const NEG = -1e9;

/**
 * Scaled dot-product attention. q [B·H, Tq, dh], keysT [B·H, dh, Tk], values [B·H, Tk, dh],
 * bias [B, 1, Tq, Tk] (0 or −1e9) or null. Returns output [B·H, Tq, dh] and probabilities [B, H, Tq, Tk].
 */
export function attend(
  q: tf.Tensor3D,
  keysT: tf.Tensor3D,
  values: tf.Tensor3D,
  bias: tf.Tensor4D | null,
  batch: number,
  heads: number,
): { out: tf.Tensor3D; probs: tf.Tensor4D } {
  const [, tq, dh] = q.shape;
  const tk = keysT.shape[2];
  let scores = tf.reshape(tf.mul(bmm(q, keysT), 1 / Math.sqrt(dh)), [batch, heads, tq, tk]) as tf.Tensor4D;
  if (bias) scores = tf.add(scores, bias);
  const probs = tf.softmax(scores) as tf.Tensor4D;
  const out = bmm(tf.reshape(probs, [batch * heads, tq, tk]), values) as tf.Tensor3D;
  return { out, probs };
}

/** [B, 1, T, T] additive mask: causal and only valid keys. */
export function causalBias(valid: Uint8Array, batch: number, length: number): tf.Tensor4D {
  const bias = new Float32Array(batch * length * length);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      const row = (b * length + t) * length;
      for (let s = 0; s < length; s++) {
        bias[row + s] = s <= t && valid[b * length + s] ? 0 : NEG;
      }
      // A query with no valid key at or before it (cannot happen after <bos>) would get a uniform row.
    }
  }
  return tf.tensor4d(bias, [batch, 1, length, length]);
}

/** [B, 1, T − start, T] additive mask for queries start..T−1: causal and only valid keys. */
export function causalBiasFrom(valid: Uint8Array, batch: number, length: number, start: number): tf.Tensor4D {
  const tq = length - start;
  const bias = new Float32Array(batch * tq * length).fill(NEG);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < tq; i++) {
      const row = (b * tq + i) * length;
      for (let s = 0; s <= start + i; s++) if (valid[b * length + s]) bias[row + s] = 0;
    }
  }
  return tf.tensor4d(bias, [batch, 1, tq, length]);
}

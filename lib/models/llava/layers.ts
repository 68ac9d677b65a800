/**
 * Small building blocks shared by the CLIP tower, the projector and the Llama decoder: LayerNorm,
 * the activations LLaVA uses, and scaled dot-product attention over heads.
 */
import * as tf from "@tensorflow/tfjs";
import { bmm, linear } from "../../engine/ops.ts";
import type { LayerNormWeights, Linear } from "./weights.ts";

/** `x · w + b` for a loaded linear layer; `x` [..., in] → [..., out]. */
export function applyLinear(x: tf.Tensor, l: Linear): tf.Tensor {
  return linear(x, l.w, l.b);
}

/** LayerNorm over the last axis with biased variance, as torch.nn.LayerNorm. */
export function layerNorm(x: tf.Tensor, w: LayerNormWeights, eps: number): tf.Tensor {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, -1, true); // [..., 1]
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), w.g), w.b);
  });
}

/** CLIP's quick_gelu: x · σ(1.702 x). */
export function quickGelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(x, 1.702))));
}

/** Exact GELU (torch's default "gelu"): 0.5 x (1 + erf(x / √2)). */
export function geluErf(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}

/** SiLU: x · σ(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

/** Activation by its transformers name. */
export function activation(name: "quick_gelu" | "gelu" | "silu", x: tf.Tensor): tf.Tensor {
  return name === "quick_gelu" ? quickGelu(x) : name === "gelu" ? geluErf(x) : silu(x);
}

/** [T, H·dh] → [H, T, dh]. */
export function splitHeads(x: tf.Tensor, heads: number): tf.Tensor3D {
  const [t, width] = x.shape as [number, number];
  return tf.transpose(tf.reshape(x, [t, heads, width / heads]), [1, 0, 2]);
}

/** [H, T, dh] → [T, H·dh]. */
export function mergeHeads(x: tf.Tensor3D): tf.Tensor2D {
  const [h, t, dh] = x.shape;
  return tf.reshape(tf.transpose(x, [1, 0, 2]), [t, h * dh]);
}

/**
 * Softmax attention: `q` [H, T, dh], `k` and `v` [H, S, dh], optional additive `bias` [T, S] (the causal
 * mask). Returns the context [H, T, dh] and the probabilities [H, T, S]. Keys are transposed explicitly
 * so the products run as plain matmuls (the fast path on wasm).
 */
export function attend(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  bias: tf.Tensor2D | null,
): { context: tf.Tensor3D; probs: tf.Tensor3D } {
  return tf.tidy(() => {
    const dh = q.shape[2];
    let scores = tf.mul(bmm(q, tf.transpose(k, [0, 2, 1])), 1 / Math.sqrt(dh)) as tf.Tensor3D; // [H, T, S]
    if (bias !== null) scores = tf.add(scores, bias);
    const probs = tf.softmax(scores) as tf.Tensor3D; // over keys
    return { context: bmm(probs, v) as tf.Tensor3D, probs };
  });
}

/**
 * `tf.tidy` for functions that return a structured result (interfaces of tensors, numbers, records):
 * every tensor reachable from the result is kept, everything else made inside is freed.
 */
export function tidyResult<T extends object>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}

/**
 * Batched, masked Llama decoder layers for the model interface: the RPN branch runs copies of decoder
 * layers over padded [B, T, d] batches (lib/roi/backbone.ts re-pads cached states), so padding must be
 * invisible — a key that is not valid is never attended to and takes no rotary step (positions are given
 * per token). llama.ts stays the one-sequence path the dump and parity tests pin down; this file is the
 * same arithmetic with a batch axis and a validity mask.
 *
 * Layer weights travel through the interface as a record of leaf names (`LAYER_LEAVES`), in the
 * in-memory layout of weights.ts (linear weights [in, out]); `layerFromLeaves` turns them back.
 */
import * as tf from "@tensorflow/tfjs";
import { bmm, linear, rmsNorm } from "../../engine/ops.ts";
import type { LlamaTextConfig } from "./config.ts";
import { silu } from "./layers.ts";
import type { Linear, LlamaLayerWeights } from "./weights.ts";

/** The linear layers of a decoder layer, in checkpoint order. */
const LINEARS = ["q", "k", "v", "o", "gate", "up", "down"] as const;
type LinearName = (typeof LINEARS)[number];

/** Leaf names of one decoder layer ("all") or of its input norm and q/k projections ("queryKey"). */
export function layerLeaves(cfg: LlamaTextConfig, part: "all" | "queryKey"): string[] {
  const bias = (l: LinearName) =>
    (["q", "k", "v", "o"].includes(l) ? cfg.attentionBias : cfg.mlpBias) ? [`${l}.b`] : [];
  const names = part === "all" ? LINEARS : (["q", "k"] as const);
  const out = ["inputNorm"];
  for (const l of names) {
    out.push(`${l}.w`, ...bias(l));
    if (part === "all" && l === "o") out.push("postNorm");
  }
  return out;
}

/** The tensors of a decoder layer by leaf name (shared, not copied). */
export function layerToLeaves(w: LlamaLayerWeights, cfg: LlamaTextConfig, part: "all" | "queryKey") {
  const out: Record<string, tf.Tensor> = {};
  for (const leaf of layerLeaves(cfg, part)) {
    if (leaf === "inputNorm" || leaf === "postNorm") out[leaf] = w[leaf];
    else {
      const [name, kind] = leaf.split(".") as [LinearName, "w" | "b"];
      out[leaf] = w[name][kind]!;
    }
  }
  return out;
}

/** A linear layer from leaves `<name>.w` and optional `<name>.b`; throws naming a missing leaf. */
export function linearOf(leaves: Record<string, tf.Tensor>, name: string): Linear {
  const w = leaves[`${name}.w`];
  if (!w) throw new Error(`Layer weights lack the leaf "${name}.w"`);
  const b = leaves[`${name}.b`];
  return b ? { w: w as tf.Tensor2D, b: b as tf.Tensor1D } : { w: w as tf.Tensor2D };
}

function normOf(leaves: Record<string, tf.Tensor>, name: string): tf.Tensor1D {
  const t = leaves[name];
  if (!t) throw new Error(`Layer weights lack the leaf "${name}"`);
  return t as tf.Tensor1D;
}

/** Rotary tables [B, 1, T, dh] (rotate-half layout) at the given per-token positions, angles in float64. */
export function batchedRope(
  positions: Int32Array,
  batch: number,
  length: number,
  headDim: number,
  theta: number,
): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const half = headDim / 2;
  const cos = new Float32Array(batch * length * headDim);
  const sin = new Float32Array(batch * length * headDim);
  for (let i = 0; i < batch * length; i++) {
    for (let j = 0; j < half; j++) {
      const angle = positions[i]! / theta ** ((2 * j) / headDim);
      cos[i * headDim + j] = cos[i * headDim + half + j] = Math.cos(angle);
      sin[i * headDim + j] = sin[i * headDim + half + j] = Math.sin(angle);
    }
  }
  return {
    cos: tf.tensor4d(cos, [batch, 1, length, headDim]),
    sin: tf.tensor4d(sin, [batch, 1, length, headDim]),
  };
}

/** Additive mask [B, 1, T, T]: 0 where the key is valid and not after the query, else −1e9. */
export function batchedBias(valid: Uint8Array, batch: number, length: number): tf.Tensor4D {
  const bias = new Float32Array(batch * length * length).fill(-1e9);
  for (let b = 0; b < batch; b++) {
    for (let t = 0; t < length; t++) {
      const row = (b * length + t) * length;
      for (let s = 0; s <= t; s++) if (valid[b * length + s]) bias[row + s] = 0;
    }
  }
  return tf.tensor4d(bias, [batch, 1, length, length]);
}

function rope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  return tf.add(tf.mul(x, cos), tf.mul(tf.concat([tf.neg(x2!), x1!], 3), sin));
}

/** [B, T, KV, dh] → [B, T, H, dh]: kv head i serves query heads i·H/KV .. (i+1)·H/KV − 1. */
export function repeatKvHeads(x: tf.Tensor4D, heads: number): tf.Tensor4D {
  const [B, T, kv, dh] = x.shape;
  if (kv === heads) return x;
  return tf.reshape(tf.tile(tf.reshape(x, [B, T, kv, 1, dh]), [1, 1, 1, heads / kv, 1]), [B, T, heads, dh]);
}

/** One Llama decoder layer over a padded batch `x` [B, T, d] with rotary tables and mask of its layout. */
export function batchedDecoderLayer(
  x: tf.Tensor3D,
  leaves: Record<string, tf.Tensor>,
  cfg: LlamaTextConfig,
  context: { cos: tf.Tensor4D; sin: tf.Tensor4D; bias: tf.Tensor4D },
): tf.Tensor3D {
  return tf.tidy(() => {
    const [B, T] = x.shape;
    const H = cfg.numHeads;
    const dh = cfg.headDim;
    const heads = (t: tf.Tensor, n: number) => tf.reshape(t, [B, T, n, dh]) as tf.Tensor4D;
    const toBhtd = (t: tf.Tensor4D) => tf.transpose(t, [0, 2, 1, 3]) as tf.Tensor4D; // [B, H, T, dh]
    const h = rmsNorm(x, normOf(leaves, "inputNorm"), cfg.rmsNormEps);
    const lin = (name: string, input: tf.Tensor) => {
      const l = linearOf(leaves, name);
      return linear(input, l.w, l.b);
    };
    const q = rope(toBhtd(heads(lin("q", h), H)), context.cos, context.sin);
    const k = rope(toBhtd(repeatKvHeads(heads(lin("k", h), cfg.numKvHeads), H)), context.cos, context.sin);
    const v = toBhtd(repeatKvHeads(heads(lin("v", h), cfg.numKvHeads), H));
    const q3 = tf.reshape(q, [B * H, T, dh]);
    const kT = tf.reshape(tf.transpose(k, [0, 1, 3, 2]), [B * H, dh, T]);
    const scores = tf.add(tf.reshape(tf.mul(bmm(q3, kT), 1 / Math.sqrt(dh)), [B, H, T, T]), context.bias);
    const probs = tf.reshape(tf.softmax(scores), [B * H, T, T]);
    const ctx = bmm(probs, tf.reshape(v, [B * H, T, dh])); // [B·H, T, dh]
    const merged = tf.reshape(tf.transpose(tf.reshape(ctx, [B, H, T, dh]), [0, 2, 1, 3]), [B, T, H * dh]);
    const x1 = tf.add(x, lin("o", merged));
    const h2 = rmsNorm(x1, normOf(leaves, "postNorm"), cfg.rmsNormEps);
    const mlp = lin("down", tf.mul(silu(lin("gate", h2)), lin("up", h2)));
    return tf.add(x1, mlp) as tf.Tensor3D;
  });
}

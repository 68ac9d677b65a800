/**
 * The Llama decoder of LLaVA-1.5 (Vicuna): RMSNorm, half-rotation RoPE, causal softmax attention with
 * grouped-query heads, SiLU-gated MLP, final RMSNorm and lm_head — for one sequence (no batch axis),
 * with a KV cache so that prompts can be continued and decoded token by token.
 */
import * as tf from "@tensorflow/tfjs";
import { rmsNorm } from "../../engine/ops.ts";
import type { LlamaTextConfig } from "./config.ts";
import { applyLinear, attend, mergeHeads, silu, splitHeads, tidyResult } from "./layers.ts";
import type { LlamaLayerWeights, LlamaWeights } from "./weights.ts";

/** One layer's keys (already rotated) and values, [KV, S, dh]. */
export interface LayerCache {
  k: tf.Tensor3D;
  v: tf.Tensor3D;
}

/** The prefix state of a sequence: per-layer KV for positions 0..length−1. */
export interface KvCache {
  layers: LayerCache[];
  length: number;
}

/**
 * cos and sin tables [T, dh] of the rotary embedding at positions start..start+T−1, computed in float64:
 * angle(p, i) = p / θ^(2i/dh) for i < dh/2, repeated for the second half (rotate_half layout).
 */
export function ropeTables(start: number, count: number, headDim: number, theta: number): {
  cos: tf.Tensor2D;
  sin: tf.Tensor2D;
} {
  const half = headDim / 2;
  const cos = new Float32Array(count * headDim);
  const sin = new Float32Array(count * headDim);
  for (let t = 0; t < count; t++) {
    for (let i = 0; i < half; i++) {
      const angle = (start + t) / theta ** ((2 * i) / headDim);
      cos[t * headDim + i] = cos[t * headDim + half + i] = Math.cos(angle);
      sin[t * headDim + i] = sin[t * headDim + half + i] = Math.sin(angle);
    }
  }
  return { cos: tf.tensor2d(cos, [count, headDim]), sin: tf.tensor2d(sin, [count, headDim]) };
}

/** x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁]; `x` [H, T, dh], tables [T, dh]. */
export function applyRope(x: tf.Tensor3D, cos: tf.Tensor2D, sin: tf.Tensor2D): tf.Tensor3D {
  return tf.tidy(() => {
    const half = x.shape[2] / 2;
    const [x1, x2] = tf.split(x, [half, half], 2);
    const rotated = tf.concat([tf.neg(x2!), x1!], 2);
    return tf.add(tf.mul(x, cos), tf.mul(rotated, sin)) as tf.Tensor3D;
  });
}

/** Additive causal mask [T, S] for T new queries after `past` cached keys: 0 where key ≤ query, else −1e9. */
export function causalBias(past: number, count: number): tf.Tensor2D {
  const keys = past + count;
  const bias = new Float32Array(count * keys);
  for (let t = 0; t < count; t++) bias.fill(-1e9, t * keys + past + t + 1, (t + 1) * keys);
  return tf.tensor2d(bias, [count, keys]);
}

/** [KV, S, dh] → [H, S, dh]: each kv head serves H/KV consecutive query heads (transformers' repeat_kv). */
export function repeatKv(x: tf.Tensor3D, heads: number): tf.Tensor3D {
  const [kv, s, dh] = x.shape;
  if (kv === heads) return x;
  return tf.tidy(() =>
    tf.reshape(tf.tile(tf.reshape(x, [kv, 1, s, dh]), [1, heads / kv, 1, 1]), [heads, s, dh])
  );
}

/** Options of one decoder layer call. */
export interface DecoderLayerOptions {
  /** Keys and values of earlier positions; the new rows take positions past.length.. . */
  past?: LayerCache;
  /** Rows of this chunk whose attention probabilities to return. */
  captureRows?: readonly number[];
}

/** What one decoder layer returns; the caller owns every tensor. */
export interface DecoderLayerResult {
  /** [T, d] residual stream after the layer. */
  out: tf.Tensor2D;
  /** Keys/values of past and new positions. */
  cache: LayerCache;
  /** [Q, H, S]: softmax rows of `captureRows` over all S keys. */
  rows?: tf.Tensor3D;
}

/**
 * One Llama decoder layer on `x` [T, d] with the given weights (any layer's, or a copy's): the rows sit
 * at positions past..past+T−1 and attend causally to the cached keys and to each other.
 */
export function llamaDecoderLayer(
  x: tf.Tensor2D,
  w: LlamaLayerWeights,
  cfg: LlamaTextConfig,
  options: DecoderLayerOptions = {},
): DecoderLayerResult {
  return tidyResult(() => {
    const t = x.shape[0];
    const past = options.past?.k.shape[1] ?? 0;
    const { cos, sin } = ropeTables(past, t, cfg.headDim, cfg.ropeTheta);
    const h = rmsNorm(x, w.inputNorm, cfg.rmsNormEps);
    const q = applyRope(splitHeads(applyLinear(h, w.q), cfg.numHeads), cos, sin); // [H, T, dh]
    let k = applyRope(splitHeads(applyLinear(h, w.k), cfg.numKvHeads), cos, sin); // [KV, T, dh]
    let v = splitHeads(applyLinear(h, w.v), cfg.numKvHeads); // [KV, T, dh]
    if (options.past !== undefined) {
      k = tf.concat([options.past.k, k], 1);
      v = tf.concat([options.past.v, v], 1);
    }
    const bias = t === 1 ? null : causalBias(past, t); // a single new row may see every key
    const { context, probs } = attend(q, repeatKv(k, cfg.numHeads), repeatKv(v, cfg.numHeads), bias);
    const x1 = tf.add(x, applyLinear(mergeHeads(context), w.o));
    const h2 = rmsNorm(x1, w.postNorm, cfg.rmsNormEps);
    const mlp = applyLinear(tf.mul(silu(applyLinear(h2, w.gate)), applyLinear(h2, w.up)), w.down);
    const out = tf.add(x1, mlp) as tf.Tensor2D;
    const result: DecoderLayerResult = { out, cache: { k, v } };
    if (options.captureRows !== undefined && options.captureRows.length > 0) {
      const rows = tf.gather(probs, tf.tensor1d([...options.captureRows], "int32"), 1); // [H, Q, S]
      result.rows = tf.transpose(rows, [1, 0, 2]);
    }
    return result;
  });
}

/** Options of `llamaPrefill`. */
export interface PrefillOptions {
  /** Run decoder layers 0..upTo−1 only (a partial forward, e.g. SD-RPN's frozen backbone). Default: all. */
  upTo?: number;
  /** Continue after this prefix state (not modified; the result holds a new one). */
  cache?: KvCache;
  /** Hidden states to return: index i = residual stream after i layers (0 = input embeddings). */
  hiddenLayers?: readonly number[];
  /** Rows of this chunk whose per-head attention probabilities to return, at every layer run. */
  attentionRows?: readonly number[];
  /** Logits: "last" row (default when every layer runs), "all" rows, or "none". */
  logits?: "last" | "all" | "none";
}

/** What `llamaPrefill` returns; the caller owns every tensor (see `disposePrefill`). */
export interface PrefillResult {
  /** Prefix state after this chunk, for the layers that ran. */
  cache: KvCache;
  /** [T, d] per requested hidden-state index. */
  hidden: Record<number, tf.Tensor2D>;
  /** [Q, H, S] per layer run, when `attentionRows` were given. */
  attention: Record<number, tf.Tensor3D>;
  /** [1, V] or [T, V]. */
  logits?: tf.Tensor2D;
}

/** Runs the decoder over input embeddings `embeds` [T, d] (see `PrefillOptions`). */
export function llamaPrefill(
  w: LlamaWeights,
  cfg: LlamaTextConfig,
  embeds: tf.Tensor2D,
  options: PrefillOptions = {},
): PrefillResult {
  const upTo = options.upTo ?? cfg.numLayers;
  if (!Number.isInteger(upTo) || upTo < 0 || upTo > cfg.numLayers) {
    throw new Error(`Cannot run the decoder: upTo is ${upTo}, expected 0..${cfg.numLayers}`);
  }
  const wanted = options.hiddenLayers ?? [];
  for (const i of wanted) {
    if (!Number.isInteger(i) || i < 0 || i > upTo) {
      throw new Error(`Cannot run the decoder: hidden state ${i} requested, expected 0..${upTo}`);
    }
  }
  const logitsMode = options.logits ?? (upTo === cfg.numLayers ? "last" : "none");
  if (logitsMode !== "none" && upTo !== cfg.numLayers) {
    throw new Error(`Cannot compute logits after ${upTo} of ${cfg.numLayers} layers`);
  }
  if (options.cache !== undefined && options.cache.layers.length < upTo) {
    throw new Error(
      `Cannot continue the decoder: the cache has ${options.cache.layers.length} layers, expected ${upTo}`,
    );
  }
  return tidyResult(() => {
    const result: PrefillResult = {
      cache: { layers: [], length: (options.cache?.length ?? 0) + embeds.shape[0] },
      hidden: {},
      attention: {},
    };
    let x = embeds;
    if (wanted.includes(0)) result.hidden[0] = tf.clone(x);
    for (let i = 0; i < upTo; i++) {
      const layer = llamaDecoderLayer(x, w.layers[i]!, cfg, {
        past: options.cache?.layers[i],
        captureRows: options.attentionRows,
      });
      x = layer.out;
      result.cache.layers.push(layer.cache);
      if (layer.rows !== undefined) result.attention[i] = layer.rows;
      if (wanted.includes(i + 1)) result.hidden[i + 1] = x;
    }
    if (logitsMode !== "none") {
      const rows = logitsMode === "last" ? tf.slice(x, [x.shape[0] - 1, 0], [1, -1]) : x;
      result.logits = llamaLogits(w, cfg, rows as tf.Tensor2D);
    }
    return result;
  });
}

/** Final RMSNorm and lm_head: [T, d] → [T, V]. */
export function llamaLogits(w: LlamaWeights, cfg: LlamaTextConfig, x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => applyLinear(rmsNorm(x, w.norm, cfg.rmsNormEps), { w: w.lmHead }) as tf.Tensor2D);
}

/** Frees a KV cache. */
export function disposeCache(cache: KvCache): void {
  for (const l of cache.layers) tf.dispose([l.k, l.v]);
}

/** Frees every tensor of a prefill result. */
export function disposePrefill(result: PrefillResult): void {
  disposeCache(result.cache);
  tf.dispose([...Object.values(result.hidden), ...Object.values(result.attention)]);
  if (result.logits) result.logits.dispose();
}

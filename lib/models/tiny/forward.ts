import * as tf from "@tensorflow/tfjs";
import { embed, linear, rmsNorm } from "../../engine/ops.ts";
import { attend, causalBias, causalBiasFrom } from "../../engine/attention.ts";
import { fusedAttention } from "../../engine/attention_kernel/fused_attention.ts";
import { cnnFeatures } from "./cnn_stem.ts";
import { gridOf, type ModelConfig } from "./config.ts";
import type { Params } from "./params.ts";
import type { SequenceBatch } from "./sequence.ts";

/**
 * The small LLaVA-shaped MLLM: ViT (patchify → pre-norm bidirectional transformer) → 2-layer MLP projector →
 * decoder-only LM (pre-norm RMSNorm, rotary positions, causal attention, ReLU MLP).
 *
 * ReLU rather than GELU in every MLP: on wasm the tanh of GELU costs more than the matmul it follows
 * (profiled: ~14 ms per [16·146, 192] tanh), and at this scale the activation makes no measurable difference.
 *
 * Every function here is a pure function of (params, inputs); the caller owns tidy/dispose.
 */

const NEG = -1e9;

// The attention primitives live in lib/engine/attention.ts; re-exported for the model's callers.
export { attend, causalBias };

/** Per-layer key/value cache for greedy decoding: keys already rotated. */
export interface LayerCache {
  /** [B·H, dh, T] */
  keysT: tf.Tensor3D;
  /** [B·H, T, dh] */
  values: tf.Tensor3D;
}

export interface KvCache {
  layers: LayerCache[];
  /** [B, T] 1 = attendable key. */
  valid: Uint8Array;
  /** Next rotary position of each row. */
  nextPosition: Int32Array;
  batch: number;
  length: number;
}

export interface ForwardOptions {
  /** Run only decoder layers 0..upTo−1 (the RPN's frozen backbone); default: all. */
  upTo?: number;
  /** Keep per-layer attention probabilities [B, H, T, T]. */
  captureAttention?: boolean;
  /** Keep per-layer outputs [B, T, d] (index l = output of layer l). */
  captureHidden?: boolean;
  /** Compute vocabulary logits (requires all layers). Default true when upTo is unset. */
  logits?: boolean;
  /** Return the KV cache for decoding. */
  cache?: boolean;
}

export interface ForwardResult {
  /** [B, T, V] */
  logits?: tf.Tensor3D;
  /** [B, T, d] residual stream after the last layer run (before the final norm). */
  hidden: tf.Tensor3D;
  /** [B, T, d] decoder input embeddings (text embeddings with visual tokens spliced in). */
  inputs: tf.Tensor3D;
  attentions: tf.Tensor4D[];
  hiddens: tf.Tensor3D[];
  cache?: KvCache;
}

/** Rotary tables for given positions: cos/sin of shape [B, 1, T, dh] (rotate-half layout). */
export function ropeTables(
  positions: Int32Array,
  batch: number,
  length: number,
  headDim: number,
  base: number,
): { cos: tf.Tensor4D; sin: tf.Tensor4D } {
  const half = headDim / 2;
  const cos = new Float32Array(batch * length * headDim);
  const sin = new Float32Array(batch * length * headDim);
  for (let i = 0; i < batch * length; i++) {
    const p = positions[i]!;
    for (let j = 0; j < half; j++) {
      const angle = p / Math.pow(base, (2 * j) / headDim);
      const c = Math.cos(angle);
      const s = Math.sin(angle);
      cos[i * headDim + j] = c;
      cos[i * headDim + j + half] = c;
      sin[i * headDim + j] = s;
      sin[i * headDim + j + half] = s;
    }
  }
  return {
    cos: tf.tensor4d(cos, [batch, 1, length, headDim]),
    sin: tf.tensor4d(sin, [batch, 1, length, headDim]),
  };
}

/** x·cos + rotate_half(x)·sin on [B, H, T, dh]. */
export function applyRope(x: tf.Tensor4D, cos: tf.Tensor4D, sin: tf.Tensor4D): tf.Tensor4D {
  const half = x.shape[3] / 2;
  const [x1, x2] = tf.split(x, [half, half], 3);
  const rotated = tf.concat([tf.neg(x2!), x1!], 3);
  return tf.add(tf.mul(x, cos), tf.mul(rotated, sin));
}

/** [B, T, d] → [B·H, T, dh] */
function splitHeads(x: tf.Tensor3D, heads: number): tf.Tensor3D {
  const [B, T, d] = x.shape;
  const dh = d / heads;
  return tf.transpose(tf.reshape(x, [B, T, heads, dh]), [0, 2, 1, 3]).reshape([B * heads, T, dh]);
}

/** [B·H, T, dh] → [B, T, d] */
function mergeHeads(x: tf.Tensor3D, batch: number, heads: number): tf.Tensor3D {
  const [, T, dh] = x.shape;
  return tf.transpose(tf.reshape(x, [batch, heads, T, dh]), [0, 2, 1, 3]).reshape([batch, T, heads * dh]);
}

/**
 * Conv-stem inputs from token windows (constant w.r.t. the weights, so built in JS): for every pixel of each
 * token's P×P core, the k×k luminance neighbourhood ([M·N·P², k²]), and each core's mean colour ([M·N, 3]).
 */
export function convInputs(
  windows: Float32Array,
  config: ModelConfig,
): { cols: Float32Array; colour: Float32Array } {
  const W = config.patchWindow;
  const P = config.patchSize;
  const k = config.convKernel;
  const r = (k - 1) / 2;
  const off = (W - P) / 2;
  const per = W * W * 3;
  const tokens = windows.length / per;
  const lum = new Float32Array(W * W);
  const cols = new Float32Array(tokens * P * P * k * k);
  const colour = new Float32Array(tokens * 3);
  for (let t = 0; t < tokens; t++) {
    const base = t * per;
    for (let i = 0; i < W * W; i++) {
      lum[i] = 0.299 * windows[base + i * 3]! + 0.587 * windows[base + i * 3 + 1]! +
        0.114 * windows[base + i * 3 + 2]!;
    }
    for (let py = 0; py < P; py++) {
      for (let px = 0; px < P; px++) {
        const dst = ((t * P + py) * P + px) * k * k;
        for (let dy = 0; dy < k; dy++) {
          const row = (off + py - r + dy) * W + off + px - r;
          for (let dx = 0; dx < k; dx++) cols[dst + dy * k + dx] = lum[row + dx]!;
        }
        const c = ((off + py) * W + off + px) * 3;
        for (let ch = 0; ch < 3; ch++) colour[t * 3 + ch]! += windows[base + c + ch]! / (P * P);
      }
    }
  }
  return { cols, colour };
}

/** Token stem: windows [M·N, W·W·3] (as a flat array) → stem features [M, N, visionDim]. */
export function tokenStem(
  params: Params,
  config: ModelConfig,
  windows: Float32Array,
  M: number,
): tf.Tensor3D {
  const { tokens: N } = gridOf(config);
  let input: tf.Tensor2D;
  if (config.stem === "conv") {
    const { cols, colour } = convInputs(windows, config);
    const P2 = config.patchSize * config.patchSize;
    const k2 = config.convKernel * config.convKernel;
    const C = config.convChannels;
    const fmap = tf.relu(
      linear(tf.tensor2d(cols, [M * N * P2, k2]), params["vit.conv.w"]!, params["vit.conv.b"]!),
    );
    const pooled = tf.max(tf.reshape(fmap, [M * N, P2, C]), 1); // [M·N, C]: max over the patch's pixels
    input = tf.concat([pooled, tf.tensor2d(colour, [M * N, 3])], 1) as tf.Tensor2D;
  } else if (config.stem === "cnn") {
    input = cnnFeatures(params, config, windows, M);
  } else {
    input = tf.tensor2d(windows, [M * N, windows.length / (M * N)]);
  }
  const hidden = tf.relu(linear(input, params["vit.stem.w"]!, params["vit.stem.b"]!));
  return tf.reshape(linear(hidden, params["vit.patch.w"]!, params["vit.patch.b"]!), [M, N, config.visionDim]);
}

/** The vision tower + projector: token windows (flat [M, N, W·W·3]) → visual tokens [M, N, d]. */
export function encodeImages(
  params: Params,
  config: ModelConfig,
  windows: Float32Array,
  M: number,
): tf.Tensor3D {
  const N = gridOf(config).tokens;
  const heads = config.visionHeads;
  let x = tokenStem(params, config, windows, M);
  x = tf.add(x, params["vit.pos"]!) as tf.Tensor3D;
  for (let i = 0; i < config.visionLayers; i++) {
    const p = `vit.layers.${i}.`;
    const h = rmsNorm(x, params[p + "norm1"]!, config.normEps);
    const q = splitHeads(linear(h, params[p + "wq"]!) as tf.Tensor3D, heads);
    const k = splitHeads(linear(h, params[p + "wk"]!) as tf.Tensor3D, heads);
    const v = splitHeads(linear(h, params[p + "wv"]!) as tf.Tensor3D, heads);
    const { out } = config.attentionKernel === "fused"
      ? fusedAttention(q, k, v, { heads })
      : attend(q, tf.transpose(k, [0, 2, 1]) as tf.Tensor3D, v, null, M, heads);
    x = tf.add(x, linear(mergeHeads(out, M, heads), params[p + "wo"]!));
    const h2 = rmsNorm(x, params[p + "norm2"]!, config.normEps);
    const m = linear(
      tf.relu(linear(h2, params[p + "fc1"]!, params[p + "fc1b"]!)),
      params[p + "fc2"]!,
      params[p + "fc2b"]!,
    );
    x = tf.add(x, m);
  }
  x = rmsNorm(x, params["vit.norm"]!, config.normEps) as tf.Tensor3D;
  const proj = linear(
    tf.relu(linear(x, params["proj.fc1"]!, params["proj.fc1b"]!)),
    params["proj.fc2"]!,
    params["proj.fc2b"]!,
  );
  return tf.reshape(proj, [M, N, config.dim]) as tf.Tensor3D;
}

/** Decoder input: text embeddings with the encoded visual blocks spliced in at their starts. */
export function embedSequence(params: Params, config: ModelConfig, seq: SequenceBatch): tf.Tensor3D {
  const { tokens: n } = gridOf(config);
  const B = seq.batch;
  const ids = tf.tensor2d(seq.ids, [B, seq.length], "int32");
  const text = embed(ids, params["lm.embed"]!) as tf.Tensor3D; // [B, T, d]
  const perBlock = seq.patches.length;
  if (perBlock === 0) return text; // a text-only drill (buildSequences textOnly)
  const windows = new Float32Array(seq.patches.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of seq.patches) windows.set(p, at), at += p.length;
  const visual = encodeImages(params, config, windows, perBlock * B); // [blocks·B, N, d]
  return spliceVisual(seq, text, (k) => tf.slice(visual, [k * B, 0, 0], [B, n, config.dim]));
}

/**
 * Text embeddings [B, T, d] with visual block k's encoded tokens (`block(k)`: [B, N, d]) at its slots: all N
 * in grid order, or the kept ones `seq.visualGather` names (buildSequences `dropMasked`).
 */
export function spliceVisual(
  seq: SequenceBatch,
  text: tf.Tensor3D,
  block: (k: number) => tf.Tensor3D,
): tf.Tensor3D {
  const [B, , d] = text.shape;
  const pieces: tf.Tensor3D[] = [];
  let cursor = 0;
  for (let k = 0; k < seq.patches.length; k++) {
    const start = seq.visualStarts[k]!;
    const K = seq.blockLengths[k]!;
    const gather = seq.visualGather[k];
    pieces.push(tf.slice(text, [0, cursor, 0], [B, start - cursor, d]));
    const tokens = block(k); // [B, N, d]
    if (!gather) pieces.push(tokens);
    else {
      const n = tokens.shape[1];
      const flat = Int32Array.from(gather, (j, i) => Math.floor(i / Math.max(K, 1)) * n + j);
      const picked = tf.gather(tf.reshape(tokens, [B * n, d]), tf.tensor1d(flat, "int32")); // [B·K, d]
      pieces.push(tf.reshape(picked, [B, K, d]) as tf.Tensor3D);
    }
    cursor = start + K;
  }
  pieces.push(tf.slice(text, [0, cursor, 0], [B, seq.length - cursor, d]));
  return tf.concat(pieces, 1) as tf.Tensor3D;
}

/**
 * Which keys each query of a decoder layer sees: key j of row b iff `valid[b·Tk + j]` and j ≤ queryOffset + i
 * for query i. The tfjs path reads it as an additive bias (0 / −1e9), the fused kernel as a hard mask.
 */
export interface LayerMask {
  /** [B, Tk] 1 = attendable key. */
  valid: Uint8Array;
  /** Key position of query 0 (0 over a whole sequence, P after a prefix, T − 1 for a decoding step). */
  queryOffset: number;
  /** [B, 1, Tq, Tk] the same mask as an additive bias; null with the fused kernel, which never reads it. */
  bias: tf.Tensor4D | null;
}

/** The mask of queries queryOffset..Tk−1 over `valid` [B, Tk] (a bias only for the tfjs kernel). */
export function layerMask(
  config: ModelConfig,
  valid: Uint8Array,
  batch: number,
  keyLength: number,
  queryOffset: number,
): LayerMask {
  if (config.attentionKernel === "fused") return { valid, queryOffset, bias: null };
  const bias = queryOffset === 0
    ? causalBias(valid, batch, keyLength)
    : causalBiasFrom(valid, batch, keyLength, queryOffset);
  return { valid, queryOffset, bias };
}

/**
 * One pre-norm decoder layer. `prefix` names its weights (e.g. "lm.layers.3.", or an RPN branch copy).
 * With `past`, x holds only the new positions and attends to past keys too. The attention probabilities
 * [B, H, Tq, Tk] come back with `probs` (always with the tfjs kernel, which computes them anyway).
 */
export function decoderLayer(
  params: Params,
  config: ModelConfig,
  prefix: string,
  x: tf.Tensor3D,
  rope: { cos: tf.Tensor4D; sin: tf.Tensor4D },
  mask: LayerMask,
  past?: LayerCache,
  options: { probs?: boolean } = {},
): { out: tf.Tensor3D; probs?: tf.Tensor4D; cache: LayerCache } {
  const [B, T] = x.shape;
  const H = config.heads;
  const dh = config.headDim;
  const h = rmsNorm(x, params[prefix + "attnNorm"]!, config.normEps);
  const toHeads4 = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [B, T, H, dh]), [0, 2, 1, 3]) as tf.Tensor4D;
  const q = applyRope(toHeads4(linear(h, params[prefix + "wq"]!)), rope.cos, rope.sin);
  const k = applyRope(toHeads4(linear(h, params[prefix + "wk"]!)), rope.cos, rope.sin);
  const v = toHeads4(linear(h, params[prefix + "wv"]!));
  let keysT = tf.reshape(tf.transpose(k, [0, 1, 3, 2]), [B * H, dh, T]) as tf.Tensor3D;
  let values = tf.reshape(v, [B * H, T, dh]) as tf.Tensor3D;
  if (past) {
    keysT = tf.concat([past.keysT, keysT], 2);
    values = tf.concat([past.values, values], 1);
  }
  const q3 = tf.reshape(q, [B * H, T, dh]) as tf.Tensor3D;
  let out: tf.Tensor3D;
  let probs: tf.Tensor4D | undefined;
  if (config.attentionKernel === "fused") {
    // The cache keeps keys transposed (the tfjs path's layout); the kernel reads them [B·H, Tk, dh].
    const keys = past
      ? tf.transpose(keysT, [0, 2, 1]) as tf.Tensor3D
      : tf.reshape(k, [B * H, T, dh]) as tf.Tensor3D;
    ({ out, probs } = fusedAttention(q3, keys, values, {
      heads: H,
      causal: true,
      keyValid: mask.valid,
      queryOffset: mask.queryOffset,
      probs: options.probs ?? false,
    }));
  } else {
    if (!mask.bias) throw new Error("Cannot run the tfjs attention kernel without the mask's bias");
    ({ out, probs } = attend(q3, keysT, values, mask.bias, B, H));
  }
  const attnOut = linear(mergeHeads(out, B, H), params[prefix + "wo"]!);
  const x2 = tf.add(x, attnOut) as tf.Tensor3D;
  const h2 = rmsNorm(x2, params[prefix + "mlpNorm"]!, config.normEps);
  const mlp = linear(tf.relu(linear(h2, params[prefix + "w1"]!)), params[prefix + "w2"]!);
  return { out: tf.add(x2, mlp) as tf.Tensor3D, ...(probs ? { probs } : {}), cache: { keysT, values } };
}

/** Full (or partial, `upTo`) forward pass over a laid-out batch. */
export function forward(
  params: Params,
  config: ModelConfig,
  seq: SequenceBatch,
  options: ForwardOptions = {},
): ForwardResult {
  const upTo = options.upTo ?? config.layers;
  const wantLogits = options.logits ?? upTo === config.layers;
  const { headDim } = gridOf(config);
  const inputs = embedSequence(params, config, seq);
  const rope = ropeTables(seq.positions, seq.batch, seq.length, headDim, config.ropeBase);
  const mask = layerMask(config, seq.valid, seq.batch, seq.length, 0);
  const attentions: tf.Tensor4D[] = [];
  const hiddens: tf.Tensor3D[] = [];
  const caches: LayerCache[] = [];
  let x = inputs;
  for (let l = 0; l < upTo; l++) {
    const r = decoderLayer(params, config, `lm.layers.${l}.`, x, rope, mask, undefined, {
      probs: options.captureAttention ?? false,
    });
    x = r.out;
    if (options.captureAttention) attentions.push(r.probs!);
    if (options.captureHidden) hiddens.push(x);
    if (options.cache) caches.push(r.cache);
  }
  const result: ForwardResult = { hidden: x, inputs, attentions, hiddens };
  if (wantLogits) {
    if (upTo !== config.layers) throw new Error("Cannot compute logits from a partial forward pass");
    result.logits = linear(rmsNorm(x, params["lm.norm"]!, config.normEps), params["lm.head"]!) as tf.Tensor3D;
  }
  if (options.cache) {
    const nextPosition = new Int32Array(seq.batch);
    for (let b = 0; b < seq.batch; b++) {
      const last = b * seq.length + seq.length - 1;
      nextPosition[b] = seq.positions[last]! + (seq.valid[last] ? 1 : 0);
    }
    result.cache = {
      layers: caches,
      valid: seq.valid.slice(),
      nextPosition,
      batch: seq.batch,
      length: seq.length,
    };
  }
  return result;
}

/**
 * One decoding step with the KV cache: feed one token per row, get logits [B, V] and the new cache.
 * Optionally captures every layer's attention row of the fed token: [B, H, 1, T+1].
 */
export function decodeStep(
  params: Params,
  config: ModelConfig,
  cache: KvCache,
  tokenIds: Int32Array,
  options: { captureAttention?: boolean } = {},
): { logits: tf.Tensor2D; cache: KvCache; attentions: tf.Tensor4D[] } {
  const B = cache.batch;
  const T = cache.length + 1;
  const { headDim } = gridOf(config);
  const x0 = embed(tf.tensor2d(tokenIds, [B, 1], "int32"), params["lm.embed"]!) as tf.Tensor3D;
  const rope = ropeTables(cache.nextPosition, B, 1, headDim, config.ropeBase);
  const valid = new Uint8Array(B * T);
  const bias = new Float32Array(B * T);
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < T - 1; s++) valid[b * T + s] = cache.valid[b * cache.length + s]!;
    valid[b * T + T - 1] = 1;
    for (let s = 0; s < T; s++) bias[b * T + s] = valid[b * T + s] ? 0 : NEG;
  }
  const mask: LayerMask = {
    valid,
    queryOffset: T - 1,
    bias: config.attentionKernel === "fused" ? null : tf.tensor4d(bias, [B, 1, 1, T]),
  };
  const layers: LayerCache[] = [];
  const attentions: tf.Tensor4D[] = [];
  let x = x0;
  for (let l = 0; l < config.layers; l++) {
    const r = decoderLayer(params, config, `lm.layers.${l}.`, x, rope, mask, cache.layers[l], {
      probs: options.captureAttention ?? false,
    });
    x = r.out;
    layers.push(r.cache);
    if (options.captureAttention) attentions.push(r.probs!);
  }
  const logits = linear(rmsNorm(x, params["lm.norm"]!, config.normEps), params["lm.head"]!);
  const nextPosition = cache.nextPosition.map((p) => p + 1);
  return {
    logits: tf.reshape(logits, [B, config.vocabSize]) as tf.Tensor2D,
    cache: { layers, valid, nextPosition, batch: B, length: T },
    attentions,
  };
}

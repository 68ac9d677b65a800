import * as tf from "@tensorflow/tfjs";
import { linear, rmsNorm } from "../engine/ops.ts";
import type { ModelConfig } from "../model/config.ts";
import { gridOf } from "../model/config.ts";
import { causalBias, decoderLayer, ropeTables } from "../model/mllm.ts";
import type { Params, TensorMap } from "../model/params.ts";
import { IGNORE } from "./labels.ts";

/**
 * The RoI predictor of SD-RPN (spec §4): a light branch on the frozen first B decoder layers.
 *
 * Branch = R decoder layers initialised as copies of layers B..B+R−1. Layers 0..R−2 run as full decoder
 * layers (causal, same rotary scheme). A branch norm (initialised from the MLLM's final norm) precedes the
 * last layer's input norm; the last layer contributes only that norm and its q/k projections. One query — the
 * last prompt token `<a>` — scores the N image tokens: per head q_h·k_h/√d_head with NO rotary term and NO
 * softmax, averaged over heads. Causal attention means the answer can never reach the RPN's input.
 */
export interface RpnShape {
  /** Frozen backbone depth B. */
  backbone: number;
  /** Branch depth R (≥ 1). */
  branch: number;
}

/** Branch parameter names and the base parameter each is initialised from. */
export function rpnParamSources(config: ModelConfig, shape: RpnShape): [string, string][] {
  if (shape.branch < 1) throw new Error(`RPN branch depth must be at least 1, got "${shape.branch}"`);
  if (shape.backbone < 1 || shape.backbone + shape.branch > config.layers) {
    throw new Error(
      `RPN layers B=${shape.backbone}, R=${shape.branch} do not fit a ${config.layers}-layer model (need 1 ≤ B, B + R ≤ ${config.layers})`,
    );
  }
  const out: [string, string][] = [];
  for (let i = 0; i < shape.branch; i++) {
    const src = `lm.layers.${shape.backbone + i}.`;
    const dst = `rpn.layers.${i}.`;
    const leaves = i < shape.branch - 1
      ? ["attnNorm", "wq", "wk", "wv", "wo", "mlpNorm", "w1", "w2"]
      : ["attnNorm", "wq", "wk"];
    for (const leaf of leaves) out.push([dst + leaf, src + leaf]);
  }
  out.push(["rpn.norm", "lm.norm"]);
  return out;
}

/** Fresh branch weights: copies of the base model's layers B..B+R−1 and final norm. */
export function initRpn(config: ModelConfig, shape: RpnShape, base: TensorMap): TensorMap {
  const out: TensorMap = {};
  for (const [dst, src] of rpnParamSources(config, shape)) {
    const t = base[src];
    if (!t) throw new Error(`Cannot initialise RPN: base tensor "${src}" is missing`);
    out[dst] = { shape: t.shape.slice(), data: t.data.slice() };
  }
  return out;
}

/** Inputs of the branch: layer-B hidden states of prompt-only sequences. */
export interface RpnInput {
  batch: number;
  length: number;
  /** [B, T, d] hidden states after the first B decoder layers (cached array, or a live tensor in stage 1). */
  hidden: Float32Array | tf.Tensor3D;
  valid: Uint8Array;
  positions: Int32Array;
  /** Index of the first image token. */
  imageStart: number;
  /** Index of `<a>` (the query). */
  promptEnd: number;
}

/** RoI logits [B, N] from layer-B hidden states. `params` holds the base model's and the branch's weights. */
export function rpnLogits(
  params: Params,
  config: ModelConfig,
  shape: RpnShape,
  input: RpnInput,
): tf.Tensor2D {
  const { tokens: n, headDim } = gridOf(config);
  const { batch: B, length: T } = input;
  const H = config.heads;
  let x = input.hidden instanceof Float32Array ? tf.tensor3d(input.hidden, [B, T, config.dim]) : input.hidden;
  const rope = ropeTables(input.positions, B, T, headDim, config.ropeBase);
  const bias = causalBias(input.valid, B, T);
  for (let i = 0; i < shape.branch - 1; i++) {
    x = decoderLayer(params, config, `rpn.layers.${i}.`, x, rope, bias).out;
  }
  const last = `rpn.layers.${shape.branch - 1}.`;
  const h = rmsNorm(
    rmsNorm(x, params["rpn.norm"]!, config.normEps),
    params[last + "attnNorm"]!,
    config.normEps,
  );
  const query = tf.slice(h, [0, input.promptEnd, 0], [B, 1, config.dim]); // [B, 1, d]
  const keys = tf.slice(h, [0, input.imageStart, 0], [B, n, config.dim]); // [B, N, d]
  const q = tf.reshape(linear(query, params[last + "wq"]!), [B, H, headDim]); // no rotary term
  const k = tf.reshape(linear(keys, params[last + "wk"]!), [B, n, H, headDim]);
  // Σ_d q[b,h,d]·k[b,j,h,d] for every j: broadcast multiply then sum (N·H·dh per row is tiny; avoids bmm).
  const scores = tf.sum(tf.mul(tf.reshape(q, [B, 1, H, headDim]), k), 3); // [B, N, H]
  return tf.div(tf.mean(scores, 2), Math.sqrt(headDim)) as tf.Tensor2D;
}

/**
 * BCE-with-logits over all non-IGNORE cells, flattened across the batch (no per-sample normalisation,
 * no pos_weight). A batch without a valid cell has loss 0 (and zero gradient).
 */
export function bceLoss(logits: tf.Tensor2D, labels: Int32Array): tf.Scalar {
  const n = labels.length;
  const target = new Float32Array(n);
  const weight = new Float32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] === IGNORE) continue;
    target[i] = labels[i]!;
    weight[i] = 1;
    count++;
  }
  if (count === 0) return tf.mul(tf.sum(logits), 0) as tf.Scalar;
  const z = tf.reshape(logits, [n]);
  const y = tf.tensor1d(target);
  // Stable form: max(z, 0) − z·y + log(1 + exp(−|z|)).
  const per = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
  return tf.div(tf.sum(tf.mul(per, tf.tensor1d(weight))), count) as tf.Scalar;
}

/**
 * "Attention prediction" ablation (spec §6 row 2): regress the raw attention distribution — KL(target ‖
 * softmax(logits)) with target = raw map normalised to sum 1 per sample; samples whose map is all zero are
 * skipped. `targets` is [B, N] row-major.
 */
export function attentionPredictionLoss(logits: tf.Tensor2D, targets: Float32Array): tf.Scalar {
  const [B, N] = logits.shape;
  const norm = new Float32Array(B * N);
  const rowWeight = new Float32Array(B);
  let rows = 0;
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let j = 0; j < N; j++) s += Math.max(0, targets[b * N + j]!);
    if (s <= 0) continue;
    for (let j = 0; j < N; j++) norm[b * N + j] = Math.max(0, targets[b * N + j]!) / s;
    rowWeight[b] = 1;
    rows++;
  }
  if (rows === 0) return tf.mul(tf.sum(logits), 0) as tf.Scalar;
  const logq = tf.logSoftmax(logits);
  // KL(p‖q) = Σ p log p − Σ p log q; the first term is constant.
  const cross = tf.neg(tf.sum(tf.mul(tf.tensor2d(norm, [B, N]), logq), 1)); // [B]
  return tf.div(tf.sum(tf.mul(cross, tf.tensor1d(rowWeight))), rows) as tf.Scalar;
}

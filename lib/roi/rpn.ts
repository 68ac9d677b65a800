import * as tf from "@tensorflow/tfjs";
import type { LayerWeights, Mllm, TokenLayout } from "../model/mllm.ts";
import type { Params, TensorMap } from "../model/tensors.ts";
import { IGNORE } from "./labels.ts";

/**
 * The RoI predictor of SD-RPN (spec §4): a light branch on the frozen first B decoder layers.
 *
 * Branch = R decoder layers initialised as copies of layers B..B+R−1. Layers 0..R−2 run as full decoder
 * layers (causal, same rotary scheme). A branch norm (initialised from the MLLM's final norm) precedes the
 * last layer's input norm; the last layer contributes only that norm and its q/k projections. One query — the
 * last prompt token `<a>` — scores the N image tokens: per head q_h·k_h/√d_head with NO rotary term and NO
 * softmax, averaged over heads. Causal attention means the answer can never reach the RPN's input.
 *
 * The branch's weights live in the RPN's own checkpoint under its own names — `rpn.layers.<i>.<leaf>` (leaf
 * names are the model's, from `Mllm.layerLeaves`) and `rpn.norm` — copied from the model as values.
 */
export interface RpnShape {
  /** Frozen backbone depth B. */
  backbone: number;
  /** Branch depth R (≥ 1). */
  branch: number;
}

/** Throws unless B and R fit a model of `layers` decoder layers (1 ≤ B, R ≥ 1, B + R ≤ L). */
export function checkRpnShape(shape: RpnShape, layers: number): void {
  if (shape.branch < 1) throw new Error(`RPN branch depth must be at least 1, got "${shape.branch}"`);
  if (shape.backbone < 1 || shape.backbone + shape.branch > layers) {
    throw new Error(
      `RPN layers B=${shape.backbone}, R=${shape.branch} do not fit a ${layers}-layer model (need 1 ≤ B, B + R ≤ ${layers})`,
    );
  }
}

/** Name prefix of branch layer i in the RPN's checkpoint. */
export function rpnLayerPrefix(i: number): string {
  return `rpn.layers.${i}.`;
}

/** Name of the branch norm in the RPN's checkpoint. */
export const RPN_NORM = "rpn.norm";

/** The branch's tensor names, in checkpoint order: full layers, the last layer's norm + q/k, the norm. */
export function rpnParamNames(model: Mllm, shape: RpnShape): string[] {
  checkRpnShape(shape, model.counts.layers);
  const out: string[] = [];
  for (let i = 0; i < shape.branch; i++) {
    const leaves = model.layerLeaves(i < shape.branch - 1 ? "all" : "queryKey");
    for (const leaf of leaves) out.push(rpnLayerPrefix(i) + leaf);
  }
  out.push(RPN_NORM);
  return out;
}

/** Fresh branch weights: copies of the model's layers B..B+R−1 (the last: norm + q/k) and final norm. */
export async function initRpn(model: Mllm, shape: RpnShape): Promise<TensorMap> {
  checkRpnShape(shape, model.counts.layers);
  const out: TensorMap = {};
  for (let i = 0; i < shape.branch; i++) {
    const copy = await model.copyLayer(shape.backbone + i, i < shape.branch - 1 ? "all" : "queryKey");
    for (const [leaf, t] of Object.entries(copy)) out[rpnLayerPrefix(i) + leaf] = t;
  }
  out[RPN_NORM] = await model.copyFinalNorm();
  return out;
}

/** Branch layer i's weights by leaf name. */
function layerWeights(params: Params, i: number): LayerWeights {
  const prefix = rpnLayerPrefix(i);
  const out: LayerWeights = {};
  for (const [name, v] of Object.entries(params)) {
    if (name.startsWith(prefix)) out[name.slice(prefix.length)] = v;
  }
  return out;
}

/** Inputs of the branch: layer-B hidden states of prompt-only sequences, in the model's layout. */
export interface RpnInput extends TokenLayout {
  /** [B, T, d] hidden states after the first B decoder layers (cached array, or a live tensor in stage 1). */
  hidden: Float32Array | tf.Tensor3D;
}

/** RoI logits [B, N] from layer-B hidden states. `params` holds the branch's weights (RPN names). */
export function rpnLogits(model: Mllm, shape: RpnShape, params: Params, input: RpnInput): tf.Tensor2D {
  const { tokens: n, headDim, hidden: d } = model.counts;
  const { batch: B, length: T } = input;
  let x = input.hidden instanceof Float32Array ? tf.tensor3d(input.hidden, [B, T, d]) : input.hidden;
  if (shape.branch > 1) {
    const context = model.layerContext(input);
    for (let i = 0; i < shape.branch - 1; i++) x = model.decoderLayer(layerWeights(params, i), x, context);
  }
  const last = layerWeights(params, shape.branch - 1);
  const h = model.attentionInput(last, model.norm(params[RPN_NORM]!, x));
  const query = tf.slice(h, [0, input.promptEnd, 0], [B, 1, d]); // [B, 1, d]
  const keys = tf.slice(h, [0, input.imageStart, 0], [B, n, d]); // [B, N, d]
  const q = model.project(last, query, "q"); // [B, 1, H, dh], no rotary term
  const k = model.project(last, keys, "k"); // [B, N, H, dh]
  // Σ_d q[b,h,d]·k[b,j,h,d] for every j: broadcast multiply then sum (N·H·dh per row is tiny; avoids bmm).
  const scores = tf.sum(tf.mul(q, k), 3); // [B, N, H]
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

import * as tf from "@tensorflow/tfjs";
import { embed, linear, rmsNorm } from "../../engine/ops.ts";
import { causalBiasFrom } from "../../engine/attention.ts";
import { gridOf, type ModelConfig } from "./config.ts";

export { causalBiasFrom };
import {
  decoderLayer,
  encodeImages,
  type ForwardResult,
  type KvCache,
  type LayerCache,
  layerMask,
  ropeTables,
  spliceVisual,
} from "./forward.ts";
import type { Params } from "./params.ts";
import type { SequenceBatch } from "./sequence.ts";

/**
 * Stage-1 work reused by stage 2 of SD-RPN (issue 3 item 8).
 *
 * Stage 1 runs decoder layers 0..B−1 over [system, image, question]; stage 2 runs the whole MLLM over
 * [system, image, RoI blocks, question]. Both sequences start with the same prefix — the system tokens and
 * the global image's G² tokens — and attention is causal, so in layers 0..B−1 the prefix positions compute
 * the same keys, values and outputs in both stages, and the ViT encodes the same global image. A
 * `PrefixState` keeps exactly that: the projected visual tokens, the rotated keys/values of layers 0..B−1 at
 * the prefix positions and the residual stream after layer B−1 there. `forwardFromPrefix` then runs stage 2
 * with layers < B over the new positions only (attending over [cached prefix K/V, new K/V]) and layers ≥ B
 * over the whole sequence, the prefix rows of their input taken from the cache. Rotary positions come from
 * the stage-2 layout (index among valid tokens), so they are those of a full run.
 */
export interface PrefixState {
  batch: number;
  /** Prefix length P: system tokens + the global image's N tokens (= visualStarts[0] + N). */
  length: number;
  /** Decoder layers cached (the stage-1 backbone depth B). */
  depth: number;
  /** [B, N, d] the global image's visual tokens (projector output). */
  visual: tf.Tensor3D;
  /** Per layer l < depth, prefix positions only: rotated keys [B·H, dh, P], values [B·H, P, dh]. */
  layers: LayerCache[];
  /** [B, P, d] residual stream after layer depth−1 (the decoder inputs when depth = 0). */
  hidden: tf.Tensor3D;
  /** [B, P] ids, validity and rotary positions of the prefix, checked against the stage-2 layout. */
  ids: Int32Array;
  valid: Uint8Array;
  positions: Int32Array;
  /** [B] fingerprint of each row's global-image patches, checked against the stage-2 image. */
  image: Uint32Array;
}

/** One row of a `PrefixState` in host memory, so that stage 2 can regroup questions into other batches. */
export interface PrefixRow {
  length: number;
  depth: number;
  /** [N·d] */
  visual: Float32Array;
  /** Per layer: [H·dh·P] */
  keysT: Float32Array[];
  /** Per layer: [H·P·dh] */
  values: Float32Array[];
  /** [P·d] */
  hidden: Float32Array;
  ids: Int32Array;
  valid: Uint8Array;
  positions: Int32Array;
  image: number;
}

/**
 * The prefix state of a forward pass run with `{ upTo: B, cache: true }` over `seq` (a stage-1 prompt):
 * new tensors the caller owns; `out` itself is not consumed.
 */
export function capturePrefix(config: ModelConfig, seq: SequenceBatch, out: ForwardResult): PrefixState {
  if (!out.cache) throw new Error("Cannot capture a prefix from a forward pass without a KV cache");
  const { tokens: n } = gridOf(config);
  const B = seq.batch;
  const T = seq.length;
  const P = prefixLength(config, seq);
  const depth = out.cache.layers.length;
  const H = config.heads;
  const dh = config.headDim;
  const d = config.dim;
  if (out.hidden.shape[1] !== T || out.inputs.shape[1] !== T) {
    throw new Error(`Cannot capture a prefix: forward pass length "${out.hidden.shape[1]}" is not ${T}`);
  }
  const rows = <A extends Int32Array | Uint8Array>(a: A, make: (len: number) => A): A => {
    const o = make(B * P);
    for (let b = 0; b < B; b++) o.set(a.subarray(b * T, b * T + P), b * P);
    return o;
  };
  return {
    batch: B,
    length: P,
    depth,
    visual: tf.slice(out.inputs, [0, seq.visualStarts[0]!, 0], [B, n, d]),
    layers: out.cache.layers.map((c) => ({
      keysT: tf.slice(c.keysT, [0, 0, 0], [B * H, dh, P]),
      values: tf.slice(c.values, [0, 0, 0], [B * H, P, dh]),
    })),
    hidden: tf.slice(out.hidden, [0, 0, 0], [B, P, d]),
    ids: rows(seq.ids, (len) => new Int32Array(len)),
    valid: rows(seq.valid, (len) => new Uint8Array(len)),
    positions: rows(seq.positions, (len) => new Int32Array(len)),
    image: imageFingerprints(seq),
  };
}

/** Split a prefix state into host-memory rows (the state is not disposed). */
export async function prefixRows(config: ModelConfig, state: PrefixState): Promise<PrefixRow[]> {
  const { tokens: n } = gridOf(config);
  const { batch: B, length: P, depth } = state;
  const d = config.dim;
  const per = config.heads * config.headDim * P; // one row's keys (or values) of one layer
  const visual = (await state.visual.data()) as Float32Array;
  const hidden = (await state.hidden.data()) as Float32Array;
  const keysT: Float32Array[] = [];
  const values: Float32Array[] = [];
  for (const c of state.layers) {
    keysT.push((await c.keysT.data()) as Float32Array);
    values.push((await c.values.data()) as Float32Array);
  }
  return Array.from({ length: B }, (_, b) => ({
    length: P,
    depth,
    visual: visual.slice(b * n * d, (b + 1) * n * d),
    keysT: keysT.map((k) => k.slice(b * per, (b + 1) * per)),
    values: values.map((v) => v.slice(b * per, (b + 1) * per)),
    hidden: hidden.slice(b * P * d, (b + 1) * P * d),
    ids: state.ids.slice(b * P, (b + 1) * P),
    valid: state.valid.slice(b * P, (b + 1) * P),
    positions: state.positions.slice(b * P, (b + 1) * P),
    image: state.image[b]!,
  }));
}

/** Stack host-memory rows (same length and depth) into a prefix state whose tensors the caller owns. */
export function stackPrefix(config: ModelConfig, rows: readonly PrefixRow[]): PrefixState {
  const first = rows[0];
  if (!first) throw new Error("Cannot stack an empty list of prefix rows");
  const { length: P, depth } = first;
  for (const r of rows) {
    if (r.length !== P || r.depth !== depth) {
      throw new Error(
        `Cannot stack prefix rows of length/depth "${r.length}/${r.depth}" and "${P}/${depth}" together`,
      );
    }
  }
  const { tokens: n } = gridOf(config);
  const B = rows.length;
  const H = config.heads;
  const dh = config.headDim;
  const d = config.dim;
  const cat = <A extends Float32Array | Int32Array | Uint8Array>(parts: A[], make: (len: number) => A) => {
    const out = make(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) out.set(p, at), at += p.length;
    return out;
  };
  const f32 = (len: number) => new Float32Array(len);
  return {
    batch: B,
    length: P,
    depth,
    visual: tf.tensor3d(cat(rows.map((r) => r.visual), f32), [B, n, d]),
    layers: Array.from({ length: depth }, (_, l) => ({
      keysT: tf.tensor3d(cat(rows.map((r) => r.keysT[l]!), f32), [B * H, dh, P]),
      values: tf.tensor3d(cat(rows.map((r) => r.values[l]!), f32), [B * H, P, dh]),
    })),
    hidden: tf.tensor3d(cat(rows.map((r) => r.hidden), f32), [B, P, d]),
    ids: cat(rows.map((r) => r.ids), (len) => new Int32Array(len)),
    valid: cat(rows.map((r) => r.valid), (len) => new Uint8Array(len)),
    positions: cat(rows.map((r) => r.positions), (len) => new Int32Array(len)),
    image: Uint32Array.from(rows, (r) => r.image),
  };
}

/**
 * A prefix state whose row b is row `rows[b]` of `state` (rows may repeat), gathered on the device: new
 * tensors the caller owns; `state` is not disposed. Throws for a row outside the state.
 */
export function repeatPrefix(config: ModelConfig, state: PrefixState, rows: readonly number[]): PrefixState {
  for (const r of rows) {
    if (!(Number.isInteger(r) && r >= 0 && r < state.batch)) {
      throw new Error(`Cannot repeat prefix row "${r}" of a batch of ${state.batch}`);
    }
  }
  const { length: P } = state;
  const H = config.heads;
  const B = rows.length;
  const index = Int32Array.from(rows);
  const pick = <A extends Int32Array | Uint8Array>(src: A, make: (len: number) => A) => {
    const out = make(B * P);
    rows.forEach((r, b) => out.set(src.subarray(r * P, (r + 1) * P), b * P));
    return out;
  };
  const tensors = tf.tidy(() => {
    const at = tf.tensor1d(index, "int32");
    // Per-head caches are [B·H, …]: gather whole rows of H heads.
    const heads = (t: tf.Tensor3D) => {
      const [, x, y] = t.shape;
      return tf.reshape(tf.gather(tf.reshape(t, [state.batch, H, x, y]), at), [B * H, x, y]) as tf.Tensor3D;
    };
    return {
      visual: tf.gather(state.visual, at) as tf.Tensor3D,
      layers: state.layers.map((c) => ({ keysT: heads(c.keysT), values: heads(c.values) })),
      hidden: tf.gather(state.hidden, at) as tf.Tensor3D,
    };
  });
  return {
    batch: B,
    length: P,
    depth: state.depth,
    ...tensors,
    ids: pick(state.ids, (len) => new Int32Array(len)),
    valid: pick(state.valid, (len) => new Uint8Array(len)),
    positions: pick(state.positions, (len) => new Int32Array(len)),
    image: Uint32Array.from(rows, (r) => state.image[r]!),
  };
}

export function disposePrefix(state: PrefixState): void {
  tf.dispose([state.visual, state.hidden, ...state.layers.flatMap((c) => [c.keysT, c.values])]);
}

/**
 * Stage-2 forward pass of `seq` starting from a prefix state: the same result as `forward(params, config,
 * seq, options)` (logits, final hidden, decoder inputs, KV cache in the same layout), without recomputing
 * the global image's encoding nor layers 0..depth−1 at the prefix positions. Throws when `seq` does not
 * start with the prefix the state was captured from (ids, validity, positions, image).
 */
export function forwardFromPrefix(
  params: Params,
  config: ModelConfig,
  seq: SequenceBatch,
  prefix: PrefixState,
  options: { logits?: boolean; cache?: boolean } = {},
): ForwardResult {
  checkPrefix(config, seq, prefix);
  const wantLogits = options.logits ?? true;
  const B = seq.batch;
  const T = seq.length;
  const P = prefix.length;
  const Tn = T - P;
  const d = config.dim;
  const inputs = embedWithPrefix(params, config, seq, prefix.visual);
  const caches: LayerCache[] = [];
  // Layers 0..depth−1: the new positions only, over [prefix K/V, new K/V].
  let x = tf.slice(inputs, [0, P, 0], [B, Tn, d]) as tf.Tensor3D;
  if (prefix.depth > 0) {
    const newPositions = new Int32Array(B * Tn);
    for (let b = 0; b < B; b++) newPositions.set(seq.positions.subarray(b * T + P, (b + 1) * T), b * Tn);
    const rope = ropeTables(newPositions, B, Tn, config.headDim, config.ropeBase);
    const mask = layerMask(config, seq.valid, B, T, P);
    for (let l = 0; l < prefix.depth; l++) {
      const r = decoderLayer(params, config, `lm.layers.${l}.`, x, rope, mask, prefix.layers[l]);
      x = r.out;
      if (options.cache) caches.push(r.cache);
    }
  }
  // Layers depth..L−1: the whole sequence, the prefix rows of the residual stream from the cache.
  x = tf.concat([prefix.hidden, x], 1) as tf.Tensor3D;
  if (prefix.depth < config.layers) {
    const rope = ropeTables(seq.positions, B, T, config.headDim, config.ropeBase);
    const mask = layerMask(config, seq.valid, B, T, 0);
    for (let l = prefix.depth; l < config.layers; l++) {
      const r = decoderLayer(params, config, `lm.layers.${l}.`, x, rope, mask);
      x = r.out;
      if (options.cache) caches.push(r.cache);
    }
  }
  const result: ForwardResult = { hidden: x, inputs, attentions: [], hiddens: [] };
  if (wantLogits) {
    result.logits = linear(rmsNorm(x, params["lm.norm"]!, config.normEps), params["lm.head"]!) as tf.Tensor3D;
  }
  if (options.cache) {
    // Same as forward(): the next rotary position follows the last token of each row.
    const nextPosition = new Int32Array(B);
    for (let b = 0; b < B; b++) {
      const last = b * T + T - 1;
      nextPosition[b] = seq.positions[last]! + (seq.valid[last] ? 1 : 0);
    }
    const cache: KvCache = { layers: caches, valid: seq.valid.slice(), nextPosition, batch: B, length: T };
    result.cache = cache;
  }
  return result;
}

/** Index one past the global image: the prefix shared by stage 1 and stage 2. */
export function prefixLength(config: ModelConfig, seq: SequenceBatch): number {
  return seq.visualStarts[0]! + gridOf(config).tokens;
}

/** `embedSequence` with block 0 taken from the cached visual tokens: only RoI blocks are encoded. */
function embedWithPrefix(
  params: Params,
  config: ModelConfig,
  seq: SequenceBatch,
  visual0: tf.Tensor3D,
): tf.Tensor3D {
  const { tokens: n } = gridOf(config);
  const B = seq.batch;
  const d = config.dim;
  const text = embed(tf.tensor2d(seq.ids, [B, seq.length], "int32"), params["lm.embed"]!) as tf.Tensor3D;
  const extra = seq.patches.length - 1;
  let visual: tf.Tensor3D | null = null;
  if (extra > 0) {
    const windows = new Float32Array(seq.patches.slice(1).reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of seq.patches.slice(1)) windows.set(p, at), at += p.length;
    visual = encodeImages(params, config, windows, extra * B); // [extra·B, N, d]
  }
  return spliceVisual(
    seq,
    text,
    (k) => k === 0 ? visual0 : tf.slice(visual!, [(k - 1) * B, 0, 0], [B, n, d]),
  );
}

function checkPrefix(config: ModelConfig, seq: SequenceBatch, prefix: PrefixState): void {
  const P = prefixLength(config, seq);
  if (prefix.batch !== seq.batch || prefix.length !== P) {
    throw new Error(
      `Cannot start from prefix state of batch/length "${prefix.batch}/${prefix.length}": ` +
        `the sequence has "${seq.batch}/${P}"`,
    );
  }
  if (prefix.depth > config.layers) {
    throw new Error(
      `Cannot start from prefix state of depth "${prefix.depth}" in a ${config.layers}-layer model`,
    );
  }
  if (seq.length <= P) {
    throw new Error(`Cannot start from a prefix state: the sequence has no token after it`);
  }
  const T = seq.length;
  const image = imageFingerprints(seq);
  for (let b = 0; b < seq.batch; b++) {
    for (let t = 0; t < P; t++) {
      const i = b * T + t;
      const j = b * P + t;
      if (
        seq.ids[i] !== prefix.ids[j] || seq.valid[i] !== prefix.valid[j] ||
        seq.positions[i] !== prefix.positions[j]
      ) {
        throw new Error(`Cannot start from a prefix state: row ${b} differs from it at position "${t}"`);
      }
    }
    if (image[b] !== prefix.image[b]) {
      throw new Error(`Cannot start from a prefix state: row ${b} has another global image`);
    }
  }
}

/** FNV-1a over the bits of each row's block-0 patches (exact: both stages patchify the same pixels). */
function imageFingerprints(seq: SequenceBatch): Uint32Array {
  const patches = seq.patches[0]!;
  const per = patches.length / seq.batch;
  const bits = new Uint32Array(patches.buffer, patches.byteOffset, patches.length);
  const out = new Uint32Array(seq.batch);
  for (let b = 0; b < seq.batch; b++) {
    let h = 0x811c9dc5;
    for (let i = b * per; i < (b + 1) * per; i++) h = Math.imul(h ^ bits[i]!, 0x01000193);
    out[b] = h >>> 0;
  }
  return out;
}

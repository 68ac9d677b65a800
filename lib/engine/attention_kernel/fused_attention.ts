/**
 * Fused causal scaled-dot-product attention as a tfjs function with its own gradient.
 *
 * On tfjs's wasm backend attention's batched products (QKᵀ, PV and their gradients) are the slow path
 * (ENGINE-NOTES: 1–2 GFLOP/s against 12–25 for plain 2-D matmuls). This runs the whole attention of all
 * heads, forward and backward, in one wasm SIMD kernel (attention.c), skipping causally masked blocks.
 * Data moves by `dataSync()` and typed-array copies, so it suits the wasm and cpu backends (not WebGPU,
 * whose `dataSync()` crashes under Deno).
 *
 * Masking is a hard mask: key `j` of batch row `b` is seen by query `i` iff `keyValid[b·Tk + j]` is 1 and,
 * when `causal`, `j ≤ queryOffset + i`. This equals the model's additive −1e9 bias (lib/engine/attention.ts
 * `causalBias`, `causalBiasFrom`, the decode-step bias) in float32, including a query
 * with no visible key, which gets a uniform distribution over all Tk keys.
 */
import * as tf from "@tensorflow/tfjs";
import { attentionBackward, type AttentionDims, attentionForward } from "./kernel.ts";

/** Options of `fusedAttention`. */
export interface FusedAttentionOptions {
  /** Heads per batch row: q's first axis is B·H, head-major within each batch row. */
  heads: number;
  /** [B, Tk] 1 = attendable key (e.g. `SequenceBatch.valid`, `KvCache.valid`); default: all keys. */
  keyValid?: Uint8Array;
  /** Query `i` sees only keys `0..queryOffset + i`. Default false. */
  causal?: boolean;
  /** Absolute position of query 0 among the keys; default `Tk − Tq` (the queries are the last positions). */
  queryOffset?: number;
  /** Also return the attention probabilities (not differentiable). Default false. */
  probs?: boolean;
  /** Multiplier of q·kᵀ; default 1/√dh. */
  scale?: number;
}

/** Result of `fusedAttention`. */
export interface FusedAttentionResult {
  /** [B·H, Tq, dh] */
  out: tf.Tensor3D;
  /** [B, H, Tq, Tk], only when `options.probs`. */
  probs?: tf.Tensor4D;
}

/**
 * softmax(scale · q·kᵀ + mask) · v for q [B·H, Tq, dh], k and v [B·H, Tk, dh]. Differentiable in q, k and v
 * (gradients from the same kernel); the optional probabilities are [B, H, Tq, Tk] and carry no gradient.
 *
 * Throws `Cannot apply fusedAttention(): …` naming the offending shape or option.
 */
export function fusedAttention(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  options: FusedAttentionOptions,
): FusedAttentionResult {
  const dims = attentionDims(q, k, v, options);
  const batch = dims.bh / dims.heads;
  const valid = options.keyValid ?? null;
  if (valid !== null && valid.length !== batch * dims.tk) {
    throw new Error(
      `Cannot apply fusedAttention(): keyValid has ${valid.length} values, expected [${batch}, ${dims.tk}]`,
    );
  }
  let probs: Float32Array | null = null;
  // One customGrad per call: the backward needs this call's mask and probabilities, kept as host arrays.
  const run = tf.customGrad((...args) => {
    const [tq, tk, tv] = args as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const qData = tq.dataSync() as Float32Array;
    const kData = tk.dataSync() as Float32Array;
    const vData = tv.dataSync() as Float32Array;
    const fwd = attentionForward(qData, kData, vData, valid, dims);
    probs = fwd.probs;
    return {
      value: tf.tensor3d(fwd.out, [dims.bh, dims.tq, dims.dh]),
      gradFunc: (dy: tf.Tensor) => {
        const g = attentionBackward(
          qData,
          kData,
          vData,
          valid,
          fwd.probs,
          dy.dataSync() as Float32Array,
          dims,
        );
        return [
          tf.tensor3d(g.dq, [dims.bh, dims.tq, dims.dh]),
          tf.tensor3d(g.dk, [dims.bh, dims.tk, dims.dh]),
          tf.tensor3d(g.dv, [dims.bh, dims.tk, dims.dh]),
        ];
      },
    };
  });
  const out = run(q, k, v) as tf.Tensor3D;
  if (!options.probs) return { out };
  return { out, probs: tf.tensor4d(probs!, [batch, dims.heads, dims.tq, dims.tk]) };
}

function attentionDims(
  q: tf.Tensor3D,
  k: tf.Tensor3D,
  v: tf.Tensor3D,
  options: FusedAttentionOptions,
): AttentionDims {
  const fail = (why: string): never => {
    throw new Error(`Cannot apply fusedAttention(): ${why}`);
  };
  const shapes = `q "[${q.shape}]", k "[${k.shape}]", v "[${v.shape}]"`;
  if (q.rank !== 3 || k.rank !== 3 || v.rank !== 3) {
    fail(`${shapes}, expected q [B·H, Tq, dh], k and v [B·H, Tk, dh]`);
  }
  const [bh, tq, dh] = q.shape;
  const tk = k.shape[1];
  if (k.shape[0] !== bh || v.shape[0] !== bh || k.shape[2] !== dh || v.shape[1] !== tk || v.shape[2] !== dh) {
    fail(`${shapes}, expected q [B·H, Tq, dh], k and v [B·H, Tk, dh]`);
  }
  if (q.dtype !== "float32" || k.dtype !== "float32" || v.dtype !== "float32") {
    fail(`q, k, v have dtypes "${q.dtype}", "${k.dtype}", "${v.dtype}", expected "float32"`);
  }
  const { heads } = options;
  if (!Number.isInteger(heads) || heads < 1 || bh % heads !== 0) {
    fail(`heads is "${heads}", expected a positive divisor of B·H = ${bh}`);
  }
  const offset = options.queryOffset ?? tk - tq;
  if (!Number.isInteger(offset)) fail(`queryOffset is "${offset}", expected an integer`);
  const scale = options.scale ?? 1 / Math.sqrt(dh);
  if (!Number.isFinite(scale)) fail(`scale is "${scale}", expected a finite number`);
  return { bh, heads, tq, tk, dh, causal: options.causal ?? false, offset, scale };
}

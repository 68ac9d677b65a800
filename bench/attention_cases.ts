/**
 * The attention benchmark cases shared by bench/attention_bench.ts (`deno bench`) and
 * bench/attention_table.ts (GFLOP/s table): the fused kernel (lib/engine/attention_kernel) against the
 * model's tfjs path (lib/model/mllm.ts `attend` with its bmm), and a plain 2-D matmul for scale, on wasm.
 *
 * Shapes: batch 16, T 150 (the model's decoder today: H 2, dh 16; candidates H 4 and 8 with dh 32), causal
 * with padded keys in every other row, plus one bidirectional shape (the vision tower's kind, nothing to
 * skip). FLOPs are counted dense for every attention variant, so GFLOP/s compare times of the same job:
 * forward 4·BH·Tq·Tk·dh (QKᵀ, PV), backward 8·BH·Tq·Tk·dh (dP, dV, dQ, dK). The fused kernel skips
 * causally masked blocks, about half of that work; the bidirectional shape shows its speed without the skip.
 */
import * as tf from "@tensorflow/tfjs";
import { attentionBackward, attentionForward } from "../lib/engine/attention_kernel/kernel.ts";
import { fusedAttention } from "../lib/engine/attention_kernel/fused_attention.ts";
import { Rng } from "../lib/engine/rng.ts";
import { attend, causalBias } from "../lib/engine/attention.ts";

/** One timed piece of work. */
export interface AttentionCase {
  /** e.g. "H 4 dh 32" */
  shape: string;
  /** e.g. "fused fwd+bwd" */
  variant: string;
  /** FLOPs of one run (dense count for attention). */
  flops: number;
  run: () => void;
}

export const BATCH = 16;
export const T = 150;
export const SHAPES = [
  { heads: 2, dh: 16, causal: true },
  { heads: 4, dh: 32, causal: true },
  { heads: 8, dh: 32, causal: true },
  { heads: 4, dh: 32, causal: false },
];

/** Reads every result so that all work is done; disposes everything. */
function settle(f: () => tf.Tensor[]): void {
  tf.tidy(() => {
    for (const t of f()) t.dataSync();
  });
}

/** All cases, inputs made once with a fixed seed; needs the wasm backend active. */
export function attentionCases(): AttentionCase[] {
  const rng = new Rng(0);
  const normal = (shape: number[]): tf.Tensor => {
    const n = shape.reduce((p, s) => p * s, 1);
    return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
  };
  const cases: AttentionCase[] = [];
  for (const { heads, dh, causal } of SHAPES) {
    const bh = BATCH * heads;
    const shape = `H ${heads} dh ${dh}${causal ? "" : " bidirectional"}`;
    const q = normal([bh, T, dh]) as tf.Tensor3D, k = normal([bh, T, dh]) as tf.Tensor3D;
    const v = normal([bh, T, dh]) as tf.Tensor3D, dy = normal([bh, T, dh]) as tf.Tensor3D;
    const kT = tf.transpose(k, [0, 2, 1]) as tf.Tensor3D; // the model keeps keys transposed: [B·H, dh, T]
    // Every odd row has 15 padded positions after its first token, as a shorter sequence in the batch.
    const valid = Uint8Array.from({ length: BATCH * T }, (_, i) => {
      const [b, t] = [Math.floor(i / T), i % T];
      return b % 2 === 1 && t >= 1 && t < 16 ? 0 : 1;
    });
    const bias = causal ? causalBias(valid, BATCH, T) : null;
    const options = causal ? { heads, causal, keyValid: valid } : { heads };
    const fwd = 4 * bh * T * T * dh;

    const fused = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      fusedAttention(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D, options).out;
    const model = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      attend(a as tf.Tensor3D, b as tf.Tensor3D, c as tf.Tensor3D, bias, BATCH, heads).out;
    const step = (f: typeof fused, keys: tf.Tensor) => () =>
      settle(() =>
        tf.grads((x: tf.Tensor, y: tf.Tensor, z: tf.Tensor) => tf.sum(tf.mul(f(x, y, z), dy)))([q, keys, v])
      );
    const add = (variant: string, flops: number, run: () => void) =>
      cases.push({ shape, variant, flops, run });

    add("fused fwd", fwd, () => settle(() => [fused(q, k, v)]));
    add("fused fwd+bwd", 3 * fwd, step(fused, k));
    add("tfjs attend fwd", fwd, () => settle(() => [model(q, kT, v)]));
    add("tfjs attend fwd+bwd", 3 * fwd, step(model, kT));

    // The kernel on host arrays (with its own copies into and out of its memory, without tfjs), and all
    // the data movement of the tfjs-level call without the kernel: what the copies cost.
    const host = [q, k, v, dy].map((t) => t.dataSync() as Float32Array) as [
      Float32Array,
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    const dims = { bh, heads, tq: T, tk: T, dh, causal, offset: 0, scale: 1 / Math.sqrt(dh) };
    const kValid = causal ? valid : null;
    add("kernel only fwd+bwd", 3 * fwd, () => {
      const { probs } = attentionForward(host[0], host[1], host[2], kValid, dims);
      attentionBackward(host[0], host[1], host[2], kValid, probs, host[3], dims);
    });
    // The kernel's memory persists across calls; so does this stand-in.
    const memory = new Float32Array(7 * q.size + bh * T * T);
    add("copies only fwd+bwd", 3 * fwd, () => copiesOnly(q, k, v, dy, bh * T * T, memory));

    // Plain 2-D matmul at the model's width d = H·dh: the MLP's [B·T, d] · [d, 4d].
    const d = heads * dh;
    const x = normal([BATCH * T, d]) as tf.Tensor2D, w = normal([d, 4 * d]) as tf.Tensor2D;
    add(
      `plain matmul [${BATCH * T},${d}]x[${d},${4 * d}]`,
      2 * BATCH * T * d * 4 * d,
      () => settle(() => [tf.matMul(x, w)]),
    );
  }
  return cases;
}

/**
 * The host-side copies of one fused forward+backward step, without the kernel: read q, k, v and dy from
 * tfjs, write them (and the probabilities) into a memory the size of the kernel's, copy out, and make the
 * output and gradient tensors.
 */
function copiesOnly(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  dy: tf.Tensor,
  probsLength: number,
  memory: Float32Array,
): void {
  const n = q.size;
  tf.tidy(() => {
    const [hq, hk, hv] = [q, k, v].map((t) => t.dataSync() as Float32Array) as [
      Float32Array,
      Float32Array,
      Float32Array,
    ];
    memory.set(hq, 0), memory.set(hk, n), memory.set(hv, 2 * n);
    const out = memory.slice(3 * n, 4 * n), probs = memory.slice(4 * n, 4 * n + probsLength);
    tf.tensor(out, q.shape).dataSync();
    memory.set(hq, 0), memory.set(hk, n), memory.set(hv, 2 * n);
    memory.set(probs, 3 * n), memory.set(dy.dataSync() as Float32Array, 3 * n + probsLength);
    for (let i = 0; i < 3; i++) {
      tf.tensor(memory.slice(4 * n + probsLength, 5 * n + probsLength), q.shape).dataSync();
    }
  });
}

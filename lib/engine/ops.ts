/**
 * The matrix products, embedding lookup and small layers the model is built from, shaped around the
 * wasm backend's fast and slow paths (see docs/ENGINE-NOTES.md).
 *
 * On wasm only one matmul form is fast: a plain 2-D `matMul(a, b)` with no transpose flags (it goes to
 * XNNPACK, 12–25 GFLOP/s). Transpose flags or batch dimensions fall to a naive loop at ~1 GFLOP/s, and
 * tfjs's default matMul gradient uses transposed matmuls. So every product here is computed as plain 2-D
 * matmuls, transposing explicitly (a cheap copy) where a gradient needs a transposed operand. The
 * default gradient of `tf.gather` needs UnsortedSegmentSum, which wasm lacks, so `embed` brings its own.
 *
 * Model code must use these functions for every matrix product and embedding lookup.
 */
import * as tf from "@tensorflow/tfjs";

/**
 * `x · w (+ b)` over the last axis of `x`: `x` [..., din], `w` [din, dout], `b` [dout] → [..., dout].
 * Gradients: dx = dy · wᵀ, dw = xᵀ · dy, db = Σ_rows dy, all with explicit transposes and 2-D matmuls.
 */
export function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const din = x.shape.at(-1);
  if (w.rank !== 2 || x.rank < 1 || w.shape[0] !== din) {
    throw new Error(
      `Cannot apply linear(): x has shape "${shapeText(x)}" but w has shape "${shapeText(w)}", ` +
        `expected w [${din ?? "din"}, dout]`,
    );
  }
  if (b !== undefined && (b.rank !== 1 || b.shape[0] !== w.shape[1])) {
    throw new Error(
      `Cannot apply linear(): b has shape "${shapeText(b)}" but w has shape "${shapeText(w)}", ` +
        `expected b [${w.shape[1]}]`,
    );
  }
  return b === undefined ? linearNoBias(x, w) : linearWithBias(x, w, b);
}

const linearNoBias = tf.customGrad((...args) => {
  const [x, w, save] = args as [tf.Tensor, tf.Tensor2D, tf.GradSaveFunc];
  const xShape = x.shape;
  const x2 = tf.reshape(x, [-1, w.shape[0]]) as tf.Tensor2D; // [N, din]
  save([x2, w]);
  const y = tf.reshape(tf.matMul(x2, w), [...xShape.slice(0, -1), w.shape[1]]); // [..., dout]
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const [dx, dw] = linearGrads(dy, sx, sw);
      return [tf.reshape(dx, xShape), dw];
    },
  };
});

const linearWithBias = tf.customGrad((...args) => {
  const [x, w, b, save] = args as [tf.Tensor, tf.Tensor2D, tf.Tensor1D, tf.GradSaveFunc];
  const xShape = x.shape;
  const x2 = tf.reshape(x, [-1, w.shape[0]]) as tf.Tensor2D; // [N, din]
  save([x2, w]);
  const y = tf.reshape(tf.add(tf.matMul(x2, w), b), [...xShape.slice(0, -1), w.shape[1]]); // [..., dout]
  return {
    value: y,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sx, sw] = saved as [tf.Tensor2D, tf.Tensor2D];
      const [dx, dw, dy2] = linearGrads(dy, sx, sw);
      return [tf.reshape(dx, xShape), dw, tf.sum(dy2, 0)];
    },
  };
});

/** [dx [N, din], dw [din, dout], dy as [N, dout]] for y = x · w. */
function linearGrads(dy: tf.Tensor, x2: tf.Tensor2D, w: tf.Tensor2D): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const dy2 = tf.reshape(dy, [-1, w.shape[1]]) as tf.Tensor2D; // [N, dout]
  const dx = tf.matMul(dy2, tf.transpose(w)); // [N, dout] · [dout, din]
  const dw = tf.matMul(tf.transpose(x2), dy2); // [din, N] · [N, dout]
  return [dx, dw, dy2];
}

/**
 * Batched matrix product without broadcasting: `a` [..., M, K] · `b` [..., K, N] → [..., M, N], with
 * identical leading (batch) dimensions, e.g. attention's [B, H, T, dh] · [B, H, dh, T].
 * Gradients: da = dy · bᵀ, db = aᵀ · dy, with explicit transposes.
 *
 * On wasm, products of at least 64K FLOPs per batch item are computed as one plain 2-D matmul per item:
 * ~5–9× faster than the batched kernel for [64, 150, 32] · [64, 32, 150] (11–20 ms vs 60–140 ms), whose
 * speed is the same with or without transpose flags (see bench/ops_bench.ts). Smaller products (e.g. one
 * query row per head when decoding with a KV cache) stay on the batched kernel, which is faster there
 * because each per-item matmul costs ~0.1 ms of fixed overhead.
 */
export function bmm(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const batch = a.shape.slice(0, -2);
  if (
    a.rank < 3 || b.rank !== a.rank || a.shape.at(-1) !== b.shape.at(-2) ||
    batch.some((size, i) => size !== b.shape[i])
  ) {
    throw new Error(
      `Cannot apply bmm(): a has shape "${shapeText(a)}" and b has shape "${shapeText(b)}", ` +
        `expected [..., M, K] and [..., K, N] with the same batch dimensions`,
    );
  }
  const [m, k, n] = [a.shape.at(-2)!, a.shape.at(-1)!, b.shape.at(-1)!];
  const a3 = tf.reshape(a, [-1, m, k]) as tf.Tensor3D;
  const b3 = tf.reshape(b, [-1, k, n]) as tf.Tensor3D;
  return tf.reshape(bmm3(a3, b3), [...batch, m, n]);
}

const bmm3 = tf.customGrad((...args) => {
  const [a, b, save] = args as [tf.Tensor3D, tf.Tensor3D, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: batchMatMul(a, b), // [B, M, N]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor3D, tf.Tensor3D];
      const dy3 = dy as tf.Tensor3D; // [B, M, N]
      return [
        batchMatMul(dy3, tf.transpose(sb, [0, 2, 1])), // [B, M, N] · [B, N, K]
        batchMatMul(tf.transpose(sa, [0, 2, 1]), dy3), // [B, K, M] · [B, M, N]
      ];
    },
  };
});

/**
 * Per-item FLOPs (2·M·K·N) from which one 2-D matmul per batch item beats wasm's batched kernel.
 * Measured crossover: 38K FLOPs/item 2.6 ms batched vs 8 ms per item; 150K: 14 ms vs 9 ms (64 items).
 */
export const PER_ITEM_MIN_FLOPS = 65536;

/**
 * [B, M, K] · [B, K, N] → [B, M, N], not differentiable (callers define the gradient).
 * wasm, large items: one XNNPACK 2-D matmul per batch item. Slices are made from a single host copy of
 * each operand because wasm's Slice/Unstack kernels copy the whole input tensor for every slice.
 */
function batchMatMul(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  const [batch, m, k] = a.shape;
  const n = b.shape[2];
  if (tf.getBackend() !== "wasm" || 2 * m * k * n < PER_ITEM_MIN_FLOPS) return tf.matMul(a, b);
  const aData = a.dataSync() as Float32Array;
  const bData = b.dataSync() as Float32Array;
  const out = new Float32Array(batch * m * n);
  for (let i = 0; i < batch; i++) {
    tf.tidy(() => {
      const ai = tf.tensor2d(aData.subarray(i * m * k, (i + 1) * m * k), [m, k]);
      const bi = tf.tensor2d(bData.subarray(i * k * n, (i + 1) * k * n), [k, n]);
      out.set(tf.matMul(ai, bi).dataSync(), i * m * n);
    });
  }
  return tf.tensor3d(out, [batch, m, n]);
}

/**
 * Embedding lookup: `ids` int32 [B, T] (any shape) into `table` [V, d] → [B, T, d].
 * The table's gradient is oneHot(ids)ᵀ · dy as an explicit transpose and a plain 2-D matmul, instead of
 * tfjs's UnsortedSegmentSum (missing on wasm). `ids` get no gradient.
 */
export function embed(ids: tf.Tensor, table: tf.Tensor): tf.Tensor {
  if (ids.dtype !== "int32") {
    throw new Error(`Cannot apply embed(): ids have dtype "${ids.dtype}", expected "int32"`);
  }
  if (table.rank !== 2) {
    throw new Error(`Cannot apply embed(): table has shape "${shapeText(table)}", expected [V, d]`);
  }
  return embedGrad(ids, table);
}

const embedGrad = tf.customGrad((...args) => {
  const [ids, table, save] = args as [tf.Tensor, tf.Tensor2D, tf.GradSaveFunc];
  const [vocab, d] = table.shape;
  const flat = tf.reshape(ids, [-1]) as tf.Tensor1D; // [N]
  save([flat]);
  return {
    value: tf.reshape(tf.gather(table, flat), [...ids.shape, d]), // [..., d]
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sflat] = saved as [tf.Tensor1D];
      const dy2 = tf.reshape(dy, [-1, d]) as tf.Tensor2D; // [N, d]
      // int32 one-hot then cast: wasm's OneHot ignores dtype "float32" and writes int32 bits into the
      // float buffer (ones read back as 1.4e-45).
      const oneHotT = tf.transpose(tf.cast(tf.oneHot(sflat, vocab), "float32")); // [V, N]
      // Integer ids are not differentiable; tfjs still wants a tensor in their slot.
      return [tf.zeros(ids.shape), tf.matMul(oneHotT, dy2)];
    },
  };
});

/**
 * RMSNorm over the last axis: x / sqrt(mean(x²) + eps) · weight; `x` [..., d], `weight` [d] or `null`
 * (no learned scale). Built from elementary ops whose gradients all exist on wasm.
 */
export function rmsNorm(x: tf.Tensor, weight: tf.Tensor | null, eps = 1e-5): tf.Tensor {
  if (weight !== null && (weight.rank !== 1 || weight.shape[0] !== x.shape.at(-1))) {
    throw new Error(
      `Cannot apply rmsNorm(): x has shape "${shapeText(x)}" but weight has shape "${shapeText(weight)}"`,
    );
  }
  return tf.tidy(() => {
    const meanSquare = tf.mean(tf.square(x), -1, true); // [..., 1]
    const normed = tf.mul(x, tf.rsqrt(tf.add(meanSquare, eps))); // [..., d]
    return weight === null ? normed : tf.mul(normed, weight);
  });
}

/** GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), from elementary ops. */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    // x·x·x rather than pow: pow's gradient also differentiates its exponent (log of negative x → NaN).
    const cube = tf.mul(tf.mul(x, x), x);
    const inner = tf.mul(tf.add(x, tf.mul(cube, 0.044715)), Math.sqrt(2 / Math.PI));
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  });
}

function shapeText(t: tf.Tensor): string {
  return `[${t.shape.join(",")}]`;
}

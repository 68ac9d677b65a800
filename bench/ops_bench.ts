/**
 * Default tfjs gradients vs the custom ones in lib/engine/ops.ts, on wasm, at the model's shapes.
 * Run: `deno bench -A bench/ops_bench.ts`. One "step" is forward + backward of sum(op(...) · dy).
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend.ts";
import { bmm, linear } from "../lib/engine/ops.ts";
import { Rng } from "../lib/engine/rng.ts";

await initBackend("wasm");

const rng = new Rng(0);
function normal(shape: number[]): tf.Tensor {
  const n = shape.reduce((p, s) => p * s, 1);
  return tf.tensor(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

/** Forward + backward of sum(f(a, b) · dy) w.r.t. a and b; reads every result so all work is done. */
function step(f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, a: tf.Tensor, b: tf.Tensor, dy: tf.Tensor): void {
  tf.tidy(() => {
    const grads = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(f(x, y), dy)))([a, b]);
    grads.forEach((g) => g.dataSync());
  });
}

// A linear layer of the ENGINE-NOTES transformer: 16 × 200 tokens, d 128 → 512.
const x = normal([3200, 128]), w = normal([128, 512]), dyLinear = normal([3200, 512]);
Deno.bench("linear step: tf.matMul, default gradient", { group: "linear", baseline: true }, () => {
  step((a, b) => tf.matMul(a, b), x, w, dyLinear);
});
Deno.bench("linear step: linear(), explicit-transpose gradient", { group: "linear" }, () => {
  step(linear, x, w, dyLinear);
});

// Attention scores: 16 × 4 heads, T 150, dh 32.
const q = normal([64, 150, 32]), kT = normal([64, 32, 150]), k = normal([64, 150, 32]);
const dyScores = normal([64, 150, 150]);
Deno.bench("bmm step: batched tf.matMul, default gradient", { group: "bmm", baseline: true }, () => {
  step((a, b) => tf.matMul(a, b), q, kT, dyScores);
});
Deno.bench("bmm step: bmm(), per-item 2-D matmuls", { group: "bmm" }, () => {
  step(bmm, q, kT, dyScores);
});

// Forward only, QKᵀ from K [64, 150, 32]: does an explicit transpose beat transposeB on the batched kernel?
function forward(f: () => tf.Tensor): void {
  // Block body on purpose: tidy walks whatever it returns, and walking a returned Float32Array of 1.4M
  // elements costs ~1 s.
  tf.tidy(() => {
    f().dataSync();
  });
}
Deno.bench("QKᵀ forward: batched, transposeB=true", { group: "qk", baseline: true }, () => {
  forward(() => tf.matMul(q, k, false, true));
});
Deno.bench("QKᵀ forward: explicit transpose + batched", { group: "qk" }, () => {
  forward(() => tf.matMul(q, tf.transpose(k, [0, 2, 1])));
});
Deno.bench("QKᵀ forward: explicit transpose + bmm()", { group: "qk" }, () => {
  forward(() => bmm(q, tf.transpose(k, [0, 2, 1])));
});

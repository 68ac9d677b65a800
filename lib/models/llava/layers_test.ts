import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import {
  activation,
  applyLinear,
  attend,
  geluErf,
  layerNorm,
  mergeHeads,
  quickGelu,
  silu,
  splitHeads,
  tidyResult,
} from "./layers.ts";

await initBackend("wasm");

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${i}: ${a[i]} vs ${b[i]}`);
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

Deno.test("applyLinear computes x·w + b, and x·w without a bias", async () => {
  const x = tf.tensor2d([[1, 2]]);
  const w = tf.tensor2d([[1, 0, -1], [2, 1, 0]]); // [in 2, out 3]
  const b = tf.tensor1d([0.5, 0, -0.5]);
  assert.deepEqual(Array.from(await applyLinear(x, { w, b }).data()), [5.5, 2, -1.5]);
  assert.deepEqual(Array.from(await applyLinear(x, { w }).data()), [5, 2, -1]);
});

Deno.test("layerNorm uses the biased variance over the last axis, then scale and shift", async () => {
  const x = tf.tensor2d([[1, 2, 3], [5, 5, 5]]);
  const g = tf.tensor1d([1, 2, 1]);
  const b = tf.tensor1d([0, 0, 1]);
  const eps = 1e-5;
  const s = 1 / Math.sqrt(2 / 3 + eps); // mean 2, biased variance 2/3 (unbiased would be 1)
  const got = await layerNorm(x, { g, b }, eps).data();
  // A constant row normalises to 0: only the bias remains.
  close(got, [-s, 0, s + 1, 0, 0, 1], 1e-6);
});

Deno.test("activations: quick_gelu, exact erf GELU and SiLU at known points", async () => {
  const x = tf.tensor1d([-1, 0, 1, 2]);
  close(await quickGelu(x).data(), [-1, 0, 1, 2].map((v) => v * sigmoid(1.702 * v)), 1e-6);
  // 0.5·x·(1 + erf(x/√2)) = x·Φ(x): Φ(−1), Φ(1), Φ(2) from the normal table.
  close(await geluErf(x).data(), [-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416], 1e-6);
  close(await silu(x).data(), [-1, 0, 1, 2].map((v) => v * sigmoid(v)), 1e-6);
  for (const [name, fn] of [["quick_gelu", quickGelu], ["gelu", geluErf], ["silu", silu]] as const) {
    assert.deepEqual(await activation(name, x).data(), await fn(x).data(), name);
  }
  // quick_gelu is an approximation: it differs from the exact GELU at 1 by more than 1e-3.
  const diff = Math.abs((await quickGelu(x).data())[2]! - 0.8413447460685429);
  assert.ok(diff > 1e-3 && diff < 2e-2, `${diff}`);
});

Deno.test("splitHeads takes consecutive columns per head; mergeHeads undoes it", async () => {
  const x = tf.tensor2d([[0, 1, 2, 3], [4, 5, 6, 7]]); // [T 2, H·dh 4]
  const split = splitHeads(x, 2); // [H 2, T 2, dh 2]
  assert.deepEqual(split.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(await split.data()), [0, 1, 4, 5, 2, 3, 6, 7]);
  const merged = mergeHeads(split);
  assert.deepEqual(merged.shape, [2, 4]);
  assert.deepEqual(Array.from(await merged.data()), [0, 1, 2, 3, 4, 5, 6, 7]);
});

Deno.test("attend scales by 1/√dh, applies the additive bias and returns probabilities over keys", async () => {
  // One head, dh 4: q·k = 2 for key 0 and 0 for key 1, so scores are 1 and 0 after the 1/√4 scale.
  const q = tf.tensor3d([[[1, 1, 0, 0], [0, 0, 0, 0]]]); // [1, T 2, 4]
  const k = tf.tensor3d([[[1, 1, 0, 0], [0, 0, 1, 1]]]); // [1, S 2, 4]
  const v = tf.tensor3d([[[10, 0, 0, 0], [0, 20, 0, 0]]]);
  const { context, probs } = attend(q, k, v, null);
  const p0 = Math.E / (Math.E + 1);
  close(await probs.data(), [p0, 1 - p0, 0.5, 0.5], 1e-6);
  close(await context.data(), [10 * p0, 20 * (1 - p0), 0, 0, 5, 10, 0, 0], 1e-5);
  // A causal bias hides key 1 from query 0.
  const masked = attend(q, k, v, tf.tensor2d([[0, -1e9], [0, 0]]));
  close(await masked.probs.data(), [1, 0, 0.5, 0.5], 1e-6);
  close(await masked.context.data(), [10, 0, 0, 0, 5, 10, 0, 0], 1e-5);
});

Deno.test("tidyResult keeps every tensor of a structured result and frees the intermediates", () => {
  const before = tf.memory().numTensors;
  const out = tidyResult(() => {
    const a = tf.ones([2]);
    const b = tf.add(a, 1);
    tf.mul(b, 3); // an intermediate that is not returned
    return { b, nested: { list: [tf.zeros([1])] }, count: 2 };
  });
  assert.equal(out.count, 2);
  assert.equal(tf.memory().numTensors, before + 2);
  assert.deepEqual(Array.from(out.b.dataSync()), [2, 2]);
  tf.dispose([out.b, ...out.nested.list]);
  assert.equal(tf.memory().numTensors, before);
});

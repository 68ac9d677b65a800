import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { project } from "./projector.ts";

await initBackend("wasm");

Deno.test("project applies linear → exact GELU → linear row by row (hand-computed)", async () => {
  const features = tf.tensor2d([[1, 0], [0, 2]]); // [N 2, d_vision 2]
  const w = {
    linear1: { w: tf.tensor2d([[1, -1, 0], [0, 0, 1]]), b: tf.tensor1d([0, 0, 0]) }, // [2, 3]
    linear2: { w: tf.tensor2d([[1, 0], [0, 1], [1, 1]]), b: tf.tensor1d([0.5, -0.5]) }, // [3, d_text 2]
  };
  // Hidden rows [1, −1, 0] and [0, 0, 2]; GELU(1) = 0.841345, GELU(−1) = −0.158655, GELU(2) = 1.954500.
  const before = tf.memory().numTensors;
  const out = project(w, features);
  assert.equal(tf.memory().numTensors, before + 1); // only the result survives
  assert.deepEqual(out.shape, [2, 2]);
  const want = [0.8413447 + 0.5, -0.1586553 - 0.5, 1.9544997 + 0.5, 1.9544997 - 0.5];
  const got = await out.data();
  want.forEach((v, i) => assert.ok(Math.abs(got[i]! - v) < 1e-5, `${i}: ${got[i]} vs ${v}`));
});

Deno.test("project without biases maps widths [N, a] → [N, c] through the hidden width", () => {
  const w = {
    linear1: { w: tf.ones([4, 6]) as tf.Tensor2D },
    linear2: { w: tf.ones([6, 5]) as tf.Tensor2D },
  };
  const out = project(w, tf.zeros([3, 4]));
  assert.deepEqual(out.shape, [3, 5]);
  assert.deepEqual(Array.from(out.dataSync()), new Array(15).fill(0)); // GELU(0) = 0
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { attend, causalBias, causalBiasFrom } from "./attention.ts";
import { initBackend } from "./backend.ts";

await initBackend("cpu");

const NEG = -1e9;
const E = Math.E;

/** One head, dh = 4 (scale 1/2): q0·k0 = q1·k1 = 2, the cross products 0, so the scaled scores are I. */
function twoByTwo(bias: tf.Tensor4D | null) {
  const q = tf.tensor3d([[[2, 0, 0, 0], [0, 2, 0, 0]]]); // [1, 2, 4]
  const keysT = tf.tensor3d([[[1, 0], [0, 1], [0, 0], [0, 0]]]); // [1, 4, 2]
  const values = tf.tensor3d([[[1, 0, 0, 0], [0, 10, 0, 0]]]); // [1, 2, 4]
  const r = attend(q, keysT, values, bias, 1, 1);
  const out = {
    out: Array.from(r.out.dataSync()),
    probs: Array.from(r.probs.dataSync()),
    shape: r.probs.shape,
  };
  tf.dispose([q, keysT, values, r.out, r.probs]);
  return out;
}

function assertClose(actual: number[], expected: number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((a, i) => assert.ok(Math.abs(a - expected[i]!) <= tol, `[${i}] ${a} vs ${expected[i]}`));
}

Deno.test("attend() without a bias is softmax(q·kᵀ / √dh) times the values", () => {
  const r = twoByTwo(null);
  const p = E / (E + 1);
  assert.deepEqual(r.shape, [1, 1, 2, 2]);
  assertClose(r.probs, [p, 1 - p, 1 - p, p]);
  assertClose(r.out, [p, 10 * (1 - p), 0, 0, 1 - p, 10 * p, 0, 0], 1e-5);
});

Deno.test("attend() with the causal bias lets the first query see only the first key", () => {
  const bias = causalBias(new Uint8Array([1, 1]), 1, 2);
  const r = twoByTwo(bias);
  bias.dispose();
  const p = E / (E + 1);
  assertClose(r.probs, [1, 0, 1 - p, p]);
  assertClose(r.out, [1, 0, 0, 0, 1 - p, 10 * p, 0, 0], 1e-5);
});

Deno.test("attend() with a masked key gives it zero weight; a query with no valid key gets a uniform row", () => {
  const bias = causalBias(new Uint8Array([0, 1]), 1, 2);
  const r = twoByTwo(bias);
  bias.dispose();
  // Query 0 sees only key 0, which is masked: both scores are −1e9 + O(1), so the row is uniform.
  assertClose(r.probs, [0.5, 0.5, 0, 1]);
  assertClose(r.out, [0.5, 5, 0, 0, 0, 10, 0, 0], 1e-5);
});

Deno.test("attend() runs batch × heads independently and returns probabilities as [B, H, Tq, Tk]", () => {
  // B = 2, H = 2, Tq = 1, Tk = 3, dh = 1: scores are q·k; slice (b, h) uses row b·H + h.
  const q = tf.tensor3d([[[0]], [[1]], [[2]], [[0]]]); // [4, 1, 1]
  const keysT = tf.tensor3d([[[1, 2, 3]], [[0, 0, 1]], [[1, 0, 0]], [[5, 5, 5]]]); // [4, 1, 3]
  const values = tf.tensor3d(Array.from({ length: 4 }, () => [[1], [2], [3]])); // [4, 3, 1]
  const { out, probs } = attend(q, keysT, values, null, 2, 2);
  assert.deepEqual(probs.shape, [2, 2, 1, 3]);
  const p = Array.from(probs.dataSync());
  const z = 2 + E; // slice 1: scores [0, 0, 1]
  const w = Math.exp(2) + 2; // slice 2: scores [2, 0, 0]
  assertClose(p, [
    1 / 3,
    1 / 3,
    1 / 3,
    1 / z,
    1 / z,
    E / z,
    Math.exp(2) / w,
    1 / w,
    1 / w,
    1 / 3,
    1 / 3,
    1 / 3,
  ]);
  assertClose(Array.from(out.dataSync()), [2, (3 + 3 * E) / z, (Math.exp(2) + 5) / w, 2], 1e-5);
  tf.dispose([q, keysT, values, out, probs]);
});

Deno.test("causalBias() is [B, 1, T, T]: 0 at and before the diagonal on valid keys, −1e9 elsewhere", () => {
  const bias = causalBias(new Uint8Array([1, 1, 1, 1, 0, 1]), 2, 3);
  assert.deepEqual(bias.shape, [2, 1, 3, 3]);
  const _ = NEG;
  // deno-fmt-ignore
  assert.deepEqual(Array.from(bias.dataSync()), [
    // batch 0, every key valid: lower triangle
    0, _, _,
    0, 0, _,
    0, 0, 0,
    // batch 1, key 1 invalid: its column is masked in every row
    0, _, _,
    0, _, _,
    0, _, 0,
  ]);
  bias.dispose();
});

Deno.test("causalBiasFrom() holds the rows start..T−1 of the causal bias", () => {
  const valid = new Uint8Array([1, 0, 1, 1]);
  const from = causalBiasFrom(valid, 1, 4, 2);
  assert.deepEqual(from.shape, [1, 1, 2, 4]);
  const _ = NEG;
  assert.deepEqual(Array.from(from.dataSync()), [0, _, 0, _, 0, _, 0, 0]);
  const full = causalBias(valid, 1, 4);
  assert.deepEqual(Array.from(from.dataSync()), Array.from(full.dataSync()).slice(8));
  tf.dispose([from, full]);
});

Deno.test("causalBiasFrom() from position 0 equals causalBias() over two rows", () => {
  const valid = new Uint8Array([1, 1, 0, 0, 1, 1]);
  const a = causalBiasFrom(valid, 2, 3, 0);
  const b = causalBias(valid, 2, 3);
  assert.deepEqual(a.shape, b.shape);
  assert.deepEqual(Array.from(a.dataSync()), Array.from(b.dataSync()));
  tf.dispose([a, b]);
});

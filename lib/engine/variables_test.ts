import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { gradsByName, namedVariable } from "./variables.ts";

await initBackend("cpu");

Deno.test("namedVariable() lets two live variables share a weight name", () => {
  const a = namedVariable("lm.layers.0.wq", tf.scalar(1));
  const b = namedVariable("lm.layers.0.wq", tf.scalar(2));
  assert.notEqual(a.name, b.name);
  assert.match(a.name, /^lm\.layers\.0\.wq#\d+$/);
  assert.match(b.name, /^lm\.layers\.0\.wq#\d+$/);
  assert.equal(a.trainable, true);
  tf.dispose([a, b]);
});

Deno.test("namedVariable() can make a frozen variable", () => {
  const v = namedVariable("frozen", tf.scalar(1), false);
  assert.equal(v.trainable, false);
  v.dispose();
});

Deno.test("gradsByName() keys gradients like the caller's record", async () => {
  const a = namedVariable("w", tf.tensor1d([1, 2]));
  const b = namedVariable("w", tf.tensor1d([3, 4]));
  // f = Σ a·b² → ∂f/∂a = b² = [9, 16], ∂f/∂b = 2ab = [6, 16]; f = 9 + 32 = 41.
  const { value, grads } = gradsByName(() => tf.sum(tf.mul(a, tf.square(b))) as tf.Scalar, {
    left: a,
    right: b,
  });
  assert.deepEqual(Object.keys(grads).sort(), ["left", "right"]);
  assert.equal((await value.data())[0], 41);
  assert.deepEqual(Array.from(await grads.left!.data()), [9, 16]);
  assert.deepEqual(Array.from(await grads.right!.data()), [6, 16]);
  tf.dispose([a, b, value, ...Object.values(grads)]);
});

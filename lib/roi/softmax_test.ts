import assert from "node:assert/strict";
import { softmax } from "./softmax.ts";

Deno.test("softmax() is exp(z − max) normalised to sum 1, stable for large logits", () => {
  const p = softmax([0, Math.log(3)]);
  assert.ok(Math.abs(p[0]! - 0.25) < 1e-15 && Math.abs(p[1]! - 0.75) < 1e-15);
  const big = softmax(Float32Array.from([1000, 1000, 1000, 1000]));
  assert.deepEqual(Array.from(big), [0.25, 0.25, 0.25, 0.25]);
  assert.deepEqual(Array.from(softmax([-Infinity, 0])), [0, 1]);
});

import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { coverage, iou, randomBoxLike } from "./boxes.ts";

Deno.test("iou() of hand-computed boxes", () => {
  assert.equal(iou([0, 0, 10, 10], [0, 0, 10, 10]), 1);
  assert.equal(iou([0, 0, 10, 10], [5, 0, 15, 10]), 50 / 150);
  assert.equal(iou([0, 0, 10, 10], [10, 10, 20, 20]), 0);
  assert.equal(iou([0, 0, 0, 0], [0, 0, 0, 0]), 0);
});

Deno.test("coverage() is the share of the inner box inside the outer one", () => {
  assert.equal(coverage([0, 0, 10, 10], [5, 0, 20, 20]), 0.5);
  assert.equal(coverage([2, 2, 4, 4], [0, 0, 10, 10]), 1);
});

Deno.test("randomBoxLike() keeps the size and stays inside the image", () => {
  const rng = new Rng(1);
  for (let i = 0; i < 100; i++) {
    const b = randomBoxLike(rng, [10, 20, 74, 84], 256, 320);
    assert.equal(b[2] - b[0], 64);
    assert.equal(b[3] - b[1], 64);
    assert.ok(b[0] >= 0 && b[1] >= 0 && b[2] <= 256 && b[3] <= 320);
  }
});

import assert from "node:assert/strict";
import { Rng } from "../../engine/rng.ts";
import type { Box } from "../../image/types.ts";
import {
  DEFAULT_CROP_MIX,
  maskAround,
  pickKind,
  planCrops,
  randomWindow,
  windowAround,
} from "./crop_plan.ts";

const contains = (outer: Box, inner: Box) =>
  outer[0] <= inner[0] && outer[1] <= inner[1] && outer[2] >= inner[2] && outer[3] >= inner[3];

Deno.test("windowAround() always contains the target and stays inside the image", () => {
  const rng = new Rng(1);
  for (let i = 0; i < 500; i++) {
    const x0 = rng.range(0, 200);
    const y0 = rng.range(0, 200);
    const target: Box = [x0, y0, x0 + rng.range(20, 56), y0 + rng.range(20, 56)];
    const w = windowAround(rng, target, 256, 256, rng.uniform(1, 3.5));
    assert.ok(contains(w, target), `${w} ⊉ ${target}`);
    assert.ok(w[0] >= 0 && w[1] >= 0 && w[2] <= 256 && w[3] <= 256, `${w}`);
  }
});

Deno.test("randomWindow() is square and inside the image", () => {
  const rng = new Rng(2);
  for (let i = 0; i < 200; i++) {
    const [x0, y0, x1, y1] = randomWindow(rng, 320, 256);
    assert.equal(x1 - x0, y1 - y0);
    assert.ok(x0 >= 0 && y0 >= 0 && x1 <= 320 && y1 <= 256);
  }
});

Deno.test("maskAround() keeps every crop cell that overlaps the target", () => {
  const keep = maskAround(new Rng(3), [0, 0, 80, 80], [20, 20, 30, 30], 8); // cells of 10 px
  for (const cell of [2 * 8 + 2]) assert.equal(keep[cell], 1);
  assert.equal(keep.length, 64);
});

Deno.test("pickKind() follows the mix proportions", () => {
  const rng = new Rng(4);
  const counts: Record<string, number> = {};
  for (let i = 0; i < 20000; i++) {
    const k = pickKind(rng);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  for (const [k, p] of Object.entries(DEFAULT_CROP_MIX)) {
    assert.ok(Math.abs(counts[k]! / 20000 - p) < 0.015, `${k}: ${counts[k]! / 20000} vs ${p}`);
  }
});

Deno.test("planCrops() returns the number of blocks each kind implies", () => {
  const rng = new Rng(5);
  const t: Box = [100, 100, 140, 140];
  assert.equal(planCrops(rng, "none", t, 256, 256, 8).boxes.length, 0);
  const zoom = planCrops(rng, "zoom", t, 256, 256, 8);
  assert.ok(zoom.view && contains(zoom.view, t) && zoom.boxes.length === 0);
  assert.ok(contains(planCrops(rng, "target", t, 256, 256, 8).boxes[0]!, t));
  assert.equal(planCrops(rng, "masked", t, 256, 256, 8).keeps[0]!.length, 64);
  assert.equal(planCrops(rng, "two", t, 256, 256, 8).boxes.length, 2);
});

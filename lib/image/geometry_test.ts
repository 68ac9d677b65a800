import assert from "node:assert/strict";
import { gridBoxToSource, letterboxGeometry } from "./geometry.ts";

Deno.test("letterboxGeometry() fits a wide image to the width and centres it vertically", () => {
  // r = min(64/200, 64/100) = 0.32; 200·0.32 = 64, 100·0.32 = 32; pad (64 − 32) / 2 = 16.
  assert.deepEqual(letterboxGeometry(200, 100, 64), {
    ratio: 0.32,
    padX: 0,
    padY: 16,
    innerWidth: 64,
    innerHeight: 32,
  });
});

Deno.test("letterboxGeometry() fits a tall image to the height and centres it horizontally", () => {
  // r = min(64/40, 64/128) = 0.5; 40·0.5 = 20; pad (64 − 20) / 2 = 22.
  assert.deepEqual(letterboxGeometry(40, 128, 64), {
    ratio: 0.5,
    padX: 22,
    padY: 0,
    innerWidth: 20,
    innerHeight: 64,
  });
});

Deno.test("letterboxGeometry() rounds the inner extent and floors an odd padding", () => {
  // r = 0.64; 30·0.64 = 19.2 → 19; (64 − 19) / 2 = 22.5 → 22.
  const g = letterboxGeometry(100, 30, 64);
  assert.equal(g.innerHeight, 19);
  assert.equal(g.padY, 22);
  assert.equal(g.innerWidth, 64);
  assert.equal(g.padX, 0);
});

Deno.test("letterboxGeometry() upscales a small square image to fill the square", () => {
  assert.deepEqual(letterboxGeometry(50, 50, 64), {
    ratio: 1.28,
    padX: 0,
    padY: 0,
    innerWidth: 64,
    innerHeight: 64,
  });
});

Deno.test("letterboxGeometry() keeps at least one pixel of a 1000×1 sliver", () => {
  // 1·0.064 rounds to 0; the extent is held at 1 and the padding is floor(63 / 2) = 31.
  const g = letterboxGeometry(1000, 1, 64);
  assert.equal(g.innerHeight, 1);
  assert.equal(g.padY, 31);
  assert.equal(g.innerWidth, 64);
});

Deno.test("gridBoxToSource() undoes the padding and the ratio of a 200×100 letterbox", () => {
  const lb = letterboxGeometry(200, 100, 64); // r 0.32, padY 16
  // grid 8 → cell 8 px. x: 2·8 / 0.32 = 50, 4·8 / 0.32 = 100; y: (16 − 16) / 0.32 = 0, (48 − 16) / 0.32 = 100.
  assert.deepEqual(gridBoxToSource([2, 2, 4, 6], 8, 64, lb, 200, 100), [50, 0, 100, 100]);
  // The whole grid is the whole image (the padding rows clamp to the border).
  assert.deepEqual(gridBoxToSource([0, 0, 8, 8], 8, 64, lb, 200, 100), [0, 0, 200, 100]);
});

Deno.test("gridBoxToSource() truncates fractional source coordinates", () => {
  const lb = letterboxGeometry(100, 30, 64); // r 0.64, padY 22
  // x: 1·8 / 0.64 = 12.5 → 12, 3·8 / 0.64 = 37.5 → 37; y: (24 − 22) / 0.64 = 3.125 → 3, (40 − 22) / 0.64 = 28.125 → 28.
  assert.deepEqual(gridBoxToSource([1, 3, 3, 5], 8, 64, lb, 100, 30), [12, 3, 37, 28]);
});

Deno.test("gridBoxToSource() maps a box wholly in the padding to an empty box on the border", () => {
  const lb = letterboxGeometry(200, 100, 64); // rows 0–1 and 6–7 of the 8-grid are padding
  assert.deepEqual(gridBoxToSource([0, 0, 8, 1], 8, 64, lb, 200, 100), [0, 0, 200, 0]);
  assert.deepEqual(gridBoxToSource([0, 7, 8, 8], 8, 64, lb, 200, 100), [0, 100, 200, 100]);
});

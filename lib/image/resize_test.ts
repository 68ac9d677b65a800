import assert from "node:assert/strict";
import {
  clampBox,
  cropResize,
  cropRgb,
  gridBoxToSource,
  letterbox,
  letterboxGeometry,
  PAD_VALUE,
  resizeRgb,
  toFloat,
} from "./resize.ts";
import type { RgbImage } from "./types.ts";

function solid(width: number, height: number, c: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(c, i);
  return { width, height, data };
}

/** Left half colour a, right half colour b. */
function halves(
  width: number,
  height: number,
  a: [number, number, number],
  b: [number, number, number],
): RgbImage {
  const img = solid(width, height, a);
  for (let y = 0; y < height; y++) {
    for (let x = width / 2; x < width; x++) img.data.set(b, (y * width + x) * 3);
  }
  return img;
}

const px = (
  p: Float32Array,
  size: number,
  x: number,
  y: number,
) => [...p.subarray((y * size + x) * 3, (y * size + x) * 3 + 3)];

Deno.test("letterboxGeometry() matches hand-computed ratios and paddings", () => {
  // 256x320 into 64: r = min(0.25, 0.2) = 0.2 → 51.2 → 51 x 64, slack 13 → padX 6.
  assert.deepEqual(letterboxGeometry(256, 320, 64), {
    ratio: 0.2,
    padX: 6,
    padY: 0,
    innerWidth: 51,
    innerHeight: 64,
  });
  assert.deepEqual(letterboxGeometry(512, 512, 64), {
    ratio: 0.125,
    padX: 0,
    padY: 0,
    innerWidth: 64,
    innerHeight: 64,
  });
  // 100x50: r = 0.64 → 64 x 32, padY 16.
  assert.deepEqual(letterboxGeometry(100, 50, 64), {
    ratio: 0.64,
    padX: 0,
    padY: 16,
    innerWidth: 64,
    innerHeight: 32,
  });
  // 1000x3: r = 0.064 → height 0.19 → at least 1 px, slack 63 → padY 31.
  assert.deepEqual(letterboxGeometry(1000, 3, 64), {
    ratio: 0.064,
    padX: 0,
    padY: 31,
    innerWidth: 64,
    innerHeight: 1,
  });
});

Deno.test("letterbox() pastes the resized image centred on mid-grey", async () => {
  const { pixels, ratio, padX, padY } = await letterbox(solid(256, 320, [255, 0, 51]), 64);
  assert.equal(pixels.length, 64 * 64 * 3);
  assert.deepEqual([ratio, padX, padY], [0.2, 6, 0]);
  const grey = PAD_VALUE / 255;
  for (let y = 0; y < 64; y++) {
    for (let x = 0; x < 64; x++) {
      const inImage = x >= 6 && x < 57;
      const expected = inImage ? [1, 0, 0.2] : [grey, grey, grey];
      px(pixels, 64, x, y).forEach((v, k) => assert.ok(Math.abs(v - expected[k]!) < 1e-6, `${x},${y}`));
    }
  }
});

Deno.test("letterbox() of a square image at the same size is the identity", async () => {
  const img = solid(8, 8, [0, 0, 0]);
  for (let i = 0; i < img.data.length; i++) img.data[i] = i % 251;
  const { pixels, ratio, padX, padY } = await letterbox(img, 8);
  assert.deepEqual([ratio, padX, padY], [1, 0, 0]);
  assert.deepEqual(pixels, toFloat(img));
});

Deno.test("cropResize() crops the original image before resizing, aspect not preserved", async () => {
  const img = halves(100, 40, [200, 10, 10], [10, 10, 200]);
  // A wide box entirely in the left half becomes a square of the left colour.
  const left = await cropResize(img, [2, 5, 48, 15], 16);
  assert.equal(left.length, 16 * 16 * 3);
  for (let i = 0; i < 16 * 16; i++) {
    assert.deepEqual(px(left, 16, i % 16, Math.floor(i / 16)).map((v) => Math.round(v * 255)), [200, 10, 10]);
  }
  // A box straddling the edge puts the colour change in the middle column of the crop.
  const mid = await cropResize(img, [40, 0, 60, 40], 20);
  assert.deepEqual(px(mid, 20, 2, 10).map((v) => Math.round(v * 255)), [200, 10, 10]);
  assert.deepEqual(px(mid, 20, 17, 10).map((v) => Math.round(v * 255)), [10, 10, 200]);
});

Deno.test("clampBox() snaps outward, clamps to the image and keeps at least one pixel", () => {
  assert.deepEqual(clampBox([1.5, 2.2, 3.1, 4.9], 10, 10), [1, 2, 4, 5]);
  assert.deepEqual(clampBox([-5, -5, 50, 50], 10, 8), [0, 0, 10, 8]);
  assert.deepEqual(clampBox([12, 3, 15, 3], 10, 8), [9, 3, 10, 4]);
  assert.deepEqual(clampBox([4, 4, 2, 2], 10, 8), [4, 4, 5, 5]);
});

Deno.test("cropRgb() and cropResize() of a degenerate box use one clamped pixel", async () => {
  const img = halves(10, 4, [1, 2, 3], [250, 251, 252]);
  const c = await cropRgb(img, [20, 20, 30, 30]);
  assert.deepEqual([c.width, c.height, ...c.data], [1, 1, 250, 251, 252]);
  const r = await cropResize(img, [0, 0, 0, 0], 4);
  assert.deepEqual(
    [...r].map((v) => Math.round(v * 255)),
    Array.from({ length: 16 }, () => [1, 2, 3]).flat(),
  );
});

Deno.test("resizeRgb() returns a copy at the same size and resizes otherwise", async () => {
  const img = solid(4, 4, [9, 9, 9]);
  const same = await resizeRgb(img, 4, 4);
  same.data[0] = 0;
  assert.equal(img.data[0], 9);
  const big = await resizeRgb(img, 7, 3);
  assert.deepEqual([big.width, big.height, big.data.length], [7, 3, 63]);
  assert.ok(big.data.every((v) => v === 9));
});

Deno.test("toFloat() divides by 255 without changing the layout", () => {
  assert.deepEqual([...toFloat({ width: 1, height: 1, data: new Uint8Array([0, 51, 255]) })], [
    0,
    Math.fround(0.2),
    1,
  ]);
});

Deno.test("gridBoxToSource() follows SD-RPN-SPEC §5.6 (hand-computed)", () => {
  // 256x320, S = 64, G = 8: cell 8, r = 0.2, padX 6, padY 0.
  const portrait = { ratio: 0.2, padX: 6, padY: 0 };
  // x0 = (8 - 6) / 0.2 = 10, y0 = 16 / 0.2 = 80, x1 = (24 - 6) / 0.2 = 90, y1 = 32 / 0.2 = 160.
  assert.deepEqual(gridBoxToSource([1, 2, 3, 4], 8, 64, portrait, 256, 320), [10, 80, 90, 160]);
  // Whole grid: x0 = -30 → 0, x1 = 290 → 256, y1 = 320.
  assert.deepEqual(gridBoxToSource([0, 0, 8, 8], 8, 64, portrait, 256, 320), [0, 0, 256, 320]);
  // Square 256: r = 0.25, no padding → cell = 32 source pixels.
  assert.deepEqual(gridBoxToSource([2, 3, 5, 6], 8, 64, { ratio: 0.25, padX: 0, padY: 0 }, 256, 256), [
    64,
    96,
    160,
    192,
  ]);
  // 100x50: r = 0.64, padY 16; x0 = 8 / 0.64 = 12.5 → 12, y0 = (24 - 16) / 0.64 = 12.5 → 12,
  // x1 = 16 / 0.64 = 25, y1 = (40 - 16) / 0.64 = 37.5 → 37 (truncation).
  assert.deepEqual(gridBoxToSource([1, 3, 2, 5], 8, 64, { ratio: 0.64, padX: 0, padY: 16 }, 100, 50), [
    12,
    12,
    25,
    37,
  ]);
  // A box entirely in the top padding maps to an empty box on the border.
  assert.deepEqual(gridBoxToSource([0, 0, 8, 1], 8, 64, { ratio: 0.64, padX: 0, padY: 16 }, 100, 50), [
    0,
    0,
    100,
    0,
  ]);
  // HR: 512x512 with G = 8 → one cell is 64 source pixels.
  assert.deepEqual(gridBoxToSource([7, 7, 8, 8], 8, 64, { ratio: 0.125, padX: 0, padY: 0 }, 512, 512), [
    448,
    448,
    512,
    512,
  ]);
});

Deno.test("gridBoxToSource() inverts the letterbox mapping of letterboxGeometry()", () => {
  for (const [w, h] of [[256, 320], [320, 256], [512, 512], [300, 100]] as const) {
    const g = letterboxGeometry(w, h, 64);
    const box = gridBoxToSource([0, 0, 8, 8], 8, 64, g, w, h);
    assert.deepEqual(box, [0, 0, w, h], `${w}x${h}`);
  }
});

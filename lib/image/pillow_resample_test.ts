import assert from "node:assert/strict";
import { passCoefficients, pillowResize } from "./pillow_resample.ts";
import type { RgbImage } from "./types.ts";

/** A 1-row image from per-pixel [r, g, b]. */
function row(pixels: [number, number, number][]): RgbImage {
  return { width: pixels.length, height: 1, data: new Uint8Array(pixels.flat()) };
}

function column(pixels: [number, number, number][]): RgbImage {
  return { ...row(pixels), width: 1, height: pixels.length };
}

function pixelsOf(img: RgbImage): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < img.data.length; i += 3) out.push([...img.data.subarray(i, i + 3)]);
  return out;
}

function solid(width: number, height: number, c: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(c, i);
  return { width, height, data };
}

Deno.test("passCoefficients() widens the bilinear support by the scale when halving 4 → 2", () => {
  // scale 2: support 2, taps at distances 0.5·(0.5, 0.5, 1.5) → weights 0.75, 0.75, 0.25 → 3/7, 3/7, 1/7.
  const c = passCoefficients(4, 2, "bilinear");
  assert.equal(c.ksize, 5);
  assert.deepEqual([...c.first], [0, 1]);
  assert.deepEqual([...c.count], [3, 3]);
  const three = Math.trunc(0.5 + (3 / 7) * 2 ** 22); // 1797559
  const one = Math.trunc(0.5 + (1 / 7) * 2 ** 22); // 599186
  assert.deepEqual([...c.weights.subarray(0, 3)], [three, three, one]);
  assert.deepEqual([...c.weights.subarray(5, 8)], [one, three, three]);
});

Deno.test("pillowResize() halves a 4×1 row with bilinear weights 3/7, 3/7, 1/7, rounding to nearest", () => {
  // R: (3·10 + 3·20 + 30) / 7 = 17.14 → 17 and (20 + 3·30 + 3·40) / 7 = 32.86 → 33;
  // G: 3·255 / 7 = 109.3 → 109 on the left; B mirrors G.
  const img = row([[10, 255, 0], [20, 0, 0], [30, 0, 0], [40, 0, 255]]);
  const out = pillowResize(img, 2, 1, "bilinear");
  assert.deepEqual(pixelsOf(out), [[17, 109, 0], [33, 0, 109]]);
});

Deno.test("pillowResize() upsamples 2 → 4 with bicubic a = −0.5, overshooting and clipping at the ends", () => {
  // Output 0: centre 0.25, taps at 0.25 and 1.25: 0.8671875 and −0.0703125, normalised 37/34 and −3/34.
  // Output 1: centre 0.75, taps 0.25 and 0.75 away: 0.8671875 and 0.2265625 → 111/140 and 29/140.
  // [100, 200]: 91.18 → 91, 120.71 → 121, 179.29 → 179, 208.82 → 209.
  // [0, 255]: −22.5 → 0, 52.8 → 53, 202.2 → 202, 277.5 → 255.
  const img = row([[100, 0, 255], [200, 255, 0]]);
  const out = pillowResize(img, 4, 1, "bicubic");
  assert.deepEqual(pixelsOf(out), [[91, 0, 255], [121, 53, 202], [179, 202, 53], [209, 255, 0]]);
});

Deno.test("pillowResize() resamples a column with the same weights as a row (vertical pass)", () => {
  const px: [number, number, number][] = [[10, 255, 0], [20, 0, 0], [30, 0, 0], [40, 0, 255]];
  const out = pillowResize(column(px), 1, 2, "bilinear");
  assert.equal(out.width, 1);
  assert.equal(out.height, 2);
  assert.deepEqual(pixelsOf(out), [[17, 109, 0], [33, 0, 109]]);
});

Deno.test("pillowResize() resizes each axis independently: a 4×2 → 2×1 equals rows then columns", () => {
  const img: RgbImage = {
    width: 4,
    height: 2,
    data: new Uint8Array([
      ...[10, 255, 0, 20, 0, 0, 30, 0, 0, 40, 0, 255],
      ...[50, 5, 7, 60, 9, 11, 70, 13, 17, 80, 19, 23],
    ]),
  };
  const both = pillowResize(img, 2, 1, "bicubic");
  const rows = pillowResize(img, 2, 2, "bicubic");
  assert.deepEqual(both, pillowResize(rows, 2, 1, "bicubic"));
});

Deno.test("pillowResize() keeps a constant image constant under both filters, down and up", () => {
  for (const filter of ["bilinear", "bicubic"] as const) {
    for (const [w, h] of [[3, 11], [2, 2], [13, 4]]) {
      const out = pillowResize(solid(7, 5, [255, 0, 131]), w!, h!, filter);
      assert.deepEqual(out, solid(w!, h!, [255, 0, 131]), `${filter} 7x5 → ${w}x${h}`);
    }
  }
});

Deno.test("pillowResize() spreads a 1-pixel image over any size", () => {
  const out = pillowResize(solid(1, 1, [3, 200, 77]), 3, 2, "bicubic");
  assert.deepEqual(out, solid(3, 2, [3, 200, 77]));
  assert.deepEqual(pillowResize(out, 1, 1, "bilinear"), solid(1, 1, [3, 200, 77]));
});

Deno.test("pillowResize() returns an equal copy at the identity size and never modifies its input", () => {
  const img = row([[1, 2, 3], [4, 5, 6], [7, 8, 9]]);
  const before = img.data.slice();
  const same = pillowResize(img, 3, 1, "bicubic");
  assert.deepEqual(same, img);
  assert.notEqual(same.data, img.data);
  pillowResize(img, 2, 5, "bicubic");
  assert.deepEqual(img.data, before);
});

Deno.test("pillowResize() rejects sizes that are not positive integers", () => {
  const img = solid(2, 2, [0, 0, 0]);
  for (const [w, h] of [[0, 2], [2, -1], [2.5, 2], [Number.NaN, 3]]) {
    assert.throws(() => pillowResize(img, w!, h!, "bilinear"), {
      message: `Cannot resize to "${w}x${h}": width and height must be positive integers`,
    });
  }
});

Deno.test("pillowResize() rejects a malformed image and an unknown filter", () => {
  assert.throws(() => pillowResize({ width: 2, height: 2, data: new Uint8Array(11) }, 1, 1, "bilinear"), {
    message: 'Invalid image "2x2": expected 12 RGB bytes, got 11',
  });
  assert.throws(() => pillowResize(solid(2, 2, [0, 0, 0]), 1, 1, "lanczos" as "bilinear"), {
    message: 'Unsupported resampling filter "lanczos": expected "bilinear" or "bicubic"',
  });
});

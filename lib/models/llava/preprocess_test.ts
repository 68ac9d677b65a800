import assert from "node:assert/strict";
import { join } from "node:path";
import { loadImage } from "../../image/png.ts";
import { pillowResize } from "../../image/pillow_resample.ts";
import type { RgbImage } from "../../image/types.ts";
import {
  clipPixelValues,
  type ClipPreprocessorConfig,
  expandToSquare,
  LLAVA_PAD_FILL,
  llavaPixelValues,
  loadPreprocessorConfig,
  padFillFromMean,
  parsePreprocessorConfig,
  pillowCrop,
  roiPixelValues,
  shortestEdgeSize,
} from "./preprocess.ts";

const FIXTURE = new URL("../../../tests/fixtures/llava-tiny/", import.meta.url).pathname;

/** Identity normalisation, so pixel values are the raw uint8 levels. */
function rawConfig(
  s: number,
  crop: number,
  resample: "bilinear" | "bicubic" = "bicubic",
): ClipPreprocessorConfig {
  return {
    shortestEdge: s,
    cropHeight: crop,
    cropWidth: crop,
    resample,
    rescaleFactor: 1,
    imageMean: [0, 0, 0],
    imageStd: [1, 1, 1],
  };
}

/** An image whose pixel (x, y) is [10x + y, 100 + x, 200 + y]. */
function ramp(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set([10 * x + y, 100 + x, 200 + y], (y * width + x) * 3);
  }
  return { width, height, data };
}

/** Channel `c` of a CHW array as rows. */
function plane(chw: Float32Array, c: number, h: number, w: number): number[][] {
  return Array.from({ length: h }, (_, i) => [...chw.subarray((c * h + i) * w, (c * h + i + 1) * w)]);
}

for (const name of ["square", "wide", "tall"]) {
  Deno.test(`llavaPixelValues() reproduces the fixture's Pillow pixel_values for "${name}"`, async () => {
    const expected = JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected", `${name}.json`)));
    const img = await loadImage(join(FIXTURE, "cases", `${name}.png`));
    const got = llavaPixelValues(img, await loadPreprocessorConfig(FIXTURE));
    const want = expected.pixel_values.data as number[];
    assert.deepEqual(expected.pixel_values.shape, [3, 84, 84]);
    assert.equal(got.length, want.length);
    let max = 0;
    let within = 0;
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(got[i]! - want[i]!);
      max = Math.max(max, d);
      if (d <= 1e-4) within++;
    }
    // README tolerance: one uint8 level, 99 % within 1e-4. The resampler is exact, so only float32
    // rounding remains (measured ≈ 1.2e-7); 1e-5 catches any single-level slip.
    assert.ok(max <= 0.02 && within / want.length >= 0.99, `max ${max}, share ${within / want.length}`);
    assert.ok(max <= 1e-5, `max |Δ| ${max}`);
  });
}

Deno.test("loadPreprocessorConfig() reads the fixture's CLIPImageProcessor settings", async () => {
  assert.deepEqual(await loadPreprocessorConfig(FIXTURE), {
    shortestEdge: 84,
    cropHeight: 84,
    cropWidth: 84,
    resample: "bicubic",
    rescaleFactor: 0.00392156862745098,
    imageMean: [0.48145466, 0.4578275, 0.40821073],
    imageStd: [0.26862954, 0.26130258, 0.27577711],
  });
});

Deno.test("parsePreprocessorConfig() fills omitted fields with CLIPImageProcessor's defaults", () => {
  assert.deepEqual(parsePreprocessorConfig({}, "p.json"), {
    shortestEdge: 224,
    cropHeight: 224,
    cropWidth: 224,
    resample: "bicubic",
    rescaleFactor: 1 / 255,
    imageMean: [0.48145466, 0.4578275, 0.40821073],
    imageStd: [0.26862954, 0.26130258, 0.27577711],
  });
});

Deno.test("parsePreprocessorConfig() reads an int size as the shortest edge and an int crop as a square", () => {
  const c = parsePreprocessorConfig({ size: 336, crop_size: 300, resample: 2 }, "p.json");
  assert.equal(c.shortestEdge, 336);
  assert.equal(c.cropHeight, 300);
  assert.equal(c.cropWidth, 300);
  assert.equal(c.resample, "bilinear");
});

Deno.test("parsePreprocessorConfig() names the file and key of what it cannot honour", () => {
  const cases: [unknown, string][] = [
    [{ resample: 1 }, 'key "resample" is 1, expected 2 (bilinear) or 3 (bicubic)'],
    [{ do_center_crop: false }, 'key "do_center_crop" is false, only true is supported'],
    [
      { size: { height: 336, width: 336 } },
      'key "size" is {"height":336,"width":336}, expected {"shortest_edge": N}',
    ],
    [{ size: "big" }, 'key "size" is "big", expected a positive integer or {"shortest_edge": N}'],
    [{ image_mean: [0.5, 0.5] }, 'key "image_mean" is [0.5,0.5], expected three numbers'],
    [{ image_std: [0.5, 0, 0.5] }, 'key "image_std" is [0.5,0,0.5], expected non-zero values'],
    [[1, 2], "expected a JSON object"],
  ];
  for (const [json, reason] of cases) {
    assert.throws(() => parsePreprocessorConfig(json, "m/preprocessor_config.json"), {
      message: `Cannot read "m/preprocessor_config.json": ${reason}`,
    });
  }
});

Deno.test("loadPreprocessorConfig() reports a missing file and invalid JSON by path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "preprocessor_config.json");
    await assert.rejects(loadPreprocessorConfig(dir), {
      message: `Cannot read "${path}": file does not exist`,
    });
    await Deno.writeTextFile(path, "{");
    await assert.rejects(loadPreprocessorConfig(dir), (e: Error) => {
      assert.match(e.message, new RegExp(`^Cannot read "${path}": invalid JSON \\(`));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("LLAVA_PAD_FILL is int(CLIP mean × 255), truncated: (122, 116, 104)", () => {
  assert.deepEqual(LLAVA_PAD_FILL, [122, 116, 104]);
  // Rounding would give 123 and 117 for the first two channels.
  assert.deepEqual(padFillFromMean([0.48145466, 0.4578275, 0.40821073]), [122, 116, 104]);
});

Deno.test("expandToSquare() centres a wide image vertically, with (side − H) // 2 rows above", () => {
  const img = ramp(4, 1);
  const sq = expandToSquare(img, [1, 2, 3]);
  assert.equal(sq.width, 4);
  assert.equal(sq.height, 4);
  // (4 − 1) // 2 = 1 row of fill above, 2 below.
  for (let y = 0; y < 4; y++) {
    const got = sq.data.subarray(y * 12, (y + 1) * 12);
    assert.deepEqual([...got], y === 1 ? [...img.data] : [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3], `row ${y}`);
  }
});

Deno.test("expandToSquare() centres a tall image horizontally with the LLaVA fill by default", () => {
  const img = ramp(2, 5);
  const sq = expandToSquare(img);
  assert.equal(sq.width, 5);
  for (let y = 0; y < 5; y++) {
    for (let x = 0; x < 5; x++) {
      const got = [...sq.data.subarray((y * 5 + x) * 3, (y * 5 + x) * 3 + 3)];
      // (5 − 2) // 2 = 1 column of fill on the left.
      const want = x === 1 || x === 2 ? [10 * (x - 1) + y, 100 + x - 1, 200 + y] : LLAVA_PAD_FILL;
      assert.deepEqual(got, want, `(${x}, ${y})`);
    }
  }
});

Deno.test("expandToSquare() returns a square image as an equal copy", () => {
  const img = ramp(3, 3);
  const sq = expandToSquare(img);
  assert.deepEqual(sq, img);
  assert.notEqual(sq.data, img.data);
});

Deno.test("shortestEdgeSize() truncates the long edge like int(S * long / short)", () => {
  assert.deepEqual(shortestEdgeSize(150, 91, 84), { width: 138, height: 84 }); // 138.46
  assert.deepEqual(shortestEdgeSize(45, 70, 84), { width: 84, height: 130 }); // 130.67
  assert.deepEqual(shortestEdgeSize(100, 100, 84), { width: 84, height: 84 });
});

Deno.test("clipPixelValues() centre-crops at (size − crop) // 2 and returns CHW", () => {
  // 4×2 with shortest edge already 2: no resize; crop 2×2 starts at column (4 − 2) // 2 = 1.
  const out = clipPixelValues(ramp(4, 2), rawConfig(2, 2));
  assert.equal(out.length, 3 * 2 * 2);
  assert.deepEqual(plane(out, 0, 2, 2), [[10, 20], [11, 21]]);
  assert.deepEqual(plane(out, 1, 2, 2), [[101, 102], [101, 102]]);
  assert.deepEqual(plane(out, 2, 2, 2), [[200, 200], [201, 201]]);
});

Deno.test("clipPixelValues() pads with zero pixels where the crop is larger than the image", () => {
  // top = left = (2 − 3) // 2 = −1: a zero row above and a zero column on the left, as HF pads.
  const out = clipPixelValues(ramp(2, 2), rawConfig(2, 3));
  assert.deepEqual(plane(out, 0, 3, 3), [[0, 0, 0], [0, 0, 10], [0, 1, 11]]);
});

Deno.test("clipPixelValues() resizes the shortest edge with the configured Pillow filter", () => {
  const img = ramp(6, 3);
  const out = clipPixelValues(img, rawConfig(2, 2, "bicubic"));
  // 6×3 → 4×2 (int(2 · 6 / 3) = 4), then columns 1..2.
  const resized = pillowResize(img, 4, 2, "bicubic");
  const want = [0, 1].map((y) => [1, 2].map((x) => resized.data[(y * 4 + x) * 3]!));
  assert.deepEqual(plane(out, 0, 2, 2), want);
});

Deno.test("clipPixelValues() rescales then normalises each channel with its own mean and std", () => {
  const img: RgbImage = { width: 1, height: 1, data: new Uint8Array([255, 0, 51]) };
  const cfg: ClipPreprocessorConfig = {
    ...rawConfig(1, 1),
    rescaleFactor: 1 / 255,
    imageMean: [0.5, 0.25, 0.2],
    imageStd: [0.5, 0.25, 0.1],
  };
  assert.deepEqual([...clipPixelValues(img, cfg)], [1, -1, 0].map(Math.fround));
});

Deno.test("pillowCrop() truncates the box like int() and fills outside the image with black", () => {
  const img = ramp(3, 2);
  const crop = pillowCrop(img, [-1, 1.9, 2.7, 3]);
  // int(): [-1, 1, 2, 3] → 3×2, column 0 and row 1 outside the image.
  assert.equal(crop.width, 3);
  assert.equal(crop.height, 2);
  assert.deepEqual([...crop.data], [0, 0, 0, 1, 100, 201, 11, 101, 201, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.throws(() => pillowCrop(img, [1, 1, 1.5, 2]), {
    message: 'Cannot crop box "[1,1,1.5,2]": it is empty in whole pixels',
  });
});

Deno.test("roiPixelValues() crops the original image and resizes it with BILINEAR, not the config's filter", () => {
  // Row [10, 20, 30, 40] → 2 wide: bilinear gives 17, 33 (3/7, 3/7, 1/7 weights); bicubic would give 16.
  const img: RgbImage = { width: 5, height: 1, data: new Uint8Array(15) };
  [99, 10, 20, 30, 40].forEach((v, x) => (img.data[x * 3] = v));
  const out = roiPixelValues(img, [1, 0, 5, 1], rawConfig(2, 2, "bicubic"));
  assert.deepEqual(plane(out, 0, 2, 2), [[17, 33], [17, 33]]);
});

Deno.test("roiPixelValues() on the fixture equals crop → 84×84 bilinear → CLIP processing", async () => {
  const cfg = await loadPreprocessorConfig(FIXTURE);
  const img = await loadImage(join(FIXTURE, "cases", "wide.png"));
  const box: [number, number, number, number] = [30, 10, 100, 61];
  const crop = pillowCrop(img, box);
  const want = clipPixelValues(pillowResize(crop, 84, 84, "bilinear"), cfg);
  assert.deepEqual(roiPixelValues(img, box, cfg), want);
  assert.equal(want.length, 3 * 84 * 84);
});

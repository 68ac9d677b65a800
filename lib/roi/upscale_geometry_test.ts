import assert from "node:assert/strict";
import { gridBoxToSource } from "../image/resize.ts";
import { proposeRoi } from "./propose.ts";
import { gridBoxToSourceBox, type GridGeometry, roiCrops } from "./upscale_geometry.ts";

Deno.test("gridBoxToSourceBox() is resize.ts's gridBoxToSource (same §5.6 semantics, not a copy)", () => {
  assert.equal(gridBoxToSourceBox, gridBoxToSource);
});

Deno.test("gridBoxToSourceBox() undoes the letterbox, divides by the ratio, clamps and truncates", () => {
  // 200×100 image in a 64 square: r = 0.32, padding 16 above; cell = 8 px on a grid of 8.
  const lb = { ratio: 0.32, padX: 0, padY: 16 };
  // x: 16/0.32 = 50, 40/0.32 = 125; y: (24−16)/0.32 = 25, (48−16)/0.32 = 100.
  assert.deepEqual(gridBoxToSourceBox([2, 3, 5, 6], 8, 64, lb, 200, 100), [50, 25, 125, 100]);
  // A row in the top padding maps to an empty box on the border.
  assert.deepEqual(gridBoxToSourceBox([0, 0, 8, 1], 8, 64, lb, 200, 100), [0, 0, 200, 0]);
  // Truncation: (8−4)/0.3 = 13.3 → 13, (24−4)/0.3 = 66.7 → 66, 16/0.3 = 53.3 → 53, 32/0.3 = 106.7 → 106.
  assert.deepEqual(
    gridBoxToSourceBox([1, 2, 3, 4], 8, 64, { ratio: 0.3, padX: 4, padY: 0 }, 200, 213),
    [13, 53, 66, 106],
  );
});

const geometry: GridGeometry = {
  grid: 8,
  encoderSize: 64,
  letterbox: { ratio: 1, padX: 0, padY: 0 },
  width: 64,
  height: 64,
};

Deno.test("roiCrops() gives nothing, one all-token crop, or the masked crop per path", () => {
  assert.deepEqual(roiCrops({ path: "none", boxes: [], keptTokens: [] }, geometry), []);
  assert.deepEqual(roiCrops({ path: "box", boxes: [[2, 2, 5, 5]], keptTokens: [] }, geometry), [
    { gridBox: [2, 2, 5, 5], sourceBox: [16, 16, 40, 40], keptTokens: null },
  ]);
  // The two-pair case of propose_test.ts: mask box [2, 2, 6, 6) → pixels 16..48.
  const roi = proposeRoi(
    (() => {
      const l = new Float64Array(64).fill(-40);
      for (const i of [18, 19, 44, 45]) l[i] = 40;
      return l;
    })(),
    8,
    { threshold: 0.3, maxArea: 225 },
  );
  const crops = roiCrops(roi, geometry);
  assert.deepEqual(crops, [{
    gridBox: [2, 2, 6, 6],
    sourceBox: [16, 16, 48, 48],
    keptTokens: [0, 1, 2, 3, 8, 9, 10, 11, 52, 53, 54, 55, 60, 61, 62, 63],
  }]);
  assert.notEqual(crops[0]!.keptTokens, roi.keptTokens);
  // Box-only ablation: one all-token crop per surviving box.
  assert.deepEqual(roiCrops(roi, geometry, { boxOnly: true }), [
    { gridBox: [1, 1, 4, 4], sourceBox: [8, 8, 32, 32], keptTokens: null },
    { gridBox: [3, 4, 6, 7], sourceBox: [24, 32, 48, 56], keptTokens: null },
  ]);
});

Deno.test("roiCrops() rejects a mask-path proposal without a mask box", () => {
  assert.throws(
    () => roiCrops({ path: "mask", boxes: [[0, 0, 3, 3], [4, 4, 7, 7]], keptTokens: [0] }, geometry),
    { message: 'Invalid proposal "mask": the mask path needs a mask box' },
  );
});

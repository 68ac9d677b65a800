import assert from "node:assert/strict";
import {
  argmaxInBox,
  boxShare,
  cellCentre,
  lift,
  localiseHeads,
  localiseMap,
  massInBox,
  targetCells,
} from "./attention_localisation.ts";

// A 2×2 grid over a 4-px encoder input (cell = 2 px, centres at 1 and 3). An 8×8 image: ratio 0.5, no
// padding, so the centres are at source pixels 2 and 6.
const tiny = { grid: 2, size: 4 };

Deno.test("cellCentre() maps a cell's centre to source pixels through the letterbox", () => {
  assert.deepEqual([0, 1, 2, 3].map((j) => cellCentre(j, tiny, 8, 8)), [[2, 2], [6, 2], [2, 6], [6, 6]]);
  // An 8×4 image: ratio min(4/8, 4/4) = 0.5, inner 4×2, padY = (4 − 2) / 2 = 1. Row 0: y = (1 − 1) / 0.5 = 0;
  // row 1: y = (3 − 1) / 0.5 = 4, i.e. in the bottom padding (the image is 4 px tall).
  assert.deepEqual([0, 1, 2, 3].map((j) => cellCentre(j, tiny, 8, 4)), [[2, 0], [6, 0], [2, 4], [6, 4]]);
  assert.throws(() => cellCentre(4, tiny, 8, 8), /Invalid cell "4"/);
});

Deno.test("targetCells() takes the cells whose centre lies in the box, end exclusive", () => {
  assert.deepEqual(targetCells({ width: 8, height: 8, box: [0, 0, 4, 4] }, tiny), [0]);
  assert.deepEqual(targetCells({ width: 8, height: 8, box: [2, 2, 7, 7] }, tiny), [0, 1, 2, 3]);
  // x1 = y1 = 6 is the exclusive end: the centres at 6 are outside.
  assert.deepEqual(targetCells({ width: 8, height: 8, box: [2, 2, 6, 6] }, tiny), [0]);
  // Centres in the letterbox padding are never on the target, even for a box covering the whole image.
  assert.deepEqual(targetCells({ width: 8, height: 4, box: [0, 0, 8, 4] }, tiny), [0, 1]);
});

Deno.test("targetCells() on the real geometry: a 256×320 page in an 8×8 grid of a 64-px input", () => {
  // ratio = min(64/256, 64/320) = 0.2; inner width round(51.2) = 51, padX = ⌊(64 − 51) / 2⌋ = 6, padY = 0.
  // Column centres x = ((c + ½)·8 − 6) / 0.2 → c = 0: −10 (padding), 1: 30, 2: 70; rows y = 20 + 40r.
  const page = { width: 256, height: 320 };
  assert.deepEqual(cellCentre(0, { grid: 8, size: 64 }, 256, 320), [-10, 20]);
  assert.deepEqual(cellCentre(9, { grid: 8, size: 64 }, 256, 320), [30, 60]);
  // Box [25, 75) × [15, 65) holds x ∈ {30, 70} and y ∈ {20, 60}: cells 1, 2, 9, 10.
  assert.deepEqual(targetCells({ ...page, box: [25, 15, 75, 65] }, { grid: 8, size: 64 }), [1, 2, 9, 10]);
});

Deno.test("targetCells() falls back to the cell holding the box's centre when no centre lies in it", () => {
  // [0, 1) × [3, 4) holds no centre (they are at 2 and 6); its centre (0.5, 3.5) is encoder (0.25, 1.75) →
  // cell (row 0, column 0).
  assert.deepEqual(targetCells({ width: 8, height: 8, box: [0, 3, 1, 4] }, tiny), [0]);
  // [7, 8) × [7, 8): centre (7.5, 7.5) → encoder (3.75, 3.75) → cell (row 1, column 1) = 3.
  assert.deepEqual(targetCells({ width: 8, height: 8, box: [7, 7, 8, 8] }, tiny), [3]);
  // On the page above: [0, 10) × [0, 10) (left of column 1's centre, above row 0's): centre (5, 5) →
  // encoder (6 + 5·0.2, 5·0.2) = (7, 1) → column 0, row 0.
  assert.deepEqual(targetCells({ width: 256, height: 320, box: [0, 0, 10, 10] }, { grid: 8, size: 64 }), [0]);
  assert.throws(() => targetCells({ width: 8, height: 8, box: [3, 3, 3, 5] }, tiny), /Invalid box/);
});

Deno.test("massInBox(), boxShare(), argmaxInBox() and lift() on hand-made maps", () => {
  const map = [0.125, 0.25, 0.125, 0.5];
  assert.equal(massInBox(map, [1, 3]), 0.75); // (0.25 + 0.5) / 1
  assert.equal(boxShare([1, 3], 4), 0.5);
  assert.equal(argmaxInBox(map, [1, 3]), true); // peak at cell 3
  assert.equal(argmaxInBox(map, [0, 1]), false);
  assert.equal(lift(0.75, 0.5), 1.5);
  // Mass is a share of the map's own total, which is below 1 for attention (the rest went to text columns):
  // 0.05 / (0.05 + 0.05 + 0 + 0.1) = 0.25.
  assert.equal(massInBox([0.05, 0.05, 0, 0.1], [0]), 0.25);
  // Ties: the first largest cell is the peak.
  assert.equal(argmaxInBox([0.3, 0.3, 0, 0], [1]), false);
  assert.equal(argmaxInBox([0.3, 0.3, 0, 0], [0]), true);
  // An all-zero map has no mass and no peak; lift is 0 when the box share is 0.
  assert.equal(massInBox([0, 0, 0, 0], [0]), 0);
  assert.equal(argmaxInBox([0, 0, 0, 0], [0]), false);
  assert.equal(lift(0.3, 0), 0);
});

Deno.test("localiseMap() and localiseHeads() bundle the measures per map and per head", () => {
  // A uniform map has lift 1 whatever the box.
  assert.deepEqual(localiseMap([0.25, 0.25, 0.25, 0.25], [2]), {
    massInBox: 0.25,
    boxShare: 0.25,
    argmaxInBox: false,
    lift: 1,
  });
  // [H = 2, N = 4]: head 0 puts everything on cell 1 (the target), head 1 on cell 0.
  assert.deepEqual(localiseHeads([0, 1, 0, 0, 1, 0, 0, 0], 2, [1]), [
    { massInBox: 1, boxShare: 0.25, argmaxInBox: true, lift: 4 },
    { massInBox: 0, boxShare: 0.25, argmaxInBox: false, lift: 0 },
  ]);
  assert.throws(() => localiseHeads([0, 1, 0], 2, [1]), /not a multiple of 2 heads/);
});

import assert from "node:assert/strict";
import {
  bilinearResize,
  binaryBox,
  BLUR_KERNEL,
  componentBoxes,
  connectedComponents,
  gaussianBlur3,
  maskedUpscale,
  maskKeptTokens,
  proposeRoi,
} from "./propose.ts";

// Hand values of the kernel: a = e^{-1/2} / (1 + 2e^{-1/2}), b = 1 / (1 + 2e^{-1/2}).
const A = 0.274068619061197;
const B = 0.451862761877606;

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol, `index ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

/** Logits on a grid×grid map: −40 (p ≈ 0) everywhere, +40 (p ≈ 1) at `cells` ([row, col]). */
function logitsAt(grid: number, cells: [number, number][]): Float64Array {
  const l = new Float64Array(grid * grid).fill(-40);
  for (const [r, c] of cells) l[r * grid + c] = 40;
  return l;
}

/** Row-major indices of the set cells of a binary map. */
function onCells(binary: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < binary.length; i++) if (binary[i]) out.push(i);
  return out;
}

Deno.test("BLUR_KERNEL is the normalised sigma=1 Gaussian [0.2741, 0.4519, 0.2741]", () => {
  close(BLUR_KERNEL, [0.2741, 0.4519, 0.2741], 1e-4);
  close(BLUR_KERNEL, [A, B, A], 1e-15);
  assert.ok(Math.abs(BLUR_KERNEL[0] + BLUR_KERNEL[1] + BLUR_KERNEL[2] - 1) < 1e-15);
});

Deno.test("gaussianBlur3() uses reflect padding: a border cell sees its inner neighbour twice", () => {
  // A 1 just below the corner: the corner gets it from row -1 (reflected to row 1) and row 1.
  const below = new Float64Array(16);
  below[1 * 4 + 0] = 1;
  const out = gaussianBlur3(below, 4);
  close([out[0]!], [0.2476828063], 1e-9); // 2ab
  close([out[4]!, out[8]!, out[5]!, out[1]!], [B * B, A * B, A * B, 2 * A * A], 1e-15);
  // A 1 in the corner: b² there (its reflected neighbours are zeros), ab beside it.
  const corner = new Float64Array(16);
  corner[0] = 1;
  const c = gaussianBlur3(corner, 4);
  close(
    [c[0]!, c[1]!, c[4]!, c[5]!, c[2]!],
    [0.2041799556, 0.1238414032, 0.1238414032, 0.0751136080, 0],
    1e-9,
  );
  assert.deepEqual(Array.from(corner), [1, ...new Array(15).fill(0)]);
});

Deno.test("gaussianBlur3() keeps a linear ramp inside and bends it at the reflected corner", () => {
  // v(r, c) = 3r + c + 1 on 3×3. The symmetric kernel preserves it at the centre (5); at (0,0) the
  // reflection gives 1 + 8a = 3.1925489525.
  const ramp = [1, 2, 3, 4, 5, 6, 7, 8, 9];
  const out = gaussianBlur3(ramp, 3);
  close([out[4]!, out[0]!], [5, 3.1925489525], 1e-9);
  close(gaussianBlur3(new Float64Array(25).fill(0.5), 5), new Float64Array(25).fill(0.5), 1e-15);
  assert.throws(() => gaussianBlur3([1, 2, 3], 2), {
    message: 'Invalid map length "3": expected 4 for grid "2"',
  });
});

Deno.test("connectedComponents() uses 8-connectivity and row-major order of first cells", () => {
  // deno-fmt-ignore
  const binary = [
    1, 0, 0, 1,
    0, 1, 0, 1,
    0, 0, 0, 0,
    1, 1, 0, 0,
  ];
  assert.deepEqual(connectedComponents(binary, 4), [
    { cells: [0, 5], box: [0, 0, 2, 2] },
    { cells: [3, 7], box: [3, 0, 4, 2] },
    { cells: [12, 13], box: [0, 3, 2, 4] },
  ]);
  assert.deepEqual(connectedComponents(new Uint8Array(9), 3), []);
});

Deno.test("componentBoxes() counts area in cells: drops 1, enlarges 2-3 to >= 3 per side, keeps 4+", () => {
  const g = 6;
  const bin = (cells: [number, number][]) => {
    const b = new Uint8Array(g * g);
    for (const [r, c] of cells) b[r * g + c] = 1;
    return b;
  };
  assert.deepEqual(componentBoxes(bin([[2, 2]]), g, 225), []);
  // L of 3 cells, box 2×2 around centre (2, 2) → 3×3 starting at floor(2 − 1.5) = 0.
  assert.deepEqual(componentBoxes(bin([[1, 1], [1, 2], [2, 1]]), g, 225), [[0, 0, 3, 3]]);
  // 1×3 line: already 3 wide; height 1 → rows floor(3.5 − 1.5) = 2 .. 5.
  assert.deepEqual(componentBoxes(bin([[3, 1], [3, 2], [3, 3]]), g, 225), [[1, 2, 4, 5]]);
  // 1×4 line: 4 cells, kept as its thin box.
  assert.deepEqual(componentBoxes(bin([[3, 1], [3, 2], [3, 3], [3, 4]]), g, 225), [[1, 3, 5, 4]]);
  // Diagonal of 4 cells: box area 16 > maxArea 10, but 4 cells ≤ 10 → kept.
  assert.deepEqual(componentBoxes(bin([[0, 0], [1, 1], [2, 2], [3, 3]]), g, 10), [[0, 0, 4, 4]]);
  assert.deepEqual(componentBoxes(bin([[0, 0], [1, 1], [2, 2], [3, 3]]), g, 3), []);
  // Grids narrower than 3 cells: the box is the whole axis.
  assert.deepEqual(componentBoxes([1, 1, 0, 0], 2, 225), [[0, 0, 2, 2]]);
});

Deno.test("proposeRoi() drops a single isolated cell (path none)", () => {
  // Alone, a p = 1 cell blurs to b² = 0.204 > 0.15; its neighbours to ab = 0.124 and a² = 0.075.
  const logits = logitsAt(8, [[3, 3]]);
  const before = Array.from(logits);
  const roi = proposeRoi(logits, 8, { threshold: 0.15, maxArea: 225 });
  assert.deepEqual(onCells(roi.binary), [27]);
  assert.equal(roi.path, "none");
  assert.deepEqual(roi.boxes, []);
  assert.deepEqual(roi.keptTokens, []);
  assert.equal(roi.maskBox, undefined);
  assert.deepEqual(Array.from(logits), before);
  close([roi.blurred[27]!], [B * B], 1e-12);
});

Deno.test("proposeRoi() enlarges a 2-cell component to 3x3 (box path)", () => {
  // A horizontal pair blurs to b(a + b) = 0.328 on itself, a(a + b) = 0.199 above/below, ab at the ends.
  const roi = proposeRoi(logitsAt(8, [[3, 3], [3, 4]]), 8, { threshold: 0.3, maxArea: 225 });
  assert.deepEqual(onCells(roi.binary), [27, 28]);
  assert.equal(roi.path, "box");
  // x: [3, 5) centre 4 → [2, 5); y: [3, 4) centre 3.5 → [2, 5).
  assert.deepEqual(roi.boxes, [[2, 2, 5, 5]]);
  assert.deepEqual(roi.keptTokens, []);
  assert.equal(roi.maskBox, undefined);
});

Deno.test("proposeRoi() keeps an enlarged box 3 wide at the grid corners and edges", () => {
  const opts = { threshold: 0.3, maxArea: 225 };
  const topLeft = proposeRoi(logitsAt(6, [[0, 0], [0, 1]]), 6, opts);
  assert.deepEqual(onCells(topLeft.binary), [0, 1]);
  assert.deepEqual(topLeft.boxes, [[0, 0, 3, 3]]);
  const bottomRight = proposeRoi(logitsAt(6, [[5, 4], [5, 5]]), 6, opts);
  assert.deepEqual(onCells(bottomRight.binary), [34, 35]);
  assert.deepEqual(bottomRight.boxes, [[3, 3, 6, 6]]);
  const rightEdge = proposeRoi(logitsAt(6, [[2, 5], [3, 5]]), 6, opts);
  assert.deepEqual(onCells(rightEdge.binary), [17, 23]);
  assert.deepEqual(rightEdge.boxes, [[3, 1, 6, 4]]);
});

Deno.test("proposeRoi() treats a diagonal pair as 2 cells (enlarged), not as a 2x2 box of area 4", () => {
  // Each diagonal cell blurs to b² + a² = 0.279 > 0.26; the two cells between get 2ab = 0.248.
  const roi = proposeRoi(logitsAt(6, [[2, 2], [3, 3]]), 6, { threshold: 0.26, maxArea: 225 });
  assert.deepEqual(onCells(roi.binary), [14, 21]);
  assert.deepEqual(roi.boxes, [[1, 1, 4, 4]]);
});

Deno.test("proposeRoi() keeps a component of exactly maxArea cells and drops a larger one", () => {
  const block: [number, number][] = [];
  for (let r = 2; r < 5; r++) for (let c = 2; c < 5; c++) block.push([r, c]);
  // Outside the block the blur stays ≤ a = 0.274 < 0.3, so the binary map is the 9-cell block.
  const kept = proposeRoi(logitsAt(8, block), 8, { threshold: 0.3, maxArea: 9 });
  assert.equal(onCells(kept.binary).length, 9);
  assert.equal(kept.path, "box");
  assert.deepEqual(kept.boxes, [[2, 2, 5, 5]]);
  const dropped = proposeRoi(logitsAt(8, block), 8, { threshold: 0.3, maxArea: 8 });
  assert.equal(dropped.path, "none");
  assert.deepEqual(dropped.boxes, []);
});

Deno.test("proposeRoi() takes the mask path for two components (keptTokens by hand)", () => {
  const roi = proposeRoi(logitsAt(8, [[2, 2], [2, 3], [5, 4], [5, 5]]), 8, { threshold: 0.3, maxArea: 225 });
  assert.deepEqual(onCells(roi.binary), [18, 19, 44, 45]);
  assert.equal(roi.path, "mask");
  assert.deepEqual(roi.boxes, [[1, 1, 4, 4], [3, 4, 6, 7]]);
  assert.deepEqual(roi.maskBox, [2, 2, 6, 6]);
  // Crop rows [1,1,0,0], 0, 0, [0,0,1,1] → 8×8 (scale 1/2): row 0 = [1,1,1,.75,.25,0,0,0],
  // row 1 = .75·row 0, row 2 = .25·row 0, rows 3-4 = 0, then the mirror image for rows 5-7.
  assert.deepEqual(roi.keptTokens, [0, 1, 2, 3, 8, 9, 10, 11, 52, 53, 54, 55, 60, 61, 62, 63]);
});

Deno.test("proposeRoi() mask box covers ALL binary cells, including a dropped single cell", () => {
  // τ = 0.2 lies between a(a + b) = 0.199 and b² = 0.204: a lone cell survives thresholding alone.
  const roi = proposeRoi(logitsAt(8, [[0, 7], [2, 2], [2, 3], [5, 4], [5, 5]]), 8, {
    threshold: 0.2,
    maxArea: 225,
  });
  assert.deepEqual(onCells(roi.binary), [7, 18, 19, 44, 45]);
  assert.equal(roi.path, "mask");
  assert.deepEqual(roi.boxes, [[1, 1, 4, 4], [3, 4, 6, 7]]);
  assert.deepEqual(roi.maskBox, [2, 0, 8, 6]);
  // 6×6 crop → 8×8 (scale 3/4): source rows 0, .625, 1.375, 2.125, 2.875, 3.625, 4.375, 5.
  // Output row 0 = crop row 0 → col 7; row 3 = .875·crop row 2 → [.875, .875, .547]; row 7 = crop
  // row 5 → [0, 0, .375, 1, 1, .375, 0, 0].
  assert.deepEqual(roi.keptTokens, [7, 24, 25, 26, 59, 60]);

  // With only one pair the single cell is still dropped: one survivor → box path.
  const one = proposeRoi(logitsAt(8, [[0, 7], [2, 2], [2, 3]]), 8, { threshold: 0.2, maxArea: 225 });
  assert.equal(one.path, "box");
  assert.deepEqual(one.boxes, [[1, 1, 4, 4]]);
  assert.deepEqual(one.keptTokens, []);
  assert.equal(one.maskBox, undefined);
});

Deno.test("proposeRoi() reads a negative threshold as relative to the blurred maximum", () => {
  const logits = logitsAt(8, [[3, 3], [3, 4]]);
  // max = b(a + b) = 0.328; −0.5 → cut 0.164, which admits the a(a + b) = 0.199 cells above and below.
  const rel = proposeRoi(logits, 8, { threshold: -0.5, maxArea: 225 });
  assert.deepEqual(onCells(rel.binary), [19, 20, 27, 28, 35, 36]);
  assert.equal(rel.path, "box");
  assert.deepEqual(rel.boxes, [[3, 2, 5, 5]]);
  // The same magnitude as an absolute threshold keeps nothing.
  assert.equal(proposeRoi(logits, 8, { threshold: 0.5, maxArea: 225 }).path, "none");
  // −1: nothing is strictly above the maximum.
  assert.deepEqual(onCells(proposeRoi(logits, 8, { threshold: -1, maxArea: 225 }).binary), []);
});

Deno.test("proposeRoi() rejects bad input with exact messages", () => {
  assert.throws(() => proposeRoi([0, 0, 0], 2, { threshold: 0.1, maxArea: 4 }), {
    message: 'Invalid logit map length "3": expected 4 for grid "2"',
  });
  assert.throws(() => proposeRoi([0, 0, 0, 0], 2, { threshold: NaN, maxArea: 4 }), {
    message: 'Invalid threshold "NaN": expected a finite number',
  });
  assert.throws(() => proposeRoi([0, NaN, 0, 0], 2, { threshold: 0.1, maxArea: 4 }), {
    message: 'Invalid logit "NaN" at index 1: expected a number',
  });
});

Deno.test("bilinearResize() matches align_corners=false: [[1,2],[3,4]] → 4x4", () => {
  const src = [1, 2, 3, 4];
  // deno-fmt-ignore
  assert.deepEqual(Array.from(bilinearResize(src, 2, 2, 4, 4)), [
    1, 1.25, 1.75, 2,
    1.5, 1.75, 2.25, 2.5,
    2.5, 2.75, 3.25, 3.5,
    3, 3.25, 3.75, 4,
  ]);
  assert.deepEqual(src, [1, 2, 3, 4]);
  // Downscale (no antialias): source x = 0.5 and 2.5.
  assert.deepEqual(Array.from(bilinearResize([0, 1, 2, 3], 1, 4, 1, 2)), [0.5, 2.5]);
  assert.deepEqual(Array.from(bilinearResize([7, 8, 9, 10], 2, 2, 2, 2)), [7, 8, 9, 10]);
});

Deno.test("bilinearResize() 4x4 → 6x6 gives 5/6 and 1/6 weights and an exact 0.5 tie", () => {
  const crop = [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1];
  const out = bilinearResize(crop, 4, 4, 6, 6);
  close(out.slice(0, 6), [1, 1, 5 / 6, 1 / 6, 0, 0], 1e-15);
  // Output row 1 samples source row 0.5: exactly half of row 0, so 0.5 — not kept by "> 0.5".
  assert.deepEqual(Array.from(out.slice(6, 8)), [0.5, 0.5]);
  close(out.slice(30, 36), [0, 0, 1 / 6, 5 / 6, 1, 1], 1e-15);
  assert.deepEqual(maskKeptTokens(crop, 4, [0, 0, 4, 4]), [0, 1, 14, 15]); // whole grid, G = 4: identity
  assert.throws(() => bilinearResize([1, 2, 3], 2, 2, 4, 4), {
    message: 'Invalid source length "3": expected 4 for 2x2',
  });
  assert.throws(() => bilinearResize([1], 1, 1, 0, 4), {
    message: 'Invalid outH "0": expected a positive integer',
  });
});

Deno.test("maskKeptTokens() and binaryBox() on a hand-made binary map", () => {
  // deno-fmt-ignore
  const binary = [
    0, 0, 0, 0,
    0, 1, 0, 0,
    0, 0, 0, 0,
    0, 0, 0, 1,
  ];
  assert.deepEqual(binaryBox(binary, 4), [1, 1, 4, 4]);
  assert.equal(binaryBox(new Uint8Array(4), 2), null);
  // Crop 3×3 [1,0,0 / 0,0,0 / 0,0,1] → 4×4 (scale 3/4): sources 0, .625, 1.375, 2; only the corners
  // stay above 0.5 (next to them: .375).
  assert.deepEqual(maskKeptTokens(binary, 4, [1, 1, 4, 4]), [0, 15]);
  assert.deepEqual(maskedUpscale(binary, 4, [1, 1, 4, 4]), [0, 15], "the paper's name, same function");
  assert.throws(() => maskKeptTokens(binary, 4, [1, 1, 5, 4]), {
    message: 'Invalid mask box "1,1,5,4": expected a non-empty box inside the 4x4 grid',
  });
});

import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { vicropWindow } from "./vicrop_window.ts";

// 4×4 hand map: a peak of 5 at (row 1, col 1) and an L of three 1s in the bottom-right corner.
// deno-fmt-ignore
const MAP = [
  0, 0, 0, 0,
  0, 5, 0, 0,
  0, 0, 0, 1,
  0, 0, 1, 1,
];

Deno.test("vicropWindow() prefers the smaller window when sums tie", () => {
  // Size 1: the peak, 5. Size 2: every window holding the peak sums to 5 (the L gives 3).
  const before = [...MAP];
  assert.deepEqual(vicropWindow(MAP, 4, [1, 2]), { box: [1, 1, 2, 2], sum: 5, size: 1, score: 5 });
  assert.deepEqual(MAP, before);
  // Among equal size-2 windows the first in row-major order wins: top-left (0, 0).
  assert.deepEqual(vicropWindow(MAP, 4, [2]).box, [0, 0, 2, 2]);
});

Deno.test("vicropWindow() picks the max summed attention over all sizes", () => {
  // Size 3 windows: (0,0) 5, (1,0) 6, (0,1) 6, (1,1) 5 + 3 = 8.
  const best = { box: [1, 1, 4, 4], sum: 8, size: 3, score: 8 };
  assert.deepEqual(vicropWindow(MAP, 4, [1, 2, 3]), best);
  assert.deepEqual(vicropWindow(MAP, 4, [3, 1]), best);
  assert.deepEqual(vicropWindow(MAP, 4, [4]), { box: [0, 0, 4, 4], sum: 8, size: 4, score: 8 });
});

Deno.test("vicropWindow() breaks position ties in row-major order (row first)", () => {
  const map = new Float64Array(16);
  map[0 * 4 + 3] = 2; // (row 0, col 3)
  map[2 * 4 + 0] = 2; // (row 2, col 0): first in a column-major scan, second in row-major
  assert.deepEqual(vicropWindow(map, 4, [1]).box, [3, 0, 4, 1]);
});

Deno.test("vicropWindow() sharpness rule: (max − mean of shifted windows) / size²", () => {
  // Size 1: 5 vs neighbours 0 → 5. Size 2: 5 at (0,0) vs right 5, down 5 → 0.
  // Size 3: 8 at (1,1) vs left 6, up 6 → 2/9. Size 1 wins.
  assert.deepEqual(vicropWindow(MAP, 4, [1, 2, 3], { select: "sharpness" }), {
    box: [1, 1, 2, 2],
    sum: 5,
    size: 1,
    score: 5,
  });
  const r = vicropWindow(MAP, 4, [2, 3], { select: "sharpness" });
  assert.deepEqual([r.box, r.sum, r.size], [[1, 1, 4, 4], 8, 3]);
  assert.ok(Math.abs(r.score - 2 / 9) < 1e-15);
  // A full-grid window has no neighbour: −∞, chosen only when nothing else is offered.
  assert.deepEqual(vicropWindow(MAP, 4, [4], { select: "sharpness" }), {
    box: [0, 0, 4, 4],
    sum: 8,
    size: 4,
    score: -Infinity,
  });
});

Deno.test("vicropWindow() agrees with a brute-force search on a random map", () => {
  const rng = new Rng(7);
  const grid = 7;
  const map = Array.from({ length: grid * grid }, () => rng.next());
  const sizes = [2, 3, 5];
  let expected = { box: [0, 0, 0, 0], sum: -Infinity };
  for (const s of sizes) {
    for (let y = 0; y + s <= grid; y++) {
      for (let x = 0; x + s <= grid; x++) {
        let sum = 0;
        for (let r = y; r < y + s; r++) for (let c = x; c < x + s; c++) sum += map[r * grid + c]!;
        if (sum > expected.sum + 1e-9) expected = { box: [x, y, x + s, y + s], sum };
      }
    }
  }
  const got = vicropWindow(map, grid, sizes);
  assert.deepEqual(got.box, expected.box);
  assert.ok(Math.abs(got.sum - expected.sum) < 1e-9);
});

Deno.test("vicropWindow() rejects bad sizes and maps with exact messages", () => {
  assert.throws(() => vicropWindow(MAP, 4, []), {
    message: 'Invalid window sizes "": expected at least one size',
  });
  assert.throws(() => vicropWindow(MAP, 4, [5]), {
    message: 'Invalid window size "5": expected an integer in [1, 4]',
  });
  assert.throws(() => vicropWindow(MAP, 4, [1.5]), {
    message: 'Invalid window size "1.5": expected an integer in [1, 4]',
  });
  assert.throws(() => vicropWindow([1, 2, 3], 2, [1]), {
    message: 'Invalid map length "3": expected 4 for grid "2"',
  });
  assert.throws(() => vicropWindow([0, Infinity, 0, 0], 2, [1]), {
    message: 'Invalid map value "Infinity" at index 1: expected a finite number',
  });
});

import assert from "node:assert/strict";
import { assignLabels, fgBox, IGNORE, labelAssignment, labelStats } from "./labels.ts";
import { removeSinks } from "./sinks.ts";

/** Expected labels from rows of "1", "0" and "." (IGNORE), space-separated. */
function expectLabels(rows: string[]): number[] {
  return rows.flatMap((row) => row.trim().split(/\s+/).map((t) => (t === "." ? IGNORE : Number(t))));
}

/** A grid×grid map of zeros with `cells` ([row, col, value]) set. */
function mapWith(grid: number, cells: [number, number, number][]): Float64Array {
  const m = new Float64Array(grid * grid);
  for (const [r, c, v] of cells) m[r * grid + c] = v;
  return m;
}

Deno.test("IGNORE is the released code's -100", () => {
  assert.equal(IGNORE, -100);
});

Deno.test("assignLabels() excludes values exactly at tau_fg*M from fg and at tau_bg*M from bg", () => {
  // M = 10: fg needs > 2, bg needs < 1 (and outside the box). The box is the single fg cell (0,0).
  const map = mapWith(4, [[0, 0, 10], [0, 1, 2], [2, 0, 1], [2, 1, 0.999]]);
  const before = Array.from(map);
  const labels = assignLabels(map, 4);
  assert.deepEqual(
    Array.from(labels),
    expectLabels([
      "1 . 0 0",
      "0 0 0 0",
      ". 0 0 0",
      "0 0 0 0",
    ]),
  );
  assert.deepEqual(Array.from(map), before);
  assert.ok(labels instanceof Int32Array);

  // Just above the cut the cell is fg and the box grows to cover it.
  map[1] = 2.000001;
  const grown = labelAssignment(map, 4);
  assert.deepEqual(grown.box, [0, 0, 2, 1]);
  assert.equal(grown.area, 2);
  assert.deepEqual(Array.from(grown.labels.slice(0, 4)), [1, 1, 0, 0]);
});

Deno.test("assignLabels() makes a zeroed sink background outside the box and IGNORE inside it", () => {
  const grounding = mapWith(5, [[0, 4, 50], [1, 1, 8], [2, 2, 40], [3, 3, 10]]);
  const sinkMap = new Float64Array(25).fill(1e-4);
  sinkMap[4] = 0.5; // (0,4): outside the box of the real fg
  sinkMap[12] = 0.5; // (2,2): inside it
  const cleaned = removeSinks(grounding, sinkMap, 0.01);
  // After removal M = 10: fg = {8, 10} → box rows 1..3, cols 1..3 (area 9 < 12.5).
  assert.deepEqual(
    Array.from(assignLabels(cleaned, 5)),
    expectLabels([
      "0 0 0 0 0",
      "0 1 . . 0",
      "0 . . . 0",
      "0 . . 1 0",
      "0 0 0 0 0",
    ]),
  );
  // Without removal the sinks dominate: M = 50, fg = {50, 40}; 10 is exactly 0.2·M, so not fg.
  assert.deepEqual(
    Array.from(assignLabels(grounding, 5)),
    expectLabels([
      "0 0 . . 1",
      "0 . . . .",
      "0 0 1 . .",
      "0 0 0 . 0",
      "0 0 0 0 0",
    ]),
  );
});

Deno.test("assignLabels() ignores the whole sample when the box area equals max_ratio*N, labels it one below", () => {
  // Box rows 1..3, cols 0..3 on grid 5: area 12.
  const map = mapWith(5, [[1, 0, 4], [3, 3, 5]]);
  const atLimit = labelAssignment(map, 5, { maxRatio: 0.48 }); // 0.48·25 = 12
  assert.equal(atLimit.area, 12);
  assert.equal(atLimit.ignoredSample, true);
  assert.deepEqual(Array.from(atLimit.labels), new Array(25).fill(IGNORE));
  const below = labelAssignment(map, 5, { maxRatio: 0.52 }); // limit 13 > 12
  assert.equal(below.ignoredSample, false);
  assert.deepEqual(
    Array.from(below.labels),
    expectLabels([
      "0 0 0 0 0",
      "1 . . . 0",
      ". . . . 0",
      ". . . 1 0",
      "0 0 0 0 0",
    ]),
  );
});

Deno.test("assignLabels() on grid 24: 12x24 box (= 0.5·576) is ignored, 11x24 is labelled", () => {
  const labelled = labelAssignment(mapWith(24, [[2, 0, 1], [12, 23, 1]]), 24);
  assert.deepEqual(labelled.box, [0, 2, 24, 13]);
  assert.equal(labelled.area, 264);
  assert.deepEqual(labelStats(labelled.labels), { fg: 2, bg: 13 * 24, ignore: 262, ignoredSample: false });
  // Same box transposed: checks that rows and columns are not swapped.
  const transposed = labelAssignment(mapWith(24, [[0, 2, 1], [23, 12, 1]]), 24);
  assert.deepEqual(transposed.box, [2, 0, 13, 24]);
  assert.equal(transposed.labels[0 * 24 + 1], 0); // (0,1): left of the box
  assert.equal(transposed.labels[5 * 24 + 2], IGNORE); // (5,2): inside
  assert.equal(transposed.labels[5 * 24 + 13], 0); // (5,13): right of the box
  assert.deepEqual(labelStats(transposed.labels), { fg: 2, bg: 312, ignore: 262, ignoredSample: false });

  const ignored = labelAssignment(mapWith(24, [[2, 0, 1], [13, 23, 1]]), 24);
  assert.equal(ignored.area, 288);
  assert.deepEqual(labelStats(ignored.labels), { fg: 0, bg: 0, ignore: 576, ignoredSample: true });
});

Deno.test("assignLabels() on grid 8: a non-square box from two blobs, gaps inside it stay IGNORE", () => {
  // Blob A (rows 1-2, cols 1-2) and blob B (rows 3-4, col 4): one box rows 1..4 × cols 1..4 (16 < 32).
  // (6,6) = 0.9 is neither fg (> 1.2) nor bg (< 0.6). (0,7) = 0.5 is bg.
  const map = mapWith(8, [[1, 1, 5], [1, 2, 5], [2, 1, 5], [3, 4, 6], [4, 4, 6], [6, 6, 0.9], [0, 7, 0.5]]);
  const a = labelAssignment(map, 8);
  assert.deepEqual(a.box, [1, 1, 5, 5]);
  assert.equal(a.area, 16);
  assert.deepEqual(
    Array.from(a.labels),
    expectLabels([
      "0 0 0 0 0 0 0 0",
      "0 1 1 . . 0 0 0",
      "0 1 . . . 0 0 0",
      "0 . . . 1 0 0 0",
      "0 . . . 1 0 0 0",
      "0 0 0 0 0 0 0 0",
      "0 0 0 0 0 0 . 0",
      "0 0 0 0 0 0 0 0",
    ]),
  );
  // Rows ≠ cols: fg at (1,2) and (3,6) → 3 rows × 5 cols.
  const wide = labelAssignment(mapWith(8, [[1, 2, 1], [3, 6, 1]]), 8);
  assert.deepEqual(wide.box, [2, 1, 7, 4]);
  assert.equal(wide.area, 15);
  assert.deepEqual(fgBox(wide.labels, 8), [2, 1, 7, 4]);
  assert.deepEqual(labelStats(wide.labels), { fg: 2, bg: 64 - 15, ignore: 13, ignoredSample: false });
});

Deno.test("assignLabels() ignores an all-zero map (no fg → whole-grid box)", () => {
  const a = labelAssignment(new Float64Array(16), 4);
  assert.deepEqual(a.box, [0, 0, 4, 4]);
  assert.equal(a.area, 16);
  assert.equal(a.ignoredSample, true);
  assert.deepEqual(Array.from(a.labels), new Array(16).fill(IGNORE));
  assert.deepEqual(labelStats(a.labels), { fg: 0, bg: 0, ignore: 16, ignoredSample: true });
  assert.equal(fgBox(a.labels, 4), null);
  // Even with max_ratio > 1 nothing is labelled: no fg, and nothing lies outside the box.
  assert.deepEqual(Array.from(assignLabels(new Float64Array(4), 2, { maxRatio: 2 })), [
    IGNORE,
    IGNORE,
    IGNORE,
    IGNORE,
  ]);
});

Deno.test("assignLabels() honours custom thresholds", () => {
  // fg > 0.5·M = 5, bg < 0.3·M = 3.
  const map = mapWith(3, [[0, 0, 10], [0, 1, 5], [2, 2, 2.9], [2, 1, 3]]);
  assert.deepEqual(
    Array.from(assignLabels(map, 3, { fg: 0.5, bg: 0.3, maxRatio: 0.5 })),
    expectLabels([
      "1 . 0",
      "0 0 0",
      "0 . 0",
    ]),
  );
});

Deno.test("assignLabels() rejects bad input with exact messages", () => {
  assert.throws(() => assignLabels([1, 2, 3], 2), {
    message: 'Invalid map length "3": expected 4 for grid "2"',
  });
  assert.throws(() => assignLabels([1], 0), { message: 'Invalid grid "0": expected a positive integer' });
  assert.throws(() => assignLabels([0, -1, 0, 0], 2), {
    message: 'Invalid map value "-1" at index 1: expected a finite non-negative number',
  });
  assert.throws(() => assignLabels([0, NaN, 0, 0], 2), {
    message: 'Invalid map value "NaN" at index 1: expected a finite non-negative number',
  });
  assert.throws(() => assignLabels([0, 0, 0, 0], 2, { fg: NaN }), {
    message: 'Invalid fg threshold "NaN": expected a finite number',
  });
});

Deno.test("labelStats() and fgBox() read a label map", () => {
  const labels = [1, 0, IGNORE, 1, 0, 0, IGNORE, IGNORE, 0];
  assert.deepEqual(labelStats(labels), { fg: 2, bg: 4, ignore: 3, ignoredSample: false });
  assert.deepEqual(fgBox(labels, 3), [0, 0, 1, 2]);
  assert.throws(() => labelStats([1, 2]), { message: 'Invalid label "2" at index 1: expected 1, 0 or -100' });
  assert.throws(() => fgBox([1, 0], 2), { message: 'Invalid label map length "2": expected 4 for grid "2"' });
});

/**
 * Window search of the ViCrop-style training-free baseline (SD-RPN-SPEC §7): slide square windows
 * of several sizes over the G×G attention map and pick one, in O(G²) per size via a 2-D prefix sum
 * (integral image).
 *
 * Two selection rules:
 * - "sum" (default, the spec's "max summed attention"): the window with the largest sum over all
 *   sizes. Ties: the smaller window, then the first in row-major order of its top-left cell (y, then
 *   x). Sums are compared exactly, so mathematically equal sums that round differently are not ties.
 *   For a non-negative map a larger window never sums to less than a smaller one inside it, so this
 *   rule favours the largest size; "sharpness" is what makes several sizes meaningful.
 * - "sharpness" (ViCrop's released `bbox_from_att_image_adaptive`): per size, the max-sum window
 *   (same tie rule); its score is (sum − mean of the sums of the up-to-4 windows shifted by one
 *   cell) / size²; the size with the highest score wins (ties: the smaller size). A size with no
 *   shifted neighbour (size = G) scores −∞. ViCrop scans x-major; row-major is used here.
 */
import type { Box } from "../image/types.ts";
import { checkGridMap } from "./labels.ts";

/** The chosen window. */
export interface VicropWindow {
  /** Window in grid cells, exclusive end: [x0, y0, x0 + size, y0 + size). */
  box: Box;
  /** Summed attention inside the window. */
  sum: number;
  /** Window side in cells. */
  size: number;
  /** The selection score: the sum ("sum") or the sharpness ("sharpness"). */
  score: number;
}

/** Integral image: I[(r)(G+1) + c] = sum of map[0..r−1][0..c−1]. */
function integral(map: ArrayLike<number>, grid: number): Float64Array {
  const g1 = grid + 1;
  const ii = new Float64Array(g1 * g1);
  for (let r = 0; r < grid; r++) {
    let row = 0;
    for (let c = 0; c < grid; c++) {
      row += map[r * grid + c]!;
      ii[(r + 1) * g1 + c + 1] = ii[r * g1 + c + 1]! + row;
    }
  }
  return ii;
}

/**
 * ViCrop-style window: square windows of each size in `sizes` (cells, integers in [1, G]) over
 * the G×G map (row-major); see the module comment for the selection rules and ties.
 */
export function vicropWindow(
  map: ArrayLike<number>,
  grid: number,
  sizes: number[],
  options: { select?: "sum" | "sharpness" } = {},
): VicropWindow {
  checkGridMap(map, grid);
  if (sizes.length === 0) throw new Error(`Invalid window sizes "": expected at least one size`);
  for (const s of sizes) {
    if (!Number.isInteger(s) || s < 1 || s > grid) {
      throw new Error(`Invalid window size "${s}": expected an integer in [1, ${grid}]`);
    }
  }
  for (let i = 0; i < map.length; i++) {
    if (!Number.isFinite(map[i]!)) {
      throw new Error(`Invalid map value "${map[i]}" at index ${i}: expected a finite number`);
    }
  }
  const select = options.select ?? "sum";
  const ii = integral(map, grid);
  const g1 = grid + 1;
  const windowSum = (x: number, y: number, s: number) =>
    ii[(y + s) * g1 + x + s]! - ii[y * g1 + x + s]! - ii[(y + s) * g1 + x]! + ii[y * g1 + x]!;

  let best: VicropWindow | null = null;
  for (const s of [...new Set(sizes)].sort((p, q) => p - q)) {
    const span = grid - s + 1;
    let bx = 0, by = 0, bsum = -Infinity;
    for (let y = 0; y < span; y++) {
      for (let x = 0; x < span; x++) {
        const v = windowSum(x, y, s);
        if (v > bsum) [bx, by, bsum] = [x, y, v];
      }
    }
    let score = bsum;
    if (select === "sharpness") {
      const around: number[] = [];
      if (bx > 0) around.push(windowSum(bx - 1, by, s));
      if (bx < span - 1) around.push(windowSum(bx + 1, by, s));
      if (by > 0) around.push(windowSum(bx, by - 1, s));
      if (by < span - 1) around.push(windowSum(bx, by + 1, s));
      score = around.length === 0
        ? -Infinity
        : (bsum - around.reduce((p, q) => p + q, 0) / around.length) / (s * s);
    }
    // Sizes ascend and only a strictly better score replaces: ties keep the smaller window.
    if (best === null || score > best.score) {
      best = { box: [bx, by, bx + s, by + s], sum: bsum, size: s, score };
    }
  }
  return best!;
}

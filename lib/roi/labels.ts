/**
 * Label assignment (SD-RPN-SPEC §3): a sink-removed grounding map → ternary pseudo-labels
 * {1 = foreground, 0 = background, IGNORE} on the G×G visual grid, row-major.
 *
 * The rule is deliberately crude — one bounding box around every confident cell, confident
 * background only outside it, everything in between ignored — because the student is trained on
 * the teacher's own attention: cells the teacher is unsure about must not contribute any loss.
 */
import type { Box } from "../image/types.ts";

/**
 * The ignore label. The released code uses −100 (PyTorch's default `ignore_index`); the paper says
 * −1. Every consumer compares against this one constant.
 */
export const IGNORE = -100;

/** Thresholds of label assignment; defaults are the paper's. */
export interface LabelOptions {
  /** Foreground: a > fg·M (strict). Default 0.2. */
  fg?: number;
  /** Background: outside the box and a < bg·M (strict). Default 0.1. */
  bg?: number;
  /** The sample is labelled only if box area < maxRatio·N (strict). Default 0.5. */
  maxRatio?: number;
}

/** Label assignment with the intermediate quantities, for statistics and plots. */
export interface LabelAssignment {
  /** [G·G] row-major, values 1, 0 or IGNORE. */
  labels: Int32Array;
  /** Bounding box of all fg cells in grid cells, exclusive end (the whole grid when there is none). */
  box: Box;
  /** rows(box) · cols(box). */
  area: number;
  /** True when area ≥ maxRatio·N, i.e. every cell is IGNORE. */
  ignoredSample: boolean;
}

/** Throws unless `grid` is a positive integer and `map` has grid² entries. */
export function checkGridMap(map: ArrayLike<number>, grid: number, what = "map"): void {
  if (!Number.isInteger(grid) || grid < 1) {
    throw new Error(`Invalid grid "${grid}": expected a positive integer`);
  }
  if (map.length !== grid * grid) {
    throw new Error(`Invalid ${what} length "${map.length}": expected ${grid * grid} for grid "${grid}"`);
  }
}

function checkFinite(value: number, name: string): number {
  if (!Number.isFinite(value)) throw new Error(`Invalid ${name} "${value}": expected a finite number`);
  return value;
}

/**
 * SD-RPN-SPEC §3, step by step: M = max(a); fg = a > τ_fg·M; box = inclusive bbox of all fg cells
 * (whole grid if none); bg = outside box and a < τ_bg·M; labels are set only if the box area is
 * < maxRatio·N. Values must be finite and non-negative (an attention map); a map of zeros
 * (all mass on sinks) has no fg, so its box is the whole grid and the sample is ignored.
 */
export function labelAssignment(
  map: ArrayLike<number>,
  grid: number,
  options: LabelOptions = {},
): LabelAssignment {
  checkGridMap(map, grid);
  const tFg = checkFinite(options.fg ?? 0.2, "fg threshold");
  const tBg = checkFinite(options.bg ?? 0.1, "bg threshold");
  const maxRatio = checkFinite(options.maxRatio ?? 0.5, "max ratio");
  const n = grid * grid;

  let max = 0;
  for (let i = 0; i < n; i++) {
    const a = map[i]!;
    if (!Number.isFinite(a) || a < 0) {
      throw new Error(`Invalid map value "${a}" at index ${i}: expected a finite non-negative number`);
    }
    if (a > max) max = a;
  }
  // One max for both thresholds, multiplied as M·τ like the released code, so a value equal to
  // the product is exactly on the boundary (and excluded by both strict comparisons).
  const fgCut = max * tFg;
  const bgCut = max * tBg;

  let r0 = grid, c0 = grid, r1 = -1, c1 = -1;
  for (let i = 0; i < n; i++) {
    if (!(map[i]! > fgCut)) continue;
    const r = Math.floor(i / grid), c = i % grid;
    if (r < r0) r0 = r;
    if (r > r1) r1 = r;
    if (c < c0) c0 = c;
    if (c > c1) c1 = c;
  }
  if (r1 < 0) [r0, c0, r1, c1] = [0, 0, grid - 1, grid - 1];
  const area = (r1 - r0 + 1) * (c1 - c0 + 1);
  const ignoredSample = !(area < maxRatio * n);

  const labels = new Int32Array(n).fill(IGNORE);
  if (!ignoredSample) {
    for (let i = 0; i < n; i++) {
      const a = map[i]!;
      const r = Math.floor(i / grid), c = i % grid;
      const inside = r >= r0 && r <= r1 && c >= c0 && c <= c1;
      if (a > fgCut) labels[i] = 1;
      else if (!inside && a < bgCut) labels[i] = 0;
    }
  }
  return { labels, box: [c0, r0, c1 + 1, r1 + 1], area, ignoredSample };
}

/** Ternary pseudo-labels of SD-RPN-SPEC §3: [G·G] row-major, values 1, 0 or {@link IGNORE}. */
export function assignLabels(map: ArrayLike<number>, grid: number, options: LabelOptions = {}): Int32Array {
  return labelAssignment(map, grid, options).labels;
}

/** Counts of a label map; `ignoredSample` is true when no cell carries a loss. */
export function labelStats(
  labels: ArrayLike<number>,
): { fg: number; bg: number; ignore: number; ignoredSample: boolean } {
  let fg = 0, bg = 0, ignore = 0;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v === 1) fg++;
    else if (v === 0) bg++;
    else if (v === IGNORE) ignore++;
    else throw new Error(`Invalid label "${v}" at index ${i}: expected 1, 0 or ${IGNORE}`);
  }
  return { fg, bg, ignore, ignoredSample: fg + bg === 0 };
}

/** Bounding box of the fg cells (label 1) in grid cells, exclusive end; null when there is none. */
export function fgBox(labels: ArrayLike<number>, grid: number): Box | null {
  checkGridMap(labels, grid, "label map");
  let r0 = grid, c0 = grid, r1 = -1, c1 = -1;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    const r = Math.floor(i / grid), c = i % grid;
    if (r < r0) r0 = r;
    if (r > r1) r1 = r;
    if (c < c0) c0 = c;
    if (c > c1) c1 = c;
  }
  return r1 < 0 ? null : [c0, r0, c1 + 1, r1 + 1];
}

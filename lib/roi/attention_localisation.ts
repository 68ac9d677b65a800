/**
 * Does an attention map look at the target? Pure measurements of a G×G map against the true target box
 * (issue 3: on the shipped base model the RPN localises no better than a random box, and the teacher's
 * answer→image attention — what its labels are made of — is the first suspect).
 *
 * ANALYSIS ONLY: the true box is read here to measure maps after the fact; it is never used for labels,
 * training, head or layer choice, or thresholds (SD-RPN-SPEC §9).
 *
 * The rule: which cells are "on the target". The map has one value per visual token, row-major over a G×G
 * grid of the letterboxed encoder input (size S, cell = S / G encoder pixels). Cell j = (row r, column c),
 * r = ⌊j / G⌋, c = j mod G, has its centre at encoder pixel ((c + ½)·S/G, (r + ½)·S/G); through the
 * letterbox of a W×H image (ratio ρ = min(S/W, S/H), padding padX, padY — lib/image/geometry.ts) that is
 * source pixel
 *
 *   x = ((c + ½)·S/G − padX) / ρ,   y = ((r + ½)·S/G − padY) / ρ        (`cellCentre`)
 *
 * and the cell is on the target iff that point lies in the box [x0, y0, x1, y1) (exclusive end):
 * x0 ≤ x < x1 and y0 ≤ y < y1. A centre in the padding lies outside the image, hence outside every box.
 * A box smaller than a cell can fall between centres; then the one cell holding the box's centre
 * ((x0 + x1) / 2, (y0 + y1) / 2 mapped to the encoder, clamped to the grid) stands for it, so every
 * question has at least one target cell (`targetCells`).
 *
 * Measures of a map a[N] (non-negative; answer→image attention is not renormalised over the image, so
 * its total is below 1):
 * - mass in box = Σ_{j on target} a[j] / Σ_j a[j], the share of the map's image mass on the target; 0 when
 *   the total is 0;
 * - box share = (#target cells) / N, the mass in box of a uniform map: its chance level, and the chance
 *   level of "argmax in box" for a peak at a uniformly random cell;
 * - argmax in box = whether the map's largest cell (the first one in row-major order on ties) is a target
 *   cell; false when the total is 0 (an all-zero map has no peak);
 * - lift = mass in box / box share (1 = no better than uniform; 0 when box share is 0).
 *
 * @module
 */
import { letterboxGeometry } from "../image/geometry.ts";
import type { Box } from "../image/types.ts";

/** The encoder's grid: G×G cells over an S×S letterboxed input. */
export interface EncoderGrid {
  /** G: cells per side. */
  grid: number;
  /** S: side of the letterboxed encoder input in pixels. */
  size: number;
}

/** What a map is measured against: the source image's size and its true target box (source pixels). */
export interface TargetBox {
  width: number;
  height: number;
  /** [x0, y0, x1, y1), exclusive end, source pixels. */
  box: Box;
}

/** Localisation of one map against one target. */
export interface MapLocalisation {
  /** Share of the map's image mass on the target cells (0 when the map's total is 0). */
  massInBox: number;
  /** Target cells / N: the mass in box of a uniform map (chance level). */
  boxShare: number;
  /** Whether the map's largest cell is a target cell (false for an all-zero map). */
  argmaxInBox: boolean;
  /** massInBox / boxShare (0 when boxShare is 0). */
  lift: number;
}

function checkGrid(g: EncoderGrid): void {
  if (!Number.isInteger(g.grid) || g.grid < 1) throw new Error(`Invalid grid "${g.grid}": expected G ≥ 1`);
  if (!(g.size > 0)) throw new Error(`Invalid encoder size "${g.size}": expected a positive number`);
}

/**
 * Source-pixel position (x, y) of the centre of cell `cell` (row-major) through the letterbox of a
 * `width`×`height` image: ((c + ½)·S/G − padX) / ρ, ((r + ½)·S/G − padY) / ρ. Not clamped: a centre in the
 * padding lies outside [0, width) × [0, height).
 */
export function cellCentre(cell: number, g: EncoderGrid, width: number, height: number): [number, number] {
  checkGrid(g);
  const n = g.grid * g.grid;
  if (!Number.isInteger(cell) || cell < 0 || cell >= n) {
    throw new Error(`Invalid cell "${cell}": expected an integer in [0, ${n})`);
  }
  const lb = letterboxGeometry(width, height, g.size);
  const step = g.size / g.grid;
  const c = cell % g.grid, r = Math.floor(cell / g.grid);
  return [((c + 0.5) * step - lb.padX) / lb.ratio, ((r + 0.5) * step - lb.padY) / lb.ratio];
}

/**
 * The target's cells, ascending: the cells whose centre (`cellCentre`) lies in the box [x0, x1) × [y0, y1);
 * when none does, the one cell holding the box's centre (clamped to the grid). See the module doc.
 */
export function targetCells(target: TargetBox, g: EncoderGrid): number[] {
  checkGrid(g);
  const { width, height, box } = target;
  const [x0, y0, x1, y1] = box;
  if (!(x1 > x0 && y1 > y0)) throw new Error(`Invalid box "${box.join(",")}": expected x1 > x0 and y1 > y0`);
  const cells: number[] = [];
  for (let j = 0; j < g.grid * g.grid; j++) {
    const [x, y] = cellCentre(j, g, width, height);
    if (x >= x0 && x < x1 && y >= y0 && y < y1) cells.push(j);
  }
  if (cells.length > 0) return cells;
  const lb = letterboxGeometry(width, height, g.size);
  const step = g.size / g.grid;
  const at = (v: number, pad: number) =>
    Math.min(g.grid - 1, Math.max(0, Math.floor((pad + v * lb.ratio) / step)));
  return [at((y0 + y1) / 2, lb.padY) * g.grid + at((x0 + x1) / 2, lb.padX)];
}

/** Σ over `cells` of map / Σ map; 0 when the total is 0. */
export function massInBox(map: ArrayLike<number>, cells: readonly number[]): number {
  let total = 0;
  for (let j = 0; j < map.length; j++) total += map[j]!;
  if (total === 0) return 0;
  let inside = 0;
  for (const j of cells) inside += map[j]!;
  return inside / total;
}

/** #cells / N: the mass in box of a uniform map over N cells. */
export function boxShare(cells: readonly number[], tokens: number): number {
  if (!Number.isInteger(tokens) || tokens < 1) throw new Error(`Invalid token count "${tokens}"`);
  return cells.length / tokens;
}

/** Whether the first largest cell of `map` is in `cells`; false when the map sums to 0. */
export function argmaxInBox(map: ArrayLike<number>, cells: readonly number[]): boolean {
  let best = 0, total = 0;
  for (let j = 0; j < map.length; j++) {
    total += map[j]!;
    if (map[j]! > map[best]!) best = j;
  }
  return total !== 0 && cells.includes(best);
}

/** mass share / box share (1 = uniform); 0 when the box share is 0. */
export function lift(mass: number, share: number): number {
  return share > 0 ? mass / share : 0;
}

/** Every measure of one [N] map against precomputed target cells. */
export function localiseMap(map: ArrayLike<number>, cells: readonly number[]): MapLocalisation {
  const mass = massInBox(map, cells);
  const share = boxShare(cells, map.length);
  return { massInBox: mass, boxShare: share, argmaxInBox: argmaxInBox(map, cells), lift: lift(mass, share) };
}

/** `localiseMap` of each head of a per-head map [H, N] (row-major, head h at h·N). */
export function localiseHeads(
  perHead: ArrayLike<number>,
  heads: number,
  cells: readonly number[],
): MapLocalisation[] {
  if (!Number.isInteger(heads) || heads < 1 || perHead.length % heads !== 0) {
    throw new Error(`Invalid per-head map: length ${perHead.length} is not a multiple of ${heads} heads`);
  }
  const n = perHead.length / heads;
  return Array.from({ length: heads }, (_, h) => {
    const map = new Float64Array(n);
    for (let j = 0; j < n; j++) map[j] = perHead[h * n + j]!;
    return localiseMap(map, cells);
  });
}

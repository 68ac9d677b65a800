/**
 * Inference post-processing (SD-RPN-SPEC §5.1–5.5): RPN logits on the G×G grid → RoI boxes and the
 * upscaling path (none / box / mask), all in grid cells. Mapping to source pixels lives in
 * upscale_geometry.ts.
 *
 * Component "area" is the component's CELL COUNT, not its box area. The spec says "per component
 * (grid box): area == 1 → dropped; area < 4 → enlarged; area > max_area → dropped", which reads
 * either way; the released `get_bbox_from_noisy_map` uses `area = len(coords)` (cells of the
 * component), so a diagonal pair (2 cells, 2×2 box) is enlarged and a thin diagonal is never
 * dropped for its box size.
 */
import type { Box } from "../image/types.ts";
import { checkGridMap } from "./labels.ts";

/** Upscaling path chosen from the number of surviving components. */
export type RoiPath = "none" | "box" | "mask";

/** Result of {@link proposeRoi}; every map is [G·G] row-major, boxes in grid cells, exclusive end. */
export interface RoiProposal {
  /** sigmoid(logits) after the 3×3 Gaussian blur. */
  blurred: Float64Array;
  /** 1 where blurred > threshold. */
  binary: Uint8Array;
  /** Surviving component boxes (after dropping / enlarging), in component order. */
  boxes: Box[];
  /** 0 boxes → "none", 1 → "box", ≥ 2 → "mask". */
  path: RoiPath;
  /** Mask path only: kept crop tokens, row-major indices in the crop's G×G grid; else empty. */
  keptTokens: number[];
  /** Mask path only: bounding box of ALL binary cells (the region cropped). */
  maskBox?: Box;
}

/** One 8-connected component of a binary grid map. */
export interface Component {
  /** Row-major cell indices, in scan order. */
  cells: number[];
  /** Bounding box in grid cells, exclusive end. */
  box: Box;
}

/** The separable 3×3 Gaussian, σ = 1: exp(−x²/2) at x = −1, 0, 1, normalised (≈ [0.2741, 0.4519, 0.2741]). */
export const BLUR_KERNEL: readonly [number, number, number] = (() => {
  const side = Math.exp(-0.5);
  const sum = 1 + 2 * side;
  return [side / sum, 1 / sum, side / sum] as const;
})();

/** Reflect index without repeating the edge (torch "reflect", cv2 BORDER_REFLECT_101). */
function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  if (i < 0) return -i;
  if (i >= n) return 2 * n - 2 - i;
  return i;
}

/**
 * 3×3 Gaussian blur (σ = 1) with reflect padding, as torchvision `gaussian_blur(kernel_size=3,
 * sigma=1)`: a border cell sees its inner neighbour twice. Horizontal pass, then vertical.
 */
export function gaussianBlur3(map: ArrayLike<number>, grid: number): Float64Array {
  checkGridMap(map, grid);
  const [a, b] = BLUR_KERNEL;
  const tmp = new Float64Array(grid * grid);
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      const row = r * grid;
      tmp[row + c] = a * map[row + reflect(c - 1, grid)]! + b * map[row + c]! +
        a * map[row + reflect(c + 1, grid)]!;
    }
  }
  const out = new Float64Array(grid * grid);
  for (let r = 0; r < grid; r++) {
    for (let c = 0; c < grid; c++) {
      out[r * grid + c] = a * tmp[reflect(r - 1, grid) * grid + c]! + b * tmp[r * grid + c]! +
        a * tmp[reflect(r + 1, grid) * grid + c]!;
    }
  }
  return out;
}

/** 8-connected components of the non-zero cells, ordered by their first cell in a row-major scan. */
export function connectedComponents(binary: ArrayLike<number>, grid: number): Component[] {
  checkGridMap(binary, grid, "binary map");
  const seen = new Uint8Array(grid * grid);
  const components: Component[] = [];
  for (let start = 0; start < grid * grid; start++) {
    if (binary[start] === 0 || seen[start]) continue;
    seen[start] = 1;
    const cells: number[] = [];
    const stack = [start];
    let x0 = grid, y0 = grid, x1 = 0, y1 = 0;
    while (stack.length > 0) {
      const i = stack.pop()!;
      cells.push(i);
      const r = Math.floor(i / grid), c = i % grid;
      x0 = Math.min(x0, c);
      y0 = Math.min(y0, r);
      x1 = Math.max(x1, c + 1);
      y1 = Math.max(y1, r + 1);
      for (let dr = -1; dr <= 1; dr++) {
        for (let dc = -1; dc <= 1; dc++) {
          const rr = r + dr, cc = c + dc;
          if (rr < 0 || rr >= grid || cc < 0 || cc >= grid) continue;
          const j = rr * grid + cc;
          if (binary[j] !== 0 && !seen[j]) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    cells.sort((p, q) => p - q);
    components.push({ cells, box: [x0, y0, x1, y1] });
  }
  return components;
}

/**
 * One axis of a small box, re-centred and widened to ≥ 3 cells: start = floor(centre − len/2)
 * (the released `int(xc − w/2)` for non-negative values), then shifted back inside the grid so it
 * keeps its length wherever the grid allows (the released code clips instead and can lose a cell).
 */
function widen(lo: number, hi: number, grid: number): [number, number] {
  const len = Math.min(Math.max(3, hi - lo), grid);
  let start = Math.floor((lo + hi) / 2 - len / 2);
  start = Math.min(Math.max(start, 0), grid - len);
  return [start, start + len];
}

/**
 * Component filter of §5.4 on a binary map (area = cell count): 1 cell → dropped (noise / sink);
 * 2–3 cells → box enlarged to ≥ 3 cells per side around its centre, kept inside the grid;
 * more than `maxArea` cells → dropped. Returns the surviving boxes in component order.
 */
export function componentBoxes(binary: ArrayLike<number>, grid: number, maxArea: number): Box[] {
  if (Number.isNaN(maxArea)) throw new Error(`Invalid max area "${maxArea}": expected a number`);
  const boxes: Box[] = [];
  for (const { cells, box } of connectedComponents(binary, grid)) {
    const area = cells.length;
    if (area === 1 || area > maxArea) continue;
    if (area < 4) {
      const [x0, x1] = widen(box[0], box[2], grid);
      const [y0, y1] = widen(box[1], box[3], grid);
      boxes.push([x0, y0, x1, y1]);
    } else {
      boxes.push(box);
    }
  }
  return boxes;
}

/**
 * Bilinear resize of an h×w map (row-major) to outH×outW with align_corners = false, as
 * torch `F.interpolate(mode="bilinear", align_corners=False)`: source coordinate
 * (dst + 0.5)·in/out − 0.5, clamped to [0, size − 1]. The coordinate is computed as
 * ((dst + 0.5)·in)/out − 0.5 so half-integer positions (ties at a 0.5 cut) come out exact.
 */
export function bilinearResize(
  src: ArrayLike<number>,
  h: number,
  w: number,
  outH: number,
  outW: number,
): Float64Array {
  for (const [name, v] of [["h", h], ["w", w], ["outH", outH], ["outW", outW]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`Invalid ${name} "${v}": expected a positive integer`);
  }
  if (src.length !== h * w) {
    throw new Error(`Invalid source length "${src.length}": expected ${h * w} for ${h}x${w}`);
  }
  const axis = (dst: number, inSize: number, outSize: number): [number, number, number] => {
    const s = Math.min(Math.max(((dst + 0.5) * inSize) / outSize - 0.5, 0), inSize - 1);
    const i0 = Math.floor(s);
    const i1 = Math.min(i0 + 1, inSize - 1);
    return [i0, i1, s - i0];
  };
  const out = new Float64Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const [r0, r1, ly] = axis(y, h, outH);
    for (let x = 0; x < outW; x++) {
      const [c0, c1, lx] = axis(x, w, outW);
      const top = (1 - lx) * src[r0 * w + c0]! + lx * src[r0 * w + c1]!;
      const bottom = (1 - lx) * src[r1 * w + c0]! + lx * src[r1 * w + c1]!;
      out[y * outW + x] = (1 - ly) * top + ly * bottom;
    }
  }
  return out;
}

/** Bounding box of all non-zero cells, exclusive end; null when there is none. */
export function binaryBox(binary: ArrayLike<number>, grid: number): Box | null {
  checkGridMap(binary, grid, "binary map");
  let x0 = grid, y0 = grid, x1 = 0, y1 = 0;
  for (let i = 0; i < grid * grid; i++) {
    if (binary[i] === 0) continue;
    const r = Math.floor(i / grid), c = i % grid;
    x0 = Math.min(x0, c);
    y0 = Math.min(y0, r);
    x1 = Math.max(x1, c + 1);
    y1 = Math.max(y1, r + 1);
  }
  return x1 === 0 ? null : [x0, y0, x1, y1];
}

/**
 * Masked upscaling (§5.5): crop the binary map to `box`, bilinearly resize it (align_corners =
 * false) to grid×grid — the crop is re-encoded at full resolution, so it has G×G tokens — and keep
 * the cells with value > 0.5 (strict). Returns row-major indices in the crop's G×G token grid.
 */
export function maskKeptTokens(binary: ArrayLike<number>, grid: number, box: Box): number[] {
  checkGridMap(binary, grid, "binary map");
  const [x0, y0, x1, y1] = box;
  if (!(x0 >= 0 && y0 >= 0 && x1 <= grid && y1 <= grid && x0 < x1 && y0 < y1)) {
    throw new Error(
      `Invalid mask box "${box.join(",")}": expected a non-empty box inside the ${grid}x${grid} grid`,
    );
  }
  const w = x1 - x0, h = y1 - y0;
  const crop = new Float64Array(w * h);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) crop[r * w + c] = binary[(y0 + r) * grid + x0 + c]! !== 0 ? 1 : 0;
  }
  const resized = bilinearResize(crop, h, w, grid, grid);
  const kept: number[] = [];
  for (let i = 0; i < resized.length; i++) if (resized[i]! > 0.5) kept.push(i);
  return kept;
}

/** The paper's name for {@link maskKeptTokens}: masked upscaling (§5.5), the RoI tokens to keep. */
export const maskedUpscale: typeof maskKeptTokens = maskKeptTokens;

/** Options of {@link proposeRoi}. */
export interface ProposeOptions {
  /** τ_conf: binary = blurred > τ; a negative value is relative: blurred > |τ|·max(blurred). */
  threshold: number;
  /** Components with more cells than this are dropped [225 = 0.39·N at N = 576]. */
  maxArea: number;
}

/**
 * SD-RPN-SPEC §5.1–5.5 on raw RPN logits ([G·G] row-major): sigmoid → 3×3 Gaussian blur (reflect)
 * → threshold → 8-connected components → filter / enlarge → path by surviving count. The mask
 * path crops the bounding box of ALL binary cells (including components that were dropped), not
 * of the surviving boxes. A relative threshold is applied to the sigmoid-blurred map like an
 * absolute one, and the mask path reuses the same binary map (the released code blurs raw logits
 * when the threshold is negative, and thresholds its mask-path map with the negative value as is).
 */
export function proposeRoi(logits: ArrayLike<number>, grid: number, options: ProposeOptions): RoiProposal {
  checkGridMap(logits, grid, "logit map");
  const { threshold, maxArea } = options;
  if (!Number.isFinite(threshold)) {
    throw new Error(`Invalid threshold "${threshold}": expected a finite number`);
  }
  const n = grid * grid;
  const p = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = logits[i]!;
    if (Number.isNaN(x)) throw new Error(`Invalid logit "${x}" at index ${i}: expected a number`);
    p[i] = 1 / (1 + Math.exp(-x));
  }
  const blurred = gaussianBlur3(p, grid);
  let cut = threshold;
  if (threshold < 0) {
    let max = -Infinity;
    for (const v of blurred) max = Math.max(max, v);
    cut = -threshold * max;
  }
  const binary = new Uint8Array(n);
  for (let i = 0; i < n; i++) binary[i] = blurred[i]! > cut ? 1 : 0;

  const boxes = componentBoxes(binary, grid, maxArea);
  if (boxes.length === 0) return { blurred, binary, boxes, path: "none", keptTokens: [] };
  if (boxes.length === 1) return { blurred, binary, boxes, path: "box", keptTokens: [] };
  const maskBox = binaryBox(binary, grid)!;
  return { blurred, binary, boxes, path: "mask", keptTokens: maskKeptTokens(binary, grid, maskBox), maskBox };
}

import type { Rng } from "../../engine/rng.ts";
import type { Box } from "../../image/types.ts";

/**
 * Which extra visual blocks a pretraining sample carries (DESIGN.md "The small MLLM"): so that the base
 * model learns to read detail from appended crops, as LLaVA reads several images, and to ignore crops
 * that do not show the target. The mix covers what SD-RPN will later feed it: tight and loose boxes around
 * the target (box upscaling), crops with a token mask (masked upscaling), unrelated windows (a wrong RoI),
 * and two crops (the box-only ablation with two components). "zoom" replaces the whole image by a
 * square window around the target (a random-resized-crop augmentation): the detail is legible in the main
 * image itself, which teaches reading on short sequences and rewards looking at the cued object.
 *
 * Window scales are kept where the detail stays legible: a 5×7 glyph survives a crop of ≲ 80 px resized to
 * 64 (lib/data/legibility_test.ts: 64 px 100 %, 80 px 86 %), and targets are 36–72 px, so windows reach
 * at most ~1.8× the target; looser windows would mostly teach the model to guess.
 */
export type CropKind = "zoom" | "none" | "target" | "random" | "masked" | "two";

export interface CropPlan {
  kind: CropKind;
  /** For "zoom": the window that replaces the whole image. */
  view?: Box;
  boxes: Box[];
  /** Per box: keep-mask over the crop's G×G tokens, or undefined for all tokens. */
  keeps: (Uint8Array | undefined)[];
}

export interface CropMix {
  zoom: number;
  none: number;
  target: number;
  random: number;
  masked: number;
  two: number;
}

export const DEFAULT_CROP_MIX: CropMix = {
  zoom: 0.3,
  none: 0.15,
  target: 0.3,
  random: 0.1,
  masked: 0.1,
  two: 0.05,
};

const KINDS: CropKind[] = ["zoom", "none", "target", "random", "masked", "two"];

/** Draw a kind with probabilities proportional to the mix. */
export function pickKind(rng: Rng, mix: CropMix = DEFAULT_CROP_MIX): CropKind {
  const total = KINDS.reduce((a, k) => a + mix[k], 0);
  let u = rng.next() * total;
  for (const k of KINDS) {
    u -= mix[k];
    if (u < 0) return k;
  }
  return KINDS[KINDS.length - 1]!;
}

/** A window that contains `target`, `scale`× its size (at least the target), shifted at random, clamped. */
export function windowAround(rng: Rng, target: Box, width: number, height: number, scale: number): Box {
  const [x0, y0, x1, y1] = target;
  const tw = x1 - x0;
  const th = y1 - y0;
  const side = Math.max(tw, th);
  const w = Math.min(width, Math.max(tw, Math.round(side * scale)));
  const h = Math.min(height, Math.max(th, Math.round(side * scale)));
  const lo = (a0: number, a1: number, len: number, limit: number) => {
    const min = Math.max(0, a1 - len);
    const max = Math.min(a0, limit - len);
    return max <= min ? Math.max(0, Math.min(min, limit - len)) : rng.range(min, max);
  };
  const cx = lo(x0, x1, w, width);
  const cy = lo(y0, y1, h, height);
  return [cx, cy, cx + w, cy + h];
}

/** A random window of side 24–50 % of the shorter image side. */
export function randomWindow(rng: Rng, width: number, height: number): Box {
  const side = Math.round(Math.min(width, height) * rng.uniform(0.24, 0.5));
  const x = rng.range(0, width - side);
  const y = rng.range(0, height - side);
  return [x, y, x + side, y + side];
}

/**
 * Keep-mask for a crop: the crop-grid cells that overlap the target are kept, every other cell is kept with
 * probability 0.35 — a noisy RoI mask like the thresholded RPN map of masked upscaling.
 */
export function maskAround(rng: Rng, crop: Box, target: Box, grid: number): Uint8Array {
  const keep = new Uint8Array(grid * grid);
  const cw = (crop[2] - crop[0]) / grid;
  const ch = (crop[3] - crop[1]) / grid;
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      const cx0 = crop[0] + gx * cw;
      const cy0 = crop[1] + gy * ch;
      const overlaps = cx0 < target[2] && cx0 + cw > target[0] && cy0 < target[3] && cy0 + ch > target[1];
      keep[gy * grid + gx] = overlaps || rng.chance(0.35) ? 1 : 0;
    }
  }
  return keep;
}

/** The extra blocks (and zoom view) of one sample for a given kind. */
export function planCrops(
  rng: Rng,
  kind: CropKind,
  target: Box,
  width: number,
  height: number,
  grid: number,
): CropPlan {
  const loose = () => windowAround(rng, target, width, height, rng.uniform(1.0, 1.8));
  switch (kind) {
    case "zoom":
      return {
        kind,
        view: windowAround(rng, target, width, height, rng.uniform(1.0, 1.6)),
        boxes: [],
        keeps: [],
      };
    case "none":
      return { kind, boxes: [], keeps: [] };
    case "target":
      return { kind, boxes: [loose()], keeps: [undefined] };
    case "random":
      return { kind, boxes: [randomWindow(rng, width, height)], keeps: [undefined] };
    case "masked": {
      const crop = windowAround(rng, target, width, height, rng.uniform(1.2, 2.0));
      return { kind, boxes: [crop], keeps: [maskAround(rng, crop, target, grid)] };
    }
    case "two": {
      const pair: Box[] = [loose(), randomWindow(rng, width, height)];
      return { kind, boxes: rng.chance(0.5) ? pair : [pair[1]!, pair[0]!], keeps: [undefined, undefined] };
    }
  }
}

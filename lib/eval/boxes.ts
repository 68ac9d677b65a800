import type { Rng } from "../engine/rng.ts";
import type { Box } from "../image/types.ts";

/** Intersection over union of two boxes [x0, y0, x1, y1) (0 when either is empty). */
export function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const area = (x: Box) => Math.max(0, x[2] - x[0]) * Math.max(0, x[3] - x[1]);
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

/** Share of `inner`'s area that lies inside `outer` (0 for an empty box). */
export function coverage(inner: Box, outer: Box): number {
  const iw = Math.max(0, Math.min(inner[2], outer[2]) - Math.max(inner[0], outer[0]));
  const ih = Math.max(0, Math.min(inner[3], outer[3]) - Math.max(inner[1], outer[1]));
  const area = Math.max(0, inner[2] - inner[0]) * Math.max(0, inner[3] - inner[1]);
  return area > 0 ? (iw * ih) / area : 0;
}

/** A box of the same size as `like` at a uniformly random position inside width×height. */
export function randomBoxLike(rng: Rng, like: Box, width: number, height: number): Box {
  const w = Math.min(width, like[2] - like[0]);
  const h = Math.min(height, like[3] - like[1]);
  const x = rng.range(0, width - w);
  const y = rng.range(0, height - h);
  return [x, y, x + w, y + h];
}

/**
 * Letterbox and grid geometry without any image library: where an image sits in the encoder's square and
 * which source pixels a grid box covers (SD-RPN-SPEC §5.6). Split from resize.ts (which re-exports it) so
 * that pure code — the report drawing example figures — can use it without loading sharp.
 */
import type { Box } from "./types.ts";

/** Where the image sits inside the letterboxed square. */
export interface LetterboxInfo {
  /** Scale factor r = min(size / W, size / H). */
  ratio: number;
  /** Left padding in encoder pixels. */
  padX: number;
  /** Top padding in encoder pixels. */
  padY: number;
}

/** Letterbox geometry of a W×H image in a size×size square: resized extent and padding. */
export function letterboxGeometry(
  width: number,
  height: number,
  size: number,
): LetterboxInfo & { innerWidth: number; innerHeight: number } {
  const ratio = Math.min(size / width, size / height);
  const innerWidth = Math.max(1, Math.min(size, Math.round(width * ratio)));
  const innerHeight = Math.max(1, Math.min(size, Math.round(height * ratio)));
  return {
    ratio,
    padX: Math.floor((size - innerWidth) / 2),
    padY: Math.floor((size - innerHeight) / 2),
    innerWidth,
    innerHeight,
  };
}

/**
 * Grid box (cells, exclusive end) → source pixel box (SD-RPN-SPEC §5.6): cell = size / grid; undo the
 * letterbox padding, divide by the ratio, clamp to the image, truncate. A box that lies entirely in
 * the padding maps to an empty box on the image border; cropResize widens that to 1 px.
 */
export function gridBoxToSource(
  box: Box,
  grid: number,
  size: number,
  lb: LetterboxInfo,
  width: number,
  height: number,
): Box {
  const cell = size / grid;
  const map = (g: number, pad: number, limit: number) =>
    Math.trunc(Math.min(Math.max((g * cell - pad) / lb.ratio, 0), limit));
  return [
    map(box[0], lb.padX, width),
    map(box[1], lb.padY, height),
    map(box[2], lb.padX, width),
    map(box[3], lb.padY, height),
  ];
}

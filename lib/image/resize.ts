/**
 * The encoder's view of an image: letterboxing the whole image, cropping + resizing a region of the
 * original, and mapping grid cells back to source pixels (SD-RPN-SPEC §5.6).
 *
 * All resampling is sharp's lanczos3, so the global view and the crops go through the same filter and
 * differ only in the scale factor — which is what makes the detail illegible in one and legible in
 * the other.
 */
import type { Box, RgbImage } from "./types.ts";
import { gridBoxToSource, letterboxGeometry, type LetterboxInfo } from "./geometry.ts";
import { rawSharp } from "./png.ts";

// The pure geometry lives in geometry.ts (no sharp) so the report can draw over images without loading
// sharp; re-exported here so existing imports keep working.
export { gridBoxToSource, letterboxGeometry, type LetterboxInfo };

/** Grey of the letterbox padding (0–255). */
export const PAD_VALUE = 128;

/** Pixels as floats in [0, 1], same [H, W, 3] layout. */
export function toFloat(img: RgbImage): Float32Array {
  const out = new Float32Array(img.data.length);
  for (let i = 0; i < img.data.length; i++) out[i] = img.data[i]! / 255;
  return out;
}

/** Resize to exactly width×height (aspect not preserved), lanczos3. */
export async function resizeRgb(img: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (width === img.width && height === img.height) return { ...img, data: img.data.slice() };
  const { data, info } = await rawSharp(img)
    .resize(width, height, { fit: "fill", kernel: "lanczos3" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * The whole image as the encoder sees it: scaled by r = min(size/W, size/H) and pasted centred on a
 * mid-grey size×size square. `pixels` is [size, size, 3] row-major in [0, 1].
 */
export async function letterbox(
  img: RgbImage,
  size: number,
): Promise<LetterboxInfo & { pixels: Float32Array }> {
  const g = letterboxGeometry(img.width, img.height, size);
  const inner = await resizeRgb(img, g.innerWidth, g.innerHeight);
  const pixels = new Float32Array(size * size * 3).fill(PAD_VALUE / 255);
  for (let y = 0; y < g.innerHeight; y++) {
    const src = y * g.innerWidth * 3;
    const dst = ((y + g.padY) * size + g.padX) * 3;
    for (let k = 0; k < g.innerWidth * 3; k++) pixels[dst + k] = inner.data[src + k]! / 255;
  }
  return { pixels, ratio: g.ratio, padX: g.padX, padY: g.padY };
}

/** `box` snapped outward to whole pixels and clamped to the image, at least 1×1. */
export function clampBox(box: Box, width: number, height: number): Box {
  const x0 = Math.min(Math.max(Math.floor(box[0]), 0), width - 1);
  const y0 = Math.min(Math.max(Math.floor(box[1]), 0), height - 1);
  const x1 = Math.min(Math.max(Math.ceil(box[2]), x0 + 1), width);
  const y1 = Math.min(Math.max(Math.ceil(box[3]), y0 + 1), height);
  return [x0, y0, x1, y1];
}

/** The box cut from the ORIGINAL image (clamped, ≥ 1 px) as RgbImage. */
export async function cropRgb(img: RgbImage, box: Box): Promise<RgbImage> {
  const [x0, y0, x1, y1] = clampBox(box, img.width, img.height);
  const { data, info } = await rawSharp(img)
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * Crop `box` from the ORIGINAL image (clamped, ≥ 1 px) and resize it to size×size, aspect NOT
 * preserved (box upscaling, §5.5). Returns [size, size, 3] in [0, 1].
 */
export async function cropResize(img: RgbImage, box: Box, size: number): Promise<Float32Array> {
  const [x0, y0, x1, y1] = clampBox(box, img.width, img.height);
  const { data } = await rawSharp(img)
    .extract({ left: x0, top: y0, width: x1 - x0, height: y1 - y0 })
    .resize(size, size, { fit: "fill", kernel: "lanczos3" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return toFloat({
    width: size,
    height: size,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  });
}

/**
 * Reading a user's photo (PNG or JPEG) as 8-bit RGB, as LLaVA's `Image.open(path).convert("RGB")` does:
 * alpha dropped (not composited), grey and palette expanded, EXIF orientation ignored.
 */
import sharp from "sharp";
import { decodePng, isPng } from "./png.ts";
import type { RgbImage } from "./types.ts";

/** True if `bytes` start with the JPEG start-of-image marker and a following marker byte. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decode JPEG bytes to RGB; `name` (usually the path) appears in error messages. */
export async function decodeJpeg(bytes: Uint8Array, name: string): Promise<RgbImage> {
  if (!isJpeg(bytes)) throw new Error(`Cannot read image "${name}": not a JPEG file`);
  try {
    // No .rotate(): like Pillow's Image.open, the EXIF orientation tag is not applied.
    const { data, info } = await sharp(bytes, { failOn: "warning" })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch {
    throw new Error(`Cannot read image "${name}": corrupt JPEG data`);
  }
}

/** Read a PNG or JPEG file (recognised by its signature, not its name) as RGB. */
export async function loadImageRgb(path: string): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`Cannot read image "${path}": file not found`);
    throw new Error(`Cannot read image "${path}": ${e instanceof Error ? e.message : String(e)}`);
  }
  if (isPng(bytes)) return await decodePng(bytes, path);
  if (isJpeg(bytes)) return await decodeJpeg(bytes, path);
  throw new Error(`Cannot read image "${path}": not a PNG or JPEG file`);
}

/**
 * Reading a user's photo (PNG or JPEG) as 8-bit RGB, as LLaVA's `Image.open(path).convert("RGB")` does:
 * alpha dropped (not composited), grey and palette expanded, EXIF orientation ignored.
 */
import { decodePng, isPng, readImageBytes, sharpRgb } from "./png.ts";
import type { RgbImage } from "./types.ts";

/** True if `bytes` start with the JPEG start-of-image marker and a following marker byte. */
export function isJpeg(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

/** Decode JPEG bytes to RGB; `name` (usually the path) appears in error messages. */
export async function decodeJpeg(bytes: Uint8Array, name: string): Promise<RgbImage> {
  if (!isJpeg(bytes)) throw new Error(`Cannot read image "${name}": not a JPEG file`);
  // sharp does not apply the EXIF orientation tag unless asked (.rotate()), like Pillow's Image.open.
  return await sharpRgb(bytes, name, "JPEG");
}

/** Read a PNG or JPEG file (recognised by its signature, not its name) as RGB. */
export async function loadImageRgb(path: string): Promise<RgbImage> {
  const bytes = await readImageBytes(path);
  if (isPng(bytes)) return await decodePng(bytes, path);
  if (isJpeg(bytes)) return await decodeJpeg(bytes, path);
  throw new Error(`Cannot read image "${path}": not a PNG or JPEG file`);
}

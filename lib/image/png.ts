/**
 * PNG encode / decode of RgbImage through sharp.
 *
 * Encoding uses fixed options and writes no metadata, so the same pixels give the same bytes (with
 * the pinned sharp / libvips). Decoding always returns 3-channel RGB: alpha is dropped and grey or
 * palette images are expanded, so every caller sees one pixel layout.
 */
import sharp from "sharp";
import type { RgbImage } from "./types.ts";

/** The 8-byte PNG signature. */
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** Throws unless `img.data` has width · height · 3 bytes. */
export function checkImage(img: RgbImage, what = "image"): void {
  if (
    !Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1 ||
    img.data.length !== img.width * img.height * 3
  ) {
    throw new Error(
      `Invalid ${what} "${img.width}x${img.height}": expected ${
        img.width * img.height * 3
      } RGB bytes, got ${img.data.length}`,
    );
  }
}

/** sharp pipeline over raw RGB pixels. */
export function rawSharp(img: RgbImage): ReturnType<typeof sharp> {
  checkImage(img);
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } });
}

/**
 * Keep only the critical chunks (IHDR, PLTE, IDAT, IEND). libvips adds a pHYs (resolution) chunk
 * that carries nothing for pixels; dropping every ancillary chunk makes the bytes depend on the
 * pixels and the zlib stream only.
 */
export function stripAncillaryChunks(png: Uint8Array): Uint8Array {
  const keep: Uint8Array[] = [png.subarray(0, 8)];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let p = 8; p + 12 <= png.length;) {
    const end = p + 12 + view.getUint32(p);
    // Ancillary chunks have a lower-case first type letter (bit 5 of the first type byte).
    if ((png[p + 4]! & 0x20) === 0) keep.push(png.subarray(p, end));
    p = end;
  }
  const out = new Uint8Array(keep.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of keep) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Deterministic PNG bytes of an RGB image (zlib level 6, no adaptive filtering, no metadata). */
export async function encodePng(img: RgbImage): Promise<Uint8Array> {
  const buf = await rawSharp(img)
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false, progressive: false })
    .toBuffer();
  return stripAncillaryChunks(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/** True if `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= PNG_SIGNATURE.length && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** Decode PNG bytes to RGB; `name` (usually the path) appears in error messages. */
export async function decodePng(bytes: Uint8Array, name: string): Promise<RgbImage> {
  if (!isPng(bytes)) throw new Error(`Cannot read image "${name}": not a PNG file`);
  return await sharpRgb(bytes, name, "PNG");
}

/**
 * Encoded image bytes → 8-bit RGB through sharp (alpha dropped, sRGB), for a format already recognised by its
 * signature; any decoding failure is one error naming the image and the format.
 */
export async function sharpRgb(bytes: Uint8Array, name: string, format: string): Promise<RgbImage> {
  try {
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
    throw new Error(`Cannot read image "${name}": corrupt ${format} data`);
  }
}

/** The bytes of an image file; a missing or unreadable file is one error naming it. */
export async function readImageBytes(path: string): Promise<Uint8Array> {
  try {
    return await Deno.readFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`Cannot read image "${path}": file not found`);
    throw new Error(`Cannot read image "${path}": ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Read and decode a PNG file. */
export async function loadImage(path: string): Promise<RgbImage> {
  return await decodePng(await readImageBytes(path), path);
}

/** Encode and write a PNG file. */
export async function saveImage(path: string, img: RgbImage): Promise<void> {
  await Deno.writeFile(path, await encodePng(img));
}

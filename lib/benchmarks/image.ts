/**
 * Benchmark images: the encoded bytes as stored (JPEG, PNG, …) decoded to RGB with sharp, as
 * lmms-eval's `doc["image"].convert("RGB")` does with Pillow: alpha dropped (not composited), no EXIF
 * rotation, grey and palette images expanded. A file whose pixels cannot be fully decoded (not an
 * image, or truncated) is an error, as Pillow raises on it.
 */
import { createHash } from "node:crypto";
import sharp from "sharp";
import type { RgbImage } from "../image/types.ts";

/** What the `benchmarks` listing shows of an image. */
export interface ImageInfo {
  /** sha256 (hex) of the encoded bytes as stored. */
  sha256: string;
  width: number;
  height: number;
}

/** Decode encoded image bytes to 8-bit RGB; throws `not a decodable image (<reason>)`. */
export async function decodeImageBytes(bytes: Uint8Array): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { failOn: "truncated" })
      .removeAlpha()
      .toColourspace("srgb")
      .raw({ depth: "uchar" })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (error) {
    throw new Error(`not a decodable image (${(error as Error).message})`);
  }
}

/** sha256 (hex) of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Hash and fully decode `bytes`; the size is that of the decoded image. */
export async function inspectImage(bytes: Uint8Array): Promise<ImageInfo> {
  const { width, height } = await decodeImageBytes(bytes);
  return { sha256: sha256Hex(bytes), width, height };
}

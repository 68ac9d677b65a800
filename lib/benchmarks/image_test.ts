import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import sharp from "sharp";
import { encodePng } from "../image/png.ts";
import { decodeImageBytes, inspectImage, sha256Hex } from "./image.ts";

const pixels = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i * 10) };

Deno.test("inspectImage() gives the decoded size and the sha256 of the stored bytes", async () => {
  const png = await encodePng(pixels);
  assert.deepEqual(await inspectImage(png), {
    sha256: createHash("sha256").update(png).digest("hex"),
    width: 3,
    height: 2,
  });
});

Deno.test("decodeImageBytes() returns the exact pixels of a PNG", async () => {
  assert.deepEqual(await decodeImageBytes(await encodePng(pixels)), pixels);
});

Deno.test("decodeImageBytes() decodes JPEG and expands grey and RGBA to RGB", async () => {
  const jpeg = await sharp(pixels.data, { raw: { width: 3, height: 2, channels: 3 } }).jpeg().toBuffer();
  const fromJpeg = await decodeImageBytes(new Uint8Array(jpeg));
  assert.deepEqual([fromJpeg.width, fromJpeg.height, fromJpeg.data.length], [3, 2, 18]);

  const grey = await sharp(new Uint8Array([0, 100, 200, 255]), { raw: { width: 2, height: 2, channels: 1 } })
    .png().toBuffer();
  assert.deepEqual(
    (await decodeImageBytes(new Uint8Array(grey))).data,
    new Uint8Array([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]),
  );

  // Pillow's convert("RGB") drops alpha without compositing.
  const rgba = await sharp(new Uint8Array([10, 20, 30, 0]), { raw: { width: 1, height: 1, channels: 4 } })
    .png().toBuffer();
  assert.deepEqual((await decodeImageBytes(new Uint8Array(rgba))).data, new Uint8Array([10, 20, 30]));
});

Deno.test("decodeImageBytes() rejects bytes that are not an image", async () => {
  await assert.rejects(() => decodeImageBytes(new TextEncoder().encode("not an image")), {
    message: "not a decodable image (Input buffer contains unsupported image format)",
  });
});

Deno.test("decodeImageBytes() rejects a truncated PNG", async () => {
  const png = await encodePng({
    width: 64,
    height: 64,
    data: new Uint8Array(64 * 64 * 3).map((_, i) => i * 7),
  });
  await assert.rejects(() => decodeImageBytes(png.subarray(0, png.length / 2)), (error: Error) => {
    assert.match(error.message, /^not a decodable image \(.+\)$/);
    return true;
  });
});

Deno.test("sha256Hex() matches the known digest of the empty string", () => {
  assert.equal(
    sha256Hex(new Uint8Array(0)),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
});

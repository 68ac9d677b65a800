import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import { decodeJpeg, isJpeg, loadImageRgb } from "./load_rgb.ts";
import { encodePng, loadImage } from "./png.ts";
import type { RgbImage } from "./types.ts";

const FIXTURE = new URL("../../tests/fixtures/llava-tiny/", import.meta.url).pathname;

function solid(width: number, height: number, c: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(c, i);
  return { width, height, data };
}

Deno.test("loadImageRgb() reads a PNG exactly as loadImage() does", async () => {
  const path = join(FIXTURE, "cases", "wide.png");
  assert.deepEqual(await loadImageRgb(path), await loadImage(path));
});

Deno.test("loadImageRgb() reads a JPEG by its signature, whatever the file name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const img = solid(8, 6, [200, 40, 90]);
    const jpeg = await sharp(img.data, { raw: { width: 8, height: 6, channels: 3 } }).jpeg({ quality: 100 })
      .toBuffer();
    const path = join(dir, "photo.png");
    await Deno.writeFile(path, jpeg);
    const got = await loadImageRgb(path);
    assert.equal(got.width, 8);
    assert.equal(got.height, 6);
    // JPEG is lossy (chroma subsampling): a flat colour comes back within a few levels.
    for (let i = 0; i < got.data.length; i++) {
      assert.ok(Math.abs(got.data[i]! - img.data[i]!) <= 3, `byte ${i}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("loadImageRgb() names a missing file, an unknown format and corrupt JPEG data", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const missing = join(dir, "none.jpg");
    await assert.rejects(loadImageRgb(missing), {
      message: `Cannot read image "${missing}": file not found`,
    });
    const text = join(dir, "note.jpg");
    await Deno.writeTextFile(text, "GIF89a not really");
    await assert.rejects(loadImageRgb(text), {
      message: `Cannot read image "${text}": not a PNG or JPEG file`,
    });
    const bad = join(dir, "bad.jpg");
    await Deno.writeFile(bad, new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    await assert.rejects(loadImageRgb(bad), { message: `Cannot read image "${bad}": corrupt JPEG data` });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("isJpeg() and decodeJpeg() reject PNG bytes", async () => {
  const png = await encodePng(solid(2, 2, [1, 2, 3]));
  assert.equal(isJpeg(png), false);
  await assert.rejects(decodeJpeg(png, "x.png"), { message: 'Cannot read image "x.png": not a JPEG file' });
});

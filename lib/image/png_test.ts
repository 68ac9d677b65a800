import assert from "node:assert/strict";
import { join } from "node:path";
import sharp from "sharp";
import {
  checkImage,
  decodePng,
  encodePng,
  isPng,
  loadImage,
  saveImage,
  stripAncillaryChunks,
} from "./png.ts";
import type { RgbImage } from "./types.ts";

/** A small image with every byte different, so channel or row mix-ups show. */
function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + 11) & 0xff;
  return { width, height, data };
}

Deno.test("encodePng() / decodePng() round-trip pixels exactly, odd sizes included", async () => {
  for (const [w, h] of [[1, 1], [3, 2], [17, 5]] as const) {
    const img = gradient(w, h);
    const back = await decodePng(await encodePng(img), "mem");
    assert.deepEqual([back.width, back.height], [w, h]);
    assert.deepEqual(back.data, img.data);
  }
});

Deno.test("encodePng() is deterministic and writes a bare PNG", async () => {
  const img = gradient(16, 9);
  const a = await encodePng(img);
  const b = await encodePng({ ...img, data: img.data.slice() });
  assert.deepEqual(a, b);
  assert.ok(isPng(a));
  // No metadata chunks: only IHDR, IDAT and IEND.
  const chunks: string[] = [];
  for (let p = 8; p < a.length;) {
    const len = new DataView(a.buffer, a.byteOffset + p).getUint32(0);
    chunks.push(new TextDecoder().decode(a.subarray(p + 4, p + 8)));
    p += 12 + len;
  }
  assert.deepEqual([...new Set(chunks)], ["IHDR", "IDAT", "IEND"]);
});

Deno.test("decodePng() drops alpha and expands grey to RGB", async () => {
  const rgba = await sharp(new Uint8Array([10, 20, 30, 0, 40, 50, 60, 255]), {
    raw: { width: 2, height: 1, channels: 4 },
  }).png().toBuffer();
  const a = await decodePng(new Uint8Array(rgba), "rgba");
  assert.deepEqual([...a.data], [10, 20, 30, 40, 50, 60]);
  const grey = await sharp(new Uint8Array([7, 200]), { raw: { width: 2, height: 1, channels: 1 } }).png()
    .toBuffer();
  const g = await decodePng(new Uint8Array(grey), "grey");
  assert.deepEqual([...g.data], [7, 7, 7, 200, 200, 200]);
});

Deno.test("decodePng() names the file: not a PNG, corrupt data", async () => {
  await assert.rejects(() => decodePng(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]), "x/garbage.png"), {
    message: 'Cannot read image "x/garbage.png": not a PNG file',
  });
  await assert.rejects(() => decodePng(new Uint8Array(0), "empty.png"), {
    message: 'Cannot read image "empty.png": not a PNG file',
  });
  const png = await encodePng(gradient(32, 32));
  await assert.rejects(() => decodePng(png.slice(0, png.length - 40), "cut.png"), {
    message: 'Cannot read image "cut.png": corrupt PNG data',
  });
  const flipped = png.slice();
  for (let i = 60; i < flipped.length - 20; i++) flipped[i] = flipped[i]! ^ 0x5a;
  await assert.rejects(() => decodePng(flipped, "flipped.png"), {
    message: 'Cannot read image "flipped.png": corrupt PNG data',
  });
  await assert.rejects(() => decodePng(png.slice(0, 8), "sig-only.png"), {
    message: 'Cannot read image "sig-only.png": corrupt PNG data',
  });
});

Deno.test("loadImage() reads saved files and reports missing ones", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "a.png");
    const img = gradient(5, 4);
    await saveImage(path, img);
    assert.deepEqual((await loadImage(path)).data, img.data);
    const missing = join(dir, "nope.png");
    await assert.rejects(() => loadImage(missing), {
      message: `Cannot read image "${missing}": file not found`,
    });
    const text = join(dir, "t.png");
    await Deno.writeTextFile(text, "hello, not an image");
    await assert.rejects(() => loadImage(text), { message: `Cannot read image "${text}": not a PNG file` });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkImage() rejects a data length that does not match the size", async () => {
  const bad = { width: 2, height: 2, data: new Uint8Array(11) };
  assert.throws(() => checkImage(bad), { message: 'Invalid image "2x2": expected 12 RGB bytes, got 11' });
  await assert.rejects(() => encodePng(bad), {
    message: 'Invalid image "2x2": expected 12 RGB bytes, got 11',
  });
});

Deno.test("stripAncillaryChunks() keeps IHDR/IDAT/IEND and drops text and resolution chunks", async () => {
  const png = await encodePng(gradient(4, 4));
  // Insert a tEXt chunk (CRC is not checked by the stripper) after IHDR: 8 + 25 bytes.
  const text = new Uint8Array([0, 0, 0, 1, 0x74, 0x45, 0x58, 0x74, 0x41, 0, 0, 0, 0]);
  const withText = new Uint8Array(png.length + text.length);
  withText.set(png.subarray(0, 33));
  withText.set(text, 33);
  withText.set(png.subarray(33), 33 + text.length);
  assert.deepEqual(stripAncillaryChunks(withText), png);
  assert.deepEqual((await decodePng(png, "m")).data, gradient(4, 4).data);
});

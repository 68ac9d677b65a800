import assert from "node:assert/strict";
import { decodeBf16, decodeF16, decodeF32, f32ToBf16Bits } from "./half.ts";

function bytesOf(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 2);
  words.forEach((w, i) => {
    out[2 * i] = w & 0xff;
    out[2 * i + 1] = w >> 8;
  });
  return out;
}

Deno.test("decodeF16 decodes normal, subnormal, zero, infinite and NaN halves", () => {
  // Bit patterns from the IEEE 754 binary16 tables.
  const got = decodeF16(
    bytesOf([0x3c00, 0xc000, 0x3555, 0x7bff, 0x0001, 0x03ff, 0x0000, 0x8000, 0x7c00, 0xfc00, 0x7e00]),
  );
  assert.deepEqual(Array.from(got.slice(0, 8)), [
    1,
    -2,
    0.333251953125,
    65504,
    2 ** -24,
    1023 * 2 ** -24,
    0,
    -0,
  ]);
  assert.equal(got[8], Infinity);
  assert.equal(got[9], -Infinity);
  assert.ok(Number.isNaN(got[10]));
});

Deno.test("decodeBf16 places the 16 bits in the top half of a float32", () => {
  const got = decodeBf16(bytesOf([0x3f80, 0xc040, 0x3eaa, 0x7f80, 0x0001]));
  assert.deepEqual(Array.from(got.slice(0, 3)), [1, -3, 0.33203125]);
  assert.equal(got[3], Infinity);
  assert.equal(got[4], 2 ** -133); // smallest bf16 subnormal
});

Deno.test("f32ToBf16Bits rounds to nearest even and round-trips through decodeBf16", () => {
  assert.equal(f32ToBf16Bits(1), 0x3f80);
  // 1 + 2^-8 is exactly half-way between bf16 1 and 1 + 2^-7: ties go to the even mantissa (1).
  assert.equal(f32ToBf16Bits(1 + 2 ** -8), 0x3f80);
  // 1 + 3·2^-8 is half-way between 1 + 2^-7 (odd) and 1 + 2^-6 (even).
  assert.equal(f32ToBf16Bits(1 + 3 * 2 ** -8), 0x3f82);
  assert.equal(f32ToBf16Bits(-0.1), 0xbdcd);
  assert.equal(f32ToBf16Bits(NaN), 0x7fc0);
  const values = [0.75, -1232, 3.140625]; // exactly representable in bf16
  assert.deepEqual(Array.from(decodeBf16(bytesOf(values.map(f32ToBf16Bits)))), values);
});

Deno.test("decodeF32 reads little-endian floats from an unaligned view", () => {
  const buf = new Uint8Array(9);
  new DataView(buf.buffer).setFloat32(1, -2.5, true);
  new DataView(buf.buffer).setFloat32(5, 0.125, true);
  assert.deepEqual(Array.from(decodeF32(buf.subarray(1))), [-2.5, 0.125]);
});

/**
 * Decoding of the 16-bit float formats that Hugging Face checkpoints ship (IEEE binary16 "F16" and
 * bfloat16 "BF16") to float32, which is the only float type tfjs computes in.
 */

const F16_TO_F32 = buildF16Table();

/** float32 value of every binary16 bit pattern; subnormals, ±Inf and NaN included. */
function buildF16Table(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0) table[h] = sign * mantissa * 2 ** -24;
    else if (exponent === 0x1f) table[h] = mantissa === 0 ? sign * Infinity : NaN;
    else table[h] = sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }
  return table;
}

/**
 * Little-endian binary16 bytes → float32 values (`bytes.length` must be even).
 * Exact: every binary16 value is representable in float32.
 */
export function decodeF16(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = F16_TO_F32[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
  return out;
}

/**
 * Little-endian bfloat16 bytes → float32 values: bfloat16 is the upper half of a float32, so the
 * 16 bits are shifted into the high half of a 32-bit word (exact).
 */
export function decodeBf16(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 1;
  const words = new Uint32Array(n);
  for (let i = 0; i < n; i++) words[i] = ((bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16) >>> 0;
  return new Float32Array(words.buffer);
}

/** Little-endian float32 bytes → float32 values (copied, so the result is aligned). */
export function decodeF32(bytes: Uint8Array): Float32Array {
  const n = bytes.length >> 2;
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
  return out;
}

/**
 * float32 → bfloat16 bits with round-to-nearest-even, as PyTorch's `tensor.to(torch.bfloat16)` does;
 * NaN stays NaN. Used to write BF16 checkpoints (tests, converters).
 */
export function f32ToBf16Bits(value: number): number {
  const f = new Float32Array([value]);
  const bits = new Uint32Array(f.buffer)[0]!;
  if (Number.isNaN(value)) return 0x7fc0;
  const rounding = 0x7fff + ((bits >>> 16) & 1);
  return ((bits + rounding) >>> 16) & 0xffff;
}

/**
 * Python's `statistics.mean`, which sums exactly (as fractions) and rounds once; a running float sum
 * differs in the last bit (mean of ten 1/3s: 0.3333333333333333 vs 0.33333333333333337), and TextVQA's
 * accuracy is such a mean.
 *
 * @module
 */

/** `x` as the exact integer pair (m, e) with x = m · 2^e; `x` must be finite. */
function exactParts(x: number): { m: bigint; e: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = biased === 0 ? -1074 : biased - 1075;
  return { m: negative ? -m : m, e };
}

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** x · 2^e without intermediate overflow or underflow for results in the normal range. */
function scaleByPowerOfTwo(x: number, e: number): number {
  let result = x;
  let rest = e;
  while (rest < -1000) {
    result *= 2 ** -1000;
    rest += 1000;
  }
  while (rest > 1000) {
    result *= 2 ** 1000;
    rest -= 1000;
  }
  return result * 2 ** rest;
}

/**
 * The arithmetic mean, correctly rounded from the exact sum as Python's `statistics.mean` computes it
 * (exact for results in the normal floating-point range).
 */
export function pyMean(values: readonly number[]): number {
  if (values.length === 0) throw new Error("Cannot take the mean of no values");
  const parts = values.map((v) => {
    if (!Number.isFinite(v)) throw new Error(`Cannot take the exact mean of "${v}"`);
    return exactParts(v);
  });
  const nonZero = parts.filter((p) => p.m !== 0n);
  if (nonZero.length === 0) return 0;
  const minE = Math.min(...nonZero.map((p) => p.e));
  let sum = 0n;
  for (const p of nonZero) sum += p.m << BigInt(p.e - minE);
  if (sum === 0n) return 0;
  const negative = sum < 0n;
  const magnitude = negative ? -sum : sum;
  const n = BigInt(values.length);
  // Keep ≥ 64 quotient bits and fold the remainder into a sticky bit, so the one rounding in Number()
  // (to nearest, ties to even) rounds the exact quotient.
  const shift = 64 + bitLength(n) - bitLength(magnitude);
  const scaled = shift >= 0 ? magnitude << BigInt(shift) : magnitude;
  const divisor = shift >= 0 ? n : n << BigInt(-shift);
  const quotient = scaled / divisor;
  const sticky = scaled % divisor === 0n ? 0n : 1n;
  const rounded = Number((quotient << 1n) | sticky);
  const mean = scaleByPowerOfTwo(rounded, minE - shift - 1);
  return negative ? -mean : mean;
}

/**
 * lmms-eval's `mean` aggregation (api/metrics.py L22-24, `sum(arr) / len(arr)`), which turns per-question
 * scores (TextVQA, DocVQA/InfoVQA ANLS, ChartQA) into the benchmark score. CPython up to 3.11 adds
 * left to right as here; 3.12's `sum()` compensates rounding and can differ in the last bit.
 */
export function lmmsMean(values: readonly number[]): number {
  if (values.length === 0) throw new Error("Cannot take the mean of no values");
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

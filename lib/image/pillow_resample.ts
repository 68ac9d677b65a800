/**
 * Pillow's `Image.resize(size, filter)` on 8-bit RGB, bit for bit (libImaging/Resample.c).
 *
 * LLaVA's preprocessing runs through Pillow, and sharp's kernels differ from it by up to several uint8
 * levels, which the CLIP tower turns into visibly different features. Pillow's algorithm: per output
 * pixel a window of input pixels around the mapped centre, filter support widened by the scale factor
 * when downscaling (antialiasing), weights normalised to sum 1, then quantised to fixed point with 22
 * fractional bits; a horizontal pass over only the rows the vertical pass will read, rounded to uint8,
 * then a vertical pass, rounded again.
 */
import type { RgbImage } from "./types.ts";

/** Pillow's resampling filters this suite needs: BILINEAR (2) and BICUBIC (3). */
export type PillowFilter = "bilinear" | "bicubic";

// 32-bit accumulator minus 8 bits of pixel and 2 bits of headroom for filters with negative lobes.
const PRECISION_BITS = 32 - 8 - 2;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

interface Kernel {
  support: number;
  weight(x: number): number;
}

// The arithmetic order of Pillow's filter functions is kept so the doubles round identically.
const KERNELS: Record<PillowFilter, Kernel> = {
  bilinear: {
    support: 1,
    weight(x) {
      if (x < 0) x = -x;
      return x < 1 ? 1 - x : 0;
    },
  },
  bicubic: {
    support: 2,
    weight(x) {
      const a = -0.5;
      if (x < 0) x = -x;
      if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
      if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
      return 0;
    },
  },
};

/** Fixed-point weights of one 1-D pass: output i reads `count[i]` inputs from `first[i]`. */
export interface PassCoefficients {
  /** Weights per output, padded to a common window size. */
  ksize: number;
  first: Int32Array; // [outSize]
  count: Int32Array; // [outSize]
  weights: Int32Array; // [outSize, ksize], each row sums to ≈ 2^22
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the full-image box [0, inSize). */
export function passCoefficients(inSize: number, outSize: number, filter: PillowFilter): PassCoefficients {
  const kernel = KERNELS[filter];
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = kernel.support * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const w = new Float64Array(ksize);
  const ss = 1 / filterScale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      w[x] = kernel.weight((x + xmin - center + 0.5) * ss);
      sum += w[x]!;
    }
    for (let x = 0; x < xmax; x++) {
      const k = sum !== 0 ? w[x]! / sum : w[x]!;
      weights[xx * ksize + x] = k < 0 ? Math.trunc(-0.5 + k * ONE) : Math.trunc(0.5 + k * ONE);
    }
    first[xx] = xmin;
    count[xx] = xmax;
  }
  return { ksize, first, count, weights };
}

// Pillow's clip8: drop the fraction (arithmetic shift, i.e. floor) and saturate to 0..255.
function clip8(acc: number): number {
  const v = Math.floor(acc / ONE);
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function checkInput(img: RgbImage): void {
  if (
    !Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1 ||
    img.data.length !== img.width * img.height * 3
  ) {
    throw new Error(
      `Invalid image "${img.width}x${img.height}": expected ${
        img.width * img.height * 3
      } RGB bytes, got ${img.data.length}`,
    );
  }
}

/**
 * Pillow's `Image.resize((width, height), filter)` on 8-bit RGB: two separable fixed-point passes
 * (horizontal first, over the rows the vertical pass needs), support widened by the scale factor when
 * downscaling. Same size returns a copy, as Pillow does. The input is not modified.
 */
export function pillowResize(img: RgbImage, width: number, height: number, filter: PillowFilter): RgbImage {
  checkInput(img);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new Error(`Cannot resize to "${width}x${height}": width and height must be positive integers`);
  }
  if (!Object.hasOwn(KERNELS, filter)) {
    throw new Error(`Unsupported resampling filter "${filter}": expected "bilinear" or "bicubic"`);
  }
  const needH = width !== img.width;
  const needV = height !== img.height;
  if (!needH && !needV) return { width, height, data: img.data.slice() };

  // Pillow crops the horizontal pass to the rows [rowFirst, rowLast) the vertical weights touch.
  const vert = passCoefficients(img.height, height, filter);
  const rowFirst = needV ? vert.first[0]! : 0;
  const rowLast = needV ? vert.first[height - 1]! + vert.count[height - 1]! : img.height;

  let src = img.data; // [rows, srcWidth, 3]
  let srcWidth = img.width;
  if (needH) {
    const hor = passCoefficients(img.width, width, filter);
    const rows = rowLast - rowFirst;
    const tmp = new Uint8Array(rows * width * 3); // [rows, width, 3]
    for (let y = 0; y < rows; y++) {
      const rowBase = (y + rowFirst) * img.width * 3;
      for (let xx = 0; xx < width; xx++) {
        const k0 = xx * hor.ksize;
        const base = rowBase + hor.first[xx]! * 3;
        let r = HALF, g = HALF, b = HALF;
        for (let x = 0; x < hor.count[xx]!; x++) {
          const k = hor.weights[k0 + x]!;
          const p = base + x * 3;
          r += img.data[p]! * k;
          g += img.data[p + 1]! * k;
          b += img.data[p + 2]! * k;
        }
        const o = (y * width + xx) * 3;
        tmp[o] = clip8(r);
        tmp[o + 1] = clip8(g);
        tmp[o + 2] = clip8(b);
      }
    }
    src = tmp;
    srcWidth = width;
  }
  if (!needV) return { width, height, data: src };

  const out = new Uint8Array(width * height * 3); // [height, width, 3]
  const stride = srcWidth * 3;
  // Rows of `src` start at rowFirst when the horizontal pass ran, at 0 otherwise.
  const shift = needH ? rowFirst : 0;
  for (let yy = 0; yy < height; yy++) {
    const k0 = yy * vert.ksize;
    const top = (vert.first[yy]! - shift) * stride;
    const n = vert.count[yy]!;
    for (let xx = 0; xx < width; xx++) {
      let r = HALF, g = HALF, b = HALF;
      for (let y = 0; y < n; y++) {
        const k = vert.weights[k0 + y]!;
        const p = top + y * stride + xx * 3;
        r += src[p]! * k;
        g += src[p + 1]! * k;
        b += src[p + 2]! * k;
      }
      const o = (yy * width + xx) * 3;
      out[o] = clip8(r);
      out[o + 1] = clip8(g);
      out[o + 2] = clip8(b);
    }
  }
  return { width, height, data: out };
}

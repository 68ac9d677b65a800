/**
 * A tiny integer rasteriser for the synthetic testbed.
 *
 * Everything is drawn with whole-pixel geometry and no antialiasing: a pixel is painted iff its centre
 * lies inside the shape. That keeps generation deterministic and fast (no sharp, no floating-point
 * blending), and keeps glyph pixels crisp, so the only blur a detail ever suffers is the resize on
 * the way into the encoder — which is exactly what the testbed measures.
 */
import type { Rng } from "../engine/rng.ts";
import type { Box, RgbImage } from "../image/types.ts";
import { glyph, GLYPH_HEIGHT, GLYPH_WIDTH, mark } from "./font.ts";

/** An 8-bit RGB colour. */
export type Rgb = readonly [number, number, number];

/** Colour names, in vocabulary order. */
export const COLOUR_NAMES = [
  "red",
  "green",
  "blue",
  "yellow",
  "magenta",
  "cyan",
  "orange",
  "purple",
] as const;
export type ColourName = typeof COLOUR_NAMES[number];

/**
 * The cue palette. Saturated and far apart in RGB (every pair ≥ 95 apart, Euclidean), so a 4×
 * area-averaged object keeps a nameable colour.
 */
export const COLOURS: Readonly<Record<ColourName, Rgb>> = {
  red: [220, 40, 40],
  green: [40, 160, 60],
  blue: [40, 80, 220],
  yellow: [245, 225, 40],
  magenta: [220, 50, 200],
  cyan: [40, 205, 225],
  orange: [250, 130, 20],
  purple: [125, 55, 185],
};

/** Shape names, in vocabulary order. */
export const SHAPES = ["square", "circle", "triangle"] as const;
export type ShapeName = typeof SHAPES[number];

/** Ink for details: near-black on light surfaces, white on dark ones (BT.601 luma threshold). */
export function inkFor(surface: Rgb): Rgb {
  const luma = 0.299 * surface[0] + 0.587 * surface[1] + 0.114 * surface[2];
  return luma > 140 ? [20, 20, 20] : [255, 255, 255];
}

/** Width in pixels of `str` drawn by `drawText` (glyph advance = (5 + spacing) · scale). */
export function textWidth(str: string, scale: number, spacing = 1): number {
  if (str.length === 0) return 0;
  return (str.length * GLYPH_WIDTH + (str.length - 1) * spacing) * scale;
}

/** Height in pixels of a text line at `scale`. */
export function textHeight(scale: number): number {
  return GLYPH_HEIGHT * scale;
}

/** An RGB raster with clipped, integer drawing primitives. */
export class Canvas {
  readonly width: number;
  readonly height: number;
  /** [height, width, 3] row-major. */
  readonly data: Uint8Array;

  constructor(width: number, height: number, background: Rgb) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
      throw new RangeError(`Canvas size must be positive integers, got "${width}x${height}"`);
    }
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 3);
    this.fillRect(0, 0, width, height, background);
  }

  /** Colour of one pixel. */
  get(x: number, y: number): Rgb {
    const i = (y * this.width + x) * 3;
    return [this.data[i]!, this.data[i + 1]!, this.data[i + 2]!];
  }

  /** Paint one pixel; outside the canvas is ignored. */
  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const i = (y * this.width + x) * 3;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  /** Fill the w×h rectangle whose top-left pixel is (x, y). */
  fillRect(x: number, y: number, w: number, h: number, c: Rgb): void {
    const x0 = Math.max(0, Math.floor(x));
    const y0 = Math.max(0, Math.floor(y));
    const x1 = Math.min(this.width, Math.floor(x + w));
    const y1 = Math.min(this.height, Math.floor(y + h));
    if (x1 <= x0 || y1 <= y0) return;
    // Paint the first row pixel by pixel, then copy it down: copyWithin is a memmove.
    const first = (y0 * this.width + x0) * 3;
    const rowBytes = (x1 - x0) * 3;
    for (let i = first; i < first + rowBytes; i += 3) {
      this.data[i] = c[0];
      this.data[i + 1] = c[1];
      this.data[i + 2] = c[2];
    }
    for (let yy = y0 + 1; yy < y1; yy++) {
      const at = (yy * this.width + x0) * 3;
      this.data.copyWithin(at, first, first + rowBytes);
    }
  }

  /** Outline of the w×h rectangle at (x, y), `thickness` pixels inward. */
  strokeRect(x: number, y: number, w: number, h: number, thickness: number, c: Rgb): void {
    const t = Math.min(thickness, Math.ceil(w / 2), Math.ceil(h / 2));
    this.fillRect(x, y, w, t, c);
    this.fillRect(x, y + h - t, w, t, c);
    this.fillRect(x, y + t, t, h - 2 * t, c);
    this.fillRect(x + w - t, y + t, t, h - 2 * t, c);
  }

  /** Disc: every pixel whose centre is within `r` of (cx, cy). */
  fillCircle(cx: number, cy: number, r: number, c: Rgb): void {
    const y0 = Math.max(0, Math.floor(cy - r));
    const y1 = Math.min(this.height - 1, Math.ceil(cy + r));
    const x0 = Math.max(0, Math.floor(cx - r));
    const x1 = Math.min(this.width - 1, Math.ceil(cx + r));
    const r2 = r * r;
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      for (let x = x0; x <= x1; x++) {
        const dx = x + 0.5 - cx;
        if (dx * dx + dy * dy <= r2) this.set(x, y, c);
      }
    }
  }

  /** Triangle: every pixel whose centre is inside or on an edge (either winding). */
  fillTriangle(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, c: Rgb): void {
    const y0 = Math.max(0, Math.floor(Math.min(ay, by, cy)));
    const y1 = Math.min(this.height - 1, Math.ceil(Math.max(ay, by, cy)));
    const x0 = Math.max(0, Math.floor(Math.min(ax, bx, cx)));
    const x1 = Math.min(this.width - 1, Math.ceil(Math.max(ax, bx, cx)));
    const edge = (px: number, py: number, qx: number, qy: number, x: number, y: number) =>
      (qx - px) * (y - py) - (qy - py) * (x - px);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const px = x + 0.5;
        const py = y + 0.5;
        const e0 = edge(ax, ay, bx, by, px, py);
        const e1 = edge(bx, by, cx, cy, px, py);
        const e2 = edge(cx, cy, ax, ay, px, py);
        if ((e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0)) this.set(x, y, c);
      }
    }
  }

  /** Draw a 0/1 bitmap with its top-left at (x, y), each bit a scale×scale block. */
  drawBitmap(rows: readonly string[], x: number, y: number, scale: number, c: Rgb): void {
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let k = 0; k < row.length; k++) {
        if (row[k] === "1") this.fillRect(x + k * scale, y + r * scale, scale, scale, c);
      }
    }
  }

  /** One 5×7 glyph (× scale) with its top-left at (x, y). */
  drawGlyph(char: string, x: number, y: number, scale: number, c: Rgb): void {
    this.drawBitmap(glyph(char), x, y, scale, c);
  }

  /** One 5×5 mark (× scale) with its top-left at (x, y). */
  drawMark(name: string, x: number, y: number, scale: number, c: Rgb): void {
    this.drawBitmap(mark(name), x, y, scale, c);
  }

  /** A line of glyphs; `spacing` font pixels between glyphs (so the advance is (5 + spacing) · scale). */
  drawText(str: string, x: number, y: number, scale: number, c: Rgb, spacing = 1): void {
    for (let i = 0; i < str.length; i++) {
      this.drawGlyph(str[i]!, x + i * (GLYPH_WIDTH + spacing) * scale, y, scale, c);
    }
  }

  /**
   * Add the same uniform integer offset in [-amount, amount] to the three channels of each pixel
   * (luminance noise, so hues stay put), clamped to [0, 255].
   */
  noise(rng: Rng, amount: number): void {
    if (!(amount > 0)) return;
    const a = Math.floor(amount);
    const span = 2 * a + 1;
    const n = this.width * this.height;
    // A clamped view does the [0, 255] clamping (and rounding) on store.
    const px = new Uint8ClampedArray(this.data.buffer, this.data.byteOffset, this.data.length);
    // Per-pixel draws come from a local xorshift32 seeded by one draw of `rng`: Rng calls cost ~40 ns
    // each, which would dominate generation time; noise needs no more than xorshift quality.
    let state = rng.uint32() | 1;
    let bits = 0;
    for (let p = 0, i = 0; p < n; p++, i += 3) {
      if ((p & 3) === 0) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        bits = state;
      }
      const d = ((((bits >>> ((p & 3) << 3)) & 0xff) * span) >> 8) - a;
      px[i] = px[i]! + d;
      px[i + 1] = px[i + 1]! + d;
      px[i + 2] = px[i + 2]! + d;
    }
  }

  /** A copy of the pixels as an RgbImage. */
  toImage(): RgbImage {
    return { width: this.width, height: this.height, data: this.data.slice() };
  }
}

/** Box of the square of side `size` at (x, y), i.e. the area a shape of that size occupies. */
export function shapeBox(x: number, y: number, size: number): Box {
  return [x, y, x + size, y + size];
}

/**
 * Fill a square / circle / triangle inscribed in the size×size square at (x, y). The triangle is
 * isosceles, apex at top centre, base along the bottom edge.
 */
export function fillShape(
  canvas: Canvas,
  shape: ShapeName,
  x: number,
  y: number,
  size: number,
  c: Rgb,
): void {
  switch (shape) {
    case "square":
      canvas.fillRect(x, y, size, size, c);
      return;
    case "circle":
      canvas.fillCircle(x + size / 2, y + size / 2, size / 2, c);
      return;
    case "triangle":
      canvas.fillTriangle(x + size / 2, y, x, y + size, x + size, y + size, c);
      return;
  }
}

/**
 * Top-left corner at which a w×h block sits fully inside the shape with `margin` pixels of shape
 * colour around it, or undefined if it does not fit. Square and circle: centred. Triangle: centred
 * horizontally and as low as the margin allows, where the triangle is widest.
 */
export function placeInShape(
  shape: ShapeName,
  x: number,
  y: number,
  size: number,
  w: number,
  h: number,
  margin: number,
): [number, number] | undefined {
  const left = x + Math.floor((size - w) / 2);
  switch (shape) {
    case "square": {
      if (w + 2 * margin > size || h + 2 * margin > size) return undefined;
      return [left, y + Math.floor((size - h) / 2)];
    }
    case "circle": {
      const top = y + Math.floor((size - h) / 2);
      const cx = x + size / 2;
      const cy = y + size / 2;
      const r = size / 2 - margin;
      // The farthest pixel centre of the block from the disc centre must lie inside the shrunk disc.
      const dx = Math.max(Math.abs(left + 0.5 - cx), Math.abs(left + w - 0.5 - cx)) + 0.5;
      const dy = Math.max(Math.abs(top + 0.5 - cy), Math.abs(top + h - 0.5 - cy)) + 0.5;
      return dx * dx + dy * dy <= r * r ? [left, top] : undefined;
    }
    case "triangle": {
      const top = y + size - margin - h;
      // Triangle width at depth d below the apex is d (base = height = size); the block's top row must
      // leave `margin` on each side.
      const widthAtTop = top - y;
      if (top - margin < y || widthAtTop < w + 2 * margin + 1) return undefined;
      return [left, top];
    }
  }
}

/**
 * Smallest shape size ≥ `min` from which on EVERY size holds a w×h block with `margin` (see
 * placeInShape). Centring on whole pixels makes fitting depend on the parity of size − w, so a size
 * counts only if the next one fits too; within one parity fitting is monotone in size.
 */
export function minShapeSize(shape: ShapeName, w: number, h: number, margin: number, min = 1): number {
  const fits = (s: number) => placeInShape(shape, 0, 0, s, w, h, margin) !== undefined;
  let size = Math.max(min, w + 2 * margin, h + 2 * margin);
  while (!fits(size) || !fits(size + 1)) size++;
  return size;
}

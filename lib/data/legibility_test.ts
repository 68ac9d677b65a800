/**
 * The testbed's premise, measured: a scale-1 detail is illegible in the encoder's global view of a
 * 256×256 image (letterboxed to 64×64, 4× down) and legible in a 48-px crop around it resized to
 * 64×64 (1.33× up), while cue colours survive the global view.
 *
 * Criterion. A detail counts as legible at a resolution if a nearest-template reader recognises it:
 * every character (or mark) is rendered once as a template, at a fixed position, and pushed through
 * the same view; a test rendering at a different sub-pixel phase (position mod 4 in the source, so a
 * different alignment to the encoder's pixel grid) is classified by the highest normalised
 * correlation with any template, searched over small shifts. Zero-mean, unit-norm patches make the
 * reader ignore brightness and contrast, so it reads shape only. This is a weak reader (no learning),
 * which is the point for the crop: if even template matching reads ≥ 95 % of crops, a trained encoder
 * can. For the global view a weak reader near chance shows the shape is gone at the pixel level; the
 * phase differs from the template's, as it would between training and test images.
 */
import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { cropResize, letterbox } from "../image/resize.ts";
import type { RgbImage } from "../image/types.ts";
import { GLYPHS, MARK_NAMES } from "./font.ts";
import { Canvas, COLOUR_NAMES, COLOURS, type Rgb } from "./raster.ts";

const SURFACE: Rgb = COLOURS.blue;
const INK: Rgb = [255, 255, 255];

/** A 256×256 scene: neutral background, a 40-px blue square, the detail (w×h at `scale`) at (gx, gy). */
function scene(draw: (c: Canvas) => void, gx: number, gy: number, rng: Rng): RgbImage {
  const c = new Canvas(256, 256, [214, 214, 208]);
  c.fillRect(gx - 18, gy - 16, 40, 40, SURFACE);
  draw(c);
  c.noise(rng, 4);
  return c.toImage();
}

/** Zero-mean, unit-norm grey patch (sum of channels) of a size×size×3 view; out-of-range reads clamp. */
function patch(p: Float32Array, size: number, x0: number, y0: number, w: number, h: number): Float64Array {
  const out = new Float64Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const xx = Math.min(size - 1, Math.max(0, x0 + x));
      const yy = Math.min(size - 1, Math.max(0, y0 + y));
      const i = (yy * size + xx) * 3;
      out[y * w + x] = p[i]! + p[i + 1]! + p[i + 2]!;
    }
  }
  const mean = out.reduce((s, v) => s + v, 0) / out.length;
  let norm = 0;
  for (let i = 0; i < out.length; i++) norm += (out[i]! -= mean) ** 2;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

interface View {
  pixels: Float32Array;
  /** Top-left of the window expected to hold the detail, and the window size and shift range. */
  x: number;
  y: number;
  w: number;
  h: number;
  shift: number;
}

type Mode = "global" | "crop";

/**
 * Render the detail at (gx, gy) and look at it: "global" = the whole image letterboxed to 64 (the
 * detail covers ~1.25×1.75 encoder pixels per scale unit), "crop" = a 48-px box around it
 * (offset by jx, jy) resized to 64.
 */
async function look(
  mode: Mode,
  draw: (c: Canvas, gx: number, gy: number) => void,
  size: [number, number],
  gx: number,
  gy: number,
  jx: number,
  jy: number,
  rng: Rng,
): Promise<View> {
  const img = scene((c) => draw(c, gx, gy), gx, gy, rng);
  const [w, h] = size;
  if (mode === "global") {
    const { pixels } = await letterbox(img, 64);
    return {
      pixels,
      x: Math.floor(gx / 4) - 1,
      y: Math.floor(gy / 4) - 1,
      w: Math.ceil(w / 4) + 3,
      h: Math.ceil(h / 4) + 3,
      shift: 1,
    };
  }
  const x0 = gx + Math.floor(w / 2) - 24 + jx;
  const y0 = gy + Math.floor(h / 2) - 24 + jy;
  const pixels = await cropResize(img, [x0, y0, x0 + 48, y0 + 48], 64);
  return {
    pixels,
    x: Math.floor(((gx - x0) * 4) / 3) - 2,
    y: Math.floor(((gy - y0) * 4) / 3) - 2,
    w: Math.ceil((w * 4) / 3) + 4,
    h: Math.ceil((h * 4) / 3) + 4,
    shift: 2,
  };
}

/** Accuracy of the nearest-template reader over `trials` random phases per class. */
async function readAccuracy(
  mode: Mode,
  classes: readonly string[],
  draw: (name: string) => (c: Canvas, gx: number, gy: number) => void,
  size: [number, number],
  trials: number,
  seed: number,
): Promise<number> {
  const rng = new Rng(seed);
  const templates = new Map<string, Float64Array>();
  for (const name of classes) {
    // Template phase (0, 0) and a centred crop.
    const v = await look(mode, draw(name), size, 120, 120, 0, 0, rng);
    templates.set(name, patch(v.pixels, 64, v.x, v.y, v.w, v.h));
  }
  let correct = 0;
  for (const name of classes) {
    for (let t = 0; t < trials; t++) {
      let px: number, py: number;
      do [px, py] = [rng.int(4), rng.int(4)]; while (px === 0 && py === 0);
      const gx = 40 + 4 * rng.int(40) + px;
      const gy = 40 + 4 * rng.int(40) + py;
      const v = await look(mode, draw(name), size, gx, gy, rng.range(-4, 4), rng.range(-4, 4), rng);
      let best = "";
      let bestScore = -Infinity;
      for (let dy = -v.shift; dy <= v.shift; dy++) {
        for (let dx = -v.shift; dx <= v.shift; dx++) {
          const p = patch(v.pixels, 64, v.x + dx, v.y + dy, v.w, v.h);
          for (const [other, tpl] of templates) {
            let score = 0;
            for (let i = 0; i < p.length; i++) score += p[i]! * tpl[i]!;
            if (score > bestScore) [bestScore, best] = [score, other];
          }
        }
      }
      if (best === name) correct++;
    }
  }
  return correct / (classes.length * trials);
}

const CHARS = Object.keys(GLYPHS);
const glyphAt = (scale: number) => (ch: string) => (c: Canvas, gx: number, gy: number) =>
  c.drawGlyph(ch, gx, gy, scale, INK);
const markAt = (name: string) => (c: Canvas, gx: number, gy: number) => c.drawMark(name, gx, gy, 1, INK);

Deno.test("scale-1 glyphs are illegible in the 64-px global view and legible in a 48-px crop", async () => {
  const global = await readAccuracy("global", CHARS, glyphAt(1), [5, 7], 8, 1);
  const crop = await readAccuracy("crop", CHARS, glyphAt(1), [5, 7], 8, 2);
  console.log(
    `glyphs (chance ${(1 / CHARS.length).toFixed(3)}): global ${global.toFixed(3)}, crop ${crop.toFixed(3)}`,
  );
  assert.ok(global <= 0.15, `global view reads ${global}`);
  assert.ok(crop >= 0.95, `crop reads ${crop}`);
});

Deno.test("scale-1 marks are near chance globally and legible in a crop", async () => {
  const global = await readAccuracy("global", MARK_NAMES, markAt, [5, 5], 40, 3);
  const crop = await readAccuracy("crop", MARK_NAMES, markAt, [5, 5], 40, 4);
  console.log(`marks (chance 0.200): global ${global.toFixed(3)}, crop ${crop.toFixed(3)}`);
  assert.ok(global <= 0.35, `global view reads ${global}`);
  assert.ok(crop >= 0.95, `crop reads ${crop}`);
});

Deno.test("scale-2 glyphs of the training suites are more legible globally than scale-1 ones", async () => {
  const global1 = await readAccuracy("global", CHARS, glyphAt(1), [5, 7], 4, 5);
  const global2 = await readAccuracy("global", CHARS, glyphAt(2), [10, 14], 4, 5);
  console.log(`glyphs global: scale 1 ${global1.toFixed(3)}, scale 2 ${global2.toFixed(3)}`);
  assert.ok(global2 > global1 + 0.1, `scale 2 reads ${global2}, scale 1 ${global1}`);
});

Deno.test("cue colours survive the global view: a 36-px object keeps its nearest palette colour", async () => {
  for (const [i, name] of COLOUR_NAMES.entries()) {
    const c = new Canvas(256, 256, [214, 214, 208]);
    const x = 30 + 23 * i;
    c.fillCircle(x + 18, 130, 18, COLOURS[name]);
    c.drawMark("cross", x + 16, 128, 1, [255, 255, 255]);
    c.noise(new Rng(i), 8);
    const { pixels } = await letterbox(c.toImage(), 64);
    // Encoder pixel nearest to the circle's centre, off the mark: 2 pixels left of centre.
    const gx = Math.floor((x + 18) / 4) - 2;
    const gy = Math.floor(130 / 4);
    const v = [0, 1, 2].map((k) => pixels[(gy * 64 + gx) * 3 + k]! * 255);
    const nearest = COLOUR_NAMES.reduce((best, other) => {
      const d = (n: typeof other) => Math.hypot(...COLOURS[n].map((ch, k) => ch - v[k]!));
      return d(other) < d(best) ? other : best;
    });
    assert.equal(nearest, name, `${name} reads as ${nearest} (${v.map(Math.round)})`);
  }
});

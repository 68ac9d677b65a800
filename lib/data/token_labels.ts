/**
 * Vision-tower pretraining data: encoder-sized views with a label per visual token — which glyph or mark
 * is centred in that token's patch (or none). The analogue of the pretrained CLIP tower LLaVA starts from.
 *
 * Why: a ViT trained from scratch through the language model's answer loss did not learn to read glyphs at
 * arbitrary pixel offsets within the pretraining budget (measured: a stem + mean-pool classifier learned
 * fixed-position digits in 100 steps, random-position ones not at all). Dense per-token labels give every
 * glyph its own supervised example, at every sub-patch phase and at the scales crops produce.
 *
 * Views are drawn on a canvas of random side W ∈ [40, 112] px (glyphs at scale 1, some at 2) and resized
 * to the encoder input with the same sharp lanczos3 path as real crops, so glyphs appear at 0.6–1.6× (up to
 * 3.2× for scale 2) with the same resampling blur as at inference.
 */
import type { Rng } from "../engine/rng.ts";
import { cropResize } from "../image/resize.ts";
import { GLYPH_HEIGHT, GLYPH_WIDTH, MARK_NAMES, MARK_SIZE } from "./font.ts";
import { Canvas, COLOUR_NAMES, COLOURS, inkFor, type Rgb } from "./raster.ts";
import { ALNUM, backgroundTone, DECOY_INK } from "./suites/common.ts";

/** Class 0 = no detail, 1..36 = CODE characters, 37.. = marks. */
export const TOKEN_CLASSES: readonly string[] = ["none", ...ALNUM, ...MARK_NAMES];

/** Draw a random mark or glyph with its top-left corner at (x, y); returns its class. */
function drawRandomDetail(
  canvas: Canvas,
  rng: Rng,
  isMark: boolean,
  x: number,
  y: number,
  scale: number,
  ink: Rgb,
): number {
  if (isMark) {
    const m = rng.pick(MARK_NAMES);
    canvas.drawMark(m, x, y, scale, ink);
    return TOKEN_CLASSES.indexOf(m);
  }
  const ch = ALNUM[rng.int(ALNUM.length)]!;
  canvas.drawGlyph(ch, x, y, scale, ink);
  return TOKEN_CLASSES.indexOf(ch);
}

export interface TokenLabelled {
  /** [S, S, 3] in [0, 1]. */
  pixels: Float32Array;
  /** [G·G] class per token. */
  labels: Int32Array;
}

/**
 * One labelled view; the canvas side is drawn from `sides` (inclusive), which sets the glyph scale
 * size / W at the encoder input.
 */
export async function tokenLabelledView(
  rng: Rng,
  size: number,
  patch: number,
  sides: readonly [number, number] = [40, 112],
  glyphScale?: number,
): Promise<TokenLabelled> {
  const W = rng.range(sides[0], sides[1]);
  const canvas = new Canvas(W, W, backgroundTone(rng));
  canvas.noise(rng, 6);
  // A few coloured blobs as surfaces, like the cue objects details sit on.
  for (let k = rng.range(0, 3); k > 0; k--) {
    const s = rng.range(12, Math.max(13, Math.floor(W * 0.8)));
    canvas.fillRect(
      rng.range(0, W - Math.min(s, W)),
      rng.range(0, W - Math.min(s, W)),
      s,
      s,
      COLOURS[rng.pick(COLOUR_NAMES)],
    );
  }
  const g = size / patch;
  const labels = new Int32Array(g * g);
  const scaleOut = size / W;
  for (let k = rng.range(2, 6); k > 0; k--) {
    const drawn = rng.chance(0.8) ? 1 : 2;
    const scale = glyphScale ?? drawn;
    const isMark = rng.chance(0.3);
    const w = (isMark ? MARK_SIZE : GLYPH_WIDTH) * scale;
    const h = (isMark ? MARK_SIZE : GLYPH_HEIGHT) * scale;
    if (w >= W || h >= W) continue;
    const x = rng.range(0, W - w);
    const y = rng.range(0, W - h);
    const gx = Math.floor(((x + w / 2) * scaleOut) / patch);
    const gy = Math.floor(((y + h / 2) * scaleOut) / patch);
    if (labels[gy * g + gx] !== 0) continue; // one detail per token
    const at = ((y + (h >> 1)) * W + x + (w >> 1)) * 3;
    const ink = inkFor([canvas.data[at]!, canvas.data[at + 1]!, canvas.data[at + 2]!]);
    labels[gy * g + gx] = drawRandomDetail(canvas, rng, isMark, x, y, scale, ink);
  }
  const pixels = await cropResize(canvas.toImage(), [0, 0, W, W], size);
  return { pixels, labels };
}

/**
 * A dense labelled view: glyphs and marks drawn at font scale `glyphScale` on a jittered grid, one detail
 * centred in most tokens, so every view carries ~40 labelled examples instead of the 2–5 of
 * `tokenLabelledView`. The canvas side is chosen so a glyph is `widthRange` pixels wide at the encoder input
 * (the span crops produce). Some details use the grey decoy ink; their label is still their class, since
 * the tower must see every glyph and the language model learns which ink answers.
 */
export async function glyphSheetView(
  rng: Rng,
  size: number,
  patch: number,
  glyphScale: number,
  widthRange: readonly [number, number],
): Promise<TokenLabelled> {
  const widthOut = widthRange[0] + rng.next() * (widthRange[1] - widthRange[0]);
  const W = Math.max(8, Math.round((GLYPH_WIDTH * glyphScale * size) / widthOut));
  const canvas = new Canvas(W, W, backgroundTone(rng));
  canvas.noise(rng, 6);
  for (let k = rng.range(0, 3); k > 0; k--) {
    const s = Math.min(W, rng.range(12, Math.max(13, Math.floor(W * 0.6))));
    canvas.fillRect(rng.range(0, W - s), rng.range(0, W - s), s, s, COLOURS[rng.pick(COLOUR_NAMES)]);
  }
  const g = size / patch;
  const labels = new Int32Array(g * g);
  const cell = W / g; // canvas pixels per token
  const taken: [number, number, number, number][] = [];
  const order = rng.shuffle(Array.from({ length: g * g }, (_, i) => i));
  for (const t of order) {
    if (!rng.chance(0.75)) continue;
    const isMark = rng.chance(0.2);
    const w = (isMark ? MARK_SIZE : GLYPH_WIDTH) * glyphScale;
    const h = (isMark ? MARK_SIZE : GLYPH_HEIGHT) * glyphScale;
    // Centre anywhere in the token's cell (every sub-patch phase), the glyph wholly on the canvas.
    const cx = (t % g + rng.next()) * cell;
    const cy = (Math.floor(t / g) + rng.next()) * cell;
    const x = Math.round(cx - w / 2);
    const y = Math.round(cy - h / 2);
    if (x < 0 || y < 0 || x + w > W || y + h > W) continue;
    if (taken.some((b) => x < b[2] + 1 && b[0] < x + w + 1 && y < b[3] + 1 && b[1] < y + h + 1)) continue;
    const gx = Math.min(g - 1, Math.floor((x + w / 2) / cell));
    const gy = Math.min(g - 1, Math.floor((y + h / 2) / cell));
    if (labels[gy * g + gx] !== 0) continue;
    taken.push([x, y, x + w, y + h]);
    const at = ((y + (h >> 1)) * W + x + (w >> 1)) * 3;
    const ink = rng.chance(0.25)
      ? DECOY_INK
      : inkFor([canvas.data[at]!, canvas.data[at + 1]!, canvas.data[at + 2]!]);
    labels[gy * g + gx] = drawRandomDetail(canvas, rng, isMark, x, y, glyphScale, ink);
  }
  const pixels = await cropResize(canvas.toImage(), [0, 0, W, W], size);
  return { pixels, labels };
}

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
import { Canvas, COLOUR_NAMES, COLOURS, inkFor } from "./raster.ts";
import { ALNUM, backgroundTone } from "./suites/common.ts";

/** Class 0 = no detail, 1..36 = CODE characters, 37.. = marks. */
export const TOKEN_CLASSES: readonly string[] = ["none", ...ALNUM, ...MARK_NAMES];

export interface TokenLabelled {
  /** [S, S, 3] in [0, 1]. */
  pixels: Float32Array;
  /** [G·G] class per token. */
  labels: Int32Array;
}

export async function tokenLabelledView(rng: Rng, size: number, patch: number): Promise<TokenLabelled> {
  const W = rng.range(40, 112);
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
    const scale = rng.chance(0.8) ? 1 : 2;
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
    let cls: number;
    if (isMark) {
      const m = rng.pick(MARK_NAMES);
      canvas.drawMark(m, x, y, scale, ink);
      cls = TOKEN_CLASSES.indexOf(m);
    } else {
      const ch = ALNUM[rng.int(ALNUM.length)]!;
      canvas.drawGlyph(ch, x, y, scale, ink);
      cls = TOKEN_CLASSES.indexOf(ch);
    }
    labels[gy * g + gx] = cls;
  }
  const pixels = await cropResize(canvas.toImage(), [0, 0, W, W], size);
  return { pixels, labels };
}

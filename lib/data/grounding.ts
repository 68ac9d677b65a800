/**
 * Grounding samples for pretraining — the analogue of the region-level data in LLaVA-1.5's instruction mix
 * (RefCOCO / Visual Genome: "give the box of <referring expression>"), which is where a LLaVA learns to find
 * the object a question names.
 *
 * Why: SD-RPN distils the answer→image attention of the middle layers, so the base model must look at the
 * object a question names. Trained on the training suites alone, our model answers from the appended crop
 * and its attention on the whole image does not single out the target (measured on the wide model, stage 3:
 * 0.94× a uniform map's mass on the target at the grounding layer, README "What pretraining measured"). On
 * the whole 64-px view the details are illegible, so nothing in those samples rewards finding the cued
 * object; a question whose answer is *where* the object is does.
 *
 *   which box is the red circle in ?   →  C5
 *
 * The answer names the cell of the encoder's token grid (columns A, B, …; rows 1, 2, …; the letterboxed
 * view of a square image) that holds the object's centre. Images and objects are train-scenes draws on a
 * stream of their own (never an evaluation suite); every word is in VOCAB_WORDS, the cell code is spelt in
 * CODE_CHARS. Sample i depends only on (seed, i).
 */
import { hashSeed, Rng } from "../engine/rng.ts";
import type { Box, RgbImage } from "../image/types.ts";
import { generateTraced } from "./suites.ts";

export interface GroundingSample {
  question: string;
  answer: string;
  image: RgbImage;
  /** The named object's box (for tests only). */
  box: Box;
}

/** The training suite whose scenes grounding samples are drawn from (square images, cue = colour + shape). */
export const GROUNDING_SUITE = "train-scenes";

/**
 * The cell code of the `grid`×`grid` token grid holding the centre of `box` in a square `side`-px image:
 * column letter then row number ("A1" top left).
 */
export function cellCode(box: Box, side: number, grid: number): string {
  const [x0, y0, x1, y1] = box;
  const cell = (a0: number, a1: number) => Math.min(grid - 1, Math.floor(((a0 + a1) / 2) * grid / side));
  return `${String.fromCharCode(65 + cell(x0, x1))}${cell(y0, y1) + 1}`;
}

/** Grounding sample `index` for `seed`, on the encoder's `grid`×`grid` token grid. */
export function groundingSample(index: number, seed: number, grid: number): GroundingSample {
  const traced = generateTraced(GROUNDING_SUITE, index, hashSeed(seed, "grounding"));
  const { image, objects } = traced;
  if (image.width !== image.height) {
    throw new Error(`Grounding needs square images, ${GROUNDING_SUITE} drew ${image.width}×${image.height}`);
  }
  // Any cue object, not only the one the suite's question asks about: colour + shape is unique per scene.
  const object = new Rng(hashSeed(seed, `grounding/object/${index}`)).pick(objects);
  if (!object.shape) throw new Error(`Grounding needs shape objects, ${GROUNDING_SUITE} drew one without`);
  return {
    question: `which box is the ${object.colour} ${object.shape} in ?`,
    answer: cellCode(object.box, image.width, grid),
    image,
    box: object.box,
  };
}

/**
 * Chebyshev distance in cells between two cell codes ("C5" vs "D4" → 1), or Infinity when `answer` is not a
 * cell code of the `grid` (a malformed or out-of-grid answer is never "near").
 */
export function cellDistance(answer: string, truth: string, grid: number): number {
  const parse = (code: string): [number, number] | undefined => {
    const m = /^([A-Z])([1-9][0-9]*)$/.exec(code);
    if (!m) return undefined;
    const col = m[1]!.charCodeAt(0) - 65;
    const row = Number(m[2]) - 1;
    return col < grid && row < grid ? [col, row] : undefined;
  };
  const a = parse(answer);
  const t = parse(truth);
  if (!t) throw new Error(`"${truth}" is not a cell code of a ${grid}×${grid} grid`);
  return a ? Math.max(Math.abs(a[0] - t[0]), Math.abs(a[1] - t[1])) : Infinity;
}

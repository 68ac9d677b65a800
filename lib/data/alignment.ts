/**
 * Alignment samples for pretraining — the analogue of LLaVA's stage-1 data, where the vision tower learns
 * to hand its features to the language model before instruction tuning.
 *
 * Why: LLaVA starts from a pretrained CLIP; our ViT starts from scratch. Trained only on the cluttered
 * training suites, the model first learns the answer priors and ignores the image (measured: at step 350
 * of the first pretraining run, answers were identical with and without the detail visible). One object
 * per small image removes the binding problem (which object?) so the gradient teaches glyph and mark
 * reading directly; the full scenes then teach finding the cued object.
 *
 * Same language as the suites (every word in VOCAB_WORDS); not an evaluation suite and never written to
 * disk. Sample i depends only on (seed, i).
 */
import { hashSeed, Rng } from "../engine/rng.ts";
import type { Box, RgbImage } from "../image/types.ts";
import { MARK_NAMES } from "./font.ts";
import { Canvas, COLOUR_NAMES, type ColourName, COLOURS, type ShapeName, SHAPES } from "./raster.ts";
import {
  ALNUM,
  backgroundTone,
  type Detail,
  DETAIL_SCALE,
  drawShapeWithDetail,
  markOptions,
  minSizeFor,
  pairExcept,
  randomCode,
  sideQuestion,
  withOptions,
} from "./suites/common.ts";

export interface AlignmentSample {
  question: string;
  answer: string;
  image: RgbImage;
  /** The object's box and the detail drawn in it (for tests only). */
  box: Box;
  detail: Detail;
}

/** Canvas side: the object fills most of it, so the letterboxed 64-px view keeps details legible. */
export const ALIGNMENT_SIZE = 72;

/**
 * Alignment sample `index` for `seed`. With `choiceShare` > 0 that share of samples (decided on a stream of
 * its own, so the other samples are byte-identical to `choiceShare` = 0) become multiple-choice questions:
 * "which mark is on …" with 2–4 options, or a mark pair with "on the left / right inside …" and 2 options,
 * answered by the option letter. Why: after 4000 MLLM steps on the training suites the model still gave one
 * letter to every multiple-choice question (README "What pretraining measured"); on one object the only
 * thing left to learn is matching the read mark to its option.
 */
export function alignmentSample(index: number, seed: number, choiceShare = 0): AlignmentSample {
  if (choiceShare > 0 && new Rng(hashSeed(seed, `alignment/choice/${index}`)).next() < choiceShare) {
    return choiceSample(new Rng(hashSeed(seed, `alignment-choice/${index}`)));
  }
  const rng = new Rng(hashSeed(seed, `alignment/${index}`));
  const colour = rng.pick(COLOUR_NAMES);
  const shape = rng.pick(SHAPES);
  // The evaluation suites' detail scale (lib/data/suites/common.ts DETAIL_SCALE), a third of the time one up.
  const scale = rng.chance(0.7) ? DETAIL_SCALE : DETAIL_SCALE + 1;
  const kind = rng.pick(["code", "mark", "yes", "no"] as const);
  const code = randomCode(rng, scale === DETAIL_SCALE ? rng.range(1, 2) : 1);
  const mark = rng.pick(MARK_NAMES);
  const useMark = (kind === "yes" || kind === "no") ? rng.chance(0.5) : kind === "mark";
  const detail: Detail = useMark ? { kind: "mark", mark } : { kind: "code", text: code };
  const { image, box } = drawObject(rng, colour, shape, detail, scale);
  const ref = `the ${colour} ${shape}`;
  let question: string;
  let answer: string;
  if (kind === "code" || kind === "mark") {
    question = useMark ? `what mark is on ${ref} ?` : `what code is on ${ref} ?`;
    answer = useMark ? mark : code;
  } else if (useMark) {
    const asked = kind === "yes" ? mark : rng.pick(MARK_NAMES.filter((m) => m !== mark));
    question = `is there a ${asked} on ${ref} ?`;
    answer = kind;
  } else {
    const asked = kind === "yes"
      ? code[rng.int(code.length)]!
      : rng.pick([...ALNUM].filter((c) => !code.includes(c)));
    question = `is there a ${asked} on ${ref} ?`;
    answer = kind;
  }
  return { question, answer, image, box, detail };
}

/** One shape of `colour` carrying `detail`, 40–64 px, somewhere on a noisy ALIGNMENT_SIZE canvas. */
function drawObject(
  rng: Rng,
  colour: ColourName,
  shape: ShapeName,
  detail: Detail,
  scale: number,
): { image: RgbImage; box: Box } {
  const canvas = new Canvas(ALIGNMENT_SIZE, ALIGNMENT_SIZE, backgroundTone(rng));
  canvas.noise(rng, 6);
  const min = minSizeFor({ shape, detail, scale });
  const size = Math.min(ALIGNMENT_SIZE - 4, Math.max(min, rng.range(40, 64)));
  const x = rng.range(0, ALIGNMENT_SIZE - size);
  const y = rng.range(0, ALIGNMENT_SIZE - size);
  const box: Box = [x, y, x + size, y + size];
  drawShapeWithDetail(canvas, { colour: COLOURS[colour], shape, detail, scale, size }, box);
  return { image: canvas.toImage(), box };
}

/** A single-object multiple-choice question (the V*-attribute / V*-spatial question forms). */
function choiceSample(rng: Rng): AlignmentSample {
  const colour = rng.pick(COLOUR_NAMES);
  const shape = rng.pick(SHAPES);
  const ref = `the ${colour} ${shape}`;
  if (rng.chance(0.5)) {
    const mark = rng.pick(MARK_NAMES);
    const { image, box } = drawObject(rng, colour, shape, { kind: "mark", mark }, DETAIL_SCALE);
    const o = markOptions(rng, mark, [], rng.range(2, 4));
    const question = withOptions(`which mark is on ${ref} ?`, o.options);
    return { question, answer: o.answer, image, box, detail: { kind: "mark", mark } };
  }
  const pair = pairExcept(rng, []) as Extract<Detail, { kind: "pair" }>;
  const { image, box } = drawObject(rng, colour, shape, pair, DETAIL_SCALE);
  const q = sideQuestion(rng, ref, pair);
  return { question: q.question, answer: q.answer, image, box, detail: pair };
}

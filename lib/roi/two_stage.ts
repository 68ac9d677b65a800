import * as tf from "@tensorflow/tfjs";
import { answerAll, type AnswerRequest } from "../eval/answer.ts";
import type { RgbImage } from "../image/types.ts";
import type { Mllm, PrefixRow, VisualBlock } from "../model/mllm.ts";
import type { Params } from "../model/tensors.ts";
import { proposeRoi, type RoiProposal } from "./propose.ts";
import { softmax } from "./softmax.ts";
import { type RpnInput, rpnLogits, type RpnShape } from "./rpn.ts";
import { type RoiCrop, roiCrops } from "./upscale_geometry.ts";

/** A trained RPN: its shape and branch variables (RPN names). */
export interface Rpn {
  shape: RpnShape;
  params: Params;
  /** "labels": logits are BCE logits; "attention": logits of a softmax over cells (relative threshold). */
  target: "labels" | "attention";
}

export interface StageOneOptions {
  batchSize?: number;
  /**
   * Keep each question's [system, image] prefix state — the global image's visual tokens, layers 0..B−1's
   * keys/values and the layer-B residual stream at those positions — so that stage 2 starts from it
   * (issue 3 item 8, `Mllm.prefill`). Default true; false = stage 2 recomputes it.
   */
  reusePrefix?: boolean;
}

export interface StageOneResult {
  /** RoI logits [N] per question. */
  logits: Float32Array[];
  /** Per question: the prefix state for stage 2 (AnswerRequest.prefix); null without reusePrefix. */
  prefixes: PrefixRow[] | null;
}

/**
 * Stage 1 of two-stage inference (spec §0.3): ONE partial prefill — the first B decoder layers over the
 * prompt — then the branch, giving RoI logits [N] per question. Batched.
 */
export async function stageOne(
  model: Mllm,
  rpn: Rpn,
  items: readonly StageOneItem[],
  options: StageOneOptions = {},
): Promise<StageOneResult> {
  const prefill = await stageOnePrefill(model, rpn.shape.backbone, items, options);
  try {
    return { logits: await branchLogits(model, rpn, prefill), prefixes: prefill.prefixes };
  } finally {
    disposeStageOnePrefill(prefill);
  }
}

/** A stage-1 question: its text and the letterboxed whole image [S, S, 3]. */
export interface StageOneItem {
  question: string;
  pixels: Float32Array;
}

/**
 * Stage 1's first half, which depends on B only: the prefill through layers 0..B−1. RPNs with the same
 * backbone depth (e.g. an ablation's label variants, or data sizes) read the same states, so an evaluation
 * of several of them computes it once (lib/roi/evaluate.ts `SharedWork`).
 */
export interface StageOnePrefill {
  /** Backbone depth B. */
  depth: number;
  /** Per batch: its question count and the [b, T, d] residual stream entering layer B (live tensors). */
  batches: { size: number; input: RpnInput & { hidden: tf.Tensor3D } }[];
  /** Per question: the prefix state for stage 2; null without `reusePrefix`. */
  prefixes: PrefixRow[] | null;
}

/** The prefill of stage 1 through layers 0..depth−1, batched; free it with `disposeStageOnePrefill`. */
export async function stageOnePrefill(
  model: Mllm,
  depth: number,
  items: readonly StageOneItem[],
  options: StageOneOptions = {},
): Promise<StageOnePrefill> {
  const batchSize = Math.min(options.batchSize ?? 32, model.maxBatch);
  const reuse = options.reusePrefix ?? true;
  const out: StageOnePrefill = { depth, batches: [], prefixes: reuse ? [] : null };
  try {
    for (let s = 0; s < items.length; s += batchSize) {
      const chunk = items.slice(s, s + batchSize);
      const r = tidy(() =>
        model.prefill(
          chunk.map((it) => ({ question: it.question, blocks: [{ pixels: it.pixels }] })),
          depth,
          { keepPrefix: reuse },
        )
      );
      out.batches.push({ size: chunk.length, input: { ...r.layout, hidden: r.hidden } });
      if (r.prefix) out.prefixes!.push(...await model.prefixRows(r.prefix));
    }
  } catch (error) {
    disposeStageOnePrefill(out);
    throw error;
  }
  return out;
}

/** Stage 1's second half: the RPN branch on a prefill of its depth, RoI logits [N] per question. */
export async function branchLogits(model: Mllm, rpn: Rpn, prefill: StageOnePrefill): Promise<Float32Array[]> {
  if (prefill.depth !== rpn.shape.backbone) {
    throw new Error(
      `Cannot run an RPN with backbone depth ${rpn.shape.backbone} on a prefill through ${prefill.depth} layers`,
    );
  }
  const n = model.counts.tokens;
  const logits: Float32Array[] = [];
  for (const { size, input } of prefill.batches) {
    const t = tf.tidy(() => rpnLogits(model, rpn.shape, rpn.params, input));
    const data = (await t.data()) as Float32Array;
    t.dispose();
    for (let b = 0; b < size; b++) logits.push(data.slice(b * n, (b + 1) * n));
  }
  return logits;
}

/** Free a prefill's live tensors (its prefix rows are host copies and stay usable). */
export function disposeStageOnePrefill(prefill: StageOnePrefill): void {
  for (const { input } of prefill.batches) input.hidden.dispose();
  prefill.batches = [];
}

export interface StageTwoOptions {
  /** τ_conf (negative = relative). */
  threshold: number;
  /** Largest component area in cells. */
  maxArea: number;
  /** Box-only upscaling (one crop per box) instead of masked upscaling. */
  boxOnly: boolean;
  /** How the requests are answered (batching and progress are the caller's): `answerAll` by default. */
  answer?: (requests: AnswerRequest[]) => Promise<string[]>;
}

/**
 * Stage 2 of two-stage inference (spec §0.3, §5): per question, the proposal at τ_conf from stage 1's
 * logits, its RoI blocks (crops of the ORIGINAL image) and the full MLLM's answer over [image, RoI blocks],
 * starting from stage 1's prefix state when it kept one.
 */
export async function stageTwo(
  model: Mllm,
  rpn: Rpn,
  items: readonly { question: string; image: RgbImage; pixels: Float32Array }[],
  stage1: StageOneResult,
  options: StageTwoOptions,
): Promise<
  { answers: string[]; proposals: RoiProposal[]; rois: { crops: RoiCrop[]; blocks: VisualBlock[] }[] }
> {
  const { grid } = model.counts;
  const proposals = stage1.logits.map((l) => proposal(rpn, l, grid, options.threshold, options.maxArea));
  const rois = await Promise.all(
    items.map((it, i) => roiBlocks(model, it.image, proposals[i]!, { boxOnly: options.boxOnly })),
  );
  const answer = options.answer ?? ((requests: AnswerRequest[]) => answerAll(model, requests));
  const answers = await answer(items.map((it, i) => ({
    question: it.question,
    blocks: [{ pixels: it.pixels }, ...rois[i]!.blocks],
    ...(stage1.prefixes ? { prefix: stage1.prefixes[i]! } : {}),
  })));
  return { answers, proposals, rois };
}

/** tf.tidy that keeps the callback's return type (tensors anywhere in the result survive). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

/**
 * Spec §5 on stage-1 output. For the attention-prediction RPN the map is a softmax over cells: it is passed
 * as logit(softmax(z)) so that proposeRoi's sigmoid recovers the distribution, and a relative threshold
 * (negative τ) applies to it.
 */
export function proposal(
  rpn: Rpn,
  logits: Float32Array,
  grid: number,
  threshold: number,
  maxArea: number,
): RoiProposal {
  if (rpn.target === "labels") return proposeRoi(logits, grid, { threshold, maxArea });
  const asLogits = Array.from(softmax(logits), (v) => {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, v));
    return Math.log(q / (1 - q));
  });
  return proposeRoi(asLogits, grid, { threshold, maxArea });
}

/** Stage-2 RoI blocks of a proposal: crops of the ORIGINAL image, as encoder input. */
export async function roiBlocks(
  model: Mllm,
  image: RgbImage,
  roi: RoiProposal,
  options: { boxOnly?: boolean } = {},
): Promise<{ crops: RoiCrop[]; blocks: VisualBlock[] }> {
  const { grid, encoderSize } = model.counts;
  const letterbox = model.imageGeometry(image.width, image.height);
  const crops = roiCrops(
    roi,
    { grid, encoderSize, letterbox, width: image.width, height: image.height },
    options,
  );
  const blocks = await Promise.all(crops.map(async (c) => {
    const pixels = await model.encodeCrop(image, c.sourceBox);
    if (!c.keptTokens) return { pixels };
    const keep = new Uint8Array(grid * grid);
    for (const j of c.keptTokens) keep[j] = 1;
    return { pixels, keep };
  }));
  return { crops, blocks };
}

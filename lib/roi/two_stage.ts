import * as tf from "@tensorflow/tfjs";
import { answerAll, type AnswerRequest } from "../eval/answer.ts";
import type { RgbImage } from "../image/types.ts";
import type { Mllm, PrefixRow, VisualBlock } from "../model/mllm.ts";
import type { Params } from "../model/tensors.ts";
import { proposeRoi, type RoiProposal } from "./propose.ts";
import { softmax } from "./softmax.ts";
import { rpnLogits, type RpnShape } from "./rpn.ts";
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
  items: { question: string; pixels: Float32Array }[],
  options: StageOneOptions = {},
): Promise<StageOneResult> {
  const batchSize = Math.min(options.batchSize ?? 32, model.maxBatch);
  const reuse = options.reusePrefix ?? true;
  const n = model.counts.tokens;
  const logitsOut: Float32Array[] = [];
  const prefixes: PrefixRow[] = [];
  for (let s = 0; s < items.length; s += batchSize) {
    const chunk = items.slice(s, s + batchSize);
    const r = tidy(() => {
      const out = model.prefill(
        chunk.map((it) => ({ question: it.question, blocks: [{ pixels: it.pixels }] })),
        rpn.shape.backbone,
        { keepPrefix: reuse },
      );
      const logits = rpnLogits(model, rpn.shape, rpn.params, { ...out.layout, hidden: out.hidden });
      return { logits, prefix: out.prefix };
    });
    const data = (await r.logits.data()) as Float32Array;
    r.logits.dispose();
    for (let b = 0; b < chunk.length; b++) logitsOut.push(data.slice(b * n, (b + 1) * n));
    if (r.prefix) prefixes.push(...await model.prefixRows(r.prefix));
  }
  return { logits: logitsOut, prefixes: reuse ? prefixes : null };
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

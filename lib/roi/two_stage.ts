import * as tf from "@tensorflow/tfjs";
import type { Mllm } from "../eval/answer.ts";
import { cropResize, letterboxGeometry } from "../image/resize.ts";
import type { RgbImage } from "../image/types.ts";
import { gridOf } from "../model/config.ts";
import { forward } from "../model/mllm.ts";
import type { Params } from "../model/params.ts";
import { capturePrefix, disposePrefix, type PrefixRow, prefixRows } from "../model/prefix.ts";
import { buildSequences, type VisualBlock } from "../model/sequence.ts";
import { proposeRoi, type RoiProposal } from "./propose.ts";
import { rpnLogits, type RpnShape } from "./rpn.ts";
import { type RoiCrop, roiCrops } from "./upscale_geometry.ts";

/** A trained RPN: its shape and base + branch variables. */
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
   * (issue 3 item 8, lib/model/prefix.ts). Default true; false = stage 2 recomputes it.
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
  const batchSize = options.batchSize ?? 32;
  const reuse = options.reusePrefix ?? true;
  const { tokens: n } = gridOf(model.config);
  const logitsOut: Float32Array[] = [];
  const prefixes: PrefixRow[] = [];
  for (let s = 0; s < items.length; s += batchSize) {
    const chunk = items.slice(s, s + batchSize);
    const seq = buildSequences(
      model.tokenizer,
      model.config,
      chunk.map((it) => ({ question: model.tokenizer.encode(it.question), blocks: [{ pixels: it.pixels }] })),
    );
    const r = tidy(() => {
      const out = forward(model.params, model.config, seq, {
        upTo: rpn.shape.backbone,
        logits: false,
        cache: reuse,
      });
      const logits = rpnLogits(rpn.params, model.config, rpn.shape, {
        batch: seq.batch,
        length: seq.length,
        hidden: out.hidden,
        valid: seq.valid,
        positions: seq.positions,
        imageStart: seq.visualStarts[0]!,
        promptEnd: seq.promptEnd,
      });
      return { logits, prefix: reuse ? capturePrefix(model.config, seq, out) : null };
    });
    const data = (await r.logits.data()) as Float32Array;
    r.logits.dispose();
    for (let b = 0; b < chunk.length; b++) logitsOut.push(data.slice(b * n, (b + 1) * n));
    if (r.prefix) {
      prefixes.push(...await prefixRows(model.config, r.prefix));
      disposePrefix(r.prefix);
    }
  }
  return { logits: logitsOut, prefixes: reuse ? prefixes : null };
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
  let max = -Infinity;
  for (const z of logits) max = Math.max(max, z);
  let sum = 0;
  const p = Array.from(logits, (z) => Math.exp(z - max));
  for (const v of p) sum += v;
  const asLogits = p.map((v) => {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, v / sum));
    return Math.log(q / (1 - q));
  });
  return proposeRoi(asLogits, grid, { threshold, maxArea });
}

/** Stage-2 RoI blocks of a proposal: crops of the ORIGINAL image, resized to the encoder input. */
export async function roiBlocks(
  image: RgbImage,
  roi: RoiProposal,
  grid: number,
  encoderSize: number,
  options: { boxOnly?: boolean } = {},
): Promise<{ crops: RoiCrop[]; blocks: VisualBlock[] }> {
  const letterbox = letterboxGeometry(image.width, image.height, encoderSize);
  const crops = roiCrops(
    roi,
    { grid, encoderSize, letterbox, width: image.width, height: image.height },
    options,
  );
  const blocks = await Promise.all(crops.map(async (c) => {
    const pixels = await cropResize(image, c.sourceBox, encoderSize);
    if (!c.keptTokens) return { pixels };
    const keep = new Uint8Array(grid * grid);
    for (const j of c.keptTokens) keep[j] = 1;
    return { pixels, keep };
  }));
  return { crops, blocks };
}

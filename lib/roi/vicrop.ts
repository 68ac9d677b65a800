import { gridBoxToSource } from "../image/geometry.ts";
import type { Box, RgbImage } from "../image/types.ts";
import type { Mllm, VisualBlock } from "../model/mllm.ts";
import {
  type AttentionMaps,
  captureAll,
  GENERIC_PROMPT,
  type LayerSpec,
  relativeAttention,
} from "./attention.ts";
import { vicropWindow } from "./vicrop_window.ts";

/**
 * ViCrop-style training-free baseline (spec §7): generate once, read the middle-layer answer→image map (or
 * ViCrop's relative map: question ÷ generic prompt), pick a square window, then answer again with
 * [image, crop]. Cost: ≥ 2 prefills + 2 generations (3 with the relative map).
 */
export interface VicropOptions {
  /** Window sides in grid cells. */
  sizes: number[];
  select: "sum" | "sharpness";
}

export interface VicropChoice {
  /** [N] the map the window was chosen on (null for a one-token answer: no crop). */
  map: Float64Array | null;
  gridBox: Box | null;
  sourceBox: Box | null;
  /** Extra block for the second pass (absent when there is no map). */
  block: VisualBlock | null;
}

/** The window and crop for one sample given its (plain or relative) map. */
export async function vicropFromMap(
  model: Mllm,
  map: Float64Array | null,
  image: RgbImage,
  options: VicropOptions,
): Promise<VicropChoice> {
  if (!map) return { map: null, gridBox: null, sourceBox: null, block: null };
  const { grid, encoderSize } = model.counts;
  const win = vicropWindow(map, grid, options.sizes, { select: options.select });
  const lb = model.imageGeometry(image.width, image.height);
  const sourceBox = gridBoxToSource(win.box, grid, encoderSize, lb, image.width, image.height);
  return {
    map,
    gridBox: win.box,
    sourceBox,
    block: { pixels: await model.encodeCrop(image, sourceBox) },
  };
}

/**
 * ViCrop's first pass: answer each question once on the whole image, capturing the answer→image maps at
 * every layer in `layers` (capturing more layers costs no extra matmul). With `generic`, the question is
 * replaced by the generic prompt: the denominator of ViCrop's relative map. With `keepPrefix`, each map
 * carries the question's [system, image] prefix state, from which the second pass starts (the prefix of
 * [image, crop] is the same: same answers, less work — as SD-RPN's stage 2 starts from stage 1's).
 */
export function vicropFirstPass(
  model: Mllm,
  items: readonly { question: string; pixels: Float32Array }[],
  layers: LayerSpec[],
  options: { batchSize?: number; maxNewTokens?: number; generic?: boolean; keepPrefix?: boolean } = {},
): Promise<AttentionMaps[]> {
  const prompts = items.map((it) => ({
    question: options.generic ? GENERIC_PROMPT : it.question,
    blocks: [{ pixels: it.pixels }],
  }));
  return captureAll(model, prompts, layers, {
    batchSize: options.batchSize,
    maxNewTokens: options.maxNewTokens,
    ...(options.keepPrefix ? { keepPrefix: true } : {}),
  });
}

/** The map a window is chosen on: the question's map, or ÷ the generic prompt's map when there is one. */
export function vicropMap(
  plain: Float64Array | null,
  generic: Float64Array | null | undefined,
): Float64Array | null {
  return plain && generic ? relativeAttention(plain, generic) : plain;
}

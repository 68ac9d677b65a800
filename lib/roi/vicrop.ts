import type { Mllm } from "../eval/answer.ts";
import { cropResize, gridBoxToSource, letterboxGeometry } from "../image/resize.ts";
import type { Box, RgbImage } from "../image/types.ts";
import { gridOf } from "../model/config.ts";
import type { VisualBlock } from "../model/sequence.ts";
import { captureGenerated, GENERIC_PROMPT, relativeAttention } from "./attention.ts";
import { vicropWindow } from "./vicrop_window.ts";

/**
 * ViCrop-style training-free baseline (spec §7): generate once, read the middle-layer answer→image map (or
 * ViCrop's relative map: question ÷ generic prompt), pick a square window, then answer again with
 * [image, crop]. Cost: ≥ 2 prefills + 2 generations (3 with the relative map).
 */
export interface VicropOptions {
  layer: number;
  heads?: number[];
  relative: boolean;
  /** Window sides in grid cells. */
  sizes: number[];
  select: "sum" | "sharpness";
  maxNewTokens?: number;
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
  map: Float64Array | null,
  image: RgbImage,
  grid: number,
  encoderSize: number,
  options: Pick<VicropOptions, "sizes" | "select">,
): Promise<VicropChoice> {
  if (!map) return { map: null, gridBox: null, sourceBox: null, block: null };
  const win = vicropWindow(map, grid, options.sizes, { select: options.select });
  const lb = letterboxGeometry(image.width, image.height, encoderSize);
  const sourceBox = gridBoxToSource(win.box, grid, encoderSize, lb, image.width, image.height);
  return {
    map,
    gridBox: win.box,
    sourceBox,
    block: { pixels: await cropResize(image, sourceBox, encoderSize) },
  };
}

/** First pass + window choice for a batch sharing one layout (image block only). */
export async function vicropChoose(
  model: Mllm,
  items: { question: string; pixels: Float32Array; image: RgbImage }[],
  options: VicropOptions,
): Promise<VicropChoice[]> {
  const { grid } = gridOf(model.config);
  const S = model.config.imageSize;
  const seqItems = items.map((it) => ({
    question: model.tokenizer.encode(it.question),
    blocks: [{ pixels: it.pixels }],
  }));
  const layers = [{ layer: options.layer, heads: options.heads }];
  const maps = await captureGenerated(model, seqItems, layers, { maxNewTokens: options.maxNewTokens });
  const generic = options.relative
    ? await captureGenerated(
      model,
      seqItems.map((it) => ({ ...it, question: model.tokenizer.encode(GENERIC_PROMPT) })),
      layers,
      { maxNewTokens: options.maxNewTokens },
    )
    : null;
  return Promise.all(items.map((it, b) => {
    let map = maps[b]!.maps[0]!;
    if (map && generic) {
      const g = generic[b]!.maps[0];
      map = g ? relativeAttention(map, g) : map;
    }
    return vicropFromMap(map, it.image, grid, S, options);
  }));
}

/**
 * LLaVA-1.5's image preprocessing, as `pixel_values` for the CLIP tower.
 *
 * LLaVA's "pad" aspect mode first pastes the image centred on a square filled with the CLIP mean colour
 * (`expand2square`), then transformers' `CLIPImageProcessor` resizes the shortest edge with Pillow,
 * centre-crops, rescales and normalises. SD-RPN's RoI crops skip the padding (they are resized straight
 * to a square with Pillow's BILINEAR) and then go through the same processor. All resampling is the
 * Pillow-exact resampler, so pixel values match the Python pipeline to the last uint8 level.
 */
import { join } from "node:path";
import { z } from "zod";
import { type PillowFilter, pillowResize } from "../../image/pillow_resample.ts";
import type { Box, RgbImage } from "../../image/types.ts";

/** What `CLIPImageProcessor` does to an image, from `preprocessor_config.json`. */
export interface ClipPreprocessorConfig {
  /** The shortest edge is resized to this (`size.shortest_edge`). */
  shortestEdge: number;
  cropHeight: number;
  cropWidth: number;
  resample: PillowFilter;
  rescaleFactor: number;
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

// OPENAI_CLIP_MEAN / OPENAI_CLIP_STD, CLIPImageProcessor's defaults.
const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711];

// PIL's resampling enum values this suite implements.
const RESAMPLE: Record<number, PillowFilter> = { 2: "bilinear", 3: "bicubic" };

const Size = z.union([
  z.int().positive(),
  z.object({ shortest_edge: z.int().positive() }),
  z.object({ height: z.int().positive(), width: z.int().positive() }),
]);
const Triple = z.tuple([z.number(), z.number(), z.number()]);

// What each key must hold, for error messages.
const EXPECTED: Record<string, string> = {
  do_resize: "a boolean",
  size: 'a positive integer or {"shortest_edge": N}',
  resample: "an integer",
  do_center_crop: "a boolean",
  crop_size: 'a positive integer or {"height": H, "width": W}',
  do_rescale: "a boolean",
  rescale_factor: "a positive number",
  do_normalize: "a boolean",
  image_mean: "three numbers",
  image_std: "three numbers",
};

// CLIPImageProcessor.__init__ defaults for every omitted field.
const PreprocessorSchema = z.object({
  do_resize: z.boolean().default(true),
  size: Size.default({ shortest_edge: 224 }),
  resample: z.int().default(3),
  do_center_crop: z.boolean().default(true),
  crop_size: Size.default({ height: 224, width: 224 }),
  do_rescale: z.boolean().default(true),
  rescale_factor: z.number().positive().default(1 / 255),
  do_normalize: z.boolean().default(true),
  image_mean: Triple.default(CLIP_MEAN),
  image_std: Triple.default(CLIP_STD),
});

/**
 * Validates a parsed `preprocessor_config.json`; `path` names the file in errors. Omitted fields take
 * CLIPImageProcessor's defaults. A pipeline this module does not implement (a disabled step, a
 * (height, width) resize, a resampling filter other than BILINEAR/BICUBIC) is an error naming the key.
 */
export function parsePreprocessorConfig(json: unknown, path: string): ClipPreprocessorConfig {
  const fail = (reason: string) => new Error(`Cannot read "${path}": ${reason}`);
  const parsed = PreprocessorSchema.safeParse(json);
  if (!parsed.success) {
    const key = parsed.error.issues[0]!.path[0];
    if (key === undefined) throw fail("expected a JSON object");
    const given = (json as Record<string, unknown>)[String(key)];
    throw fail(`key "${String(key)}" is ${JSON.stringify(given)}, expected ${EXPECTED[String(key)]}`);
  }
  const c = parsed.data;
  for (const flag of ["do_resize", "do_center_crop", "do_rescale", "do_normalize"] as const) {
    if (!c[flag]) throw fail(`key "${flag}" is false, only true is supported`);
  }
  // An int size is the shortest edge (CLIPImageProcessor reads it with default_to_square=False).
  let shortestEdge: number;
  if (typeof c.size === "number") shortestEdge = c.size;
  else if ("shortest_edge" in c.size) shortestEdge = c.size.shortest_edge;
  else throw fail(`key "size" is ${JSON.stringify(c.size)}, expected {"shortest_edge": N}`);
  // An int crop size is a square (read with default_to_square=True).
  let crop: { height: number; width: number };
  if (typeof c.crop_size === "number") crop = { height: c.crop_size, width: c.crop_size };
  else if ("height" in c.crop_size) crop = c.crop_size;
  else throw fail(`key "crop_size" is ${JSON.stringify(c.crop_size)}, expected {"height": H, "width": W}`);
  const resample = RESAMPLE[c.resample];
  if (resample === undefined) {
    throw fail(`key "resample" is ${c.resample}, expected 2 (bilinear) or 3 (bicubic)`);
  }
  if (c.image_std.includes(0)) {
    throw fail(`key "image_std" is ${JSON.stringify(c.image_std)}, expected non-zero values`);
  }
  return {
    shortestEdge,
    cropHeight: crop.height,
    cropWidth: crop.width,
    resample,
    rescaleFactor: c.rescale_factor,
    imageMean: c.image_mean,
    imageStd: c.image_std,
  };
}

/** Reads and validates `DIR/preprocessor_config.json`. */
export async function loadPreprocessorConfig(dir: string): Promise<ClipPreprocessorConfig> {
  const path = join(dir, "preprocessor_config.json");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`Cannot read "${path}": file does not exist`);
    throw new Error(`Cannot read "${path}": ${e instanceof Error ? e.message : String(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`Cannot read "${path}": invalid JSON (${(e as Error).message})`);
  }
  return parsePreprocessorConfig(json, path);
}

/** LLaVA's pad colour: `tuple(int(x * 255) for x in image_mean)`, truncated, not rounded. */
export function padFillFromMean(mean: readonly [number, number, number]): [number, number, number] {
  return [Math.trunc(mean[0] * 255), Math.trunc(mean[1] * 255), Math.trunc(mean[2] * 255)];
}

/** (122, 116, 104): LLaVA's pad colour for the CLIP mean. */
export const LLAVA_PAD_FILL: [number, number, number] = padFillFromMean(CLIP_MEAN);

/**
 * LLaVA's `expand2square`: a square of side max(W, H) filled with `fill`, the image pasted at
 * ((side − W) // 2, (side − H) // 2). A square image comes back as a copy.
 */
export function expandToSquare(img: RgbImage, fill: [number, number, number] = LLAVA_PAD_FILL): RgbImage {
  const side = Math.max(img.width, img.height);
  const data = new Uint8Array(side * side * 3); // [side, side, 3]
  for (let p = 0; p < side * side; p++) data.set(fill, p * 3);
  const left = Math.floor((side - img.width) / 2);
  const top = Math.floor((side - img.height) / 2);
  for (let y = 0; y < img.height; y++) {
    const row = img.data.subarray(y * img.width * 3, (y + 1) * img.width * 3);
    data.set(row, ((y + top) * side + left) * 3);
  }
  return { width: side, height: side, data };
}

/**
 * transformers' `get_resize_output_image_size(size=S, default_to_square=False)`: the shorter edge
 * becomes S, the longer `int(S * long / short)` (truncated).
 */
export function shortestEdgeSize(
  width: number,
  height: number,
  s: number,
): { width: number; height: number } {
  const short = Math.min(width, height);
  const long = Math.max(width, height);
  const newLong = Math.trunc(s * long / short);
  return width <= height ? { width: s, height: newLong } : { width: newLong, height: s };
}

/**
 * CLIPImageProcessor on one RGB image: shortest edge → S with Pillow's resampler, centre crop (top/left
 * = (size − crop) // 2, zero pixels where the crop overhangs), ×rescale, (x − mean) / std.
 * Returns CHW, [3, cropHeight, cropWidth].
 */
export function clipPixelValues(img: RgbImage, cfg: ClipPreprocessorConfig): Float32Array {
  const size = shortestEdgeSize(img.width, img.height, cfg.shortestEdge);
  const resized = pillowResize(img, size.width, size.height, cfg.resample);
  const { cropHeight: ch, cropWidth: cw } = cfg;
  const top = Math.floor((resized.height - ch) / 2);
  const left = Math.floor((resized.width - cw) / 2);
  const out = new Float32Array(3 * ch * cw); // [3, ch, cw]
  for (let c = 0; c < 3; c++) {
    const mean = cfg.imageMean[c]!;
    const std = cfg.imageStd[c]!;
    for (let i = 0; i < ch; i++) {
      const y = top + i;
      for (let j = 0; j < cw; j++) {
        const x = left + j;
        const inside = y >= 0 && y < resized.height && x >= 0 && x < resized.width;
        const v = inside ? resized.data[(y * resized.width + x) * 3 + c]! : 0;
        out[(c * ch + i) * cw + j] = (v * cfg.rescaleFactor - mean) / std;
      }
    }
  }
  return out;
}

/** LLaVA-1.5's `process_images` with image_aspect_ratio "pad": expandToSquare, then clipPixelValues. */
export function llavaPixelValues(img: RgbImage, cfg: ClipPreprocessorConfig): Float32Array {
  return clipPixelValues(expandToSquare(img, padFillFromMean(cfg.imageMean)), cfg);
}

/**
 * PIL's `image.crop((int(x0), int(y0), int(x1), int(y1)))`: coordinates truncated toward zero, pixels
 * outside the image black.
 */
export function pillowCrop(img: RgbImage, box: Box): RgbImage {
  const [x0, y0, x1, y1] = box.map(Math.trunc) as Box;
  if (!(x1 > x0 && y1 > y0)) {
    throw new Error(`Cannot crop box "${JSON.stringify(box)}": it is empty in whole pixels`);
  }
  const width = x1 - x0;
  const height = y1 - y0;
  const data = new Uint8Array(width * height * 3); // [height, width, 3]
  for (let y = Math.max(y0, 0); y < Math.min(y1, img.height); y++) {
    const xa = Math.max(x0, 0);
    const xb = Math.min(x1, img.width);
    if (xb <= xa) break;
    data.set(
      img.data.subarray((y * img.width + xa) * 3, (y * img.width + xb) * 3),
      ((y - y0) * width + xa - x0) * 3,
    );
  }
  return { width, height, data };
}

/**
 * SD-RPN's RoI view (`get_batched_sub_images`): crop the ORIGINAL image to `box`, resize to S×S with
 * Pillow's BILINEAR whatever the processor's filter, then the same padding (a no-op on a square) and
 * CLIPImageProcessor as the base image. CHW, [3, cropHeight, cropWidth].
 */
export function roiPixelValues(img: RgbImage, box: Box, cfg: ClipPreprocessorConfig): Float32Array {
  const s = cfg.shortestEdge;
  return llavaPixelValues(pillowResize(pillowCrop(img, box), s, s, "bilinear"), cfg);
}

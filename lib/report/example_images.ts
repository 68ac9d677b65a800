/**
 * The pictures of the report's example figures, regenerated rather than stored: sample `index` of a suite
 * for a dataset seed is a pure function of the three (lib/data/suites.ts), so the image an experiment
 * answered is `generateSample(suite, index, dataSeed)` again, byte for byte. The source image is
 * downsampled and the crop resized to the encoder input exactly as stage 2 did it (`cropResize`), both
 * encoded with `encodePng` — fixed options, no metadata, so the same pixels give the same bytes with the
 * pinned sharp — and embedded as data URIs.
 *
 * The only impure step of the report (sharp is async); experiments/report.ts runs it and hands the result
 * to the pure `buildReport`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { SUITE_NAMES } from "../data/schema.ts";
import { generateSample, isSuiteName } from "../data/suites.ts";
import { encodePng } from "../image/png.ts";
import { cropResize, resizeRgb } from "../image/resize.ts";
import type { RgbImage } from "../image/types.ts";
import type { Example } from "../results/schema.ts";
import { type ExampleImage, exampleImageKey } from "./examples.ts";

/**
 * Longest side of the embedded source image in pixels: half the 256-px suites' resolution keeps an SVG
 * near 20–40 KB; the detail that matters is in the crop panel, which is embedded at the encoder's size.
 */
export const EXAMPLE_IMAGE_SIDE = 128;

/** `data:image/png;base64,…` of an image. */
export async function pngDataUri(image: RgbImage): Promise<string> {
  return `data:image/png;base64,${Buffer.from(await encodePng(image)).toString("base64")}`;
}

/**
 * The source image of an example, regenerated and checked against what the example recorded (id, size,
 * question, true box), so a result from another generator version fails loudly instead of drawing its
 * maps over a different picture.
 */
export function regenerateExample(example: Example): RgbImage {
  const suite = example.suite as string;
  if (!isSuiteName(suite)) {
    throw new Error(
      `Cannot regenerate example "${example.id}": unknown suite "${suite}" (expected one of ${
        SUITE_NAMES.join(", ")
      })`,
    );
  }
  const { sample, image } = generateSample(suite, example.index, example.dataSeed);
  const mismatch = [
    sample.id !== example.id && `id "${sample.id}"`,
    (sample.width !== example.width || sample.height !== example.height) &&
    `size ${sample.width}x${sample.height}`,
    sample.question !== example.question && `question "${sample.question}"`,
    sample.box.join(",") !== example.box.join(",") && `box [${sample.box.join(", ")}]`,
  ].filter((m): m is string => typeof m === "string");
  if (mismatch.length > 0) {
    throw new Error(
      `Example "${example.id}" does not match sample ${example.index} of "${suite}" (data seed ` +
        `${example.dataSeed}), which has ${mismatch.join(", ")}: was it recorded with another generator?`,
    );
  }
  return image;
}

/** Pictures of every example, keyed by `exampleImageKey` (examples sharing a key are drawn once). */
export async function exampleImages(examples: readonly Example[]): Promise<Map<string, ExampleImage>> {
  const out = new Map<string, ExampleImage>();
  for (const example of examples) {
    const key = exampleImageKey(example);
    if (out.has(key)) continue;
    const image = regenerateExample(example);
    const scale = Math.min(1, EXAMPLE_IMAGE_SIDE / Math.max(image.width, image.height));
    const small = await resizeRgb(
      image,
      Math.max(1, Math.round(image.width * scale)),
      Math.max(1, Math.round(image.height * scale)),
    );
    const crop = example.rpn.crop
      ? await pngDataUri(
        toBytes(await cropResize(image, example.rpn.crop, example.encoderSize), example.encoderSize),
      )
      : null;
    out.set(key, { image: await pngDataUri(small), crop });
  }
  return out;
}

/** [size, size, 3] floats in [0, 1] (cropResize's output, made from bytes ÷ 255) back to bytes. */
function toBytes(pixels: Float32Array, size: number): RgbImage {
  return { width: size, height: size, data: Uint8Array.from(pixels, (v) => Math.round(v * 255)) };
}

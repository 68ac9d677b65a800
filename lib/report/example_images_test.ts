import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { generateSample } from "../data/suites.ts";
import { decodePng } from "../image/png.ts";
import { cropResize } from "../image/resize.ts";
import type { Example } from "../results/schema.ts";
import { EXAMPLE_IMAGE_SIDE, exampleImages, regenerateExample } from "./example_images.ts";
import { exampleImageKey } from "./examples.ts";
import { fixtureExample } from "./test_helpers.ts";

const PREFIX = "data:image/png;base64,";

async function decodeUri(uri: string) {
  assert.ok(uri.startsWith(PREFIX), uri.slice(0, 40));
  return await decodePng(new Uint8Array(Buffer.from(uri.slice(PREFIX.length), "base64")), "data URI");
}

Deno.test("exampleImages() regenerates the sample, downsamples it and embeds the stage-2 crop", async () => {
  const ex = fixtureExample();
  const images = await exampleImages([ex, structuredClone(ex)]);
  assert.deepEqual([...images.keys()], [exampleImageKey(ex)], "one entry per distinct key");
  const { image, crop } = images.get(exampleImageKey(ex))!;
  const small = await decodeUri(image);
  assert.deepEqual([small.width, small.height], [EXAMPLE_IMAGE_SIDE, EXAMPLE_IMAGE_SIDE]); // 256×256 → 128
  // The crop panel is exactly what stage 2 encoded: cropResize of the source to the encoder size.
  const stage2 = await cropResize(generateSample("pope", 0, 0).image, ex.rpn.crop!, ex.encoderSize);
  const decoded = await decodeUri(crop!);
  assert.deepEqual([decoded.width, decoded.height], [64, 64]);
  assert.deepEqual(decoded.data, Uint8Array.from(stage2, (v) => Math.round(v * 255)));
});

Deno.test("exampleImages() is byte-deterministic (sharp's PNG encoding with fixed options)", async () => {
  const ex = fixtureExample();
  const wide = { ...ex, rpn: { ...ex.rpn, crop: [10, 20, 90, 60] as [number, number, number, number] } };
  const a = await exampleImages([ex, wide]);
  const b = await exampleImages([structuredClone(wide), structuredClone(ex)]);
  assert.equal(a.size, 2);
  for (const [key, value] of a) assert.deepEqual(b.get(key), value, key);
});

Deno.test("exampleImages() leaves the crop out when nothing was cropped", async () => {
  const ex = fixtureExample();
  const none: Example = {
    ...ex,
    rpn: { ...ex.rpn, path: "none", boxes: [], maskBox: null, keptTokens: [], crop: null },
  };
  const images = await exampleImages([none]);
  assert.equal(images.get(exampleImageKey(none))!.crop, null);
});

Deno.test("regenerateExample() rejects an unknown suite and an example that does not match its sample", () => {
  const ex = fixtureExample();
  assert.throws(() => regenerateExample({ ...ex, suite: "mmvp" } as unknown as Example), {
    message: 'Cannot regenerate example "pope-0": unknown suite "mmvp" (expected one of train-scenes, ' +
      "train-covers, doc, textvqa, ocr, chart, info, vstar-attr, vstar-spatial, pope, hr)",
  });
  const { sample } = generateSample("pope", 1, 0);
  assert.throws(() => regenerateExample({ ...ex, index: 1 }), {
    message: `Example "pope-0" does not match sample 1 of "pope" (data seed 0), which has id "pope-1", ` +
      `question "${sample.question}", box [${
        sample.box.join(", ")
      }]: was it recorded with another generator?`,
  });
});

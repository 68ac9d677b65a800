import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import type { RgbImage } from "../image/types.ts";
import { sharpenDecoder, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { captureGenerated, GENERIC_PROMPT } from "./attention.ts";
import { vicropFirstPass, vicropFromMap, vicropMap } from "./vicrop.ts";

await initBackend("wasm");
const model = tinyTestModel(21, sharpenDecoder(10));

function randomImage(rng: Rng, width: number, height: number): RgbImage {
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => rng.range(0, 256)) };
}

Deno.test("vicropMap() divides by the generic prompt's map when there is one, else keeps the question's", () => {
  const plain = Float64Array.from([0.2, 0.1]);
  assert.equal(vicropMap(plain, undefined), plain);
  assert.equal(vicropMap(plain, null), plain);
  assert.equal(vicropMap(null, Float64Array.from([1, 1])), null);
  const rel = vicropMap(plain, Float64Array.from([0.1, 0.4]))!;
  assert.ok(Math.abs(rel[0]! - 2) < 1e-4 && Math.abs(rel[1]! - 0.25) < 1e-4);
});

Deno.test("vicropFirstPass() captures the question's maps, or the generic prompt's, in batches", async () => {
  const rng = new Rng(3);
  const images = [randomImage(rng, 20, 12), randomImage(rng, 12, 20), randomImage(rng, 16, 16)];
  const items = await Promise.all(images.map(async (im, i) => ({
    question: ["what code is on the red circle ?", "is there a K ?", "what value ?"][i]!,
    pixels: await model.encodeImage(im),
  })));
  const layers = [{ layer: 3 }];
  const first = await vicropFirstPass(model, items, layers, { batchSize: 2, maxNewTokens: 3 });
  const direct = await captureGenerated(
    model,
    items.map((it) => ({ question: it.question, blocks: [{ pixels: it.pixels }] })),
    layers,
    { maxNewTokens: 3 },
  );
  assert.deepEqual(first.map((m) => m.answer), direct.map((m) => m.answer));
  const generic = await vicropFirstPass(model, items, layers, { maxNewTokens: 3, generic: true });
  const genericDirect = await captureGenerated(
    model,
    items.map((it) => ({ question: GENERIC_PROMPT, blocks: [{ pixels: it.pixels }] })),
    layers,
    { maxNewTokens: 3 },
  );
  assert.deepEqual(generic.map((m) => m.answer), genericDirect.map((m) => m.answer));
});

Deno.test("vicropFromMap() crops the chosen window of the original image; no map, no crop", async () => {
  const image = randomImage(new Rng(4), 32, 16); // letterboxed into 16×16: ratio 0.5, padY 4
  const none = await vicropFromMap(model, null, image, { sizes: [2], select: "sum" });
  assert.deepEqual(none, { map: null, gridBox: null, sourceBox: null, block: null });
  // All mass on cell (row 1, col 2) of the 4×4 grid: a 2×2 window holding it.
  const map = new Float64Array(16);
  map[1 * 4 + 2] = 1;
  const c = await vicropFromMap(model, map, image, { sizes: [2], select: "sum" });
  assert.ok(c.gridBox && c.sourceBox && c.block);
  const [x0, y0, x1, y1] = c.gridBox;
  assert.ok(x0 <= 2 && 2 < x1 && y0 <= 1 && 1 < y1 && x1 - x0 === 2 && y1 - y0 === 2);
  assert.equal(c.block.pixels.length, 16 * 16 * 3);
  assert.deepEqual(c.block.pixels, await model.encodeCrop(image, c.sourceBox));
});

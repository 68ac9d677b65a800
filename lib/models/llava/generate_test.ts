import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { argmax, greedyDecode } from "./generate.ts";
import { disposeCache, type KvCache } from "./llama.ts";
import { LlavaModel } from "./model.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");
await initBackend("wasm");
const model = await LlavaModel.load(FIXTURE);
const want = JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected", "square.json"))) as {
  input_ids: number[];
  image_features: { shape: [number, number]; data: number[] };
  generated_ids: number[];
};

/** The square case's prompt prefilled from its reference image features. */
function prefilled(): { logits: Float32Array; cache: KvCache } {
  const features = tf.tensor2d(want.image_features.data, want.image_features.shape);
  const embeds = model.inputEmbeds(want.input_ids, features);
  const run = model.prefill(embeds, { logits: "last" });
  const logits = run.logits!.dataSync() as Float32Array;
  tf.dispose([features, embeds, run.logits!]);
  return { logits, cache: run.cache };
}

const text = model.config.text;
const limit = model.config.imageTokenIndex; // 600 < vocab 640

Deno.test("argmax: a limit beyond the values is the whole array; ties and NaN keep the first index", () => {
  assert.equal(argmax([1, 3, 2], 10), 1);
  assert.equal(argmax([2, 2, 1]), 0);
  assert.equal(argmax([NaN, 5, 1]), 0); // NaN never compares greater, nor does anything beat it
  assert.equal(argmax([4], 0), 0);
});

Deno.test("greedy decoding from the square prompt gives the fixture's generated_ids", async () => {
  const { logits, cache } = prefilled();
  const before = tf.memory().numTensors;
  const ids = await greedyDecode(model.weights.text, text, logits, cache, {
    maxNewTokens: 8,
    eosId: 2,
    vocabLimit: limit,
  });
  assert.deepEqual(ids, want.generated_ids);
  // The prompt's cache is neither freed nor extended; every step's state was freed.
  assert.equal(tf.memory().numTensors, before);
  assert.equal(cache.length, want.input_ids.length);
  assert.equal(cache.layers[0]!.k.isDisposed, false);
  disposeCache(cache);
});

Deno.test("decoding stops after the end-of-sequence id, which is kept, and after maxNewTokens", async () => {
  const { logits, cache } = prefilled();
  const options = { maxNewTokens: 8, vocabLimit: limit };
  const eos = want.generated_ids[2]!;
  assert.deepEqual(
    await greedyDecode(model.weights.text, text, logits, cache, { ...options, eosId: eos }),
    want.generated_ids.slice(0, 3),
  );
  assert.deepEqual(
    await greedyDecode(model.weights.text, text, logits, cache, { ...options, maxNewTokens: 3, eosId: 2 }),
    want.generated_ids.slice(0, 3),
  );
  assert.deepEqual(
    await greedyDecode(model.weights.text, text, logits, cache, { ...options, maxNewTokens: 0, eosId: 2 }),
    [],
  );
  disposeCache(cache);
});

Deno.test("only ids below vocabLimit are produced, even when a higher id has the largest logit", async () => {
  const { cache } = prefilled();
  const logits = new Float32Array(text.vocabSize);
  logits[limit + 5] = 100; // e.g. the <image> row or padding rows
  logits[17] = 1;
  const ids = await greedyDecode(model.weights.text, text, logits, cache, {
    maxNewTokens: 4,
    eosId: 2,
    vocabLimit: 300,
  });
  assert.equal(ids[0], 17);
  assert.equal(ids.length, 4);
  assert.ok(ids.every((id) => id < 300), `${ids}`);
  disposeCache(cache);
});

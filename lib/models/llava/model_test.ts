import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { cloneLayerWeights, LlavaModel } from "./model.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");
await initBackend("wasm");
const model = await LlavaModel.load(FIXTURE);

function maxDelta(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const row = (t: tf.Tensor2D, i: number) => tf.slice(t, [i, 0], [1, -1]).dataSync();

Deno.test("the fixture loads with its folder, 36 image tokens and 4 decoder layers", () => {
  assert.equal(model.dir, FIXTURE);
  assert.equal(model.numImageTokens, 36);
  assert.equal(model.weights.text.layers.length, 4);
  assert.deepEqual(model.finalNormWeight.shape, [64]);
});

Deno.test("inputEmbeds gives the k-th image token the k-th feature row and text tokens their embedding", () => {
  const features = tf.tensor2d(Float32Array.from({ length: 2 * 64 }, (_, i) => i / 100), [2, 64]);
  const out = model.inputEmbeds([1, 600, 5, 600], features);
  assert.deepEqual(out.shape, [4, 64]);
  const embed = model.weights.text.embed;
  assert.deepEqual(row(out, 0), row(embed, 1));
  assert.deepEqual(row(out, 1), row(features, 0));
  assert.deepEqual(row(out, 2), row(embed, 5));
  assert.deepEqual(row(out, 3), row(features, 1));
  // Without image tokens, zero feature rows are expected and the result is the text embedding.
  const text = model.inputEmbeds([3, 4], tf.zeros([0, 64]) as tf.Tensor2D);
  assert.deepEqual(text.dataSync(), model.embedTokens([3, 4]).dataSync());
});

Deno.test("embedTokens rejects negative and fractional ids with the offending id", () => {
  assert.throws(() => model.embedTokens([1, -1]), { message: 'Cannot embed token id "-1": expected 0..639' });
  assert.throws(() => model.embedTokens([1.5]), { message: 'Cannot embed token id "1.5": expected 0..639' });
  assert.deepEqual(model.embedTokens([]).shape, [0, 64]);
});

Deno.test("layerWeights names a missing layer and the model's depth", () => {
  assert.equal(model.layerWeights(3), model.weights.text.layers[3]);
  assert.throws(() => model.layerWeights(4), { message: "Decoder layer 4 does not exist (the model has 4)" });
  assert.throws(() => model.layerWeights(-1), {
    message: "Decoder layer -1 does not exist (the model has 4)",
  });
});

Deno.test("applyLayer, rmsNorm and logits compose to prefill's hidden states and logits", () => {
  const embeds = model.embedTokens([1, 319, 368, 299, 9]);
  const run = model.prefill(embeds, { hiddenLayers: [1, 4], logits: "all" });
  const first = model.applyLayer(embeds, model.layerWeights(0));
  assert.ok(maxDelta(first.out.dataSync(), run.hidden[1]!.dataSync()) < 1e-5);
  const last = run.hidden[4]!;
  assert.ok(maxDelta(model.logits(last).dataSync(), run.logits!.dataSync()) < 1e-4);
  // logits = RMSNorm(x; final norm) · lm_head
  const manual = tf.matMul(model.rmsNorm(last, model.finalNormWeight), model.weights.text.lmHead);
  assert.deepEqual(manual.shape, [5, 640]);
  assert.ok(maxDelta(manual.dataSync(), run.logits!.dataSync()) < 1e-4);
});

Deno.test("cloneLayerWeights copies every tensor: freeing the copy leaves the model's layer intact", () => {
  const original = model.layerWeights(1);
  const copy = cloneLayerWeights(original);
  assert.notEqual(copy.q.w, original.q.w);
  assert.deepEqual(copy.down.w.dataSync(), original.down.w.dataSync());
  assert.deepEqual(copy.inputNorm.dataSync(), original.inputNorm.dataSync());
  assert.equal(copy.q.b, undefined); // attention_bias false: no bias appears
  tf.dispose([
    copy.inputNorm,
    copy.postNorm,
    ...[copy.q, copy.k, copy.v, copy.o, copy.gate, copy.up, copy.down].map((l) => l.w),
  ]);
  assert.equal(original.q.w.isDisposed, false);
  assert.equal(original.inputNorm.isDisposed, false);
});

Deno.test("continueGreedy stops at </s> (id 2) by default and never produces ids from image_token_index up", async () => {
  const embeds = model.embedTokens([1, 2, 3]);
  const run = model.prefill(embeds, { logits: "last" });
  const eos = new Float32Array(640);
  eos[2] = 10;
  assert.deepEqual(await model.continueGreedy(eos, run.cache, { maxNewTokens: 5 }), [2]);
  const image = new Float32Array(640);
  image[600] = 10; // <image>
  image[639] = 9; // padding row
  image[9] = 1;
  const ids = await model.continueGreedy(image, run.cache, { maxNewTokens: 3, eosId: 9 });
  assert.deepEqual(ids, [9]);
});

Deno.test("dispose frees the model's tensors", () => {
  model.dispose();
  assert.equal(model.weights.text.embed.isDisposed, true);
  assert.equal(model.weights.vision.patch.isDisposed, true);
});

import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { clipFeatures, clipLayer, patchify } from "./clip.ts";
import { layerNorm } from "./layers.ts";
import { LlavaModel } from "./model.ts";
import { project } from "./projector.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");
await initBackend("wasm");
const model = await LlavaModel.load(FIXTURE);

async function expected(name: string) {
  return JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected", `${name}.json`))) as {
    pixel_values: { shape: number[]; data: number[] };
    image_features: { shape: number[]; data: number[] };
  };
}

function maxDelta(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

Deno.test("patchify rejects pixel values of the wrong size, naming both sizes", () => {
  assert.throws(() => patchify(new Float32Array(5), 3, 84, 14), {
    message: "Cannot encode image: pixel values have 5 values, expected 3×84×84",
  });
});

Deno.test("a one-patch image flattens to its CHW values unchanged", () => {
  const pixels = Float32Array.from({ length: 2 * 3 * 3 }, (_, i) => i);
  assert.deepEqual(patchify(pixels, 2, 3, 3), pixels);
});

Deno.test("clipFeatures then project gives the fixture's image_features for every case (README tolerance)", async () => {
  for (const name of ["square", "wide", "tall"]) {
    const want = await expected(name);
    const features = clipFeatures(
      model.weights.vision,
      model.config,
      Float32Array.from(want.pixel_values.data),
    );
    assert.deepEqual(features.shape, [36, 32]); // 6×6 patches, class token dropped, CLIP width
    const projected = project(model.weights.projector, features);
    assert.deepEqual(projected.shape, want.image_features.shape);
    const delta = maxDelta(await projected.data(), want.image_features.data);
    assert.ok(delta <= 2e-3, `${name}: max |Δ| ${delta}`);
    tf.dispose([features, projected]);
  }
});

Deno.test('the "full" strategy keeps the class token in front of the "default" rows', async () => {
  const pixels = Float32Array.from((await expected("wide")).pixel_values.data);
  const byDefault = clipFeatures(model.weights.vision, model.config, pixels);
  const full = clipFeatures(
    model.weights.vision,
    { ...model.config, visionFeatureSelectStrategy: "full" },
    pixels,
  );
  assert.deepEqual(full.shape, [37, 32]);
  assert.deepEqual(await tf.slice(full, [1, 0], [-1, -1]).data(), await byDefault.data());
  tf.dispose([byDefault, full]);
});

Deno.test("with no block used the features are pre_layrnorm of patch embeddings plus positions 1..N", async () => {
  const pixels = Float32Array.from((await expected("square")).pixel_values.data);
  const zero = clipFeatures(model.weights.vision, { ...model.config, visionLayersUsed: 0 }, pixels);
  const w = model.weights.vision;
  const patches = tf.tensor2d(patchify(pixels, 3, 84, 14), [36, 3 * 14 * 14]);
  const embedded = tf.add(tf.matMul(patches, w.patch), tf.slice(w.position, [1, 0], [-1, -1])); // [36, 32]
  const want = layerNorm(embedded, w.preLn, model.config.vision.layerNormEps);
  assert.ok(maxDelta(await zero.data(), await want.data()) < 1e-5);
  // The fixture reads hidden_states[1] (vision_feature_layer −2 of 2 blocks): one block further.
  assert.equal(model.config.visionLayersUsed, 1);
  const one = clipFeatures(model.weights.vision, model.config, pixels);
  assert.ok(maxDelta(await one.data(), await zero.data()) > 1e-2);
});

Deno.test("a CLIP block has no positions or mask inside: permuting its rows permutes its output", async () => {
  const x = tf.randomNormal([5, 32], 0, 1, "float32", 7) as tf.Tensor2D;
  const order = [3, 0, 4, 1, 2];
  const permuted = tf.gather(x, tf.tensor1d(order, "int32")) as tf.Tensor2D;
  const y = clipLayer(x, model.weights.vision.layers[0]!, model.config.vision);
  const yp = clipLayer(permuted, model.weights.vision.layers[0]!, model.config.vision);
  assert.deepEqual(y.shape, [5, 32]);
  const want = await tf.gather(y, tf.tensor1d(order, "int32")).data();
  assert.ok(maxDelta(await yp.data(), want) < 1e-5);
});

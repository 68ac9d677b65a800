import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { cnnFeatures, cnnInputs } from "./cnn_stem.ts";
import { gridOf, ModelConfigSchema } from "./config.ts";
import { initParams } from "./params.ts";
import { patchify } from "./sequence.ts";

await initBackend("wasm");

const config = ModelConfigSchema.parse({
  vocabSize: 10,
  imageSize: 16,
  patchSize: 8,
  patchWindow: 8,
  stem: "cnn",
  cnnChannels: [3, 4, 5],
});

Deno.test("cnnInputs() reassembles the image from patches: 3×3 RGB columns, zero outside, and patch mean colours", () => {
  // Pixel value = y·16 + x in every channel, laid out as the patch windows patchify would produce.
  const S = 16, P = 8, G = 2;
  const windows = new Float32Array(G * G * P * P * 3);
  for (let t = 0; t < G * G; t++) {
    for (let py = 0; py < P; py++) {
      for (let px = 0; px < P; px++) {
        const v = (Math.floor(t / G) * P + py) * S + (t % G) * P + px;
        windows.fill(v, ((t * P + py) * P + px) * 3, ((t * P + py) * P + px) * 3 + 3);
      }
    }
  }
  const { cols, colour } = cnnInputs(windows, config, 1);
  assert.equal(cols.length, S * S * 27);
  // Pixel (y=0, x=0): the top row and left column of its 3×3 neighbourhood are outside → 0.
  const red = (y: number, x: number) => Array.from({ length: 9 }, (_, k) => cols[(y * S + x) * 27 + k * 3]!);
  assert.deepEqual(red(0, 0), [0, 0, 0, 0, 0, 1, 0, 16, 17]);
  // Pixel (9, 8) straddles the patch border: neighbours come from both patches.
  assert.deepEqual(red(9, 8), [135, 136, 137, 151, 152, 153, 167, 168, 169]);
  // Mean of patch (0,0): mean over y,x < 8 of 16y + x = 16·3.5 + 3.5 = 59.5; patch (1,1): 59.5 + 8·16 + 8.
  assert.equal(colour[0], 59.5);
  assert.equal(colour[3 * 3], 59.5 + 136);
});

Deno.test("cnnFeatures() equals a reference built from tf.conv2d and tf.maxPool", () => {
  const params = initParams(config, new Rng(3));
  const rng = new Rng(5);
  const M = 2;
  const pixels = Array.from(
    { length: M },
    () => Float32Array.from({ length: 16 * 16 * 3 }, () => rng.next()),
  );
  const windows = new Float32Array(M * 4 * 8 * 8 * 3);
  pixels.forEach((p, m) => windows.set(patchify(p, 16, 8, 8), m * 4 * 8 * 8 * 3));
  const got = tf.tidy(() => cnnFeatures(params, config, windows, M).arraySync());
  const want = tf.tidy(() => {
    // The reference sees the standardized image that patchify produced, reassembled with tf ops.
    const x = tf.reshape(tf.tensor(windows), [M, 2, 2, 8, 8, 3]).transpose([0, 1, 3, 2, 4, 5]).reshape([
      M,
      16,
      16,
      3,
    ]) as tf.Tensor4D;
    const layer = (h: tf.Tensor4D, name: string, cin: number): tf.Tensor4D => {
      const w = tf.reshape(params[`vit.${name}.w`]!, [3, 3, cin, -1]) as tf.Tensor4D;
      const y = tf.relu(tf.add(tf.conv2d(h, w, 1, "same"), params[`vit.${name}.b`]!)) as tf.Tensor4D;
      return tf.maxPool(y, 2, 2, "valid");
    };
    const h3 = layer(layer(layer(x, "cnn1", 3), "cnn2", 3), "cnn3", 4); // [M, 2, 2, 5]
    const w4 = tf.reshape(params["vit.cnn4.w"]!, [3, 3, 5, 5]) as tf.Tensor4D;
    const h = tf.add(h3, tf.relu(tf.add(tf.conv2d(h3, w4, 1, "same"), params["vit.cnn4.b"]!)));
    const colour = tf.mean(tf.reshape(x, [M, 2, 8, 2, 8, 3]), [2, 4]); // [M, 2, 2, 3]
    return tf.concat([h, colour], 3).reshape([M * 4, 8]).arraySync() as number[][];
  });
  assert.equal(got.length, M * 4);
  got.forEach((row, i) =>
    row.forEach((v, j) =>
      assert.ok(Math.abs(v - want[i]![j]!) < 1e-4, `cell ${i} feature ${j}: ${v} vs ${want[i]![j]}`)
    )
  );
});

Deno.test("gridOf() rejects the cnn stem with a patch size other than 8", () => {
  const bad = ModelConfigSchema.parse({
    vocabSize: 10,
    imageSize: 16,
    patchSize: 4,
    patchWindow: 4,
    stem: "cnn",
  });
  assert.throws(() => gridOf(bad), {
    message:
      'Model config "stem" "cnn" needs "patchSize" 8 and "patchWindow" 8 (three 2× poolings), got 4 and 4',
  });
});

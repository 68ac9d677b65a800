import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { forwardDump } from "./dump.ts";
import { cloneLayerWeights, LlavaModel } from "./model.ts";
import { twigAtInit, twigScores } from "./twig_score.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");

Deno.test("twig depths outside the model are one error", async () => {
  await initBackend("wasm");
  const model = await LlavaModel.load(FIXTURE);
  try {
    assert.throws(() => twigAtInit(model, 3, 2), {
      message: "Invalid SD-RPN layers B=3, R=2: expected B ≥ 1, R ≥ 1 and B+R ≤ 4",
    });
    assert.throws(() => twigAtInit(model, 0, 1), {
      message: "Invalid SD-RPN layers B=0, R=1: expected B ≥ 1, R ≥ 1 and B+R ≤ 4",
    });
  } finally {
    model.dispose();
  }
});

Deno.test("a twig built from cloned layer weights scores like the twig at initialisation", async () => {
  await initBackend("wasm");
  const model = await LlavaModel.load(FIXTURE);
  try {
    const shared = twigAtInit(model, 1, 3);
    const cloned = {
      layers: shared.layers.map(cloneLayerWeights),
      norm: tf.clone(shared.norm),
      scorer: cloneLayerWeights(shared.scorer),
    };
    assert.notEqual(cloned.layers[0]!.q.w, shared.layers[0]!.q.w);
    const embeds = model.embedTokens([1, 4, 8, 15, 16, 23, 42]);
    const backbone = model.prefill(embeds, { upTo: 1, hiddenLayers: [1] });
    const at = { imageStart: 2, imageCount: 3, query: 6 };
    const [a, b] = [
      twigScores(model, shared, backbone.hidden[1]!, at),
      twigScores(model, cloned, backbone.hidden[1]!, at),
    ];
    assert.deepEqual(a.shape, [3]);
    assert.deepEqual(await a.data(), await b.data());
    tf.dispose([
      a,
      b,
      embeds,
      ...Object.values(backbone.hidden),
      ...backbone.cache.layers.flatMap((l) => [l.k, l.v]),
    ]);
    tf.dispose([...cloned.layers.flatMap((l) => Object.values(l)), cloned.norm] as tf.Tensor[]);
  } finally {
    model.dispose();
  }
});

Deno.test("a full case run leaves no tensors behind", async () => {
  await initBackend("wasm");
  const model = await LlavaModel.load(FIXTURE);
  try {
    const expected = JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected/tall.json")));
    const before = tf.memory().numTensors;
    await forwardDump(model, {
      inputIds: expected.input_ids,
      pixelValues: Float32Array.from(expected.pixel_values.data),
      maxNewTokens: 3,
      rpn: { B: 2, R: 2 },
    });
    assert.equal(tf.memory().numTensors, before);
  } finally {
    model.dispose();
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { loadLlavaConfig, parseLlavaConfig } from "./config.ts";
import { LLAVA_15_7B_CONFIG as LLAVA_7B } from "./llava_7b_config.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");

Deno.test("the llava-1.5-7b-hf config takes Llama and CLIP class defaults for omitted fields", () => {
  const c = parseLlavaConfig(structuredClone(LLAVA_7B), "7b/config.json");
  assert.deepEqual(c.text, {
    vocabSize: 32064,
    hiddenSize: 4096,
    intermediateSize: 11008,
    numLayers: 32,
    numHeads: 32,
    numKvHeads: 32,
    headDim: 128,
    rmsNormEps: 1e-5,
    ropeTheta: 10000,
    maxPositionEmbeddings: 4096,
    attentionBias: false,
    mlpBias: false,
  });
  assert.deepEqual(c.vision, {
    hiddenSize: 1024,
    intermediateSize: 4096,
    numLayers: 24,
    numHeads: 16,
    imageSize: 336,
    patchSize: 14,
    numChannels: 3,
    hiddenAct: "quick_gelu",
    layerNormEps: 1e-5,
  });
  assert.equal(c.numImageTokens, 576);
  assert.equal(c.visionLayersUsed, 23);
  assert.equal(c.imageTokenIndex, 32000);
  assert.equal(c.tieWordEmbeddings, false);
});

Deno.test("an empty config is LlavaConfig() with LlamaConfig() and the CLIP-L/336 vision tower", () => {
  const c = parseLlavaConfig({}, "x/config.json");
  assert.equal(c.text.rmsNormEps, 1e-6);
  assert.equal(c.text.vocabSize, 32000);
  assert.equal(c.text.maxPositionEmbeddings, 2048);
  assert.equal(c.vision.imageSize, 336);
  assert.equal(c.vision.numLayers, 24);
  assert.deepEqual(
    [
      c.imageTokenIndex,
      c.projectorHiddenAct,
      c.visionFeatureSelectStrategy,
      c.visionFeatureLayer,
      c.projectorBias,
    ],
    [32000, "gelu", "default", -2, true],
  );
});

Deno.test("a vision_config without fields takes CLIPVisionConfig defaults (ViT-B/32 at 224)", () => {
  const c = parseLlavaConfig({
    vision_config: {},
    text_config: { num_attention_heads: 8, num_key_value_heads: 2 },
  }, "c");
  assert.deepEqual([c.vision.hiddenSize, c.vision.intermediateSize, c.vision.numLayers], [768, 3072, 12]);
  assert.deepEqual([c.vision.numHeads, c.vision.imageSize, c.vision.patchSize], [12, 224, 32]);
  assert.equal(c.numImageTokens, 49);
  assert.deepEqual([c.text.numHeads, c.text.numKvHeads, c.text.headDim], [8, 2, 512]);
});

Deno.test("the full strategy keeps CLS and a positive feature layer counts from the embeddings", () => {
  const c = parseLlavaConfig({
    vision_feature_select_strategy: "full",
    vision_feature_layer: 1,
    vision_config: { image_size: 84, patch_size: 14, num_hidden_layers: 2 },
  }, "c");
  assert.equal(c.numImageTokens, 37);
  assert.equal(c.visionLayersUsed, 1);
});

Deno.test("rope_parameters of newer transformers set rope_theta", () => {
  const c = parseLlavaConfig(
    { text_config: { rope_parameters: { rope_type: "default", rope_theta: 5e5 } } },
    "c",
  );
  assert.equal(c.text.ropeTheta, 5e5);
});

Deno.test("the fixture config reads with its own sizes", async () => {
  const c = await loadLlavaConfig(FIXTURE);
  assert.deepEqual([c.text.hiddenSize, c.text.numLayers, c.text.vocabSize, c.imageTokenIndex], [
    64,
    4,
    640,
    600,
  ]);
  assert.equal(c.numImageTokens, 36);
});

Deno.test("unsupported architectures, model types and strategies name the file and key", () => {
  const cases: [unknown, string][] = [
    [
      { architectures: ["LlavaNextForConditionalGeneration"] },
      'Cannot read "m/config.json": key "architectures" is ["LlavaNextForConditionalGeneration"], ' +
      'expected ["LlavaForConditionalGeneration"]',
    ],
    [
      { model_type: "llava_next" },
      'Cannot read "m/config.json": key "model_type" is "llava_next", expected "llava"',
    ],
    [
      { text_config: { model_type: "mistral" } },
      'Cannot read "m/config.json": key "text_config.model_type" is "mistral", expected "llama"',
    ],
    [
      { vision_feature_select_strategy: "cls" },
      'Cannot read "m/config.json": key "vision_feature_select_strategy" is "cls", expected "default" or "full"',
    ],
    [
      { projector_hidden_act: "relu" },
      'Cannot read "m/config.json": key "projector_hidden_act" is "relu", expected "gelu"',
    ],
    [
      { text_config: { rope_scaling: { type: "linear", factor: 2 } } },
      'Cannot read "m/config.json": key "text_config.rope_scaling" is {"type":"linear","factor":2}, ' +
      "expected null (unsupported otherwise)",
    ],
    [
      { text_config: { num_attention_heads: 32, num_key_value_heads: 5 } },
      'Cannot read "m/config.json": key "text_config.num_key_value_heads" is 5, not a divisor of ' +
      "num_attention_heads 32",
    ],
    [
      { vision_feature_layer: -30 },
      'Cannot read "m/config.json": key "vision_feature_layer" is -30, outside the 25 hidden states of the vision tower',
    ],
    [
      { vision_config: { hidden_size: 1.5 } },
      'Cannot read "m/config.json": key "vision_config.hidden_size" is 1.5, expected an integer',
    ],
    [[], 'Cannot read "m/config.json": expected a JSON object'],
  ];
  for (const [json, message] of cases) {
    assert.throws(() => parseLlavaConfig(json, "m/config.json"), { message });
  }
});

Deno.test("a missing config.json is one error naming the file", async () => {
  await assert.rejects(loadLlavaConfig("/nonexistent-llava"), {
    message: 'Cannot read "/nonexistent-llava/config.json": file not found',
  });
});

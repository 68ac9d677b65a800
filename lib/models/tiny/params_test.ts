import assert from "node:assert/strict";
import { gridOf } from "./config.ts";
import {
  countParams,
  countTensorParams,
  decoderLayerShapes,
  exportParams,
  importParams,
  initTensors,
  paramShapes,
} from "./params.ts";
import { Rng, tinyModel } from "./test_helpers.ts";

Deno.test("decoderLayerShapes() lists one layer's tensors under its prefix in checkpoint order", () => {
  const { config } = tinyModel();
  // dim 16, 2 heads × 8 = 16 attention width, mlp 32.
  assert.deepEqual(decoderLayerShapes(config, "lm.layers.3."), [
    ["lm.layers.3.attnNorm", [16]],
    ["lm.layers.3.wq", [16, 16]],
    ["lm.layers.3.wk", [16, 16]],
    ["lm.layers.3.wv", [16, 16]],
    ["lm.layers.3.wo", [16, 16]],
    ["lm.layers.3.mlpNorm", [16]],
    ["lm.layers.3.w1", [16, 32]],
    ["lm.layers.3.w2", [32, 16]],
  ]);
});

Deno.test("paramShapes() starts with the window stem, ends with the head and counts every scalar once", () => {
  const { config } = tinyModel();
  const shapes = paramShapes(config);
  const names = shapes.map(([n]) => n);
  assert.equal(new Set(names).size, names.length);
  // Window stem: 4 × 4 pixels × 3 channels in.
  assert.deepEqual(shapes[0], ["vit.stem.w", [48, config.stemHidden]]);
  assert.deepEqual(shapes.find(([n]) => n === "vit.pos"), ["vit.pos", [gridOf(config).tokens, 16]]);
  assert.deepEqual(shapes.slice(-2), [["lm.norm", [16]], ["lm.head", [16, config.vocabSize]]]);
  assert.equal(names.filter((n) => n.startsWith("lm.layers.")).length, 8 * 8);
  // Decoder: 8 layers × (2·16 norms + 4·16·16 attention + 2·16·32 MLP).
  const decoder = shapes.filter(([n]) => n.startsWith("lm.layers."))
    .reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0);
  assert.equal(decoder, 8 * (2 * 16 + 4 * 256 + 2 * 512));
});

Deno.test("initTensors() sets norms to 1, biases to 0 and scales residual projections by depth", () => {
  const { config } = tinyModel();
  const t = initTensors(config, new Rng(0));
  assert.ok(t["lm.layers.0.attnNorm"]!.data.every((x) => x === 1));
  assert.ok(t["vit.norm"]!.data.every((x) => x === 1));
  assert.ok(t["vit.patch.b"]!.data.every((x) => x === 0));
  assert.ok(t["proj.fc1b"]!.data.every((x) => x === 0));
  const std = (name: string) => {
    const d = Array.from(t[name]!.data);
    const m = d.reduce((a, b) => a + b, 0) / d.length;
    return Math.sqrt(d.reduce((a, b) => a + (b - m) ** 2, 0) / d.length);
  };
  // GPT-2 init: 0.02, and 0.02 / √(2 · 8) = 0.005 for the decoder's output projections.
  const embed = std("lm.embed");
  assert.ok(Math.abs(embed - 0.02) < 0.002, `embed ${embed}`);
  const w2 = (Array.from({ length: 8 }, (_, i) => std(`lm.layers.${i}.w2`))).reduce((a, b) => a + b) / 8;
  assert.ok(Math.abs(w2 - 0.005) < 0.0005, `w2 ${w2}`);
  // He init for the stem: √(2 / 48).
  const stem = std("vit.stem.w");
  assert.ok(Math.abs(stem - Math.sqrt(2 / 48)) < 0.02, `stem ${stem}`);
  assert.deepEqual(initTensors(config, new Rng(0))["lm.head"]!.data, t["lm.head"]!.data);
});

Deno.test("importParams() round-trips exportParams() and counts the same scalars", async () => {
  const { config } = tinyModel();
  const tensors = initTensors(config, new Rng(3));
  const params = importParams(config, tensors, "memory");
  try {
    assert.equal(countParams(params), countTensorParams(tensors));
    const back = await exportParams(params);
    assert.deepEqual(Object.keys(back), paramShapes(config).map(([n]) => n));
    assert.deepEqual(back["lm.layers.2.wq"]!.data, tensors["lm.layers.2.wq"]!.data);
  } finally {
    Object.values(params).forEach((p) => p.dispose());
  }
});

Deno.test("importParams() names the checkpoint and the tensor that is missing, misshapen or unexpected", () => {
  const { config } = tinyModel();
  const tensors = initTensors(config, new Rng(4));
  const { ["lm.norm"]: _, ...missing } = tensors;
  assert.throws(() => importParams(config, missing, "ckpt"), {
    message: 'Cannot load checkpoint "ckpt": tensor "lm.norm" is missing',
  });
  const wrong = { ...tensors, "lm.norm": { shape: [2, 8], data: new Float32Array(16) } };
  assert.throws(() => importParams(config, wrong, "ckpt"), {
    message: 'Cannot load checkpoint "ckpt": tensor "lm.norm" has shape [2,8], expected [16]',
  });
  const extra = { ...tensors, "rpn.norm": { shape: [16], data: new Float32Array(16) } };
  assert.throws(() => importParams(config, extra, "ckpt"), {
    message: 'Cannot load checkpoint "ckpt": unexpected tensor "rpn.norm"',
  });
});

import assert from "node:assert/strict";
import { glyphSheetView, TOKEN_CLASSES } from "../../data/token_labels.ts";
import { initBackend } from "../../engine/backend.ts";
import { hashSeed, Rng } from "../../engine/rng.ts";
import { ModelConfigSchema } from "./config.ts";
import { initTensors } from "./params.ts";
import { tinyModel } from "./test_helpers.ts";
import { heldOutAccuracy, pretrainVision, stemParams } from "./vision_pretrain.ts";

await initBackend("cpu");
const { config } = tinyModel(); // "window" stem, 16 px image, 4 px patches
const K = TOKEN_CLASSES.length;
const BASE = ["vit.stem.w", "vit.stem.b", "vit.patch.w", "vit.patch.b"];
const options = { steps: 3, batchSize: 2, lr: 1e-3, seed: 11, noneWeight: 0.1 };

Deno.test("stemParams() names the token stem of each stem kind", () => {
  assert.deepEqual(stemParams(config), BASE);
  const conv = ModelConfigSchema.parse({ ...config, stem: "conv", patchWindow: 8, convKernel: 3 });
  assert.deepEqual(stemParams(conv), ["vit.conv.w", "vit.conv.b", ...BASE]);
  const cnn = ModelConfigSchema.parse({ vocabSize: config.vocabSize });
  assert.deepEqual(stemParams(cnn), [
    ...["vit.cnn1.w", "vit.cnn1.b", "vit.cnn2.w", "vit.cnn2.b", "vit.cnn3.w", "vit.cnn3.b"],
    ...["vit.cnn4.w", "vit.cnn4.b", ...BASE],
  ]);
});

Deno.test("pretrainVision() starts near ln K, trains only the stem and reports every step", async () => {
  const tensors = initTensors(config, new Rng(1));
  const before = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k, t.data.slice()]));
  const seen: number[] = [];
  const r = await pretrainVision(config, tensors, {
    ...options,
    onStep: (step, loss, accuracy) => {
      seen.push(step);
      assert.ok(Number.isFinite(loss));
      assert.ok(accuracy >= 0 && accuracy <= 1, `accuracy ${accuracy}`);
    },
  });
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(r.losses.length, 3);
  // The probe starts at N(0, 0.02²): logits ≈ 0, so the weighted cross-entropy is ≈ ln K.
  assert.ok(Math.abs(r.losses[0]! - Math.log(K)) < 0.1, `first loss ${r.losses[0]} vs ln ${K}`);
  assert.equal(r.probe.length, config.visionDim * K);
  for (const [name, data] of Object.entries(before)) {
    const changed = data.some((v, i) => v !== tensors[name]!.data[i]);
    assert.equal(changed, BASE.includes(name), name);
  }
});

Deno.test("pretrainVision() is deterministic for a seed", async () => {
  const a = initTensors(config, new Rng(1));
  const b = initTensors(config, new Rng(1));
  const ra = await pretrainVision(config, a, options);
  const rb = await pretrainVision(config, b, options);
  assert.deepEqual(ra.losses, rb.losses);
  assert.deepEqual(a["vit.stem.w"]!.data, b["vit.stem.w"]!.data);
});

Deno.test("pretrainVision() lowers the loss over a few steps", async () => {
  const tensors = initTensors(config, new Rng(1));
  const r = await pretrainVision(config, tensors, { ...options, steps: 24, batchSize: 4, lr: 1e-2 });
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  const first = mean(r.losses.slice(0, 4));
  const last = mean(r.losses.slice(-4));
  assert.ok(last < first, `loss ${first} → ${last}`);
});

Deno.test("heldOutAccuracy() counts detail tokens of its own stream and scores the probe's argmax", async () => {
  const sheet = { glyphScale: 1, widthRange: [3, 5] as const };
  const tensors = initTensors(config, new Rng(1));
  // Constant stem features (patch layer zeroed, bias 1) and a probe column of ones for class c: every token
  // is predicted as c, so the accuracy is the share of detail tokens labelled c, counted here from the views.
  tensors["vit.patch.w"]!.data.fill(0);
  tensors["vit.patch.b"]!.data.fill(1);
  const c = 5;
  const probe = new Float32Array(config.visionDim * K);
  for (let r = 0; r < config.visionDim; r++) probe[r * K + c] = 1;
  let details = 0, labelledC = 0;
  for (let i = 0; i < 6; i++) {
    const v = await glyphSheetView(
      new Rng(hashSeed(3, `vision-heldout/${i}`)),
      config.imageSize,
      config.patchSize,
      sheet.glyphScale,
      sheet.widthRange,
    );
    for (const l of v.labels) {
      if (l !== 0) details++;
      if (l === c) labelledC++;
    }
  }
  assert.ok(labelledC > 0 && labelledC < details, `${labelledC} of ${details}`);
  const r = await heldOutAccuracy(config, tensors, probe, sheet, 3, 6);
  assert.equal(r.tokens, details);
  assert.equal(r.accuracy, labelledC / details);
  // A probe favouring "none" (class 0) gets no detail token right.
  const none = new Float32Array(config.visionDim * K);
  for (let r = 0; r < config.visionDim; r++) none[r * K] = 1;
  assert.equal((await heldOutAccuracy(config, tensors, none, sheet, 3, 6)).accuracy, 0);
});

import assert from "node:assert/strict";
import { gridOf, type ModelConfig, ModelConfigSchema } from "./config.ts";

const base = (over: Record<string, unknown> = {}): ModelConfig =>
  ModelConfigSchema.parse({ vocabSize: 100, ...over });

Deno.test("ModelConfigSchema fills the documented defaults and leaves attentionKernel absent", () => {
  const c = base();
  assert.equal(c.imageSize, 64);
  assert.equal(c.patchSize, 8);
  assert.equal(c.patchWindow, 8);
  assert.equal(c.stem, "cnn");
  assert.deepEqual(c.cnnChannels, [16, 32, 64]);
  assert.equal(c.layers, 8);
  assert.equal(c.heads, 2);
  assert.equal(c.headDim, 16);
  assert.equal(c.ropeBase, 10000);
  assert.equal(c.normEps, 1e-5);
  assert.equal(c.vocabSize, 100);
  assert.equal("attentionKernel" in c, false);
});

Deno.test("ModelConfigSchema requires vocabSize", () => {
  const r = ModelConfigSchema.safeParse({});
  assert.equal(r.success, false);
  assert.deepEqual(r.error!.issues.map((i) => [i.path.join("."), i.message]), [
    ["vocabSize", "Invalid input: expected number, received undefined"],
  ]);
});

Deno.test("ModelConfigSchema rejects an unknown key and fewer than 8 layers", () => {
  const unknown = ModelConfigSchema.safeParse({ vocabSize: 100, foo: 1 });
  assert.equal(unknown.error?.issues[0]?.message, 'Unrecognized key: "foo"');
  const shallow = ModelConfigSchema.safeParse({ vocabSize: 100, layers: 4 });
  assert.deepEqual(shallow.error?.issues.map((i) => [i.path.join("."), i.message]), [
    ["layers", "Too small: expected number to be >=8"],
  ]);
  const kernel = ModelConfigSchema.safeParse({ vocabSize: 100, attentionKernel: "cuda" });
  assert.deepEqual(kernel.error?.issues.map((i) => i.path.join(".")), ["attentionKernel"]);
});

Deno.test("gridOf() derives grid, tokens and attention width from the defaults", () => {
  assert.deepEqual(gridOf(base()), { grid: 8, tokens: 64, headDim: 16, attnDim: 32 });
  assert.deepEqual(gridOf(base({ imageSize: 16, patchSize: 4, patchWindow: 4, stem: "window", heads: 3 })), {
    grid: 4,
    tokens: 16,
    headDim: 16,
    attnDim: 48,
  });
});

Deno.test("gridOf() rejects an image size that is not a multiple of the patch", () => {
  assert.throws(() => gridOf(base({ imageSize: 60 })), {
    message: 'Model config "imageSize" 60 is not a multiple of "patchSize" 8',
  });
});

Deno.test("gridOf() rejects an odd head width", () => {
  assert.throws(() => gridOf(base({ headDim: 7 })), {
    message: 'Model config "headDim" 7 must be even (rotary pairs)',
  });
});

Deno.test("gridOf() rejects a window smaller than the patch or with an odd margin", () => {
  const w = { stem: "window", patchSize: 8 };
  assert.throws(() => gridOf(base({ ...w, patchWindow: 4 })), {
    message: 'Model config "patchWindow" 4 must be ≥ "patchSize" 8 with an even difference',
  });
  assert.throws(() => gridOf(base({ ...w, patchWindow: 11 })), {
    message: 'Model config "patchWindow" 11 must be ≥ "patchSize" 8 with an even difference',
  });
  assert.equal(gridOf(base({ ...w, patchWindow: 12 })).grid, 8);
});

Deno.test("gridOf() rejects a conv kernel that is even or wider than the window margin", () => {
  const conv = { stem: "conv", patchSize: 8, patchWindow: 14 }; // margin 6 → kernel ≤ 7
  assert.equal(gridOf(base({ ...conv, convKernel: 7 })).grid, 8);
  assert.throws(() => gridOf(base({ ...conv, convKernel: 9 })), {
    message: 'Model config "convKernel" 9 must be odd and ≤ patchWindow − patchSize + 1',
  });
  assert.throws(() => gridOf(base({ ...conv, convKernel: 4 })), {
    message: 'Model config "convKernel" 4 must be odd and ≤ patchWindow − patchSize + 1',
  });
});

Deno.test("gridOf() rejects the cnn stem with patches other than 8 px", () => {
  assert.throws(() => gridOf(base({ imageSize: 64, patchSize: 4, patchWindow: 4 })), {
    message:
      'Model config "stem" "cnn" needs "patchSize" 8 and "patchWindow" 8 (three 2× poolings), got 4 and 4',
  });
});

Deno.test("gridOf() rejects a vision width that does not split into its heads", () => {
  assert.throws(() => gridOf(base({ visionDim: 64, visionHeads: 3 })), {
    message: 'Model config "visionDim" 64 must split into "visionHeads" 3',
  });
});

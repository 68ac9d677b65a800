import assert from "node:assert/strict";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { ModelConfigSchema } from "./config.ts";
import { convInputs, tokenStem } from "./forward.ts";
import { initParams } from "./params.ts";
import { patchify } from "./sequence.ts";

await initBackend("wasm");

Deno.test("convInputs() gathers the k×k luminance neighbourhood of every core pixel and the core's mean colour", () => {
  // One token: window 4, patch 2 (core = window pixels 1..2), kernel 3.
  const config = ModelConfigSchema.parse({
    vocabSize: 10,
    imageSize: 4,
    patchSize: 2,
    patchWindow: 4,
    convKernel: 3,
  });
  const W = 4;
  const windows = new Float32Array(W * W * 3);
  // Grey pixels (R = G = B = v) → luminance v; v = window pixel index.
  for (let i = 0; i < W * W; i++) windows.fill(i, i * 3, i * 3 + 3);
  const { cols, colour } = convInputs(windows, config);
  assert.equal(cols.length, 4 * 9);
  // Core pixel (1,1) of the window: its 3×3 neighbourhood is rows 0..2, cols 0..2.
  assert.deepEqual(Array.from(cols.subarray(0, 9), (v) => +v.toFixed(4)), [0, 1, 2, 4, 5, 6, 8, 9, 10]);
  // Core pixel (2,2): rows 1..3, cols 1..3.
  assert.deepEqual(Array.from(cols.subarray(27, 36), (v) => +v.toFixed(4)), [5, 6, 7, 9, 10, 11, 13, 14, 15]);
  // Mean colour of the core pixels 5, 6, 9, 10.
  assert.deepEqual(Array.from(colour, (v) => +v.toFixed(4)), [7.5, 7.5, 7.5]);
});

Deno.test("tokenStem() maps windows to [M, N, visionDim] for both stems and is shift-invariant inside a patch (conv)", async () => {
  for (const stem of ["conv", "window"] as const) {
    const config = ModelConfigSchema.parse({
      vocabSize: 10,
      imageSize: 16,
      patchSize: 4,
      patchWindow: 8,
      stem,
      convKernel: 3,
    });
    const params = initParams(config, new Rng(1));
    const img = new Float32Array(16 * 16 * 3).fill(0.9);
    const out = tokenStem(params, config, patchify(img, 16, 4, 8), 1);
    assert.deepEqual(out.shape, [1, 16, config.visionDim]);
  }
  // Conv stem: a single dark pixel moved by one pixel inside the same patch (away from the window edge)
  // gives the same max-pooled features, hence the same token.
  const config = ModelConfigSchema.parse({
    vocabSize: 10,
    imageSize: 16,
    patchSize: 4,
    patchWindow: 8,
    stem: "conv",
    convKernel: 3,
  });
  const params = initParams(config, new Rng(2));
  const dot = (x: number, y: number) => {
    const img = new Float32Array(16 * 16 * 3).fill(0.9);
    img.fill(0.1, (y * 16 + x) * 3, (y * 16 + x) * 3 + 3);
    return tokenStem(params, config, patchify(img, 16, 4, 8), 1);
  };
  const a = (await dot(5, 5).data()) as Float32Array;
  const b = (await dot(6, 6).data()) as Float32Array;
  const token = 1 * 4 + 1; // patch (1, 1) covers pixels 4..7
  const dim = config.visionDim;
  for (let j = 0; j < dim; j++) assert.ok(Math.abs(a[token * dim + j]! - b[token * dim + j]!) < 1e-5);
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import {
  batchedBias,
  batchedDecoderLayer,
  batchedRope,
  layerLeaves,
  layerToLeaves,
  linearOf,
  repeatKvHeads,
} from "./batched.ts";
import type { LlamaTextConfig } from "./config.ts";
import { llamaDecoderLayer } from "./llama.ts";
import type { LlamaLayerWeights } from "./weights.ts";

// Grouped-query attention (4 query heads on 2 kv heads) with biases on every linear layer.
const CFG: LlamaTextConfig = {
  vocabSize: 10,
  hiddenSize: 8,
  intermediateSize: 12,
  numLayers: 1,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 2,
  rmsNormEps: 1e-5,
  ropeTheta: 100,
  maxPositionEmbeddings: 64,
  attentionBias: true,
  mlpBias: true,
};

function randomLayer(rng: Rng): LlamaLayerWeights {
  const t = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.5),
      shape,
    );
  const lin = (din: number, dout: number) => ({
    w: t([din, dout]) as tf.Tensor2D,
    b: t([dout]) as tf.Tensor1D,
  });
  const d = CFG.hiddenSize;
  return {
    inputNorm: t([d]) as tf.Tensor1D,
    q: lin(d, 8),
    k: lin(d, 4),
    v: lin(d, 4),
    o: lin(8, d),
    postNorm: t([d]) as tf.Tensor1D,
    gate: lin(d, 12),
    up: lin(d, 12),
    down: lin(12, d),
  };
}

Deno.test("layerLeaves() lists norms, weights and (when configured) biases in checkpoint order", () => {
  assert.deepEqual(layerLeaves(CFG, "queryKey"), ["inputNorm", "q.w", "q.b", "k.w", "k.b"]);
  assert.deepEqual(layerLeaves({ ...CFG, attentionBias: false, mlpBias: false }, "all"), [
    "inputNorm",
    "q.w",
    "k.w",
    "v.w",
    "o.w",
    "postNorm",
    "gate.w",
    "up.w",
    "down.w",
  ]);
  assert.throws(() => linearOf({}, "q"), { message: 'Layer weights lack the leaf "q.w"' });
});

Deno.test("batchedDecoderLayer() on a padded batch equals the one-sequence layer on each row's valid tokens", async () => {
  await initBackend("wasm");
  const rng = new Rng(3);
  const w = randomLayer(rng);
  const B = 2;
  const T = 6;
  // Row 0: all valid. Row 1: padding in the middle and a dropped token, as the RPN's re-padded batches have.
  const valid = Uint8Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1]);
  const positions = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    let p = 0;
    for (let t = 0; t < T; t++) {
      positions[b * T + t] = p;
      if (valid[b * T + t]) p++;
    }
  }
  const x = tf.tensor3d(Float32Array.from({ length: B * T * 8 }, () => rng.normal()), [B, T, 8]);
  const context = {
    ...batchedRope(positions, B, T, CFG.headDim, CFG.ropeTheta),
    bias: batchedBias(valid, B, T),
  };
  const out = batchedDecoderLayer(x, layerToLeaves(w, CFG, "all"), CFG, context);
  const got = (await out.data()) as Float32Array;
  const xs = (await x.data()) as Float32Array;
  for (let b = 0; b < B; b++) {
    const rows: number[] = [];
    for (let t = 0; t < T; t++) if (valid[b * T + t]) rows.push(t);
    const compact = tf.tensor2d(
      Float32Array.from(rows.flatMap((t) => Array.from(xs.subarray((b * T + t) * 8, (b * T + t + 1) * 8)))),
      [rows.length, 8],
    );
    const ref = llamaDecoderLayer(compact, w, CFG);
    const want = (await ref.out.data()) as Float32Array;
    rows.forEach((t, i) => {
      for (let j = 0; j < 8; j++) {
        assert.ok(Math.abs(got[(b * T + t) * 8 + j]! - want[i * 8 + j]!) < 1e-5, `row ${b} token ${t}`);
      }
    });
    tf.dispose([compact, ref.out, ref.cache.k, ref.cache.v]);
  }
  tf.dispose([x, out, context.cos, context.sin, context.bias]);
});

Deno.test("repeatKvHeads() gives kv head i to query heads i·H/KV .. (i+1)·H/KV − 1 on [B, T, KV, dh]", async () => {
  await initBackend("wasm");
  const kv = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
  const out = repeatKvHeads(kv, 4);
  assert.deepEqual(out.shape, [1, 1, 4, 2]);
  assert.deepEqual(Array.from(await out.data()), [1, 2, 1, 2, 3, 4, 3, 4]);
  tf.dispose([kv, out]);
});

Deno.test("batchedBias() masks future and invalid keys", async () => {
  await initBackend("wasm");
  const bias = batchedBias(Uint8Array.from([1, 0, 1]), 1, 3);
  const N = -1e9;
  assert.deepEqual(Array.from(await bias.data()), [0, N, N, 0, N, N, 0, N, 0]);
  bias.dispose();
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import type { Mllm } from "../eval/answer.ts";
import { gridOf } from "../model/config.ts";
import { forward } from "../model/mllm.ts";
import { exportParams, initParams } from "../model/params.ts";
import { buildSequences } from "../model/sequence.ts";
import { someItems, tinyModel } from "../model/test_helpers.ts";
import { backboneStates, batchRpnInput } from "./backbone.ts";
import { IGNORE } from "./labels.ts";
import { attentionPredictionLoss, bceLoss, initRpn, rpnLogits, rpnParamSources } from "./rpn.ts";

await initBackend("wasm");
const { config, tokenizer } = tinyModel();
const params = initParams(config, new Rng(5));
const base = await exportParams(params);
const model: Mllm = { config, tokenizer, params };
const N = gridOf(config).tokens;

function rpnVars(shape: { backbone: number; branch: number }) {
  const t = initRpn(config, shape, base);
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, tf.variable(tf.tensor(v.data, v.shape))]));
}

Deno.test("rpnParamSources() copies layers B..B+R−1, only q/k and the input norm of the last one", () => {
  const src = rpnParamSources(config, { backbone: 3, branch: 2 });
  assert.deepEqual(src.filter(([d]) => d.startsWith("rpn.layers.1.")).map(([, s]) => s), [
    "lm.layers.4.attnNorm",
    "lm.layers.4.wq",
    "lm.layers.4.wk",
  ]);
  assert.equal(src.filter(([d]) => d.startsWith("rpn.layers.0.")).length, 8);
  assert.deepEqual(src.at(-1), ["rpn.norm", "lm.norm"]);
  assert.throws(() => rpnParamSources(config, { backbone: 6, branch: 3 }), {
    message: "RPN layers B=6, R=3 do not fit a 8-layer model (need 1 ≤ B, B + R ≤ 8)",
  });
});

Deno.test("rpnLogits() with R = 1 equals the hand-written query·key score of the copied layer", async () => {
  const shape = { backbone: 4, branch: 1 };
  const p = { ...params, ...rpnVars(shape) };
  const items = someItems(tokenizer, config.imageSize, 1, false);
  const states = await backboneStates(model, items, 4);
  const input = batchRpnInput(states, config);
  const logits = (await rpnLogits(p, config, shape, input).data()) as Float32Array;
  // Reference in plain JS from the cached states.
  const d = config.dim;
  const H = config.heads;
  const dh = config.headDim;
  const rms = (v: Float32Array, w: Float32Array) => {
    const ms = v.reduce((a, x) => a + x * x, 0) / v.length;
    return v.map((x, i) => (x / Math.sqrt(ms + config.normEps)) * w[i]!);
  };
  const matvec = (v: Float32Array, W: Float32Array, dout: number) =>
    Float32Array.from({ length: dout }, (_, o) => v.reduce((a, x, i) => a + x * W[i * dout + o]!, 0));
  const norm = base["lm.norm"]!.data;
  const attnNorm = base["lm.layers.4.attnNorm"]!.data;
  for (let b = 0; b < states.length; b++) {
    const s = states[b]!;
    const row = (t: number) => s.hidden.slice(t * d, (t + 1) * d);
    const L = s.hidden.length / d;
    const q = matvec(rms(rms(row(L - 1), norm), attnNorm), base["lm.layers.4.wq"]!.data, H * dh);
    for (let j = 0; j < N; j++) {
      const k = matvec(rms(rms(row(4 + j), norm), attnNorm), base["lm.layers.4.wk"]!.data, H * dh);
      let ref = 0;
      for (let h = 0; h < H; h++) {
        for (let e = 0; e < dh; e++) ref += q[h * dh + e]! * k[h * dh + e]!;
      }
      ref /= H * Math.sqrt(dh);
      assert.ok(Math.abs(logits[b * N + j]! - ref) < 1e-4, `b${b} j${j}: ${logits[b * N + j]} vs ${ref}`);
    }
  }
});

Deno.test("batchRpnInput() re-pads cached states exactly like an uncached batch", async () => {
  const shape = { backbone: 3, branch: 3 };
  const p = { ...params, ...rpnVars(shape) };
  const items = someItems(tokenizer, config.imageSize, 1, false);
  // One batch at a time (batch size 1) so no state ever saw padding, then batched together.
  const states = await backboneStates(model, items, 3, 1);
  const cached = (await rpnLogits(p, config, shape, batchRpnInput(states, config)).data()) as Float32Array;
  const seq = buildSequences(tokenizer, config, items);
  const h = forward(params, config, seq, { upTo: 3, logits: false }).hidden;
  const direct = (await rpnLogits(p, config, shape, {
    batch: seq.batch,
    length: seq.length,
    hidden: (await h.data()) as Float32Array,
    valid: seq.valid,
    positions: seq.positions,
    imageStart: seq.visualStarts[0]!,
    promptEnd: seq.promptEnd,
  }).data()) as Float32Array;
  for (let i = 0; i < cached.length; i++) assert.ok(Math.abs(cached[i]! - direct[i]!) < 1e-4, `${i}`);
});

Deno.test("bceLoss() averages over non-ignored cells of the whole batch; all ignored gives 0", async () => {
  // BCE(0, 1) = ln 2, BCE(2, 0) = 2 + ln(1 + e^-2); mean of those two.
  const l = await bceLoss(tf.tensor2d([[0, 2, 5]]), Int32Array.from([1, 0, IGNORE])).data();
  const want = (Math.LN2 + 2 + Math.log1p(Math.exp(-2))) / 2;
  assert.ok(Math.abs(l[0]! - want) < 1e-6);
  const z = await bceLoss(tf.tensor2d([[1, 2]]), Int32Array.from([IGNORE, IGNORE])).data();
  assert.equal(z[0], 0);
});

Deno.test("attentionPredictionLoss() is the cross-entropy to the normalised map, skipping all-zero maps", async () => {
  // Row 0: logits equal → q uniform (½, ½); target [1, 3] → p = (¼, ¾); CE = −(¼ ln ½ + ¾ ln ½) = ln 2.
  const l = await attentionPredictionLoss(tf.tensor2d([[0, 0], [4, 1]]), Float32Array.from([1, 3, 0, 0]))
    .data();
  assert.ok(Math.abs(l[0]! - Math.LN2) < 1e-6);
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../engine/backend.ts";
import type { TensorMap } from "../model/tensors.ts";
import { somePrompts, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { backboneStates, batchRpnInput } from "./backbone.ts";
import { IGNORE } from "./labels.ts";
import { attentionPredictionLoss, bceLoss, initRpn, rpnLogits, rpnParamNames } from "./rpn.ts";

await initBackend("wasm");
const model = tinyTestModel(5);
const N = model.counts.tokens;

async function rpnVars(shape: { backbone: number; branch: number }) {
  const t = await initRpn(model, shape);
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, tf.variable(tf.tensor(v.data, v.shape))]));
}

Deno.test("rpnParamNames() names full copies of layers B..B+R−2, then the last one's norm + q/k, then the norm", () => {
  const names = rpnParamNames(model, { backbone: 3, branch: 2 });
  const all = model.layerLeaves("all");
  const qk = model.layerLeaves("queryKey");
  assert.equal(qk.length, 3);
  assert.deepEqual(names, [
    ...all.map((l) => `rpn.layers.0.${l}`),
    ...qk.map((l) => `rpn.layers.1.${l}`),
    "rpn.norm",
  ]);
  assert.throws(() => rpnParamNames(model, { backbone: 6, branch: 3 }), {
    message: "RPN layers B=6, R=3 do not fit a 8-layer model (need 1 ≤ B, B + R ≤ 8)",
  });
  assert.throws(() => rpnParamNames(model, { backbone: 2, branch: 0 }), {
    message: 'RPN branch depth must be at least 1, got "0"',
  });
});

Deno.test("initRpn() copies the values of layers B..B+R−1 and the final norm under the RPN's names", async () => {
  const shape = { backbone: 3, branch: 2 };
  const init = await initRpn(model, shape);
  assert.deepEqual(Object.keys(init), rpnParamNames(model, shape));
  const layer3 = await model.copyLayer(3, "all");
  const layer4 = await model.copyLayer(4, "queryKey");
  for (const [leaf, t] of Object.entries(layer3)) assert.deepEqual(init[`rpn.layers.0.${leaf}`], t, leaf);
  for (const [leaf, t] of Object.entries(layer4)) assert.deepEqual(init[`rpn.layers.1.${leaf}`], t, leaf);
  assert.deepEqual(init["rpn.norm"], await model.copyFinalNorm());
});

Deno.test("rpnLogits() with R = 1 equals the hand-written query·key score of the copied layer", async () => {
  const shape = { backbone: 4, branch: 1 };
  const p = await rpnVars(shape);
  const states = await backboneStates(model, somePrompts(16, 1), 4);
  const input = batchRpnInput(states, model);
  const logits = (await rpnLogits(model, shape, p, input).data()) as Float32Array;
  // Reference in plain JS from the cached states and the copied weights (leaves: input norm, q, k).
  const d = model.counts.hidden;
  const H = model.counts.heads;
  const dh = model.counts.headDim;
  const eps = model.config.normEps;
  const rms = (v: Float32Array, w: Float32Array) => {
    const ms = v.reduce((a, x) => a + x * x, 0) / v.length;
    return v.map((x, i) => (x / Math.sqrt(ms + eps)) * w[i]!);
  };
  const matvec = (v: Float32Array, W: Float32Array, dout: number) =>
    Float32Array.from({ length: dout }, (_, o) => v.reduce((a, x, i) => a + x * W[i * dout + o]!, 0));
  const copy: TensorMap = await model.copyLayer(4, "queryKey");
  const [attnNorm, wq, wk] = model.layerLeaves("queryKey").map((l) => copy[l]!.data);
  const norm = (await model.copyFinalNorm()).data;
  for (let b = 0; b < states.length; b++) {
    const s = states[b]!;
    const row = (t: number) => s.hidden.slice(t * d, (t + 1) * d);
    const L = s.hidden.length / d;
    const q = matvec(rms(rms(row(L - 1), norm), attnNorm!), wq!, H * dh);
    for (let j = 0; j < N; j++) {
      const start = model.template.imageStart;
      const k = matvec(rms(rms(row(start + j), norm), attnNorm!), wk!, H * dh);
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
  const p = await rpnVars(shape);
  const prompts = somePrompts(16, 1);
  // One batch at a time (batch size 1) so no state ever saw padding, then batched together.
  const states = await backboneStates(model, prompts, 3, 1);
  assert.deepEqual(
    states.map((s) => s.questionLength),
    prompts.map((q) => model.tokenizer.encode(q.question).length),
  );
  const cached = (await rpnLogits(model, shape, p, batchRpnInput(states, model)).data()) as Float32Array;
  const pre = model.prefill(prompts, 3);
  const direct =
    (await rpnLogits(model, shape, p, { ...pre.layout, hidden: pre.hidden }).data()) as Float32Array;
  for (let i = 0; i < cached.length; i++) assert.ok(Math.abs(cached[i]! - direct[i]!) < 1e-4, `${i}`);
});

Deno.test("batchRpnInput() rejects a state whose rows do not match its question length", () => {
  const d = model.counts.hidden;
  const rows = model.template.imageStart + N + model.template.questionExtra + 2;
  assert.throws(
    () => batchRpnInput([{ hidden: new Float32Array((rows + 1) * d), questionLength: 2 }], model),
    {
      message: `Backbone state has ${rows + 1} rows, expected ${rows} for its question length`,
    },
  );
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

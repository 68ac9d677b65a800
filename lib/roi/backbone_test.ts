import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../engine/backend.ts";
import { somePrompts, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { backboneStates } from "./backbone.ts";

await initBackend("wasm");
const model = tinyTestModel(3);
const d = model.counts.hidden;

Deno.test("backboneStates() keeps the layer-B rows of each prompt's real tokens, in order", async () => {
  const prompts = somePrompts(16, 1);
  const states = await backboneStates(model, prompts, 2, 2);
  const p = model.prefill(prompts, 2);
  const all = (await p.hidden.data()) as Float32Array;
  tf.dispose(p.hidden);
  const { length: T, valid } = p.layout;
  states.forEach((s, b) => {
    const rows = [...Array(T).keys()].filter((t) => valid[b * T + t]);
    assert.equal(s.hidden.length, rows.length * d);
    assert.equal(s.questionLength, model.tokenizer.encode(prompts[b]!.question).length);
    // Batched differently (2 + 1 vs 3 rows) the values agree to float precision.
    rows.forEach((t, i) => {
      for (let k = 0; k < d; k++) {
        assert.ok(Math.abs(s.hidden[i * d + k]! - all[(b * T + t) * d + k]!) < 1e-5, `row ${b} t ${t}`);
      }
    });
  });
});

Deno.test("backboneStates() rejects prompts with RoI blocks", async () => {
  await assert.rejects(() => backboneStates(model, somePrompts(16, 2), 2), {
    message: "RPN prompts carry the image only (no RoI blocks)",
  });
});

import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { forwardDump } from "./dump.ts";
import { LlavaModel } from "./model.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");
await initBackend("wasm");
const model = await LlavaModel.load(FIXTURE);
const want = JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected", "tall.json"))) as {
  input_ids: number[];
  image_token_start: number;
  pixel_values: { shape: number[]; data: number[] };
  image_features: { shape: number[]; data: number[] };
  last_logits: number[];
  generated_ids: number[];
  attention: Record<string, number[][]>;
  rpn_logits: number[];
};
const pixelValues = Float32Array.from(want.pixel_values.data);

function maxDelta(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

Deno.test("a prompt without 36 consecutive image tokens is refused with the run it needs", async () => {
  const message = "Cannot run the case: the prompt needs 36 consecutive image tokens (id 600)";
  const base = { pixelValues, maxNewTokens: 1 };
  await assert.rejects(forwardDump(model, { ...base, inputIds: [1, 2, 3] }), { message });
  const split = [1, ...new Array(35).fill(600), 5, 600];
  await assert.rejects(forwardDump(model, { ...base, inputIds: split }), { message });
  // A run of 35 cut off by the prompt's end, and a run of 36 followed by a stray image id.
  const short = [1, ...new Array(35).fill(600)];
  await assert.rejects(forwardDump(model, { ...base, inputIds: short }), { message });
  const extra = [1, ...new Array(36).fill(600), 5, 600];
  await assert.rejects(forwardDump(model, { ...base, inputIds: extra }), { message });
});

Deno.test("without RPN depths the dump has no attention rows and no rpn_logits, and frees its tensors", async () => {
  const before = tf.memory().numTensors;
  const dump = await forwardDump(model, { inputIds: want.input_ids, pixelValues, maxNewTokens: 8 });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Object.keys(dump), [
    "input_ids",
    "image_token_start",
    "pixel_values",
    "image_features",
    "last_logits",
    "generated_ids",
    "attention",
    "rpn_logits",
  ]);
  assert.deepEqual(dump.attention, {});
  assert.deepEqual(dump.rpn_logits, []);
  assert.deepEqual(dump.input_ids, want.input_ids);
  assert.equal(dump.image_token_start, want.image_token_start);
  assert.deepEqual(dump.pixel_values.shape, [3, 84, 84]);
  assert.deepEqual(dump.pixel_values.data, Array.from(pixelValues)); // echoed as given
  assert.deepEqual(dump.image_features.shape, [36, 64]);
  assert.ok(maxDelta(dump.image_features.data, want.image_features.data) <= 2e-3);
  assert.ok(maxDelta(dump.last_logits, want.last_logits) <= 2e-3);
  assert.deepEqual(dump.generated_ids, want.generated_ids);
});

Deno.test("with RPN depths every layer's attention row covers the image tokens per head", async () => {
  const before = tf.memory().numTensors;
  const eosId = want.generated_ids[1]!;
  const dump = await forwardDump(model, {
    inputIds: want.input_ids,
    pixelValues,
    maxNewTokens: 8,
    rpn: { B: 2, R: 2 },
    eosId,
  });
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(dump.generated_ids, want.generated_ids.slice(0, 2)); // stopped after eosId, kept
  assert.deepEqual(Object.keys(dump.attention), ["0", "1", "2", "3"]);
  for (const [layer, heads] of Object.entries(dump.attention)) {
    assert.equal(heads.length, 4);
    for (const row of heads) {
      assert.equal(row.length, 36);
      const mass = row.reduce((s, p) => s + p, 0);
      assert.ok(mass > 0 && mass < 1, `layer ${layer}: image mass ${mass}`); // text keys take the rest
    }
    assert.ok(maxDelta(heads.flat(), want.attention[layer]!.flat()) <= 2e-3, `layer ${layer}`);
  }
  assert.equal(dump.rpn_logits.length, 36);
  assert.ok(maxDelta(dump.rpn_logits, want.rpn_logits) <= 2e-3);
});

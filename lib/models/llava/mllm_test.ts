import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { loadImageRgb } from "../../image/load_rgb.ts";
import type { LlavaModel } from "./model.ts";
import { LlavaMllm } from "./mllm.ts";
import { loadLlavaSession } from "./session.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");
await initBackend("wasm");
const session = await loadLlavaSession(FIXTURE);
const mllm = new LlavaMllm(session);
const square = JSON.parse(await Deno.readTextFile(join(FIXTURE, "expected", "square.json"))) as {
  question: string;
  input_ids: number[];
  generated_ids: number[];
  last_logits: number[];
};
const pixels = await mllm.encodeImage(await loadImageRgb(join(FIXTURE, "cases", "square.png")));
const widePixels = await mllm.encodeImage(await loadImageRgb(join(FIXTURE, "cases", "wide.png")));

function maxDelta(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** A LlavaMllm over the fixture whose Llama config has `numKvHeads` key/value heads (GQA). */
function withKvHeads(numKvHeads: number): LlavaMllm {
  const base = session.model;
  const model = Object.assign(Object.create(Object.getPrototypeOf(base)), base, {
    config: { ...base.config, text: { ...base.config.text, numKvHeads } },
  }) as LlavaModel;
  return new LlavaMllm({ ...session, model });
}

Deno.test("counts, template and head come from the fixture's config and vicuna_v1 prompt", () => {
  assert.equal(mllm.family, "llava-1.5");
  assert.deepEqual(mllm.counts, {
    layers: 4,
    heads: 4,
    kvHeads: 4,
    headDim: 16,
    hidden: 64,
    grid: 6,
    tokens: 36,
    encoderSize: 84,
  });
  assert.deepEqual(mllm.head, square.input_ids.slice(0, 82));
  assert.deepEqual(mllm.template, { imageStart: mllm.head.length, questionExtra: 0 });
  // head + N image ids + tail(question) is the fixture's prompt.
  assert.deepEqual(
    [...mllm.head, ...new Array(36).fill(600), ...mllm.tail(square.question)],
    square.input_ids,
  );
});

Deno.test("imageGeometry: pad-to-square, resize of the square to the shortest edge, then the centre crop", () => {
  // Fixture (shortest edge = crop = 84). Wide 200×100: side 200, ratio 0.42, paste y = 50 → padY 21.
  const wide = mllm.imageGeometry(200, 100);
  assert.deepEqual([wide.ratio, wide.padX], [0.42, 0]);
  assert.ok(Math.abs(wide.padY - 21) < 1e-12);
  // Tall 101×300: side 300, ratio 0.28, paste x = floor(199/2) = 99 → padX 27.72.
  const tall = mllm.imageGeometry(101, 300);
  assert.deepEqual([tall.ratio, tall.padY], [0.28, 0]);
  assert.ok(Math.abs(tall.padX - 27.72) < 1e-12);
  // A square image needs no padding.
  assert.deepEqual(mllm.imageGeometry(84, 84), { ratio: 1, padX: 0, padY: 0 });
  // Resize to 100 then crop 84: the crop starts 8 pixels in, so both pads shift by −8.
  const cropped = new LlavaMllm({
    ...session,
    preprocessor: { ...session.preprocessor, shortestEdge: 100 },
  });
  assert.deepEqual(cropped.imageGeometry(200, 100), { ratio: 0.5, padX: -8, padY: 25 - 8 });
  assert.deepEqual(cropped.imageGeometry(50, 100), { ratio: 1, padX: 25 - 8, padY: -8 });
});

Deno.test("layerLeaves lists the layer's checkpoint leaves; copyLayer copies exactly those", async () => {
  assert.deepEqual(mllm.layerLeaves("all"), [
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
  const copy = await mllm.copyLayer(2, "queryKey");
  assert.deepEqual(Object.keys(copy), ["inputNorm", "q.w", "k.w"]);
  const w = session.model.layerWeights(2);
  assert.deepEqual(copy["k.w"]!.shape, [64, 64]);
  assert.deepEqual(copy["k.w"]!.data, w.k.w.dataSync());
  assert.deepEqual(copy["inputNorm"]!.data, w.inputNorm.dataSync());
  assert.deepEqual((await mllm.copyFinalNorm()).data, session.model.finalNormWeight.dataSync());
  for (const bad of [-1, 1.5]) {
    await assert.rejects(mllm.copyLayer(bad, "all"), {
      message: `Decoder layer "${bad}" does not exist (the model has 4 layers)`,
    });
  }
});

Deno.test("project reshapes q to [B, T, H, dh] and repeats each of the KV key heads for H/KV query heads", async () => {
  const gqa = withKvHeads(2);
  assert.equal(gqa.counts.kvHeads, 2);
  const h = tf.randomNormal([2, 3, 64], 0, 1, "float32", 3) as tf.Tensor3D; // [B, T, d]
  const wk = tf.randomNormal([64, 32], 0, 1, "float32", 4) as tf.Tensor2D; // KV 2 × dh 16
  const k = gqa.project({ "k.w": wk }, h, "k");
  assert.deepEqual(k.shape, [2, 3, 4, 16]);
  const plain = (await tf.matMul(tf.reshape(h, [6, 64]), wk).data()) as Float32Array; // [6, 32]
  const got = (await k.data()) as Float32Array;
  for (let r = 0; r < 6; r++) {
    for (let head = 0; head < 4; head++) {
      const kv = Math.floor(head / 2); // heads 0, 1 ← kv 0; heads 2, 3 ← kv 1
      const a = got.subarray((r * 4 + head) * 16, (r * 4 + head + 1) * 16);
      const b = plain.subarray(r * 32 + kv * 16, r * 32 + (kv + 1) * 16);
      assert.ok(maxDelta(a, b) < 1e-5, `row ${r} head ${head}`);
    }
  }
  const wq = tf.randomNormal([64, 64], 0, 1, "float32", 5) as tf.Tensor2D;
  const bq = tf.fill([64], 0.25) as tf.Tensor1D;
  const q = gqa.project({ "q.w": wq, "q.b": bq }, h, "q");
  assert.deepEqual(q.shape, [2, 3, 4, 16]);
  const wantQ = await tf.add(tf.matMul(tf.reshape(h, [6, 64]), wq), 0.25).data();
  assert.ok(maxDelta(await q.data(), wantQ) < 1e-4);
  assert.throws(() => gqa.project({ "q.w": wq }, h, "k"), { message: 'Layer weights lack the leaf "k.w"' });
  assert.throws(() => gqa.attentionInput({}, h), { message: 'Layer weights lack the leaf "inputNorm"' });
});

Deno.test("prefixBytes counts keys, values, residual and features; above the limit no prefix is kept", async () => {
  // P = 82 + 36 = 118; at depth 2: 4·(2·2·4·118·16 + 118·64 + 36·64) = 160256 bytes.
  assert.equal(mllm.prefixBytes(2), 160256);
  assert.equal(mllm.prefixBytes(0), 4 * (118 * 64 + 36 * 64));
  assert.equal(mllm.prefixLimitBytes, 64 * 1024 * 1024);
  const prompts = [{ question: square.question, blocks: [{ pixels }] }];
  const kept = mllm.prefill(prompts, 2, { keepPrefix: true });
  assert.notEqual(kept.prefix, null);
  assert.deepEqual(kept.hidden.shape, [1, square.input_ids.length, 64]);
  const small = new LlavaMllm(session, { prefixLimitBytes: 160255 });
  const dropped = small.prefill(prompts, 2, { keepPrefix: true });
  assert.equal(dropped.prefix, null);
  assert.deepEqual(dropped.hidden.dataSync(), kept.hidden.dataSync());
  assert.equal(mllm.prefill(prompts, 2).prefix, null); // not asked for
  const rows = await mllm.prefixRows(kept.prefix!); // moves the state to the host, freeing it on the device
  assert.deepEqual(rows.map((r) => r.depth), [2]);
});

Deno.test("maxBatch only bounds memory: a batch of two answers as each row alone, in row order", async () => {
  assert.equal(mllm.maxBatch, 8);
  const a = { question: square.question, blocks: [{ pixels }] };
  const b = {
    question: "How many stripes are there? Answer with 1 number.",
    blocks: [{ pixels: widePixels }],
  };
  const both = await mllm.generate([a, b], { maxNewTokens: 3 });
  const [alone] = await mllm.generate([b], { maxNewTokens: 3 });
  assert.deepEqual(both[0]!.tokens, square.generated_ids.slice(0, 3));
  assert.deepEqual(both[1]!.tokens, alone!.tokens);
  assert.equal(both[1]!.answer, alone!.answer);
  await assert.rejects(mllm.generate([a, b], { maxNewTokens: 1, prefixes: [{ depth: 4 }] }), {
    message: "Cannot generate 2 answers from 1 prefix states",
  });
});

/** log-softmax of one row of logits, in float64 (the golden side of the answerLogProbs tests). */
function logSoftmaxRow(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += Math.exp(row[i]! - max);
  return Float64Array.from({ length: row.length }, (_, i) => row[i]! - max - Math.log(z));
}

Deno.test("answerLogProbs() scores each answer token and then </s> after the prompt, as a full forward does", async () => {
  const answer = square.generated_ids.slice(0, 4);
  const [got] = await mllm.answerLogProbs([{ question: square.question, blocks: [{ pixels }], answer }]);
  const targets = [...answer, session.tokenizer.eosId];
  assert.equal(got!.length, targets.length);
  // First token: the Python reference's logits at the prompt's last position (independent of this code).
  const ref = logSoftmaxRow(square.last_logits)[answer[0]!]!;
  assert.ok(Math.abs(got![0]! - ref) < 2e-3, `first token: ${got![0]} vs reference ${ref}`);
  // Every token: log-softmax by hand of a full forward over prompt + answer.
  const P = square.input_ids.length;
  const logits = tf.tidy(() => {
    const embeds = session.model.inputEmbeds([...square.input_ids, ...answer], mllm.features(pixels));
    return session.model.prefill(embeds, { logits: "all" }).logits!;
  });
  const V = logits.shape[1];
  const data = (await logits.data()) as Float32Array; // [P + A, V]
  logits.dispose();
  targets.forEach((id, i) => {
    const expected = logSoftmaxRow(data.subarray((P - 1 + i) * V, (P + i) * V))[id]!;
    assert.ok(Math.abs(got![i]! - expected) < 1e-4, `token ${i}: ${got![i]} vs ${expected}`);
  });
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { letterbox } from "../../image/resize.ts";
import type { RgbImage } from "../../image/types.ts";
import { gridOf } from "./config.ts";
import { forward } from "./forward.ts";
import { generate } from "./generate.ts";
import { importParams, initTensors } from "./params.ts";
import { buildSequences, SYSTEM_LENGTH } from "./sequence.ts";
import { randomPixels, tinyModel } from "./test_helpers.ts";
import { imageColumns, layoutOf, TinyMllm } from "./tiny_mllm.ts";

await initBackend("wasm");
const { config, tokenizer } = tinyModel();
const N = gridOf(config).tokens;
const S = config.imageSize;
// Decoder weights ×10 so that attention is far from uniform and a wrong row or column shows.
const model = (() => {
  const t = initTensors(config, new Rng(13));
  for (const [name, v] of Object.entries(t)) {
    if (name.startsWith("lm.") && v.shape.length === 2 && name !== "lm.embed") {
      for (let i = 0; i < v.data.length; i++) v.data[i]! *= 10;
    }
  }
  return new TinyMllm(config, tokenizer, importParams(config, t, "test"));
})();
const rng = new Rng(5);
const prompts = ["what code is on the red circle ?", "is there a K ?", "what value is on the blue card ?"]
  .map((question) => ({ question, blocks: [{ pixels: randomPixels(rng, S) }] }));
const seq = buildSequences(
  tokenizer,
  config,
  prompts.map((p) => ({ question: tokenizer.encode(p.question), blocks: p.blocks })),
);

Deno.test("TinyMllm counts and template describe the config and the chat template", () => {
  assert.deepEqual(model.counts, {
    layers: 8,
    heads: 2,
    kvHeads: 2,
    headDim: 8,
    hidden: 16,
    grid: 4,
    tokens: 16,
    encoderSize: 16,
  });
  assert.deepEqual(model.template, { imageStart: SYSTEM_LENGTH, questionExtra: 2 });
  assert.equal(model.family, "tiny");
});

Deno.test("encodeImage() and imageGeometry() are the letterbox; encodeCrop() resizes a box to the input", async () => {
  const image: RgbImage = {
    width: 32,
    height: 16,
    data: Uint8Array.from({ length: 32 * 16 * 3 }, (_, i) => i % 251),
  };
  const lb = await letterbox(image, S);
  assert.deepEqual(await model.encodeImage(image), lb.pixels);
  assert.deepEqual(model.imageGeometry(32, 16), {
    ratio: 0.5,
    padX: 0,
    padY: 4,
    innerWidth: 16,
    innerHeight: 8,
  });
  assert.equal((await model.encodeCrop(image, [0, 0, 8, 8])).length, S * S * 3);
});

Deno.test("prefill() returns the residual stream entering layer B and the batch layout", async () => {
  const p = model.prefill(prompts, 3);
  const direct = forward(model.params, config, seq, { upTo: 3, logits: false }).hidden;
  assert.deepEqual(await p.hidden.data(), await direct.data());
  assert.deepEqual(p.layout, layoutOf(seq));
  assert.equal(p.layout.imageStart, SYSTEM_LENGTH);
  assert.equal(p.prefix, null);
  const zero = model.prefill(prompts, 0);
  const inputs = forward(model.params, config, seq, { upTo: 0, logits: false }).inputs;
  assert.deepEqual(await zero.hidden.data(), await inputs.data());
  tf.dispose([p.hidden, direct, zero.hidden, inputs]);
});

Deno.test("generate() from kept prefix rows gives the same answers as without them", async () => {
  const plain = await model.generate(prompts, { maxNewTokens: 4 });
  const p = model.prefill(prompts, 3, { keepPrefix: true });
  p.hidden.dispose();
  const rows = await model.prefixRows(p.prefix!);
  assert.deepEqual(rows.map((r) => r.depth), [3, 3, 3]);
  const withRows = await model.generate(prompts.map((q) => ({ ...q, blocks: [...q.blocks, q.blocks[0]!] })), {
    maxNewTokens: 4,
    prefixes: rows,
  });
  const withoutRows = await model.generate(
    prompts.map((q) => ({ ...q, blocks: [...q.blocks, q.blocks[0]!] })),
    {
      maxNewTokens: 4,
    },
  );
  assert.deepEqual(withRows.map((g) => g.tokens), withoutRows.map((g) => g.tokens));
  assert.equal(plain.length, 3);
});

Deno.test("generate() with keepPrefix returns full-depth prefix rows a second pass over [image, crop] reuses", async () => {
  const first = await model.generate(prompts, { maxNewTokens: 4, keepPrefix: true });
  const plain = await model.generate(prompts, { maxNewTokens: 4 });
  assert.deepEqual(first.map((g) => g.tokens), plain.map((g) => g.tokens));
  assert.equal(plain[0]!.prefix, undefined);
  assert.deepEqual(first.map((g) => g.prefix!.depth), [config.layers, config.layers, config.layers]);
  const second = prompts.map((q) => ({ ...q, blocks: [...q.blocks, q.blocks[0]!] }));
  const withRows = await model.generate(second, {
    maxNewTokens: 4,
    prefixes: first.map((g) => g.prefix!),
    captureLayers: [1],
  });
  const withoutRows = await model.generate(second, { maxNewTokens: 4, captureLayers: [1] });
  assert.deepEqual(withRows.map((g) => g.tokens), withoutRows.map((g) => g.tokens));
  assert.deepEqual(withRows.map((g) => g.attention), withoutRows.map((g) => g.attention));
});

Deno.test("generate() returns the fed-back tokens' attention rows restricted to the image columns", async () => {
  const gen = await model.generate(prompts, { maxNewTokens: 4, captureLayers: [2, 5] });
  const ref = await generate(model.params, config, seq, {
    maxNewTokens: 4,
    eosId: tokenizer.special("<eos>"),
    captureLayers: [2, 5],
  });
  const start = seq.visualStarts[0]!;
  gen.forEach((g, b) => {
    assert.deepEqual(g.tokens, ref.tokens[b]);
    assert.equal(g.answer, tokenizer.decode(ref.tokens[b]!));
    for (let i = 0; i < 2; i++) {
      assert.equal(g.attention[i]!.length, ref.captured[i]![b]!.length);
      g.attention[i]!.forEach((row, q) => {
        const full = ref.captured[i]![b]![q]!;
        const tk = full.length / 2;
        assert.deepEqual(
          row,
          Float32Array.from({ length: 2 * N }, (_, k) => full[Math.floor(k / N) * tk + start + (k % N)]!),
        );
      });
    }
  });
});

Deno.test("teacherForce() reads the answer tokens' rows of a teacher-forced forward pass", async () => {
  const answers = ["K3", "yes", "650"];
  const forced = await model.teacherForce(prompts.map((p, b) => ({ ...p, answer: answers[b]! })), [4]);
  const ids = answers.map((a) => tokenizer.encode(a));
  const full = buildSequences(
    tokenizer,
    config,
    prompts.map((p, b) => ({ question: tokenizer.encode(p.question), answer: ids[b]!, blocks: p.blocks })),
  );
  const probs = forward(model.params, config, full, { captureAttention: true, logits: false }).attentions[4]!;
  const data = (await probs.data()) as Float32Array; // [B, H, T, T]
  const T = full.length;
  forced.forEach((f, b) => {
    assert.deepEqual(f.tokens, ids[b]);
    assert.equal(f.attention[0]!.length, ids[b]!.length);
    f.attention[0]!.forEach((row, q) => {
      const t = full.promptEnd + 1 + q;
      for (let h = 0; h < 2; h++) {
        for (let j = 0; j < N; j++) {
          assert.equal(row[h * N + j], data[((b * 2 + h) * T + t) * T + full.visualStarts[0]! + j]);
        }
      }
    });
  });
  // Token ids are fed as they are.
  const byIds = await model.teacherForce(prompts.map((p, b) => ({ ...p, answer: ids[b]! })), [4]);
  assert.deepEqual(byIds, forced);
  // The pass stops after the deepest requested layer; a layer the model lacks is an error, not a crash.
  await assert.rejects(() => model.teacherForce([{ ...prompts[0]!, answer: "K3" }], [4, 8]), {
    message: 'Decoder layer "8" does not exist (the model has 8 layers)',
  });
});

Deno.test("copyLayer() copies a decoder layer's weights by leaf name, and rejects a missing layer", async () => {
  const all = await model.copyLayer(5, "all");
  assert.deepEqual(Object.keys(all), [...model.layerLeaves("all")]);
  assert.deepEqual(all["wq"]!.data, await model.params["lm.layers.5.wq"]!.data());
  assert.deepEqual(Object.keys(await model.copyLayer(5, "queryKey")), ["attnNorm", "wq", "wk"]);
  assert.deepEqual((await model.copyFinalNorm()).data, await model.params["lm.norm"]!.data());
  await assert.rejects(() => model.copyLayer(8, "all"), {
    message: 'Decoder layer "8" does not exist (the model has 8 layers)',
  });
});

Deno.test("decoderLayer() with copied weights equals the model's own layer", async () => {
  const x = model.prefill(prompts, 2);
  const next = model.prefill(prompts, 3);
  const copy = await model.copyLayer(2, "all");
  const weights = Object.fromEntries(Object.entries(copy).map(([k, t]) => [k, tf.tensor(t.data, t.shape)]));
  const out = model.decoderLayer(weights, x.hidden, model.layerContext(x.layout));
  assert.deepEqual(await out.data(), await next.hidden.data());
  const q = model.project(weights, x.hidden, "q");
  assert.deepEqual(q.shape, [3, seq.length, 2, 8]);
});

Deno.test("imageColumns() takes N columns from each head's row", () => {
  const row = Float32Array.from([0, 1, 2, 3, 4, /* head 1 */ 5, 6, 7, 8, 9]);
  assert.deepEqual(Array.from(imageColumns(row, 2, 5, 1, 3)), [1, 2, 3, 6, 7, 8]);
});

Deno.test("the model drops masked RoI tokens and answers as with them masked in place", async () => {
  // Masked-upscaling blocks keeping 5, 2 and 7 tokens: the RoI block holds 7 slots instead of N.
  const keeps = [[0, 3, 4, 9, 15], [6, 7], [1, 2, 5, 8, 10, 11, 12]];
  const requests = prompts.map((p, i) => ({
    ...p,
    blocks: [
      p.blocks[0]!,
      {
        pixels: randomPixels(rng, S),
        keep: Uint8Array.from({ length: N }, (_, j) => (keeps[i]!.includes(j) ? 1 : 0)),
      },
    ],
  }));
  const inPlaceSeq = buildSequences(
    tokenizer,
    config,
    requests.map((r) => ({ question: tokenizer.encode(r.question), blocks: r.blocks })),
  );
  assert.equal(model.sequences(requests).length, inPlaceSeq.length - (N - 7));
  const dropped = await model.generate(requests, { maxNewTokens: 4, captureLayers: [3] });
  const inPlace = await generate(model.params, config, inPlaceSeq, {
    maxNewTokens: 4,
    eosId: tokenizer.special("<eos>"),
  });
  assert.deepEqual(dropped.map((g) => g.tokens), inPlace.tokens);
});

/** log-softmax of one row of logits, in float64 (the golden side of the answerLogProbs tests). */
function logSoftmaxRow(row: Float32Array): Float64Array {
  let max = -Infinity;
  for (const x of row) max = Math.max(max, x);
  let z = 0;
  for (const x of row) z += Math.exp(x - max);
  return Float64Array.from(row, (x) => x - max - Math.log(z));
}

Deno.test("answerLogProbs() gathers each answer token's and then <eos>'s log-probability from a full forward", async () => {
  const answers = ["K3", "yes", "650"];
  const fed = prompts.map((p, i) => ({ ...p, answer: answers[i]! }));
  const got = await model.answerLogProbs(fed);
  // Golden: the full forward's logits of the teacher-forced batch, log-softmax by hand, token by token.
  const full = buildSequences(
    tokenizer,
    config,
    fed.map((p) => ({
      question: tokenizer.encode(p.question),
      answer: tokenizer.encode(p.answer),
      blocks: p.blocks,
    })),
  );
  const logits = tf.tidy(() => forward(model.params, config, full, { logits: true }).logits!);
  const data = (await logits.data()) as Float32Array; // [B, T, V]
  logits.dispose();
  const V = config.vocabSize;
  const eos = tokenizer.special("<eos>");
  answers.forEach((answer, b) => {
    const targets = [...tokenizer.encode(answer), eos];
    assert.equal(got[b]!.length, targets.length, `row ${b}: one entry per answer token plus <eos>`);
    targets.forEach((id, i) => {
      const off = (b * full.length + full.promptEnd + i) * V;
      const expected = logSoftmaxRow(data.subarray(off, off + V))[id]!;
      assert.ok(Math.abs(got[b]![i]! - expected) < 1e-4, `row ${b} token ${i}: ${got[b]![i]} vs ${expected}`);
    });
  });
  assert.equal(got[1]!.length, 2); // "yes" is one word token, then <eos>
  assert.equal(got[2]!.length, 4); // "650" is three code characters, then <eos>
});

Deno.test("answerLogProbs() scores the first answer token from the position greedy decoding reads", async () => {
  // Prompt-only forward: the logits at <a> are what generate() takes its first token from.
  const logits = tf.tidy(() => {
    const out = forward(model.params, config, seq, { logits: true }).logits!;
    return tf.slice(out, [0, seq.promptEnd, 0], [seq.batch, 1, config.vocabSize]);
  });
  const data = (await logits.data()) as Float32Array; // [B, 1, V]
  logits.dispose();
  const V = config.vocabSize;
  const gens = await model.generate(prompts, { maxNewTokens: 3 });
  const got = await model.answerLogProbs(
    prompts.map((p, b) => ({ ...p, answer: gens[b]!.tokens.slice(0, 1) })),
  );
  prompts.forEach((_, b) => {
    const row = logSoftmaxRow(data.subarray(b * V, (b + 1) * V));
    const first = gens[b]!.tokens[0]!;
    // The greedy token is the argmax of that distribution, and the teacher-forced score reads the same row.
    assert.equal(row.indexOf(Math.max(...row)), first);
    assert.ok(Math.abs(got[b]![0]! - row[first]!) < 1e-4, `row ${b}: ${got[b]![0]} vs ${row[first]}`);
  });
});

Deno.test("answerLogProbs() refuses an answer the tokenizer cannot read", async () => {
  await assert.rejects(() => model.answerLogProbs([{ ...prompts[0]!, answer: "K#" }]), {
    message: 'Cannot tokenize "K#": piece "K#" is neither a word nor a code',
  });
});

/** Golden log-probabilities of each row's answer tokens and <eos>: the full forward, log-softmax by hand. */
async function fullForwardLogProbs(fed: readonly (typeof prompts[number] & { answer: string })[]) {
  const full = buildSequences(
    tokenizer,
    config,
    fed.map((p) => ({
      question: tokenizer.encode(p.question),
      answer: tokenizer.encode(p.answer),
      blocks: p.blocks,
    })),
    { dropMasked: true },
  );
  const logits = tf.tidy(() => forward(model.params, config, full, { logits: true }).logits!);
  const data = (await logits.data()) as Float32Array; // [B, T, V]
  logits.dispose();
  const V = config.vocabSize;
  const eos = tokenizer.special("<eos>");
  return fed.map((p, b) =>
    [...tokenizer.encode(p.answer), eos].map((id, i) => {
      const off = (b * full.length + full.promptEnd + i) * V;
      return logSoftmaxRow(data.subarray(off, off + V))[id]!;
    })
  );
}

function assertClose(got: Float32Array[], expected: number[][]): void {
  assert.equal(got.length, expected.length);
  expected.forEach((row, b) => {
    assert.equal(got[b]!.length, row.length, `row ${b}: one entry per answer token plus <eos>`);
    row.forEach((x, i) =>
      assert.ok(Math.abs(got[b]![i]! - x) < 1e-4, `row ${b} token ${i}: ${got[b]![i]} vs ${x}`)
    );
  });
}

Deno.test("answerLogProbs() of candidates sharing an image equals the full forward (image prefix run once)", async () => {
  // Two questions' candidates, interleaved: rows 0, 2, 4 share prompt 0's image, rows 1 and 3 prompt 1's.
  const fed = [
    { ...prompts[0]!, answer: "K3" },
    { ...prompts[1]!, answer: "yes" },
    { ...prompts[0]!, answer: "650" },
    { ...prompts[1]!, answer: "no" },
    { ...prompts[0]!, answer: "red" },
  ];
  assertClose(await model.answerLogProbs(fed), await fullForwardLogProbs(fed));
});

Deno.test("answerLogProbs() reuses the image prefix under RoI blocks, dropped tokens included", async () => {
  const keep = new Uint8Array(N).map((_, i) => (i % 3 === 0 ? 1 : 0));
  const roi = { pixels: randomPixels(new Rng(9), S), keep };
  const two = (p: typeof prompts[number]) => ({ question: p.question, blocks: [p.blocks[0]!, roi] });
  const fed = [
    { ...two(prompts[2]!), answer: "yes" },
    { ...two(prompts[2]!), answer: "no" },
    { ...two(prompts[0]!), answer: "K3" },
  ];
  assertClose(await model.answerLogProbs(fed), await fullForwardLogProbs(fed));
});

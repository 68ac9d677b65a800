import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { gridOf } from "./config.ts";
import { generate } from "./generate.ts";
import { decodeStep, forward } from "./forward.ts";
import { initParams } from "./params.ts";
import { buildSequences, SYSTEM_LENGTH } from "./sequence.ts";
import { someItems, tinyModel } from "./test_helpers.ts";

await initBackend("wasm");
const { config, tokenizer } = tinyModel();
const params = initParams(config, new Rng(3));
const N = gridOf(config).tokens;

function argmax(a: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

Deno.test("forward() attention rows sum to 1, are causal and never look at invalid tokens", async () => {
  const items = someItems(tokenizer, 16, 2);
  const keep = new Uint8Array(N).fill(1);
  keep[0] = 0;
  items[1]!.blocks[1]!.keep = keep;
  const seq = buildSequences(tokenizer, config, items);
  const out = forward(params, config, seq, { captureAttention: true });
  assert.equal(out.attentions.length, config.layers);
  const T = seq.length;
  for (const att of [out.attentions[0]!, out.attentions[config.layers - 1]!]) {
    const p = (await att.data()) as Float32Array; // [B, H, T, T]
    for (let b = 0; b < seq.batch; b++) {
      for (let h = 0; h < config.heads; h++) {
        for (let t = 0; t < T; t++) {
          const row = ((b * config.heads + h) * T + t) * T;
          let sum = 0;
          for (let s = 0; s < T; s++) {
            const v = p[row + s]!;
            sum += v;
            if (s > t || !seq.valid[b * T + s]) assert.ok(v < 1e-12, `p[${b},${h},${t},${s}] = ${v}`);
          }
          assert.ok(Math.abs(sum - 1) < 1e-5, `row sum ${sum}`);
        }
      }
    }
  }
  tf.dispose([out.hidden, out.inputs, out.logits!, ...out.attentions]);
});

Deno.test("forward() with a KV cache plus decodeStep() equals full recomputation", async () => {
  const full = buildSequences(tokenizer, config, someItems(tokenizer, 16, 2));
  const prompt = buildSequences(tokenizer, config, someItems(tokenizer, 16, 2, false));
  const ref = forward(params, config, full);
  const refLogits = (await ref.logits!.data()) as Float32Array; // [B, T, V]
  const pre = forward(params, config, prompt, { cache: true });
  const V = config.vocabSize;
  const B = full.batch;
  // Prefix logits agree.
  const preLogits = (await pre.logits!.data()) as Float32Array;
  for (let b = 0; b < B; b++) {
    const a = refLogits.subarray((b * full.length) * V, (b * full.length + prompt.length) * V);
    const c = preLogits.subarray(b * prompt.length * V, (b + 1) * prompt.length * V);
    assert.ok(maxAbsDiff(a, c) < 1e-5);
  }
  // Feed the first two answer tokens (teacher forcing) one by one.
  let cache = pre.cache!;
  for (let k = 1; k <= 2; k++) {
    const t = full.promptEnd + k;
    const ids = Int32Array.from({ length: B }, (_, b) => full.ids[b * full.length + t]!);
    const step = decodeStep(params, config, cache, ids);
    const got = (await step.logits.data()) as Float32Array; // [B, V]
    for (let b = 0; b < B; b++) {
      if (!full.valid[b * full.length + t]) continue; // that row's answer is shorter
      const want = refLogits.subarray((b * full.length + t) * V, (b * full.length + t + 1) * V);
      assert.ok(maxAbsDiff(want, got.subarray(b * V, (b + 1) * V)) < 1e-5, `row ${b} step ${k}`);
    }
    cache = step.cache;
  }
});

Deno.test("forward() upTo returns the same hidden state as the full pass at that layer", async () => {
  const seq = buildSequences(tokenizer, config, someItems(tokenizer, 16, 1));
  const full = forward(params, config, seq, { captureHidden: true });
  const part = forward(params, config, seq, { upTo: 3 });
  assert.equal(part.logits, undefined);
  assert.ok(maxAbsDiff(await full.hiddens[2]!.data(), await part.hidden.data()) < 1e-6);
  assert.throws(() => forward(params, config, seq, { upTo: 3, logits: true }), {
    message: "Cannot compute logits from a partial forward pass",
  });
});

Deno.test("generate() matches greedy decoding by full recomputation and captures fed-back tokens only", async () => {
  const items = someItems(tokenizer, 16, 1, false);
  const eos = tokenizer.special("<eos>");
  const gen = await generate(params, config, buildSequences(tokenizer, config, items), {
    maxNewTokens: 4,
    eosId: eos,
    captureLayers: [2],
  });
  for (let b = 0; b < items.length; b++) {
    // Reference: append the argmax token and rerun the whole sequence each step.
    const answer: number[] = [];
    for (let step = 0; step < 4; step++) {
      const seq = buildSequences(tokenizer, config, [{ ...items[b]!, answer }]);
      const out = forward(params, config, seq);
      const at = seq.promptEnd + answer.length; // position whose logits predict the next token
      const row = (await tf.slice(out.logits!, [0, at, 0], [1, 1, config.vocabSize]).data()) as Float32Array;
      const next = row.indexOf(Math.max(...row));
      answer.push(next);
      if (next === eos) break;
    }
    assert.deepEqual(gen.tokens[b], answer);
    // Every token but the last is fed back (the last is <eos> or hits the limit and is never a query).
    assert.equal(gen.captured[0]![b]!.length, answer.length - 1);
  }
});

Deno.test("forward() on a text-only drill equals the same row with its image tokens all masked out", async () => {
  const [item] = someItems(tokenizer, 16, 1);
  const text = { question: item!.question, answer: item!.answer, blocks: [] };
  const masked = { ...text, blocks: [{ pixels: item!.blocks[0]!.pixels, keep: new Uint8Array(N) }] };
  const a = forward(params, config, buildSequences(tokenizer, config, [text], { textOnly: true }));
  const bSeq = buildSequences(tokenizer, config, [masked]);
  const b = forward(params, config, bSeq);
  const la = (await a.logits!.data()) as Float32Array; // [1, T, V]
  const lb = (await b.logits!.data()) as Float32Array; // [1, T + N, V]
  const V = config.vocabSize;
  // Rows after the image: position t of the drill is position t + N of the masked row.
  const from = SYSTEM_LENGTH; // first token after the system tokens
  const drill = la.subarray(from * V);
  const withImage = lb.subarray((from + N) * V, (from + N) * V + drill.length);
  assert.ok(maxAbsDiff(drill, withImage) < 1e-4, `max diff ${maxAbsDiff(drill, withImage)}`);
  tf.dispose([a.logits!, b.logits!]);
});

Deno.test("forward() with masked RoI tokens dropped gives the same logits at every valid position", async () => {
  const items = someItems(tokenizer, 16, 2);
  const rng = new Rng(11);
  for (const it of items) {
    it.blocks[1]!.keep = Uint8Array.from({ length: N }, () => (rng.next() < 0.4 ? 1 : 0));
  }
  const masked = buildSequences(tokenizer, config, items);
  const dropped = buildSequences(tokenizer, config, items, { dropMasked: true });
  assert.ok(dropped.length < masked.length);
  const a = (await forward(params, config, masked).logits!.data()) as Float32Array;
  const b = (await forward(params, config, dropped).logits!.data()) as Float32Array;
  const V = config.vocabSize;
  for (let r = 0; r < items.length; r++) {
    const rowsOf = (s: typeof masked, l: Float32Array) => {
      const out: Float32Array[] = [];
      for (let t = 0; t < s.length; t++) {
        if (s.valid[r * s.length + t]) {
          out.push(l.subarray((r * s.length + t) * V, (r * s.length + t + 1) * V));
        }
      }
      return out;
    };
    const ra = rowsOf(masked, a);
    const rb = rowsOf(dropped, b);
    assert.equal(ra.length, rb.length);
    // Masked keys weigh exp(−1e9 − max) = 0 exactly, but the kernels' blocked and SIMD-lane sums over keys
    // group the remaining terms differently once the zeros are gone: equal up to float rounding.
    ra.forEach((row, i) => assert.ok(maxAbsDiff(row, rb[i]!) < 1e-5, `row ${r} token ${i}`));
    assert.ok(ra.every((row, i) => argmax(row) === argmax(rb[i]!)), `row ${r}: another greedy token`);
  }
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { gridOf, type ModelConfig, ModelConfigSchema } from "./config.ts";
import { encodeImages, forward } from "./forward.ts";
import { generate } from "./generate.ts";
import { answerLossSum } from "./loss.ts";
import { initParams, type Params } from "./params.ts";
import { capturePrefix, forwardFromPrefix, prefixRows, stackPrefix } from "./prefix.ts";
import { buildSequences } from "./sequence.ts";
import { someItems, tinyModel } from "./test_helpers.ts";

await initBackend("wasm");
const { config: tfjsConfig, tokenizer } = tinyModel();
const fusedConfig: ModelConfig = { ...tfjsConfig, attentionKernel: "fused" };
const N = gridOf(tfjsConfig).tokens;
/** Random weights, decoder queries/keys scaled ×4 so that attention is peaked and answers are not near-ties. */
const params: Params = initParams(tfjsConfig, new Rng(5));
for (const [k, v] of Object.entries(params)) if (/^lm\.layers\.\d+\.w[qk]$/.test(k)) v.assign(tf.mul(v, 4));

/** Largest |a − b| relative to the largest |a|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return m / scale;
}

function maskedItems(answers: boolean) {
  const items = someItems(tokenizer, 16, 2, answers);
  const rng = new Rng(13);
  items[1]!.blocks[1]!.keep = Uint8Array.from({ length: N }, () => (rng.next() < 0.5 ? 1 : 0));
  return items;
}

Deno.test("a checkpoint's config without attentionKernel parses as the tfjs kernel, unchanged", () => {
  const parsed = ModelConfigSchema.parse({ vocabSize: 10 });
  assert.equal(parsed.attentionKernel, undefined);
  assert.equal("attentionKernel" in parsed, false);
  assert.equal(ModelConfigSchema.parse({ vocabSize: 10, attentionKernel: "fused" }).attentionKernel, "fused");
  assert.throws(() => ModelConfigSchema.parse({ vocabSize: 10, attentionKernel: "cuda" }));
});

Deno.test("the fused kernel gives the tfjs kernel's logits, attention, vision tokens and loss gradients", async () => {
  const seq = buildSequences(tokenizer, tfjsConfig, maskedItems(true), { dropMasked: true });
  const a = forward(params, tfjsConfig, seq, { captureAttention: true });
  const b = forward(params, fusedConfig, seq, { captureAttention: true });
  assert.ok(relDiff(await a.logits!.data(), await b.logits!.data()) < 1e-5);
  for (const l of [0, 7]) {
    assert.ok(relDiff(await a.attentions[l]!.data(), await b.attentions[l]!.data()) < 1e-5, `layer ${l}`);
  }
  const windows = seq.patches[0]!;
  const va = encodeImages(params, tfjsConfig, windows, seq.batch);
  const vb = encodeImages(params, fusedConfig, windows, seq.batch);
  assert.ok(relDiff(await va.data(), await vb.data()) < 1e-5);
  // Training lays masked tokens out in place (tf.gather, which dropping uses, has no gradient on wasm).
  const trainSeq = buildSequences(tokenizer, tfjsConfig, maskedItems(true));
  const names = ["lm.layers.0.wq", "lm.layers.3.wk", "lm.layers.7.wv", "vit.layers.0.wq", "lm.embed"];
  const lossAndGrads = (config: ModelConfig) =>
    tf.tidy(() => {
      const f = (...xs: tf.Tensor[]) => {
        const p = { ...params, ...Object.fromEntries(names.map((n, i) => [n, xs[i]!])) } as Params;
        return answerLossSum(p, config, trainSeq).loss;
      };
      const { value, grads } = tf.valueAndGrads(f)(names.map((n) => params[n]!));
      return [value, ...grads];
    });
  const ga = lossAndGrads(tfjsConfig);
  const gb = lossAndGrads(fusedConfig);
  for (let i = 0; i < ga.length; i++) {
    const what = i === 0 ? "loss" : `gradient of ${names[i - 1]}`;
    assert.ok(relDiff(await ga[i]!.data(), await gb[i]!.data()) < 1e-5, what);
  }
  tf.dispose([a.logits!, b.logits!, ...a.attentions, ...b.attentions, va, vb, ...ga, ...gb]);
});

Deno.test("the fused kernel gives the tfjs kernel's greedy answers, with and without a prefix state", async () => {
  const eosId = tokenizer.special("<eos>");
  const items = maskedItems(false);
  const seq = buildSequences(tokenizer, tfjsConfig, items, { dropMasked: true });
  const run = async (config: ModelConfig) => {
    const plain = await generate(params, config, seq, { maxNewTokens: 5, eosId, captureLayers: [2] });
    // The prefix of a one-block prompt over the same images, continued by the two-block prompt.
    const first = buildSequences(tokenizer, config, items.map((it) => ({ ...it, blocks: [it.blocks[0]!] })));
    const state = tidy(() =>
      capturePrefix(config, first, forward(params, config, first, { upTo: 3, cache: true }))
    );
    const rows = await prefixRows(config, state);
    const prefix = stackPrefix(config, rows);
    const reused = await generate(params, config, seq, { maxNewTokens: 5, eosId, prefix });
    const logits = tf.tidy(() => forwardFromPrefix(params, config, seq, prefix).logits!);
    return { plain, reused, logits: (await logits.data()) as Float32Array };
  };
  const a = await run(tfjsConfig);
  const b = await run(fusedConfig);
  assert.deepEqual(b.plain.tokens, a.plain.tokens);
  assert.deepEqual(b.reused.tokens, a.plain.tokens);
  assert.deepEqual(a.reused.tokens, a.plain.tokens);
  assert.ok(relDiff(a.logits, b.logits) < 1e-5);
  // Decoding steps capture the same attention rows.
  a.plain.captured[0]!.forEach((rows, r) =>
    rows.forEach((row, q) =>
      assert.ok(relDiff(row, b.plain.captured[0]![r]![q]!) < 1e-5, `row ${r} query ${q}`)
    )
  );
  assert.ok(a.plain.tokens.some((t) => t.length > 1), "some answer has several tokens");
});

/** tf.tidy that keeps the callback's return type. */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

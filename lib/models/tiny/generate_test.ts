import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { generate } from "./generate.ts";
import { forward } from "./forward.ts";
import { initParams } from "./params.ts";
import { buildSequences } from "./sequence.ts";
import { someItems, tinyModel } from "./test_helpers.ts";

// Greedy decoding against full recomputation is tested in forward_test.ts; here: stopping, limits, shapes.
await initBackend("wasm");
const { config, tokenizer } = tinyModel();
const params = initParams(config, new Rng(3));
const items = someItems(tokenizer, 16, 1, false);
const prompt = () => buildSequences(tokenizer, config, items);
const NO_EOS = -1;

/** Unconstrained greedy continuations (no id is <eos>), 4 tokens per row. */
const free = await generate(params, config, prompt(), { maxNewTokens: 4, eosId: NO_EOS });

Deno.test("generate() without <eos> returns exactly maxNewTokens tokens per row", () => {
  assert.equal(free.tokens.length, items.length);
  for (const row of free.tokens) assert.equal(row.length, 4);
  assert.deepEqual(free.captured, []);
  assert.equal(free.prefix, null);
});

Deno.test("generate() starts with the argmax of the prompt's last logits", async () => {
  const seq = prompt();
  const out = forward(params, config, seq);
  const last = tf.argMax(
    tf.reshape(tf.slice(out.logits!, [0, seq.promptEnd, 0], [seq.batch, 1, config.vocabSize]), [
      seq.batch,
      config.vocabSize,
    ]),
    1,
  );
  assert.deepEqual(Array.from(await last.data()), free.tokens.map((t) => t[0]));
  tf.dispose([out.hidden, out.inputs, out.logits!, last]);
});

Deno.test("generate() stops each row at its first <eos>, which it keeps", async () => {
  const eos = free.tokens[0]![1]!;
  const gen = await generate(params, config, prompt(), { maxNewTokens: 4, eosId: eos });
  const expected = free.tokens.map((row) => {
    const at = row.indexOf(eos);
    return at < 0 ? row : row.slice(0, at + 1);
  });
  assert.deepEqual(gen.tokens, expected);
  assert.ok(gen.tokens[0]!.length <= 2);
});

Deno.test("generate() with <eos> as the first token returns it alone and captures nothing", async () => {
  const eos = free.tokens[0]![0]!;
  const gen = await generate(params, config, prompt(), { maxNewTokens: 4, eosId: eos, captureLayers: [0] });
  assert.deepEqual(gen.tokens[0], [eos]);
  assert.deepEqual(gen.captured[0]![0], []);
});

Deno.test("generate() with maxNewTokens 1 or 0 emits one token or none", async () => {
  const one = await generate(params, config, prompt(), {
    maxNewTokens: 1,
    eosId: NO_EOS,
    captureLayers: [1],
  });
  assert.deepEqual(one.tokens, free.tokens.map((t) => [t[0]]));
  assert.deepEqual(one.captured, [[[], [], []]]);
  const none = await generate(params, config, prompt(), { maxNewTokens: 0, eosId: NO_EOS });
  assert.deepEqual(none.tokens, [[], [], []]);
});

Deno.test("generate() captures [H, T_k] rows whose key length grows by one per fed-back token", async () => {
  const seq = prompt();
  const gen = await generate(params, config, seq, { maxNewTokens: 4, eosId: NO_EOS, captureLayers: [0, 7] });
  assert.equal(gen.promptLength, seq.promptEnd + 1);
  assert.equal(gen.captured.length, 2);
  for (const layer of gen.captured) {
    for (const rows of layer) {
      // 4 tokens, the last never fed back: 3 queries with keys prompt + 1, + 2, + 3.
      assert.deepEqual(
        rows.map((r) => r.length),
        [1, 2, 3].map((i) => config.heads * (gen.promptLength + i)),
      );
      for (const r of rows) {
        const perHead = r.length / config.heads;
        for (let h = 0; h < config.heads; h++) {
          const sum = r.slice(h * perHead, (h + 1) * perHead).reduce((s, v) => s + v, 0);
          assert.ok(Math.abs(sum - 1) < 1e-5, `head ${h} sums to ${sum}`);
        }
      }
    }
  }
});

Deno.test("generate() refuses a sequence that already has answers", async () => {
  const seq = buildSequences(tokenizer, config, someItems(tokenizer, 16, 1, true));
  const before = tf.memory().numTensors;
  await assert.rejects(generate(params, config, seq, { maxNewTokens: 2, eosId: NO_EOS, keepPrefix: true }), {
    message: "Cannot generate from a sequence that already has answers",
  });
  assert.equal(tf.memory().numTensors, before, "a refused call computes no KV cache or prefix");
});

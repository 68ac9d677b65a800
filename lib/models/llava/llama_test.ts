import assert from "node:assert/strict";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { argmax } from "./generate.ts";
import { causalBias, disposePrefill, repeatKv, ropeTables } from "./llama.ts";
import { LlavaModel } from "./model.ts";
import { patchify } from "./clip.ts";

const FIXTURE = join(import.meta.dirname!, "../../../tests/fixtures/llava-tiny");

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number) {
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= tol, `${i}: ${a[i]} vs ${b[i]}`);
}

Deno.test("rope tables repeat θ^(−2i/dh)·position over both halves", async () => {
  await initBackend("wasm");
  const { cos, sin } = ropeTables(3, 2, 4, 100);
  // dh 4: frequencies 1 and 100^(−1/2) = 0.1, at positions 3 and 4.
  close(await cos.data(), [3, 0.3, 3, 0.3, 4, 0.4, 4, 0.4].map(Math.cos), 1e-7);
  close(await sin.data(), [3, 0.3, 3, 0.3, 4, 0.4, 4, 0.4].map(Math.sin), 1e-7);
  tf.dispose([cos, sin]);
});

Deno.test("the causal bias lets row t see the cached keys and new keys up to itself", async () => {
  await initBackend("wasm");
  const bias = causalBias(2, 2);
  assert.deepEqual(Array.from(await bias.data()), [0, 0, 0, -1e9, 0, 0, 0, 0]);
  bias.dispose();
});

Deno.test("repeatKv gives each kv head to consecutive query heads", async () => {
  await initBackend("wasm");
  const kv = tf.tensor3d([1, 2, 3, 4], [2, 1, 2]); // 2 kv heads, 1 position, dh 2
  const out = repeatKv(kv, 4);
  assert.deepEqual(out.shape, [4, 1, 2]);
  assert.deepEqual(Array.from(await out.data()), [1, 2, 1, 2, 3, 4, 3, 4]);
  tf.dispose([kv, out]);
});

Deno.test("argmax takes the first maximum below the limit", () => {
  assert.equal(argmax([1, 5, 5, 9], 3), 1);
  assert.equal(argmax([2, 1]), 0);
});

Deno.test("patchify orders patches row-major and values by channel, row, column", () => {
  // 2 channels of 4×4, patches of 2: value = 100·c + 10·y + x.
  const pixels = Float32Array.from(
    { length: 32 },
    (_, i) => 100 * Math.floor(i / 16) + 10 * Math.floor((i % 16) / 4) + (i % 4),
  );
  const p = patchify(pixels, 2, 4, 2);
  assert.deepEqual(Array.from(p.subarray(8, 16)), [2, 3, 12, 13, 102, 103, 112, 113]); // patch (0, 1)
  assert.throws(() => patchify(pixels, 3, 4, 2), {
    message: "Cannot encode image: pixel values have 32 values, expected 3×4×4",
  });
});

Deno.test("prefill in two chunks through the KV cache equals one prefill, with hidden states and attention rows", async () => {
  await initBackend("wasm");
  const model = await LlavaModel.load(FIXTURE);
  try {
    const ids = [1, 5, 77, 300, 12, 9, 450, 31];
    const embeds = model.embedTokens(ids);
    const full = model.prefill(embeds, { hiddenLayers: [0, 2, 4], attentionRows: [7], logits: "all" });
    const head = tf.slice(embeds, [0, 0], [5, -1]) as tf.Tensor2D;
    const tail = tf.slice(embeds, [5, 0], [3, -1]) as tf.Tensor2D;
    const first = model.prefill(head, { logits: "none" });
    const second = model.prefill(tail, { cache: first.cache, attentionRows: [2], logits: "all" });
    assert.equal(second.cache.length, 8);
    const fullLogits = await full.logits!.data();
    close(await second.logits!.data(), fullLogits.subarray(5 * 640), 1e-4);
    for (const l of [0, 1, 2, 3]) {
      assert.deepEqual(full.attention[l]!.shape, [1, 4, 8]);
      close(await second.attention[l]!.data(), await full.attention[l]!.data(), 1e-5);
    }
    assert.deepEqual(Object.keys(full.hidden), ["0", "2", "4"]);
    close(await full.hidden[0]!.data(), await embeds.data(), 0);
    // Hidden state 4 through the final norm and lm_head are the logits.
    const viaHead = model.logits(full.hidden[4]!);
    close(await viaHead.data(), fullLogits, 1e-4);
    // A partial forward stops after upTo layers and returns that state.
    const partial = model.prefill(embeds, { upTo: 2, hiddenLayers: [2] });
    assert.equal(partial.logits, undefined);
    assert.equal(partial.cache.layers.length, 2);
    close(await partial.hidden[2]!.data(), await full.hidden[2]!.data(), 1e-5);
    assert.throws(() => model.prefill(embeds, { upTo: 2, logits: "last" }), {
      message: "Cannot compute logits after 2 of 4 layers",
    });
    assert.throws(() => model.prefill(embeds, { upTo: 5 }), {
      message: "Cannot run the decoder: upTo is 5, expected 0..4",
    });
    for (const r of [full, first, second, partial]) disposePrefill(r);
    tf.dispose([embeds, head, tail, viaHead]);
  } finally {
    model.dispose();
  }
});

Deno.test("image features must match the prompt's image tokens and ids must be in the vocabulary", async () => {
  await initBackend("wasm");
  const model = await LlavaModel.load(FIXTURE);
  try {
    const features = tf.zeros([36, 64]) as tf.Tensor2D;
    assert.throws(() => model.inputEmbeds([1, 600, 600, 5], features), {
      message: "Cannot build input embeddings: the prompt has 2 image tokens but there are 36 image features",
    });
    assert.throws(() => model.embedTokens([1, 640]), {
      message: 'Cannot embed token id "640": expected 0..639',
    });
    features.dispose();
  } finally {
    model.dispose();
  }
});

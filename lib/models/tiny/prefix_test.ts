import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { gridOf } from "./config.ts";
import { disposeCache, generate } from "./generate.ts";
import { decodeStep, forward } from "./forward.ts";
import { importParams, initTensors } from "./params.ts";
import {
  capturePrefix,
  disposePrefix,
  forwardFromPrefix,
  type PrefixRow,
  prefixRows,
  repeatPrefix,
  stackPrefix,
} from "./prefix.ts";
import { buildSequences, type SequenceItem } from "./sequence.ts";
import { randomPixels, tinyModel } from "./test_helpers.ts";

await initBackend("wasm");
const { config, tokenizer } = tinyModel();
const N = gridOf(config).tokens;
const S = config.imageSize;

/**
 * Random weights scaled up ×10 (std ~0.2 instead of 0.02): attention is far from uniform and logits spread
 * over several units, so an error in positions, masks or cached rows would show far above the tolerance.
 */
const params = (() => {
  const t = initTensors(config, new Rng(11));
  for (const [name, v] of Object.entries(t)) {
    if (name.startsWith("lm.") && v.shape.length === 2 && name !== "lm.embed") {
      for (let i = 0; i < v.data.length; i++) v.data[i]! *= 10;
    }
  }
  return importParams(config, t, "test");
})();

/** tf.tidy that keeps the callback's return type. */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

const rng = new Rng(5);
/** Four questions of different lengths, each with its own global image. */
const base = [
  "what code is on the red circle ?",
  "is there a K on the card ?",
  "what value ?",
  "what value is on the blue card ? is there a K on the card ?",
].map((q) => ({ question: tokenizer.encode(q), image: randomPixels(rng, S) }));

function keepMask(seed: number, p: number): Uint8Array {
  const r = new Rng(seed);
  return Uint8Array.from({ length: N }, () => (r.chance(p) ? 1 : 0));
}

/** Stage 1 on all four questions, [system, image, question] only; rows in host memory. */
async function stageOneRows(depth: number): Promise<PrefixRow[]> {
  const seq = buildSequences(
    tokenizer,
    config,
    base.map((it) => ({ question: it.question, blocks: [{ pixels: it.image }] })),
  );
  const state = tidy(() =>
    capturePrefix(config, seq, forward(params, config, seq, { upTo: depth, logits: false, cache: true }))
  );
  const rows = await prefixRows(config, state);
  disposePrefix(state);
  return rows;
}

/** Stage-2 layouts: rows (a subset, reordered) of `base` with their RoI blocks. */
const layouts: Record<string, { rows: number[]; extra: (row: number) => SequenceItem["blocks"] }> = {
  "no RoI block": { rows: [2, 0], extra: () => [] },
  "one box RoI block": { rows: [3, 1, 0], extra: (b) => [{ pixels: randomPixels(new Rng(100 + b), S) }] },
  "masked RoI blocks with a different mask per row": {
    rows: [1, 3, 2, 0],
    extra: (b) => [{
      pixels: randomPixels(new Rng(200 + b), S),
      ...(b === 2 ? {} : { keep: keepMask(300 + b, [0.3, 0.6, 0, 0.9][b]!) }),
    }],
  },
  "two RoI blocks, one masked": {
    rows: [0, 3],
    extra: (b) => [
      { pixels: randomPixels(new Rng(400 + b), S), keep: keepMask(500 + b, 0.5) },
      { pixels: randomPixels(new Rng(600 + b), S) },
    ],
  },
};

function stageTwoItems(layout: (typeof layouts)[string]): SequenceItem[] {
  return layout.rows.map((r) => ({
    question: base[r]!.question,
    blocks: [{ pixels: base[r]!.image }, ...layout.extra(r)],
  }));
}

for (const depth of [1, 4, config.layers]) {
  for (const [name, layout] of Object.entries(layouts)) {
    Deno.test(`forwardFromPrefix() equals a full forward pass: B = ${depth}, ${name}`, async () => {
      const all = await stageOneRows(depth);
      const seq = buildSequences(tokenizer, config, stageTwoItems(layout));
      const prefix = stackPrefix(config, layout.rows.map((r) => all[r]!));
      const ref = forward(params, config, seq, { cache: true });
      const got = forwardFromPrefix(params, config, seq, prefix, { cache: true });
      const refLogits = (await ref.logits!.data()) as Float32Array;
      // Not a trivial comparison: the logits spread over several units.
      assert.ok(Math.max(...refLogits) - Math.min(...refLogits) > 5);
      assert.ok(maxAbsDiff(refLogits, await got.logits!.data()) < 1e-4);
      assert.ok(maxAbsDiff(await ref.inputs.data(), await got.inputs.data()) < 1e-6);
      // Same KV cache layout and contents, so decoding continues identically.
      assert.equal(got.cache!.layers.length, config.layers);
      for (let l = 0; l < config.layers; l++) {
        const a = ref.cache!.layers[l]!;
        const c = got.cache!.layers[l]!;
        assert.deepEqual(c.keysT.shape, a.keysT.shape);
        assert.ok(maxAbsDiff(await a.keysT.data(), await c.keysT.data()) < 1e-4, `keys of layer ${l}`);
        assert.ok(maxAbsDiff(await a.values.data(), await c.values.data()) < 1e-4, `values of layer ${l}`);
      }
      assert.deepEqual(got.cache!.nextPosition, ref.cache!.nextPosition);
      assert.deepEqual(got.cache!.valid, ref.cache!.valid);
      const ids = Int32Array.from(layout.rows, (r) => 10 + r);
      const a = decodeStep(params, config, ref.cache!, ids);
      const c = decodeStep(params, config, got.cache!, ids);
      assert.ok(maxAbsDiff(await a.logits.data(), await c.logits.data()) < 1e-4);
      for (const t of [ref, got]) tf.dispose([t.logits!, t.hidden, t.inputs]), disposeCache(t.cache!);
      for (const s of [a, c]) tf.dispose(s.logits), disposeCache(s.cache);
      disposePrefix(prefix);
    });
  }
}

Deno.test("generate() from a prefix state gives the same greedy answers and captured rows", async () => {
  const eos = tokenizer.special("<eos>");
  for (const depth of [1, 4]) {
    const all = await stageOneRows(depth);
    for (const layout of Object.values(layouts)) {
      const seq = buildSequences(tokenizer, config, stageTwoItems(layout));
      const prefix = stackPrefix(config, layout.rows.map((r) => all[r]!));
      const options = { maxNewTokens: 5, eosId: eos, captureLayers: [2] };
      const ref = await generate(params, config, seq, options);
      const got = await generate(params, config, seq, { ...options, prefix });
      assert.deepEqual(got.tokens, ref.tokens);
      ref.captured[0]!.forEach((rows, b) =>
        rows.forEach((row, i) => assert.ok(maxAbsDiff(row, got.captured[0]![b]![i]!) < 1e-5))
      );
      disposePrefix(prefix);
    }
  }
});

Deno.test("forwardFromPrefix() refuses a sequence that does not start with the cached prefix", async () => {
  const all = await stageOneRows(2);
  const items = stageTwoItems(layouts["one box RoI block"]!);
  const prefix = stackPrefix(config, [all[3]!, all[1]!, all[0]!]);
  const otherImage = items.map((it, b) =>
    b === 1 ? { ...it, blocks: [{ pixels: base[2]!.image }, ...it.blocks.slice(1)] } : it
  );
  assert.throws(
    () => forwardFromPrefix(params, config, buildSequences(tokenizer, config, otherImage), prefix),
    { message: "Cannot start from a prefix state: row 1 has another global image" },
  );
  const masked = items.map((it) => ({
    ...it,
    blocks: [{ pixels: it.blocks[0]!.pixels, keep: keepMask(1, 0.5) }, ...it.blocks.slice(1)],
  }));
  assert.throws(
    () => forwardFromPrefix(params, config, buildSequences(tokenizer, config, masked), prefix),
    { message: /^Cannot start from a prefix state: row 0 differs from it at position "\d+"$/ },
  );
  assert.throws(
    () => forwardFromPrefix(params, config, buildSequences(tokenizer, config, items.slice(0, 2)), prefix),
    { message: 'Cannot start from prefix state of batch/length "3/20": the sequence has "2/20"' },
  );
  assert.throws(() => stackPrefix(config, []), { message: "Cannot stack an empty list of prefix rows" });
  disposePrefix(prefix);
});

Deno.test("prefixRows() then stackPrefix() round-trips a prefix state", async () => {
  const seq = buildSequences(
    tokenizer,
    config,
    base.map((it) => ({ question: it.question, blocks: [{ pixels: it.image }] })),
  );
  const out = forward(params, config, seq, { upTo: 3, logits: false, cache: true });
  const state = capturePrefix(config, seq, out);
  const again = stackPrefix(config, await prefixRows(config, state));
  assert.equal(again.depth, 3);
  assert.equal(again.length, 4 + N);
  assert.deepEqual(await again.hidden.data(), await state.hidden.data());
  assert.deepEqual(await again.visual.data(), await state.visual.data());
  for (let l = 0; l < 3; l++) {
    assert.deepEqual(await again.layers[l]!.keysT.data(), await state.layers[l]!.keysT.data());
    assert.deepEqual(await again.layers[l]!.values.data(), await state.layers[l]!.values.data());
  }
  assert.deepEqual([again.ids, again.valid, again.positions, again.image], [
    state.ids,
    state.valid,
    state.positions,
    state.image,
  ]);
  tf.dispose([out.hidden, out.inputs]);
  disposeCache(out.cache!);
  disposePrefix(state);
  disposePrefix(again);
});

Deno.test("repeatPrefix() gathers rows on the device exactly as stacking their host copies does", async () => {
  const seq = buildSequences(
    tokenizer,
    config,
    base.map((it) => ({ question: it.question, blocks: [{ pixels: it.image }] })),
  );
  const out = forward(params, config, seq, { upTo: 2, logits: false, cache: true });
  const state = capturePrefix(config, seq, out);
  const order = [2, 0, 3, 2, 1, 0];
  const host = await prefixRows(config, state);
  const expected = stackPrefix(config, order.map((r) => host[r]!));
  const got = repeatPrefix(config, state, order);
  assert.deepEqual([got.batch, got.length, got.depth], [6, 4 + N, 2]);
  assert.deepEqual(await got.visual.data(), await expected.visual.data());
  assert.deepEqual(await got.hidden.data(), await expected.hidden.data());
  for (let l = 0; l < 2; l++) {
    assert.deepEqual(await got.layers[l]!.keysT.data(), await expected.layers[l]!.keysT.data());
    assert.deepEqual(await got.layers[l]!.values.data(), await expected.layers[l]!.values.data());
  }
  assert.deepEqual([got.ids, got.valid, got.positions, got.image], [
    expected.ids,
    expected.valid,
    expected.positions,
    expected.image,
  ]);
  assert.throws(() => repeatPrefix(config, state, [0, 4]), {
    message: 'Cannot repeat prefix row "4" of a batch of 4',
  });
  tf.dispose([out.hidden, out.inputs]);
  disposeCache(out.cache!);
  [state, expected, got].forEach(disposePrefix);
});

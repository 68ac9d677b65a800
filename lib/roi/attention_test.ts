import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import type { Mllm } from "../eval/answer.ts";
import { gridOf } from "../model/config.ts";
import { initParams } from "../model/params.ts";
import { someItems, tinyModel } from "../model/test_helpers.ts";
import { aggregateRows, captureGenerated, captureTeacherForced, relativeAttention } from "./attention.ts";

await initBackend("wasm");
const { config, tokenizer } = tinyModel();
const model: Mllm = { config, tokenizer, params: initParams(config, new Rng(11)) };
const N = gridOf(config).tokens;

Deno.test("aggregateRows() averages over queries first, then over the selected heads, without renormalising", () => {
  // 2 heads, key length 4, image columns [1, 3).
  const rows = [
    Float32Array.from([0.1, 0.2, 0.3, 0.4, /* head 1 */ 0.0, 0.5, 0.5, 0.0]),
    Float32Array.from([0.1, 0.4, 0.1, 0.4, /* head 1 */ 0.2, 0.1, 0.3, 0.4]),
  ];
  const all = aggregateRows(rows, 2, () => 4, 1, 2);
  // head 0: [0.3, 0.2]; head 1: [0.3, 0.4]; mean: [0.3, 0.3]
  assert.deepEqual(Array.from(all.perHead, (v) => +v.toFixed(6)), [0.3, 0.2, 0.3, 0.4]);
  assert.deepEqual(Array.from(all.map, (v) => +v.toFixed(6)), [0.3, 0.3]);
  const h1 = aggregateRows(rows, 2, () => 4, 1, 2, [1]);
  assert.deepEqual(Array.from(h1.map, (v) => +v.toFixed(6)), [0.3, 0.4]);
  assert.throws(() => aggregateRows(rows, 2, () => 4, 1, 2, [2]), {
    message: 'Head "2" does not exist (the model has 2 heads)',
  });
});

Deno.test("captureGenerated() equals teacher forcing with the generated answer", async () => {
  const items = someItems(tokenizer, config.imageSize, 1, false);
  const layers = [{ layer: 4 }, { layer: 1, heads: [0] }];
  const gen = await captureGenerated(model, items, layers, { maxNewTokens: 3 });
  const forced = await captureTeacherForced(
    model,
    items.map((it, b) => {
      // Teacher-force exactly the fed-back tokens (everything generated but the last token).
      return { ...it, answer: gen[b]!.tokens.slice(0, gen[b]!.queries) };
    }),
    layers,
  );
  for (let b = 0; b < items.length; b++) {
    assert.equal(forced[b]!.queries, gen[b]!.queries);
    for (let i = 0; i < layers.length; i++) {
      const g = gen[b]!.maps[i]!;
      const f = forced[b]!.maps[i]!;
      if (g === null) {
        assert.equal(f, null);
        continue;
      }
      assert.equal(g.length, N);
      for (let j = 0; j < N; j++) assert.ok(Math.abs(g[j]! - f![j]!) < 1e-5, `b${b} layer${i} j${j}`);
      // Attention to image columns is a share of a probability row.
      const sum = g.reduce((a, v) => a + v, 0);
      assert.ok(sum > 0 && sum <= 1 + 1e-6, `sum ${sum}`);
    }
  }
});

Deno.test("relativeAttention() divides elementwise and rejects mismatched maps", () => {
  assert.deepEqual(Array.from(relativeAttention([0.2, 0.1], [0.1, 0.4], 0)), [2, 0.25]);
  assert.throws(() => relativeAttention([1], [1, 2]), {
    message: 'Cannot divide attention maps of lengths "1" and "2"',
  });
});

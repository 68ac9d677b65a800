import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { somePrompts, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import {
  aggregateRows,
  captureGenerated,
  captureTeacherForced,
  headAverage,
  relativeAttention,
} from "./attention.ts";

await initBackend("wasm");
const model = tinyTestModel(11);
const N = model.counts.tokens;

Deno.test("aggregateRows() averages over queries first, then over the selected heads, without renormalising", () => {
  // 2 heads, 2 image tokens, rows [H·N] head-major.
  const rows = [
    Float32Array.from([0.2, 0.3, /* head 1 */ 0.5, 0.5]),
    Float32Array.from([0.4, 0.1, /* head 1 */ 0.1, 0.3]),
  ];
  const all = aggregateRows(rows, 2, 2);
  // head 0: [0.3, 0.2]; head 1: [0.3, 0.4]; mean: [0.3, 0.3]
  assert.deepEqual(Array.from(all.perHead, (v) => +v.toFixed(6)), [0.3, 0.2, 0.3, 0.4]);
  assert.deepEqual(Array.from(all.map, (v) => +v.toFixed(6)), [0.3, 0.3]);
  const h1 = aggregateRows(rows, 2, 2, [1]);
  assert.deepEqual(Array.from(h1.map, (v) => +v.toFixed(6)), [0.3, 0.4]);
  assert.throws(() => aggregateRows(rows, 2, 2, [2]), {
    message: 'Head "2" does not exist (the model has 2 heads)',
  });
  assert.throws(() => aggregateRows([new Float32Array(3)], 2, 2), {
    message: 'Attention row has length "3", expected 2·2',
  });
});

Deno.test("headAverage() is the mean of the selected heads' maps, all heads by default", () => {
  const perHead = [0.1, 0.3, /* head 1 */ 0.5, 0.1, /* head 2 */ 0.3, 0.2];
  assert.deepEqual(Array.from(headAverage(perHead, 3, 2), (v) => +v.toFixed(6)), [0.3, 0.2]);
  assert.deepEqual(Array.from(headAverage(perHead, 3, 2, [0, 2]), (v) => +v.toFixed(6)), [0.2, 0.25]);
  assert.throws(() => headAverage(perHead, 3, 2, [1.5]), {
    message: 'Head "1.5" does not exist (the model has 3 heads)',
  });
});

Deno.test("captureGenerated() equals teacher forcing with the generated answer", async () => {
  const items = somePrompts(16, 1);
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

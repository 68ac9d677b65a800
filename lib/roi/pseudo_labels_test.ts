import assert from "node:assert/strict";
import { IGNORE } from "./labels.ts";
import { DEFAULT_VARIANT, groundingOf, pseudoLabels, sinkMaskOf } from "./pseudo_labels.ts";
import type { TeacherRecord } from "./teacher.ts";

// Grid 4 (N = 16), 2 heads. Head 0 looks at cell 5, head 1 at cell 6; cell 0 is an attention sink.
const N = 16;
const perHead = new Array(2 * N).fill(0.001);
perHead[5] = 0.4;
perHead[N + 6] = 0.2;
perHead[0] = perHead[N] = 0.3;
const sinkMap = new Array(N).fill(0.01);
sinkMap[0] = 0.5;
const record: TeacherRecord = {
  id: "x",
  suite: "train-scenes",
  question: "q",
  gt: "K",
  answer: "K",
  correct: true,
  queries: 1,
  perHead,
  sinkMap,
  normScore: Array.from({ length: N }, (_, j) => (j === 3 ? 9 : 0.5)),
  box: [0, 0, 1, 1],
};

Deno.test("groundingOf() averages the selected heads", () => {
  const all = groundingOf(record, 2, N);
  assert.ok(Math.abs(all[5]! - 0.2005) < 1e-9 && Math.abs(all[6]! - 0.1005) < 1e-9);
  assert.equal(groundingOf(record, 2, N, [1])[6], 0.2);
  assert.throws(() => groundingOf(record, 2, N, [2]), {
    message: 'Head "2" does not exist (the model has 2 heads)',
  });
});

Deno.test("sinkMaskOf() follows the variant: none, attention (τ = 0.576/N), norm (τ relative to √d)", () => {
  assert.deepEqual(
    Array.from(sinkMaskOf(record, { ...DEFAULT_VARIANT, sink: "none" }, N, 64)),
    new Array(N).fill(0),
  );
  // τ_sink = 0.576 / 16 = 0.036: only cell 0 (0.5) is a sink; 0.01 is not.
  assert.deepEqual([...sinkMaskOf(record, DEFAULT_VARIANT, N, 64)].flatMap((s, j) => (s ? [j] : [])), [0]);
  // τ_norm = 0.3125·√64 = 2.5: only cell 3 (9).
  assert.deepEqual(
    [...sinkMaskOf(record, { ...DEFAULT_VARIANT, sink: "norm" }, N, 64)].flatMap((s, j) => (s ? [j] : [])),
    [3],
  );
});

Deno.test("pseudoLabels() removes the sink before assigning labels", () => {
  const shape = { grid: 4, heads: 2, dim: 64 };
  // Without sink removal the sink (0.3) dominates: M = 0.3 → fg = {0, 5, 6} → box spans rows 0–1, cols 0–2.
  const raw = pseudoLabels(record, { ...DEFAULT_VARIANT, sink: "none" }, shape).labels;
  assert.equal(raw[0], 1);
  // With attention sinks removed: M = 0.2005 → fg = {5, 6} (0.1005 > 0.0401) → box row 1, cols 1–2; cell 0 → bg.
  const { labels, map } = pseudoLabels(record, DEFAULT_VARIANT, shape);
  assert.equal(map[0], 0);
  assert.equal(labels[5], 1);
  assert.equal(labels[6], 1);
  assert.equal(labels[0], 0);
  assert.equal(labels.filter((l) => l === IGNORE).length, 0);
});

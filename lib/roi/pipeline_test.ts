import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import type { Mllm } from "../model/mllm.ts";
import { disposeRpn, ensureRpn, type RpnSpec, sinkStatistics, teacherSubset } from "./pipeline.ts";
import { DEFAULT_VARIANT } from "./pseudo_labels.ts";
import { TeacherConfigSchema } from "./teacher_cache.ts";
import type { TeacherRecord } from "./teacher.ts";
import { RpnTrainConfigSchema } from "./train_rpn.ts";

await initBackend("wasm");
const model = tinyTestModel(4);
const spec: RpnSpec = {
  checkpointHash: "ckpt",
  // Teacher-forced answers and the raw-map target: every sample of a random tiny model carries a loss.
  teacher: TeacherConfigSchema.parse({ samples: 6, batchSize: 6, answers: "ground-truth" }),
  variant: DEFAULT_VARIANT,
  train: RpnTrainConfigSchema.parse({ backbone: 2, branch: 2, target: "attention", epochs: 1, batchSize: 3 }),
  seed: 1,
};

Deno.test("a truncated RPN weights file is rebuilt on the next run after naming it, with the same bytes", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const first = await ensureRpn(model, spec, { cacheDir, report: () => {} });
    disposeRpn(model, first.rpn);
    assert.notEqual(first.losses, null, "trained");
    const bytes = await Deno.readFile(first.path);

    await Deno.writeFile(first.path, bytes.subarray(0, bytes.length - 10));
    const reports: string[] = [];
    const second = await ensureRpn(model, spec, { cacheDir, report: (m) => reports.push(m) });
    disposeRpn(model, second.rpn);
    assert.equal(reports.length, 1);
    assert.match(
      reports[0]!,
      new RegExp(`^Rebuilding RPN weights "${first.path}": content hash "[0-9a-f]{16}…" does not match`),
    );
    assert.deepEqual(second.losses, first.losses, "retrained");
    assert.deepEqual(await Deno.readFile(first.path), bytes);

    // Without a content hash beside it (weights from before they were kept) the reader catches it.
    await Deno.writeFile(first.path, bytes.subarray(0, bytes.length - 10));
    await Deno.remove(`${first.path}.sha256`);
    reports.length = 0;
    const third = await ensureRpn(model, spec, { cacheDir, report: (m) => reports.push(m) });
    disposeRpn(model, third.rpn);
    const last = lastTensor(bytes);
    assert.deepEqual(reports, [
      `Rebuilding RPN weights "${first.path}": tensor "${last.name}" has data_offsets ` +
      `"[${last.start},${last.end}]" beyond the ${last.end - 10}-byte data section`,
    ]);
    assert.deepEqual(await Deno.readFile(first.path), bytes);

    // A valid cached file is used as it is.
    const fourth = await ensureRpn(model, spec, { cacheDir, report: (m) => reports.push(m) });
    disposeRpn(model, fourth.rpn);
    assert.equal(fourth.losses, null);
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

/** The tensor stored last in a safetensors file (read from its JSON header), which a cut-off end damages. */
function lastTensor(bytes: Uint8Array): { name: string; start: number; end: number } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<
    string,
    { data_offsets?: [number, number] }
  >;
  const [name, entry] = Object.entries(header).filter(([, e]) => e.data_offsets)
    .sort(([, a], [, b]) => b.data_offsets![1] - a.data_offsets![1])[0]!;
  return { name, start: entry.data_offsets![0], end: entry.data_offsets![1] };
}

Deno.test("teacherSubset() takes the first indices of the seeded shuffle, sorted, nested across sizes", () => {
  // Golden shuffles of 0..9 from an independent sfc32 implementation (see lib/engine/rng_test.ts):
  // seed 0 → [1, 5, 0, 2, 4, 8, 3, 7, 6, 9], seed 1 → [0, 4, 6, 8, 5, 3, 7, 1, 9, 2].
  assert.deepEqual(teacherSubset(10, 3, 0), [0, 1, 5]);
  assert.deepEqual(teacherSubset(10, 7, 0), [0, 1, 2, 3, 4, 5, 8]);
  assert.deepEqual(teacherSubset(10, 3, 1), [0, 4, 6]);
  assert.deepEqual(teacherSubset(10, 10, 1), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const small = teacherSubset(10, 3, 0);
  assert.ok(small.every((i) => teacherSubset(10, 7, 0).includes(i)));
});

Deno.test("teacherSubset() refuses a size outside 1..samples, naming it", () => {
  for (const size of [0, 11, 2.5]) {
    assert.throws(() => teacherSubset(10, size, 0), {
      message: `Invalid teacher subset "${size}": expected an integer from 1 to 10`,
    });
  }
});

Deno.test("sinkStatistics() gives each sample's share of image cells flagged as sinks, skipping one-token answers", () => {
  // A 2×2 grid, one head: τ_sink = 0.576 / 4 = 0.144.
  const counts = { grid: 2, tokens: 4, heads: 1, hidden: 4 };
  const fake = { counts } as unknown as Mllm;
  const record = (sinkMap: number[], queries = 2): TeacherRecord => ({
    id: "x",
    suite: "doc",
    question: "q",
    gt: "a",
    answer: "a b",
    correct: true,
    queries,
    perHead: [0.1, 0.5, 0.1, 0.1],
    sinkMap,
    normScore: [0, 0, 0, 0],
    box: [0, 0, 1, 1],
  });
  const records = [record([0.4, 0.3, 0.2, 0.1]), record([0.1, 0.1, 0.1, 0.7]), record([1, 1, 1, 1], 0)];
  const stats = sinkStatistics(records, DEFAULT_VARIANT, fake);
  assert.deepEqual(stats.sinks, [3, 1]);
  assert.deepEqual(stats.shares, [0.75, 0.25]);
  // Cell 0 is a sink in 1 of 2 samples, cells 1, 2, 3 too (ties: lower index first).
  assert.deepEqual(stats.topCells.map((c) => [c.row, c.col, c.share]), [
    [0, 0, 0.5],
    [0, 1, 0.5],
    [1, 0, 0.5],
    [
      1,
      1,
      0.5,
    ],
  ]);
  assert.deepEqual(sinkStatistics(records, { ...DEFAULT_VARIANT, sink: "none" }, fake).shares, [0, 0]);
});

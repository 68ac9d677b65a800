import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { disposeRpn, ensureRpn, type RpnSpec, teacherSubset } from "./pipeline.ts";
import { DEFAULT_VARIANT } from "./pseudo_labels.ts";
import { TeacherConfigSchema } from "./teacher_cache.ts";
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

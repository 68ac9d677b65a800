import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../engine/backend.ts";
import { tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { backboneStates } from "./backbone.ts";
import {
  backboneCacheDir,
  type BackboneCacheSpec,
  chunkPath,
  ensureBackboneStates,
} from "./backbone_cache.ts";
import { TeacherConfigSchema, teacherSample } from "./teacher_cache.ts";

await initBackend("wasm");
const model = tinyTestModel(4);
const teacher = TeacherConfigSchema.parse({ samples: 10, dataSeed: 3 });
const spec: BackboneCacheSpec = { checkpointHash: "ckpt", teacher, backbone: 2, chunk: 4 };

async function chunkBytes(dir: string): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const names = [...Deno.readDirSync(dir)].map((e) => e.name)
    .filter((n) => n.startsWith("chunk-") && n.endsWith(".safetensors")).sort();
  for (const name of names) out.set(name, await Deno.readFile(join(dir, name)));
  return out;
}

Deno.test("ensureBackboneStates() gives the layer-B states of the requested teacher samples, in order", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const indices = [5, 0, 3];
    const { states, computed } = await ensureBackboneStates(model, spec, indices, { cacheDir });
    assert.equal(computed, 2, "samples 0 and 3 are in chunk 0, sample 5 in chunk 1");
    const items = await Promise.all(indices.map(async (i) => {
      const { sample, image } = teacherSample(teacher, i);
      return {
        question: sample.question,
        blocks: [{ pixels: await model.encodeImage(image) }],
      };
    }));
    const direct = await backboneStates(model, items, spec.backbone);
    states.forEach((s, k) => {
      assert.equal(s.questionLength, direct[k]!.questionLength);
      assert.equal(s.hidden.length, direct[k]!.hidden.length);
      // Batched with other samples the padding differs; the states agree to float precision.
      let worst = 0;
      s.hidden.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - direct[k]!.hidden[j]!))));
      assert.ok(worst < 1e-4, `sample ${indices[k]}: max difference ${worst}`);
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("an interrupted backbone cache resumes: only missing chunks are computed, every file has the same bytes", async () => {
  const clean = await Deno.makeTempDir();
  const resumed = await Deno.makeTempDir();
  try {
    const all = Array.from({ length: 10 }, (_, i) => i);
    const first = await ensureBackboneStates(model, spec, all, { cacheDir: clean });
    assert.equal(first.computed, 3);

    // A run killed after its first chunk: chunk 0 is complete on disk, and the kill left a temp file of the
    // next chunk's writer and that chunk's lock, owned by a process that no longer exists.
    await assert.rejects(
      ensureBackboneStates(model, spec, all, {
        cacheDir: resumed,
        onChunk: () => {
          throw new Error("killed");
        },
      }),
      { message: "killed" },
    );
    const dir = backboneCacheDir(resumed, spec);
    assert.deepEqual([...(await chunkBytes(dir)).keys()], ["chunk-00000.safetensors"]);
    await Deno.writeTextFile(join(dir, ".chunk-00001.safetensors.99999999.0.tmp"), "torn");
    await Deno.writeTextFile(`${chunkPath(dir, 1)}.lock`, `${Deno.hostname()} 99999999\n`);

    const rerun = await ensureBackboneStates(model, spec, all, { cacheDir: resumed });
    assert.equal(rerun.computed, 2, "chunks 1 and 2 only");
    assert.deepEqual(await chunkBytes(dir), await chunkBytes(first.dir));
    assert.deepEqual(rerun.states, first.states);
    const again = await ensureBackboneStates(model, spec, [9, 1], { cacheDir: resumed });
    assert.equal(again.computed, 0);
    assert.deepEqual(again.states, [first.states[9], first.states[1]]);
  } finally {
    await Deno.remove(clean, { recursive: true });
    await Deno.remove(resumed, { recursive: true });
  }
});

Deno.test("a chunk that is not the one its name says, or truncated, is rebuilt after naming the file", async () => {
  const cacheDir = await Deno.makeTempDir();
  try {
    const { dir, states } = await ensureBackboneStates(model, spec, [0, 4], { cacheDir, report: () => {} });
    const good = await chunkBytes(dir);
    const key = dir.split("/").pop();
    // Another chunk's file in its place, with its own (matching) content hash: caught by the key check.
    await Deno.copyFile(chunkPath(dir, 0), chunkPath(dir, 1));
    await Deno.copyFile(`${chunkPath(dir, 0)}.sha256`, `${chunkPath(dir, 1)}.sha256`);
    const reports: string[] = [];
    const again = await ensureBackboneStates(model, spec, [4], { cacheDir, report: (m) => reports.push(m) });
    assert.deepEqual(reports, [
      `Rebuilding backbone cache chunk "${chunkPath(dir, 1)}": it is chunk 0 of cache "${key}", ` +
      `expected chunk 1 of "${key}"`,
    ]);
    assert.equal(again.computed, 1);
    assert.deepEqual(again.states, [states[1]]);
    // Truncated: the content hash beside it no longer matches.
    const bytes = good.get("chunk-00000.safetensors")!;
    await Deno.writeFile(chunkPath(dir, 0), bytes.subarray(0, 100));
    reports.length = 0;
    const third = await ensureBackboneStates(model, spec, [0], { cacheDir, report: (m) => reports.push(m) });
    assert.equal(reports.length, 1);
    assert.match(
      reports[0]!,
      new RegExp(
        `^Rebuilding backbone cache chunk "${chunkPath(dir, 0)}": content hash "[0-9a-f]{16}…" does not`,
      ),
    );
    assert.deepEqual(third.states, [states[0]]);
    // Truncated with no content hash beside it (a cache from before they were kept): the reader catches it.
    await Deno.writeFile(chunkPath(dir, 0), bytes.subarray(0, 100));
    await Deno.remove(`${chunkPath(dir, 0)}.sha256`);
    reports.length = 0;
    await ensureBackboneStates(model, spec, [0], { cacheDir, report: (m) => reports.push(m) });
    assert.deepEqual(reports, [
      `Rebuilding backbone cache chunk "${chunkPath(dir, 0)}": header length exceeds file size`,
    ]);
    assert.deepEqual(await chunkBytes(dir), good);
    await assert.rejects(ensureBackboneStates(model, { ...spec, chunk: 0 }, [0], { cacheDir }), {
      message: 'Invalid backbone chunk size "0": expected a positive integer',
    });
  } finally {
    await Deno.remove(cacheDir, { recursive: true });
  }
});

Deno.test("the backbone cache is shared by teacher configs with the same questions, not across B or data", () => {
  const dir = (s: Partial<BackboneCacheSpec>, t: Record<string, unknown> = {}) =>
    backboneCacheDir("c", { ...spec, ...s, teacher: TeacherConfigSchema.parse({ ...teacher, ...t }) });
  const base = dir({});
  // Answers, layers and the sample count shape the labels, not the prompt-only states.
  assert.equal(dir({}, { answers: "ground-truth", layer: 2, samples: 5000, batchSize: 8 }), base);
  assert.notEqual(dir({ backbone: 3 }), base);
  assert.notEqual(dir({}, { dataSeed: 4 }), base);
  assert.notEqual(dir({}, { suites: ["train-covers"] }), base);
  assert.notEqual(dir({ checkpointHash: "other" }), base);
  assert.notEqual(dir({ chunk: 8 }), base);
});

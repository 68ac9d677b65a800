import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { basename, join } from "node:path";
import { initBackend } from "../engine/backend.ts";
import { tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { sha256Hex } from "../results/checksum.ts";
import { withLock } from "../results/lock.ts";
import { ensureTeacher, TeacherConfigSchema, teacherHiddenStates, teacherSample } from "./teacher_cache.ts";
import { teacherImageHidden } from "./teacher.ts";

await initBackend("wasm");
const model = tinyTestModel(4);
const cfg = TeacherConfigSchema.parse({ samples: 6, batchSize: 4, answers: "ground-truth" });

/** A fresh cache folder per case: complete teacher files are memoised per path within a process. */
async function withCache(fn: (cacheDir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The teacher file of `cfg` made once in a reference folder: its path (relative) and bytes. */
const reference = await (async () => {
  const dir = await Deno.makeTempDir();
  const t = await ensureTeacher(model, "ckpt", cfg, dir, undefined, () => {});
  const bytes = await Deno.readFile(t.path);
  const name = t.path.slice(dir.length);
  await Deno.remove(dir, { recursive: true });
  return { name, bytes };
})();

Deno.test("a truncated teacher file is rebuilt on the next run after naming it, with the same bytes", async () => {
  await withCache(async (cacheDir) => {
    const path = join(cacheDir, reference.name);
    await Deno.mkdir(join(cacheDir, "teacher"));
    // A copy cut mid-line, as a full disk or a bad copy leaves it (no content hash beside it).
    await Deno.writeFile(path, reference.bytes.subarray(0, Math.floor(reference.bytes.length * 0.6)));
    const reports: string[] = [];
    const t = await ensureTeacher(model, "ckpt", cfg, cacheDir, undefined, (m) => reports.push(m));
    assert.deepEqual(reports, [
      `Rebuilding teacher file "${path}": Malformed teacher file "${path}": last line is incomplete`,
    ]);
    assert.equal(t.records.length, 6);
    assert.deepEqual(await Deno.readFile(path), reference.bytes);
    assert.ok(existsSync(`${path}.sha256`));
  });
});

Deno.test("a teacher file whose content hash does not match is rebuilt", async () => {
  await withCache(async (cacheDir) => {
    const path = join(cacheDir, reference.name);
    await Deno.mkdir(join(cacheDir, "teacher"));
    // Valid JSON lines, one value changed: only the content hash can tell.
    const text = new TextDecoder().decode(reference.bytes).replace('"correct":true', '"correct":false');
    await Deno.writeTextFile(path, text);
    await Deno.writeTextFile(`${path}.sha256`, `${sha256Hex(reference.bytes)}  ${basename(path)}\n`);
    const reports: string[] = [];
    await ensureTeacher(model, "ckpt", cfg, cacheDir, undefined, (m) => reports.push(m));
    const [actual, expected] = [sha256Hex(new TextEncoder().encode(text)), sha256Hex(reference.bytes)];
    assert.deepEqual(reports, [
      `Rebuilding teacher file "${path}": content hash "${actual.slice(0, 16)}…" does not match ` +
      `"${path}.sha256" ("${expected.slice(0, 16)}…")`,
    ]);
    assert.deepEqual(await Deno.readFile(path), reference.bytes);
  });
});

for (
  const [what, content] of [
    ["an empty", ""],
    ["a torn-header", '{"format":"sdrpn-teacher","vers'],
  ] as const
) {
  Deno.test(`${what} teacher .partial file is started afresh after saying so, and the run succeeds`, async () => {
    await withCache(async (cacheDir) => {
      const path = join(cacheDir, reference.name);
      await Deno.mkdir(join(cacheDir, "teacher"));
      await Deno.writeTextFile(`${path}.partial`, content);
      const reports: string[] = [];
      const t = await ensureTeacher(model, "ckpt", cfg, cacheDir, undefined, (m) => reports.push(m));
      assert.deepEqual(reports, [
        `Rebuilding teacher file "${path}.partial" from scratch: Malformed teacher file "${path}.partial": empty`,
      ]);
      assert.equal(t.records.length, 6);
      assert.deepEqual(await Deno.readFile(path), reference.bytes);
      assert.equal(existsSync(`${path}.partial`), false);
    });
  });
}

Deno.test("a run waiting for another run's teacher pass says what it waits for", async () => {
  await withCache(async (cacheDir) => {
    const path = join(cacheDir, reference.name);
    const reports: string[] = [];
    let waiting: Promise<unknown> | undefined;
    await withLock(path, async () => {
      waiting = ensureTeacher(model, "ckpt", cfg, cacheDir, undefined, (m) => reports.push(m));
      await new Promise((r) => setTimeout(r, 100));
    }, { report: () => {} });
    await waiting;
    assert.equal(reports.length, 1, reports.join("\n"));
    assert.match(
      reports[0]!,
      new RegExp(
        `^Waiting for the teacher pass "${path}" \\(0\\.0 s so far\\): lock "${path}\\.lock" is held by `,
      ),
    );
    assert.deepEqual(await Deno.readFile(path), reference.bytes);
  });
});

Deno.test("teacherHiddenStates() batches the first samples' visual-token states as one pass of each would", async () => {
  const { tokens: n, hidden: d } = model.counts;
  // 5 samples in batches of 4 (4 + 1): the same states as the samples one by one.
  const all = await teacherHiddenStates(model, cfg, 5, 2);
  assert.equal(all.length, 5 * n * d);
  for (const i of [0, 4]) {
    const { sample, image } = teacherSample(cfg, i);
    const one = await teacherImageHidden(model, [{ sample, pixels: await model.encodeImage(image) }], 2);
    const part = all.subarray(i * n * d, (i + 1) * n * d);
    assert.ok(one.every((v, k) => Math.abs(v - part[k]!) < 1e-4), `sample ${i}`);
  }
  await assert.rejects(teacherHiddenStates(model, cfg, 7, 2), {
    message: 'Invalid sample count "7": expected an integer from 1 to 6 (teacher.samples)',
  });
  await assert.rejects(teacherHiddenStates(model, cfg, 0, 2), {
    message: 'Invalid sample count "0": expected an integer from 1 to 6 (teacher.samples)',
  });
});

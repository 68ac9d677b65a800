import assert from "node:assert/strict";
import { join } from "node:path";
import {
  readTeacherFile,
  TEACHER_FORMAT,
  TEACHER_VERSION,
  type TeacherHeader,
  TeacherWriter,
} from "./teacher_file.ts";
import type { TeacherRecord } from "./teacher.ts";
import { sha256Hex, verifyChecksum } from "../results/checksum.ts";

const header: TeacherHeader = {
  format: TEACHER_FORMAT,
  version: TEACHER_VERSION,
  configHash: "abc",
  config: { samples: 3 },
  sinkDims: [5],
  tokens: 4,
  heads: 2,
};

function record(i: number): TeacherRecord {
  return {
    id: `s-${i}`,
    suite: "train-scenes",
    question: "what code is on the red circle ?",
    gt: "K",
    answer: "K",
    correct: true,
    queries: 1,
    perHead: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
    sinkMap: [0, 0, 0.5, 0],
    normScore: [1, 2, 3, 4],
    box: [0, 0, 10, 10],
  };
}

Deno.test("TeacherWriter resumes a partial file after the last complete line and finishes atomically", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "t.jsonl");
  const first = await TeacherWriter.open(path, header);
  assert.equal(first.done.length, 0);
  await first.writer.append([record(0), record(1)]);
  // Simulate a crash mid-line.
  await Deno.writeTextFile(first.writer.partial, '{"id":"s-2","sui', { append: true });
  const second = await TeacherWriter.open(path, header);
  assert.deepEqual(second.done.map((r) => r.id), ["s-0", "s-1"]);
  await second.writer.append([record(2)]);
  await second.writer.finish();
  const done = await readTeacherFile(path);
  assert.deepEqual(done!.records.map((r) => r.id), ["s-0", "s-1", "s-2"]);
  assert.deepEqual(done!.header, header);
});

Deno.test("readTeacherFile() names the file and line of a malformed record", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "t.jsonl");
  const bad = { ...record(0), perHead: [1, 2] };
  await Deno.writeTextFile(path, JSON.stringify(header) + "\n" + JSON.stringify(bad) + "\n");
  await assert.rejects(() => readTeacherFile(path), {
    message:
      `Malformed JSONL in "${path}" line 2: perHead: Too small: expected array to have exactly 8 items`,
  });
  await Deno.writeTextFile(path, JSON.stringify(header) + "\n" + JSON.stringify(record(0)));
  await assert.rejects(() => readTeacherFile(path), {
    message: `Malformed teacher file "${path}": last line is incomplete`,
  });
  assert.equal(await readTeacherFile(join(dir, "missing.jsonl")), null);
});

Deno.test("TeacherWriter refuses a record holding NaN instead of writing it as null", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "t.jsonl");
  const { writer } = await TeacherWriter.open(path, header);
  const bad = { ...record(0), id: "s-9", sinkMap: [0, NaN, 0, 0] };
  await assert.rejects(() => writer.append([record(1), bad]), {
    message: `Cannot write teacher record "s-9" to "${path}.partial": sinkMap[1] is "NaN", not a finite ` +
      "number (the checkpoint's activations diverged)",
  });
  await assert.rejects(() => writer.append([{ ...record(2), perHead: [1] }]), {
    message: `Cannot write teacher record "s-2" to "${path}.partial": perHead: Too small: expected array ` +
      "to have exactly 8 items",
  });
  // Nothing of a refused batch was written.
  assert.equal(await Deno.readTextFile(`${path}.partial`), JSON.stringify(header) + "\n");
});

Deno.test("TeacherWriter.finish() keeps the finished file's content hash beside it", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "t.jsonl");
  const { writer } = await TeacherWriter.open(path, header);
  await writer.append([record(0)]);
  await writer.finish();
  const bytes = await Deno.readFile(path);
  assert.equal(await Deno.readTextFile(`${path}.sha256`), `${sha256Hex(bytes)}  t.jsonl\n`);
  assert.equal(await verifyChecksum(path), "ok");
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic, writeJsonAtomic } from "./atomic.ts";

function listDir(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

Deno.test("writeFileAtomic() creates parent folders and leaves no temp file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "a", "b", "out.txt");
    await writeFileAtomic(path, "hello");
    assert.equal(await Deno.readTextFile(path), "hello");
    assert.deepEqual(listDir(join(dir, "a", "b")), ["out.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() replaces an existing file and writes bytes unchanged", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "w.bin");
    await writeFileAtomic(path, "old content that is longer");
    const bytes = new Uint8Array([0, 255, 1, 254, 10]);
    await writeFileAtomic(path, bytes);
    assert.deepEqual(await Deno.readFile(path), bytes);
    assert.deepEqual(listDir(dir), ["w.bin"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() writes an empty file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "empty");
    await writeFileAtomic(path, new Uint8Array(0));
    assert.equal((await Deno.stat(path)).size, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() onto a directory fails and leaves nothing behind", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const target = join(dir, "taken");
    await Deno.mkdir(target);
    await Deno.writeTextFile(join(target, "inside"), "x");
    await assert.rejects(() => writeFileAtomic(target, "data"));
    assert.deepEqual(listDir(dir), ["taken"]);
    assert.deepEqual(listDir(target), ["inside"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() under a path whose parent is a file rejects without creating anything", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(join(dir, "file"), "x");
    await assert.rejects(() => writeFileAtomic(join(dir, "file", "child.txt"), "data"));
    assert.deepEqual(listDir(dir), ["file"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeFileAtomic() handles concurrent writes to one path", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "race.txt");
    await Promise.all(["a", "b", "c", "d"].map((s) => writeFileAtomic(path, s.repeat(1000))));
    const text = await Deno.readTextFile(path);
    assert.equal(text.length, 1000);
    assert.equal(new Set(text).size, 1, "the file holds exactly one writer's content");
    assert.deepEqual(listDir(dir), ["race.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeJsonAtomic() writes 2-space JSON with a trailing newline", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "r.json");
    await writeJsonAtomic(path, { a: 1, b: [true] });
    assert.equal(await Deno.readTextFile(path), '{\n  "a": 1,\n  "b": [\n    true\n  ]\n}\n');
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("writeJsonAtomic() rejects a value with no JSON form and writes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "u.json");
    await assert.rejects(() => writeJsonAtomic(path, undefined), {
      message: `Cannot write JSON file "${path}": value is not JSON`,
    });
    assert.deepEqual(listDir(dir), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { isSplitFile, listSplitFiles } from "./files.ts";

async function touch(root: string, ...paths: string[]): Promise<void> {
  for (const path of paths) {
    await Deno.mkdir(join(root, path, ".."), { recursive: true });
    await Deno.writeFile(join(root, path), new Uint8Array(0));
  }
}

Deno.test("isSplitFile() accepts '<split>-*.parquet' and '<split>.parquet' only", () => {
  assert.equal(isSplitFile("validation-00000-of-00003.parquet", "validation"), true);
  assert.equal(isSplitFile("hrbench_8k.parquet", "hrbench_8k"), true);
  assert.equal(isSplitFile("hrbench_8k.parquet", "hrbench_4k"), false);
  assert.equal(isSplitFile("testing.parquet", "test"), false);
  assert.equal(isSplitFile("test-00000-of-00001.parquet.incomplete", "test"), false);
  assert.equal(isSplitFile("train-00000-of-00001.parquet", "test"), false);
});

Deno.test("listSplitFiles() finds shards recursively, sorted by relative path, other splits ignored", async () => {
  const root = await Deno.makeTempDir();
  try {
    await touch(
      root,
      "data/validation-00001-of-00002.parquet",
      "data/train-00000-of-00001.parquet",
      "validation.parquet",
      "data/validation-00000-of-00002.parquet",
      "a/validation-9.parquet",
      ".cache/huggingface/validation-00000-of-00002.parquet",
      "data/validation-00000-of-00002.parquet.lock",
    );
    assert.deepEqual(await listSplitFiles(root, "validation"), [
      join(root, "a/validation-9.parquet"),
      join(root, "data/validation-00000-of-00002.parquet"),
      join(root, "data/validation-00001-of-00002.parquet"),
      join(root, "validation.parquet"),
    ]);
    assert.deepEqual(await listSplitFiles(root, "test"), []);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("listSplitFiles() follows symbolic links as in a Hugging Face cache snapshot", async () => {
  const root = await Deno.makeTempDir();
  try {
    await touch(root, "blobs/abc123", "blobs/dir/test-1.parquet");
    await Deno.mkdir(join(root, "snapshot/data"), { recursive: true });
    await Deno.symlink(join(root, "blobs/abc123"), join(root, "snapshot/data/test-0.parquet"));
    await Deno.symlink(join(root, "blobs/dir"), join(root, "snapshot/linked"));
    assert.deepEqual(await listSplitFiles(join(root, "snapshot"), "test"), [
      join(root, "snapshot/data/test-0.parquet"),
      join(root, "snapshot/linked/test-1.parquet"),
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("listSplitFiles() names a missing folder", async () => {
  await assert.rejects(() => listSplitFiles("/nonexistent/textvqa", "validation"), {
    message: 'Cannot read "/nonexistent/textvqa": folder not found',
  });
});

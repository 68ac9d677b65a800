import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { datasetHash } from "./dataset.ts";
import { GENERATED_DIR, loadEvalSuite } from "./eval_set.ts";

Deno.test("GENERATED_DIR is data/generated/ of the repository", () => {
  assert.ok(GENERATED_DIR.endsWith("/data/generated/"), GENERATED_DIR);
  assert.ok(existsSync(join(GENERATED_DIR, "..", "..", "deno.json")), "no deno.json two levels up");
});

Deno.test("loadEvalSuite() writes the suite once under eval-s<seed>-n<n>/ and reads it back", async () => {
  const root = await Deno.makeTempDir();
  try {
    const set = await loadEvalSuite("doc", 2, 5, root);
    assert.equal(set.dir, join(root, "eval-s5-n2"));
    assert.equal(set.jsonlPath, join(root, "eval-s5-n2", "doc", "samples.jsonl"));
    assert.equal(set.items.length, 2);
    for (const { sample, image } of set.items) {
      assert.equal(sample.suite, "doc");
      assert.equal(image.data.length, image.width * image.height * 3);
    }
    assert.equal(set.hash, await datasetHash(set.dir, "doc"));

    // A second load reads the same files without rewriting them.
    const mtime = (await Deno.stat(set.jsonlPath)).mtime?.getTime();
    const again = await loadEvalSuite("doc", 2, 5, root);
    assert.equal((await Deno.stat(set.jsonlPath)).mtime?.getTime(), mtime);
    assert.equal(again.hash, set.hash);
    assert.deepEqual(again.items.map((i) => i.sample), set.items.map((i) => i.sample));
    assert.deepEqual(again.items[0]!.image, set.items[0]!.image);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadEvalSuite() with another seed writes another folder with other samples", async () => {
  const root = await Deno.makeTempDir();
  try {
    const a = await loadEvalSuite("doc", 1, 5, root);
    const b = await loadEvalSuite("doc", 1, 6, root);
    assert.equal(b.dir, join(root, "eval-s6-n1"));
    assert.notEqual(a.hash, b.hash);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("loadEvalSuite() refuses a cached suite with the wrong number of samples", async () => {
  const root = await Deno.makeTempDir();
  try {
    const set = await loadEvalSuite("doc", 2, 5, root);
    const first = (await Deno.readTextFile(set.jsonlPath)).split("\n")[0]!;
    await Deno.writeTextFile(set.jsonlPath, first + "\n");
    await assert.rejects(loadEvalSuite("doc", 2, 5, root), {
      message: `Dataset "${set.jsonlPath}" has 1 samples, expected 2: delete it to regenerate`,
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

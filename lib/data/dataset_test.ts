import assert from "node:assert/strict";
import { join } from "node:path";
import { datasetHash, loadSampleImage, readDataset, samplesPath, writeDataset } from "./dataset.ts";
import { sampleToJsonLine } from "./schema.ts";
import { generateSample } from "./suites.ts";

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "dataset_test_" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    if (e.isDirectory) out.push(...await listFiles(join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(prefix + e.name);
  }
  return out.sort();
}

Deno.test("writeDataset() writes PNGs and a JSONL in index order that readDataset() returns", async () => {
  await withTempDir(async (dir) => {
    const { path } = await writeDataset(dir, "vstar-spatial", 5, 11);
    assert.equal(path, join(dir, "vstar-spatial", "samples.jsonl"));
    assert.equal(path, samplesPath(dir, "vstar-spatial"));
    assert.deepEqual(await listFiles(dir), [
      "vstar-spatial/images/vstar-spatial-0.png",
      "vstar-spatial/images/vstar-spatial-1.png",
      "vstar-spatial/images/vstar-spatial-2.png",
      "vstar-spatial/images/vstar-spatial-3.png",
      "vstar-spatial/images/vstar-spatial-4.png",
      "vstar-spatial/samples.jsonl",
    ]);
    const samples = await readDataset(dir, "vstar-spatial");
    const text = await Deno.readTextFile(path);
    assert.ok(text.endsWith("}\n"));
    const lines = text.slice(0, -1).split("\n");
    for (let i = 0; i < 5; i++) {
      const { sample, image } = generateSample("vstar-spatial", i, 11);
      const expected = { ...sample, image: `vstar-spatial/images/vstar-spatial-${i}.png` };
      assert.deepEqual(samples[i], expected);
      assert.equal(lines[i], sampleToJsonLine(expected));
      assert.ok(lines[i]!.startsWith(`{"id":"vstar-spatial-${i}","suite":"vstar-spatial","kind":"vision",`));
      assert.deepEqual((await loadSampleImage(dir, samples[i]!)).data, image.data);
    }
  });
});

Deno.test("writeDataset() is byte-identical for the same seed and differs for another", async () => {
  await withTempDir(async (dir) => {
    await writeDataset(join(dir, "a"), "doc", 4, 1);
    await writeDataset(join(dir, "b"), "doc", 4, 1);
    await writeDataset(join(dir, "c"), "doc", 4, 2);
    const files = await listFiles(join(dir, "a"));
    assert.deepEqual(files, await listFiles(join(dir, "b")));
    for (const f of files) {
      assert.deepEqual(await Deno.readFile(join(dir, "a", f)), await Deno.readFile(join(dir, "b", f)), f);
    }
    assert.notDeepEqual(
      await Deno.readFile(join(dir, "a", "doc/samples.jsonl")),
      await Deno.readFile(join(dir, "c", "doc/samples.jsonl")),
    );
  });
});

Deno.test("writeDataset() with n = 0 writes an empty JSONL; a bad count is rejected", async () => {
  await withTempDir(async (dir) => {
    await writeDataset(dir, "pope", 0, 1);
    assert.equal(await Deno.readTextFile(samplesPath(dir, "pope")), "");
    assert.deepEqual(await readDataset(dir, "pope"), []);
    await assert.rejects(() => writeDataset(dir, "pope", -1, 1), {
      message: 'Sample count must be a non-negative integer, got "-1"',
    });
    // No temp files are left behind.
    assert.deepEqual(await listFiles(dir), ["pope/samples.jsonl"]);
  });
});

Deno.test("readDataset() names the file and line of malformed JSONL", async () => {
  await withTempDir(async (dir) => {
    await writeDataset(dir, "chart", 3, 5);
    const path = samplesPath(dir, "chart");
    const good = (await Deno.readTextFile(path)).trimEnd().split("\n");
    const expectError = async (lines: string[], what: string) => {
      await Deno.writeTextFile(path, lines.join("\n") + "\n");
      await assert.rejects(() => readDataset(dir, "chart"), {
        message: `Malformed JSONL in "${path}" line 3: ${what}`,
      });
    };
    await expectError(
      [good[0]!, good[1]!, "{not json"],
      "invalid JSON (Expected property name or '}' in JSON at position 1 (line 1 column 2))",
    );
    await expectError([good[0]!, good[1]!, ""], "empty line");
    await expectError([good[0]!, good[1]!, "   "], "empty line");
    const bad = JSON.parse(good[2]!);
    await expectError(
      [good[0]!, good[1]!, JSON.stringify({ ...bad, box: [0, 0, 999, 10] })],
      'box: box "0,0,999,10" must be non-empty and inside the 256x256 image',
    );
    await expectError(
      [good[0]!, good[1]!, JSON.stringify({ ...bad, metric: "bleu" })],
      'metric: Invalid option: expected one of "vqa"|"anls"|"relaxed"|"choice"|"yesno"',
    );
    const { question: _q, ...noQuestion } = bad;
    await expectError(
      [good[0]!, good[1]!, JSON.stringify(noQuestion)],
      "question: Invalid input: expected string, received undefined",
    );
    await expectError(
      [good[0]!, good[1]!, JSON.stringify({ ...bad, suite: "doc" })],
      'suite: "doc" does not belong in suite "chart"',
    );
    // An empty line in the middle is an error too, reported at its own line.
    await Deno.writeTextFile(path, [good[0]!, "", good[2]!].join("\n") + "\n");
    await assert.rejects(() => readDataset(dir, "chart"), {
      message: `Malformed JSONL in "${path}" line 2: empty line`,
    });
  });
});

Deno.test("readDataset() and loadSampleImage() report missing files", async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(() => readDataset(dir, "hr"), {
      message: `Cannot read dataset "${join(dir, "hr", "samples.jsonl")}": file not found`,
    });
    await writeDataset(dir, "info", 1, 1);
    const [sample] = await readDataset(dir, "info");
    const png = join(dir, "info", "images", "info-0.png");
    await Deno.writeFile(png, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
    await assert.rejects(() => loadSampleImage(dir, sample!), {
      message: `Cannot read image "${png}": corrupt PNG data`,
    });
    await Deno.remove(png);
    await assert.rejects(() => loadSampleImage(dir, sample!), {
      message: `Cannot read image "${png}": file not found`,
    });
  });
});

Deno.test("datasetHash() covers the images: another valid PNG in place of one changes it", async () => {
  await withTempDir(async (dir) => {
    await writeDataset(dir, "vstar-spatial", 3, 11);
    const samples = await readDataset(dir, "vstar-spatial");
    const files = ["vstar-spatial/samples.jsonl", ...samples.map((s) => s.image)];
    // Reference: coreutils over the same manifest (the recipe in datasetHash's documentation).
    const out = await new Deno.Command("sh", {
      args: ["-c", 'sha256sum "$@" | sha256sum | cut -c1-16', "sh", ...files],
      cwd: dir,
    }).output();
    const expected = new TextDecoder().decode(out.stdout).trim();
    assert.match(expected, /^[0-9a-f]{16}$/);
    assert.equal(await datasetHash(dir, "vstar-spatial"), expected);

    const jsonl = await Deno.readFile(samplesPath(dir, "vstar-spatial"));
    await Deno.copyFile(join(dir, samples[0]!.image), join(dir, samples[1]!.image));
    assert.deepEqual(
      await Deno.readFile(samplesPath(dir, "vstar-spatial")),
      jsonl,
      "samples.jsonl unchanged",
    );
    assert.notEqual(await datasetHash(dir, "vstar-spatial"), expected);

    await Deno.remove(join(dir, samples[2]!.image));
    await assert.rejects(datasetHash(dir, "vstar-spatial"), {
      message: `Cannot hash dataset "${samplesPath(dir, "vstar-spatial")}": file "${
        samples[2]!.image
      }" not found`,
    });
  });
});

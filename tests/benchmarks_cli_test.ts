// `deno task benchmarks` as a subprocess: the --jsonl contract of issue 12 item 5 and its errors.
import assert from "node:assert/strict";
import { join } from "node:path";
import { runScript } from "./script.ts";
import { FIXTURE_DIR } from "./fixtures/write_benchmarks.ts";

const KEYS = ["benchmark", "split", "id", "prompt", "answers", "category", "image"];

Deno.test("benchmarks --jsonl prints one object per row, benchmarks in the order given, nothing else", async () => {
  const { code, stdout, stderr } = await runScript("benchmarks.ts", [
    "--data",
    FIXTURE_DIR,
    "--benchmarks",
    "hrbench,pope,textvqa",
    "--jsonl",
  ]);
  assert.equal(code, 0, stderr);
  assert.ok(stdout.endsWith("\n"));
  const lines = stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => `${l.benchmark}/${l.split}/${l.id}`), [
    "hrbench/hrbench_4k/0",
    "hrbench/hrbench_4k/1",
    "hrbench/hrbench_8k/800",
    "hrbench/hrbench_8k/801",
    "pope/test/1",
    "pope/test/2",
    "pope/test/3",
    "pope/test/4",
    "textvqa/validation/34602",
    "textvqa/validation/34603",
    "textvqa/validation/34604",
    "textvqa/validation/34605",
  ]);
  for (const line of lines) {
    assert.deepEqual(Object.keys(line), KEYS);
    assert.deepEqual(Object.keys(line.image), ["sha256", "width", "height"]);
    assert.match(line.image.sha256, /^[0-9a-f]{64}$/);
  }
  assert.deepEqual(lines[5], {
    benchmark: "pope",
    split: "test",
    id: "2",
    prompt: "Is there a car in the image?\nAnswer the question using a single word or phrase.",
    answers: ["no"],
    category: "adversarial",
    image: { sha256: lines[5].image.sha256, width: 64, height: 64 },
  });
  assert.equal(lines[8].category, null);
});

Deno.test("benchmarks --jsonl --limit 1 over all gives the first row of each of the eight", async () => {
  const { code, stdout, stderr } = await runScript("benchmarks.ts", [
    "--data",
    FIXTURE_DIR,
    "--limit",
    "1",
    "--jsonl",
  ]);
  assert.equal(code, 0, stderr);
  const lines = stdout.trimEnd().split("\n").map((l) => JSON.parse(l));
  assert.deepEqual(lines.map((l) => `${l.benchmark}/${l.id}`), [
    "docvqa/49153",
    "chartqa/0",
    "ocrbench/0",
    "infovqa/65718",
    "textvqa/34602",
    "vstar/0",
    "pope/1",
    "hrbench/0",
  ]);
});

Deno.test("benchmarks without --jsonl prints a readable summary", async () => {
  const { code, stdout, stderr } = await runScript("benchmarks.ts", [
    "--data",
    FIXTURE_DIR,
    "--benchmarks",
    "vstar",
  ]);
  assert.equal(code, 0, stderr);
  assert.ok(
    stdout.startsWith(
      "vstar: 4 rows (lmms-lab/vstar-bench; lmms-eval vstar_bench)\n  split test: 4 rows from 1 file\n",
    ),
  );
});

Deno.test("benchmarks ends a bad file with exit 1, one error line and an empty stdout", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "pope/data/test-00000-of-00001.parquet");
    await Deno.mkdir(join(dir, "pope/data"), { recursive: true });
    const bytes = await Deno.readFile(join(FIXTURE_DIR, "pope/data/test-00000-of-00001.parquet"));
    await Deno.writeFile(file, bytes.subarray(0, 1000));
    await Deno.mkdir(join(dir, "textvqa"));
    await Deno.copyFile(
      join(FIXTURE_DIR, "textvqa/data/validation-00000-of-00002.parquet"),
      join(dir, "textvqa/validation.parquet"),
    );
    const { code, stdout, stderr } = await runScript("benchmarks.ts", [
      "--data",
      dir,
      "--benchmarks",
      "textvqa,pope",
      "--jsonl",
    ]);
    assert.equal(code, 1);
    assert.equal(stdout, "");
    const errorLines = stderr.split("\n").filter((l) => l.startsWith("error"));
    assert.deepEqual(errorLines, [
      `error: Cannot read "${file}": not a readable parquet file (parquet file invalid (footer != PAR1))`,
    ]);
    assert.ok(!stderr.includes("    at "), stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("benchmarks rejects unknown names and a missing --data", async () => {
  const unknown = await runScript("benchmarks.ts", [
    "--data",
    FIXTURE_DIR,
    "--benchmarks",
    "textvqa,mmbench",
  ]);
  assert.equal(unknown.code, 1);
  assert.equal(
    unknown.stderr.trim(),
    'error: Unknown benchmark "mmbench" (known: docvqa, chartqa, ocrbench, infovqa, textvqa, vstar, pope, hrbench, or all)',
  );
  const noData = await runScript("benchmarks.ts", ["--jsonl"]);
  assert.equal(noData.code, 1);
  assert.equal(noData.stderr.trim(), 'error: Missing option "--data": the benchmark folder');
  const badLimit = await runScript("benchmarks.ts", ["--data", FIXTURE_DIR, "--limit", "2.5"]);
  assert.equal(
    badLimit.stderr.trim(),
    'error: Invalid value for --limit "2.5": expected a non-negative integer',
  );
});

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { artifact, fileHash, makeResult, TESTBED_PROMPT } from "./record.ts";
import { type Result, ResultSchema, SCHEMA_VERSION } from "./schema.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const backend = { requested: "auto", active: "wasm", tfjsVersion: "4.22.0" } as const;

Deno.test("fileHash() and artifact() use the first 16 hex digits of the file's SHA-256", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "x.txt");
    await Deno.writeTextFile(path, "hello\n");
    // sha256sum of "hello\n".
    assert.equal(await fileHash(path), "5891b5b522d5df08");
    assert.deepEqual(await artifact("dataset", path), { kind: "dataset", path, hash: "5891b5b522d5df08" });
    await Deno.writeTextFile(path, "");
    assert.equal(await fileHash(path), "e3b0c44298fc1c14");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("makeResult() reproduces a committed result's config hash and deterministic fields", () => {
  const committed = JSON.parse(readFileSync(`${ROOT}results/eval_base.json`, "utf8")) as Result;
  const startedAt = new Date(Date.now() - 1500);
  const result = makeResult({
    experiment: committed.experiment,
    config: committed.config,
    seeds: committed.seeds,
    backend,
    prompt: { ...TESTBED_PROMPT },
    rows: committed.rows,
    artifacts: committed.artifacts,
    notes: committed.notes,
    scoring: committed.scoring,
    startedAt,
    phases: { doc: 1.5 },
  });
  assert.equal(result.configHash, committed.configHash);
  assert.deepEqual(result.scoring, ["generation", "likelihood"]);
  assert.equal(result.schemaVersion, SCHEMA_VERSION);
  assert.deepEqual(result.prompt, committed.prompt);
  // Only what was requested and what ran are recorded, not the tfjs version (that is in packages).
  assert.deepEqual(result.backend, { requested: "auto", active: "wasm" });
  assert.deepEqual(result.notes, committed.notes);
  assert.equal(result.timing.startedAt, startedAt.toISOString());
  assert.ok(result.timing.seconds >= 1.5 && result.timing.seconds < 60, `seconds ${result.timing.seconds}`);
  assert.deepEqual(result.timing.phases, { doc: 1.5 });
  assert.equal(ResultSchema.safeParse(JSON.parse(JSON.stringify(result))).success, true);
});

Deno.test("makeResult() leaves out examples, notes and phases that were not given", () => {
  const result = makeResult({
    experiment: "eval-base",
    config: { n: 1 },
    seeds: [0],
    backend,
    prompt: { ...TESTBED_PROMPT },
    rows: [],
    artifacts: [],
    startedAt: new Date(),
  });
  assert.equal("examples" in result, false);
  assert.equal("scoring" in result, false);
  assert.equal("notes" in result, false);
  assert.equal("phases" in result.timing, false);
  assert.equal(typeof result.packages.deno, "string");
});

Deno.test("makeResult() records the scoring protocols between examples and notes", () => {
  const result = makeResult({
    experiment: "eval-base",
    config: { n: 1 },
    seeds: [0],
    backend,
    prompt: { ...TESTBED_PROMPT },
    rows: [],
    artifacts: [],
    scoring: ["generation", "likelihood"],
    notes: ["n"],
    startedAt: new Date(),
  });
  assert.deepEqual(result.scoring, ["generation", "likelihood"]);
  const keys = Object.keys(result);
  assert.equal(keys.indexOf("scoring"), keys.indexOf("notes") - 1);
});

import assert from "node:assert/strict";
import { join } from "node:path";
import type { Example } from "./example_schema.ts";
import { configHash } from "./hash.ts";
import { readResult, writeResult } from "./io.ts";
import type { Result } from "./schema.ts";

/** A hand-made example on a 2×2 grid (the schema checks shapes, not that the sample exists). */
function example(): Example {
  return {
    suite: "doc",
    index: 1,
    dataSeed: 0,
    id: "doc-1",
    width: 256,
    height: 320,
    question: "what is the value in the blue row ?",
    expected: ["K3"],
    box: [10, 20, 60, 40],
    answers: [{ method: "baseline", answer: "K8", score: 0.5 }, { method: "sdrpn", answer: "K3", score: 1 }],
    grid: 2,
    encoderSize: 64,
    teacher: {
      layer: 4,
      sinkRemoval: "attention",
      answer: "K3",
      queries: 2,
      attention: [0.4, 0.0123, 0.05, 0],
      sinks: [3],
      labels: [1, -1, -1, 0],
    },
    rpn: {
      method: "sdrpn",
      seed: 0,
      upscaling: "mask",
      probabilities: [0.9, 0.2, 0.1, 0.6],
      threshold: 0.3,
      path: "box",
      boxes: [[0, 0, 1, 2]],
      maskBox: null,
      keptTokens: [],
      crop: [0, 0, 128, 320],
    },
  };
}

function result(examples?: Example[]): Result {
  const config = { scale: "quick", examples: examples?.length ?? 0 };
  return {
    experiment: "main_results",
    schemaVersion: 1,
    config,
    configHash: configHash(config),
    seeds: [0],
    backend: { requested: "wasm", active: "wasm" },
    packages: { zod: "4.6.7" },
    machine: { cores: 2, cpuModel: "Test CPU", os: "linux x86_64" },
    prompt: { template: "sdrpn-chat-v1", metricVariant: "suite-native" },
    rows: [{ method: "baseline", suite: "doc", metric: "accuracy", value: 50, n: 2 }],
    artifacts: [],
    ...(examples ? { examples } : {}),
    timing: { startedAt: "2025-01-01T00:00:00.000Z", endedAt: "2025-01-01T00:01:00.000Z", seconds: 60 },
  };
}

const dir = await Deno.makeTempDir({ prefix: "sdrpn-examples-schema-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

/** Write `value` as a result file (unvalidated) and read it back through the validating reader. */
async function readBack(name: string, value: unknown): Promise<Result> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, JSON.stringify(value));
  return await readResult(path);
}

Deno.test("a result round-trips with examples and without them (files from before examples stay valid)", async () => {
  for (const [name, value] of [["with.json", result([example()])], ["without.json", result()]] as const) {
    const path = join(dir, name);
    await writeResult(path, value);
    const back = await readResult(path);
    assert.deepEqual(back, value);
    assert.equal("examples" in back, name === "with.json");
    // Writing what was read gives the same bytes: the block is as byte-stable as the rest.
    const again = join(dir, `again-${name}`);
    await writeResult(again, back);
    assert.equal(await Deno.readTextFile(again), await Deno.readTextFile(path));
  }
  const noMap = example();
  noMap.teacher = { ...noMap.teacher, queries: 0, attention: null, labels: null, sinks: [] };
  assert.deepEqual((await readBack("nomap.json", result([noMap]))).examples, [noMap]);
});

Deno.test("an example naming an unknown suite is rejected with the list of suites", async () => {
  const bad = result([{ ...example(), suite: "mmvp" as Example["suite"] }]);
  await assert.rejects(readBack("suite.json", bad), {
    message: `Malformed result file "${join(dir, "suite.json")}": examples.0.suite: unknown suite "mmvp": ` +
      "expected one of train-scenes, train-covers, doc, textvqa, ocr, chart, info, vstar-attr, " +
      "vstar-spatial, pope, hr",
  });
});

Deno.test("an example's maps, labels, boxes and path must fit its grid and image", async () => {
  const cases: [string, (e: Example) => void, string][] = [
    ["short map", (e) => e.rpn.probabilities.pop(), "rpn.probabilities: expected 4 values (grid 2), got 3"],
    ["label value", (e) => (e.teacher.labels![1] = -100 as never), "teacher.labels.1: Invalid input"],
    ["labels alone", (e) => (e.teacher.attention = null), "teacher.labels: labels and attention must both"],
    ["sink cell", (e) => e.teacher.sinks.push(4), "teacher.sinks.1: cell 4 outside the grid"],
    ["grid box", (e) => (e.rpn.boxes[0]![2] = 3), "rpn.boxes.0: outside the grid"],
    ["crop", (e) => (e.rpn.crop = [0, 0, 300, 10]), "rpn.crop: outside the image"],
    ["reversed box", (e) => (e.box = [60, 20, 10, 40]), "box: box end before its start"],
    ["path", (e) => (e.rpn.path = "mask"), 'rpn.path: path "mask" does not fit 1 boxes'],
    ["map value", (e) => (e.teacher.attention![0] = 1.5), "teacher.attention.0: Too big"],
    ["unknown key", (e) => Object.assign(e.rpn, { logits: [] }), 'rpn: Unrecognized key: "logits"'],
  ];
  for (const [what, edit, message] of cases) {
    const e = example();
    edit(e);
    const path = join(dir, `bad-${what.replace(/ /g, "-")}.json`);
    await assert.rejects(readBack(`bad-${what.replace(/ /g, "-")}.json`, result([e])), (error: Error) => {
      assert.ok(
        error.message.startsWith(`Malformed result file "${path}": examples.0.${message}`),
        `${what}: ${error.message}`,
      );
      return true;
    });
  }
});

import assert from "node:assert/strict";
import { imagePath } from "../data/dataset.ts";
import { generateSample } from "../data/suites.ts";
import { initBackend } from "../engine/backend.ts";
import { sharpenDecoder, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { ExampleSchema } from "../results/example_schema.ts";
import type { EvalSuite, MethodRun } from "./evaluate.ts";
import { collectExamples, type ExampleInput, exampleSelection, rpnProbabilities } from "./examples.ts";
import { IGNORE } from "./labels.ts";
import { DEFAULT_VARIANT, groundingOf, pseudoLabels } from "./pseudo_labels.ts";
import { proposeRoi } from "./propose.ts";
import { teacherBatch } from "./teacher.ts";
import { roiCrops } from "./upscale_geometry.ts";

Deno.test("exampleSelection() takes the first questions of evenly spread suites", () => {
  const nine = ["doc", "textvqa", "ocr", "chart", "info", "vstar-attr", "vstar-spatial", "pope", "hr"];
  const pairs = (count: number, suites = nine, n = 100) =>
    exampleSelection(suites, n, count).map((p) => `${p.suite}/${p.index}`);
  assert.deepEqual(pairs(6), ["doc/0", "doc/1", "chart/0", "chart/1", "vstar-spatial/0", "vstar-spatial/1"]);
  assert.deepEqual(pairs(5), ["doc/0", "doc/1", "chart/0", "chart/1", "vstar-spatial/0"]);
  assert.deepEqual(pairs(1), ["doc/0"]);
  assert.deepEqual(pairs(0), []);
  // Few suites: more questions each; few questions: fewer examples.
  assert.deepEqual(pairs(6, ["doc", "pope"], 3), ["doc/0", "doc/1", "doc/2", "pope/0", "pope/1", "pope/2"]);
  assert.deepEqual(pairs(6, ["doc", "pope"], 2), ["doc/0", "doc/1", "pope/0", "pope/1"]);
  assert.throws(() => exampleSelection(nine, 10, -1), {
    message: 'Example count must be a non-negative integer, got "-1"',
  });
});

Deno.test("rpnProbabilities() is the sigmoid for a label RPN and a softmax over cells for an attention RPN", () => {
  assert.deepEqual(Array.from(rpnProbabilities("labels", [0, Math.log(3)])), [0.5, 0.75]);
  const soft = rpnProbabilities("attention", [0, Math.log(3)]);
  assert.ok(Math.abs(soft[0]! - 0.25) < 1e-12 && Math.abs(soft[1]! - 0.75) < 1e-12);
});

// A tiny random model (G = 4) with sharpened decoder weights so that answers and maps are not uniform.
await initBackend("wasm");
const model = tinyTestModel(21, sharpenDecoder(10));
const { grid, tokens: N, encoderSize: S } = model.counts;

async function suiteOf(name: "doc" | "pope", n: number): Promise<EvalSuite> {
  const items = await Promise.all(Array.from({ length: n }, async (_, i) => {
    const { sample, image } = generateSample(name, i, 0);
    return {
      sample: { ...sample, image: imagePath(name, sample.id) },
      image,
      pixels: await model.encodeImage(image),
    };
  }));
  return {
    name,
    family: name === "doc" ? "anls" : "yesno",
    kind: "text",
    jsonlPath: "-",
    datasetHash: "-",
    items,
  };
}

/** Hand-made runs: fixed answers, and an SD-RPN trace built with the real proposal and crop geometry. */
function runsOf(suite: EvalSuite): MethodRun[] {
  // At τ = 0.7: question 0 has 2×2 blobs in opposite corners (mask path), question 1 a corner blob (box
  // path), question 2 a 3×3 blob (too large: no crop).
  const hot = (i: number) => [[0, 1, 4, 5, 10, 11, 14, 15], [0, 1, 4, 5], [0, 1, 2, 4, 5, 6, 8, 9, 10]][i]!;
  const logits = suite.items.map((_, i) =>
    Float32Array.from({ length: N }, (_, j) => (hot(i).includes(j) ? 6 : -6))
  );
  const proposals = logits.map((l) => proposeRoi(l, grid, { threshold: 0.7, maxArea: 6 }));
  const crops = proposals.map((p, i) => {
    const { width, height } = suite.items[i]!.image;
    return roiCrops(p, {
      grid,
      encoderSize: S,
      letterbox: model.imageGeometry(width, height),
      width,
      height,
    });
  });
  const base = { suite: suite.name, seconds: 0, roiTokens: suite.items.map(() => 0) };
  return [
    {
      ...base,
      key: { method: "baseline" },
      answers: suite.items.map(() => "no"),
      crops: suite.items.map(() => null),
    },
    {
      ...base,
      key: { method: "sdrpn" },
      answers: suite.items.map((it) => it.sample.answers[0]!),
      crops: suite.items.map(() => null),
      stage1: { threshold: 0.7, logits, proposals, crops },
    },
  ];
}

const suites = [await suiteOf("doc", 2), await suiteOf("pope", 3)];
const input: ExampleInput = {
  suites,
  picks: [...exampleSelection(suites.map((s) => s.name), 3, 4), { suite: "pope", index: 2 }],
  dataSeed: 0,
  runs: suites.flatMap(runsOf),
  answerMethods: ["baseline", "sdrpn"],
  rpn: { method: "sdrpn", seed: 0, upscaling: "mask", target: "labels" },
  teacher: { layer: 2, sinkLayer: 1, normLayer: 2, answers: "generated", maxNewTokens: 4, batchSize: 3 },
  sinkDims: [],
  // Near-uniform maps on a random model: only the peak cell is fg, cells below 0.9 of it are bg.
  variant: { ...DEFAULT_VARIANT, sink: "none", fg: 0.99, bg: 0.9 },
};

Deno.test("collectExamples() records valid, rounded, self-consistent examples of the run", async () => {
  const examples = await collectExamples(model, input);
  const items = input.picks.map((p) => suites.find((s) => s.name === p.suite)!.items[p.index]!);
  const records = await teacherBatch(model, items, input.teacher, input.sinkDims);
  assert.ok(examples.some((e) => e.teacher.labels?.includes(1)), "some example has a fg cell");
  assert.deepEqual(examples.map((e) => e.rpn.path), ["mask", "box", "mask", "box", "none"]);
  assert.deepEqual(examples.map((e) => e.rpn.keptTokens.length), [6, 0, 6, 0, 0]);
  assert.equal(examples[4]!.rpn.crop, null);
  assert.deepEqual(examples.map((e) => e.id), ["doc-0", "doc-1", "pope-0", "pope-1", "pope-2"]);
  for (const [k, ex] of examples.entries()) {
    assert.deepEqual(ExampleSchema.parse(ex), ex, ex.id);
    const suite = suites.find((s) => s.name === ex.suite)!;
    const trace = input.runs.find((r) => r.suite === ex.suite && r.stage1)!.stage1!;
    const { sample } = suite.items[ex.index]!;
    assert.deepEqual([ex.grid, ex.encoderSize, ex.box], [grid, S, sample.box]);
    assert.equal(ex.answers[1]!.score, 1, "the sdrpn run answered the ground truth");
    assert.equal(ex.answers[0]!.answer, "no");
    // RPN block: the run's own trace, rounded to 4 decimals.
    const p = trace.proposals[ex.index]!;
    assert.equal(ex.rpn.path, p.path);
    assert.deepEqual(ex.rpn.boxes, p.boxes);
    const sig = rpnProbabilities("labels", trace.logits[ex.index]!);
    ex.rpn.probabilities.forEach((v, j) => assert.ok(Math.abs(v - sig[j]!) <= 5e-5, `${ex.id} p[${j}]`));
    for (const v of [...ex.rpn.probabilities, ...(ex.teacher.attention ?? [])]) {
      assert.equal(Number(v.toFixed(4)), v, "4 decimals");
    }
    const crops = trace.crops[ex.index]!;
    assert.deepEqual(ex.rpn.keptTokens, crops[0]?.keptTokens ?? [], `${ex.id} kept tokens (${k})`);
    // The teacher block is the teacher pass's record: raw map rounded, labels of the sink-removed map
    // (assignLabels under the variant) with −1 for ignore.
    const record = records[k]!;
    assert.equal(ex.teacher.queries, record.queries);
    if (ex.teacher.attention) {
      const raw = groundingOf(record, model.counts.heads, N);
      ex.teacher.attention.forEach((v, j) => assert.ok(Math.abs(v - raw[j]!) <= 5e-5, `${ex.id} a[${j}]`));
      const { labels, sinks } = pseudoLabels(record, input.variant, {
        grid,
        heads: model.counts.heads,
        dim: model.counts.hidden,
      });
      assert.deepEqual(ex.teacher.labels, Array.from(labels, (v) => (v === IGNORE ? -1 : v)), ex.id);
      assert.deepEqual(ex.teacher.sinks, [...sinks.keys()].filter((j) => sinks[j] === 1));
    }
  }
  assert.deepEqual(await collectExamples(model, input), examples, "deterministic");
  assert.ok(JSON.stringify(examples).length < 5 * 2000, "small: under 2 KB per example at G = 4");
});

Deno.test("collectExamples() names a missing question or run", async () => {
  await assert.rejects(collectExamples(model, { ...input, picks: [{ suite: "doc", index: 5 }] }), {
    message: 'No question 5 of suite "doc" to record',
  });
  await assert.rejects(collectExamples(model, { ...input, answerMethods: ["vicrop"] }), {
    message: 'No run of method "vicrop" on suite "doc" to record',
  });
  await assert.rejects(
    collectExamples(model, { ...input, rpn: { ...input.rpn, method: "baseline" } }),
    { message: 'Method "baseline" is not an SD-RPN method: it has no stage-1 trace' },
  );
});

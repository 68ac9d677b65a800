import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { Sample } from "../data/schema.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { likelihoodAnswerAll } from "../eval/likelihood_answers.ts";
import type { Box } from "../image/types.ts";
import type { AnsweredPrompt, Mllm, Prompt, VisualBlock } from "../model/mllm.ts";
import { sharpenDecoder, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import {
  cropIou,
  type EvalSuite,
  evaluateSuite,
  type MethodRun,
  type MethodSpec,
  randomCropIou,
  unionBox,
} from "./evaluate.ts";
import { initRpn } from "./rpn.ts";

/** A suite of 100×100 images whose true boxes are given (only what the analysis reads). */
function suiteWith(boxes: Box[]): EvalSuite {
  return {
    name: "doc",
    family: "anls",
    kind: "text",
    jsonlPath: "x.jsonl",
    datasetHash: "0000000000000000",
    items: boxes.map((box) => ({
      sample: { box } as EvalSuite["items"][number]["sample"],
      image: {
        width: 100,
        height: 100,
        data: new Uint8Array(0),
      } as unknown as EvalSuite["items"][number]["image"],
      pixels: new Float32Array(0),
    })),
  };
}

function runWith(crops: (Box | null)[]): MethodRun {
  return {
    key: { method: "m" },
    suite: "doc",
    answers: crops.map(() => ""),
    seconds: 0,
    crops,
    roiTokens: crops.map(() => 0),
  };
}

Deno.test("unionBox() spans every box; null for none", () => {
  assert.deepEqual(unionBox([[10, 20, 30, 40], [0, 25, 15, 60]]), [0, 20, 30, 60]);
  assert.deepEqual(unionBox([[1, 2, 3, 4]]), [1, 2, 3, 4]);
  assert.equal(unionBox([]), null);
});

Deno.test("cropIou() scores each question's crop against its true box, 0 without a crop", () => {
  const suite = suiteWith([[0, 0, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60]]);
  // [0,0,10,10] vs [5,0,15,10]: intersection 50, union 150 → 1/3.
  assert.deepEqual(cropIou(runWith([[0, 0, 10, 10], [5, 0, 15, 10], null]), suite), [1, 1 / 3, 0]);
});

Deno.test("randomCropIou() places a box of the crop's size inside the image, 0 without a crop", () => {
  const suite = suiteWith([[0, 0, 100, 100], [0, 0, 10, 10]]);
  const run = runWith([[0, 0, 50, 50], null]);
  const a = randomCropIou(run, suite, new Rng(1));
  // Any 50×50 box inside the 100×100 image covers a quarter of a whole-image true box.
  assert.deepEqual(a, [0.25, 0]);
  assert.deepEqual(randomCropIou(run, suite, new Rng(1)), a);
});

Deno.test("evaluateSuite() with likelihood scores each method's own final prompts, on multiple-choice suites only", async () => {
  await initBackend("wasm");
  const model = tinyTestModel(21, sharpenDecoder(10));
  const shape = { backbone: 3, branch: 2 };
  const weights = await initRpn(model, shape);
  const rpn = {
    shape,
    target: "labels" as const,
    params: Object.fromEntries(
      Object.entries(weights).map(([k, v]) => [k, tf.variable(tf.tensor(v.data, v.shape), false)]),
    ),
  };
  // Record the visual blocks of every generated and every teacher-forced prompt (by identity).
  const generated = new Set<VisualBlock[]>();
  const scored: VisualBlock[][] = [];
  const spy = Object.create(model) as Mllm;
  spy.generate = (prompts: readonly Prompt[], options) => {
    for (const p of prompts) generated.add(p.blocks);
    return model.generate.call(spy, prompts, options);
  };
  spy.answerLogProbs = (prompts: readonly AnsweredPrompt[]) => {
    for (const p of prompts) scored.push(p.blocks);
    return model.answerLogProbs.call(spy, prompts);
  };
  const rng = new Rng(9);
  const questions = ["which mark is on the card ?", "what is left of the box ?", "which band is red ?"];
  const images = questions.map((_, i) => ({
    width: 40 + 8 * i,
    height: 48 - 4 * i,
    data: Uint8Array.from({ length: (40 + 8 * i) * (48 - 4 * i) * 3 }, () => rng.range(0, 256)),
  }));
  const suite = (family: "choice" | "anls"): EvalSuite => ({
    name: family === "choice" ? "hr" : "doc",
    family,
    kind: "vision",
    jsonlPath: "x.jsonl",
    datasetHash: "0000000000000000",
    items: questions.map((question, i) => ({
      sample: { question, box: [0, 0, 8, 8], options: ["red", "blue", "green"] } as unknown as Sample,
      image: images[i]!,
      pixels: new Float32Array(0),
    })),
  });
  const choice = suite("choice");
  for (const it of choice.items) it.pixels = await model.encodeImage(it.image);
  const methods: MethodSpec[] = [
    { kind: "baseline", key: { method: "baseline" } },
    { kind: "vicrop", key: { method: "vicrop" }, layer: 2, relative: false, sizes: [2, 3], select: "sum" },
    { kind: "sdrpn", key: { method: "sdrpn" }, rpn, upscaling: "mask", threshold: -0.5, maxArea: 16 },
  ];
  const runs = await evaluateSuite(spy, choice, methods, { batchSize: 6, maxNewTokens: 3, likelihood: true });
  for (const run of runs) {
    assert.equal(run.likelihoodAnswers?.length, questions.length, run.key.method);
    for (const a of run.likelihoodAnswers!) assert.ok(["A", "B", "C"].includes(a));
  }
  // Every teacher-forced row is a prompt generation answered (same block arrays), three options each;
  // the two-stage methods' rows carry their RoI block.
  assert.equal(scored.length, 3 * questions.length * methods.length);
  assert.ok(scored.every((blocks) => generated.has(blocks)));
  assert.ok(
    scored.slice(3 * questions.length).some((blocks) => blocks.length === 2),
    "an RoI block is scored",
  );
  // The picks are the likelihood picks of the baseline's own prompts.
  const baseline = await likelihoodAnswerAll(
    model,
    "choice",
    choice.items.map((it) => ({ question: it.sample.question, blocks: [{ pixels: it.pixels }] })),
    choice.items.map((it) => it.sample),
  );
  assert.deepEqual(runs[0]!.likelihoodAnswers, baseline);
  // Without the option, or on a suite with open answers, nothing is scored by likelihood.
  const plain = await evaluateSuite(model, choice, methods.slice(0, 1), { batchSize: 6, maxNewTokens: 3 });
  assert.equal(plain[0]!.likelihoodAnswers, undefined);
  const open = { ...suite("anls"), items: choice.items };
  const anls = await evaluateSuite(model, open, methods.slice(0, 1), {
    batchSize: 6,
    maxNewTokens: 3,
    likelihood: true,
  });
  assert.equal(anls[0]!.likelihoodAnswers, undefined);
});

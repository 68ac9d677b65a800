import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import type { Sample } from "../data/schema.ts";
import { initBackend } from "../engine/backend.ts";
import { Rng } from "../engine/rng.ts";
import { answerAll } from "../eval/answer.ts";
import type { RgbImage } from "../image/types.ts";
import { sharpenDecoder, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { type EvalSuite, evaluateSuite, type MethodSpec, type SdrpnMethod } from "./evaluate.ts";
import { initRpn } from "./rpn.ts";
import {
  branchLogits,
  disposeStageOnePrefill,
  roiBlocks,
  type Rpn,
  stageOne,
  stageOnePrefill,
} from "./two_stage.ts";
import { proposeRoi } from "./propose.ts";

await initBackend("wasm");
/** Random weights scaled ×10 in the decoder, so that answers and RoI maps are not near-uniform. */
const model = tinyTestModel(21, sharpenDecoder(10));
const { grid, tokens: N } = model.counts;
const shape = { backbone: 3, branch: 2 };
const rpn: Rpn = {
  shape,
  target: "labels",
  params: Object.fromEntries(
    Object.entries(await initRpn(model, shape)).map((
      [k, v],
    ) => [k, tf.variable(tf.tensor(v.data, v.shape), false)]),
  ),
};

function randomImage(rng: Rng, width: number, height: number): RgbImage {
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => rng.range(0, 256)) };
}

const questions = [
  "what code is on the red circle ?",
  "is there a K on the card ?",
  "what value is on the blue card ?",
  "what value ?",
  "is there a K ?",
];
const rng = new Rng(9);
const images = questions.map((_, i) => randomImage(rng, 40 + 8 * i, 48 - 4 * i));
const pixels = await Promise.all(images.map((im) => model.encodeImage(im)));
const items = questions.map((question, i) => ({ question, pixels: pixels[i]! }));

Deno.test("stageOne() gives the same RoI logits with and without keeping prefix states", async () => {
  const kept = await stageOne(model, rpn, items, { batchSize: 2 });
  const plain = await stageOne(model, rpn, items, { batchSize: 2, reusePrefix: false });
  assert.deepEqual(kept.logits, plain.logits);
  assert.equal(plain.prefixes, null);
  assert.equal(kept.prefixes!.length, items.length);
  assert.equal(kept.prefixes![0]!.depth, shape.backbone);
});

/** An RPN of `depth` with its own (random, scaled) branch weights. */
async function otherRpn(depth: number, scale: number): Promise<Rpn> {
  const s = { backbone: depth, branch: 2 };
  const init = await initRpn(model, s);
  return {
    shape: s,
    target: "labels",
    params: Object.fromEntries(
      Object.entries(init).map((
        [k, v],
      ) => [k, tf.variable(tf.mul(tf.tensor(v.data, v.shape), scale), false)]),
    ),
  };
}

Deno.test("branchLogits() on a shared prefill gives each RPN of that depth its own stageOne() logits", async () => {
  const second = await otherRpn(shape.backbone, 1.5);
  const prefill = await stageOnePrefill(model, shape.backbone, items, { batchSize: 2 });
  try {
    const alone = await stageOne(model, rpn, items, { batchSize: 2 });
    assert.deepEqual(await branchLogits(model, rpn, prefill), alone.logits);
    assert.deepEqual(prefill.prefixes, alone.prefixes);
    const other = await branchLogits(model, second, prefill);
    assert.deepEqual(other, (await stageOne(model, second, items, { batchSize: 2 })).logits);
    assert.notDeepEqual(other, alone.logits);
    await assert.rejects(
      () => branchLogits(model, { ...second, shape: { backbone: 2, branch: 2 } }, prefill),
      {
        message: "Cannot run an RPN with backbone depth 2 on a prefill through 3 layers",
      },
    );
  } finally {
    disposeStageOnePrefill(prefill);
  }
  assert.equal(prefill.batches.length, 0);
});

Deno.test("answerAll() with stage-1 prefix states gives the answers of a full stage 2", async () => {
  const { prefixes } = await stageOne(model, rpn, items, { batchSize: 3 });
  // One question per upscaling path (hand-made RoI logit maps on the 4×4 grid): none; one 2×2 block → box;
  // that block plus two cells of the bottom row → two components → mask.
  const block = [0, 1, grid, grid + 1];
  const maps = [[], block, [...block, N - 2, N - 1]].map((on) =>
    Float32Array.from({ length: N }, (_, j) => (on.includes(j) ? 9 : -9))
  );
  const requests = await Promise.all(items.map(async (it, i) => {
    const roi = proposeRoi(maps[i % 3]!, grid, { threshold: 0.3, maxArea: N });
    assert.equal(roi.path, ["none", "box", "mask"][i % 3]);
    const { blocks } = await roiBlocks(model, images[i]!, roi);
    return { question: it.question, blocks: [{ pixels: it.pixels }, ...blocks] };
  }));
  assert.ok(requests.some((r) => r.blocks[1]?.keep !== undefined), "a masked RoI block is exercised");
  const full = await answerAll(model, requests, { batchSize: 2, maxNewTokens: 5 });
  const reused = await answerAll(
    model,
    requests.map((r, i) => ({ ...r, prefix: prefixes![i]! })),
    { batchSize: 2, maxNewTokens: 5 },
  );
  assert.deepEqual(reused, full);
  // Mixed: some requests with a prefix state, some without, in one call.
  const mixed = await answerAll(
    model,
    requests.map((r, i) => (i % 2 ? { ...r, prefix: prefixes![i]! } : r)),
    { batchSize: 2, maxNewTokens: 5 },
  );
  assert.deepEqual(mixed, full);
});

Deno.test("evaluateSuite() answers SD-RPN methods identically with and without prefix reuse", async () => {
  const suite: EvalSuite = {
    name: "doc",
    family: "anls",
    kind: "text",
    jsonlPath: "x.jsonl",
    datasetHash: "0000000000000000",
    items: items.map((it, i) => ({
      sample: { question: it.question, box: [0, 0, 8, 8] } as unknown as Sample,
      image: images[i]!,
      pixels: it.pixels,
    })),
  };
  const methods: SdrpnMethod[] = (["mask", "box"] as const).map((upscaling) => ({
    kind: "sdrpn",
    key: { method: `sdrpn_${upscaling}` },
    rpn,
    upscaling,
    threshold: -0.5,
    maxArea: N,
  }));
  const on = await evaluateSuite(model, suite, methods, { batchSize: 2, maxNewTokens: 4 });
  const off = await evaluateSuite(model, suite, methods, {
    batchSize: 2,
    maxNewTokens: 4,
    reusePrefix: false,
  });
  assert.deepEqual(on.map((r) => r.answers), off.map((r) => r.answers));
  assert.deepEqual(on.map((r) => r.paths), off.map((r) => r.paths));
  assert.ok(on[0]!.paths!.none < items.length, "some question gets an RoI");

  // RPNs of one depth share the stage-1 prefill, another depth gets its own: every method answers as it
  // does alone, and no tensor outlives the suite.
  const mixed: MethodSpec[] = [
    ...methods,
    { ...methods[0]!, key: { method: "same_depth" }, rpn: await otherRpn(shape.backbone, 1.5) },
    { ...methods[0]!, key: { method: "other_depth" }, rpn: await otherRpn(2, 1.5) },
  ];
  const before = tf.memory().numTensors;
  const together = await evaluateSuite(model, suite, mixed, { batchSize: 2, maxNewTokens: 4 });
  assert.equal(tf.memory().numTensors, before);
  for (const [i, m] of mixed.entries()) {
    const [alone] = await evaluateSuite(model, suite, [m], { batchSize: 2, maxNewTokens: 4 });
    assert.deepEqual(together[i]!.answers, alone!.answers, m.key.method);
    assert.deepEqual(together[i]!.stage1!.logits, alone!.stage1!.logits, m.key.method);
  }
});

Deno.test("evaluateSuite() answers ViCrop methods identically with and without reusing the first pass's prefix", async () => {
  const suite: EvalSuite = {
    name: "doc",
    family: "anls",
    kind: "text",
    jsonlPath: "x.jsonl",
    datasetHash: "0000000000000000",
    items: items.map((it, i) => ({
      sample: { question: it.question, box: [0, 0, 8, 8] } as unknown as Sample,
      image: images[i]!,
      pixels: it.pixels,
    })),
  };
  const methods: MethodSpec[] = [false, true].map((relative) => ({
    kind: "vicrop",
    key: { method: relative ? "vicrop_rel" : "vicrop" },
    layer: 2,
    relative,
    sizes: [2, 3],
    select: "sum",
  }));
  const on = await evaluateSuite(model, suite, methods, { batchSize: 2, maxNewTokens: 4 });
  const off = await evaluateSuite(model, suite, methods, {
    batchSize: 2,
    maxNewTokens: 4,
    reusePrefix: false,
  });
  assert.deepEqual(on.map((r) => r.answers), off.map((r) => r.answers));
  assert.deepEqual(on.map((r) => r.crops), off.map((r) => r.crops));
  assert.ok(on[0]!.crops.some((c) => c !== null), "some question gets a crop");
});

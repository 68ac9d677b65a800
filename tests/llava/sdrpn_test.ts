/**
 * SD-RPN's own code (lib/roi) on LLaVA through the model interface, against the public fixture: the RPN
 * at twig initialisation run by stage 1 equals the reference `rpn_logits`; the teacher's attention capture
 * equals LlavaModel's own attention rows; stage 2 with RoI blocks (box and masked) answers the same from
 * stage 1's prefix state as from scratch; a generate through the interface gives `generated_ids`.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { Rng } from "../../lib/engine/rng.ts";
import { releasedRpnLoader } from "../../lib/experiment/model.ts";
import { gridBoxToSource } from "../../lib/image/geometry.ts";
import { f32ToBf16Bits } from "../../lib/models/llava/half.ts";
import { RELEASED_NORM, releasedName } from "../../lib/models/llava/released_rpn.ts";
import { writeTypedSafetensors } from "../../lib/models/llava/safetensors_writer.ts";
import { ensureRpn } from "../../lib/roi/pipeline.ts";
import { DEFAULT_VARIANT } from "../../lib/roi/pseudo_labels.ts";
import { TeacherConfigSchema } from "../../lib/roi/teacher_cache.ts";
import { answerAll } from "../../lib/eval/answer.ts";
import { loadImageRgb } from "../../lib/image/load_rgb.ts";
import type { RgbImage } from "../../lib/image/types.ts";
import { LlavaMllm } from "../../lib/models/llava/mllm.ts";
import { expandImageTokens, tokenizerImageToken, vicunaPrompt } from "../../lib/models/llava/prompt.ts";
import { captureGenerated, captureTeacherForced } from "../../lib/roi/attention.ts";
import { proposeRoi } from "../../lib/roi/propose.ts";
import { initRpn } from "../../lib/roi/rpn.ts";
import { roiBlocks, type Rpn, stageOne } from "../../lib/roi/two_stage.ts";
import { RpnTrainConfigSchema, rpnVariables } from "../../lib/roi/train_rpn.ts";
import { referenceForward } from "./reference_forward.ts";
import {
  LLAMA2_TOKENIZER,
  SECOND_CONFIG,
  SECOND_PREPROCESSOR_JSON,
  secondCheckpointWeights,
  writeSecondCheckpoint,
} from "./second_checkpoint.ts";

const FIXTURE = "tests/fixtures/llava-tiny";
const CASES = ["square", "wide", "tall"] as const;

interface Expected {
  question: string;
  rpn: { B: number; R: number };
  input_ids: number[];
  generated_ids: number[];
  rpn_logits: number[];
  max_new_tokens: number;
}

const model = await LlavaMllm.load(FIXTURE);
const cases = await Promise.all(CASES.map(async (name) => {
  const expected = JSON.parse(await Deno.readTextFile(`${FIXTURE}/expected/${name}.json`)) as Expected;
  const image: RgbImage = await loadImageRgb(`${FIXTURE}/cases/${name}.png`);
  return { name, expected, image, pixels: await model.encodeImage(image) };
}));

function maxDelta(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function twigRpn(): Promise<Rpn> {
  const { B, R } = cases[0]!.expected.rpn;
  const shape = { backbone: B, branch: R };
  return { shape, params: rpnVariables(await initRpn(model, shape)), target: "labels" };
}

Deno.test("LlavaMllm lays prompts out as the fixture's input_ids (head, N image tokens, tail)", () => {
  for (const c of cases) {
    const layout = model.layout([{ question: c.expected.question, blocks: [{ pixels: c.pixels }] }]);
    assert.deepEqual(layout.ids[0], c.expected.input_ids, c.name);
    assert.equal(layout.imageStart, c.expected.input_ids.indexOf(model.model.config.imageTokenIndex));
    assert.equal(layout.promptEnd, c.expected.input_ids.length - 1);
  }
});

Deno.test("lib/roi stage 1 with the RPN at twig initialisation gives the fixture's rpn_logits (one padded batch)", async () => {
  const rpn = await twigRpn();
  const items = cases.map((c) => ({ question: c.expected.question, pixels: c.pixels }));
  // All three questions in one batch: their tails differ in length, so the branch runs on padded rows.
  const out = await stageOne(model, rpn, items, { batchSize: 3, reusePrefix: false });
  const deltas = cases.map((c, i) => maxDelta(out.logits[i]!, c.expected.rpn_logits));
  console.log(`rpn_logits max |Δ| per case: ${deltas.map((d) => d.toExponential(2)).join(", ")}`);
  for (const d of deltas) assert.ok(d <= 2e-3, `max |Δ| ${d}`);
  // One at a time: the same numbers (rows never see each other's padding).
  const single = await stageOne(model, rpn, items.slice(2), { batchSize: 1, reusePrefix: false });
  assert.ok(maxDelta(single.logits[0]!, out.logits[2]!) < 1e-5);
  Object.values(rpn.params).forEach((v) => v.dispose());
});

Deno.test("the teacher's attention capture through lib/roi equals LlavaModel's own answer rows", async () => {
  const c = cases[1]!;
  const answer = "a red circle";
  const [maps] = await captureTeacherForced(
    model,
    [{ question: c.expected.question, blocks: [{ pixels: c.pixels }], answer }],
    [{ layer: 1 }, { layer: 3 }],
  );
  // Reference: LlavaModel over input_ids + answer ids, attention rows of the answer tokens.
  const m = model.model;
  const tok = model.session.tokenizer;
  const index = m.config.imageTokenIndex;
  const prompt = tokenizerImageToken(tok, vicunaPrompt(c.expected.question), index);
  const { ids, imageTokenStart } = expandImageTokens(prompt, index, m.numImageTokens);
  const answerIds = tok.encode(answer);
  const rows = answerIds.map((_, q) => ids.length + q);
  const features = m.encodeImage(c.pixels);
  const embeds = m.inputEmbeds([...ids, ...answerIds], features);
  const out = m.prefill(embeds, { attentionRows: rows, logits: "none" });
  const { heads: H, tokens: n } = model.counts;
  assert.equal(maps!.queries, answerIds.length);
  for (const [i, layer] of [1, 3].entries()) {
    const data = (await out.attention[layer]!.data()) as Float32Array; // [Q, H, S]
    const S = out.attention[layer]!.shape[2];
    const want = new Float64Array(H * n);
    for (let q = 0; q < rows.length; q++) {
      for (let h = 0; h < H; h++) {
        for (let j = 0; j < n; j++) {
          want[h * n + j]! += data[(q * H + h) * S + imageTokenStart + j]! / rows.length;
        }
      }
    }
    assert.ok(maxDelta(maps!.perHead[i]!, want) < 1e-6, `layer ${layer}`);
  }
  tf.dispose([
    features,
    embeds,
    ...out.cache.layers.flatMap((l) => [l.k, l.v]),
    ...Object.values(out.attention),
  ]);
});

Deno.test("a generate through the interface gives the fixture's generated_ids, its captures match teacher forcing", async () => {
  const prompts = cases.map((c) => ({ question: c.expected.question, blocks: [{ pixels: c.pixels }] }));
  const gen = await captureGenerated(model, prompts, [{ layer: 2 }], { maxNewTokens: 8 });
  gen.forEach((g, i) => {
    assert.deepEqual(g.tokens, cases[i]!.expected.generated_ids, cases[i]!.name);
    assert.equal(g.answer, model.session.tokenizer.decode(cases[i]!.expected.generated_ids).trim());
  });
  // The fed-back tokens (all but the last) teacher-forced give the same per-head map.
  const forced = await captureTeacherForced(
    model,
    prompts.map((p, i) => ({ ...p, answer: gen[i]!.tokens.slice(0, -1) })),
    [{ layer: 2 }],
  );
  forced.forEach((f, i) => {
    assert.equal(f.queries, gen[i]!.queries);
    assert.ok(maxDelta(f.perHead[0]!, gen[i]!.perHead[0]!) < 1e-5);
  });
});

Deno.test("ViCrop's second pass on LLaVA answers the same from the first pass's full-depth prefix state", async () => {
  const prompts = cases.map((c) => ({ question: c.expected.question, blocks: [{ pixels: c.pixels }] }));
  const first = await captureGenerated(model, prompts, [{ layer: 2 }], { maxNewTokens: 8, keepPrefix: true });
  first.forEach((g, i) => assert.deepEqual(g.tokens, cases[i]!.expected.generated_ids, cases[i]!.name));
  assert.deepEqual(first.map((g) => g.prefix?.depth), cases.map(() => model.counts.layers));
  const crop = await model.encodeCrop(cases[0]!.image, [0, 0, 8, 8]);
  const requests = prompts.map((p) => ({ ...p, blocks: [...p.blocks, { pixels: crop }] }));
  const full = await answerAll(model, requests, { maxNewTokens: 5 });
  const reused = await answerAll(model, requests.map((r, i) => ({ ...r, prefix: first[i]!.prefix! })), {
    maxNewTokens: 5,
  });
  assert.deepEqual(reused, full);
  // Above the memory limit the model keeps none.
  const lean = new LlavaMllm(model.session, { prefixLimitBytes: 0 });
  const leanFirst = await captureGenerated(lean, prompts, [{ layer: 2 }], {
    maxNewTokens: 8,
    keepPrefix: true,
  });
  assert.deepEqual(leanFirst.map((g) => g.prefix), cases.map(() => null));
});

Deno.test("stage 2 on LLaVA answers with box and masked RoI blocks, the same from stage 1's prefix state", async () => {
  const rpn = await twigRpn();
  const items = cases.map((c) => ({ question: c.expected.question, pixels: c.pixels }));
  const s1 = await stageOne(model, rpn, items, { batchSize: 3 });
  const { grid, tokens: N } = model.counts;
  // A one-box map and a two-blob map (→ box and masked upscaling), then no RoI.
  const box = Float32Array.from({ length: N }, (_, j) => ([7, 8, 13, 14].includes(j) ? 9 : -9));
  const blobs = Float32Array.from(
    { length: N },
    (_, j) => ([0, 1, 6, 7, 28, 29, 34, 35].includes(j) ? 9 : -9),
  );
  const maps = [box, blobs, new Float32Array(N).fill(-9)];
  const requests = await Promise.all(cases.map(async (c, i) => {
    const roi = proposeRoi(maps[i]!, grid, { threshold: 0.3, maxArea: N });
    assert.equal(roi.path, ["box", "mask", "none"][i]);
    const { blocks } = await roiBlocks(model, c.image, roi);
    return { question: c.expected.question, blocks: [{ pixels: c.pixels }, ...blocks] };
  }));
  assert.ok(requests[1]!.blocks[1]!.keep !== undefined, "a masked RoI block is exercised");
  const full = await answerAll(model, requests, { maxNewTokens: 5 });
  const reused = await answerAll(
    model,
    requests.map((r, i) => ({ ...r, prefix: s1.prefixes![i]! })),
    { maxNewTokens: 5 },
  );
  assert.deepEqual(reused, full);
  // A model that may not hold prefix states (a 7B's are ~300 MB per question) keeps none: same answers.
  const lean = new LlavaMllm(model.session, { prefixLimitBytes: 0 });
  const s1Lean = await stageOne(lean, rpn, items, { batchSize: 3 });
  assert.deepEqual(s1Lean.prefixes, []);
  assert.deepEqual(s1Lean.logits, s1.logits);
  assert.ok(full.every((a) => typeof a === "string"));
  // The masked block adds only its kept tokens to the sequence.
  const layout = model.layout([requests[1]!]);
  const kept = [...requests[1]!.blocks[1]!.keep!].filter((k) => k === 1).length;
  assert.equal(layout.ids[0]!.length, cases[1]!.expected.input_ids.length + kept);
  Object.values(rpn.params).forEach((v) => v.dispose());
});

Deno.test({
  name:
    "on a GQA checkpoint (6 query heads, 2 kv heads) lib/roi's stage 1 and generate match the float64 reference",
  ignore: !existsSync(LLAMA2_TOKENIZER),
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const weights = secondCheckpointWeights();
      await writeSecondCheckpoint(dir, weights);
      await Deno.writeTextFile(
        join(dir, "preprocessor_config.json"),
        JSON.stringify(SECOND_PREPROCESSOR_JSON),
      );
      const gqa = await LlavaMllm.load(dir);
      assert.deepEqual([gqa.counts.heads, gqa.counts.kvHeads, gqa.counts.grid], [6, 2, 4]);
      const rng = new Rng(9);
      const pixels = Float32Array.from({ length: 3 * 56 * 56 }, () => rng.normal());
      const question = "Which shape is left of the ☂ ?";
      const ids = gqa.layout([{ question, blocks: [{ pixels }] }]).ids[0]!;
      const ref = referenceForward(weights, SECOND_CONFIG, {
        inputIds: ids,
        pixelValues: pixels,
        maxNewTokens: 4,
        B: 2,
        R: 2,
      });
      const shape = { backbone: 2, branch: 2 };
      const rpn: Rpn = { shape, params: rpnVariables(await initRpn(gqa, shape)), target: "labels" };
      const s1 = await stageOne(gqa, rpn, [{ question, pixels }], { reusePrefix: false });
      const delta = maxDelta(s1.logits[0]!, ref.rpnLogits);
      assert.ok(delta <= 2e-3, `rpn_logits max |Δ| ${delta}`);
      const [gen] = await gqa.generate([{ question, blocks: [{ pixels }] }], { maxNewTokens: 4 });
      assert.deepEqual(gen!.tokens, ref.generated);
      Object.values(rpn.params).forEach((v) => v.dispose());
      gqa.model.dispose();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("imageGeometry() describes LLaVA's pad-to-square: grid cells map back to the right source pixels", () => {
  // wide.png is 150×91: square side 150 (image at y = 29), resized to 84: ratio 0.56, padY = 29·0.56.
  const lb = model.imageGeometry(150, 91);
  assert.deepEqual([lb.ratio, lb.padX], [0.56, 0]);
  assert.ok(Math.abs(lb.padY - 16.24) < 1e-12);
  const { grid, encoderSize } = model.counts;
  // 84 / (84/150) is 149.99999999999997 in floating point, which the mapping truncates (as for any model).
  assert.deepEqual(gridBoxToSource([0, 0, grid, grid], grid, encoderSize, lb, 150, 91), [0, 0, 149, 91]);
  // Row 3 starts at encoder y 42 = square y 75 = image y 46; column 1 at encoder x 14 = image x 25.
  assert.ok(Math.abs((42 - lb.padY) / lb.ratio - 46) < 1e-9);
  assert.ok(Math.abs((14 - lb.padX) / lb.ratio - 25) < 1e-9);
  // tall.png (45×70): side 70, image at x = 12, ratio 84/70 = 1.2.
  const tall = model.imageGeometry(45, 70);
  assert.deepEqual([tall.ratio, tall.padY], [1.2, 0]);
  assert.ok(Math.abs(tall.padX - 14.4) < 1e-12);
});

Deno.test("LlavaMllm rejects a question with <image>, a missing layer and pixels of the wrong size", async () => {
  assert.throws(() => model.tail("what is <image> ?"), {
    message: 'Cannot use a question containing "<image>": it would add an image',
  });
  await assert.rejects(() => model.copyLayer(4, "all"), {
    message: 'Decoder layer "4" does not exist (the model has 4 layers)',
  });
  assert.throws(() => model.features(new Float32Array(10)), {
    message: 'Visual block pixels have length "10", expected 21168',
  });
  assert.deepEqual(model.layerLeaves("queryKey"), ["inputNorm", "q.w", "k.w"]);
  assert.deepEqual(model.template, { imageStart: 82, questionExtra: 0 });
});

Deno.test("released twig weights go through lib/roi's ensureRpn instead of training, and score like the twig", async () => {
  const tmp = await Deno.makeTempDir();
  const bf16 = (v: number) => {
    const buf = new DataView(new ArrayBuffer(4));
    buf.setUint32(0, f32ToBf16Bits(v) << 16);
    return buf.getFloat32(0);
  };
  // Layers 2..3 and the final norm of the fixture, as SD-RPN ships a twig (PyTorch layout, BF16).
  const tensors = [];
  const rounded: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (let i = 0; i < 2; i++) {
    const copy = await model.copyLayer(2 + i, "all");
    for (const [leaf, t] of Object.entries(copy)) {
      const [rows, cols] = t.shape as [number, number];
      const data = t.shape.length === 2
        ? Float32Array.from(t.data, (_, j) => t.data[(j % rows) * cols + Math.floor(j / rows)]!)
        : t.data;
      tensors.push({
        name: releasedName(i, leaf),
        dtype: "BF16" as const,
        shape: [...t.shape].reverse(),
        data,
      });
      if (i === 0 || ["inputNorm", "q.w", "k.w"].includes(leaf)) {
        rounded[`rpn.layers.${i}.${leaf}`] = { shape: t.shape, data: t.data.map(bf16) };
      }
    }
  }
  const norm = await model.copyFinalNorm();
  tensors.push({ name: RELEASED_NORM, dtype: "BF16" as const, shape: norm.shape, data: norm.data });
  rounded["rpn.norm"] = { shape: norm.shape, data: norm.data.map(bf16) };
  const path = join(tmp, "twig.safetensors");
  await writeTypedSafetensors(path, tensors);
  const spec = {
    checkpointHash: "fixture",
    teacher: TeacherConfigSchema.parse({ samples: 4, batchSize: 4, layer: 2, sinkLayer: 1, normLayer: 2 }),
    variant: DEFAULT_VARIANT,
    train: RpnTrainConfigSchema.parse({ backbone: 2, branch: 2, released: path }),
    seed: 0,
  };
  await assert.rejects(() => ensureRpn(model, spec, { cacheDir: tmp }), {
    message: `Cannot use released RPN weights "${path}": model family "llava-1.5" has none`,
  });
  const r = await ensureRpn(model, spec, { cacheDir: tmp, loadReleased: releasedRpnLoader(model)! });
  assert.deepEqual([r.path, r.losses, r.examples], [path, null, 0]);
  const items = cases.map((c) => ({ question: c.expected.question, pixels: c.pixels }));
  const got = await stageOne(model, r.rpn, items, { reusePrefix: false });
  const want: Rpn = { shape: r.rpn.shape, params: rpnVariables(rounded), target: "labels" };
  const ref = await stageOne(model, want, items, { reusePrefix: false });
  got.logits.forEach((l, i) => assert.ok(maxDelta(l, ref.logits[i]!) < 1e-5));
  [r.rpn, want].forEach((x) => Object.values(x.params).forEach((v) => v.dispose()));
  await Deno.remove(tmp, { recursive: true });
});

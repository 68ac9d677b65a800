import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { generateSample } from "../data/suites.ts";
import { initBackend } from "../engine/backend.ts";
import { sharpenDecoder, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { captureGenerated } from "./attention.ts";
import { findSinkDims, normSinkScores } from "./sinks.ts";
import { discoverSinkDims, teacherBatch, type TeacherItem, type TeacherOptions } from "./teacher.ts";

await initBackend("wasm");
const model = tinyTestModel(21, sharpenDecoder(10));
const { tokens: N, heads: H, hidden: d } = model.counts;
const items: TeacherItem[] = await Promise.all([0, 1, 2].map(async (i) => {
  const { sample, image } = generateSample("doc", i, 0);
  return { sample, pixels: await model.encodeImage(image) };
}));
const options: TeacherOptions = {
  layer: 4,
  sinkLayer: 1,
  normLayer: 2,
  answers: "generated",
  maxNewTokens: 4,
};

/** Image-token hidden states entering layer `l`, [B·N, d]. */
async function imageHidden(l: number): Promise<Float32Array> {
  const p = model.prefill(
    items.map((it) => ({ question: it.sample.question, blocks: [{ pixels: it.pixels }] })),
    l,
  );
  const h = tf.slice(p.hidden, [0, p.layout.imageStart, 0], [p.layout.batch, N, d]);
  const data = (await h.data()) as Float32Array;
  tf.dispose([p.hidden, h]);
  return data;
}

Deno.test("teacherBatch() records the grounding heads, the sink map and the norm scores of each question", async () => {
  const sinkDims = [0, 3];
  const records = await teacherBatch(model, items, options, sinkDims);
  const maps = await captureGenerated(
    model,
    items.map((it) => ({ question: it.sample.question, blocks: [{ pixels: it.pixels }] })),
    [{ layer: 4 }, { layer: 1 }],
    { maxNewTokens: 4 },
  );
  const scores = normSinkScores(await imageHidden(2), d, sinkDims);
  const round6 = (x: number) => Number(x.toPrecision(6));
  records.forEach((r, b) => {
    const m = maps[b]!;
    assert.equal(r.id, items[b]!.sample.id);
    assert.equal(r.answer, m.answer);
    assert.equal(r.queries, m.queries);
    assert.equal(r.perHead.length, H * N);
    assert.equal(r.sinkMap.length, N);
    if (m.queries > 0) {
      assert.deepEqual(r.perHead, Array.from(m.perHead[0]!, round6));
      assert.deepEqual(r.sinkMap, Array.from(m.maps[1]!, round6));
    } else {
      assert.ok(r.perHead.every((v) => v === 0));
    }
    assert.deepEqual(r.normScore, Array.from(scores.subarray(b * N, (b + 1) * N), round6));
    assert.deepEqual(r.box, items[b]!.sample.box);
  });
});

Deno.test("teacherBatch() with ground-truth answers feeds them and counts every record as correct", async () => {
  const records = await teacherBatch(model, items, { ...options, answers: "ground-truth" }, []);
  records.forEach((r, b) => {
    assert.equal(r.correct, true);
    assert.equal(r.gt, items[b]!.sample.answers[0]);
    assert.ok(r.normScore.every((v) => v === 0), "no sink dims: no norm sink score");
  });
});

Deno.test("discoverSinkDims() finds the sink dims of the image tokens entering the norm layer", async () => {
  assert.deepEqual(await discoverSinkDims(model, items, 2), findSinkDims(await imageHidden(2), d));
});

import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import { randomPixels, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import { Rng } from "../engine/rng.ts";
import { answerAll } from "./answer.ts";

await initBackend("wasm");
const model = tinyTestModel(21);

Deno.test("answerAll() batches requests by layout and answers them in request order", async () => {
  const rng = new Rng(2);
  const one = () => ({ pixels: randomPixels(rng, 16) });
  const requests = [
    { question: "what code ?", blocks: [one()] },
    { question: "is there a K on the card ?", blocks: [one(), one()] },
    { question: "what value ?", blocks: [one()] },
    { question: "what code is on the red circle ?", blocks: [one(), one()] },
  ];
  const batches: number[] = [];
  const answers = await answerAll(model, requests, {
    batchSize: 1,
    maxNewTokens: 3,
    onBatch: (n) => batches.push(n),
  });
  assert.deepEqual(batches, [1, 1, 1, 1]);
  for (let i = 0; i < requests.length; i++) {
    const [direct] = await model.generate([requests[i]!], { maxNewTokens: 3 });
    assert.equal(answers[i], direct!.answer, `request ${i}`);
  }
  const batched = await answerAll(model, requests, { maxNewTokens: 3, onBatch: (n) => batches.push(n) });
  assert.deepEqual(batches.slice(4), [2, 2], "one batch per layout (1 block, 2 blocks)");
  assert.deepEqual(batched, answers);
});

Deno.test("answerAll() batches masked RoI requests by how many tokens they keep, answers in request order", async () => {
  const rng = new Rng(4);
  const N = model.counts.tokens;
  const masked = (kept: number) => ({
    pixels: randomPixels(rng, 16),
    keep: Uint8Array.from({ length: N }, (_, j) => (j < kept ? 1 : 0)),
  });
  const keptCounts = [9, 2, null, 8, 3];
  const requests = keptCounts.map((k) => ({
    question: "what code ?",
    blocks: [{ pixels: randomPixels(rng, 16) }, k === null ? { pixels: randomPixels(rng, 16) } : masked(k)],
  }));
  const seen: (number | null)[][] = [];
  const spy = Object.create(model) as typeof model;
  spy.generate = (prompts, options) => {
    seen.push(prompts.map((p) => p.blocks[1]!.keep?.reduce((a, k) => a + k, 0) ?? null));
    return model.generate(prompts, options);
  };
  const answers = await answerAll(spy, requests, { batchSize: 2, maxNewTokens: 3 });
  assert.deepEqual(seen, [[2, 3], [8, 9], [null]]);
  for (let i = 0; i < requests.length; i++) {
    const [direct] = await model.generate([requests[i]!], { maxNewTokens: 3 });
    assert.equal(answers[i], direct!.answer, `request ${i}`);
  }
});

import assert from "node:assert/strict";
import { tinyModel } from "./test_helpers.ts";
import { pretrainBatch, type PretrainBatchSpec } from "./pretrain_batch.ts";
import { gridOf } from "./config.ts";
import { DEFAULT_CROP_MIX } from "./crop_plan.ts";

const { config, tokenizer } = tinyModel();

function spec(step: number, extra: Partial<PretrainBatchSpec> = {}): PretrainBatchSpec {
  return {
    seed: 4,
    step,
    batchSize: 3,
    suites: ["train-scenes", "train-covers"],
    mix: DEFAULT_CROP_MIX,
    shards: 1,
    align: { start: 0, end: 0 },
    totalSteps: 100,
    ...extra,
  };
}

Deno.test("pretrainBatch() is a pure function of (seed, step)", async () => {
  const a = await pretrainBatch(tokenizer, config, spec(7));
  const b = await pretrainBatch(tokenizer, config, spec(7));
  assert.equal(a.kind, b.kind);
  assert.deepEqual(a.shards[0]!.ids, b.shards[0]!.ids);
  assert.deepEqual(a.shards[0]!.patches, b.shards[0]!.patches);
});

Deno.test("stepOffset k makes step s the data of step s + k (a continuation sees new samples)", async () => {
  const shifted = await pretrainBatch(tokenizer, config, spec(2, { stepOffset: 5 }));
  const same = await pretrainBatch(tokenizer, config, spec(7));
  const replay = await pretrainBatch(tokenizer, config, spec(2));
  assert.equal(shifted.kind, same.kind);
  assert.deepEqual(shifted.shards[0]!.ids, same.shards[0]!.ids);
  assert.deepEqual(shifted.shards[0]!.patches, same.shards[0]!.patches);
  assert.notDeepEqual(shifted.shards[0]!.patches, replay.shards[0]!.patches);
});

Deno.test("align.choice reaches the alignment samples: share 1 makes every one multiple-choice", async () => {
  const which = tokenizer.encode("which")[0]!;
  const count = async (choice: number | undefined) => {
    const align = choice === undefined ? { start: 1, end: 1 } : { start: 1, end: 1, choice };
    const batch = await pretrainBatch(tokenizer, config, spec(3, { align, batchSize: 8 }));
    assert.equal(batch.kind, "align");
    return Array.from(batch.shards[0]!.ids).filter((id) => id === which).length;
  };
  assert.equal(await count(1), 8);
  assert.equal(await count(undefined), 0);
  assert.equal(await count(0), 0);
});

Deno.test("drills: a drill step is text-only; without drills the same step is unchanged", async () => {
  const plain = await pretrainBatch(tokenizer, config, spec(6));
  const none = await pretrainBatch(tokenizer, config, spec(6, { drills: { start: 0, end: 0 } }));
  assert.equal(none.kind, plain.kind);
  assert.deepEqual(none.shards[0]!.ids, plain.shards[0]!.ids);
  const drill = await pretrainBatch(tokenizer, config, spec(6, { drills: { start: 1, end: 1 } }));
  assert.equal(drill.kind, "drill");
  assert.deepEqual(drill.shards[0]!.patches, []);
  assert.equal(drill.shards[0]!.ids.filter((id) => id === tokenizer.special("<img>")).length, 0);
});

Deno.test("ground: a grounding step asks for the cell of a named object; without it the step is unchanged", async () => {
  const plain = await pretrainBatch(tokenizer, config, spec(6));
  const none = await pretrainBatch(tokenizer, config, spec(6, { ground: { start: 0, end: 0 } }));
  assert.equal(none.kind, plain.kind);
  assert.deepEqual(none.shards[0]!.ids, plain.shards[0]!.ids);
  assert.deepEqual(none.shards[0]!.patches, plain.shards[0]!.patches);
  const ground = await pretrainBatch(
    tokenizer,
    config,
    spec(6, { ground: { start: 1, end: 1 }, batchSize: 4 }),
  );
  assert.equal(ground.kind, "ground");
  const ids = Array.from(ground.shards[0]!.ids);
  // One image block per question (the whole view: G² image tokens, no crop) and the question's words.
  const { grid } = gridOf(config);
  assert.equal(ids.filter((id) => id === tokenizer.special("<img>")).length, 4 * grid * grid);
  assert.equal(ids.filter((id) => id === tokenizer.special("<crop>")).length, 0);
  assert.equal(ids.filter((id) => id === tokenizer.encode("box")[0]!).length, 4);
  // Drills, when both are asked for, are drawn first.
  const both = await pretrainBatch(
    tokenizer,
    config,
    spec(6, { ground: { start: 1, end: 1 }, drills: { start: 1, end: 1 } }),
  );
  assert.equal(both.kind, "drill");
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../engine/backend.ts";
import { Rng } from "../../engine/rng.ts";
import { gradsByName } from "../../engine/variables.ts";
import { GradPool } from "./grad_pool.ts";
import { answerLossSum } from "./loss.ts";
import { importParams, initTensors } from "./params.ts";
import { buildSequences } from "./sequence.ts";
import { someItems, tinyModel } from "./test_helpers.ts";

await initBackend("cpu");
const { config, tokenizer } = tinyModel();
// The workers start from one set of weights and are sent another: a step must use the weights it is sent.
const initial = initTensors(config, new Rng(3));
const current = initTensors(config, new Rng(5));
const flat = Object.fromEntries(Object.entries(current).map(([k, t]) => [k, t.data]));
const items = someItems(tokenizer, 16, 1);
const whole = buildSequences(tokenizer, config, items);
const shards = [
  buildSequences(tokenizer, config, items.slice(0, 2)),
  buildSequences(tokenizer, config, items.slice(2)),
];

/** Gradient of the summed answer loss of the whole batch in this process. */
async function reference(names?: string[]) {
  const params = importParams(config, current, "reference");
  const vars = Object.fromEntries((names ?? Object.keys(params)).map((n) => [n, params[n]!]));
  let count = 0;
  const { value, grads } = gradsByName(() => {
    const r = answerLossSum(params, config, whole);
    count = r.count;
    return r.loss;
  }, vars);
  const out: Record<string, Float32Array> = {};
  for (const [k, g] of Object.entries(grads)) out[k] = (await g.data()) as Float32Array;
  const loss = (await value.data())[0]!;
  tf.dispose([value, ...Object.values(grads), ...Object.values(params)]);
  return { grads: out, loss, count };
}

function assertNear(actual: Float32Array, expected: Float32Array, name: string): void {
  assert.equal(actual.length, expected.length, name);
  let scale = 0;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < actual.length; i++) {
    assert.ok(
      Math.abs(actual[i]! - expected[i]!) <= 1e-4 * scale + 1e-7,
      `${name}[${i}] ${actual[i]} vs ${expected[i]}`,
    );
  }
}

Deno.test("GradPool of 2 workers sums shard gradients to the single-process gradient of the whole batch", async () => {
  const pool = await GradPool.create(2, "cpu", config, initial);
  try {
    assert.equal(pool.size, 2);
    const got = await pool.step(flat, shards);
    const ref = await reference();
    assert.deepEqual(Object.keys(got.grads).sort(), Object.keys(ref.grads).sort());
    for (const [name, g] of Object.entries(ref.grads)) assertNear(got.grads[name]!, g, name);
    assert.equal(got.count, ref.count);
    assert.ok(Math.abs(got.lossSum - ref.loss) <= 1e-4 * ref.loss, `${got.lossSum} vs ${ref.loss}`);
    assert.equal(got.seconds.length, 2);
    assert.ok(got.seconds.every((s) => s > 0));

    // Only the trainable names come back.
    const names = ["lm.head", "vit.stem.w"].filter((n) => n in flat);
    assert.equal(names.length, 2);
    const part = await pool.step(flat, shards, names);
    assert.deepEqual(Object.keys(part.grads).sort(), names.sort());
    for (const name of names) assertNear(part.grads[name]!, ref.grads[name]!, name);
  } finally {
    pool.close();
  }
  assert.equal(pool.size, 0);
});

Deno.test("GradPool.step() refuses a shard count other than its size", async () => {
  const pool = await GradPool.create(2, "cpu", config, initial);
  try {
    await assert.rejects(pool.step(flat, [whole]), {
      message: 'Gradient pool has 2 workers but got "1" shards',
    });
  } finally {
    pool.close();
  }
});

Deno.test("GradPool.step() passes a worker's error on, and the worker keeps serving", async () => {
  const pool = await GradPool.create(1, "cpu", config, initial);
  try {
    await assert.rejects(pool.step({ ...flat, nope: new Float32Array(1) }, [whole]), {
      message: 'Worker has no parameter "nope"',
    });
    const r = await pool.step(flat, [whole]);
    assert.equal(r.count, (await reference(["lm.head"])).count);
  } finally {
    pool.close();
  }
});

Deno.test("GradPool.create() rejects weights that do not match the config", async () => {
  const bad = { ...initial };
  delete bad["lm.head"];
  await assert.rejects(GradPool.create(1, "cpu", config, bad), {
    message: 'Cannot load checkpoint "worker init": tensor "lm.head" is missing',
  });
});

Deno.test("a gradient worker asked for a step before init replies with an error", async () => {
  const worker = new Worker(new URL("./grad_worker.ts", import.meta.url), { type: "module" });
  try {
    const reply = await new Promise<unknown>((resolve) => {
      worker.onmessage = (e) => resolve(e.data);
      worker.postMessage({ type: "step", params: {}, seq: whole });
    });
    assert.deepEqual(reply, { type: "error", message: "Worker received a step before init" });
  } finally {
    worker.terminate();
  }
});

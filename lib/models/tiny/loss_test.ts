import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { answerLossSum } from "./loss.ts";
import { initParams } from "./params.ts";
import { buildSequences } from "./sequence.ts";
import { Rng, someItems, tinyModel } from "./test_helpers.ts";

Deno.test("answerLossSum() is count · ln V when the head gives every token the same logit", async () => {
  const { config, tokenizer } = tinyModel();
  const params = initParams(config, new Rng(0));
  try {
    params["lm.head"]!.assign(tf.zerosLike(params["lm.head"]!));
    const items = someItems(tokenizer, 16, 1);
    const seq = buildSequences(tokenizer, config, items);
    const { loss, count } = answerLossSum(params, config, seq);
    // Answer tokens plus one <eos> per item carry the loss; the prompt carries none.
    const expected = items.reduce((a, it) => a + it.answer!.length + 1, 0);
    assert.equal(count, expected);
    const value = (await loss.data())[0]!;
    const golden = expected * Math.log(config.vocabSize);
    assert.ok(Math.abs(value - golden) < 1e-3 * golden, `${value} vs ${golden}`);
    loss.dispose();
  } finally {
    Object.values(params).forEach((p) => p.dispose());
  }
});

Deno.test("answerLossSum() of two shards adds up to the loss of the whole batch", () => {
  const { config, tokenizer } = tinyModel();
  const params = initParams(config, new Rng(1));
  try {
    const items = someItems(tokenizer, 16, 1);
    const whole = answerLossSum(params, config, buildSequences(tokenizer, config, items));
    const a = answerLossSum(params, config, buildSequences(tokenizer, config, items.slice(0, 1)));
    const b = answerLossSum(params, config, buildSequences(tokenizer, config, items.slice(1)));
    assert.equal(a.count + b.count, whole.count);
    const [w, x, y] = [whole, a, b].map((r) => r.loss.dataSync()[0]!);
    assert.ok(Math.abs(w! - (x! + y!)) < 1e-3 * w!, `${w} vs ${x} + ${y}`);
    [whole, a, b].forEach((r) => r.loss.dispose());
  } finally {
    Object.values(params).forEach((p) => p.dispose());
  }
});

Deno.test("answerLossSum() refuses a batch without answer tokens", () => {
  const { config, tokenizer } = tinyModel();
  const params = initParams(config, new Rng(2));
  try {
    const seq = buildSequences(tokenizer, config, someItems(tokenizer, 16, 1, false));
    assert.throws(() => answerLossSum(params, config, seq), {
      message: "Cannot compute the answer loss of a batch without answers",
    });
  } finally {
    Object.values(params).forEach((p) => p.dispose());
  }
});

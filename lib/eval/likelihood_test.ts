import assert from "node:assert/strict";
import { initBackend } from "../engine/backend.ts";
import type { AnsweredPrompt, Mllm } from "../model/mllm.ts";
import { sharpenDecoder, somePrompts, tinyTestModel } from "../../tests/fixtures/tiny_model.ts";
import {
  bestCandidate,
  candidatesOf,
  hasLikelihoodScoring,
  optionLogLikelihoods,
  predictionOf,
  questionsLogLikelihoods,
} from "./likelihood.ts";

await initBackend("wasm");
const model = tinyTestModel(21, sharpenDecoder(10));
const [prompt, other] = somePrompts(16, 1);

/**
 * A model whose answer log-probabilities are fixed by hand: token i of answer `a` scores −(i + 1)/10 per
 * character of `a` ("ab" → [−0.2, −0.4, −0.6]: two answer tokens and the end token). Records call sizes.
 */
function fakeModel(maxBatch: number, calls: number[]): Mllm {
  return {
    maxBatch,
    answerLogProbs(prompts: readonly AnsweredPrompt[]): Promise<Float32Array[]> {
      calls.push(prompts.length);
      return Promise.resolve(prompts.map((p) => {
        const text = String(p.answer);
        return Float32Array.from({ length: text.length + 1 }, (_, i) => (-(i + 1) * text.length) / 10);
      }));
    },
  } as unknown as Mllm;
}

Deno.test("optionLogLikelihoods() sums each candidate's token log-probabilities including the end token", async () => {
  const calls: number[] = [];
  const got = await optionLogLikelihoods(fakeModel(8, calls), prompt!, ["ab", "c", "def"]);
  // "ab": −0.2 −0.4 −0.6; "c": −0.1 −0.2; "def": −0.3 −0.6 −0.9 −1.2 (float32 entries, summed in float64).
  const f = (x: number) => Math.fround(x);
  assert.deepEqual(got, [
    { sum: f(-0.2) + f(-0.4) + f(-0.6), tokens: 3 },
    { sum: f(-0.1) + f(-0.2), tokens: 2 },
    { sum: f(-0.3) + f(-0.6) + f(-0.9) + f(-1.2), tokens: 4 },
  ]);
  assert.deepEqual(calls, [3], "every candidate in one batched pass");
});

Deno.test("questionsLogLikelihoods() splits a batch above maxBatch and keeps each question's candidates", async () => {
  const calls: number[] = [];
  const got = await questionsLogLikelihoods(fakeModel(2, calls), [
    { prompt: prompt!, candidates: ["ab", "c", "def"] },
    { prompt: other!, candidates: ["yes", "no"] },
  ]);
  assert.deepEqual(calls, [2, 2, 1]);
  assert.deepEqual(got.map((q) => q.map((c) => c.tokens)), [[3, 2, 4], [4, 3]]);
});

Deno.test("optionLogLikelihoods() on the tiny model: <eos> is scored, and a candidate scores as it does alone", async () => {
  const candidates = ["K3", "yes", "650"];
  const got = await optionLogLikelihoods(model, prompt!, candidates);
  // Tokens: "K3" = K, 3, <eos>; "yes" = yes, <eos>; "650" = 6, 5, 0, <eos>.
  assert.deepEqual(got.map((c) => c.tokens), [3, 2, 4]);
  for (let i = 0; i < candidates.length; i++) {
    const [alone] = await model.answerLogProbs([{ ...prompt!, answer: candidates[i]! }]);
    const sum = alone!.reduce((a, x) => a + x, 0);
    assert.ok(Math.abs(got[i]!.sum - sum) < 1e-4, `candidate ${i}: ${got[i]!.sum} vs ${sum} alone`);
    assert.ok(got[i]!.sum < 0);
  }
  // The end token carries probability mass of its own: leaving it out changes the score.
  const [yes] = await model.answerLogProbs([{ ...prompt!, answer: "yes" }]);
  assert.ok(Math.abs(got[1]!.sum - yes![0]!) > 1e-6);
});

Deno.test("optionLogLikelihoods() rejects an empty list, an empty candidate and an unknown token", async () => {
  await assert.rejects(() => optionLogLikelihoods(model, prompt!, []), {
    message:
      'Cannot rank the answers of question "what code is on the red circle ?": the candidate list is empty',
  });
  await assert.rejects(() => optionLogLikelihoods(model, prompt!, ["yes", " "]), {
    message: 'Cannot rank the answers of question "what code is on the red circle ?": candidate 1 is empty',
  });
  await assert.rejects(() => optionLogLikelihoods(model, prompt!, ["yes", "K#"]), {
    message: 'Cannot tokenize "K#": piece "K#" is neither a word nor a code',
  });
});

Deno.test("bestCandidate() ranks by mean token log-probability, first on a tie", () => {
  // Mean −1 beats mean −2, though the sum (−3 vs −2) would prefer the second.
  assert.equal(bestCandidate([{ sum: -3, tokens: 3 }, { sum: -2, tokens: 1 }]), 0);
  assert.equal(bestCandidate([{ sum: -4, tokens: 2 }, { sum: -1, tokens: 2 }, { sum: -3, tokens: 2 }]), 1);
  // Ties (equal means) → the first of them.
  assert.equal(bestCandidate([{ sum: -2, tokens: 1 }, { sum: -1, tokens: 1 }, { sum: -2, tokens: 2 }]), 1);
  assert.equal(bestCandidate([{ sum: -1, tokens: 1 }, { sum: -2, tokens: 2 }]), 0);
  assert.throws(() => bestCandidate([]), { message: "Cannot pick the best of no candidates" });
});

Deno.test("candidatesOf() and predictionOf(): option contents → letters, yes/no → yes/no", () => {
  assert.deepEqual(candidatesOf("choice", ["red", "blue", "green"]), ["red", "blue", "green"]);
  assert.deepEqual(candidatesOf("yesno", undefined), ["yes", "no"]);
  assert.equal(predictionOf("choice", 0), "A");
  assert.equal(predictionOf("choice", 3), "D");
  assert.equal(predictionOf("yesno", 0), "yes");
  assert.equal(predictionOf("yesno", 1), "no");
  assert.throws(() => candidatesOf("choice", undefined), {
    message: 'Cannot rank the options of a "choice" question without options',
  });
  assert.throws(() => predictionOf("choice", 4), { message: 'Option index "4" has no letter' });
  assert.ok(hasLikelihoodScoring("choice") && hasLikelihoodScoring("yesno"));
  assert.ok(
    !hasLikelihoodScoring("vqa") && !hasLikelihoodScoring("anls") && !hasLikelihoodScoring("relaxed"),
  );
});

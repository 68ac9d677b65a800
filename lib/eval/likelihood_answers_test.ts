import assert from "node:assert/strict";
import type { AnsweredPrompt, Mllm } from "../model/mllm.ts";
import { likelihoodAnswerAll } from "./likelihood_answers.ts";

/**
 * A model that likes the candidate its question names ("pick blue" → "blue": log-prob 0 per token, every
 * other candidate −1 per token), and records each call's rows as "question/answer/blocks".
 */
function fakeModel(calls: string[][]): Mllm {
  return {
    maxBatch: 64,
    answerLogProbs(prompts: readonly AnsweredPrompt[]): Promise<Float32Array[]> {
      calls.push(prompts.map((p) => `${p.question}/${String(p.answer)}/${p.blocks.length}`));
      return Promise.resolve(prompts.map((p) => {
        const liked = p.question.split(" ")[1] === p.answer;
        return new Float32Array(2).fill(liked ? 0 : -1);
      }));
    },
  } as unknown as Mllm;
}

const block = { pixels: new Float32Array(3) };
const request = (question: string, blocks: number) => ({
  question,
  blocks: Array.from({ length: blocks }, () => block),
});

Deno.test("likelihoodAnswerAll() answers choice questions with the letter of the liked option, in request order", async () => {
  const calls: string[][] = [];
  const requests = [request("pick blue", 1), request("pick red", 2), request("pick green", 1)];
  const options = ["red", "blue", "green"];
  const got = await likelihoodAnswerAll(
    fakeModel(calls),
    "choice",
    requests,
    requests.map(() => ({ options })),
    {
      batchSize: 6,
    },
  );
  assert.deepEqual(got, ["B", "A", "C"]);
  // One-block questions together (6 rows fit), then the two-block one: a batch shares one layout.
  assert.deepEqual(calls.map((c) => c.length), [6, 3]);
  assert.deepEqual(calls[1], ["pick red/red/2", "pick red/blue/2", "pick red/green/2"]);
});

Deno.test("likelihoodAnswerAll() never splits a question's candidates and reports questions per batch", async () => {
  const calls: string[][] = [];
  const batches: number[] = [];
  const requests = [request("pick yes", 1), request("pick no", 1), request("pick no", 1)];
  const got = await likelihoodAnswerAll(fakeModel(calls), "yesno", requests, requests.map(() => ({})), {
    batchSize: 3,
    onBatch: (n) => batches.push(n),
  });
  assert.deepEqual(got, ["yes", "no", "no"]);
  assert.deepEqual(calls.map((c) => c.length), [2, 2, 2]);
  assert.deepEqual(batches, [1, 1, 1]);
  // A batch smaller than one question still scores that question whole.
  const one = await likelihoodAnswerAll(fakeModel(calls), "yesno", requests.slice(0, 1), [{}], {
    batchSize: 1,
  });
  assert.deepEqual(one, ["yes"]);
  assert.deepEqual(calls.at(-1), ["pick yes/yes/1", "pick yes/no/1"]);
});

Deno.test("likelihoodAnswerAll() rejects a sample count that does not match the requests", async () => {
  await assert.rejects(() => likelihoodAnswerAll(fakeModel([]), "yesno", [request("pick yes", 1)], []), {
    message: "Got 0 samples for 1 questions",
  });
});

import * as tf from "@tensorflow/tfjs";
import type { Mllm, PrefixRow, VisualBlock } from "../model/mllm.ts";

/** One question to answer, with its visual blocks (block 0 = the whole image). */
export interface AnswerRequest {
  question: string;
  blocks: VisualBlock[];
  /**
   * Stage-1 state of this question's [system, image] prefix (SD-RPN two-stage inference): the prefill
   * starts from it instead of recomputing it. Same answers (`Mllm.prefill`).
   */
  prefix?: PrefixRow;
}

export interface AnswerOptions {
  batchSize?: number;
  maxNewTokens?: number;
  /** Called after each batch with the number of requests it answered. */
  onBatch?: (n: number) => void;
}

/**
 * Greedy answers for many requests, batched. Requests are grouped by their number of visual blocks
 * (a batch shares one layout) and by whether they carry a prefix state; answers come back in request order.
 */
export async function answerAll(
  model: Mllm,
  requests: AnswerRequest[],
  options: AnswerOptions = {},
): Promise<string[]> {
  const batchSize = options.batchSize ?? 32;
  const maxNewTokens = options.maxNewTokens ?? 6;
  const answers: string[] = new Array(requests.length).fill("");
  const groups = new Map<string, number[]>();
  requests.forEach((r, i) => {
    const key = `${r.blocks.length}/${r.prefix ? r.prefix.depth : "-"}`;
    const g = groups.get(key) ?? [];
    g.push(i);
    groups.set(key, g);
  });
  const size = Math.min(batchSize, model.maxBatch);
  for (const group of groups.values()) {
    // Fewest visual tokens first (stable): masked RoI blocks of similar size share a batch, whose RoI
    // block is as long as its longest row's (a model that drops masked tokens then computes fewer).
    const indices = group.map((i) => [i, visualTokens(requests[i]!, model.counts.tokens)] as const).sort((
      a,
      b,
    ) => a[1] - b[1])
      .map(([i]) => i);
    for (let s = 0; s < indices.length; s += size) {
      const chunk = indices.slice(s, s + size);
      const prefixes = chunk.map((i) => requests[i]!.prefix).filter((p) => p !== undefined);
      const gen = await model.generate(
        chunk.map((i) => ({ question: requests[i]!.question, blocks: requests[i]!.blocks })),
        { maxNewTokens, ...(prefixes.length > 0 ? { prefixes } : {}) },
      );
      chunk.forEach((i, b) => (answers[i] = gen[b]!.answer));
      options.onBatch?.(chunk.length);
    }
  }
  if (tf.memory().numTensors > 10_000) throw new Error(`Tensor leak: ${tf.memory().numTensors} live tensors`);
  return answers;
}

/** Visual tokens a request's blocks hold: each block's kept tokens, or all N. */
function visualTokens(request: AnswerRequest, n: number): number {
  let total = 0;
  for (const b of request.blocks) total += b.keep ? b.keep.reduce((a, k) => a + k, 0) : n;
  return total;
}

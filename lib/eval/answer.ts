import * as tf from "@tensorflow/tfjs";
import type { ModelConfig } from "../model/config.ts";
import { generate } from "../model/generate.ts";
import type { Params } from "../model/params.ts";
import { disposePrefix, type PrefixRow, stackPrefix } from "../model/prefix.ts";
import { buildSequences, type VisualBlock } from "../model/sequence.ts";
import type { Tokenizer } from "../model/tokenizer.ts";

/** A model ready for inference. */
export interface Mllm {
  config: ModelConfig;
  tokenizer: Tokenizer;
  params: Params;
}

/** One question to answer, with its visual blocks (block 0 = the whole image). */
export interface AnswerRequest {
  question: string;
  blocks: VisualBlock[];
  /**
   * Stage-1 state of this question's [system, image] prefix (SD-RPN two-stage inference): the prefill
   * starts from it instead of recomputing it. Same answers; lib/model/prefix.ts.
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
  const eos = model.tokenizer.special("<eos>");
  for (const indices of groups.values()) {
    for (let s = 0; s < indices.length; s += batchSize) {
      const chunk = indices.slice(s, s + batchSize);
      const seq = buildSequences(
        model.tokenizer,
        model.config,
        chunk.map((i) => ({
          question: model.tokenizer.encode(requests[i]!.question),
          blocks: requests[i]!.blocks,
        })),
      );
      const rows = chunk.map((i) => requests[i]!.prefix).filter((p) => p !== undefined);
      const prefix = rows.length > 0 ? stackPrefix(model.config, rows) : undefined;
      const gen = await generate(model.params, model.config, seq, {
        maxNewTokens,
        eosId: eos,
        ...(prefix ? { prefix } : {}),
      }).finally(() => prefix && disposePrefix(prefix));
      chunk.forEach((i, b) => (answers[i] = model.tokenizer.decode(gen.tokens[b]!)));
      options.onBatch?.(chunk.length);
    }
  }
  if (tf.memory().numTensors > 10_000) throw new Error(`Tensor leak: ${tf.memory().numTensors} live tensors`);
  return answers;
}

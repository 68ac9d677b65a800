import type { Mllm } from "../model/mllm.ts";
import type { AnswerRequest } from "./answer.ts";
import {
  bestCandidate,
  type CandidateQuestion,
  candidatesOf,
  type LikelihoodFamily,
  predictionOf,
  questionsLogLikelihoods,
} from "./likelihood.ts";

export interface LikelihoodAnswerOptions {
  /** Teacher-forced rows (question × candidate) per batch; a question's candidates are never split. */
  batchSize?: number;
  /** Called after each batch with the number of questions it scored. */
  onBatch?: (n: number) => void;
}

/**
 * Option-likelihood predictions (lib/eval/likelihood.ts) for many questions of one metric family: per
 * request, the option letter ("choice") or "yes"/"no" ("yesno") whose content the model finds most likely
 * after the request's prompt — the same prompt and blocks that generation answers. Questions are grouped
 * by their number of visual blocks (a batch shares one layout); a request's prefix state is not used
 * (teacher forcing recomputes the prefix: same numbers). Predictions come back in request order.
 */
export async function likelihoodAnswerAll(
  model: Mllm,
  family: LikelihoodFamily,
  requests: readonly AnswerRequest[],
  samples: readonly { options?: readonly string[] }[],
  options: LikelihoodAnswerOptions = {},
): Promise<string[]> {
  if (samples.length !== requests.length) {
    throw new Error(`Got ${samples.length} samples for ${requests.length} questions`);
  }
  const batchSize = options.batchSize ?? 32;
  const questions: CandidateQuestion[] = requests.map((r, i) => ({
    prompt: { question: r.question, blocks: r.blocks },
    candidates: candidatesOf(family, samples[i]!.options),
  }));
  const groups = new Map<number, number[]>();
  requests.forEach((r, i) => groups.set(r.blocks.length, [...groups.get(r.blocks.length) ?? [], i]));
  const predictions: string[] = new Array(requests.length).fill("");
  for (const group of groups.values()) {
    let s = 0;
    while (s < group.length) {
      // Whole questions up to `batchSize` rows (at least one question).
      let e = s + 1;
      let rows = questions[group[s]!]!.candidates.length;
      while (e < group.length && rows + questions[group[e]!]!.candidates.length <= batchSize) {
        rows += questions[group[e]!]!.candidates.length;
        e++;
      }
      const chunk = group.slice(s, e);
      const scores = await questionsLogLikelihoods(model, chunk.map((i) => questions[i]!));
      chunk.forEach((i, k) => (predictions[i] = predictionOf(family, bestCandidate(scores[k]!))));
      options.onBatch?.(chunk.length);
      s = e;
    }
  }
  return predictions;
}

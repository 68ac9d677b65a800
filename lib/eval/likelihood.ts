/**
 * Option-likelihood scoring: the V* benchmark's protocol for open models, a second way to score
 * multiple-choice and yes/no questions besides the greedily generated answer.
 *
 * V* bench (penghao-wu/vstar, vstar_bench_eval.py `multiple_choices_inference`) appends each option's
 * text as the assistant's reply to the prompt (so the reply ends with the template's `</s>`), computes the
 * cross-entropy of those reply tokens under teacher forcing with torch's `CrossEntropyLoss()` — default
 * reduction "mean", i.e. the MEAN token negative log-likelihood — and picks the option with the smallest
 * loss (`argmin`, the first on a tie). Here the candidates are fed in exactly the position a generated
 * answer takes (right after the prompt's last token, `Mllm.answerLogProbs`), with the model's
 * end-of-answer token as the last scored token, and ranked by the same mean; `optionLogLikelihoods`
 * returns the sum and the token count, so a caller may rank by the sum instead.
 *
 * @module
 */
import { OPTION_LETTERS } from "../data/schema.ts";
import type { Mllm, Prompt } from "../model/mllm.ts";
import type { MetricFamily } from "./metrics.ts";

/** The log-likelihood of one candidate answer. */
export interface CandidateLogLikelihood {
  /** Sum of the natural-log probabilities of the candidate's tokens and of the end token after them. */
  sum: number;
  /** Tokens scored: the candidate's own and the end token. */
  tokens: number;
}

/** One question's prompt and the answers to rank for it. */
export interface CandidateQuestion {
  prompt: Prompt;
  candidates: readonly string[];
}

/**
 * Per candidate, the summed log-probability of its answer tokens INCLUDING the end-of-answer token
 * (`<eos>` / `</s>`) given `prompt`, from one teacher-forced pass over a batch holding every candidate
 * (split into `model.maxBatch`-row calls when it holds more). Throws for an empty candidate list or an
 * empty candidate; a candidate the model cannot tokenize fails with the model's own tokenizer error.
 */
export async function optionLogLikelihoods(
  model: Mllm,
  prompt: Prompt,
  candidates: readonly string[],
): Promise<CandidateLogLikelihood[]> {
  return (await questionsLogLikelihoods(model, [{ prompt, candidates }]))[0]!;
}

/**
 * `optionLogLikelihoods` for several questions sharing one layout (same number of visual blocks), all of
 * their candidates in one batch of `model.answerLogProbs` (several calls above `model.maxBatch` rows).
 */
export async function questionsLogLikelihoods(
  model: Mllm,
  questions: readonly CandidateQuestion[],
): Promise<CandidateLogLikelihood[][]> {
  const rows = questions.flatMap((q) => {
    if (q.candidates.length === 0) {
      throw new Error(
        `Cannot rank the answers of question "${q.prompt.question}": the candidate list is empty`,
      );
    }
    return q.candidates.map((answer, i) => {
      if (answer.trim() === "") {
        throw new Error(
          `Cannot rank the answers of question "${q.prompt.question}": candidate ${i} is empty`,
        );
      }
      return { question: q.prompt.question, blocks: q.prompt.blocks, answer };
    });
  });
  const size = Math.max(1, Math.min(rows.length, model.maxBatch));
  const logProbs: Float32Array[] = [];
  for (let s = 0; s < rows.length; s += size) {
    logProbs.push(...await model.answerLogProbs(rows.slice(s, s + size)));
  }
  let k = 0;
  return questions.map((q) =>
    q.candidates.map(() => {
      const lp = logProbs[k++]!;
      let sum = 0;
      for (const x of lp) sum += x;
      return { sum, tokens: lp.length };
    })
  );
}

/**
 * Index of the most likely candidate by MEAN token log-probability (V* bench's mean cross-entropy; a
 * longer candidate is not penalised for its length). Ties go to the FIRST candidate, as torch's argmin
 * does in V* bench.
 */
export function bestCandidate(scores: readonly CandidateLogLikelihood[]): number {
  if (scores.length === 0) throw new Error("Cannot pick the best of no candidates");
  let best = 0;
  let bestMean = -Infinity;
  scores.forEach((s, i) => {
    const mean = s.sum / s.tokens;
    if (mean > bestMean) {
      best = i;
      bestMean = mean;
    }
  });
  return best;
}

/** Metric families option-likelihood scoring applies to. */
export type LikelihoodFamily = Extract<MetricFamily, "choice" | "yesno">;

/** True for the families with a closed answer set (multiple choice, yes/no). */
export function hasLikelihoodScoring(family: MetricFamily): family is LikelihoodFamily {
  return family === "choice" || family === "yesno";
}

/** The answers to rank: a choice question's option contents, or "yes" and "no". */
export function candidatesOf(family: LikelihoodFamily, options: readonly string[] | undefined): string[] {
  if (family === "yesno") return ["yes", "no"];
  if (options === undefined || options.length === 0) {
    throw new Error(`Cannot rank the options of a "choice" question without options`);
  }
  return [...options];
}

/** The prediction for candidate `index`, as the suite's scorer reads it: an option letter, or yes/no. */
export function predictionOf(family: LikelihoodFamily, index: number): string {
  if (family === "yesno") return index === 0 ? "yes" : "no";
  const letter = OPTION_LETTERS[index];
  if (letter === undefined) throw new Error(`Option index "${index}" has no letter`);
  return letter;
}

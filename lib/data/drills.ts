/**
 * Language drills — the analogue of the LLM pretraining that LLaVA starts from (Vicuna already matches an
 * option to a letter and copies a word; our decoder starts from scratch and has to learn it somewhere).
 *
 * A drill writes the "visual content" of one object as words (a mark name, a mark pair, a code's characters)
 * before a testbed question about it, with no image at all:
 *
 *   ring which mark is on the red circle ? ( A ) bar ( B ) ring   →  B
 *
 * Why: after 4000 MLLM steps the model read marks on single objects (23/24) but still gave one letter to every
 * multiple-choice question and one answer to every yes/no question, and 400 steps of single-object
 * multiple-choice alignment batches (12 800 questions) left their loss at chance. Text-only, the same decoder
 * learned the matching within 2000 steps of batch 64 (548 s; spatial 55/62, yes/no on marks 49/53 on drills
 * of another stream — a small space, so partly memorised), but interleaved with image batches (pretraining
 * `drills`) it learned only the copying kinds in as many
 * steps (README "What pretraining measured"). The projector alignment (align_init.ts) maps a detail token onto
 * the embedding of its answer word, which is what could let a circuit learned on words apply to visual tokens.
 *
 * Same language as the suites (every word in VOCAB_WORDS). Not an evaluation suite; sample i depends only on
 * (seed, i).
 */
import { hashSeed, Rng } from "../engine/rng.ts";
import { MARK_NAMES } from "./font.ts";
import { COLOUR_NAMES, SHAPES } from "./raster.ts";
import {
  ALNUM,
  type Detail,
  markOptions,
  pairExcept,
  randomCode,
  sideQuestion,
  withOptions,
} from "./suites/common.ts";

/** Drill kinds: the question forms of the suites that need matching or copying. */
export const DRILL_KINDS = ["choice", "spatial", "yes-mark", "yes-code", "code", "mark"] as const;
export type DrillKind = typeof DRILL_KINDS[number];

export interface Drill {
  kind: DrillKind;
  /** The object's content as words: "ring", "ring bar" (left, right), "4 Z" (a code's characters). */
  content: string;
  question: string;
  answer: string;
}

/** Drill `index` for `seed`; kinds are equally likely. */
export function languageDrill(index: number, seed: number): Drill {
  const rng = new Rng(hashSeed(seed, `drill/${index}`));
  const ref = `the ${rng.pick(COLOUR_NAMES)} ${rng.pick(SHAPES)}`;
  const kind = rng.pick(DRILL_KINDS);
  const mark = rng.pick(MARK_NAMES);
  switch (kind) {
    case "choice": {
      const o = markOptions(rng, mark, [], rng.range(2, 4));
      return {
        kind,
        content: mark,
        question: withOptions(`which mark is on ${ref} ?`, o.options),
        answer: o.answer,
      };
    }
    case "spatial": {
      const pair = pairExcept(rng, []) as Extract<Detail, { kind: "pair" }>;
      const q = sideQuestion(rng, ref, pair);
      return { kind, content: `${pair.left} ${pair.right}`, question: q.question, answer: q.answer };
    }
    case "yes-mark": {
      const yes = rng.chance(0.5);
      const asked = yes ? mark : rng.pick(MARK_NAMES.filter((m) => m !== mark));
      return { kind, content: mark, question: `is there a ${asked} on ${ref} ?`, answer: yes ? "yes" : "no" };
    }
    case "yes-code": {
      const code = randomCode(rng, rng.range(1, 3));
      const yes = rng.chance(0.5);
      const asked = yes ? code[rng.int(code.length)]! : rng.pick([...ALNUM].filter((c) => !code.includes(c)));
      return {
        kind,
        content: spaced(code),
        question: `is there a ${asked} on ${ref} ?`,
        answer: yes ? "yes" : "no",
      };
    }
    case "code": {
      const code = randomCode(rng, rng.range(1, 3));
      return { kind, content: spaced(code), question: `what is written on ${ref} ?`, answer: code };
    }
    case "mark":
      return { kind, content: mark, question: `what mark is on ${ref} ?`, answer: mark };
  }
}

function spaced(code: string): string {
  return code.split("").join(" ");
}

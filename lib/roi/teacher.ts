import * as tf from "@tensorflow/tfjs";
import type { SampleMeta } from "../data/schema.ts";
import { scoreAnswer } from "../eval/metrics.ts";
import type { Box } from "../image/types.ts";
import type { Mllm, Prompt } from "../model/mllm.ts";
import { captureGenerated, captureTeacherForced } from "./attention.ts";
import { findSinkDims, normSinkScores } from "./sinks.ts";

/**
 * The teacher pass of SD-RPN (spec §0.1, §1, §2): the frozen MLLM answers a training question (greedily, or
 * teacher-forced with the ground truth), and what pseudo-labels are made from is recorded per sample:
 *   - per-head answer→image attention at the grounding layer (mean over the fed-back answer tokens);
 *   - the all-head answer→image attention at the early sink layer (attention-based sinks);
 *   - per image token, the largest |RMS-normalised hidden value| over the model's sink dimensions at the
 *     norm layer (norm-based sinks; the dims are found from the first batch's visual tokens).
 * Labels are derived from a record cheaply (see pseudo_labels.ts), so every label/sink variant of the
 * ablations reuses one teacher pass.
 */
export interface TeacherOptions {
  /** Grounding layer l_att. */
  layer: number;
  /** Early layer of the attention-based sink map. */
  sinkLayer: number;
  /** Decoder layer whose INPUT hidden states feed the norm-based sink test. */
  normLayer: number;
  answers: "generated" | "ground-truth";
  maxNewTokens: number;
}

export interface TeacherItem {
  sample: SampleMeta;
  /** Letterboxed whole image, [S, S, 3]. */
  pixels: Float32Array;
}

export interface TeacherRecord {
  id: string;
  suite: string;
  question: string;
  /** Canonical ground-truth answer. */
  gt: string;
  /** The answer whose tokens were the queries. */
  answer: string;
  /** Whether the self-generated answer scores 1 under the sample's metric (always true when teacher-forced). */
  correct: boolean;
  /** Number of query tokens (0 = one-token answer: no map, the sample is skipped). */
  queries: number;
  /** [H·N] per-head grounding maps. */
  perHead: number[];
  /** [N] all-head sink-layer map. */
  sinkMap: number[];
  /** [N] norm-based sink score. */
  normScore: number[];
  /** True target box (analysis only: fg precision of the labels; never used to make them). */
  box: Box;
}

/** Teacher records for a batch of items (all with the image block only). */
export async function teacherBatch(
  model: Mllm,
  items: TeacherItem[],
  options: TeacherOptions,
  sinkDims: number[],
): Promise<TeacherRecord[]> {
  const { tokens: n, heads: H } = model.counts;
  const prompts = promptsOf(items);
  const layers = [{ layer: options.layer }, { layer: options.sinkLayer }];
  const maps = options.answers === "generated"
    ? await captureGenerated(model, prompts, layers, { maxNewTokens: options.maxNewTokens })
    : await captureTeacherForced(
      model,
      prompts.map((p, b) => ({ ...p, answer: items[b]!.sample.answers[0]! })),
      layers,
    );
  const scores = normSinkScores(
    await imageHidden(model, prompts, options.normLayer),
    model.counts.hidden,
    sinkDims,
  );
  return items.map((it, b) => {
    const m = maps[b]!;
    const correct = options.answers === "ground-truth" ||
      scoreAnswer(it.sample.metric, m.answer, it.sample.answers, it.sample.options) === 1;
    return {
      id: it.sample.id,
      suite: it.sample.suite,
      question: it.sample.question,
      gt: it.sample.answers[0]!,
      answer: m.answer,
      correct,
      queries: m.queries,
      perHead: m.perHead[0] ? Array.from(m.perHead[0], round6) : new Array(H * n).fill(0),
      sinkMap: m.maps[1] ? Array.from(m.maps[1], round6) : new Array(n).fill(0),
      normScore: Array.from(scores.subarray(b * n, (b + 1) * n), round6),
      box: it.sample.box,
    };
  });
}

/** The teacher's prompts: the question with the whole image only. */
function promptsOf(items: readonly TeacherItem[]): Prompt[] {
  return items.map((it) => ({ question: it.sample.question, blocks: [{ pixels: it.pixels }] }));
}

/** Visual-token hidden states entering `normLayer` for the teacher's prompts of `items`: [B·N, d]. */
export async function teacherImageHidden(
  model: Mllm,
  items: readonly TeacherItem[],
  normLayer: number,
): Promise<Float32Array> {
  return await imageHidden(model, promptsOf(items), normLayer);
}

/** Visual-token hidden states entering `normLayer`: [B·N, d]. */
async function imageHidden(
  model: Mllm,
  prompts: readonly Prompt[],
  normLayer: number,
): Promise<Float32Array> {
  const { tokens: n, hidden: d } = model.counts;
  const h = tf.tidy(() => {
    const out = model.prefill(prompts, normLayer);
    return tf.slice(out.hidden, [0, out.layout.imageStart, 0], [out.layout.batch, n, d]);
  });
  const data = (await h.data()) as Float32Array;
  h.dispose();
  return data;
}

/** The model's sink dimensions from the visual tokens of some prompts (spec §2, norm-based). */
export async function discoverSinkDims(
  model: Mllm,
  items: TeacherItem[],
  normLayer: number,
): Promise<number[]> {
  return findSinkDims(await imageHidden(model, promptsOf(items), normLayer), model.counts.hidden);
}

function round6(x: number): number {
  return Number(x.toPrecision(6));
}

import * as tf from "@tensorflow/tfjs";
import type { SampleMeta } from "../data/schema.ts";
import { scoreAnswer } from "../eval/metrics.ts";
import type { Mllm } from "../eval/answer.ts";
import type { Box } from "../image/types.ts";
import { gridOf } from "../model/config.ts";
import { forward } from "../model/mllm.ts";
import { buildSequences, type VisualBlock } from "../model/sequence.ts";
import { captureGenerated, captureTeacherForced } from "./attention.ts";
import { findSinkDims, rmsNormalise } from "./sinks.ts";

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
  const { tokens: n } = gridOf(model.config);
  const H = model.config.heads;
  const seqItems = items.map((it) => ({
    question: model.tokenizer.encode(it.sample.question),
    blocks: [{ pixels: it.pixels } as VisualBlock],
  }));
  const layers = [{ layer: options.layer }, { layer: options.sinkLayer }];
  const maps = options.answers === "generated"
    ? await captureGenerated(model, seqItems, layers, { maxNewTokens: options.maxNewTokens })
    : await captureTeacherForced(
      model,
      seqItems.map((it, b) => ({ ...it, answer: model.tokenizer.encode(items[b]!.sample.answers[0]!) })),
      layers,
    );
  const scores = await normScores(model, seqItems, options.normLayer, sinkDims);
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

/** Visual-token hidden states entering `normLayer`: [B·N, d]. */
async function imageHidden(
  model: Mllm,
  items: { question: number[]; blocks: VisualBlock[] }[],
  normLayer: number,
): Promise<Float32Array> {
  const { tokens: n } = gridOf(model.config);
  const d = model.config.dim;
  const seq = buildSequences(model.tokenizer, model.config, items);
  const h = tf.tidy(() => {
    const out = normLayer === 0
      ? forward(model.params, model.config, seq, { upTo: 0, logits: false }).inputs
      : forward(model.params, model.config, seq, { upTo: normLayer, logits: false }).hidden;
    return tf.slice(out, [0, seq.visualStarts[0]!, 0], [seq.batch, n, d]);
  });
  const data = (await h.data()) as Float32Array;
  h.dispose();
  return data;
}

/** Per image token, max over sink dims of |rms(h)| ([B·N]); all zero when there are no sink dims. */
async function normScores(
  model: Mllm,
  items: { question: number[]; blocks: VisualBlock[] }[],
  normLayer: number,
  sinkDims: number[],
): Promise<Float64Array> {
  const d = model.config.dim;
  const hidden = await imageHidden(model, items, normLayer);
  const normed = rmsNormalise(hidden, d);
  const rows = hidden.length / d;
  const out = new Float64Array(rows);
  for (let t = 0; t < rows; t++) {
    let m = 0;
    for (const dim of sinkDims) m = Math.max(m, Math.abs(normed[t * d + dim]!));
    out[t] = m;
  }
  return out;
}

/** The model's sink dimensions from the visual tokens of some prompts (spec §2, norm-based). */
export async function discoverSinkDims(
  model: Mllm,
  items: TeacherItem[],
  normLayer: number,
): Promise<number[]> {
  const seqItems = items.map((it) => ({
    question: model.tokenizer.encode(it.sample.question),
    blocks: [{ pixels: it.pixels } as VisualBlock],
  }));
  return findSinkDims(await imageHidden(model, seqItems, normLayer), model.config.dim);
}

function round6(x: number): number {
  return Number(x.toPrecision(6));
}

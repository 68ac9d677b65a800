import * as tf from "@tensorflow/tfjs";
import type { Mllm } from "../eval/answer.ts";
import { gridOf } from "../model/config.ts";
import { generate } from "../model/generate.ts";
import { forward } from "../model/mllm.ts";
import { buildSequences, type SequenceItem } from "../model/sequence.ts";

/**
 * Answer→image attention (SD-RPN spec §1): for each fed-back answer token, its attention-probability row at a
 * layer, restricted to the N image columns; mean over answer tokens, then mean over the selected heads. No
 * renormalisation over image tokens: mass on system / question / answer columns is simply dropped.
 */
export interface AttentionMaps {
  /** Decoded answer (self-generated, or the given one when teacher-forced). */
  answer: string;
  /** Answer token ids (generated ones include the final <eos> when produced). */
  tokens: number[];
  /** Number of answer tokens used as queries (0 → no map: a one-token answer). */
  queries: number;
  /** Per requested layer: [N] map (mean over tokens and the layer's selected heads); null when queries = 0. */
  maps: (Float64Array | null)[];
  /** Per requested layer: [H, N] per-head maps (mean over tokens), for head analysis. */
  perHead: (Float64Array | null)[];
}

export interface LayerSpec {
  layer: number;
  /** Head indices to average; undefined = all heads. */
  heads?: number[];
}

/** Mean over queries then heads of rows [H, Tk] restricted to columns [start, start+N). */
export function aggregateRows(
  rows: Float32Array[],
  heads: number,
  keyLength: (row: Float32Array) => number,
  start: number,
  n: number,
  selected?: number[],
): { map: Float64Array; perHead: Float64Array } {
  const perHead = new Float64Array(heads * n);
  for (const row of rows) {
    const tk = keyLength(row);
    for (let h = 0; h < heads; h++) {
      for (let j = 0; j < n; j++) perHead[h * n + j]! += row[h * tk + start + j]! / rows.length;
    }
  }
  const hs = selected ?? Array.from({ length: heads }, (_, h) => h);
  for (const h of hs) {
    if (!(h >= 0 && h < heads)) throw new Error(`Head "${h}" does not exist (the model has ${heads} heads)`);
  }
  const map = new Float64Array(n);
  for (const h of hs) for (let j = 0; j < n; j++) map[j]! += perHead[h * n + j]! / hs.length;
  return { map, perHead };
}

/**
 * Self-generated answers with their attention maps: greedy decoding with the KV cache, capturing the
 * attention rows of every fed-back answer token at the requested layers. Items must share one layout
 * (same number of visual blocks); block 0 is the image whose columns are read.
 */
export async function captureGenerated(
  model: Mllm,
  items: SequenceItem[],
  layers: LayerSpec[],
  options: { maxNewTokens?: number } = {},
): Promise<AttentionMaps[]> {
  const { tokens: n } = gridOf(model.config);
  const seq = buildSequences(
    model.tokenizer,
    model.config,
    items.map((it) => ({ ...it, answer: undefined })),
  );
  const start = seq.visualStarts[0]!;
  const eos = model.tokenizer.special("<eos>");
  const gen = await generate(model.params, model.config, seq, {
    maxNewTokens: options.maxNewTokens ?? 6,
    eosId: eos,
    captureLayers: layers.map((l) => l.layer),
  });
  const H = model.config.heads;
  return items.map((_, b) => {
    const queries = gen.captured[0]?.[b]?.length ?? 0;
    const maps: (Float64Array | null)[] = [];
    const perHead: (Float64Array | null)[] = [];
    layers.forEach((spec, i) => {
      const rows = gen.captured[i]![b]!;
      if (rows.length === 0) {
        maps.push(null);
        perHead.push(null);
        return;
      }
      const r = aggregateRows(rows, H, (row) => row.length / H, start, n, spec.heads);
      maps.push(r.map);
      perHead.push(r.perHead);
    });
    return { answer: model.tokenizer.decode(gen.tokens[b]!), tokens: gen.tokens[b]!, queries, maps, perHead };
  });
}

/**
 * Teacher-forced variant: the ground-truth answer is fed instead of the model's own; the queries are the
 * same positions as in generation (answer tokens a0..a(k−1); <eos> is never a query).
 */
export async function captureTeacherForced(
  model: Mllm,
  items: (SequenceItem & { answer: number[] })[],
  layers: LayerSpec[],
): Promise<AttentionMaps[]> {
  const { tokens: n } = gridOf(model.config);
  const seq = buildSequences(model.tokenizer, model.config, items);
  const start = seq.visualStarts[0]!;
  const T = seq.length;
  const H = model.config.heads;
  const probs = tf.tidy(() => {
    const out = forward(model.params, model.config, seq, { captureAttention: true, logits: false });
    return layers.map((l) => out.attentions[l.layer]!);
  });
  const data = await Promise.all(probs.map(async (p) => (await p.data()) as Float32Array)); // each [B, H, T, T]
  tf.dispose(probs);
  return items.map((it, b) => {
    const k = it.answer.length;
    const maps: (Float64Array | null)[] = [];
    const perHead: (Float64Array | null)[] = [];
    layers.forEach((spec, i) => {
      if (k === 0) {
        maps.push(null);
        perHead.push(null);
        return;
      }
      const rows: Float32Array[] = [];
      for (let q = 0; q < k; q++) {
        const t = seq.promptEnd + 1 + q;
        const row = new Float32Array(H * T);
        for (let h = 0; h < H; h++) {
          const off = ((b * H + h) * T + t) * T;
          row.set(data[i]!.subarray(off, off + T), h * T);
        }
        rows.push(row);
      }
      const r = aggregateRows(rows, H, () => T, start, n, spec.heads);
      maps.push(r.map);
      perHead.push(r.perHead);
    });
    return { answer: model.tokenizer.decode(it.answer), tokens: it.answer, queries: k, maps, perHead };
  });
}

/** ViCrop's relative attention: map(question) ÷ map(generic prompt), elementwise, guarded against 0. */
export function relativeAttention(
  question: ArrayLike<number>,
  generic: ArrayLike<number>,
  eps = 1e-6,
): Float64Array {
  if (question.length !== generic.length) {
    throw new Error(`Cannot divide attention maps of lengths "${question.length}" and "${generic.length}"`);
  }
  const out = new Float64Array(question.length);
  for (let j = 0; j < out.length; j++) out[j] = question[j]! / (generic[j]! + eps);
  return out;
}

/** The generic prompt for relative attention, in the testbed's language ("describe the image" analogue). */
export const GENERIC_PROMPT = "what is there ?";

/** captureGenerated over many items in batches (items must share one layout). */
export async function captureAll(
  model: Mllm,
  items: SequenceItem[],
  layers: LayerSpec[],
  options: { maxNewTokens?: number; batchSize?: number } = {},
): Promise<AttentionMaps[]> {
  const bs = options.batchSize ?? 32;
  const out: AttentionMaps[] = [];
  for (let s = 0; s < items.length; s += bs) {
    out.push(...await captureGenerated(model, items.slice(s, s + bs), layers, options));
  }
  return out;
}

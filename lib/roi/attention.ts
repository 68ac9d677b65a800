import type { AnsweredPrompt, Generation, Mllm, PrefixRow, Prompt } from "../model/mllm.ts";

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
  /** With `keepPrefix`: the prompt's [system, image] prefix state after every layer (null: none kept). */
  prefix?: PrefixRow | null;
}

export interface LayerSpec {
  layer: number;
  /** Head indices to average; undefined = all heads. */
  heads?: number[];
}

/** Mean over queries then heads of [H·N] head-major rows (one per answer query). */
export function aggregateRows(
  rows: readonly Float32Array[],
  heads: number,
  n: number,
  selected?: readonly number[],
): { map: Float64Array; perHead: Float64Array } {
  const perHead = new Float64Array(heads * n);
  for (const row of rows) {
    if (row.length !== heads * n) {
      throw new Error(`Attention row has length "${row.length}", expected ${heads}·${n}`);
    }
    for (let h = 0; h < heads; h++) {
      for (let j = 0; j < n; j++) perHead[h * n + j]! += row[h * n + j]! / rows.length;
    }
  }
  return { map: headAverage(perHead, heads, n, selected), perHead };
}

/** Mean of [H·N] per-head maps over the selected heads (default all): the one head average of SD-RPN. */
export function headAverage(
  perHead: ArrayLike<number>,
  heads: number,
  n: number,
  selected?: readonly number[],
): Float64Array {
  const hs = selected ?? Array.from({ length: heads }, (_, h) => h);
  for (const h of hs) {
    if (!(Number.isInteger(h) && h >= 0 && h < heads)) {
      throw new Error(`Head "${h}" does not exist (the model has ${heads} heads)`);
    }
  }
  const map = new Float64Array(n);
  for (const h of hs) for (let j = 0; j < n; j++) map[j]! += perHead[h * n + j]! / hs.length;
  return map;
}

/** Per-layer maps of one answer from its queries' attention rows. */
function mapsOf(model: Mllm, gen: Generation, layers: readonly LayerSpec[]): AttentionMaps {
  const { heads: H } = model.counts;
  const n = model.counts.tokens;
  const maps: (Float64Array | null)[] = [];
  const perHead: (Float64Array | null)[] = [];
  layers.forEach((spec, i) => {
    const rows = gen.attention[i]!;
    if (rows.length === 0) {
      maps.push(null);
      perHead.push(null);
      return;
    }
    const r = aggregateRows(rows, H, n, spec.heads);
    maps.push(r.map);
    perHead.push(r.perHead);
  });
  return {
    answer: gen.answer,
    tokens: gen.tokens,
    queries: gen.attention[0]?.length ?? 0,
    maps,
    perHead,
    ...(gen.prefix !== undefined ? { prefix: gen.prefix } : {}),
  };
}

/**
 * Self-generated answers with their attention maps: greedy decoding with the KV cache, capturing the
 * attention rows of every fed-back answer token at the requested layers. Prompts must share one layout
 * (same number of visual blocks); block 0 is the image whose columns are read.
 */
export async function captureGenerated(
  model: Mllm,
  prompts: readonly Prompt[],
  layers: LayerSpec[],
  options: { maxNewTokens?: number; keepPrefix?: boolean } = {},
): Promise<AttentionMaps[]> {
  const gen = await model.generate(prompts, {
    maxNewTokens: options.maxNewTokens ?? 6,
    captureLayers: layers.map((l) => l.layer),
    ...(options.keepPrefix ? { keepPrefix: true } : {}),
  });
  return gen.map((g) => mapsOf(model, g, layers));
}

/**
 * Teacher-forced variant: the ground-truth answer is fed instead of the model's own; the queries are the
 * same positions as in generation (answer tokens a0..a(k−1); the end token is never a query).
 */
export async function captureTeacherForced(
  model: Mllm,
  prompts: readonly AnsweredPrompt[],
  layers: LayerSpec[],
): Promise<AttentionMaps[]> {
  const gen = await model.teacherForce(prompts, layers.map((l) => l.layer));
  return gen.map((g) => mapsOf(model, g, layers));
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
  items: readonly Prompt[],
  layers: LayerSpec[],
  options: { maxNewTokens?: number; batchSize?: number; keepPrefix?: boolean } = {},
): Promise<AttentionMaps[]> {
  const bs = Math.min(options.batchSize ?? 32, model.maxBatch);
  const out: AttentionMaps[] = [];
  for (let s = 0; s < items.length; s += bs) {
    out.push(...await captureGenerated(model, items.slice(s, s + bs), layers, options));
  }
  return out;
}

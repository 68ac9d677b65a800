import * as tf from "@tensorflow/tfjs";
import { linear, rmsNorm } from "../../engine/ops.ts";
import { letterboxGeometry, type LetterboxInfo } from "../../image/geometry.ts";
import { cropResize, letterbox } from "../../image/resize.ts";
import type { Box, RgbImage } from "../../image/types.ts";
import type {
  AnsweredPrompt,
  GenerateOptions,
  Generation,
  LayerContext,
  LayerPart,
  LayerWeights,
  Mllm,
  MllmCounts,
  Prefill,
  PrefixBatch,
  PrefixRow,
  Prompt,
  PromptTemplate,
  TokenLayout,
} from "../../model/mllm.ts";
import type { Params, TensorMap } from "../../model/tensors.ts";
import { gridOf, type ModelConfig } from "./config.ts";
import { decoderLayer, forward, type LayerMask, layerMask, ropeTables } from "./forward.ts";
import { generate } from "./generate.ts";
import {
  capturePrefix,
  disposePrefix,
  forwardFromPrefix,
  type PrefixRow as TinyPrefixRow,
  prefixRows,
  type PrefixState,
  repeatPrefix,
  stackPrefix,
} from "./prefix.ts";
import { buildSequences, type SequenceBatch, type SequenceItem, SYSTEM_LENGTH } from "./sequence.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** Leaf names of one decoder layer (`lm.layers.<l>.<leaf>`), in checkpoint order. */
const ALL_LEAVES = ["attnNorm", "wq", "wk", "wv", "wo", "mlpNorm", "w1", "w2"] as const;
const QUERY_KEY_LEAVES = ["attnNorm", "wq", "wk"] as const;

interface TinyContext extends LayerContext {
  rope: { cos: tf.Tensor4D; sin: tf.Tensor4D };
  mask: LayerMask;
}

/**
 * The embedded model behind the `Mllm` interface: letterboxed encoder input, the `<bos> <sys…> | image |
 * (<crop> roi)* | <q> question <a>` template (lib/models/tiny/sequence.ts), batched execution.
 */
export class TinyMllm implements Mllm {
  readonly family = "tiny";
  readonly counts: MllmCounts;
  readonly template: PromptTemplate = { imageStart: SYSTEM_LENGTH, questionExtra: 2 };
  readonly maxBatch = Number.POSITIVE_INFINITY;

  constructor(readonly config: ModelConfig, readonly tokenizer: Tokenizer, readonly params: Params) {
    const { grid, tokens } = gridOf(config);
    this.counts = {
      layers: config.layers,
      heads: config.heads,
      kvHeads: config.heads,
      headDim: config.headDim,
      hidden: config.dim,
      grid,
      tokens,
      encoderSize: config.imageSize,
    };
  }

  async encodeImage(image: RgbImage): Promise<Float32Array> {
    return (await letterbox(image, this.config.imageSize)).pixels;
  }

  imageGeometry(width: number, height: number): LetterboxInfo {
    return letterboxGeometry(width, height, this.config.imageSize);
  }

  encodeCrop(image: RgbImage, box: Box): Promise<Float32Array> {
    return cropResize(image, box, this.config.imageSize);
  }

  /** The batch layout of prompts (and answers, when given); RoI blocks hold their kept tokens only. */
  sequences(prompts: readonly (Prompt & { answer?: AnsweredPrompt["answer"] })[]): SequenceBatch {
    const items: SequenceItem[] = prompts.map((p) => ({
      question: this.tokenizer.encode(p.question),
      ...(p.answer !== undefined ? { answer: this.answerIds(p.answer) } : {}),
      blocks: p.blocks,
    }));
    return buildSequences(this.tokenizer, this.config, items, { dropMasked: true });
  }

  prefill(prompts: readonly Prompt[], depth: number, options: { keepPrefix?: boolean } = {}): Prefill {
    const seq = this.sequences(prompts);
    const keep = options.keepPrefix ?? false;
    const kept = tidy(() => {
      const out = forward(this.params, this.config, seq, { upTo: depth, logits: false, cache: keep });
      return { hidden: out.hidden, prefix: keep ? capturePrefix(this.config, seq, out) : null };
    });
    return { hidden: kept.hidden, layout: layoutOf(seq), prefix: kept.prefix };
  }

  async prefixRows(prefix: PrefixBatch): Promise<PrefixRow[]> {
    const state = prefix as PrefixState;
    const rows = await prefixRows(this.config, state);
    disposePrefix(state);
    return rows;
  }

  async generate(prompts: readonly Prompt[], options: GenerateOptions): Promise<Generation[]> {
    const seq = this.sequences(prompts);
    const capture = options.captureLayers ?? [];
    const rows = (options.prefixes ?? []) as readonly TinyPrefixRow[];
    const prefix = rows.length > 0 ? stackPrefix(this.config, rows) : undefined;
    const gen = await generate(this.params, this.config, seq, {
      maxNewTokens: options.maxNewTokens,
      eosId: this.tokenizer.special("<eos>"),
      captureLayers: [...capture],
      ...(prefix ? { prefix } : {}),
      keepPrefix: options.keepPrefix ?? false,
    }).finally(() => prefix && disposePrefix(prefix));
    const kept = gen.prefix ? await this.prefixRows(gen.prefix) : null;
    const start = seq.visualStarts[0]!;
    const H = this.config.heads;
    const n = this.counts.tokens;
    return prompts.map((_, b) => ({
      answer: this.tokenizer.decode(gen.tokens[b]!),
      tokens: gen.tokens[b]!,
      attention: capture.map((_, i) =>
        gen.captured[i]![b]!.map((row) => imageColumns(row, H, row.length / H, start, n))
      ),
      ...(options.keepPrefix ? { prefix: kept?.[b] ?? null } : {}),
    }));
  }

  async teacherForce(prompts: readonly AnsweredPrompt[], layers: readonly number[]): Promise<Generation[]> {
    for (const l of layers) this.#checkLayer(l);
    const seq = this.sequences(prompts);
    const start = seq.visualStarts[0]!;
    const T = seq.length;
    const H = this.config.heads;
    const n = this.counts.tokens;
    const probs = tf.tidy(() => {
      // Layers after the deepest requested one cannot change its attention (no logits are read): skip them.
      const upTo = Math.max(0, ...layers.map((l) => l + 1));
      const out = forward(this.params, this.config, seq, { captureAttention: true, logits: false, upTo });
      return layers.map((l) => out.attentions[l]!);
    });
    const data = await Promise.all(probs.map(async (p) => (await p.data()) as Float32Array)); // [B, H, T, T]
    tf.dispose(probs);
    return prompts.map((p, b) => {
      const tokens = this.answerIds(p.answer);
      const attention = layers.map((_, i) => {
        const rows: Float32Array[] = [];
        for (let q = 0; q < tokens.length; q++) {
          const t = seq.promptEnd + 1 + q;
          const row = new Float32Array(H * n);
          for (let h = 0; h < H; h++) {
            const off = ((b * H + h) * T + t) * T + start;
            row.set(data[i]!.subarray(off, off + n), h * n);
          }
          rows.push(row);
        }
        return rows;
      });
      return { answer: this.tokenizer.decode(tokens), tokens, attention };
    });
  }

  async answerLogProbs(prompts: readonly AnsweredPrompt[]): Promise<Float32Array[]> {
    const seq = this.sequences(prompts);
    const { batch: B, length: T, promptEnd } = seq;
    const V = this.config.vocabSize;
    const A = T - promptEnd - 1; // answer slots incl. <eos>: position promptEnd + i predicts slot i
    // Flat [B·A] indices into the [B·A, V] log-probabilities of each slot's target (0 on padding slots).
    const picks = new Int32Array(B * A);
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < A; i++) {
        picks[b * A + i] = (b * A + i) * V + Math.max(0, seq.targets[b * T + promptEnd + i]!);
      }
    }
    const prefix = sharedImagePrefix(this, prompts);
    let gathered: tf.Tensor;
    try {
      gathered = tf.tidy(() => {
        // The vocabulary head on the answer slots only (the forward's own logits would cover all T).
        const { hidden } = prefix
          ? forwardFromPrefix(this.params, this.config, seq, prefix, { logits: false })
          : forward(this.params, this.config, seq, { logits: false });
        const slots = tf.slice(hidden, [0, promptEnd, 0], [B, A, this.config.dim]); // [B, A, d]
        const normed = rmsNorm(slots, this.params["lm.norm"]!, this.config.normEps);
        const logits = linear(normed, this.params["lm.head"]!); // [B, A, V]
        const logp = tf.reshape(tf.logSoftmax(logits), [B * A * V]);
        return tf.gather(logp, tf.tensor1d(picks, "int32")); // [B·A]
      });
    } finally {
      if (prefix) disposePrefix(prefix);
    }
    const data = (await gathered.data()) as Float32Array;
    gathered.dispose();
    return prompts.map((p, b) => data.slice(b * A, b * A + this.answerIds(p.answer).length + 1));
  }

  #checkLayer(layer: number): void {
    if (!(Number.isInteger(layer) && layer >= 0 && layer < this.config.layers)) {
      throw new Error(`Decoder layer "${layer}" does not exist (the model has ${this.config.layers} layers)`);
    }
  }

  answerIds(answer: AnsweredPrompt["answer"]): number[] {
    return typeof answer === "string" ? this.tokenizer.encode(answer) : [...answer];
  }

  async copyLayer(layer: number, part: LayerPart): Promise<TensorMap> {
    this.#checkLayer(layer);
    const out: TensorMap = {};
    for (const leaf of this.layerLeaves(part)) {
      out[leaf] = await hostCopy(this.params[`lm.layers.${layer}.${leaf}`]!);
    }
    return out;
  }

  layerLeaves(part: LayerPart): readonly string[] {
    return part === "all" ? ALL_LEAVES : QUERY_KEY_LEAVES;
  }

  copyFinalNorm(): Promise<TensorMap[string]> {
    return hostCopy(this.params["lm.norm"]!);
  }

  layerContext(layout: TokenLayout): TinyContext {
    const { batch: B, length: T } = layout;
    return {
      layout,
      rope: ropeTables(layout.positions, B, T, this.config.headDim, this.config.ropeBase),
      mask: layerMask(this.config, layout.valid, B, T, 0),
    };
  }

  decoderLayer(weights: LayerWeights, x: tf.Tensor3D, context: LayerContext): tf.Tensor3D {
    const c = context as TinyContext;
    return decoderLayer(weights as Params, this.config, "", x, c.rope, c.mask).out;
  }

  norm(weight: tf.Tensor, x: tf.Tensor3D): tf.Tensor3D {
    return rmsNorm(x, weight, this.config.normEps) as tf.Tensor3D;
  }

  attentionInput(weights: LayerWeights, x: tf.Tensor3D): tf.Tensor3D {
    return this.norm(weights["attnNorm"]!, x);
  }

  project(weights: LayerWeights, h: tf.Tensor3D, which: "q" | "k"): tf.Tensor4D {
    const [B, T] = h.shape;
    const w = weights[which === "q" ? "wq" : "wk"]!;
    return tf.reshape(linear(h, w), [B, T, this.config.heads, this.config.headDim]);
  }
}

/**
 * Option-likelihood rows repeat one prompt per candidate: rows with the same whole image (block 0's pixels,
 * by identity) share the [system, image] prefix, so it is encoded and run through every layer once per
 * image, and each row computes only its own RoI blocks, question and answer (`forwardFromPrefix`: the same
 * numbers as the full forward up to float rounding). Null when no two rows share an image.
 */
function sharedImagePrefix(model: TinyMllm, prompts: readonly AnsweredPrompt[]): PrefixState | null {
  const firstOf = new Map<Float32Array, number>();
  const owner = prompts.map((p, b) => {
    const pixels = p.blocks[0]?.pixels;
    if (!pixels) return b;
    if (!firstOf.has(pixels)) firstOf.set(pixels, b);
    return firstOf.get(pixels)!;
  });
  const unique = [...new Set(owner)];
  if (unique.length === prompts.length) return null;
  const { hidden, prefix } = model.prefill(
    unique.map((b) => ({ question: prompts[b]!.question, blocks: [prompts[b]!.blocks[0]!] })),
    model.config.layers,
    { keepPrefix: true },
  );
  hidden.dispose();
  const state = prefix as PrefixState;
  try {
    return repeatPrefix(model.config, state, owner.map((b) => unique.indexOf(b)));
  } finally {
    disposePrefix(state);
  }
}

/** The model-independent view of a laid-out batch. */
export function layoutOf(seq: SequenceBatch): TokenLayout {
  return {
    batch: seq.batch,
    length: seq.length,
    valid: seq.valid,
    positions: seq.positions,
    imageStart: seq.visualStarts[0]!,
    promptEnd: seq.promptEnd,
  };
}

/** [H·N] head-major columns start..start+N−1 of an attention row [H, Tk]. */
export function imageColumns(row: Float32Array, heads: number, keyLength: number, start: number, n: number) {
  const out = new Float32Array(heads * n);
  for (let h = 0; h < heads; h++) {
    out.set(row.subarray(h * keyLength + start, h * keyLength + start + n), h * n);
  }
  return out;
}

async function hostCopy(v: tf.Tensor): Promise<TensorMap[string]> {
  return { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
}

/** tf.tidy that keeps the callback's return type (tensors anywhere in the result survive). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

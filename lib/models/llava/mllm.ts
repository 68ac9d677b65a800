/**
 * LLaVA-1.5 behind the model interface (lib/model/mllm.ts), so that lib/roi — teacher pass, sinks,
 * labels, RPN, two-stage inference, ViCrop — runs on it unchanged.
 *
 * Execution is per row: LlavaModel (llama.ts) runs one sequence, exactly the path the parity dump pins
 * down, and a batch is its rows run one after another and scattered into the padded layout of
 * sequence.ts. So results never depend on how questions are batched; `maxBatch` only bounds the host
 * memory of padded states. The RPN branch, which runs on re-padded batches (lib/roi/backbone.ts), uses
 * the masked batched layer of batched.ts.
 *
 * Prompts are vicuna_v1 with the image's N tokens at `<image>`; RoI blocks (encodeCrop = SD-RPN's
 * BILINEAR crop + the CLIP processor) follow the base image tokens with sequential positions.
 *
 * Stage-1 prefix states (`prefill` with keepPrefix) hold layers 0..B−1's keys and values over the
 * [system, image] prefix in host memory until stage 2: at 7B with B = 15 that is 2·15·32·611·128·4 B ≈
 * 300 MB per question, and lib/roi keeps one per question of a suite. Above `prefixLimitBytes` per question
 * the model keeps none (`prefix` null) and stage 2 recomputes the prefix — the same answers, more compute.
 * `generate` with keepPrefix keeps the same state after all L layers (ViCrop's second pass starts from it),
 * under the same limit.
 */
import * as tf from "@tensorflow/tfjs";
import { rmsNorm } from "../../engine/ops.ts";
import type { LetterboxInfo } from "../../image/geometry.ts";
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
import type { HostTensor, TensorMap } from "../../model/tensors.ts";
import {
  batchedBias,
  batchedDecoderLayer,
  batchedRope,
  layerLeaves,
  layerToLeaves,
  repeatKvHeads,
} from "./batched.ts";
import { argmax } from "./generate.ts";
import { disposeCache, type KvCache, type LayerCache } from "./llama.ts";
import type { LlavaModel } from "./model.ts";
import { llavaPixelValues, roiPixelValues } from "./preprocess.ts";
import { IMAGE_PLACEHOLDER, tokenizerImageToken, vicunaPrompt } from "./prompt.ts";
import { layoutRows, type LlavaLayout } from "./sequence.ts";
import { type LlavaSession, loadLlavaSession } from "./session.ts";
import { linear } from "../../engine/ops.ts";

interface LlavaContext extends LayerContext {
  cos: tf.Tensor4D;
  sin: tf.Tensor4D;
  bias: tf.Tensor4D;
}

/** One row's stage-1 state on the device: the [head, image] prefix after `depth` layers. */
interface DevicePrefix {
  /** [N, d] the image block's features. */
  features: tf.Tensor2D;
  /** Per layer < depth: keys (rotated) and values [KV, P, dh]. */
  layers: LayerCache[];
  /** [P, d] residual stream entering layer `depth`. */
  hidden: tf.Tensor2D;
  image: number;
}

interface LlavaPrefixBatch extends PrefixBatch {
  rows: DevicePrefix[];
}

interface LlavaPrefixRow extends PrefixRow {
  /** Prefix length P = head + N. */
  length: number;
  features: HostTensor;
  keys: HostTensor[];
  values: HostTensor[];
  hidden: HostTensor;
  image: number;
}

/** Options of `LlavaMllm`. */
export interface LlavaMllmOptions {
  /** Largest stage-1 prefix state kept per question, in bytes (default 64 MiB; a 7B's at B = 15 is ~300 MB). */
  prefixLimitBytes?: number;
}

/** The model interface over a loaded LLaVA folder. */
export class LlavaMllm implements Mllm {
  readonly family = "llava-1.5";
  readonly counts: MllmCounts;
  readonly template: PromptTemplate;
  /** Rows are run one by one; this bounds the padded host states of one call (~85 MB at 7B). */
  readonly maxBatch = 8;
  /** Tokens before the image placeholder (identical for every question). */
  readonly head: readonly number[];

  readonly prefixLimitBytes: number;

  constructor(readonly session: LlavaSession, options: LlavaMllmOptions = {}) {
    this.prefixLimitBytes = options.prefixLimitBytes ?? 64 * 1024 * 1024;
    const { model, tokenizer, preprocessor } = session;
    const text = model.config.text;
    const n = model.numImageTokens;
    const grid = Math.round(Math.sqrt(n));
    if (grid * grid !== n) {
      throw new Error(`Cannot use LLaVA "${model.dir}" with SD-RPN: ${n} image tokens are not a square grid`);
    }
    this.counts = {
      layers: text.numLayers,
      heads: text.numHeads,
      kvHeads: text.numKvHeads,
      headDim: text.headDim,
      hidden: text.hiddenSize,
      grid,
      tokens: n,
      encoderSize: preprocessor.cropWidth,
    };
    const ids = tokenizerImageToken(tokenizer, vicunaPrompt("?"), model.config.imageTokenIndex);
    this.head = ids.slice(0, ids.indexOf(model.config.imageTokenIndex));
    this.template = { imageStart: this.head.length, questionExtra: 0 };
  }

  /** Loads a Hugging Face LLaVA folder (config, weights, tokenizer, preprocessor). */
  static async load(dir: string, options: LlavaMllmOptions = {}): Promise<LlavaMllm> {
    return new LlavaMllm(await loadLlavaSession(dir), options);
  }

  /** Bytes of one question's stage-1 prefix state after `depth` layers (keys, values, residual, features). */
  prefixBytes(depth: number): number {
    const { tokens: n, hidden: d, kvHeads, headDim } = this.counts;
    const P = this.head.length + n;
    return 4 * (2 * depth * kvHeads * P * headDim + P * d + n * d);
  }

  get model(): LlavaModel {
    return this.session.model;
  }

  encodeImage(image: RgbImage): Promise<Float32Array> {
    return Promise.resolve(llavaPixelValues(image, this.session.preprocessor));
  }

  /**
   * LLaVA's pad-to-square (side s = max(W, H), image at ((s − W) // 2, (s − H) // 2)), then the CLIP
   * resize of the square to the shortest edge R and the centre crop to the encoder size: ratio R/s,
   * padding the paste offset times the ratio minus the crop offset.
   */
  imageGeometry(width: number, height: number): LetterboxInfo {
    const p = this.session.preprocessor;
    const side = Math.max(width, height);
    const ratio = p.shortestEdge / side;
    const cropX = Math.floor((p.shortestEdge - p.cropWidth) / 2);
    const cropY = Math.floor((p.shortestEdge - p.cropHeight) / 2);
    return {
      ratio,
      padX: Math.floor((side - width) / 2) * ratio - cropX,
      padY: Math.floor((side - height) / 2) * ratio - cropY,
    };
  }

  encodeCrop(image: RgbImage, box: Box): Promise<Float32Array> {
    return Promise.resolve(roiPixelValues(image, box, this.session.preprocessor));
  }

  /** The prompt's ids after the image placeholder (through the last prompt token). */
  tail(question: string): number[] {
    if (question.includes(IMAGE_PLACEHOLDER)) {
      throw new Error(`Cannot use a question containing "${IMAGE_PLACEHOLDER}": it would add an image`);
    }
    const index = this.model.config.imageTokenIndex;
    const ids = tokenizerImageToken(this.session.tokenizer, vicunaPrompt(question), index);
    return ids.slice(ids.indexOf(index) + 1);
  }

  /** Answer token ids as the model would generate them after "ASSISTANT:" (no BOS, no `</s>`). */
  answerIds(answer: AnsweredPrompt["answer"]): number[] {
    return typeof answer === "string" ? this.session.tokenizer.encode(answer) : [...answer];
  }

  /** The batch layout of prompts (and answers, when given). */
  layout(prompts: readonly (Prompt & { answer?: AnsweredPrompt["answer"] })[]): LlavaLayout {
    return layoutRows(
      this.head,
      prompts.map((p) => ({
        tail: this.tail(p.question),
        blocks: p.blocks,
        ...(p.answer !== undefined ? { answer: this.answerIds(p.answer) } : {}),
      })),
      this.counts.tokens,
      this.model.config.imageTokenIndex,
    );
  }

  /** Image features [N, d] of one block's pixel values. */
  features(pixels: Float32Array): tf.Tensor2D {
    const S = this.counts.encoderSize;
    if (pixels.length !== 3 * S * S) {
      throw new Error(`Visual block pixels have length "${pixels.length}", expected ${3 * S * S}`);
    }
    return this.model.encodeImage(pixels);
  }

  /** Input embeddings [L, d] of row b's compact sequence; block 0's features may be given. */
  rowEmbeds(layout: LlavaLayout, b: number, prompt: Prompt, features0?: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      const feats = prompt.blocks.map((blk, k) => {
        if (k === 0) return features0 ?? this.features(blk.pixels);
        const all = this.features(blk.pixels);
        const kept = layout.kept[b]![k]!;
        return kept.length === all.shape[0] ? all : tf.gather(all, tf.tensor1d(kept, "int32"));
      });
      return this.model.inputEmbeds(layout.ids[b]!, tf.concat(feats, 0) as tf.Tensor2D);
    });
  }

  prefill(prompts: readonly Prompt[], depth: number, options: { keepPrefix?: boolean } = {}): Prefill {
    const layout = this.layout(prompts);
    const P = this.head.length + this.counts.tokens;
    const keep = (options.keepPrefix ?? false) && this.prefixBytes(depth) <= this.prefixLimitBytes;
    return tidy(() => {
      const rows: tf.Tensor2D[] = [];
      const prefixes: DevicePrefix[] = [];
      prompts.forEach((p, b) => {
        const features = this.features(p.blocks[0]!.pixels);
        const embeds = this.rowEmbeds(layout, b, p, features);
        const out = this.model.prefill(embeds, { upTo: depth, hiddenLayers: [depth], logits: "none" });
        const h = out.hidden[depth]!;
        rows.push(scatterRows(h, layout.slots[b]!, layout.length));
        if (keep) {
          prefixes.push({
            features,
            layers: out.cache.layers.map((c) => ({
              k: tf.slice(c.k, [0, 0, 0], [-1, P, -1]),
              v: tf.slice(c.v, [0, 0, 0], [-1, P, -1]),
            })),
            hidden: tf.slice(h, [0, 0], [P, -1]),
            image: fingerprint(p.blocks[0]!.pixels),
          });
        }
      });
      const batch: LlavaPrefixBatch = { depth, rows: prefixes };
      return {
        hidden: tf.stack(rows) as tf.Tensor3D,
        layout: toTokenLayout(layout),
        prefix: keep ? batch : null,
      };
    });
  }

  async prefixRows(prefix: PrefixBatch): Promise<PrefixRow[]> {
    const batch = prefix as LlavaPrefixBatch;
    const out: LlavaPrefixRow[] = [];
    for (const r of batch.rows) out.push(await hostPrefix(batch.depth, r));
    for (const r of batch.rows) disposeDevicePrefix(r);
    return out;
  }

  async generate(prompts: readonly Prompt[], options: GenerateOptions): Promise<Generation[]> {
    const layout = this.layout(prompts);
    const capture = options.captureLayers ?? [];
    const prefixes = (options.prefixes ?? []) as readonly LlavaPrefixRow[];
    if (prefixes.length > 0 && prefixes.length !== prompts.length) {
      throw new Error(`Cannot generate ${prompts.length} answers from ${prefixes.length} prefix states`);
    }
    const L = this.counts.layers;
    const keep = (options.keepPrefix ?? false) && this.prefixBytes(L) <= this.prefixLimitBytes;
    const P = this.head.length + this.counts.tokens;
    const out: Generation[] = [];
    for (let b = 0; b < prompts.length; b++) {
      const start: { cache: KvCache; logits: tf.Tensor2D; kept?: DevicePrefix | null } = prefixes[b]
        ? this.#fromPrefix(layout, b, prompts[b]!, prefixes[b]!)
        : tidy(() => {
          const p = prompts[b]!;
          const features = this.features(p.blocks[0]!.pixels);
          const r = this.model.prefill(this.rowEmbeds(layout, b, p, features), {
            logits: "last",
            ...(keep ? { hiddenLayers: [L] } : {}),
          });
          const kept: DevicePrefix | null = keep
            ? {
              features,
              layers: r.cache.layers.map((c) => ({
                k: tf.slice(c.k, [0, 0, 0], [-1, P, -1]),
                v: tf.slice(c.v, [0, 0, 0], [-1, P, -1]),
              })),
              hidden: tf.slice(r.hidden[L]!, [0, 0], [P, -1]),
              image: fingerprint(p.blocks[0]!.pixels),
            }
            : null;
          return { cache: r.cache, logits: r.logits!, kept };
        });
      const first = (await start.logits.data()) as Float32Array;
      start.logits.dispose();
      let prefix: LlavaPrefixRow | null = null;
      if (start.kept) {
        prefix = await hostPrefix(L, start.kept);
        disposeDevicePrefix(start.kept);
      }
      const gen = await this.#decode(first, start.cache, options.maxNewTokens, capture);
      out.push(options.keepPrefix ? { ...gen, prefix } : gen);
    }
    return out;
  }

  async teacherForce(prompts: readonly AnsweredPrompt[], layers: readonly number[]): Promise<Generation[]> {
    const layout = this.layout(prompts);
    const { tokens: n, heads: H } = this.counts;
    const start = this.head.length;
    const out: Generation[] = [];
    for (let b = 0; b < prompts.length; b++) {
      const tokens = this.answerIds(prompts[b]!.answer);
      const end = layout.promptEndCompact[b]!;
      const queries = tokens.map((_, q) => end + 1 + q);
      const rows = tidy(() => {
        const r = this.model.prefill(this.rowEmbeds(layout, b, prompts[b]!), {
          attentionRows: queries,
          logits: "none",
        });
        return layers.map((l) => r.attention[l] ?? tf.zeros([0, H, 1]));
      });
      const attention: Float32Array[][] = [];
      for (const t of rows) {
        const [Q, , S] = t.shape as [number, number, number];
        const data = (await t.data()) as Float32Array; // [Q, H, S]
        attention.push(
          Array.from(
            { length: Q },
            (_, q) => imageColumns(data.subarray(q * H * S, (q + 1) * H * S), H, S, start, n),
          ),
        );
      }
      tf.dispose(rows);
      out.push({ answer: this.session.tokenizer.decode(tokens).trim(), tokens, attention });
    }
    return out;
  }

  async answerLogProbs(prompts: readonly AnsweredPrompt[]): Promise<Float32Array[]> {
    const layout = this.layout(prompts);
    const L = this.counts.layers;
    const eos = this.session.tokenizer.eosId;
    const out: Float32Array[] = [];
    for (let b = 0; b < prompts.length; b++) {
      const targets = [...this.answerIds(prompts[b]!.answer), eos];
      const end = layout.promptEndCompact[b]!;
      const picked = tidy(() => {
        // Residual rows end..end+|answer| predict the answer tokens and then `</s>` (vicuna_v1's sep2).
        const r = this.model.prefill(this.rowEmbeds(layout, b, prompts[b]!), {
          hiddenLayers: [L],
          logits: "none",
        });
        const rows = tf.slice(r.hidden[L]!, [end, 0], [targets.length, -1]); // [A, d]
        const logp = tf.logSoftmax(this.model.logits(rows)); // [A, V]
        const V = logp.shape[1];
        const flat = Int32Array.from(targets, (t, i) => i * V + t);
        return tf.gather(tf.reshape(logp, [-1]), tf.tensor1d(flat, "int32")); // [A]
      });
      out.push(Float32Array.from((await picked.data()) as Float32Array));
      picked.dispose();
    }
    return out;
  }

  async copyLayer(layer: number, part: LayerPart): Promise<TensorMap> {
    if (!(Number.isInteger(layer) && layer >= 0 && layer < this.counts.layers)) {
      throw new Error(`Decoder layer "${layer}" does not exist (the model has ${this.counts.layers} layers)`);
    }
    const leaves = layerToLeaves(this.model.layerWeights(layer), this.model.config.text, part);
    const out: TensorMap = {};
    for (const [leaf, t] of Object.entries(leaves)) out[leaf] = await host(t);
    return out;
  }

  layerLeaves(part: LayerPart): readonly string[] {
    return layerLeaves(this.model.config.text, part);
  }

  copyFinalNorm(): Promise<HostTensor> {
    return host(this.model.finalNormWeight);
  }

  layerContext(layout: TokenLayout): LlavaContext {
    const { batch: B, length: T } = layout;
    const text = this.model.config.text;
    return {
      layout,
      ...batchedRope(layout.positions, B, T, text.headDim, text.ropeTheta),
      bias: batchedBias(layout.valid, B, T),
    };
  }

  decoderLayer(weights: LayerWeights, x: tf.Tensor3D, context: LayerContext): tf.Tensor3D {
    return batchedDecoderLayer(x, weights, this.model.config.text, context as LlavaContext);
  }

  norm(weight: tf.Tensor, x: tf.Tensor3D): tf.Tensor3D {
    return rmsNorm(x, weight, this.model.config.text.rmsNormEps) as tf.Tensor3D;
  }

  attentionInput(weights: LayerWeights, x: tf.Tensor3D): tf.Tensor3D {
    const w = weights["inputNorm"];
    if (!w) throw new Error(`Layer weights lack the leaf "inputNorm"`);
    return this.norm(w, x);
  }

  project(weights: LayerWeights, h: tf.Tensor3D, which: "q" | "k"): tf.Tensor4D {
    const text = this.model.config.text;
    const w = weights[`${which}.w`];
    if (!w) throw new Error(`Layer weights lack the leaf "${which}.w"`);
    const [B, T] = h.shape;
    return tf.tidy(() => {
      const heads = which === "q" ? text.numHeads : text.numKvHeads;
      const y = tf.reshape(linear(h, w, weights[`${which}.b`]), [B, T, heads, text.headDim]) as tf.Tensor4D;
      return repeatKvHeads(y, text.numHeads);
    });
  }

  /** Stage 2 of row b from its stage-1 prefix: layers < depth over the new tokens only, the rest whole. */
  #fromPrefix(
    layout: LlavaLayout,
    b: number,
    prompt: Prompt,
    prefix: LlavaPrefixRow,
  ): { cache: KvCache; logits: tf.Tensor2D } {
    const P = prefix.length;
    const ids = layout.ids[b]!;
    if (
      P !== this.head.length + this.counts.tokens || prefix.image !== fingerprint(prompt.blocks[0]!.pixels)
    ) {
      throw new Error(`Cannot start from a prefix state: row ${b} has another image or template`);
    }
    if (ids.length <= P) {
      throw new Error("Cannot start from a prefix state: the sequence has no token after it");
    }
    return tidy(() => {
      const features0 = tf.tensor2d(prefix.features.data, prefix.features.shape as [number, number]);
      const embeds = this.rowEmbeds(layout, b, prompt, features0);
      let x = tf.slice(embeds, [P, 0], [-1, -1]) as tf.Tensor2D;
      const layers: LayerCache[] = [];
      for (let l = 0; l < prefix.depth; l++) {
        const past = { k: device3(prefix.keys[l]!), v: device3(prefix.values[l]!) };
        const r = this.model.applyLayer(x, this.model.layerWeights(l), { past });
        x = r.out;
        layers.push(r.cache);
      }
      x = tf.concat([tf.tensor2d(prefix.hidden.data, prefix.hidden.shape as [number, number]), x], 0);
      for (let l = prefix.depth; l < this.counts.layers; l++) {
        const r = this.model.applyLayer(x, this.model.layerWeights(l));
        x = r.out;
        layers.push(r.cache);
      }
      const last = tf.slice(x, [x.shape[0] - 1, 0], [1, -1]) as tf.Tensor2D;
      return { cache: { layers, length: ids.length }, logits: this.model.logits(last) };
    });
  }

  /**
   * Greedy decoding over ids below image_token_index from a prefilled prompt (as LlavaModel's), stopping
   * after `</s>`; the fed-back tokens' attention rows at `capture` layers, block 0's columns only.
   */
  async #decode(first: Float32Array, cache: KvCache, maxNewTokens: number, capture: readonly number[]) {
    const { tokens: n, heads: H } = this.counts;
    const config = this.model.config;
    const limit = Math.min(config.imageTokenIndex, config.text.vocabSize);
    const eos = this.session.tokenizer.eosId;
    const start = this.head.length;
    const tokens: number[] = [];
    const attention: Float32Array[][] = capture.map(() => []);
    let logits = first;
    let state = cache;
    try {
      while (tokens.length < maxNewTokens) {
        const next = argmax(logits, limit);
        tokens.push(next);
        if (next === eos || tokens.length === maxNewTokens) break;
        const step = tidy(() => {
          let x = this.model.embedTokens([next]);
          const layers: LayerCache[] = [];
          const rows: tf.Tensor3D[] = [];
          for (let l = 0; l < config.text.numLayers; l++) {
            const captureRows = capture.includes(l) ? [0] : undefined;
            const r = this.model.applyLayer(x, this.model.layerWeights(l), {
              past: state.layers[l],
              ...(captureRows ? { captureRows } : {}),
            });
            x = r.out;
            layers.push(r.cache);
            if (r.rows) rows[l] = r.rows;
          }
          return { cache: { layers, length: state.length + 1 }, logits: this.model.logits(x), rows };
        });
        for (let i = 0; i < capture.length; i++) {
          const t = step.rows[capture[i]!]!; // [1, H, S]
          const data = (await t.data()) as Float32Array;
          attention[i]!.push(imageColumns(data, H, t.shape[2], start, n));
        }
        tf.dispose(step.rows.filter((t) => t !== undefined));
        disposeCache(state);
        state = step.cache;
        logits = (await step.logits.data()) as Float32Array;
        step.logits.dispose();
      }
    } finally {
      disposeCache(state);
    }
    return { answer: this.session.tokenizer.decode(tokens).trim(), tokens, attention };
  }
}

/** The interface's view of a layout. */
function toTokenLayout(l: LlavaLayout): TokenLayout {
  return {
    batch: l.batch,
    length: l.length,
    valid: l.valid,
    positions: l.positions,
    imageStart: l.imageStart,
    promptEnd: l.promptEnd,
  };
}

/** [L, d] compact rows → [T, d] with row i at `slots[i]` and zeros elsewhere. */
function scatterRows(h: tf.Tensor2D, slots: Int32Array, length: number): tf.Tensor2D {
  const L = h.shape[0];
  const source = new Int32Array(length).fill(L); // L = the appended zero row
  slots.forEach((slot, i) => (source[slot] = i));
  const padded = tf.concat([h, tf.zeros([1, h.shape[1]])], 0);
  return tf.gather(padded, tf.tensor1d(source, "int32")) as tf.Tensor2D;
}

/** [H·N] head-major columns start..start+N−1 of attention rows [H, S]. */
function imageColumns(
  row: Float32Array,
  heads: number,
  keys: number,
  start: number,
  n: number,
): Float32Array {
  const out = new Float32Array(heads * n);
  for (let h = 0; h < heads; h++) out.set(row.subarray(h * keys + start, h * keys + start + n), h * n);
  return out;
}

/** FNV-1a over the bits of a block's pixel values (both stages encode the same pixels). */
function fingerprint(pixels: Float32Array): number {
  const bits = new Uint32Array(pixels.buffer, pixels.byteOffset, pixels.length);
  let h = 0x811c9dc5;
  for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i]!, 0x01000193);
  return h >>> 0;
}

async function host(t: tf.Tensor): Promise<HostTensor> {
  return { shape: t.shape.slice(), data: (await t.data()) as Float32Array };
}

function device3(t: HostTensor): tf.Tensor3D {
  return tf.tensor3d(t.data, t.shape as [number, number, number]);
}

/** One question's device prefix state in host memory (the tensors are not disposed). */
async function hostPrefix(depth: number, r: DevicePrefix): Promise<LlavaPrefixRow> {
  return {
    depth,
    length: r.hidden.shape[0],
    features: await host(r.features),
    keys: await Promise.all(r.layers.map((c) => host(c.k))),
    values: await Promise.all(r.layers.map((c) => host(c.v))),
    hidden: await host(r.hidden),
    image: r.image,
  };
}

function disposeDevicePrefix(r: DevicePrefix): void {
  tf.dispose([r.features, r.hidden, ...r.layers.flatMap((c) => [c.k, c.v])]);
}

/** tf.tidy that keeps the callback's return type (tensors anywhere in the result survive). */
function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as () => tf.TensorContainer) as T;
}

/**
 * The model interface: exactly what SD-RPN (lib/roi) and the evaluation (lib/eval, lib/experiment) need from
 * a LLaVA-shaped MLLM — a vision encoder whose G×G grid of visual tokens sits in a decoder-only LM — in
 * model-independent terms. The embedded model (lib/models/tiny) implements it; a second family (LLaVA-1.5:
 * CLIP ViT-L/14-336, MLP projector, Llama-2 with grouped-query attention) fits the same shape.
 *
 * What stays behind it: how an image becomes encoder input (letterbox or pad-to-square, normalisation) and
 * the geometry back to source pixels, the chat template and where RoI blocks go, tensor names and layouts,
 * the KV cache, rotary positions, the norm. What SD-RPN sees: prompts (a question and visual blocks),
 * token layouts (which positions are valid, where block 0 starts, which position is the query), residual
 * streams, answer→image attention rows, and weight copies it stores under its own names.
 *
 * Tensor-returning methods are synchronous and allocate only tfjs tensors, so a caller may wrap them in
 * `tf.tidy`; the caller owns (disposes) every tensor returned.
 */
import type * as tf from "@tensorflow/tfjs";
import type { LetterboxInfo } from "../image/geometry.ts";
import type { Box, RgbImage } from "../image/types.ts";
import type { TensorMap } from "./tensors.ts";

/** One visual block of a prompt: encoder input as `Mllm.encodeImage` / `Mllm.encodeCrop` made it. */
export interface VisualBlock {
  /** Encoder input pixels, in the model's own layout. */
  pixels: Float32Array;
  /** Optional [N] keep-mask over the block's G×G tokens (row-major); absent = keep all. */
  keep?: Uint8Array;
}

/** A question about an image: block 0 is the whole image, further blocks are RoI crops right after it. */
export interface Prompt {
  question: string;
  blocks: VisualBlock[];
}

/** A prompt with the answer to feed (teacher forcing): text, or token ids as `Generation.tokens` has them. */
export interface AnsweredPrompt extends Prompt {
  answer: string | readonly number[];
}

/** Sizes SD-RPN and the evaluation read. */
export interface MllmCounts {
  /** Decoder layers L. */
  layers: number;
  /** Query heads H. */
  heads: number;
  /** Key/value heads (H without grouped-query attention). */
  kvHeads: number;
  /** Per-head width. */
  headDim: number;
  /** Residual-stream width d. */
  hidden: number;
  /** Grid side G of one visual block. */
  grid: number;
  /** Visual tokens per block, N = G². */
  tokens: number;
  /** Side of the square encoder input in pixels. */
  encoderSize: number;
}

/** Where the tokens of a laid-out batch are: identical block positions for every row. */
export interface TokenLayout {
  batch: number;
  length: number;
  /** [B, T] 1 = a real token (padding and dropped RoI tokens are 0: never attended, no rotary step). */
  valid: Uint8Array;
  /** [B, T] rotary position of each token. */
  positions: Int32Array;
  /** Index of the first token of block 0 (the whole image). */
  imageStart: number;
  /** Index of the last prompt token: the query of the RPN, it predicts the first answer token. */
  promptEnd: number;
}

/** Chat-template sizes of a prompt with the image block only (to re-pad cached per-row states). */
export interface PromptTemplate {
  /** Valid tokens before block 0 (identical for every prompt). */
  imageStart: number;
  /** Valid template tokens after block 0 besides the question's own tokens. */
  questionExtra: number;
}

/** A batch's stage-1 state after decoder layer B, owned by the model until `prefixRows` reads it. */
export interface PrefixBatch {
  readonly depth: number;
}

/** One question's stage-1 state in host memory (opaque to SD-RPN); stage 2 starts from it. */
export interface PrefixRow {
  readonly depth: number;
}

/** A prefill of decoder layers 0..depth−1. */
export interface Prefill {
  /** [B, T, d] residual stream entering layer `depth` (the decoder inputs when depth = 0). */
  hidden: tf.Tensor3D;
  layout: TokenLayout;
  /** The reusable [system, image] prefix state (with `keepPrefix`), else null. */
  prefix: PrefixBatch | null;
}

/** One answer with the answer→image attention of its query tokens. */
export interface Generation {
  answer: string;
  /** Answer token ids (a generated answer includes its final end token when one was produced). */
  tokens: number[];
  /**
   * attention[i][q]: [H·N] attention probabilities, head-major, of answer query q onto block 0's N tokens
   * at layer `layers[i]`. Queries are the fed-back answer tokens (never the final end token).
   */
  attention: Float32Array[][];
  /**
   * With `GenerateOptions.keepPrefix`: this prompt's [system, image] prefix state after every decoder layer,
   * from which a second pass over the same image (e.g. [image, crop]) may start (`GenerateOptions.prefixes`:
   * same answers, less work); null when the model keeps none (e.g. above a memory limit).
   */
  prefix?: PrefixRow | null;
}

export interface GenerateOptions {
  maxNewTokens: number;
  /** Decoder layers whose answer→image attention rows to return. */
  captureLayers?: readonly number[];
  /** Per prompt, its stage-1 prefix state (same answers, less work). */
  prefixes?: readonly PrefixRow[];
  /** Return each prompt's [system, image] prefix state after every layer (`Generation.prefix`). */
  keepPrefix?: boolean;
}

/** Which weights of a decoder layer a copy holds: all, or the input norm and the q/k projections. */
export type LayerPart = "all" | "queryKey";

/** Weights of one decoder layer by the model's own leaf names (live tensors; copies from `copyLayer`). */
export type LayerWeights = Record<string, tf.Tensor>;

/** Rotary tables and attention mask of a layout, built once and shared by several layers. */
export interface LayerContext {
  readonly layout: TokenLayout;
}

/** A LLaVA-shaped MLLM ready for inference. */
export interface Mllm {
  /** Model family, e.g. "tiny" or "llava-1.5". */
  readonly family: string;
  readonly counts: MllmCounts;
  readonly template: PromptTemplate;
  /** Largest batch `prefill`, `generate` and `teacherForce` take (1 for a model that cannot pad). */
  readonly maxBatch: number;

  /** The whole image as encoder input (block 0). */
  encodeImage(image: RgbImage): Promise<Float32Array>;
  /** Where a width×height image sits in the encoder's square (maps grid cells back to source pixels). */
  imageGeometry(width: number, height: number): LetterboxInfo;
  /** A box of the ORIGINAL image, cropped and resized to encoder input (an RoI block). */
  encodeCrop(image: RgbImage, box: Box): Promise<Float32Array>;

  /** Decoder layers 0..depth−1 over prompts sharing one layout (same number of blocks). */
  prefill(prompts: readonly Prompt[], depth: number, options?: { keepPrefix?: boolean }): Prefill;
  /** Host-memory rows of a prefix batch; the batch's tensors are disposed. */
  prefixRows(prefix: PrefixBatch): Promise<PrefixRow[]>;
  /** Greedy answers with a KV cache for prompts sharing one layout. */
  generate(prompts: readonly Prompt[], options: GenerateOptions): Promise<Generation[]>;
  /** Feed the given answers and return their queries' attention rows at `layers`. */
  teacherForce(prompts: readonly AnsweredPrompt[], layers: readonly number[]): Promise<Generation[]>;
  /**
   * Teacher-forced log-probabilities (natural log) of each prompt's answer: per prompt, one entry per
   * answer token and a last one for the model's end-of-answer token after it (`<eos>`, `</s>`), each
   * conditioned on the prompt and the answer tokens before it, in exactly the positions a generated answer
   * takes. Option-likelihood scoring (lib/eval/likelihood.ts) sums or averages them.
   */
  answerLogProbs(prompts: readonly AnsweredPrompt[]): Promise<Float32Array[]>;

  /** Copies of decoder layer `layer`'s weights, keyed by leaf name, in a fixed order. */
  copyLayer(layer: number, part: LayerPart): Promise<TensorMap>;
  /** The leaf names `copyLayer` returns for `part`, in order. */
  layerLeaves(part: LayerPart): readonly string[];
  /** A copy of the final norm's weight. */
  copyFinalNorm(): Promise<TensorMap[string]>;
  /** Rotary tables and causal mask of a layout. */
  layerContext(layout: TokenLayout): LayerContext;
  /** One decoder layer with the given weights (part "all") over [B, T, d]. */
  decoderLayer(weights: LayerWeights, x: tf.Tensor3D, context: LayerContext): tf.Tensor3D;
  /** The model's norm (e.g. RMSNorm) with a given weight, over [B, T, d]. */
  norm(weight: tf.Tensor, x: tf.Tensor3D): tf.Tensor3D;
  /** The attention input of a layer: its input norm applied to [B, T, d]. */
  attentionInput(weights: LayerWeights, x: tf.Tensor3D): tf.Tensor3D;
  /** Queries or keys of a layer's attention input WITHOUT rotary term: [B, T, H, dh] (kv heads repeated). */
  project(weights: LayerWeights, h: tf.Tensor3D, which: "q" | "k"): tf.Tensor4D;
}

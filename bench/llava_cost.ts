/**
 * Sizes and matmul FLOP counts of LLaVA-1.5-7B, for the layer benchmark (bench/llava_layer_bench.ts) and
 * for extrapolating its per-layer timings to seconds per question.
 *
 * FLOPs count 2 per multiply-add of the matrix products only (linear layers, QKᵀ and AV); norms,
 * activations, RoPE and softmax are O(T·d) and left out. Attention is counted over the full T×S score
 * matrix because the forward pass computes masked scores rather than skipping them.
 */
import {
  type ClipVisionConfig,
  type LlamaTextConfig,
  type LlavaConfig,
  parseLlavaConfig,
} from "../lib/models/llava/config.ts";
import { LLAVA_15_7B_CONFIG } from "../lib/models/llava/llava_7b_config.ts";
import { llavaTensorSpecs } from "../lib/models/llava/weights.ts";

/** `config.json` of llava-hf/llava-1.5-7b-hf as published (every other field takes the class default). */
export { LLAVA_15_7B_CONFIG };

/** The parsed 7B config, through the same parser the model uses. */
export function llava7bConfig(): LlavaConfig {
  return parseLlavaConfig(LLAVA_15_7B_CONFIG, "llava-1.5-7b-hf/config.json");
}

/** Parameters of one CLIP encoder block (q, k, v, out, fc1, fc2 with biases; two LayerNorms). */
export function clipLayerParams(v: ClipVisionConfig): number {
  const d = v.hiddenSize;
  return 4 * (d * d + d) + (d * v.intermediateSize + v.intermediateSize) +
    (v.intermediateSize * d + d) + 2 * 2 * d;
}

/**
 * Parameters stored in the checkpoint: every tensor the forward pass loads, plus what it skips — the CLIP
 * blocks after `vision_feature_layer` and CLIP's `post_layernorm` (present in llava-hf files, never used).
 */
export function checkpointParams(config: LlavaConfig): number {
  const used = llavaTensorSpecs(config).reduce((n, s) => n + s.shape.reduce((p, x) => p * x, 1), 0);
  const v = config.vision;
  return used + (v.numLayers - config.visionLayersUsed) * clipLayerParams(v) + 2 * v.hiddenSize;
}

/** Parameters of one Llama decoder layer. */
export function llamaLayerParams(t: LlamaTextConfig): number {
  const q = t.numHeads * t.headDim, kv = t.numKvHeads * t.headDim;
  const bias = t.attentionBias ? q + 2 * kv + t.hiddenSize : 0;
  const mlpBias = t.mlpBias ? 2 * t.intermediateSize + t.hiddenSize : 0;
  return t.hiddenSize * (q + 2 * kv) + q * t.hiddenSize + 3 * t.hiddenSize * t.intermediateSize +
    2 * t.hiddenSize + bias + mlpBias;
}

/** Matmul FLOPs of one Llama decoder layer on `tokens` new rows after `past` cached positions. */
export function llamaLayerFlops(t: LlamaTextConfig, tokens: number, past = 0): number {
  const d = t.hiddenSize, q = t.numHeads * t.headDim, kv = t.numKvHeads * t.headDim;
  const keys = past + tokens;
  const projections = 2 * tokens * d * (q + 2 * kv) + 2 * tokens * q * d;
  const mlp = 3 * 2 * tokens * d * t.intermediateSize;
  const attention = 2 * 2 * t.numHeads * tokens * keys * t.headDim; // QKᵀ and AV
  return projections + mlp + attention;
}

/** Matmul FLOPs of one CLIP encoder block on `tokens` rows (bidirectional attention). */
export function clipLayerFlops(v: ClipVisionConfig, tokens: number): number {
  const d = v.hiddenSize;
  return 4 * 2 * tokens * d * d + 2 * 2 * tokens * d * v.intermediateSize + 2 * 2 * tokens * tokens * d;
}

/** Patch embedding, the used CLIP blocks and the projector for one image. */
export function imageEncodeFlops(config: LlavaConfig): number {
  const v = config.vision;
  const patches = (v.imageSize / v.patchSize) ** 2;
  const patchEmbed = 2 * patches * v.numChannels * v.patchSize * v.patchSize * v.hiddenSize;
  const d = config.text.hiddenSize;
  const projector = 2 * config.numImageTokens * (v.hiddenSize * d + d * d);
  return patchEmbed + config.visionLayersUsed * clipLayerFlops(v, patches + 1) + projector;
}

/** What one question costs: prompt length, answer length, and SD-RPN's settings. */
export interface QuestionShape {
  /** Prompt tokens including the image tokens (576 + text). */
  promptTokens: number;
  /** Generated tokens including the final `</s>`; the first comes from the prefill, the rest from decode steps. */
  newTokens: number;
  /** SD-RPN backbone depth B (frozen layers run in stage 1). */
  b: number;
  /** Full decoder layers in the twig (R − 1; the last twig layer only scores, see twig_score.ts). */
  twigLayers: number;
  /** Extra RoI tokens inserted in stage 2. */
  roiTokens: number;
}

/** Speeds measured for one backend by bench/llava_layer_bench.ts. */
export interface BackendSpeed {
  /** GFLOP/s of a Llama decoder layer in prefill. */
  prefillGflops: number;
  /** GFLOP/s of a CLIP block (also used for the patch embedding and the projector). */
  clipGflops: number;
  /** Milliseconds of one Llama layer decoding one token. */
  decodeLayerMs: number;
}

/** Seconds per question, without and with SD-RPN, and what they are made of. */
export interface QuestionEstimate {
  baseline: number;
  sdrpn: number;
  imageEncode: number;
  prefill: number;
  decode: number;
  stage1: number;
  stage2Prefill: number;
}

/**
 * Extrapolates per-layer speeds to one question. Prefill and image encoding run at the measured GFLOP/s
 * (compute-bound); a decode step costs numLayers × `decodeLayerMs` plus lm_head, whose cost is scaled from
 * the decode layer by weight bytes read (decode is memory-bound: every weight is read once per token).
 * The baseline is image encoding + one prefill of the prompt + (newTokens − 1) decode steps. SD-RPN adds
 * stage 1 (B frozen layers + the twig's layers over the prompt + the scorer's key projection of the image
 * rows) and a second image encoding (the RoI crop), and its stage 2 prefills promptTokens + roiTokens
 * (no reuse of stage 1's KV cache assumed) and decodes with the same per-token cost.
 */
export function estimateQuestion(
  config: LlavaConfig,
  shape: QuestionShape,
  speed: BackendSpeed,
): QuestionEstimate {
  const t = config.text;
  const prefillSeconds = (flops: number) => flops / (speed.prefillGflops * 1e9);
  const imageEncode = imageEncodeFlops(config) / (speed.clipGflops * 1e9);
  const lmHeadRow = 2 * t.hiddenSize * t.vocabSize;
  const prefill = prefillSeconds(t.numLayers * llamaLayerFlops(t, shape.promptTokens) + lmHeadRow);
  const lmHeadDecodeMs = speed.decodeLayerMs * (t.hiddenSize * t.vocabSize) / llamaLayerParams(t);
  const decode = (shape.newTokens - 1) * (t.numLayers * speed.decodeLayerMs + lmHeadDecodeMs) / 1000;
  const scorerKeys = 2 * config.numImageTokens * t.hiddenSize * t.numKvHeads * t.headDim;
  const stage1 = prefillSeconds(
    (shape.b + shape.twigLayers) * llamaLayerFlops(t, shape.promptTokens) + scorerKeys,
  );
  const stage2Prefill = prefillSeconds(
    t.numLayers * llamaLayerFlops(t, shape.promptTokens + shape.roiTokens) + lmHeadRow,
  );
  return {
    baseline: imageEncode + prefill + decode,
    sdrpn: imageEncode + stage1 + imageEncode + stage2Prefill + decode,
    imageEncode,
    prefill,
    decode,
    stage1,
    stage2Prefill,
  };
}

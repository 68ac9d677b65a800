import { z } from "zod";

/**
 * Architecture of the small LLaVA-style MLLM. Written next to every checkpoint as JSON so a checkpoint
 * always says what it is. Strict: an unknown key in a config file is an error, not a silent default.
 */
export const ModelConfigSchema = z.strictObject({
  /** Encoder input side in pixels (the whole image is letterboxed to this square). */
  imageSize: z.int().positive().default(64),
  /** Patch side in pixels; grid G = imageSize / patchSize. */
  patchSize: z.int().positive().default(8),
  /**
   * Side of the pixel window each visual token sees, centred on its patch (≥ patchSize; stride = patchSize),
   * for the "window" and "conv" stems; the "cnn" stem sees the whole image and needs windows = patches.
   */
  patchWindow: z.int().positive().default(8),
  /**
   * Token stem. "window": a 2-layer MLP over each token's pixel window. "conv": a stride-1 convolution over
   * luminance inside the window, max-pooled over the token's patch, plus the patch's mean colour, then the
   * MLP. Measured on per-token glyph labels (lib/data/token_labels.ts): the window MLP reached 8 % accuracy
   * after 250 steps, the conv stem 33 % — weight sharing at every pixel gives the sub-patch phase invariance
   * an MLP must learn phase by phase. "cnn" (default): a 3-layer CNN over the whole image, one output cell
   * per patch (lib/models/tiny/cnn_stem.ts). Measured on dense glyph sheets, 300 steps: 71–85 % token accuracy
   * for glyphs 6.7–12 px wide, against 7 % after 50 steps for a wide single convolution; a conv stem cannot
   * see a glyph larger than its kernel, and a single max-pooled convolution loses the order of two glyphs
   * in one patch.
   */
  stem: z.enum(["window", "conv", "cnn"]).default("cnn"),
  /** Channels of the three convolutions of the "cnn" stem (lib/models/tiny/cnn_stem.ts). */
  cnnChannels: z.array(z.int().positive()).length(3).default([16, 32, 64]),
  convKernel: z.int().positive().default(7),
  convChannels: z.int().positive().default(32),
  /** Hidden width of the MLP of the stem. */
  stemHidden: z.int().positive().default(128),
  visionDim: z.int().positive().default(64),
  visionLayers: z.int().positive().default(3),
  visionHeads: z.int().positive().default(2),
  visionMlp: z.int().positive().default(128),
  projectorHidden: z.int().positive().default(128),
  dim: z.int().positive().default(64),
  layers: z.int().min(8).default(8),
  heads: z.int().min(2).default(2),
  /**
   * Per-head width. Attention width heads·headDim may be below `dim`: on wasm the batched QKᵀ / AV
   * matmuls run ~10× slower per FLOP than dense layers (ENGINE-NOTES.md), so they get the thinner width.
   */
  headDim: z.int().positive().default(16),
  mlp: z.int().positive().default(192),
  /** Rotary base; positions are the indices of valid (unmasked) tokens. */
  ropeBase: z.number().positive().default(10000),
  /** Tokenizer vocabulary size (checked against the tokenizer on load). */
  vocabSize: z.int().positive(),
  normEps: z.number().positive().default(1e-5),
  /**
   * Attention implementation of the decoder and the vision tower: "tfjs" (tfjs ops, lib/engine/attention.ts)
   * or "fused" (the wasm SIMD kernel, lib/engine/attention_kernel/; wasm and cpu backends only). Same
   * function, other float summation order. Absent means "tfjs" (left out, not defaulted, so that a
   * checkpoint's parsed config, and every hash made of it, stays as it was).
   */
  attentionKernel: z.enum(["tfjs", "fused"]).optional(),
});

export type ModelConfig = z.infer<typeof ModelConfigSchema>;

/** Derived sizes used everywhere; computed, never stored. */
export function gridOf(
  config: ModelConfig,
): { grid: number; tokens: number; headDim: number; attnDim: number } {
  if (config.imageSize % config.patchSize !== 0) {
    throw new Error(
      `Model config "imageSize" ${config.imageSize} is not a multiple of "patchSize" ${config.patchSize}`,
    );
  }
  if (config.headDim % 2 !== 0) {
    throw new Error(`Model config "headDim" ${config.headDim} must be even (rotary pairs)`);
  }
  if (config.patchWindow < config.patchSize || (config.patchWindow - config.patchSize) % 2 !== 0) {
    throw new Error(
      `Model config "patchWindow" ${config.patchWindow} must be ≥ "patchSize" ${config.patchSize} with an even difference`,
    );
  }
  if (
    config.stem === "conv" &&
    (config.convKernel % 2 !== 1 || config.convKernel > config.patchWindow - config.patchSize + 1)
  ) {
    throw new Error(
      `Model config "convKernel" ${config.convKernel} must be odd and ≤ patchWindow − patchSize + 1`,
    );
  }
  if (config.stem === "cnn" && (config.patchSize !== 8 || config.patchWindow !== 8)) {
    throw new Error(
      `Model config "stem" "cnn" needs "patchSize" 8 and "patchWindow" 8 (three 2× poolings), got ` +
        `${config.patchSize} and ${config.patchWindow}`,
    );
  }
  if (config.visionDim % config.visionHeads !== 0) {
    throw new Error(
      `Model config "visionDim" ${config.visionDim} must split into "visionHeads" ${config.visionHeads}`,
    );
  }
  const grid = config.imageSize / config.patchSize;
  return { grid, tokens: grid * grid, headDim: config.headDim, attnDim: config.heads * config.headDim };
}

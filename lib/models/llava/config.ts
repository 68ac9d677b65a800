/**
 * `config.json` of a Hugging Face `LlavaForConditionalGeneration` checkpoint (llava-hf layout).
 *
 * Real files list only the fields that differ from the classes' defaults (llava-1.5-7b-hf's text_config
 * names little more than `max_position_embeddings`, `rms_norm_eps` and `vocab_size`), so every omitted
 * field takes the default of the transformers class that reads it: `LlamaConfig`, `CLIPVisionConfig`
 * (or, when `vision_config` is absent altogether, the CLIP ViT-L/14-336 that `LlavaConfig` builds) and
 * `LlavaConfig`. Unknown keys are ignored, as transformers ignores them; anything this implementation
 * cannot compute faithfully is an error naming the file and the key.
 */
import { join } from "node:path";
import { z } from "zod";

/** The Llama decoder. */
export interface LlamaTextConfig {
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  /** < numHeads under grouped-query attention. */
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  maxPositionEmbeddings: number;
  attentionBias: boolean;
  mlpBias: boolean;
}

/** The CLIP vision tower. */
export interface ClipVisionConfig {
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  imageSize: number;
  patchSize: number;
  numChannels: number;
  hiddenAct: "quick_gelu" | "gelu";
  layerNormEps: number;
}

/** A validated LLaVA config with every default filled in. */
export interface LlavaConfig {
  text: LlamaTextConfig;
  vision: ClipVisionConfig;
  imageTokenIndex: number;
  projectorHiddenAct: "gelu";
  projectorBias: boolean;
  /** Index into CLIP's hidden states (0 = embeddings after `pre_layrnorm`; negative counts from the end). */
  visionFeatureLayer: number;
  visionFeatureSelectStrategy: "default" | "full";
  /** lm_head shares embed_tokens (no lm_head tensor in the checkpoint). */
  tieWordEmbeddings: boolean;
  /** Image tokens per image: patches per side squared, plus CLS under the "full" strategy. */
  numImageTokens: number;
  /** Layers of CLIP that must run to reach `visionFeatureLayer`. */
  visionLayersUsed: number;
}

const int = z.int().positive();

// LlamaConfig defaults (transformers configuration_llama.py).
const TextSchema = z.object({
  model_type: z.literal("llama").default("llama"),
  vocab_size: int.default(32000),
  hidden_size: int.default(4096),
  intermediate_size: int.default(11008),
  num_hidden_layers: int.default(32),
  num_attention_heads: int.default(32),
  num_key_value_heads: int.nullable().default(null),
  head_dim: int.nullable().default(null),
  hidden_act: z.literal("silu").default("silu"),
  max_position_embeddings: int.default(2048),
  rms_norm_eps: z.number().positive().default(1e-6),
  rope_theta: z.number().positive().default(10000),
  rope_scaling: z.null().default(null),
  // transformers ≥ 4.57 nests rope_theta here; only the unscaled ("default") rotary embedding is supported.
  rope_parameters: z.object({
    rope_type: z.literal("default").default("default"),
    rope_theta: z.number().positive(),
  })
    .nullable().default(null),
  attention_bias: z.boolean().default(false),
  mlp_bias: z.boolean().default(false),
  pretraining_tp: z.literal(1).default(1),
  tie_word_embeddings: z.boolean().default(false),
});

// CLIPVisionConfig defaults (transformers configuration_clip.py).
const VisionSchema = z.object({
  model_type: z.literal("clip_vision_model").default("clip_vision_model"),
  hidden_size: int.default(768),
  intermediate_size: int.default(3072),
  num_hidden_layers: int.default(12),
  num_attention_heads: int.default(12),
  num_channels: int.default(3),
  image_size: int.default(224),
  patch_size: int.default(32),
  hidden_act: z.enum(["quick_gelu", "gelu"]).default("quick_gelu"),
  layer_norm_eps: z.number().positive().default(1e-5),
});

// What LlavaConfig builds when the file has no vision_config: CLIP ViT-L/14 at 336 px.
const LLAVA_DEFAULT_VISION = {
  intermediate_size: 4096,
  hidden_size: 1024,
  patch_size: 14,
  image_size: 336,
  num_hidden_layers: 24,
  num_attention_heads: 16,
};

// LlavaConfig defaults (transformers configuration_llava.py).
const LlavaSchema = z.object({
  architectures: z.array(z.string()).optional(),
  model_type: z.literal("llava").default("llava"),
  text_config: z.record(z.string(), z.unknown()).nullable().default(null),
  vision_config: z.record(z.string(), z.unknown()).nullable().default(null),
  image_token_index: z.int().nonnegative().default(32000),
  projector_hidden_act: z.literal("gelu").default("gelu"),
  vision_feature_select_strategy: z.enum(["default", "full"]).default("default"),
  vision_feature_layer: z.int().default(-2),
  multimodal_projector_bias: z.boolean().default(true),
  tie_word_embeddings: z.boolean().default(false),
});

const ARCHITECTURE = "LlavaForConditionalGeneration";

/**
 * Validates a parsed `config.json` and fills in the class defaults; `path` names the file in errors:
 * `Cannot read "dir/config.json": key "text_config.model_type" is "mistral", expected "llama"`.
 */
export function parseLlavaConfig(json: unknown, path: string): LlavaConfig {
  const fail = (reason: string) => new Error(`Cannot read "${path}": ${reason}`);
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw fail("expected a JSON object");
  const top = parseWith(LlavaSchema, json, [], fail);
  if (top.architectures !== undefined && !top.architectures.includes(ARCHITECTURE)) {
    throw fail(
      `key "architectures" is ${JSON.stringify(top.architectures)}, expected ["${ARCHITECTURE}"]`,
    );
  }
  const text = parseWith(TextSchema, top.text_config ?? {}, ["text_config"], fail);
  const vision = parseWith(VisionSchema, top.vision_config ?? LLAVA_DEFAULT_VISION, ["vision_config"], fail);

  const numKvHeads = text.num_key_value_heads ?? text.num_attention_heads;
  if (text.head_dim === null && text.hidden_size % text.num_attention_heads !== 0) {
    throw fail(
      `key "text_config.hidden_size" is ${text.hidden_size}, not a multiple of num_attention_heads ` +
        `${text.num_attention_heads}`,
    );
  }
  const headDim = text.head_dim ?? text.hidden_size / text.num_attention_heads;
  if (headDim % 2 !== 0) {
    throw fail(`key "text_config.head_dim" is ${headDim}, expected an even size for RoPE`);
  }
  if (text.num_attention_heads % numKvHeads !== 0) {
    throw fail(
      `key "text_config.num_key_value_heads" is ${numKvHeads}, not a divisor of num_attention_heads ` +
        `${text.num_attention_heads}`,
    );
  }
  if (vision.hidden_size % vision.num_attention_heads !== 0) {
    throw fail(
      `key "vision_config.hidden_size" is ${vision.hidden_size}, not a multiple of num_attention_heads ` +
        `${vision.num_attention_heads}`,
    );
  }
  if (vision.image_size % vision.patch_size !== 0) {
    throw fail(
      `key "vision_config.image_size" is ${vision.image_size}, not a multiple of patch_size ${vision.patch_size}`,
    );
  }
  // CLIP returns num_hidden_layers + 1 hidden states; Python-style indexing into that tuple.
  const states = vision.num_hidden_layers + 1;
  const layer = top.vision_feature_layer;
  if (layer < -states || layer >= states) {
    throw fail(
      `key "vision_feature_layer" is ${layer}, outside the ${states} hidden states of the vision tower`,
    );
  }
  const patches = (vision.image_size / vision.patch_size) ** 2;
  return {
    text: {
      vocabSize: text.vocab_size,
      hiddenSize: text.hidden_size,
      intermediateSize: text.intermediate_size,
      numLayers: text.num_hidden_layers,
      numHeads: text.num_attention_heads,
      numKvHeads,
      headDim,
      rmsNormEps: text.rms_norm_eps,
      ropeTheta: text.rope_parameters?.rope_theta ?? text.rope_theta,
      maxPositionEmbeddings: text.max_position_embeddings,
      attentionBias: text.attention_bias,
      mlpBias: text.mlp_bias,
    },
    vision: {
      hiddenSize: vision.hidden_size,
      intermediateSize: vision.intermediate_size,
      numLayers: vision.num_hidden_layers,
      numHeads: vision.num_attention_heads,
      imageSize: vision.image_size,
      patchSize: vision.patch_size,
      numChannels: vision.num_channels,
      hiddenAct: vision.hidden_act,
      layerNormEps: vision.layer_norm_eps,
    },
    imageTokenIndex: top.image_token_index,
    projectorHiddenAct: top.projector_hidden_act,
    projectorBias: top.multimodal_projector_bias,
    visionFeatureLayer: layer,
    visionFeatureSelectStrategy: top.vision_feature_select_strategy,
    // As LlavaConfig does: the text config's tie flag carries over when the top-level one is false.
    tieWordEmbeddings: top.tie_word_embeddings || text.tie_word_embeddings,
    numImageTokens: patches + (top.vision_feature_select_strategy === "full" ? 1 : 0),
    visionLayersUsed: layer < 0 ? states + layer : layer,
  };
}

/** Reads and validates `<dir>/config.json` (see `parseLlavaConfig`). */
export async function loadLlavaConfig(dir: string): Promise<LlavaConfig> {
  const path = join(dir, "config.json");
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : (error as Error).message;
    throw new Error(`Cannot read "${path}": ${reason}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`Cannot read "${path}": malformed JSON`);
  }
  return parseLlavaConfig(json, path);
}

function parseWith<S extends z.ZodType>(
  schema: S,
  value: unknown,
  prefix: string[],
  fail: (reason: string) => Error,
): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const keyPath = [...prefix, ...issue.path.map(String)];
  if (keyPath.length === 0) throw fail("expected a JSON object");
  const given = valueAt(value, issue.path);
  const expected = describeExpected(issue);
  const key = keyPath.join(".");
  if (given === undefined) throw fail(`key "${key}" is missing`);
  throw fail(`key "${key}" is ${JSON.stringify(given)}, expected ${expected}`);
}

function describeExpected(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_value") return issue.values.map((v) => JSON.stringify(v)).join(" or ");
  if (issue.code === "invalid_type") {
    if (issue.expected === "null") return "null (unsupported otherwise)";
    return issue.expected === "int" ? "an integer" : `a ${issue.expected}`;
  }
  if (issue.code === "too_small") {
    return issue.minimum === 0 ? "a positive number" : `at least ${issue.minimum}`;
  }
  return issue.message;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

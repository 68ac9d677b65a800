/**
 * A second tiny LLaVA checkpoint, built at test time, to prove that the loader and the forward pass follow
 * the format rather than the public fixture: other sizes, grouped-query attention (6 heads, 2 kv heads),
 * BF16 weights in two shards with `model.safetensors.index.json` and the newer tensor names, config fields
 * left at their class defaults (rms_norm_eps → 1e-6, rope_theta, activations, image_token_index 32000,
 * vision_feature_layer, strategy, model types), and the Llama-2 vocabulary size (32000 + `<image>`,
 * `<pad>`, padded to 32064). The Llama-2 tokenizer.json is copied from ../shared when it exists.
 *
 * Returns the BF16-rounded weights as float64 in PyTorch layout for the independent reference.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../../lib/engine/rng.ts";
import { decodeBf16, f32ToBf16Bits } from "../../lib/models/llava/half.ts";
import { type TensorToWrite, writeTypedSafetensors } from "../../lib/models/llava/safetensors_writer.ts";
import { newTensorName } from "../../lib/models/llava/weights.ts";
import { type RefConfig, referenceForward, type RefTensor } from "./reference_forward.ts";

/** The Llama-2 tokenizer with `<image>`/`<pad>` (not part of the project; see its README). */
export const LLAMA2_TOKENIZER = join(
  import.meta.dirname!,
  "../../../shared/vendor/llama-2-tokenizer/tokenizer.json",
);

export const SECOND_CONFIG: RefConfig = {
  vision: { hidden: 40, heads: 4, layers: 3, image: 56, patch: 14, eps: 1e-5, featureLayer: -2 },
  text: { hidden: 48, heads: 6, kvHeads: 2, layers: 4, eps: 1e-6, theta: 10000, vocab: 32064 },
  imageTokenIndex: 32000,
  eosId: 2,
};
const VISION_MLP = 72;
const TEXT_MLP = 80;

/** config.json as a checkpoint converter would leave it: only non-default sizes. */
export const SECOND_CONFIG_JSON = {
  architectures: ["LlavaForConditionalGeneration"],
  model_type: "llava",
  pad_token_id: 32001,
  text_config: {
    hidden_size: 48,
    intermediate_size: TEXT_MLP,
    num_hidden_layers: 4,
    num_attention_heads: 6,
    num_key_value_heads: 2,
    vocab_size: 32064,
  },
  vision_config: {
    hidden_size: 40,
    intermediate_size: VISION_MLP,
    num_hidden_layers: 3,
    num_attention_heads: 4,
    image_size: 56,
    patch_size: 14,
    projection_dim: 32,
  },
  torch_dtype: "bfloat16",
};

function bf16Round(x: Float64Array): Float64Array {
  const bits = new Uint8Array(x.length * 2);
  for (let i = 0; i < x.length; i++) {
    const b = f32ToBf16Bits(x[i]!);
    bits[2 * i] = b & 0xff;
    bits[2 * i + 1] = b >> 8;
  }
  return Float64Array.from(decodeBf16(bits));
}

/** Random weights (old llava-hf names, PyTorch layout), already rounded to BF16. */
export function secondCheckpointWeights(seed = 11): Map<string, RefTensor> {
  const rng = new Rng(seed);
  const w = new Map<string, RefTensor>();
  const add = (name: string, shape: number[], scale: number, offset = 0) => {
    const n = shape.reduce((p, s) => p * s, 1);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = offset + scale * rng.normal();
    w.set(name, { shape, data: bf16Round(data) });
  };
  const linear = (name: string, dout: number, din: number, bias: boolean) => {
    add(`${name}.weight`, [dout, din], 1 / Math.sqrt(din));
    if (bias) add(`${name}.bias`, [dout], 0.1);
  };
  const norm = (name: string, d: number, bias: boolean) => {
    add(`${name}.weight`, [d], 0.2, 1);
    if (bias) add(`${name}.bias`, [d], 0.1);
  };
  const { vision: v, text: t } = SECOND_CONFIG;
  const V = "vision_tower.vision_model.";
  const grid = v.image / v.patch;
  add(`${V}embeddings.class_embedding`, [v.hidden], 1);
  add(
    `${V}embeddings.patch_embedding.weight`,
    [v.hidden, 3, v.patch, v.patch],
    1 / Math.sqrt(3 * v.patch * v.patch),
  );
  add(`${V}embeddings.position_embedding.weight`, [grid * grid + 1, v.hidden], 0.5);
  norm(`${V}pre_layrnorm`, v.hidden, true);
  for (let l = 0; l < v.layers; l++) {
    const p = `${V}encoder.layers.${l}.`;
    for (const n of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      linear(`${p}self_attn.${n}`, v.hidden, v.hidden, true);
    }
    norm(`${p}layer_norm1`, v.hidden, true);
    norm(`${p}layer_norm2`, v.hidden, true);
    linear(`${p}mlp.fc1`, VISION_MLP, v.hidden, true);
    linear(`${p}mlp.fc2`, v.hidden, VISION_MLP, true);
  }
  norm(`${V}post_layernorm`, v.hidden, true); // unused by LLaVA, present in real checkpoints
  linear("multi_modal_projector.linear_1", t.hidden, v.hidden, true);
  linear("multi_modal_projector.linear_2", t.hidden, t.hidden, true);
  const L = "language_model.model.";
  add(`${L}embed_tokens.weight`, [t.vocab, t.hidden], 1);
  const dh = t.hidden / t.heads;
  for (let l = 0; l < t.layers; l++) {
    const p = `${L}layers.${l}.`;
    norm(`${p}input_layernorm`, t.hidden, false);
    linear(`${p}self_attn.q_proj`, t.heads * dh, t.hidden, false);
    linear(`${p}self_attn.k_proj`, t.kvHeads * dh, t.hidden, false);
    linear(`${p}self_attn.v_proj`, t.kvHeads * dh, t.hidden, false);
    linear(`${p}self_attn.o_proj`, t.hidden, t.heads * dh, false);
    norm(`${p}post_attention_layernorm`, t.hidden, false);
    linear(`${p}mlp.gate_proj`, TEXT_MLP, t.hidden, false);
    linear(`${p}mlp.up_proj`, TEXT_MLP, t.hidden, false);
    linear(`${p}mlp.down_proj`, t.hidden, TEXT_MLP, false);
  }
  norm(`${L}norm`, t.hidden, false);
  add("language_model.lm_head.weight", [t.vocab, t.hidden], 1 / Math.sqrt(t.hidden));
  return w;
}

/**
 * Writes the checkpoint to `dir`: config.json, two BF16 shards with the newer names and their index,
 * and the Llama-2 tokenizer.json when available. Returns whether the tokenizer was copied.
 */
export async function writeSecondCheckpoint(dir: string, weights: Map<string, RefTensor>): Promise<boolean> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, "config.json"), JSON.stringify(SECOND_CONFIG_JSON, null, 2));
  const shards: [string, TensorToWrite[]][] = [
    ["model-00001-of-00002.safetensors", []],
    ["model-00002-of-00002.safetensors", []],
  ];
  const weightMap: Record<string, string> = {};
  for (const [name, t] of weights) {
    // Vision, projector and embeddings in the first shard, decoder layers and heads in the second.
    const shard = shards[
      name.includes(".layers.") && name.startsWith("language_model") || name.includes("lm_head") ||
        name.endsWith("model.norm.weight")
        ? 1
        : 0
    ]!;
    const newName = newTensorName(name);
    shard[1].push({ name: newName, dtype: "BF16", shape: t.shape, data: t.data });
    weightMap[newName] = shard[0];
  }
  let total = 0;
  for (const [file, tensors] of shards) {
    await writeTypedSafetensors(join(dir, file), tensors);
    total += tensors.reduce((s, t) => s + 2 * t.data.length, 0);
  }
  await Deno.writeTextFile(
    join(dir, "model.safetensors.index.json"),
    JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2),
  );
  if (!existsSync(LLAMA2_TOKENIZER)) return false;
  await Deno.copyFile(LLAMA2_TOKENIZER, join(dir, "tokenizer.json"));
  return true;
}

/** preprocessor_config.json of the second checkpoint: CLIPImageProcessor at 56 px. */
export const SECOND_PREPROCESSOR_JSON = {
  crop_size: { height: 56, width: 56 },
  do_center_crop: true,
  do_convert_rgb: true,
  do_normalize: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_processor_type: "CLIPImageProcessor",
  image_std: [0.26862954, 0.26130258, 0.27577711],
  resample: 3,
  rescale_factor: 0.00392156862745098,
  size: { shortest_edge: 56 },
};

/**
 * Makes greedy decoding of `input` stop at `</s>`: with g the token chosen at step 1 and n₁ the
 * final-normed hidden state there, lm_head row 2 becomes row g + 0.5·n₁/|n₁|², so `</s>` beats g by 0.5
 * at step 1 (or already wins at step 0). Other rows and steps before are unchanged.
 */
export function forceEos(
  weights: Map<string, RefTensor>,
  input: { inputIds: number[]; pixelValues: ArrayLike<number> },
) {
  const r = referenceForward(weights, SECOND_CONFIG, { ...input, maxNewTokens: 3, B: 1, R: 1 });
  const d = SECOND_CONFIG.text.hidden;
  const head = weights.get("language_model.lm_head.weight")!.data;
  const g = r.generated[1]!;
  const n1 = r.stepHidden[1]!;
  const norm2 = n1.reduce((s, v) => s + v * v, 0);
  const row = new Float64Array(d);
  for (let i = 0; i < d; i++) row[i] = head[g * d + i]! + (0.5 * n1[i]!) / norm2;
  head.set(bf16Round(row), SECOND_CONFIG.eosId * d);
}

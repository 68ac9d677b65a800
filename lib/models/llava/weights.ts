/**
 * The tensors of a llava-hf checkpoint, located, checked against the config, and loaded tensor by tensor
 * into tfjs (f32) in the layout the forward pass uses (linear weights as [in, out]).
 *
 * Files: `model.safetensors`, or shards listed by `model.safetensors.index.json` (`weight_map`). Names:
 * the llava-hf spelling of transformers < 4.52 (`language_model.model.*`, `language_model.lm_head.weight`,
 * `vision_tower.*`, `multi_modal_projector.*`) and the newer one (`model.language_model.*`,
 * `lm_head.weight`, `model.vision_tower.*`, `model.multi_modal_projector.*`) are both accepted.
 * Every tensor the forward pass needs is checked (present, shape, dtype) before any data is read, so a
 * broken checkpoint fails in seconds, not after minutes of loading.
 */
import * as tf from "@tensorflow/tfjs";
import { join } from "node:path";

import type { LlavaConfig } from "./config.ts";
import { checkDtype, openSafetensors, type SafetensorsFile, type TensorEntry } from "./safetensors_reader.ts";

/** A linear layer: `w` [in, out] (PyTorch's weight transposed), optional bias [out]. */
export interface Linear {
  w: tf.Tensor2D;
  b?: tf.Tensor1D;
}

/** LayerNorm parameters [d]. */
export interface LayerNormWeights {
  g: tf.Tensor1D;
  b: tf.Tensor1D;
}

/** One CLIP encoder block. */
export interface ClipLayerWeights {
  ln1: LayerNormWeights;
  q: Linear;
  k: Linear;
  v: Linear;
  out: Linear;
  ln2: LayerNormWeights;
  fc1: Linear;
  fc2: Linear;
}

/** The CLIP vision tower, up to the layer LLaVA reads its features from. */
export interface ClipWeights {
  /** [C·p·p, d]: the bias-free patch convolution as a matrix over (channel, row, column) patches. */
  patch: tf.Tensor2D;
  /** [d] */
  cls: tf.Tensor1D;
  /** [N+1, d] */
  position: tf.Tensor2D;
  preLn: LayerNormWeights;
  layers: ClipLayerWeights[];
}

/** The two-layer projector (linear → GELU → linear). */
export interface ProjectorWeights {
  linear1: Linear;
  linear2: Linear;
}

/** One Llama decoder layer. */
export interface LlamaLayerWeights {
  /** [d] RMSNorm weight before attention. */
  inputNorm: tf.Tensor1D;
  q: Linear;
  k: Linear;
  v: Linear;
  o: Linear;
  /** [d] RMSNorm weight before the MLP. */
  postNorm: tf.Tensor1D;
  gate: Linear;
  up: Linear;
  down: Linear;
}

/** The Llama language model. */
export interface LlamaWeights {
  /** [V, d] */
  embed: tf.Tensor2D;
  layers: LlamaLayerWeights[];
  /** [d] */
  norm: tf.Tensor1D;
  /** [d, V] */
  lmHead: tf.Tensor2D;
}

/** Every tensor of a LLaVA model. */
export interface LlavaWeights {
  vision: ClipWeights;
  projector: ProjectorWeights;
  text: LlamaWeights;
}

/** A tensor the forward pass needs: its old-style llava-hf name and PyTorch shape. */
export interface TensorSpec {
  name: string;
  shape: number[];
}

const VISION = "vision_tower.vision_model.";
const TEXT = "language_model.model.";
const LM_HEAD = "language_model.lm_head.weight";
const PROJECTOR = "multi_modal_projector.";

/** Every tensor needed for `config`, by old-style name, in load order (vision, projector, text). */
export function llavaTensorSpecs(config: LlavaConfig): TensorSpec[] {
  const specs: TensorSpec[] = [];
  const add = (name: string, shape: number[]) => specs.push({ name, shape });
  const linear = (name: string, dout: number, din: number, bias: boolean) => {
    add(`${name}.weight`, [dout, din]);
    if (bias) add(`${name}.bias`, [dout]);
  };
  const layerNorm = (name: string, d: number) => {
    add(`${name}.weight`, [d]);
    add(`${name}.bias`, [d]);
  };
  const v = config.vision;
  const p = v.imageSize / v.patchSize;
  add(`${VISION}embeddings.class_embedding`, [v.hiddenSize]);
  add(`${VISION}embeddings.patch_embedding.weight`, [v.hiddenSize, v.numChannels, v.patchSize, v.patchSize]);
  add(`${VISION}embeddings.position_embedding.weight`, [p * p + 1, v.hiddenSize]);
  layerNorm(`${VISION}pre_layrnorm`, v.hiddenSize);
  for (let i = 0; i < config.visionLayersUsed; i++) {
    const at = `${VISION}encoder.layers.${i}.`;
    for (const n of ["q_proj", "k_proj", "v_proj", "out_proj"]) {
      linear(`${at}self_attn.${n}`, v.hiddenSize, v.hiddenSize, true);
    }
    layerNorm(`${at}layer_norm1`, v.hiddenSize);
    layerNorm(`${at}layer_norm2`, v.hiddenSize);
    linear(`${at}mlp.fc1`, v.intermediateSize, v.hiddenSize, true);
    linear(`${at}mlp.fc2`, v.hiddenSize, v.intermediateSize, true);
  }
  const t = config.text;
  linear(`${PROJECTOR}linear_1`, t.hiddenSize, v.hiddenSize, config.projectorBias);
  linear(`${PROJECTOR}linear_2`, t.hiddenSize, t.hiddenSize, config.projectorBias);
  add(`${TEXT}embed_tokens.weight`, [t.vocabSize, t.hiddenSize]);
  for (let i = 0; i < t.numLayers; i++) {
    const at = `${TEXT}layers.${i}.`;
    add(`${at}input_layernorm.weight`, [t.hiddenSize]);
    linear(`${at}self_attn.q_proj`, t.numHeads * t.headDim, t.hiddenSize, t.attentionBias);
    linear(`${at}self_attn.k_proj`, t.numKvHeads * t.headDim, t.hiddenSize, t.attentionBias);
    linear(`${at}self_attn.v_proj`, t.numKvHeads * t.headDim, t.hiddenSize, t.attentionBias);
    linear(`${at}self_attn.o_proj`, t.hiddenSize, t.numHeads * t.headDim, t.attentionBias);
    add(`${at}post_attention_layernorm.weight`, [t.hiddenSize]);
    linear(`${at}mlp.gate_proj`, t.intermediateSize, t.hiddenSize, t.mlpBias);
    linear(`${at}mlp.up_proj`, t.intermediateSize, t.hiddenSize, t.mlpBias);
    linear(`${at}mlp.down_proj`, t.hiddenSize, t.intermediateSize, t.mlpBias);
  }
  add(`${TEXT}norm.weight`, [t.hiddenSize]);
  if (!config.tieWordEmbeddings) add(LM_HEAD, [t.vocabSize, t.hiddenSize]);
  return specs;
}

/** The newer (transformers ≥ 4.52) spelling of an old-style llava-hf tensor name. */
export function newTensorName(name: string): string {
  if (name === LM_HEAD) return "lm_head.weight";
  if (name.startsWith(TEXT)) return `model.language_model.${name.slice(TEXT.length)}`;
  return `model.${name}`;
}

/** Where each needed tensor lives, after every check passed. */
interface Located {
  spec: TensorSpec;
  file: SafetensorsFile;
  entry: TensorEntry;
}

/**
 * Loads the weights of the checkpoint in `dir` for `config`. Errors name the file and the tensor:
 * `Cannot read "dir/model-00002-of-00002.safetensors": file not found (listed in "dir/model.safetensors.index.json")`,
 * `Cannot read "dir/model.safetensors": tensor "x" is missing (also looked for "model.x")`,
 * `Cannot read "dir/model.safetensors": tensor "x" has shape [2,3], expected [3,2]`.
 */
export async function loadLlavaWeights(dir: string, config: LlavaConfig): Promise<LlavaWeights> {
  const files = await openCheckpointFiles(dir);
  try {
    const located = locate(files, llavaTensorSpecs(config));
    const tensors = new Map<string, tf.Tensor>();
    for (const { spec, file, entry } of located.values()) {
      const data = await file.read(entry.name);
      tensors.set(spec.name, toDeviceLayout(spec, data));
    }
    return assemble(tensors, config);
  } finally {
    for (const f of new Set(files.values())) f.close();
  }
}

/** Opens the single file or every shard; the map goes from tensor name to its file. */
async function openCheckpointFiles(dir: string): Promise<Map<string, SafetensorsFile>> {
  const indexPath = join(dir, "model.safetensors.index.json");
  const singlePath = join(dir, "model.safetensors");
  let indexText: string | undefined;
  try {
    indexText = await Deno.readTextFile(indexPath);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) {
      throw new Error(`Cannot read "${indexPath}": ${(error as Error).message}`);
    }
  }
  const byName = new Map<string, SafetensorsFile>();
  if (indexText === undefined) {
    try {
      await Deno.stat(singlePath);
    } catch {
      throw new Error(`Cannot read "${singlePath}": file not found (and there is no "${indexPath}")`);
    }
    const file = await openSafetensors(singlePath);
    for (const name of file.tensors.keys()) byName.set(name, file);
    return byName;
  }
  let weightMap: Record<string, unknown>;
  try {
    const parsed = JSON.parse(indexText) as { weight_map?: unknown };
    if (
      parsed.weight_map === null || typeof parsed.weight_map !== "object" || Array.isArray(parsed.weight_map)
    ) {
      throw new Error("no weight_map");
    }
    weightMap = parsed.weight_map as Record<string, unknown>;
  } catch {
    throw new Error(`Cannot read "${indexPath}": expected JSON with a "weight_map" object`);
  }
  const shards = new Map<string, SafetensorsFile>();
  try {
    for (const [name, shard] of Object.entries(weightMap)) {
      if (typeof shard !== "string" || shard.includes("/") || shard.includes("\\")) {
        throw new Error(
          `Cannot read "${indexPath}": tensor "${name}" maps to ${
            JSON.stringify(shard)
          }, expected a file name`,
        );
      }
      let file = shards.get(shard);
      if (file === undefined) {
        const shardPath = join(dir, shard);
        try {
          file = await openSafetensors(shardPath);
        } catch (error) {
          const message = (error as Error).message;
          if (message.endsWith(": file not found")) {
            throw new Error(`${message} (listed for tensor "${name}" in "${indexPath}")`);
          }
          throw error;
        }
        shards.set(shard, file);
      }
      byName.set(name, file);
    }
  } catch (error) {
    for (const f of shards.values()) f.close();
    throw error;
  }
  return byName;
}

function locate(files: Map<string, SafetensorsFile>, specs: TensorSpec[]): Map<string, Located> {
  // Name the single file, or the index when tensors are spread over shards.
  const paths = new Set([...files.values()].map((f) => f.path));
  const where = paths.size === 1
    ? [...paths][0]!
    : join([...paths][0]!, "..", "model.safetensors.index.json");
  const out = new Map<string, Located>();
  for (const spec of specs) {
    const alt = newTensorName(spec.name);
    const name = files.has(spec.name) ? spec.name : files.has(alt) ? alt : undefined;
    if (name === undefined) {
      throw new Error(`Cannot read "${where}": tensor "${spec.name}" is missing (also looked for "${alt}")`);
    }
    const file = files.get(name)!;
    const fail = (reason: string) => new Error(`Cannot read "${file.path}": ${reason}`);
    const entry = file.tensors.get(name);
    if (entry === undefined) throw fail(`tensor "${name}" is listed in the index but not in the file`);
    checkDtype(entry, fail);
    if (entry.shape.length !== spec.shape.length || entry.shape.some((s, i) => s !== spec.shape[i])) {
      throw fail(`tensor "${name}" has shape [${entry.shape.join(",")}], expected [${spec.shape.join(",")}]`);
    }
    out.set(spec.name, { spec, file, entry });
  }
  return out;
}

/**
 * PyTorch layout → the layout of the forward pass: linear weights [out, in] → [in, out]. `spec.name` is the
 * old-style name (it tells embeddings, which keep their layout, from linear weights).
 */
export function toDeviceLayout(spec: TensorSpec, data: Float32Array): tf.Tensor {
  const { shape, name } = spec;
  if (name.endsWith("patch_embedding.weight")) {
    const [d, c, p] = shape as [number, number, number];
    return tf.tidy(() => tf.transpose(tf.tensor2d(data, [d, c * p * p])));
  }
  if (
    shape.length === 2 && !name.endsWith("embed_tokens.weight") && !name.endsWith("position_embedding.weight")
  ) {
    return tf.tidy(() => tf.transpose(tf.tensor2d(data, shape as [number, number])));
  }
  return tf.tensor(data, shape);
}

function assemble(t: Map<string, tf.Tensor>, config: LlavaConfig): LlavaWeights {
  const get = <T extends tf.Tensor>(name: string) => t.get(name) as T;
  const opt = <T extends tf.Tensor>(name: string) => t.get(name) as T | undefined;
  const lin = (name: string): Linear => {
    const b = opt<tf.Tensor1D>(`${name}.bias`);
    return b === undefined ? { w: get(`${name}.weight`) } : { w: get(`${name}.weight`), b };
  };
  const ln = (name: string): LayerNormWeights => ({ g: get(`${name}.weight`), b: get(`${name}.bias`) });
  const vision: ClipWeights = {
    patch: get(`${VISION}embeddings.patch_embedding.weight`),
    cls: get(`${VISION}embeddings.class_embedding`),
    position: get(`${VISION}embeddings.position_embedding.weight`),
    preLn: ln(`${VISION}pre_layrnorm`),
    layers: Array.from({ length: config.visionLayersUsed }, (_, i) => {
      const at = `${VISION}encoder.layers.${i}.`;
      return {
        ln1: ln(`${at}layer_norm1`),
        q: lin(`${at}self_attn.q_proj`),
        k: lin(`${at}self_attn.k_proj`),
        v: lin(`${at}self_attn.v_proj`),
        out: lin(`${at}self_attn.out_proj`),
        ln2: ln(`${at}layer_norm2`),
        fc1: lin(`${at}mlp.fc1`),
        fc2: lin(`${at}mlp.fc2`),
      };
    }),
  };
  const embed = get<tf.Tensor2D>(`${TEXT}embed_tokens.weight`);
  const text: LlamaWeights = {
    embed,
    layers: Array.from({ length: config.text.numLayers }, (_, i) => {
      const at = `${TEXT}layers.${i}.`;
      return {
        inputNorm: get(`${at}input_layernorm.weight`),
        q: lin(`${at}self_attn.q_proj`),
        k: lin(`${at}self_attn.k_proj`),
        v: lin(`${at}self_attn.v_proj`),
        o: lin(`${at}self_attn.o_proj`),
        postNorm: get(`${at}post_attention_layernorm.weight`),
        gate: lin(`${at}mlp.gate_proj`),
        up: lin(`${at}mlp.up_proj`),
        down: lin(`${at}mlp.down_proj`),
      };
    }),
    norm: get(`${TEXT}norm.weight`),
    lmHead: config.tieWordEmbeddings ? tf.transpose(embed) : get(LM_HEAD),
  };
  return {
    vision,
    projector: { linear1: lin(`${PROJECTOR}linear_1`), linear2: lin(`${PROJECTOR}linear_2`) },
    text,
  };
}

/** Frees every tensor of `weights`. */
export function disposeLlavaWeights(weights: LlavaWeights): void {
  const all: tf.Tensor[] = [];
  const collect = (value: unknown) => {
    if (value instanceof tf.Tensor) all.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value !== null && typeof value === "object") Object.values(value).forEach(collect);
  };
  collect(weights);
  tf.dispose([...new Set(all)]);
}

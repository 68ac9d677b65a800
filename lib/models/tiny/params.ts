import * as tf from "@tensorflow/tfjs";
import type { Rng } from "../../engine/rng.ts";
import { namedVariable } from "../../engine/variables.ts";
import { cnnShapes } from "./cnn_stem.ts";
import { gridOf, type ModelConfig } from "./config.ts";
import type { Params, TensorMap } from "../../model/tensors.ts";

export type { Params, TensorMap } from "../../model/tensors.ts";

/** Shape of every parameter, in a fixed order; the single source of truth for init, save and load. */
export function paramShapes(config: ModelConfig): [string, number[]][] {
  const { tokens } = gridOf(config);
  const dv = config.visionDim;
  const d = config.dim;
  const k = config.convKernel;
  const stemIn = config.stem === "conv"
    ? config.convChannels + 3
    : config.stem === "cnn"
    ? config.cnnChannels[2]! + 3
    : config.patchWindow * config.patchWindow * 3;
  const shapes: [string, number[]][] = [
    ...(config.stem === "conv"
      ? [["vit.conv.w", [k * k, config.convChannels]], ["vit.conv.b", [config.convChannels]]] as [
        string,
        number[],
      ][]
      : []),
    ...(config.stem === "cnn" ? cnnShapes(config) : []),
    ["vit.stem.w", [stemIn, config.stemHidden]],
    ["vit.stem.b", [config.stemHidden]],
    ["vit.patch.w", [config.stemHidden, dv]],
    ["vit.patch.b", [dv]],
    ["vit.pos", [tokens, dv]],
  ];
  for (let i = 0; i < config.visionLayers; i++) {
    const p = `vit.layers.${i}.`;
    shapes.push(
      [p + "norm1", [dv]],
      [p + "wq", [dv, dv]],
      [p + "wk", [dv, dv]],
      [p + "wv", [dv, dv]],
      [p + "wo", [dv, dv]],
      [p + "norm2", [dv]],
      [p + "fc1", [dv, config.visionMlp]],
      [p + "fc1b", [config.visionMlp]],
      [p + "fc2", [config.visionMlp, dv]],
      [p + "fc2b", [dv]],
    );
  }
  shapes.push(
    ["vit.norm", [dv]],
    ["proj.fc1", [dv, config.projectorHidden]],
    ["proj.fc1b", [config.projectorHidden]],
    ["proj.fc2", [config.projectorHidden, d]],
    ["proj.fc2b", [d]],
    ["lm.embed", [config.vocabSize, d]],
  );
  for (let i = 0; i < config.layers; i++) shapes.push(...decoderLayerShapes(config, `lm.layers.${i}.`));
  shapes.push(["lm.norm", [d]], ["lm.head", [d, config.vocabSize]]);
  return shapes;
}

/** Parameter shapes of one decoder layer (also used for the RPN branch copies). */
export function decoderLayerShapes(config: ModelConfig, prefix: string): [string, number[]][] {
  const d = config.dim;
  const a = config.heads * config.headDim;
  return [
    [prefix + "attnNorm", [d]],
    [prefix + "wq", [d, a]],
    [prefix + "wk", [d, a]],
    [prefix + "wv", [d, a]],
    [prefix + "wo", [a, d]],
    [prefix + "mlpNorm", [d]],
    [prefix + "w1", [d, config.mlp]],
    [prefix + "w2", [config.mlp, d]],
  ];
}

/**
 * GPT-2 style init as plain arrays: N(0, 0.02) weights, residual output projections scaled by
 * 1/sqrt(2·layers) so the residual stream does not grow with depth; norms at 1, biases at 0.
 */
export function initTensors(config: ModelConfig, rng: Rng): TensorMap {
  const out: TensorMap = {};
  for (const [name, shape] of paramShapes(config)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    const leaf = name.slice(name.lastIndexOf(".") + 1);
    const isNorm = leaf.startsWith("norm") || leaf.endsWith("Norm");
    const isBias = leaf === "b" || leaf === "fc1b" || leaf === "fc2b";
    if (isNorm) {
      data.fill(1);
    } else if (name === "vit.conv.w" || name === "vit.stem.w" || /^vit\.cnn\d\.w$/.test(name)) {
      // He init for the stem layers that feed a ReLU on raw-pixel scale: at 0.02 they start almost silent.
      const std = Math.sqrt(2 / shape[0]!);
      for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
    } else if (!isBias) {
      const depth = name.startsWith("vit") ? config.visionLayers : config.layers;
      const std = leaf === "wo" || leaf === "w2" || leaf === "fc2" ? 0.02 / Math.sqrt(2 * depth) : 0.02;
      for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
    }
    out[name] = { shape, data };
  }
  return out;
}

/** Freshly initialised variables (see `initTensors`). */
export function initParams(config: ModelConfig, rng: Rng): Params {
  return importParams(config, initTensors(config, rng), "init");
}

/** Plain arrays of every parameter (for safetensors). */
export async function exportParams(params: Params): Promise<TensorMap> {
  const out: TensorMap = {};
  for (const [name, v] of Object.entries(params)) {
    out[name] = { shape: v.shape.slice(), data: (await v.data()) as Float32Array };
  }
  return out;
}

/** Variables from plain arrays, checking that names and shapes match the config exactly. */
export function importParams(
  config: ModelConfig,
  tensors: TensorMap,
  source: string,
): Params {
  const params: Params = {};
  const expected = paramShapes(config);
  for (const [name, shape] of expected) {
    const t = tensors[name];
    if (!t) throw new Error(`Cannot load checkpoint "${source}": tensor "${name}" is missing`);
    if (t.shape.join(",") !== shape.join(",")) {
      throw new Error(
        `Cannot load checkpoint "${source}": tensor "${name}" has shape [${t.shape}], expected [${shape}]`,
      );
    }
    params[name] = namedVariable(name, tf.tensor(t.data, shape));
  }
  const extra = Object.keys(tensors).filter((n) => !expected.some(([e]) => e === n));
  if (extra.length > 0) {
    throw new Error(`Cannot load checkpoint "${source}": unexpected tensor "${extra[0]}"`);
  }
  return params;
}

/** Number of scalar parameters. */
export function countParams(params: Params): number {
  return Object.values(params).reduce((a, v) => a + v.size, 0);
}

/** Number of scalar parameters in plain-array weights. */
export function countTensorParams(tensors: TensorMap): number {
  return Object.values(tensors).reduce((a, t) => a + t.data.length, 0);
}

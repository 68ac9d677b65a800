/**
 * SD-RPN's RoI score on LLaVA at twig initialisation: the frozen decoder runs layers 0..B−1; the twig
 * (copies of layers B..B+R−2, a copy of the final norm, then layer B+R−1's input_layernorm and
 * q_proj/k_proj) scores each image token against the last prompt token with q·k/√dh per head, without
 * RoPE or softmax, averaged over heads. At initialisation the copies equal the originals, so the model's
 * own weights are used directly.
 */
import * as tf from "@tensorflow/tfjs";
import { applyLinear, splitHeads, tidyResult } from "./layers.ts";
import { repeatKv } from "./llama.ts";
import type { LlavaModel } from "./model.ts";
import type { LlamaLayerWeights } from "./weights.ts";

/** Where the image tokens are and which row queries them. */
export interface TwigQuery {
  /** Index of the first of the image tokens in the sequence. */
  imageStart: number;
  imageCount: number;
  /** The querying row (LLaVA: the last prompt token). */
  query: number;
}

/** The twig's weights: R−1 full decoder layers, a norm, and the scoring layer's norm + q/k projections. */
export interface TwigWeights {
  layers: LlamaLayerWeights[];
  norm: tf.Tensor1D;
  scorer: LlamaLayerWeights;
}

/** The twig at initialisation for backbone depth B and twig depth R (weights shared with the model). */
export function twigAtInit(model: LlavaModel, b: number, r: number): TwigWeights {
  const n = model.config.text.numLayers;
  if (!Number.isInteger(b) || !Number.isInteger(r) || b < 1 || r < 1 || b + r > n) {
    throw new Error(`Invalid SD-RPN layers B=${b}, R=${r}: expected B ≥ 1, R ≥ 1 and B+R ≤ ${n}`);
  }
  return {
    layers: Array.from({ length: r - 1 }, (_, i) => model.layerWeights(b + i)),
    norm: model.finalNormWeight,
    scorer: model.layerWeights(b + r - 1),
  };
}

/**
 * Scores [imageCount] of the image tokens for backbone hidden states `hidden` [T, d] (the output of
 * layers 0..B−1) through `twig`.
 */
export function twigScores(
  model: LlavaModel,
  twig: TwigWeights,
  hidden: tf.Tensor2D,
  at: TwigQuery,
): tf.Tensor1D {
  const cfg = model.config.text;
  return tidyResult(() => {
    let x = hidden;
    for (const layer of twig.layers) x = model.applyLayer(x, layer).out;
    const h = model.rmsNorm(model.rmsNorm(x, twig.norm), twig.scorer.inputNorm);
    const q = splitHeads(applyLinear(tf.slice(h, [at.query, 0], [1, -1]), twig.scorer.q), cfg.numHeads); // [H, 1, dh]
    const imageRows = tf.slice(h, [at.imageStart, 0], [at.imageCount, -1]);
    const k = repeatKv(splitHeads(applyLinear(imageRows, twig.scorer.k), cfg.numKvHeads), cfg.numHeads); // [H, N, dh]
    const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(cfg.headDim)); // [H, 1, N]
    return tf.reshape(tf.mean(scores, 0), [at.imageCount]) as tf.Tensor1D;
  });
}

/** `rpn_logits` of the dump: twig at initialisation for (B, R) over input embeddings [T, d]. */
export async function rpnLogitsAtInit(
  model: LlavaModel,
  embeds: tf.Tensor2D,
  b: number,
  r: number,
  at: TwigQuery,
): Promise<Float32Array> {
  const twig = twigAtInit(model, b, r);
  const backbone = model.prefill(embeds, { upTo: b, hiddenLayers: [b], logits: "none" });
  try {
    const scores = twigScores(model, twig, backbone.hidden[b]!, at);
    const data = (await scores.data()) as Float32Array;
    scores.dispose();
    return data;
  } finally {
    tf.dispose([...backbone.cache.layers.flatMap((l) => [l.k, l.v]), ...Object.values(backbone.hidden)]);
  }
}

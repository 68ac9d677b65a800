/**
 * The CLIP vision tower as LLaVA uses it: bias-free patch convolution, class token, learned position
 * embeddings, `pre_layrnorm`, then pre-LN encoder blocks; LLaVA reads `hidden_states[vision_feature_layer]`
 * (by default the next-to-last block's output) and drops the class token ("default" strategy).
 */
import * as tf from "@tensorflow/tfjs";
import type { ClipVisionConfig, LlavaConfig } from "./config.ts";
import { activation, applyLinear, attend, layerNorm, mergeHeads, splitHeads } from "./layers.ts";
import type { ClipLayerWeights, ClipWeights } from "./weights.ts";

/**
 * Cuts CHW pixel values [C, S, S] into non-overlapping p×p patches, row-major over the grid, each
 * flattened in (channel, row, column) order to match the convolution weight's [d, C, p, p] layout.
 * Returns [N, C·p·p].
 */
export function patchify(pixels: Float32Array, channels: number, size: number, patch: number): Float32Array {
  if (pixels.length !== channels * size * size) {
    throw new Error(
      `Cannot encode image: pixel values have ${pixels.length} values, expected ${channels}×${size}×${size}`,
    );
  }
  const grid = size / patch;
  const width = channels * patch * patch;
  const out = new Float32Array(grid * grid * width);
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      let at = (gy * grid + gx) * width;
      for (let c = 0; c < channels; c++) {
        for (let y = 0; y < patch; y++) {
          const row = (c * size + gy * patch + y) * size + gx * patch;
          for (let x = 0; x < patch; x++) out[at++] = pixels[row + x]!;
        }
      }
    }
  }
  return out;
}

/** One pre-LN CLIP encoder block on [T, d]. */
export function clipLayer(x: tf.Tensor2D, w: ClipLayerWeights, cfg: ClipVisionConfig): tf.Tensor2D {
  return tf.tidy(() => {
    const h = layerNorm(x, w.ln1, cfg.layerNormEps);
    const q = splitHeads(applyLinear(h, w.q), cfg.numHeads); // [H, T, dh]
    const k = splitHeads(applyLinear(h, w.k), cfg.numHeads);
    const v = splitHeads(applyLinear(h, w.v), cfg.numHeads);
    const { context } = attend(q, k, v, null);
    const x1 = tf.add(x, applyLinear(mergeHeads(context), w.out));
    const h2 = layerNorm(x1, w.ln2, cfg.layerNormEps);
    return tf.add(x1, applyLinear(activation(cfg.hiddenAct, applyLinear(h2, w.fc1)), w.fc2)) as tf.Tensor2D;
  });
}

/**
 * CLIP features LLaVA feeds its projector: `hidden_states[vision_feature_layer]` for CHW `pixelValues`,
 * [N, d] without the class token ("default") or [N+1, d] with it ("full").
 */
export function clipFeatures(w: ClipWeights, config: LlavaConfig, pixelValues: Float32Array): tf.Tensor2D {
  const cfg = config.vision;
  const patches = patchify(pixelValues, cfg.numChannels, cfg.imageSize, cfg.patchSize);
  return tf.tidy(() => {
    const n = patches.length / w.patch.shape[0];
    const embedded = tf.matMul(tf.tensor2d(patches, [n, w.patch.shape[0]]), w.patch); // [N, d]
    let x = tf.add(tf.concat([tf.reshape(w.cls, [1, -1]), embedded], 0), w.position) as tf.Tensor2D; // [N+1, d]
    x = layerNorm(x, w.preLn, cfg.layerNormEps) as tf.Tensor2D; // hidden_states[0]
    for (let i = 0; i < config.visionLayersUsed; i++) x = clipLayer(x, w.layers[i]!, cfg);
    return config.visionFeatureSelectStrategy === "default" ? tf.slice(x, [1, 0], [-1, -1]) : x;
  });
}

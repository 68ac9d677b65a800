/**
 * The "cnn" token stem: a convolutional network over the whole encoder input — three 3×3 convolutions with
 * ReLU and 2×2 max pooling after each, then one residual 3×3 layer on the 8×8 map — whose output cells (one
 * per 8-px patch, receptive field 46 px) give each visual token its glyph features, concatenated with the
 * patch's mean colour.
 *
 * Why a CNN: a token must name a 6–16 px glyph wherever it sits relative to the patch grid. Measured on
 * dense glyph sheets (lib/data/token_labels.ts glyphSheetView): this CNN reached 35 % token accuracy after
 * 75 steps where the single-convolution stem (k = 11, 48 channels, max-pooled per patch) was at 7 % after 50.
 * Weight sharing plus pooling give shift invariance; stacking lets a cell see a glyph larger than its patch.
 *
 * wasm has no Conv2DBackpropFilter (ENGINE-NOTES.md), so every convolution is an im2col + `linear`:
 * layer 1's columns are built in JS (the input is a constant), layers 2–3 slice a zero-padded map nine
 * times in the graph (slice/concat/pad all have wasm gradients).
 */
import * as tf from "@tensorflow/tfjs";
import { linear } from "../../engine/ops.ts";
import type { ModelConfig } from "./config.ts";
import type { Params } from "../../model/tensors.ts";

/** Parameter names and shapes of the CNN stem's convolutions. */
export function cnnShapes(config: ModelConfig): [string, number[]][] {
  const [c1, c2, c3] = config.cnnChannels;
  return [
    ["vit.cnn1.w", [27, c1!]],
    ["vit.cnn1.b", [c1!]],
    ["vit.cnn2.w", [9 * c1!, c2!]],
    ["vit.cnn2.b", [c2!]],
    ["vit.cnn3.w", [9 * c2!, c3!]],
    ["vit.cnn3.b", [c3!]],
    ["vit.cnn4.w", [9 * c3!, c3!]],
    ["vit.cnn4.b", [c3!]],
  ];
}

/**
 * Images back from non-overlapping patches (patchWindow = patchSize): windows [M·G·G, P·P·3] →
 * layer-1 columns [M·S·S, 27] (3×3 RGB neighbourhood, zero outside) and patch mean colours [M·G·G, 3].
 */
export function cnnInputs(
  windows: Float32Array,
  config: ModelConfig,
  M: number,
): { cols: Float32Array; colour: Float32Array } {
  const S = config.imageSize;
  const P = config.patchSize;
  const G = S / P;
  const image = new Float32Array(M * S * S * 3); // [M, S, S, 3]
  const colour = new Float32Array(M * G * G * 3);
  for (let m = 0; m < M; m++) {
    for (let t = 0; t < G * G; t++) {
      const gy = Math.floor(t / G);
      const gx = t % G;
      const src = ((m * G * G) + t) * P * P * 3;
      for (let py = 0; py < P; py++) {
        for (let px = 0; px < P; px++) {
          const s = src + (py * P + px) * 3;
          const d = ((m * S + gy * P + py) * S + gx * P + px) * 3;
          for (let c = 0; c < 3; c++) {
            image[d + c] = windows[s + c]!;
            colour[(m * G * G + t) * 3 + c]! += windows[s + c]! / (P * P);
          }
        }
      }
    }
  }
  const cols = new Float32Array(M * S * S * 27);
  for (let m = 0; m < M; m++) {
    for (let y = 0; y < S; y++) {
      for (let x = 0; x < S; x++) {
        const d = ((m * S + y) * S + x) * 27;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= S) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= S) continue;
            const s = ((m * S + yy) * S + xx) * 3;
            const o = d + ((dy + 1) * 3 + dx + 1) * 3;
            cols[o] = image[s]!;
            cols[o + 1] = image[s + 1]!;
            cols[o + 2] = image[s + 2]!;
          }
        }
      }
    }
  }
  return { cols, colour };
}

/** 3×3 "same" convolution + ReLU as in-graph im2col: x [B, H, W, C] → [B, H, W, Cout]. */
function conv3x3(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  const padded = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  const taps: tf.Tensor[] = [];
  for (let dy = 0; dy < 3; dy++) {
    for (let dx = 0; dx < 3; dx++) taps.push(tf.slice(padded, [0, dy, dx, 0], [B, H, W, C]));
  }
  return tf.relu(linear(tf.concat(taps, 3), w, b)) as tf.Tensor4D; // columns ordered (dy, dx, c)
}

/** 2×2 max pooling by reshape + max (its gradient needs no pooling-gradient kernel). */
function pool2(x: tf.Tensor4D): tf.Tensor4D {
  const [B, H, W, C] = x.shape;
  return tf.max(tf.reshape(x, [B, H / 2, 2, W / 2, 2, C]), [2, 4]) as tf.Tensor4D;
}

/** CNN features per token: windows (flat [M·G·G, P·P·3]) → [M·G·G, c3 + 3] (features, mean colour). */
export function cnnFeatures(
  params: Params,
  config: ModelConfig,
  windows: Float32Array,
  M: number,
): tf.Tensor2D {
  const S = config.imageSize;
  const G = S / config.patchSize;
  const [c1, , c3] = config.cnnChannels;
  const { cols, colour } = cnnInputs(windows, config, M);
  let h = tf.reshape(
    tf.relu(linear(tf.tensor2d(cols, [M * S * S, 27]), params["vit.cnn1.w"]!, params["vit.cnn1.b"]!)),
    [M, S, S, c1!],
  ) as tf.Tensor4D;
  h = pool2(h); // [M, S/2, S/2, c1]
  h = pool2(conv3x3(h, params["vit.cnn2.w"]!, params["vit.cnn2.b"]!)); // [M, S/4, S/4, c2]
  h = pool2(conv3x3(h, params["vit.cnn3.w"]!, params["vit.cnn3.b"]!)); // [M, G, G, c3]
  // A residual 3×3 layer on the token grid: receptive field 22 → 46 px, for glyphs larger than a patch.
  h = tf.add(h, conv3x3(h, params["vit.cnn4.w"]!, params["vit.cnn4.b"]!)) as tf.Tensor4D;
  return tf.concat([tf.reshape(h, [M * G * G, c3!]), tf.tensor2d(colour, [M * G * G, 3])], 1) as tf.Tensor2D;
}

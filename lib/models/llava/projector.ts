/** LLaVA's multi-modal projector: linear → exact-erf GELU → linear, CLIP width → Llama width. */
import * as tf from "@tensorflow/tfjs";
import { applyLinear, geluErf } from "./layers.ts";
import type { ProjectorWeights } from "./weights.ts";

/** [N, d_vision] → [N, d_text]. */
export function project(w: ProjectorWeights, features: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => applyLinear(geluErf(applyLinear(features, w.linear1)), w.linear2) as tf.Tensor2D);
}

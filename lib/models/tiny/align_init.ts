/**
 * Projector alignment at initialisation: visual tokens that show a glyph or mark start out as the word
 * embedding of that glyph's answer token, and the output head starts tied to the input embedding.
 *
 * Why: after the vision stage the stem names the glyph in each token (a linear probe over its output), but
 * the language model still has to learn, from answer tokens alone, that a token with "glyph 7" features is
 * the answer "7". Measured without this: 650 steps left oracle-crop accuracy equal to global accuracy (the
 * model never read a crop). LLaVA's projector is trained to map CLIP features into the word-embedding space
 * before instruction tuning; this is the analytic version of that stage. The probe's class margins over
 * "none" feed `proj.fc1` (one hidden unit per class, ReLU), `proj.fc2` maps unit k to the embedding of class
 * k's token, so a confident glyph token enters the LM as (about) its token embedding. Copying it to the
 * answer is then one attention step, and the tied head turns the copy into the right logit. All these
 * weights stay trainable; the remaining projector units keep their random init for colour and layout.
 */
import * as tf from "@tensorflow/tfjs";
import { TOKEN_CLASSES } from "../../data/token_labels.ts";
import { gridOf, type ModelConfig } from "./config.ts";
import { tokenStem } from "./forward.ts";
import type { TensorMap } from "./params.ts";
import type { Tokenizer } from "./tokenizer.ts";

/** Token id of every detail class (index 0, "none", has none). */
export function classTokenIds(tokenizer: Tokenizer): number[] {
  return TOKEN_CLASSES.slice(1).map((name) => {
    const ids = tokenizer.encode(name);
    if (ids.length !== 1) throw new Error(`Detail class "${name}" is not a single token`);
    return ids[0]!;
  });
}

/**
 * Set `proj.fc1`, `proj.fc1b`, `proj.fc2` (first K−1 hidden units) and `lm.head` in place.
 * `probe` [visionDim, K] is the vision stage's linear probe; `calibration` are token windows of M labelled
 * views (flat [M·N, …]) used to measure the scale of the stem output and of the class margins.
 */
export function alignProjector(
  config: ModelConfig,
  tensors: TensorMap,
  probe: Float32Array,
  tokenizer: Tokenizer,
  calibration: Float32Array,
  M: number,
): { featureRms: number; meanMargin: number } {
  const K = TOKEN_CLASSES.length;
  const dv = config.visionDim;
  const H = config.projectorHidden;
  const d = config.dim;
  if (H < K - 1) throw new Error(`Model config "projectorHidden" ${H} must be ≥ ${K - 1} detail classes`);
  const { tokens: N } = gridOf(config);
  // Stem features of the calibration views: their RMS (the ViT's final norm rescales tokens to unit RMS)
  // and the typical winning margin of a detail class over "none".
  const { rms, margin } = tf.tidy(() => {
    const params = Object.fromEntries(
      Object.entries(tensors).filter(([k]) => k.startsWith("vit.")).map(([k, t]) => [
        k,
        tf.tensor(t.data, t.shape) as tf.Variable,
      ]),
    );
    const f = tf.reshape(tokenStem(params, config, calibration, M), [M * N, dv]);
    const rmsT = tf.sqrt(tf.mean(tf.square(f), 1));
    const logits = tf.matMul(f, tf.tensor2d(probe, [dv, K]));
    const [noneL, rest] = tf.split(logits, [1, K - 1], 1);
    const best = tf.max(tf.sub(rest!, noneL!), 1);
    const positive = tf.greater(best, 0);
    const count = tf.sum(tf.cast(positive, "float32")).dataSync()[0]!;
    const total = tf.sum(tf.where(positive, best, tf.zerosLike(best))).dataSync()[0]!;
    return { rms: tf.mean(rmsT).dataSync()[0]!, margin: count > 0 ? total / count : 1 };
  });
  const fc1 = tensors["proj.fc1"]!.data; // [dv, H]
  const fc1b = tensors["proj.fc1b"]!.data; // [H]
  const fc2 = tensors["proj.fc2"]!.data; // [H, d]
  const embed = tensors["lm.embed"]!.data; // [V, d]
  const head = tensors["lm.head"]!.data; // [d, V]
  const V = config.vocabSize;
  const ids = classTokenIds(tokenizer);
  for (let k = 1; k < K; k++) {
    const u = k - 1; // hidden unit of class k
    // Unit u = ReLU(margin of class k over "none"), on unit-RMS features (hence the × rms).
    for (let i = 0; i < dv; i++) fc1[i * H + u] = (probe[i * K + k]! - probe[i * K]!) * rms;
    fc1b[u] = 0;
    // A typical confident token (margin ≈ meanMargin) maps to its class's embedding.
    const id = ids[u]!;
    for (let j = 0; j < d; j++) fc2[u * d + j] = embed[id * d + j]! / margin;
  }
  for (let j = 0; j < d; j++) for (let v = 0; v < V; v++) head[j * V + v] = embed[v * d + j]!;
  return { featureRms: rms, meanMargin: margin };
}

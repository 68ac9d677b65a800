import * as tf from "@tensorflow/tfjs";
import { glyphSheetView, TOKEN_CLASSES, tokenLabelledView } from "../../data/token_labels.ts";
import { AdamW, cosineLr } from "../../engine/adamw.ts";
import { hashSeed, Rng } from "../../engine/rng.ts";
import { linear } from "../../engine/ops.ts";
import { gradsByName, namedVariable } from "../../engine/variables.ts";
import { cnnShapes } from "./cnn_stem.ts";
import { gridOf, type ModelConfig } from "./config.ts";
import type { TensorMap } from "./params.ts";
import { tokenStem } from "./forward.ts";
import { patchify } from "./sequence.ts";

/**
 * Vision-tower pretraining (before the MLLM stage): the token stem — the 2-layer MLP over each token's
 * pixel window, `vit.stem.*` and `vit.patch.*` — is trained with a linear probe to name the glyph or mark
 * centred in each token (lib/data/token_labels.ts). The probe is thrown away; the stem weights initialise
 * the MLLM's vision tower, as LLaVA starts from a pretrained CLIP.
 */
export function stemParams(config: ModelConfig): string[] {
  const base = ["vit.stem.w", "vit.stem.b", "vit.patch.w", "vit.patch.b"];
  if (config.stem === "conv") return ["vit.conv.w", "vit.conv.b", ...base];
  if (config.stem === "cnn") return [...cnnShapes(config).map(([name]) => name), ...base];
  return base;
}

export interface VisionPretrainOptions {
  steps: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Loss weight of "none" tokens (most tokens), so the glyph classes are not drowned. */
  noneWeight: number;
  /** Canvas side range of the labelled views (glyph scale = imageSize / side); default [40, 112]. */
  sides?: readonly [number, number];
  /** Draw dense glyph sheets (lib/data/token_labels.ts glyphSheetView) instead of sparse views. */
  sheet?: { glyphScale: number; widthRange: readonly [number, number] };
  onStep?: (step: number, loss: number, accuracy: number) => void;
}

/** Train the stem in place (`tensors` updated); returns the final token accuracy on detail tokens. */
export async function pretrainVision(
  config: ModelConfig,
  tensors: TensorMap,
  options: VisionPretrainOptions,
): Promise<{ accuracy: number; losses: number[]; probe: Float32Array }> {
  const { tokens: n } = gridOf(config);
  const K = TOKEN_CLASSES.length;
  const probeInit = new Rng(options.seed).fork("vision-probe");
  const probe = new Float32Array(config.visionDim * K).map(() => probeInit.normal() * 0.02);
  const flat: Record<string, Float32Array> = { probe };
  const names = stemParams(config);
  for (const name of names) flat[name] = tensors[name]!.data;
  const vars: Record<string, tf.Variable> = {};
  for (const name of names) {
    vars[name] = namedVariable(name, tf.tensor(flat[name]!, tensors[name]!.shape));
  }
  // tokenStem reads the weights under their model names.
  const stemView = (): Record<string, tf.Variable> => Object.fromEntries(names.map((nm) => [nm, vars[nm]!]));
  vars.probe = namedVariable("probe", tf.tensor(probe, [config.visionDim, K]));
  const opt = new AdamW(flat, { beta1: 0.9, beta2: 0.98, clipNorm: 1 });
  const per = config.patchWindow * config.patchWindow * 3;
  const losses: number[] = [];
  let accuracy = 0;
  for (let step = 0; step < options.steps; step++) {
    const rng = new Rng(hashSeed(options.seed, `vision/${step}`));
    const views = await Promise.all(
      Array.from(
        { length: options.batchSize },
        (_, i) =>
          options.sheet
            ? glyphSheetView(
              rng.fork(i),
              config.imageSize,
              config.patchSize,
              options.sheet.glyphScale,
              options.sheet.widthRange,
            )
            : tokenLabelledView(rng.fork(i), config.imageSize, config.patchSize, options.sides),
      ),
    );
    const x = new Float32Array(options.batchSize * n * per);
    const onehot = new Float32Array(options.batchSize * n * K);
    const weight = new Float32Array(options.batchSize * n);
    const labels: number[] = [];
    views.forEach((v, b) => {
      x.set(patchify(v.pixels, config.imageSize, config.patchSize, config.patchWindow), b * n * per);
      v.labels.forEach((c, j) => {
        onehot[(b * n + j) * K + c] = 1;
        weight[b * n + j] = c === 0 ? options.noneWeight : 1;
        labels.push(c);
      });
    });
    let logitsData: Float32Array | undefined;
    const { value, grads } = gradsByName(() => {
      const e = tf.reshape(tokenStem(stemView(), config, x, options.batchSize), [
        options.batchSize * n,
        config.visionDim,
      ]);
      const logits = linear(e, vars.probe!);
      logitsData = logits.dataSync() as Float32Array;
      const ce = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.tensor2d(onehot, [labels.length, K])), 1));
      const w = tf.tensor1d(weight);
      return tf.div(tf.sum(tf.mul(ce, w)), tf.sum(w)) as tf.Scalar;
    }, vars);
    const loss = (await value.data())[0]!;
    const g: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(grads)) {
      g[name] = (await t.data()) as Float32Array;
    }
    tf.dispose([value, ...Object.values(grads)]);
    opt.apply(g, cosineLr(step, options.steps, options.lr, Math.round(options.steps * 0.03)));
    tf.tidy(() => {
      for (const [name, v] of Object.entries(vars)) {
        v.assign(tf.tensor(flat[name === "probe" ? "probe" : name]!, v.shape));
      }
    });
    // Accuracy on detail tokens of this batch (before the update).
    let hit = 0, total = 0;
    labels.forEach((c, i) => {
      if (c === 0) return;
      total++;
      let best = 0;
      for (let k = 1; k < K; k++) if (logitsData![i * K + k]! > logitsData![i * K + best]!) best = k;
      if (best === c) hit++;
    });
    accuracy = total ? hit / total : 0;
    losses.push(loss);
    options.onStep?.(step, loss, accuracy);
  }
  tf.dispose(Object.values(vars));
  return { accuracy, losses, probe };
}

/**
 * Detail-token accuracy of the stem + probe on `views` glyph sheets drawn from a stream the training never
 * sees (`vision-heldout/<i>` of `seed`): the vision stage's measured quality, unlike the last training
 * batch's accuracy. Tokens without a detail are not counted.
 */
export async function heldOutAccuracy(
  config: ModelConfig,
  tensors: TensorMap,
  probe: Float32Array,
  sheet: { glyphScale: number; widthRange: readonly [number, number] },
  seed: number,
  views = 64,
): Promise<{ accuracy: number; tokens: number }> {
  const { tokens: n } = gridOf(config);
  const K = TOKEN_CLASSES.length;
  const per = config.patchWindow * config.patchWindow * 3;
  const drawn = await Promise.all(
    Array.from(
      { length: views },
      (_, i) =>
        glyphSheetView(
          new Rng(hashSeed(seed, `vision-heldout/${i}`)),
          config.imageSize,
          config.patchSize,
          sheet.glyphScale,
          sheet.widthRange,
        ),
    ),
  );
  const x = new Float32Array(views * n * per);
  drawn.forEach((v, b) =>
    x.set(patchify(v.pixels, config.imageSize, config.patchSize, config.patchWindow), b * n * per)
  );
  const params = Object.fromEntries(
    stemParams(config).map((name) => {
      const t = tf.tensor(tensors[name]!.data, tensors[name]!.shape);
      const v = tf.variable(t, false);
      t.dispose(); // the variable keeps the data alive
      return [name, v];
    }),
  );
  // [views·N, K]
  const logits = tf.tidy(() =>
    linear(
      tf.reshape(tokenStem(params, config, x, views), [views * n, config.visionDim]),
      tf.tensor2d(probe, [config.visionDim, K]),
    )
  );
  const data = (await logits.data()) as Float32Array;
  tf.dispose([logits, ...Object.values(params)]);
  let hit = 0, total = 0;
  drawn.forEach((v, b) =>
    v.labels.forEach((c, j) => {
      if (c === 0) return;
      total++;
      const row = (b * n + j) * K;
      let best = 0; // the argmax over every class ("none" included), as the training accuracy counts it
      for (let k = 1; k < K; k++) if (data[row + k]! > data[row + best]!) best = k;
      if (best === c) hit++;
    })
  );
  return { accuracy: total ? hit / total : 0, tokens: total };
}

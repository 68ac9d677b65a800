/**
 * Pretrain the base MLLM from scratch on the training suites (the GQA / OCR-VQA analogues), including
 * samples with appended crop blocks, data-parallel over gradient workers (one per core).
 *
 *   deno task pretrain [--scale quick|default|full] [--seed N] [--backend wasm] [--set key=value]
 *   deno task pretrain --recipe shipped     # replay the chain of stages behind the shipped checkpoint
 *
 * Resumable: a state checkpoint (weights + optimiser + step) is written every `checkpointEvery` steps
 * under data/cache/pretrain/<config hash>/; rerunning the same command continues from it and produces the
 * same weights as an uninterrupted run. The final checkpoint goes to `out` (default data/base/, the
 * checkpoint every later command starts from); rerunning a finished config is a no-op.
 */
import { DETAIL_SCALE } from "../lib/data/suites/common.ts";
import { glyphSheetView } from "../lib/data/token_labels.ts";
import { alignProjector } from "../lib/models/tiny/align_init.ts";
import { patchify } from "../lib/models/tiny/sequence.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { configHash } from "../lib/results/hash.ts";
import { defineCli, progress, runMain } from "../lib/cli/mod.ts";
import { AdamW, cosineLr } from "../lib/engine/adamw.ts";
import { checkFinalWeights, checkGrowth, checkLoss, lossBound, paramNorm } from "../lib/engine/divergence.ts";
import { Rng } from "../lib/engine/rng.ts";
import { defaultTokenizer, loadCheckpoint, saveCheckpoint } from "../lib/models/tiny/checkpoint.ts";
import { type ModelConfig, ModelConfigSchema } from "../lib/models/tiny/config.ts";
import { fileHash } from "../lib/results/record.ts";
import { GradPool } from "../lib/models/tiny/grad_pool.ts";
import { countTensorParams, initTensors, type TensorMap } from "../lib/models/tiny/params.ts";
import { pretrainBatch } from "../lib/models/tiny/pretrain_batch.ts";
import {
  PRETRAIN_SCALES,
  PretrainConfigSchema,
  pretrainHash,
  type TRAIN_SUITES,
} from "../lib/models/tiny/pretrain_config.ts";
import { PRETRAIN_RECIPES, runRecipe } from "../lib/models/tiny/recipes.ts";
import { heldOutAccuracy, pretrainVision, stemParams } from "../lib/models/tiny/vision_pretrain.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { loadSafetensors, saveSafetensors } from "../lib/model/safetensors.ts";
import { writeFileAtomic } from "../lib/results/atomic.ts";

const cli = defineCli({
  name: "pretrain",
  description: "Pretrain the small LLaVA-style MLLM on the training suites (writes the base checkpoint)",
  schema: PretrainConfigSchema,
  scales: PRETRAIN_SCALES,
  options: {
    recipe: `replay a named chain of pretraining stages (${Object.keys(PRETRAIN_RECIPES).join(", ")}; ` +
      "lib/models/tiny/recipes.ts), each a resumable run of this command; other options are not allowed",
  },
});
interface LogLine {
  step: number;
  kind: string;
  loss: number;
  lr: number;
  gradNorm: number;
  tokens: number;
}

await runMain(async () => {
  const args = cli.parse(Deno.args);
  if (args.help) return console.log(cli.usage());
  if (args.options.recipe !== undefined) {
    const rest = Deno.args.filter((a) =>
      a !== "--recipe" && a !== args.options.recipe && a !== `--recipe=${args.options.recipe}`
    );
    if (rest.length > 0) {
      throw new Error(
        `Option "--recipe" replays fixed stages: remove ${rest.map((a) => `"${a}"`).join(", ")}`,
      );
    }
    return await runRecipe(args.options.recipe, import.meta.filename!);
  }
  const cfg = args.config;
  const tokenizer = defaultTokenizer();
  const modelConfig = ModelConfigSchema.parse({ ...cfg.model, vocabSize: tokenizer.size });
  const { out: _out, cacheDir: _cache, stopAt: _stop, ...trainCfg } = cfg;
  const parent = cfg.init ? await loadParent(cfg.init, modelConfig) : null;
  const hash = pretrainHash(cfg, parent?.sha256 ?? "", args.seed, args.backend, modelConfig);
  if (cfg.stopAt === 0 && await finishedAs(cfg.out, hash)) {
    console.error(`pretrain: ${cfg.out} already holds the weights of this config (${hash}); nothing to do`);
    return;
  }
  const stateDir = join(cfg.cacheDir, "pretrain", hash);
  const statePath = join(stateDir, "state.safetensors");
  const logPath = join(stateDir, "train_log.jsonl");

  let tensors: TensorMap = parent?.tensors ?? initTensors(modelConfig, new Rng(args.seed).fork("init"));
  const flat: Record<string, Float32Array> = Object.fromEntries(
    Object.entries(tensors).map(([k, t]) => [k, t.data]),
  );
  const opt = new AdamW(flat, {
    beta1: 0.9,
    beta2: 0.98,
    weightDecay: cfg.weightDecay,
    clipNorm: cfg.clipNorm,
  });
  let log: LogLine[] = [];
  let start = 0;
  let visionDone = parent !== null && cfg.freshTower !== true;
  if (cfg.freshTower && !parent) throw new Error(`Config "freshTower" needs "init" (a parent checkpoint)`);
  if (existsSync(statePath)) {
    const state = await loadSafetensors(statePath);
    start = Number(state.metadata.step);
    visionDone = state.metadata.visionDone === "1";
    for (const name of Object.keys(flat)) {
      const p = state.tensors[`p.${name}`];
      if (!p) throw new Error(`Cannot resume from "${statePath}": tensor "p.${name}" is missing`);
      flat[name]!.set(p.data);
    }
    opt.setState({
      step: Number(state.metadata.optStep),
      m: Object.fromEntries(Object.keys(flat).map((n) => [n, state.tensors[`m.${n}`]!.data])),
      v: Object.fromEntries(Object.keys(flat).map((n) => [n, state.tensors[`v.${n}`]!.data])),
    });
    log = (await Deno.readTextFile(logPath)).split("\n").filter((l) => l).map((l) => JSON.parse(l) as LogLine)
      .filter((l) => l.step < start);
    console.error(`pretrain: resuming ${hash} from step ${start}`);
  }
  tensors = Object.fromEntries(
    Object.entries(tensors).map(([k, t]) => [k, { shape: t.shape, data: flat[k]! }]),
  );
  let visionAccuracy: number | null = null;
  let visionHeldOut: number | null = null;
  if (!visionDone && cfg.vision.steps > 0) {
    // Stage 0 (LLaVA starts from a pretrained CLIP): the token stem learns to name glyphs and marks.
    // It trains `tensors` in place, i.e. the arrays the optimiser and the workers start from.
    await initBackend(args.backend);
    const t = performance.now();
    const { views, glyphWidth, ...visionCfg } = cfg.vision;
    // The vision stage depends only on its own config, the architecture, seed and backend: cached so that
    // runs which change only the language-model stage start from the same tower.
    const visionPath = join(
      cfg.cacheDir,
      "pretrain-vision",
      `${
        configHash({ vision: cfg.vision, modelConfig, seed: args.seed, backend: args.backend })
      }.safetensors`,
    );
    let probe: Float32Array;
    if (existsSync(visionPath)) {
      const cached = await loadSafetensors(visionPath);
      for (const name of stemParams(modelConfig)) tensors[name]!.data.set(cached.tensors[name]!.data);
      probe = cached.tensors.probe!.data;
      visionAccuracy = Number(cached.metadata.accuracy);
      console.error(`pretrain: vision stage from ${visionPath} (last-batch accuracy ${visionAccuracy})`);
    } else {
      const bar0 = progress("pretrain vision", cfg.vision.steps);
      let ema = 0;
      const r = await pretrainVision(modelConfig, tensors, {
        ...visionCfg,
        ...(views === "sheet" ? { sheet: { glyphScale: DETAIL_SCALE, widthRange: glyphWidth } } : {}),
        seed: args.seed,
        onStep: (_s, _l, a) => {
          ema = 0.95 * ema + 0.05 * a;
          bar0.tick(1, `detail-token accuracy ${(100 * ema).toFixed(1)}%`);
        },
      });
      bar0.done();
      probe = r.probe;
      visionAccuracy = round(r.accuracy);
      const saved: TensorMap = Object.fromEntries(stemParams(modelConfig).map((n) => [n, tensors[n]!]));
      saved.probe = { shape: [modelConfig.visionDim, r.probe.length / modelConfig.visionDim], data: r.probe };
      await saveSafetensors(visionPath, saved, { accuracy: String(visionAccuracy) });
    }
    if (views === "sheet") {
      const held = await heldOutAccuracy(
        modelConfig,
        tensors,
        probe,
        { glyphScale: DETAIL_SCALE, widthRange: glyphWidth },
        args.seed,
      );
      visionHeldOut = round(held.accuracy);
      console.error(
        `pretrain: vision stage held-out detail-token accuracy ${visionHeldOut} (${held.tokens} tokens)`,
      );
    }
    if (cfg.alignProjector) {
      // Calibration views drawn apart from the training stream (their own seed label).
      const calRng = new Rng(args.seed).fork("align-calibration");
      const M = 16;
      const views = await Promise.all(
        Array.from({ length: M }, (_, i) =>
          glyphSheetView(
            calRng.fork(i),
            modelConfig.imageSize,
            modelConfig.patchSize,
            DETAIL_SCALE,
            glyphWidth,
          )),
      );
      const per = modelConfig.patchWindow * modelConfig.patchWindow * 3;
      const n = (modelConfig.imageSize / modelConfig.patchSize) ** 2;
      const windows = new Float32Array(M * n * per);
      views.forEach((v, b) =>
        windows.set(
          patchify(v.pixels, modelConfig.imageSize, modelConfig.patchSize, modelConfig.patchWindow),
          b * n * per,
        )
      );
      const a = alignProjector(modelConfig, tensors, probe, tokenizer, windows, M);
      console.error(
        `pretrain: projector aligned to answer embeddings (stem RMS ${a.featureRms.toFixed(3)}, ` +
          `mean class margin ${a.meanMargin.toFixed(3)})`,
      );
    }
    console.error(
      `pretrain: vision stage ${
        ((performance.now() - t) / 1000).toFixed(0)
      } s, last-batch accuracy ${visionAccuracy}`,
    );
  }
  console.error(
    `pretrain: ${countTensorParams(tensors)} parameters, ${cfg.steps} steps × ${cfg.batchSize} samples, ` +
      `${cfg.workers} workers, state ${stateDir}`,
  );

  const t0 = performance.now();
  const pool = await GradPool.create(cfg.workers, args.backend, modelConfig, tensors);
  const timing = { dataWait: 0, compute: 0, workerBusy: 0, optimizer: 0, checkpoint: 0 };
  const spec = (step: number) => ({
    seed: args.seed,
    step,
    batchSize: cfg.batchSize,
    suites: cfg.suites as typeof TRAIN_SUITES,
    mix: cfg.mix,
    shards: cfg.workers,
    align: cfg.align,
    totalSteps: cfg.steps,
    stepOffset: parent?.steps ?? 0,
    ...(cfg.drills ? { drills: cfg.drills } : {}),
    ...(cfg.ground ? { ground: cfg.ground } : {}),
  });
  const end = cfg.stopAt > 0 ? Math.min(cfg.stopAt, cfg.steps) : cfg.steps;
  const frozen = new Set(cfg.freezeStem ? stemParams(modelConfig) : []);
  const trainable = cfg.freezeStem ? Object.keys(flat).filter((n) => !frozen.has(n)) : undefined;
  const decoder = Object.keys(flat).filter((n) => n.startsWith("lm."));
  const bound = lossBound(modelConfig.vocabSize);
  const bar = progress("pretrain", end - start);
  let next = start < end ? pretrainBatch(tokenizer, modelConfig, spec(start)) : undefined;
  try {
    for (let step = start; step < end; step++) {
      let t = performance.now();
      const batch = await next!;
      timing.dataWait += (performance.now() - t) / 1000;
      // Prepare the next batch (sharp resizes run on libuv threads) while the workers compute this one.
      next = step + 1 < end ? pretrainBatch(tokenizer, modelConfig, spec(step + 1)) : undefined;
      t = performance.now();
      // A drill has no image: only the decoder is in its graph, so only the decoder is asked for gradients.
      const r = await pool.step(flat, batch.shards, batch.kind === "drill" ? decoder : trainable);
      timing.compute += (performance.now() - t) / 1000;
      timing.workerBusy += Math.max(...r.seconds);
      t = performance.now();
      for (const g of Object.values(r.grads)) for (let i = 0; i < g.length; i++) g[i]! /= r.count;
      const loss = r.lossSum / r.count;
      checkLoss(loss, step, bound);
      const lr = cosineLr(step, cfg.steps, cfg.lr, cfg.warmup, cfg.minLrRatio);
      const normBefore = paramNorm(flat);
      const gradNorm = opt.apply(r.grads, lr);
      checkGrowth(normBefore, paramNorm(flat), step);
      timing.optimizer += (performance.now() - t) / 1000;
      if (step + 1 === end) {
        // The loss above was taken before this update: re-evaluate this batch with the final weights, so
        // that a last update that wrecked them stops the run before the state or checkpoint is written.
        const after = await pool.step(flat, batch.shards, batch.kind === "drill" ? decoder : trainable);
        checkFinalWeights(flat, after.lossSum / after.count, step, bound);
      }
      log.push({
        step,
        kind: batch.kind,
        loss: round(loss),
        lr: round(lr),
        gradNorm: round(gradNorm),
        tokens: r.count,
      });
      const recent = log.slice(-20);
      bar.tick(
        1,
        `loss ${(recent.reduce((a, l) => a + l.loss, 0) / recent.length).toFixed(3)} lr ${
          lr.toExponential(1)
        }`,
      );
      if ((step + 1) % cfg.checkpointEvery === 0 || step + 1 === end) {
        t = performance.now();
        await saveState(statePath, logPath, flat, opt, step + 1, log);
        timing.checkpoint += (performance.now() - t) / 1000;
      }
    }
  } finally {
    pool.close();
  }
  bar.done();
  if (end < cfg.steps) {
    console.error(`pretrain: stopped at step ${end} of ${cfg.steps}; rerun the same command to resume`);
    return;
  }
  const seconds = (performance.now() - t0) / 1000;
  const steps = cfg.steps - start;
  const training = {
    configHash: hash,
    pretrainConfig: { ...trainCfg, out: cfg.out },
    seed: args.seed,
    backend: args.backend,
    // Optimiser steps behind these weights, a parent's included (a further continuation starts after them).
    steps: (parent?.steps ?? 0) + cfg.steps,
    samples: ((parent?.steps ?? 0) + cfg.steps) * cfg.batchSize,
    finalLoss: mean(log.slice(-50).map((l) => l.loss)),
    visionStageAccuracy: visionAccuracy ?? parent?.training?.visionStageAccuracy ?? null,
    // Measured on held-out glyph sheets (recorded from 2026-12-06 on; older checkpoints have none).
    ...(visionHeldOut !== null
      ? { visionStageHeldOut: visionHeldOut }
      : parent?.training?.visionStageHeldOut !== undefined
      ? { visionStageHeldOut: parent.training.visionStageHeldOut }
      : {}),
    ...(parent ? { init: { path: cfg.init, sha256: parent.sha256, training: parent.training } } : {}),
    // Timings of this invocation (a resumed run reports only the steps it ran).
    timing: {
      seconds: round(seconds),
      stepsRun: steps,
      samplesPerSecond: round((steps * cfg.batchSize) / seconds),
      secondsPerStep: round(seconds / Math.max(1, steps)),
      phases: Object.fromEntries(Object.entries(timing).map(([k, v]) => [k, round(v)])),
    },
  };
  await saveCheckpoint(cfg.out, modelConfig, tokenizer, tensors, training);
  // A continuation's log follows its parent's, with steps counted on from the parent's last one.
  const fullLog = [
    ...(parent?.log ?? []),
    ...log.map((l) => ({ ...l, step: l.step + (parent?.steps ?? 0) })),
  ];
  await writeFileAtomic(
    join(cfg.out, "train_log.jsonl"),
    fullLog.map((l) => JSON.stringify(l)).join("\n") + "\n",
  );
  console.error(
    `pretrain: done in ${seconds.toFixed(0)} s (${training.timing.samplesPerSecond} samples/s), ` +
      `final loss ${training.finalLoss.toFixed(3)} → ${cfg.out}`,
  );
  if (args.json) console.log(JSON.stringify(training));
});

async function saveState(
  statePath: string,
  logPath: string,
  flat: Record<string, Float32Array>,
  opt: AdamW,
  step: number,
  log: LogLine[],
): Promise<void> {
  const state = opt.getState();
  const out: TensorMap = {};
  for (const [name, data] of Object.entries(flat)) {
    out[`p.${name}`] = { shape: [data.length], data };
    out[`m.${name}`] = { shape: [data.length], data: state.m[name]! };
    out[`v.${name}`] = { shape: [data.length], data: state.v[name]! };
  }
  // Log first: a state never points past the log it belongs to.
  await writeFileAtomic(logPath, log.map((l) => JSON.stringify(l)).join("\n") + "\n");
  // Every saved state comes after the vision stage (it is saved right after it, or skipped when off).
  await saveSafetensors(statePath, out, { step: String(step), optStep: String(state.step), visionDone: "1" });
}

/** Whether `dir` holds a finished checkpoint trained by the config with this hash. */
async function finishedAs(dir: string, hash: string): Promise<boolean> {
  const path = join(dir, "model.json");
  if (!existsSync(path) || !existsSync(join(dir, "model.safetensors"))) return false;
  try {
    const file = JSON.parse(await Deno.readTextFile(path)) as { training?: { configHash?: unknown } };
    return file.training?.configHash === hash;
  } catch {
    return false; // an unreadable model.json is retrained over, not trusted
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function mean(xs: number[]): number {
  return xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : NaN;
}

interface Parent {
  tensors: TensorMap;
  sha256: string;
  /** Optimiser steps the parent trained (its data stream position). */
  steps: number;
  training: Record<string, unknown> | undefined;
  log: LogLine[];
}

/** The checkpoint a continuation starts from; its architecture must be the configured one. */
async function loadParent(dir: string, modelConfig: ModelConfig): Promise<Parent> {
  const { config, tensors, file } = await loadCheckpoint(dir);
  for (const key of Object.keys(modelConfig) as (keyof ModelConfig)[]) {
    if (JSON.stringify(config[key]) !== JSON.stringify(modelConfig[key])) {
      throw new Error(
        `Cannot continue from "${dir}": its model.${key} is ${JSON.stringify(config[key])}, ` +
          `the config says ${JSON.stringify(modelConfig[key])}`,
      );
    }
  }
  const training = file.training as Record<string, unknown> | undefined;
  const steps = Number(training?.steps);
  if (!Number.isInteger(steps) || steps < 0) {
    throw new Error(`Cannot continue from "${dir}": model.json has no training.steps`);
  }
  const logPath = join(dir, "train_log.jsonl");
  const log = existsSync(logPath)
    ? (await Deno.readTextFile(logPath)).split("\n").filter((l) => l).map((l) => JSON.parse(l) as LogLine)
    : [];
  return { tensors, sha256: await fileHash(join(dir, "model.safetensors")), steps, training, log };
}

import { z } from "zod";
import { SUITE_NAMES } from "../../data/schema.ts";
import { SUITES } from "../../data/suites.ts";
import { configHash } from "../../results/hash.ts";
import { type ModelConfig, ModelConfigSchema } from "./config.ts";
import { DEFAULT_CROP_MIX } from "./crop_plan.ts";

/**
 * The config of one `deno task pretrain` invocation (one stage of a recipe), and the identity of the state
 * it trains: kept apart from the script so that a recipe (recipes.ts) can be checked against the training
 * records of a shipped checkpoint without running it.
 */
export const TRAIN_SUITES = SUITE_NAMES.filter((s) => SUITES[s].split === "train");

/** A share of batches that moves linearly from `start` (first step) to `end` (last step). */
function linearShare() {
  return z.strictObject({ start: z.number().min(0).max(1), end: z.number().min(0).max(1) });
}

export const PretrainConfigSchema = z.strictObject({
  steps: z.int().positive().default(1000).describe("optimiser steps"),
  batchSize: z.int().positive().default(32).describe("samples per step (split across workers)"),
  lr: z.number().positive().default(2e-3).describe("peak learning rate (AdamW)"),
  warmup: z.int().nonnegative().default(60).describe("linear warm-up steps"),
  minLrRatio: z.number().min(0).max(1).default(0.05).describe("final lr as a fraction of the peak (cosine)"),
  weightDecay: z.number().min(0).default(0.01).describe("decoupled weight decay"),
  clipNorm: z.number().min(0).default(1).describe("global gradient-norm clip (0 = off)"),
  workers: z.int().min(1).max(8).default(2).describe("gradient workers (one per core); part of the result"),
  suites: z.array(z.enum(TRAIN_SUITES as [string, ...string[]])).min(1).default(TRAIN_SUITES)
    .describe("training suites"),
  mix: z.strictObject({
    zoom: z.number().min(0).default(DEFAULT_CROP_MIX.zoom),
    none: z.number().min(0).default(DEFAULT_CROP_MIX.none),
    target: z.number().min(0).default(DEFAULT_CROP_MIX.target),
    random: z.number().min(0).default(DEFAULT_CROP_MIX.random),
    masked: z.number().min(0).default(DEFAULT_CROP_MIX.masked),
    two: z.number().min(0).default(DEFAULT_CROP_MIX.two),
  }).default(DEFAULT_CROP_MIX).describe("share of batches per crop kind"),
  align: z.strictObject({
    start: z.number().min(0).max(1).default(0.5),
    end: z.number().min(0).max(1).default(0.05),
    // Optional rather than defaulted, so configs without it hash as before (shipped checkpoint, caches).
    choice: z.number().min(0).max(1).optional(),
  }).default({ start: 0.5, end: 0.05 }).describe(
    "share of single-object alignment batches, decaying linearly; `choice`: share of those that are " +
      "multiple-choice (lib/data/alignment.ts)",
  ),
  drills: linearShare().optional().describe(
    "share of text-only language-drill batches (lib/data/drills.ts), linear; absent = none. They train the " +
      "decoder only (lm.*)",
  ),
  ground: linearShare().optional().describe(
    "share of grounding batches (lib/data/grounding.ts: name the grid cell of a named object, the analogue of " +
      "LLaVA-1.5's RefCOCO data), linear; absent = none",
  ),
  vision: z.strictObject({
    steps: z.int().nonnegative().default(400),
    batchSize: z.int().positive().default(32),
    lr: z.number().positive().default(3e-3),
    noneWeight: z.number().min(0).default(0.1),
    views: z.enum(["sheet", "sparse"]).default("sheet")
      .describe("dense glyph sheets (one detail in most tokens) or sparse views (2–5 details)"),
    glyphWidth: z.tuple([z.number().positive(), z.number().positive()]).default([6, 16])
      .describe("glyph width range in encoder pixels of the sheets (the span crops produce)"),
  }).default({ steps: 400, batchSize: 32, lr: 3e-3, noneWeight: 0.1, views: "sheet", glyphWidth: [6, 16] })
    .describe("vision-tower pretraining of the token stem on per-token glyph labels (0 steps = skip)"),
  alignProjector: z.boolean().default(true)
    .describe("after the vision stage, map detail tokens onto their answer-token embeddings (align_init.ts)"),
  freezeStem: z.boolean().default(true)
    .describe("keep the pretrained token stem frozen in the MLLM stage (as LLaVA freezes CLIP)"),
  model: ModelConfigSchema.omit({ vocabSize: true }).partial().default({}).describe("architecture overrides"),
  init: z.string().default("").describe(
    "continue from this checkpoint folder (its weights; the vision stage and alignment are skipped unless " +
      "`freshTower`, the data stream continues after the parent's steps); '' = from scratch",
  ),
  // Optional rather than defaulted, so configs without it hash as before (shipped checkpoint, caches).
  freshTower: z.boolean().optional().describe(
    "with `init`: still run the vision stage and projector alignment on the parent's weights — for a parent " +
      "trained on text-only drills (the analogue of LLaVA pairing a pretrained LLM with a pretrained CLIP: the " +
      "projector is aligned to the embeddings the language stage learned)",
  ),
  checkpointEvery: z.int().positive().default(50).describe("steps between resumable state checkpoints"),
  out: z.string().default("data/base").describe("folder of the final checkpoint"),
  cacheDir: z.string().default("data/cache").describe("folder for resumable state (pretrain/<hash>/)"),
  stopAt: z.int().nonnegative().default(0)
    .describe(
      "stop this invocation after this step, keeping the state (0 = run to the end; for resume tests)",
    ),
});

export type PretrainConfig = z.infer<typeof PretrainConfigSchema>;

/** Scale presets of `deno task pretrain`. */
export const PRETRAIN_SCALES = {
  quick: { steps: 12, batchSize: 8, checkpointEvery: 5, out: "data/generated/base-quick" },
  default: {},
  full: { steps: 4000 },
} as const;

/**
 * The identity of a pretraining run's state and weights: everything that changes them. The output and
 * cache folders and `stopAt` do not; a continuation is identified by its parent's weights (their SHA-256),
 * not by the parent's folder name.
 */
export function pretrainHash(
  cfg: PretrainConfig,
  parentSha256: string,
  seed: number,
  backend: string,
  modelConfig: ModelConfig,
): string {
  const { out: _out, cacheDir: _cache, stopAt: _stop, ...trainCfg } = cfg;
  return configHash({ cfg: { ...trainCfg, init: parentSha256 }, seed, backend, modelConfig });
}

/**
 * Experiment configuration in one place: the config fields every experiment shares, the scale presets (the
 * pipeline part — teacher set, RPN training — is the same for every script and for eval-roi, train-rpn and
 * pseudo-labels, so that they share cached teacher passes, backbone states and RPNs), the seeds per scale
 * and where results go.
 */
import { join } from "node:path";
import { z } from "zod";
import type { DeepPartial, Scale } from "../cli/mod.ts";
import { SUITE_NAMES } from "../data/schema.ts";
import { SUITES } from "../data/suites.ts";
import { pipelineConfigFields } from "../roi/pipeline.ts";
import { LabelVariantSchema } from "../roi/pseudo_labels.ts";
import { RpnTrainConfigSchema } from "../roi/train_rpn.ts";

/** The evaluation suites (the testbed's analogues of the paper's benchmarks). */
export const EVAL_SUITES = SUITE_NAMES.filter((s) => SUITES[s].split === "eval");

/** The ViCrop-style baseline's options (spec §7). */
export const VicropConfigSchema = z.strictObject({
  relative: z.boolean().default(false).describe("ViCrop's relative map: question map ÷ generic-prompt map"),
  sizes: z.array(z.int().positive()).min(1).default([2, 3, 4]).describe("window sides in grid cells"),
  select: z.enum(["sum", "sharpness"]).default("sharpness").describe(
    "sum: max summed attention; sharpness: ViCrop's adaptive size choice",
  ),
});
export type VicropConfig = z.infer<typeof VicropConfigSchema>;

/** Config keys of every experiment (scripts add their own). */
export const experimentConfigFields = {
  ...pipelineConfigFields,
  suites: z.array(z.enum(EVAL_SUITES as [string, ...string[]])).min(1).default(EVAL_SUITES),
  n: z.int().positive().default(100).describe("questions per evaluation suite"),
  dataSeed: z.int().nonnegative().default(0).describe("seed of the evaluation datasets"),
  batchSize: z.int().positive().default(32),
  dataDir: z.string().default("data/generated").describe("folder of generated evaluation datasets"),
  out: z.string().default("").describe(
    "result file (default: results/<experiment>.json for the canonical run, results/scratch/<scale>/ for the " +
      "quick/full presets, else results/scratch/<hash>/; lib/experiment/destination.ts)",
  ),
  variant: LabelVariantSchema.default(LabelVariantSchema.parse({})).describe("pseudo-label variant"),
  rpn: RpnTrainConfigSchema.default(RpnTrainConfigSchema.parse({})),
  maxAreaRatio: z.number().positive().default(0.39).describe("max component area as a share of N (225/576)"),
  thresholdOverride: z.number().optional().describe(
    "one τ_conf for every suite instead of the released ones",
  ),
};
/** For experiments with sweep points besides their headline methods. */
export const sweepConfigFields = {
  sweepSeeds: z.int().positive().default(1).describe("how many of the seeds the sweep points run on"),
};

const ExperimentConfigSchema = z.strictObject(experimentConfigFields);
export type ExperimentConfig = z.infer<typeof ExperimentConfigSchema>;

/** Seeds per scale when `--seeds` is not given (≥ 3 at the default scale). */
export const SEED_COUNT: Partial<Record<Scale, number>> = { quick: 1, default: 3, full: 3 };

/**
 * Pipeline scale presets (teacher set size, RPN epochs), shared by every script that builds RPNs or teacher
 * passes, so that they share cached artifacts at every scale.
 */
export const PIPELINE_SCALES = {
  quick: { teacher: { samples: 1200 }, rpn: { epochs: 2 } },
  default: {},
  full: { teacher: { samples: 12000 } },
} as const satisfies Record<Scale, Record<string, unknown>>;

/**
 * Scale presets: the pipeline part (teacher set, RPN training) is the same for every experiment — and for
 * eval-roi, train-rpn and pseudo-labels — so that they share their cached teacher files, backbone states
 * and RPNs; `own` adds or overrides keys per experiment. With `fields` (a script's config keys), a shared
 * preset key the script's config does not have is left out (eval-base has no teacher, pseudo-labels no
 * `n`).
 */
export function experimentScales<C extends ExperimentConfig>(
  own: Partial<Record<Scale, DeepPartial<C>>> = {},
  fields?: readonly string[],
): Record<Scale, DeepPartial<C>> {
  const shared: Record<Scale, Record<string, unknown>> = {
    quick: { n: 40, ...PIPELINE_SCALES.quick },
    default: { ...PIPELINE_SCALES.default },
    full: { n: 600, ...PIPELINE_SCALES.full },
  };
  const known = (preset: Record<string, unknown>) =>
    fields === undefined
      ? preset
      : Object.fromEntries(Object.entries(preset).filter(([k]) => fields.includes(k)));
  const base: Record<Scale, Record<string, unknown>> = {
    quick: known(shared.quick),
    default: known(shared.default),
    full: known(shared.full),
  };
  const merge = (a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...a };
    for (const [k, v] of Object.entries(b)) {
      const prev = out[k];
      out[k] = isRecord(prev) && isRecord(v) ? merge(prev, v) : v;
    }
    return out;
  };
  const scale = (s: Scale) => merge(base[s], (own[s] ?? {}) as Record<string, unknown>) as DeepPartial<C>;
  return { quick: scale("quick"), default: scale("default"), full: scale("full") };
}

/** The folder of a scale's results: results/ (canonical) for the default scale, else results/scratch/<scale>. */
export function resultDir(scale: Scale): string {
  return scale === "default" ? "results" : join("results", "scratch", scale);
}

/**
 * Where a scale's preset run puts its result: `out` when given, else `<resultDir(scale)>/<name>.json`. A
 * run's actual destination (canonical or not, given `out` refused or not) is lib/experiment/destination.ts
 * `resultDestination`.
 */
export function resultPath(name: string, scale: Scale, out: string): string {
  return out !== "" ? out : join(resultDir(scale), `${name}.json`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

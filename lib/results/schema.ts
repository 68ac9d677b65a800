/**
 * The results contract: the shape of every result JSON an experiment writes (DESIGN.md, "Results
 * contract"). Validated on write and on read.
 *
 * Everything outside `timing` must be a function of config + seeds + backend (+ machine and package
 * versions), so that re-running a config gives a byte-identical file apart from that block; wall-clock
 * dates and durations therefore live only in `timing`.
 */
import { z } from "zod";
import { AnalysisSchema } from "./analysis_schema.ts";
import { ExampleSchema } from "./example_schema.ts";
import { configHash, findNonJson } from "./hash.ts";

/** Version of this schema; bump it (and migrate readers) when the shape changes. */
export const SCHEMA_VERSION = 1;

/** Any plain JSON value (finite numbers, no undefined), with an error naming where it is not. */
const JsonValue = z.unknown().superRefine((value, ctx) => {
  const problem = findNonJson(value);
  if (problem) ctx.addIssue({ code: "custom", message: problem.reason, path: problem.path });
});

const JsonRecord = z.record(z.string(), JsonValue);

const name = z.string().min(1);

/** Accuracies and scores in percent (the testbed's suite-native metrics, F1, ANLS). */
const PERCENT = [0, 100] as const;
/** Shares, rates and IoUs: fractions of one. */
const FRACTION = [0, 1] as const;
const FRACTION_METRICS = new Set([
  "crop_rate",
  "crop_rate_seed_sd",
  "iou",
  "iou_seed_sd",
  "iou_random",
  "iou_random_seed_sd",
  "mean-iou",
  "box_share",
  "mass_in_box",
  "argmax_in_box",
  "has_map",
  "sink_on_target",
  "usable_share",
  "sink_share",
  "path-share",
  "target-covered-by-crop",
]);
/** Means of counts (tokens, cells, sinks per sample): non-negative, not necessarily integers. */
const NONNEGATIVE_METRICS = new Set(["roi_tokens", "roi_tokens_seed_sd", "sinks_per_sample", "sink_cells"]);

/**
 * The range a metric's value (and confidence interval) must lie in, or null for a metric with no known
 * bound: accuracies and other percentages in [0, 100], their differences in [−100, 100], shares and IoUs
 * in [0, 1], means of counts non-negative; a `likelihood-` metric like the metric it prefixes. Row counts (`n`) are non-negative integers.
 */
export function metricRange(name: string): readonly [number, number] | null {
  // A likelihood-protocol metric has the range of its generation twin.
  const metric = name.startsWith(LIKELIHOOD_METRIC_PREFIX)
    ? name.slice(LIKELIHOOD_METRIC_PREFIX.length)
    : name;
  if (metric === "accuracy" || metric.endsWith("-accuracy") || metric === "f1" || metric === "anls") {
    return PERCENT;
  }
  if (metric === "accuracy_seed_sd") return PERCENT;
  if (metric === "delta_accuracy") return [-100, 100];
  if (FRACTION_METRICS.has(metric)) return FRACTION;
  if (NONNEGATIVE_METRICS.has(metric)) return [0, Infinity];
  return null;
}

/**
 * How a result's accuracy rows score an answer: `generation` — the greedily generated answer, read by the
 * suite's metric (every suite, and the only protocol of results without a `scoring` field); `likelihood` —
 * V* bench's protocol for open models, the option whose content the model finds most likely
 * (lib/eval/likelihood.ts), for multiple-choice and yes/no suites only, in rows whose metric is
 * `likelihood-<family>-accuracy` (`likelihoodMetric`).
 */
export const SCORING_PROTOCOLS = ["generation", "likelihood"] as const;
export type ScoringProtocol = typeof SCORING_PROTOCOLS[number];

/** Prefix of the metric of a likelihood-protocol accuracy row. */
export const LIKELIHOOD_METRIC_PREFIX = "likelihood-";

/** The metric of a likelihood-protocol accuracy row of metric family `family`, e.g. `likelihood-choice-accuracy`. */
export function likelihoodMetric(family: string): string {
  return `${LIKELIHOOD_METRIC_PREFIX}${family}-accuracy`;
}

/** One number of a results table: method × suite × metric. */
export const ResultRowSchema = z.strictObject({
  method: name,
  suite: name,
  metric: name,
  value: z.number(),
  /** Number of questions (or samples) behind `value`. */
  n: z.int().nonnegative(),
  /** Confidence interval [lo, hi] of `value` (95 % unless `extra` says otherwise). */
  ci: z.tuple([z.number(), z.number()])
    .refine(([lo, hi]) => lo <= hi, { message: "lower bound exceeds upper bound" })
    .optional(),
  extra: JsonRecord.optional(),
}).superRefine((row, ctx) => {
  const range = metricRange(row.metric);
  if (!range) return;
  const [lo, hi] = range;
  const text = `[${lo}, ${hi === Infinity ? "∞" : hi}]`;
  if (!(row.value >= lo && row.value <= hi)) {
    ctx.addIssue({
      code: "custom",
      path: ["value"],
      message: `"${row.value}" is outside ${text}, the range of metric "${row.metric}"`,
    });
  }
  row.ci?.forEach((bound, i) => {
    if (!(bound >= lo && bound <= hi)) {
      ctx.addIssue({
        code: "custom",
        path: ["ci", i],
        message: `"${bound}" is outside ${text}, the range of metric "${row.metric}"`,
      });
    }
  });
});

/** A file the run used or produced, identified by content hash so a stale cache is detectable. */
export const ArtifactSchema = z.strictObject({
  /** E.g. "checkpoint", "pseudo-labels", "rpn-weights", "dataset". */
  kind: name,
  path: name,
  hash: name,
});

/** Wall-clock information; the only part of a result allowed to differ between identical runs. */
export const TimingSchema = z.strictObject({
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  seconds: z.number().nonnegative(),
  /**
   * Seconds per named phase, e.g. { "pseudo-labels": 41.2, "train-rpn": 130.5 }, and the wall-clock ratios
   * derived from them, e.g. { "throughput-sdrpn": 0.62 } (lib/report/conventions.ts `throughputPhase`).
   */
  phases: z.record(z.string(), z.number().nonnegative()).optional(),
});

/** Full result file. Strict at every level: unknown keys are errors, not silently dropped. */
export const ResultSchema = z.strictObject({
  experiment: name,
  schemaVersion: z.literal(SCHEMA_VERSION),
  /** The resolved config the run used (schema defaults < scale preset < --set). */
  config: JsonRecord,
  /** `configHash(config)`; checked against `config` on write and read. */
  configHash: z.string().regex(/^[0-9a-f]{16}$/, { message: "expected 16 lower-case hex characters" }),
  seeds: z.array(z.int().nonnegative()).min(1),
  backend: z.strictObject({ requested: name, active: name }),
  /** Package name → version, e.g. { "@tensorflow/tfjs": "4.22.0", "deno": "2.9.6" }. */
  packages: z.record(z.string(), z.string()),
  machine: z.strictObject({ cores: z.int().positive(), cpuModel: z.string(), os: z.string() }),
  prompt: z.strictObject({ template: z.string(), metricVariant: z.string() }),
  rows: z.array(ResultRowSchema),
  artifacts: z.array(ArtifactSchema),
  /**
   * A few questions recorded in full for the report's example figures (main_results). Optional, so
   * results written before it existed stay valid without a schema version bump.
   */
  examples: z.array(ExampleSchema).optional(),
  /**
   * The scoring protocols of the accuracy rows (`SCORING_PROTOCOLS`), each once. Optional: a result without
   * it scored by generation only (results written before it existed stay valid without a version bump).
   */
  scoring: z.array(z.enum(SCORING_PROTOCOLS)).min(1)
    .refine((p) => new Set(p).size === p.length, { message: "a protocol is listed twice" })
    .optional(),
  /**
   * Statistics of the model that explain a result (lib/results/analysis_schema.ts). Optional, so results
   * written before it existed stay valid without a schema version bump.
   */
  analysis: AnalysisSchema.optional(),
  notes: z.array(z.string()).optional(),
  timing: TimingSchema,
}).superRefine((result, ctx) => {
  const likelihoodRow = result.rows.findIndex((r) => r.metric.startsWith(LIKELIHOOD_METRIC_PREFIX));
  if (likelihoodRow >= 0 && !result.scoring?.includes("likelihood")) {
    ctx.addIssue({
      code: "custom",
      path: ["rows", likelihoodRow, "metric"],
      message:
        `"${result.rows[likelihoodRow]!.metric}" is a likelihood-protocol row, but "scoring" does not list ` +
        `"likelihood"`,
    });
  }
  // Only meaningful once config itself is valid JSON; otherwise that issue is already reported.
  if (findNonJson(result.config)) return;
  const expected = configHash(result.config);
  if (result.configHash !== expected) {
    ctx.addIssue({
      code: "custom",
      path: ["configHash"],
      message: `"${result.configHash}" does not match the config (expected "${expected}")`,
    });
  }
});

/** A validated result. */
export type Result = z.infer<typeof ResultSchema>;
/** One row of a result. */
export type ResultRow = z.infer<typeof ResultRowSchema>;
/** One artifact reference of a result. */
export type Artifact = z.infer<typeof ArtifactSchema>;
/** The analysis block of a result (lib/results/analysis_schema.ts). */
export type { Analysis, MassiveActivations } from "./analysis_schema.ts";
/** One recorded example of a result (lib/results/example_schema.ts). */
export type { Example } from "./example_schema.ts";
/** The timing block of a result. */
export type Timing = z.infer<typeof TimingSchema>;

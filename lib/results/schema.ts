/**
 * The results contract: the shape of every result JSON an experiment writes (DESIGN.md, "Results
 * contract"). Validated on write and on read.
 *
 * Everything outside `timing` must be a function of config + seeds + backend (+ machine and package
 * versions), so that re-running a config gives a byte-identical file apart from that block; wall-clock
 * dates and durations therefore live only in `timing`.
 */
import { z } from "zod";
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
  notes: z.array(z.string()).optional(),
  timing: TimingSchema,
}).superRefine((result, ctx) => {
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
/** One recorded example of a result (lib/results/example_schema.ts). */
export type { Example } from "./example_schema.ts";
/** The timing block of a result. */
export type Timing = z.infer<typeof TimingSchema>;

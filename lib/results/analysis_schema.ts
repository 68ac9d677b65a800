/**
 * The `analysis` block of a result: measurements that are neither score rows nor examples — statistics of
 * the model itself that a section of the report explains a result with. Each entry is optional, so a
 * result carries only the analyses its script makes, and results written before the block stay valid.
 *
 * `massiveActivations` (sink_removal): the massive-activation statistics behind the norm-based sink rule
 * (lib/roi/massive_activations.ts), at the layer whose input states the rule reads. Numbers are rounded to
 * 4 significant digits when recorded; nothing here is wall-clock.
 */
import { z } from "zod";

const count = z.int().nonnegative();
const magnitude = z.number().nonnegative();

/** One hidden dimension's peak and mean |activation| and peak / median (null: unbounded, zero median). */
const DimensionStatSchema = z.strictObject({
  dim: count,
  max: magnitude,
  mean: magnitude,
  ratio: magnitude.nullable(),
});

export const MassiveActivationsSchema = z.strictObject({
  /** Decoder layer whose INPUT hidden states were measured (the rule's `teacher.normLayer`). */
  layer: count,
  /** Teacher samples measured (their visual tokens). */
  samples: z.int().positive(),
  tokens: z.int().positive(),
  dim: z.int().positive(),
  /** Median |h| over every token and dimension (raw residual stream). */
  median: magnitude,
  /** [dim] peak and mean |h| per hidden dimension (raw). */
  maxAbs: z.array(magnitude),
  meanAbs: z.array(magnitude),
  /** The dimensions with the largest peak / median, descending. */
  top: z.array(DimensionStatSchema),
  /** A dimension is massive iff peak / median ≥ minRatio. */
  minRatio: z.number().positive(),
  massiveDims: z.array(count),
  /** The norm-based rule: τ_norm (on RMS-normalised values) and the sink dimensions it found. */
  tauNorm: magnitude,
  sinkDims: z.array(count),
  /** Largest RMS-normalised |value|; dimensions and tokens above τ_norm; tokens the rule flags. */
  normedMax: magnitude,
  dimsOverTau: count,
  tokensOverTau: count,
  tokensFlagged: count,
}).superRefine((m, ctx) => {
  for (const key of ["maxAbs", "meanAbs"] as const) {
    if (m[key].length !== m.dim) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `has ${m[key].length} values, expected one per hidden dimension (${m.dim})`,
      });
    }
  }
  const bad = [...m.massiveDims, ...m.sinkDims, ...m.top.map((t) => t.dim)].find((d) => d >= m.dim);
  if (bad !== undefined) {
    ctx.addIssue({ code: "custom", message: `dimension "${bad}" is outside [0, ${m.dim - 1}]` });
  }
});

/** The analysis block: every entry optional. */
export const AnalysisSchema = z.strictObject({
  massiveActivations: MassiveActivationsSchema.optional(),
});

export type MassiveActivations = z.infer<typeof MassiveActivationsSchema>;
export type Analysis = z.infer<typeof AnalysisSchema>;

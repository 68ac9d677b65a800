import { z } from "zod";
import type { Mllm } from "../model/mllm.ts";
import { assignLabels } from "./labels.ts";
import { headAverage } from "./attention.ts";
import {
  applySinkMask,
  attentionSinkMask,
  attentionSinkThreshold,
  normScoreMask,
  normSinkThreshold,
} from "./sinks.ts";
import type { TeacherRecord } from "./teacher.ts";

/** Config-file form of a label variant (strict: unknown keys are errors). */
export const LabelVariantSchema = z.strictObject({
  heads: z.array(z.int().nonnegative()).optional().describe("heads averaged into the map (default: all)"),
  sink: z.enum(["none", "attention", "norm"]).default("attention"),
  sinkThreshold: z.number().optional().describe("τ_sink (default 0.576 / N)"),
  normThreshold: z.number().optional().describe("τ_norm (default 0.3125·√d)"),
  fg: z.number().default(0.2),
  bg: z.number().default(0.1),
  maxRatio: z.number().default(0.5),
});

/** Which pseudo-labels to derive from a teacher record (the label / sink ablations vary these). */
export interface LabelVariant {
  /** Heads averaged into the grounding map; undefined = all heads. */
  heads?: number[];
  sink: "none" | "attention" | "norm";
  /** τ_sink for attention-based sinks; default 0.576 / N. */
  sinkThreshold?: number;
  /** τ_norm for norm-based sinks; default 0.3125·√d (spec's 20 at d = 4096). */
  normThreshold?: number;
  fg: number;
  bg: number;
  maxRatio: number;
}

export const DEFAULT_VARIANT: LabelVariant = { sink: "attention", fg: 0.2, bg: 0.1, maxRatio: 0.5 };

/** Grounding map [N]: mean of the selected heads' maps. */
export function groundingOf(
  record: TeacherRecord,
  heads: number,
  tokens: number,
  selected?: number[],
): Float64Array {
  return headAverage(record.perHead, heads, tokens, selected);
}

/** Sink mask [N] of a record under a variant (all zero for "none"). */
export function sinkMaskOf(
  record: TeacherRecord,
  variant: LabelVariant,
  tokens: number,
  dim: number,
): Uint8Array {
  if (variant.sink === "attention") {
    return attentionSinkMask(record.sinkMap, variant.sinkThreshold ?? attentionSinkThreshold(tokens));
  }
  if (variant.sink === "norm") {
    return normScoreMask(record.normScore, variant.normThreshold ?? normSinkThreshold(dim));
  }
  return new Uint8Array(tokens);
}

/** What label derivation needs of a model: grid side, heads, residual width. */
export function labelShape(model: Mllm): { grid: number; heads: number; dim: number } {
  return { grid: model.counts.grid, heads: model.counts.heads, dim: model.counts.hidden };
}

/** The sink-removed grounding map and its ternary labels (spec §2 then §3). */
export function pseudoLabels(
  record: TeacherRecord,
  variant: LabelVariant,
  shape: { grid: number; heads: number; dim: number },
): { map: Float64Array; sinks: Uint8Array; labels: Int32Array } {
  const n = shape.grid * shape.grid;
  const raw = groundingOf(record, shape.heads, n, variant.heads);
  const sinks = sinkMaskOf(record, variant, n, shape.dim);
  const map = applySinkMask(raw, sinks);
  const labels = assignLabels(map, shape.grid, {
    fg: variant.fg,
    bg: variant.bg,
    maxRatio: variant.maxRatio,
  });
  return { map, sinks, labels };
}

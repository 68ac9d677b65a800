/**
 * Repeated wall-clock timing of the evaluated methods (issue 13: throughput from ≥ 3 repeats, with the
 * spread). The repeat count is a runtime option (`--timing-repeats N`), not a config field: it changes
 * no row, only `timing.phases`, so it stays out of the config and its hash.
 */
import type { Scale } from "../cli/mod.ts";
import { round, type RowKey } from "../eval/rows.ts";
import { pointLabel, throughputPhase } from "./conventions.ts";

/** The valued option every experiment script takes (lib/cli `options`). */
export const TIMING_OPTION = {
  "timing-repeats": "evaluations timed per method for throughput (the first one is scored; the extra ones " +
    "run on a method's first evaluation only, e.g. its first seed; default 1 at quick scale, otherwise the " +
    "experiment's registry value: 3 where the report's throughput claims come from, main_results and " +
    "masked_upscaling, 1 elsewhere); changes only timing.phases",
} as const;

/**
 * Timed evaluations per method when `--timing-repeats` is not given: 1 at quick scale, else `repeated`
 * (the experiment's registry value). Repeats cost a whole evaluation each, so they are spent where the
 * report's throughput claims are read (issue 13: ≥ 3 repeats with the spread); a sweep's throughput cells
 * come from one timed evaluation and say so (`timing repeats` = 1).
 */
export function defaultTimingRepeats(scale: Scale, repeated: number): number {
  return scale === "quick" ? 1 : repeated;
}

/** `--timing-repeats` (a positive integer), else `defaultTimingRepeats(scale, repeated)`. */
export function timingRepeats(scale: Scale, value: string | undefined, repeated = 1): number {
  if (value === undefined) return defaultTimingRepeats(scale, repeated);
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new Error(`Invalid value for --timing-repeats "${value}": expected a positive integer`);
  }
  return n;
}

/**
 * One method's timed evaluations. Repeat 1 is the scored pass of every evaluation of the method (e.g. one
 * per seed); repeats 2..n re-time its first evaluation only (a later seed's evaluation does the same work
 * with another RPN, so timing it again would cost a whole evaluation per seed and tell little more).
 */
export interface MethodTiming {
  key: RowKey;
  /** [repeats] seconds of repeat r, summed over the `runs[r]` evaluations it timed. */
  seconds: number[];
  /** [repeats] evaluations summed into `seconds[r]` (≥ 1 each). */
  runs: number[];
}

/**
 * `timing.phases` entries of repeated timings: per method `seconds <label>` (median over repeats of the
 * repeat's mean seconds per evaluation) and, when the baseline ran, its throughput
 * `throughput-<method>[ <point>]` = median over repeats of baseline seconds / method seconds per
 * evaluation in that repeat (2 decimals), with `throughput min-…` and `throughput max-…` over repeats and
 * `timing repeats` when there are several. One repeat gives exactly the single-measurement phases
 * (baseline seconds / method seconds).
 */
export function timingPhases(methods: readonly MethodTiming[]): Record<string, number> {
  const out: Record<string, number> = {};
  const repeats = methods[0]?.seconds.length ?? 0;
  const perRun = new Map<MethodTiming, number[]>();
  for (const m of methods) {
    if (m.seconds.length !== repeats || m.runs.length !== repeats) {
      throw new Error(
        `Method "${rowLabel(m.key)}" has ${m.seconds.length} timed repeats, expected ${repeats}`,
      );
    }
    const r = m.runs.findIndex((n) => !(n >= 1));
    if (r >= 0) throw new Error(`Method "${rowLabel(m.key)}" has no timed evaluation in repeat ${r + 1}`);
    perRun.set(m, m.seconds.map((s, i) => s / m.runs[i]!));
    out[`seconds ${rowLabel(m.key)}`] = round(median(perRun.get(m)!), 2);
  }
  if (repeats > 1) out["timing repeats"] = repeats;
  const base = methods.find((m) => m.key.method === "baseline" && !m.key.extra);
  if (!base) return out;
  const throughput: Record<string, number> = {};
  for (const m of methods) {
    const phase = throughputPhase(m.key.method, m.key.extra);
    if (phase in throughput) throw new Error(`Two methods share the throughput phase "${phase}"`);
    const baseSeconds = perRun.get(base)!;
    const ratios = perRun.get(m)!.map((s, r) => (s > 0 ? baseSeconds[r]! / s : 0));
    throughput[phase] = round(median(ratios), 2);
    if (repeats > 1) {
      const suffix = phase.slice("throughput".length); // "-<method>[ <point>]"
      throughput[`throughput min${suffix}`] = round(Math.min(...ratios), 2);
      throughput[`throughput max${suffix}`] = round(Math.max(...ratios), 2);
    }
  }
  return { ...out, ...throughput };
}

/** Median (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("Cannot take the median of no values");
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Method plus what tells its rows apart, e.g. `masked tau=0.1` (as the run summary labels rows). */
function rowLabel(key: RowKey): string {
  const point = pointLabel(key.extra);
  return point === "" ? key.method : `${key.method} ${point}`;
}

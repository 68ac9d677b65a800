/**
 * How numbers read in the report's cells, in one place so every table says the same thing the same way:
 * measured values with their CI, derived values marked, missing values as a dash, paper values with the
 * mismatch mark.
 *
 * @module
 */
import type { Measured } from "./lookup.ts";
import { type EstimateOptions, formatEstimate, formatNumber } from "./markdown.ts";

/** A cell without a number. */
export const DASH = "—";
/** Appended to a number the report derived from other rows. */
export const DERIVED_MARK = "*";
/** Appended to a recomputed paper aggregate whose printed value does not match it. */
export const MISMATCH_MARK = "†";

/** The footnote explaining `DERIVED_MARK`. */
export const DERIVED_NOTE =
  `\`${DERIVED_MARK}\` no CI of its own: derived by the report from other rows of ` +
  "the same result (a plain mean, a difference, the scorer's F1) or read from its timing block (throughput).";

/** `48.7 [44.1, 53.2]`, `3.1*` for a derived value, `—` for none. */
export function measuredCell(m: Measured | undefined, options: EstimateOptions = {}): string {
  if (!m) return DASH;
  return formatEstimate(m.value, m.ci, options) + (m.derived ? DERIVED_MARK : "");
}

/** A paper value with one decimal (as printed), or `—` where the paper reports none. */
export function paperCell(value: number | null | undefined, decimals = 1): string {
  return value == null ? DASH : formatNumber(value, decimals);
}

/** The line a section shows when its experiment has no result yet. */
export function notRunYet(experiment: string): string {
  return `_Not run yet: no \`${experiment}\` result in the results folder._`;
}

/**
 * Verdicts on the paper's claims from an effect measured here and its 95 % CI.
 *
 * The rule is deliberately plain, so a reader can check every verdict by eye from the printed CI:
 * - orient the CI so that the paper's direction is positive;
 * - "not confirmed" when the whole CI lies below the claim's minimum effect (0 unless stated): the effect
 *   is in the opposite direction, or reliably smaller than what the claim needs;
 * - otherwise "confirmed" when the whole CI lies above 0;
 * - otherwise "inconclusive": the CI contains 0 (a bound exactly at 0 counts as containing it).
 * Without a CI there is no verdict beyond "inconclusive": a point estimate alone cannot separate an
 * effect from resampling noise.
 *
 * @module
 */
import { formatNumber } from "./markdown.ts";

/** A claim's verdict. */
export type Verdict = "confirmed" | "not confirmed" | "inconclusive";

/** What the paper claims about an effect. */
export interface ClaimSpec {
  /** +1: the paper says the effect is positive (A beats B); −1: negative. */
  direction: 1 | -1;
  /**
   * Smallest effect, in the paper's direction, that would count as the claim holding (default 0). A CI
   * entirely below it gives "not confirmed".
   */
  minEffect?: number;
}

/** A measured effect: the point estimate and, when available, its 95 % CI. */
export interface MeasuredEffect {
  value: number;
  ci?: readonly [number, number];
}

/** A verdict with the one-line reason the report prints beside it. */
export interface ClaimVerdict {
  verdict: Verdict;
  reason: string;
}

/** The verdict on `claim` given the `measured` effect (see the module doc for the rule). */
export function judgeClaim(claim: ClaimSpec, measured: MeasuredEffect): ClaimVerdict {
  const minEffect = claim.minEffect ?? 0;
  if (!Number.isFinite(measured.value)) {
    throw new RangeError(`Cannot judge a claim on a non-finite effect "${measured.value}"`);
  }
  if (!(minEffect >= 0)) throw new RangeError(`Minimum effect must be at least 0, got "${minEffect}"`);
  if (!measured.ci) return { verdict: "inconclusive", reason: "no confidence interval was measured" };
  const [lo, hi] = measured.ci;
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
    throw new RangeError(`Cannot judge a claim on the interval "[${lo}, ${hi}]"`);
  }
  // In the paper's direction: for a negative claim, [lo, hi] becomes [−hi, −lo].
  const [low, high] = claim.direction === 1 ? [lo, hi] : [-hi, -lo];
  const ci = `95 % CI [${formatNumber(lo, 2)}, ${formatNumber(hi, 2)}]`;
  if (high < minEffect) {
    return {
      verdict: "not confirmed",
      reason: minEffect === 0 || high < 0
        ? `${ci} excludes 0 in the opposite direction`
        : `${ci} lies below the minimum effect ${formatNumber(minEffect, 2)}`,
    };
  }
  if (low > 0) return { verdict: "confirmed", reason: `${ci} excludes 0 in the paper's direction` };
  return { verdict: "inconclusive", reason: `${ci} contains 0` };
}

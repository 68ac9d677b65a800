/**
 * Massive-activation statistics of visual-token hidden states (spec §2, norm-based sinks): the evidence
 * behind "this model has sink dimensions" or "it has none".
 *
 * The paper's norm-based rule rests on massive activations (Sun et al. 2024): a few hidden dimensions
 * whose values are orders of magnitude above the median magnitude (Sun et al.: ≥ 100 in absolute value and
 * about 1000× the median on LLaMA-2). An absolute bound does not transfer to a 64-wide model, so the test
 * here is relative: a dimension is massive iff its peak |activation| over the tokens is at least
 * `minRatio` × the median |activation| over all tokens and dimensions (default 100: two orders of
 * magnitude, a lower bar than Sun et al.'s 1000×). The raw residual-stream values are measured (the
 * definition's scale); the rule's own threshold applies to RMS-normalised values, so its counts are taken
 * on those.
 */
import type { MassiveActivations } from "../results/analysis_schema.ts";
import { normScoreMask, normSinkScores, rmsNormalise } from "./sinks.ts";

/** Default bar of "orders of magnitude above the median": two orders. */
export const MASSIVE_RATIO = 100;

/**
 * One hidden dimension's peak and mean |activation|, and its peak over the median magnitude (null when the
 * median is 0 and the peak is not: unbounded, so JSON-safe as null; a massive dimension).
 */
export interface DimensionStat {
  dim: number;
  max: number;
  mean: number;
  ratio: number | null;
}

export interface MassiveActivationStats {
  /** Tokens measured (visual tokens of all samples) and hidden width. */
  tokens: number;
  dim: number;
  /** Median |h| over every token and dimension (raw values). */
  median: number;
  /** [d] max over tokens of |h[t, dim]| (raw). */
  maxAbs: number[];
  /** [d] mean over tokens of |h[t, dim]| (raw). */
  meanAbs: number[];
  /** The `topK` dimensions by max / median, descending (ties: lower dim first). */
  top: DimensionStat[];
  /** The bar: a dimension is massive iff max / median ≥ minRatio. */
  minRatio: number;
  /** Dimensions that clear the bar (ascending); empty: no sink dimension by the paper's definition. */
  massiveDims: number[];
  /** τ_norm of the rule (on RMS-normalised values). */
  tauNorm: number;
  /** The sink dimensions the rule uses. */
  sinkDims: number[];
  /** Largest |rms(h)[t, dim]| over all tokens and dimensions. */
  normedMax: number;
  /** Dimensions whose RMS-normalised peak exceeds τ_norm (strict, as the rule). */
  dimsOverTau: number;
  /** Tokens with an RMS-normalised |value| above τ_norm in any dimension. */
  tokensOverTau: number;
  /** Tokens the rule flags: above τ_norm at one of its sink dimensions. */
  tokensFlagged: number;
}

/** Median of a non-empty array (mean of the two middle values for an even count). */
function median(values: Float64Array): number {
  const s = Float64Array.from(values).sort();
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Statistics of `hidden` ([tokens, d] row-major, raw visual-token states at the norm layer) against the
 * massive-activation definition and the norm-based rule (`tauNorm`, `sinkDims`). A zero median (every
 * activation 0 in at least half the entries) gives ratio null (unbounded) for a dimension with a non-zero
 * peak and 0 for an all-zero one.
 */
export function massiveActivationStats(
  hidden: ArrayLike<number>,
  d: number,
  rule: { tauNorm: number; sinkDims: readonly number[] },
  options: { topK?: number; minRatio?: number } = {},
): MassiveActivationStats {
  if (!Number.isInteger(d) || d < 1) throw new Error(`Invalid dim "${d}": expected a positive integer`);
  if (hidden.length === 0 || hidden.length % d !== 0) {
    throw new Error(`Invalid hidden length "${hidden.length}": expected a positive multiple of dim ${d}`);
  }
  const topK = options.topK ?? 5;
  const minRatio = options.minRatio ?? MASSIVE_RATIO;
  if (!Number.isInteger(topK) || topK < 1) {
    throw new Error(`Invalid topK "${topK}": expected a positive integer`);
  }
  if (!(minRatio > 0)) throw new Error(`Invalid minRatio "${minRatio}": expected a positive number`);
  if (!(rule.tauNorm >= 0)) {
    throw new Error(`Invalid norm threshold "${rule.tauNorm}": expected a number ≥ 0`);
  }
  const tokens = hidden.length / d;
  const abs = Float64Array.from(hidden, Math.abs);
  const maxAbs = new Array<number>(d).fill(0);
  const sumAbs = new Array<number>(d).fill(0);
  for (let t = 0; t < tokens; t++) {
    for (let k = 0; k < d; k++) {
      const v = abs[t * d + k]!;
      if (v > maxAbs[k]!) maxAbs[k] = v;
      sumAbs[k]! += v;
    }
  }
  const med = median(abs);
  const ratioOf = (max: number) => (max === 0 ? 0 : med === 0 ? null : max / med);
  const stats: DimensionStat[] = maxAbs.map((max, dim) => ({
    dim,
    max,
    mean: sumAbs[dim]! / tokens,
    ratio: ratioOf(max),
  }));
  const rank = (s: DimensionStat) => s.ratio ?? Infinity;
  const top = [...stats].sort((a, b) => rank(b) - rank(a) || a.dim - b.dim).slice(0, topK);

  const normed = rmsNormalise(hidden, d); // [tokens, d]
  let normedMax = 0, tokensOverTau = 0;
  const dimOver = new Uint8Array(d);
  for (let t = 0; t < tokens; t++) {
    let over = false;
    for (let k = 0; k < d; k++) {
      const v = Math.abs(normed[t * d + k]!);
      if (v > normedMax) normedMax = v;
      if (v > rule.tauNorm) {
        dimOver[k] = 1;
        over = true;
      }
    }
    if (over) tokensOverTau++;
  }
  const flagged = rule.sinkDims.length === 0
    ? 0
    : normScoreMask(normSinkScores(hidden, d, rule.sinkDims), rule.tauNorm).reduce((a, v) => a + v, 0);
  return {
    tokens,
    dim: d,
    median: med,
    maxAbs,
    meanAbs: stats.map((s) => s.mean),
    top,
    minRatio,
    massiveDims: stats.filter((s) => rank(s) >= minRatio).map((s) => s.dim),
    tauNorm: rule.tauNorm,
    sinkDims: [...rule.sinkDims],
    normedMax,
    dimsOverTau: dimOver.reduce((a, v) => a + v, 0),
    tokensOverTau,
    tokensFlagged: flagged,
  };
}

/** 4 significant digits: enough to read a ratio, small and byte-stable in a result file. */
function round4(x: number): number {
  return Number(x.toPrecision(4));
}

/**
 * The result's `analysis.massiveActivations` block (lib/results/analysis_schema.ts) of `stats`, measured at
 * the input of decoder layer `layer` on `samples` teacher samples: magnitudes rounded to 4 significant
 * digits, counts and dimensions as they are.
 */
export function massiveActivationRecord(
  stats: MassiveActivationStats,
  layer: number,
  samples: number,
): MassiveActivations {
  return {
    layer,
    samples,
    tokens: stats.tokens,
    dim: stats.dim,
    median: round4(stats.median),
    maxAbs: stats.maxAbs.map(round4),
    meanAbs: stats.meanAbs.map(round4),
    top: stats.top.map((t) => ({
      dim: t.dim,
      max: round4(t.max),
      mean: round4(t.mean),
      ratio: t.ratio === null ? null : round4(t.ratio),
    })),
    minRatio: stats.minRatio,
    massiveDims: stats.massiveDims,
    tauNorm: round4(stats.tauNorm),
    sinkDims: stats.sinkDims,
    normedMax: round4(stats.normedMax),
    dimsOverTau: stats.dimsOverTau,
    tokensOverTau: stats.tokensOverTau,
    tokensFlagged: stats.tokensFlagged,
  };
}

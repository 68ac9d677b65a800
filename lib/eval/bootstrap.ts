/**
 * Bootstrap confidence intervals for suite scores and for differences between methods.
 *
 * The claims table says "confirmed" only when an effect's CI excludes zero, and two methods are
 * always evaluated on the same questions, so the difference is bootstrapped over questions jointly
 * (paired): the per-question difficulty shared by both methods cancels instead of widening the CI.
 */
import type { Rng } from "../engine/rng.ts";

/** Options of the bootstrap. */
export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  iterations?: number;
  /** 1 − confidence level (default 0.05 → 95 % CI). */
  alpha?: number;
  /** Source of the resampling indices; it is advanced, so pass a fork dedicated to the CI. */
  rng: Rng;
}

/** Sample mean and the percentile bootstrap CI [lo, hi] of the mean. */
export interface BootstrapCi {
  mean: number;
  lo: number;
  hi: number;
}

/**
 * Quantile `q` ∈ [0, 1] of ascending `sorted` values by linear interpolation between order
 * statistics (numpy's default, Hyndman–Fan type 7).
 */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantileSorted() needs at least one value");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`Quantile must be in [0, 1], got "${q}"`);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const lower = sorted[below]!;
  const upper = sorted[above]!;
  // Equal neighbours return exactly, so a constant sample gives a CI of exactly zero width.
  return lower === upper ? lower : lower + (position - below) * (upper - lower);
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * Percentile bootstrap CI of the mean of `values`: resample n values with replacement `iterations`
 * times, take the alpha/2 and 1 − alpha/2 quantiles of the resampled means. `mean` is the plain
 * sample mean. Deterministic for a given Rng state.
 */
export function bootstrapCi(values: readonly number[], options: BootstrapOptions): BootstrapCi {
  const { iterations = 1000, alpha = 0.05, rng } = options;
  if (values.length === 0) throw new RangeError("bootstrapCi() needs at least one value");
  checkOptions(iterations, alpha);
  for (const v of values) {
    if (!Number.isFinite(v)) throw new RangeError(`bootstrapCi() needs finite values, got "${v}"`);
  }
  const n = values.length;
  const means = new Float64Array(iterations);
  for (let b = 0; b < iterations; b++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(n)]!;
    means[b] = sum / n;
  }
  const sorted = Array.from(means.sort());
  return {
    mean: mean(values),
    lo: quantileSorted(sorted, alpha / 2),
    hi: quantileSorted(sorted, 1 - alpha / 2),
  };
}

/**
 * Paired bootstrap CI of mean(a − b) where a[i] and b[i] score the same question i: resampling
 * questions jointly is resampling the per-question differences.
 */
export function pairedBootstrap(
  a: readonly number[],
  b: readonly number[],
  options: BootstrapOptions,
): BootstrapCi {
  if (a.length !== b.length) {
    throw new RangeError(
      `pairedBootstrap() needs arrays of equal length, got "${a.length}" and "${b.length}"`,
    );
  }
  return bootstrapCi(a.map((x, i) => x - b[i]!), options);
}

function checkOptions(iterations: number, alpha: number): void {
  if (!Number.isInteger(iterations) || iterations < 1) {
    throw new RangeError(`Bootstrap iterations must be a positive integer, got "${iterations}"`);
  }
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`Bootstrap alpha must be in (0, 1), got "${alpha}"`);
}

/**
 * Percentile bootstrap CI of any statistic of n questions (e.g. POPE's F1, which is not a mean of
 * per-question scores): `statistic` receives n question indices drawn with replacement, `iterations`
 * times; `mean` is the statistic of the questions as they are (indices 0..n−1).
 */
export function bootstrapStatistic(
  n: number,
  statistic: (indices: Int32Array) => number,
  options: BootstrapOptions,
): BootstrapCi {
  const { iterations = 1000, alpha = 0.05, rng } = options;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`bootstrapStatistic() needs n ≥ 1, got "${n}"`);
  checkOptions(iterations, alpha);
  const values = new Float64Array(iterations);
  const indices = new Int32Array(n);
  for (let b = 0; b < iterations; b++) {
    for (let i = 0; i < n; i++) indices[i] = rng.int(n);
    values[b] = statistic(indices);
  }
  const sorted = Array.from(values.sort());
  return {
    mean: statistic(Int32Array.from({ length: n }, (_, i) => i)),
    lo: quantileSorted(sorted, alpha / 2),
    hi: quantileSorted(sorted, 1 - alpha / 2),
  };
}

/**
 * Bootstrap CI of the mean of group means — a benchmark average over suites, each suite weighing the same
 * whatever its size (the paper's "Ave" column). Each resample redraws every group within itself, so the
 * suites keep their sizes. With one group this is exactly {@link bootstrapCi} (same draws).
 */
export function stratifiedBootstrap(
  groups: readonly (readonly number[])[],
  options: BootstrapOptions,
): BootstrapCi {
  const { iterations = 1000, alpha = 0.05, rng } = options;
  if (groups.length === 0) throw new RangeError("stratifiedBootstrap() needs at least one group");
  groups.forEach((g, k) => {
    if (g.length === 0) {
      throw new RangeError(`stratifiedBootstrap() needs non-empty groups, group ${k} is empty`);
    }
    for (const v of g) {
      if (!Number.isFinite(v)) throw new RangeError(`stratifiedBootstrap() needs finite values, got "${v}"`);
    }
  });
  checkOptions(iterations, alpha);
  const means = new Float64Array(iterations);
  for (let b = 0; b < iterations; b++) {
    let total = 0;
    for (const g of groups) {
      let sum = 0;
      for (let i = 0; i < g.length; i++) sum += g[rng.int(g.length)]!;
      total += sum / g.length;
    }
    means[b] = total / groups.length;
  }
  const sorted = Array.from(means.sort());
  return {
    mean: groups.reduce((a, g) => a + mean(g), 0) / groups.length,
    lo: quantileSorted(sorted, alpha / 2),
    hi: quantileSorted(sorted, 1 - alpha / 2),
  };
}

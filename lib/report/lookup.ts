/**
 * Finding the numbers a report cell needs in a set of results, following lib/experiment/conventions.ts, and
 * deriving the few that a script may have left out (an aggregate over suites, a difference, POPE F1 from
 * the scorer's `extra.f1`). A derived number has no CI — it was not bootstrapped over questions — and is
 * marked `derived` so the report can say so instead of passing it off as measured.
 *
 * Lookups never throw on missing data: a missing number is `undefined` and the report prints "—".
 *
 * @module
 */
import { canonicalJson } from "../results/hash.ts";
import type { Result, ResultRow } from "../results/schema.ts";
import {
  AGGREGATE_SUITES,
  deltaMethod,
  experimentKey,
  isAccuracyMetric,
  METRICS,
  pointLabel,
  sweepOf,
  TEXT_SUITES,
  throughputPhase,
  VISION_SUITES,
} from "../experiment/conventions.ts";

/** A number for a report cell. */
export interface Measured {
  value: number;
  ci?: readonly [number, number];
  /** Questions behind the value, when known. */
  n?: number;
  /** Computed by the report from other rows (no CI of its own). */
  derived?: boolean;
}

/** Results by experiment: the first result of each experiment is used, later ones are ignored. */
export interface ResultSet {
  get(experiment: string): Result | undefined;
  /** Results the report uses, in input order. */
  used: readonly Result[];
  /** Later results of an experiment already present, in input order. */
  ignored: readonly Result[];
}

/** Index `results` by `experimentKey(experiment)`. */
export function indexResults(results: readonly Result[]): ResultSet {
  const byKey = new Map<string, Result>();
  const used: Result[] = [];
  const ignored: Result[] = [];
  for (const result of results) {
    const key = experimentKey(result.experiment);
    if (byKey.has(key)) {
      ignored.push(result);
    } else {
      byKey.set(key, result);
      used.push(result);
    }
  }
  return { get: (experiment) => byKey.get(experimentKey(experiment)), used, ignored };
}

/** What a row must match; `extra` matches when every given key has an equal value in the row's extra. */
export interface RowQuery {
  method: string;
  /** Any suite when undefined. */
  suite?: string;
  metric: (metric: string) => boolean;
  extra?: Readonly<Record<string, unknown>>;
}

/**
 * The first row of `result` matching `query`. Sweep points match only when `query.extra` names a
 * `sweep` itself; otherwise only headline rows do.
 */
export function findRow(result: Result | undefined, query: RowQuery): ResultRow | undefined {
  const wantsSweep = query.extra !== undefined && "sweep" in query.extra;
  return result?.rows.find((row) =>
    row.method === query.method && (query.suite === undefined || row.suite === query.suite) &&
    query.metric(row.metric) &&
    (wantsSweep || sweepOf(row) === undefined) && extraMatches(row, query.extra)
  );
}

/** True when every key of `extra` has a canonically equal value in the row's extra. */
export function extraMatches(row: ResultRow, extra: Readonly<Record<string, unknown>> | undefined): boolean {
  if (!extra) return true;
  return Object.entries(extra).every(([key, value]) =>
    row.extra !== undefined && key in row.extra && canonicalJson(row.extra[key]) === canonicalJson(value)
  );
}

/** A row as a measured number. */
export function measuredOf(row: ResultRow): Measured {
  return { value: row.value, n: row.n, ...(row.ci ? { ci: row.ci } : {}) };
}

const isDelta = (metric: string) => metric === METRICS.deltaAccuracy;

/** Which number: a method on a suite, optionally restricted by `extra` (see `extraMatches`). */
export interface CellQuery {
  method: string;
  suite: string;
  extra?: Readonly<Record<string, unknown>>;
}

/**
 * Accuracy of a method on a suite. Missing aggregates are derived: `vstar` as the micro-average of the
 * two V* suites (weighted by n), `mean-text` / `mean-vision` / `mean` as the plain mean of whichever of
 * their suites are present. `metric` picks the protocol's rows (default: generation, `isAccuracyMetric`).
 */
export function accuracyOf(
  result: Result | undefined,
  query: CellQuery,
  metric: (metric: string) => boolean = isAccuracyMetric,
): Measured | undefined {
  const { method, suite, extra } = query;
  const row = findRow(result, { method, suite, metric, extra });
  if (row) return measuredOf(row);
  if (suite === AGGREGATE_SUITES.vstar) {
    const parts = VISION_SUITES.filter((s) => s.startsWith("vstar-"))
      .map((s) => accuracyOf(result, { method, suite: s, extra }, metric));
    if (parts.some((p) => p === undefined || p.derived || p.n === undefined || p.n === 0)) return undefined;
    const n = parts.reduce((s, p) => s + p!.n!, 0);
    return { value: parts.reduce((s, p) => s + p!.value * p!.n!, 0) / n, n, derived: true };
  }
  const members: readonly string[] | undefined = suite === AGGREGATE_SUITES.meanText
    ? TEXT_SUITES
    : suite === AGGREGATE_SUITES.meanVision
    ? VISION_SUITES
    : suite === AGGREGATE_SUITES.mean
    ? [...TEXT_SUITES, ...VISION_SUITES]
    : undefined;
  if (!members) return undefined;
  const parts = members.map((s) => accuracyOf(result, { method, suite: s, extra }, metric))
    .filter((p) => p !== undefined);
  if (parts.length === 0) return undefined;
  return { value: parts.reduce((s, p) => s + p.value, 0) / parts.length, derived: true };
}

/** F1 of a method on a suite: an `f1` row, else the scorer's `extra.f1` on the accuracy row (no CI). */
export function f1Of(result: Result | undefined, query: CellQuery): Measured | undefined {
  const { method, suite } = query;
  const row = findRow(result, { method, suite, metric: (m) => m === METRICS.f1 });
  if (row) return measuredOf(row);
  const acc = findRow(result, { method, suite, metric: isAccuracyMetric });
  const f1 = acc?.extra?.f1;
  return typeof f1 === "number" ? { value: f1, n: acc!.n, derived: true } : undefined;
}

/**
 * Throughput of a method (or of its point `extra`) relative to the baseline of the same run: a `throughput`
 * row (suite `all` preferred; older results and other scripts), else `timing.phases[throughputPhase(method,
 * extra)]` (no CI, marked derived) — the phase key uses the non-bookkeeping keys of `extra`, so `extra`
 * must name the whole point (`{ sweep: "tau", tau: 0.1 }` or `{ tau: 0.1 }`, not a subset). The headline
 * baseline is 1 by definition.
 */
export function throughputOf(
  result: Result | undefined,
  query: { method: string; extra?: Readonly<Record<string, unknown>> },
): Measured | undefined {
  if (!result) return undefined;
  const { method, extra } = query;
  const isThroughput = (m: string) => m === METRICS.throughput;
  const row = findRow(result, { method, suite: AGGREGATE_SUITES.all, metric: isThroughput, extra }) ??
    findRow(result, { method, metric: isThroughput, extra });
  if (row) return measuredOf(row);
  const phase = result.timing.phases?.[throughputPhase(method, extra)];
  if (phase !== undefined) return { value: phase, derived: true };
  // Exact by definition (the ratio's denominator), so not marked as derived.
  return method === "baseline" && pointLabel(extra) === "" ? { value: 1 } : undefined;
}

/** Which difference: a − b on `suite` (default `mean`); `extra` selects the delta row and a's row. */
export interface DeltaQuery {
  a: string;
  b: string;
  suite?: string;
  extra?: Readonly<Record<string, unknown>>;
  /** Selects b's row when deriving (default: b's headline row). */
  extraB?: Readonly<Record<string, unknown>>;
}

/**
 * The paired difference a − b (a `delta_accuracy` row), else the difference of the two accuracies
 * (derived, no CI).
 */
export function deltaOf(result: Result | undefined, query: DeltaQuery): Measured | undefined {
  const { a, b, suite = AGGREGATE_SUITES.mean, extra, extraB } = query;
  const row = findRow(result, { method: deltaMethod(a, b), suite, metric: isDelta, extra });
  if (row) return measuredOf(row);
  const x = accuracyOf(result, { method: a, suite, extra });
  const y = accuracyOf(result, { method: b, suite, extra: extraB });
  return x && y ? { value: x.value - y.value, derived: true } : undefined;
}

/** A `delta_throughput` row a − b, else the difference of the two throughputs (derived, no CI). */
export function throughputDeltaOf(
  result: Result | undefined,
  query: { a: string; b: string },
): Measured | undefined {
  const { a, b } = query;
  const row = findRow(result, { method: deltaMethod(a, b), metric: (m) => m === METRICS.deltaThroughput });
  if (row) return measuredOf(row);
  const x = throughputOf(result, { method: a });
  const y = throughputOf(result, { method: b });
  return x && y ? { value: x.value - y.value, derived: true } : undefined;
}

/**
 * Result rows from per-question outcomes, with the statistics every experiment reports.
 *
 * An experiment evaluates methods on the same questions, some of them under several seeds (the RPN's
 * training varies with the seed; the base model and the questions do not). Per question the seeds' scores
 * are averaged first, so a row's value is the mean over seeds and its 95 % CI is a bootstrap over questions
 * of the seed-averaged scores; the per-seed values go to `extra.perSeed`. Differences between methods are
 * paired (same questions), and a suite average ("mean", every suite weighing the same, like the paper's
 * "Ave") is bootstrapped within suites.
 *
 * Row conventions: `metric` is "accuracy" (percent, in the suite's own metric family), "f1" (POPE-style
 * yes/no suites, percent), "delta_accuracy" (paired difference, method "<a>-vs-<b>") or an analysis metric
 * such as "iou" (in [0, 1]). Answers may also be filed under another accuracy metric "<p>accuracy" (a second
 * scoring protocol, e.g. "likelihood-accuracy"): its F1 rows are "<p>f1" and its differences
 * "<p>delta_accuracy" (`answerMetrics`). Every row of one method and point carries exactly the key's `extra`, so a reader
 * can match a point's rows by it; the spread over seeds goes to its own rows, `<metric>_seed_sd` (sample
 * standard deviation of the per-seed values, listed in `extra.perSeed`). Rows are a function of the outcomes
 * and the seed only: wall-clock numbers such as throughput go to the result's timing block
 * (lib/experiment/runner.ts `throughputPhases`).
 */
import type { Rng } from "../engine/rng.ts";
import { canonicalJson } from "../results/hash.ts";
import type { ResultRow } from "../results/schema.ts";
import { bootstrapCi, bootstrapStatistic, pairedBootstrap, stratifiedBootstrap } from "./bootstrap.ts";
import { type MetricFamily, scoreAnswer, summarise } from "./metrics.ts";

/** Name of the suite average row. */
export const MEAN_SUITE = "mean";

/**
 * A row over several suites. Written when at least two of its suites are present. Default: a plain mean of
 * the suite values with a bootstrap within suites; `pooled`: the mean over all questions of its suites
 * (a micro-average, like the paper's V* overall).
 */
export interface Aggregate {
  name: string;
  /** Member suites; undefined = every suite. */
  suites?: readonly string[];
  pooled?: boolean;
}

/** How a row is labelled: the method name plus what distinguishes a sweep point (e.g. `{ tau: 0.1 }`). */
export interface RowKey {
  method: string;
  extra?: Record<string, unknown>;
}

/** A question as scoring needs it. */
export interface ScoredSample {
  answers: string[];
  options?: string[];
}

interface Entry {
  key: RowKey;
  suite: string;
  /** Per seed, per question. */
  seeds: number[][];
  family?: MetricFamily;
  predictions: string[][];
  samples?: ScoredSample[];
}

/** Accuracy metric of answers scored by generation, the default of `ScoreTable.addAnswers`. */
export const ACCURACY = "accuracy";

/**
 * The metrics derived from an accuracy metric "<p>accuracy" (`ACCURACY` or, for another scoring protocol,
 * e.g. "likelihood-accuracy"): the F1 of its yes/no suites "<p>f1" and its paired differences
 * "<p>delta_accuracy". Throws for a metric that does not end in "accuracy".
 */
export function answerMetrics(accuracy: string): { f1: string; delta: string } {
  if (!accuracy.endsWith(ACCURACY)) {
    throw new Error(`Metric "${accuracy}" is not an accuracy metric (it must end in "${ACCURACY}")`);
  }
  const prefix = accuracy.slice(0, -ACCURACY.length);
  return { f1: `${prefix}f1`, delta: `${prefix}delta_accuracy` };
}

/** Per-question outcomes of methods × suites × seeds, turned into rows. */
export class ScoreTable {
  #entries = new Map<string, Map<string, Entry>>(); // metric → (key id + suite) → entry

  /** `aggregates`: the rows over suites to add (default: the plain "mean" over every suite). */
  constructor(private readonly aggregates: readonly Aggregate[] = [{ name: MEAN_SUITE }]) {}

  /**
   * One seed's answers of a method on a suite, scored with the suite's metric family (0–100 per question),
   * under `options.metric` (default `ACCURACY`; another protocol's "<p>accuracy", see `answerMetrics`).
   */
  addAnswers(
    key: RowKey,
    suite: string,
    family: MetricFamily,
    predictions: string[],
    samples: ScoredSample[],
    options: { metric?: string } = {},
  ): void {
    const metric = options.metric ?? ACCURACY;
    answerMetrics(metric);
    if (predictions.length !== samples.length) {
      throw new Error(`Got ${predictions.length} answers for ${samples.length} questions of "${suite}"`);
    }
    const scores = samples.map((s, i) => 100 * scoreAnswer(family, predictions[i]!, s.answers, s.options));
    const entry = this.#entry(metric, key, suite, scores);
    entry.family = family;
    entry.samples = samples;
    entry.predictions.push(predictions);
  }

  /** One seed's per-question values of an analysis metric (e.g. IoU of the crop with the true box). */
  addValues(metric: string, key: RowKey, suite: string, values: number[]): void {
    this.#entry(metric, key, suite, values);
  }

  /** Metrics with values, in the order they were first added. */
  metrics(): string[] {
    return [...this.#entries.keys()];
  }

  /** The distinct keys with values of a metric, in the order first added (what a run evaluated). */
  keys(metric: string): RowKey[] {
    return this.#groups(metric).map((group) => group[0]!.key);
  }

  /** Seed-averaged per-question values. */
  perQuestion(metric: string, key: RowKey, suite: string): number[] {
    const entry = this.#entries.get(metric)?.get(entryId(key, suite));
    if (!entry) throw new Error(`No "${metric}" values for "${keyText(key)}" on "${suite}"`);
    return seedMean(entry.seeds);
  }

  /**
   * Rows of one metric, in insertion order: per suite, then the aggregates over suites of each key. For
   * answers ("accuracy" and other `addAnswers` metrics), yes/no suites also get an F1 row ("f1", "<p>f1").
   */
  rows(metric: string, rng: Rng, options: { digits?: number } = {}): ResultRow[] {
    const digits = options.digits ?? (metric === ACCURACY ? 2 : 3);
    const out: ResultRow[] = [];
    for (const group of this.#groups(metric)) {
      for (const e of group) {
        const values = seedMean(e.seeds);
        const ci = bootstrapCi(values, { rng: rng.fork(`${metric}/${entryId(e.key, e.suite)}`) });
        out.push(row(e.key, e.suite, metric, ci, values.length, digits));
        // `family` is set by addAnswers only: analysis metrics have no F1.
        if (e.family === "yesno") out.push(f1Row(e, answerMetrics(metric).f1, rng));
        if (e.seeds.length > 1) out.push(seedRow(e, metric, digits));
      }
      const key = group[0]!.key;
      out.push(
        ...this.#aggregateRows(key, metric, group.map((e) => [e.suite, seedMean(e.seeds)]), rng, digits),
      );
    }
    return out;
  }

  /**
   * Paired differences a − b of an accuracy metric (default "accuracy") on every suite both were evaluated
   * on, plus the aggregates over those suites: metric "delta_accuracy" ("<p>delta_accuracy" for
   * "<p>accuracy", `answerMetrics`), labelled `label` (default: method "<a>-vs-<b>" with a's extra, so the
   * difference of a sweep point carries that point's extra).
   */
  paired(a: RowKey, b: RowKey, rng: Rng, label?: RowKey, options: { metric?: string } = {}): ResultRow[] {
    const metric = options.metric ?? ACCURACY;
    const delta = answerMetrics(metric).delta;
    const table = this.#entries.get(metric) ?? new Map<string, Entry>();
    const key = label ?? { method: `${a.method}-vs-${b.method}`, ...(a.extra ? { extra: a.extra } : {}) };
    // "delta/…" for accuracy, as before other protocols existed, so those rows keep their resamples.
    const stream = metric === ACCURACY ? "delta" : delta;
    const diffs: [string, number[]][] = [];
    const out: ResultRow[] = [];
    for (const ea of table.values()) {
      if (entryId(ea.key, ea.suite) !== entryId(a, ea.suite)) continue;
      const eb = table.get(entryId(b, ea.suite));
      if (!eb) continue;
      const x = seedMean(ea.seeds), y = seedMean(eb.seeds);
      const ci = pairedBootstrap(x, y, { rng: rng.fork(`${stream}/${entryId(key, ea.suite)}`) });
      out.push(row(key, ea.suite, delta, ci, x.length, 2));
      diffs.push([ea.suite, x.map((v, i) => v - y[i]!)]);
    }
    if (diffs.length === 0) {
      throw new Error(`Cannot pair "${keyText(a)}" with "${keyText(b)}" on "${metric}": no suite has both`);
    }
    out.push(...this.#aggregateRows(key, delta, diffs, rng, 2));
    return out;
  }

  /** The suites on which both `a` and `b` have `metric` values, in insertion order (`paired` needs one). */
  sharedSuites(metric: string, a: RowKey, b: RowKey): string[] {
    const table = this.#entries.get(metric);
    if (!table) return [];
    return [...table.values()]
      .filter((e) => entryId(e.key, e.suite) === entryId(a, e.suite) && table.has(entryId(b, e.suite)))
      .map((e) => e.suite);
  }

  #aggregateRows(
    key: RowKey,
    metric: string,
    perSuite: [string, number[]][],
    rng: Rng,
    digits: number,
  ): ResultRow[] {
    const out: ResultRow[] = [];
    for (const agg of this.aggregates) {
      const members = perSuite.filter(([suite]) => !agg.suites || agg.suites.includes(suite));
      if (members.length < 2) continue;
      const values = members.map(([, v]) => v);
      const options = { rng: rng.fork(`${metric}/${entryId(key, agg.name)}`) };
      const ci = agg.pooled ? bootstrapCi(values.flat(), options) : stratifiedBootstrap(values, options);
      const n = values.reduce((a, g) => a + g.length, 0);
      out.push(row(key, agg.name, metric, ci, n, digits));
    }
    return out;
  }

  #entry(metric: string, key: RowKey, suite: string, values: number[]): Entry {
    if (values.length === 0) throw new Error(`No "${metric}" values for "${keyText(key)}" on "${suite}"`);
    for (const v of values) {
      if (!Number.isFinite(v)) throw new Error(`Non-finite "${metric}" value "${v}" for "${keyText(key)}"`);
    }
    let table = this.#entries.get(metric);
    if (!table) this.#entries.set(metric, table = new Map());
    const id = entryId(key, suite);
    let entry = table.get(id);
    if (!entry) table.set(id, entry = { key, suite, seeds: [], predictions: [] });
    if (entry.seeds.length > 0 && entry.seeds[0]!.length !== values.length) {
      throw new Error(
        `Seeds of "${keyText(key)}" on "${suite}" cover different questions (${
          entry.seeds[0]!.length
        } vs ${values.length})`,
      );
    }
    entry.seeds.push(values);
    return entry;
  }

  /** Entries of a metric grouped by key, keys and suites in insertion order. */
  #groups(metric: string): Entry[][] {
    const groups = new Map<string, Entry[]>();
    for (const e of this.#entries.get(metric)?.values() ?? []) {
      const id = entryId(e.key, "");
      groups.set(id, [...(groups.get(id) ?? []), e]);
    }
    return [...groups.values()];
  }
}

function f1Row(e: Entry, metric: string, rng: Rng): ResultRow {
  const f1Of = (predictions: string[], idx: ArrayLike<number>) =>
    summarise(
      "yesno",
      Array.from(idx, (i) => ({ prediction: predictions[i]!, answers: e.samples![i]!.answers, score: 0 })),
    ).f1!;
  const ci = bootstrapStatistic(
    e.samples!.length,
    (idx) => mean(e.predictions.map((p) => f1Of(p, idx))),
    { rng: rng.fork(`${metric}/${entryId(e.key, e.suite)}`) },
  );
  return row(e.key, e.suite, metric, ci, e.samples!.length, 2);
}

function row(
  key: RowKey,
  suite: string,
  metric: string,
  ci: { mean: number; lo: number; hi: number },
  n: number,
  digits: number,
): ResultRow {
  return {
    method: key.method,
    suite,
    metric,
    value: round(ci.mean, digits),
    n,
    ci: [round(ci.lo, digits), round(ci.hi, digits)],
    ...(key.extra && Object.keys(key.extra).length > 0 ? { extra: { ...key.extra } } : {}),
  };
}

/** Spread of a suite value over seeds: sample SD of the per-seed means (n = seeds). */
function seedRow(e: Entry, metric: string, digits: number): ResultRow {
  const perSeed = e.seeds.map((s) => mean(s));
  const m = mean(perSeed);
  const sd = Math.sqrt(perSeed.reduce((a, v) => a + (v - m) ** 2, 0) / (perSeed.length - 1));
  return {
    method: e.key.method,
    suite: e.suite,
    metric: `${metric}_seed_sd`,
    value: round(sd, digits),
    n: perSeed.length,
    extra: { ...e.key.extra, perSeed: perSeed.map((v) => round(v, digits)) },
  };
}

function entryId(key: RowKey, suite: string): string {
  return `${key.method}|${canonicalJson(key.extra ?? {})}|${suite}`;
}

function keyText(key: RowKey): string {
  return key.extra && Object.keys(key.extra).length > 0
    ? `${key.method} ${canonicalJson(key.extra)}`
    : key.method;
}

function seedMean(seeds: number[][]): number[] {
  return seeds[0]!.map((_, i) => seeds.reduce((a, s) => a + s[i]!, 0) / seeds.length);
}

function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Round to `digits` decimals (−0 becomes 0). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f + 0;
}

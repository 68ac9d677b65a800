/**
 * Which paired differences an experiment writes, declared once in its registry entry (registry.ts) and
 * expanded by the runner (`finish()`) against the rows the run actually evaluated: a fixed method pair, or
 * a rule over run-dependent rows (sweep points, data sizes, layer splits). A pair is a − b of `accuracy`
 * per suite and over suites (lib/eval/rows.ts `ScoreTable.paired`).
 *
 * A method's headline row is its one row without a sweep point (`extra.sweep` unset); its other rows are
 * sweep points or grid points. Rules expand in the order they are listed, and a rule over several rows in
 * the order the rows were first evaluated, so the order of the `delta_accuracy` rows is the registry's.
 *
 * @module
 */
import type { RowKey } from "../eval/rows.ts";
import { canonicalJson } from "../results/hash.ts";
import { deltaMethod, METRICS } from "./conventions.ts";

/** A paired difference a − b of two methods' headline rows (`delta_throughput` when `metric` says so). */
export interface PairedDifference {
  a: string;
  b: string;
  /** Suites the report reads it on (default: `mean` only); the runner writes every suite. */
  suites?: readonly string[];
  metric?: typeof METRICS.deltaAccuracy | typeof METRICS.deltaThroughput;
}

/**
 * a − b between the headline rows of two methods. `report`: the report reads it (paper claims, ladder);
 * with the paired bootstrap CI a claim that depends on it gets a verdict. A `delta_throughput` pair is
 * read by the report only (derived from the two throughputs of `timing.phases`); the runner writes no row.
 */
export interface MethodPair extends PairedDifference {
  kind: "pair";
  report?: boolean;
}

/** Rows of the run: of any of `methods` (default: every method) whose `extra` has every key of `has`. */
export interface RowSelector {
  methods?: readonly string[];
  has?: readonly string[];
}

/** Every selected row − the headline row of `b`, in evaluation order (none when no row is selected). */
export interface EachRule {
  kind: "each";
  rows: RowSelector;
  b: string;
}

/**
 * For every sweep point of `methods` (distinct `extra`, in evaluation order), each of `pairs` a − b, a
 * side in `methods` taking its row at that point and any other side its headline row.
 */
export interface PerPointRule {
  kind: "perPoint";
  methods: readonly string[];
  pairs: readonly (readonly [string, string])[];
}

/**
 * The row whose `extra.paper` is `a` − the one whose `extra.paper` is `b` (the analogues of the paper's
 * layer splits). None when either is absent or both are the same split: analogues that coincide on a
 * shallow model are one method and have nothing to compare.
 */
export interface PaperSplitRule {
  kind: "paperSplits";
  a: string;
  b: string;
}

/**
 * The selected row with the largest numeric `extra[by]` − the one with the smallest, labelled `label`
 * with `extra: { from, to }`; none with fewer than two such rows.
 */
export interface SpanRule {
  kind: "span";
  rows: RowSelector;
  by: string;
  label: string;
}

/** One declaration of paired differences an experiment writes. */
export type PairRule = MethodPair | EachRule | PerPointRule | PaperSplitRule | SpanRule;

/** One paired difference to write: a − b, labelled `label` (default: `<a>-vs-<b>` with a's extra). */
export interface ExpandedPair {
  a: RowKey;
  b: RowKey;
  label?: RowKey;
}

/**
 * The pairs `rules` declare for `experiment`, given the keys of the rows it evaluated (distinct, in the
 * order first evaluated). Throws naming the experiment and the pair when a side a rule needs was not
 * evaluated, or is ambiguous.
 */
export function expandPairRules(
  experiment: string,
  rules: readonly PairRule[],
  keys: readonly RowKey[],
): ExpandedPair[] {
  const out: ExpandedPair[] = [];
  const headline = (method: string, pair: string): RowKey => {
    const rows = keys.filter((k) => k.method === method && !isPoint(k));
    if (rows.length === 1) return rows[0]!;
    const where =
      `Experiment "${experiment}" declares the paired difference "${pair}" (lib/experiment/registry.ts)`;
    throw new Error(
      rows.length === 0
        ? `${where} but evaluated no "${method}" row`
        : `${where} but "${method}" has ${rows.length} rows without a sweep point`,
    );
  };
  for (const rule of rules) {
    switch (rule.kind) {
      case "pair": {
        if ((rule.metric ?? METRICS.deltaAccuracy) !== METRICS.deltaAccuracy) break;
        const name = deltaMethod(rule.a, rule.b);
        out.push({ a: headline(rule.a, name), b: headline(rule.b, name) });
        break;
      }
      case "each":
        for (const a of keys.filter((k) => selects(rule.rows, k))) {
          out.push({ a, b: headline(rule.b, deltaMethod(a.method, rule.b)) });
        }
        break;
      case "perPoint": {
        // Distinct points in the order first evaluated (a Set keeps first insertion).
        const points = new Set(
          keys.filter((k) => rule.methods.includes(k.method) && isPoint(k)).map((k) =>
            canonicalJson(k.extra)
          ),
        );
        for (const id of points) {
          const side = (method: string, pair: string): RowKey => {
            if (!rule.methods.includes(method)) return headline(method, pair);
            const row = keys.find((k) => k.method === method && canonicalJson(k.extra ?? {}) === id);
            if (row) return row;
            throw new Error(
              `Experiment "${experiment}" declares the paired difference "${pair}" at every sweep point ` +
                `(lib/experiment/registry.ts) but evaluated no "${method}" row at ${id}`,
            );
          };
          for (const [a, b] of rule.pairs) {
            const name = deltaMethod(a, b);
            out.push({ a: side(a, name), b: side(b, name) });
          }
        }
        break;
      }
      case "paperSplits": {
        const a = keys.find((k) => k.extra?.paper === rule.a);
        const b = keys.find((k) => k.extra?.paper === rule.b);
        if (a && b && a.method !== b.method) out.push({ a, b });
        break;
      }
      case "span": {
        const rows = keys.filter((k) => selects(rule.rows, k) && typeof k.extra?.[rule.by] === "number");
        if (rows.length < 2) break;
        const at = (k: RowKey) => k.extra![rule.by] as number;
        const smallest = rows.reduce((m, k) => (at(k) < at(m) ? k : m));
        const largest = rows.reduce((m, k) => (at(k) > at(m) ? k : m));
        out.push({
          a: largest,
          b: smallest,
          label: { method: rule.label, extra: { from: at(smallest), to: at(largest) } },
        });
        break;
      }
    }
  }
  return out;
}

/** The report-facing method pairs among `rules` (`report: true`), in order. */
export function reportedPairs(rules: readonly PairRule[]): MethodPair[] {
  return rules.filter((r): r is MethodPair => r.kind === "pair" && r.report === true);
}

/** A sweep point: a row whose `extra.sweep` names what it sweeps. */
function isPoint(key: RowKey): boolean {
  const sweep = key.extra?.sweep;
  return typeof sweep === "string" && sweep !== "";
}

function selects(selector: RowSelector, key: RowKey): boolean {
  if (selector.methods && !selector.methods.includes(key.method)) return false;
  return (selector.has ?? []).every((name) => key.extra !== undefined && name in key.extra);
}

/**
 * Sweep points (rows with `extra.sweep`, see conventions.ts): thresholds, τ_conf, layer choices... One
 * table per experiment, one group per (method, swept parameter), whatever the experiment swept.
 *
 * @module
 */
import { canonicalJson } from "../results/hash.ts";
import type { Result } from "../results/schema.ts";
import { DERIVED_NOTE, measuredCell } from "./cells.ts";
import { ABLATION_METHODS, AGGREGATE_SUITES, isAccuracyMetric, sweepOf } from "../experiment/conventions.ts";
import { experimentsIn } from "../experiment/registry.ts";
import { accuracyOf, deltaOf, type Measured, type ResultSet, throughputOf } from "./lookup.ts";
import { markdownTable } from "./markdown.ts";

/** One setting of a swept parameter. */
export interface SweepPoint {
  value: unknown;
  accuracy?: Measured;
  gain?: Measured;
  throughput?: Measured;
}

/** The points of one method's sweep over one parameter, ordered by value. */
export interface SweepGroup {
  experiment: string;
  method: string;
  param: string;
  points: SweepPoint[];
}

/** Every sweep group of `result`, by method then parameter. */
export function sweepGroups(result: Result): SweepGroup[] {
  const groups = new Map<string, SweepGroup & { seen: Set<string> }>();
  for (const row of result.rows) {
    const param = sweepOf(row);
    if (!param || !isAccuracyMetric(row.metric) || !row.extra) continue;
    const key = `${row.method}\u0000${param}`;
    let group = groups.get(key);
    if (!group) {
      group = { experiment: result.experiment, method: row.method, param, points: [], seen: new Set() };
      groups.set(key, group);
    }
    // Per-suite rows of the same point share their extra; the point is listed once.
    const extra = row.extra;
    const id = canonicalJson(extra);
    if (group.seen.has(id)) continue;
    group.seen.add(id);
    const query = { method: row.method, suite: AGGREGATE_SUITES.mean, extra };
    const accuracy = accuracyOf(result, query);
    const gain = deltaOf(result, { a: row.method, b: ABLATION_METHODS.baseline, suite: query.suite, extra });
    const throughput = throughputOf(result, { method: row.method, extra });
    group.points.push({
      value: extra[param],
      ...(accuracy ? { accuracy } : {}),
      ...(gain ? { gain } : {}),
      ...(throughput ? { throughput } : {}),
    });
  }
  return [...groups.values()]
    .map(({ seen: _, ...g }) => ({ ...g, points: g.points.sort((a, b) => compareValues(a.value, b.value)) }))
    .sort((a, b) => compareText(a.method, b.method) || compareText(a.param, b.param));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Numbers numerically and before anything else; other values by their canonical JSON. */
function compareValues(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return compareText(canonicalJson(a ?? null), canonicalJson(b ?? null));
}

/** A swept value as text: numbers and strings as they are, anything else as canonical JSON. */
export function valueText(value: unknown): string {
  if (typeof value === "number" || typeof value === "string") return String(value);
  return canonicalJson(value ?? null);
}

/** The sweeps section: one table per experiment with sweep points, or a line saying there are none. */
export function sweepsSection(results: ResultSet): string {
  const out = ["## Sweeps", ""];
  let any = false;
  for (const experiment of experimentsIn("sweeps")) {
    const result = results.get(experiment);
    const groups = result ? sweepGroups(result) : [];
    if (groups.length === 0) continue;
    any = true;
    const rows = groups.flatMap((g) =>
      g.points.map((p) => [
        g.method,
        g.param,
        valueText(p.value),
        measuredCell(p.accuracy),
        measuredCell(p.gain, { signed: true }),
        measuredCell(p.throughput, { decimals: 2, unit: "×" }),
      ])
    );
    out.push(
      `### \`${experiment}\``,
      "",
      markdownTable(
        ["method", "parameter", "value", "mean accuracy", "gain vs baseline", "throughput"],
        rows,
        { align: ["left", "left", "right", "right", "right", "right"] },
      ),
      "",
    );
  }
  if (!any) out.push("_No sweep points in the results yet._", "");
  else out.push(`- ${DERIVED_NOTE}`, "");
  return out.join("\n");
}

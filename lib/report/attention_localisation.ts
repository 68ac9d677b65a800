/**
 * Where the teacher's attention looks (analysis only): the `attention_localisation` result per decoder
 * layer — the mean-over-heads answer→image map's share of image mass on the true target against a uniform
 * map's (the box's share of cells), and how often its peak cell is on the target — on the training suites
 * (the teacher's questions, what the pseudo-labels are made from) and on the evaluation suites. SD-RPN can
 * only learn to localise what this map localises; a lift near 1× at the grounding layer explains an RPN
 * that is no better than a random box. The true box is read here for measurement only.
 *
 * @module
 */
import { canonicalJson } from "../results/hash.ts";
import type { Result, ResultRow } from "../results/schema.ts";
import { DASH, DERIVED_MARK, measuredCell, notRunYet } from "./cells.ts";
import {
  AGGREGATE_SUITES,
  ATTENTION_LOCALISATION as AL,
  isAccuracyMetric,
} from "../experiment/conventions.ts";
import { experimentIn } from "../experiment/registry.ts";
import { type Measured, measuredOf, type ResultSet } from "./lookup.ts";
import { formatEstimate, formatNumber, markdownTable } from "./markdown.ts";

type Split = typeof AL.splits[keyof typeof AL.splits];
const SPLITS: readonly Split[] = [AL.splits.train, AL.splits.eval];

/** One map's measures on a split's mean over suites. */
export interface SplitCell {
  mass?: Measured;
  /** The uniform map's mass in box (target cells / N): the chance level of mass and peak. */
  share?: Measured;
  peak?: Measured;
  /** Paired mass − share per question: its CI says whether the map beats a uniform one. */
  excess?: Measured;
  /** Sink-removed map only: share of all cells, and of the target's cells, zeroed as sinks. */
  sinkCells?: Measured;
  sinkOnTarget?: Measured;
}

/** A row of the section: one layer's mean-over-heads map (or the grounding layer's sink-removed map). */
export interface AttentionLayerRow {
  layer: number;
  /** The map label assignment reads: grounding layer, sinks removed. */
  sinksRemoved: boolean;
  train: SplitCell;
  eval: SplitCell;
}

/** A single map (any layer, one head or all) with its training-split lift, for "the best map". */
export interface HeadLift {
  layer: number;
  head: string | number;
  mass: number;
  share: number;
  lift: number;
}

/** The map rows of a result: every layer's all-head map, then the sink-removed grounding map. */
export function attentionLayerRows(result: Result): AttentionLayerRow[] {
  const layers = [
    ...new Set(
      result.rows.filter((r) =>
        r.method === AL.method && r.metric === AL.metrics.massInBox && r.extra?.head === AL.allHeads &&
        r.extra?.sinks === undefined && typeof r.extra?.layer === "number"
      ).map((r) => r.extra!.layer as number),
    ),
  ].sort((a, b) => a - b);
  const rowOf = (extra: Record<string, unknown>, sinksRemoved: boolean): AttentionLayerRow => {
    const [train, evaluation] = SPLITS.map((split) => splitCell(result, { ...extra, split }));
    return { layer: extra.layer as number, sinksRemoved, train: train!, eval: evaluation! };
  };
  const out = layers.map((layer) => rowOf({ layer, head: AL.allHeads }, false));
  const removed = result.rows.find((r) =>
    r.method === AL.method && r.metric === AL.metrics.massInBox && r.extra?.sinks === "removed"
  );
  if (removed) {
    const { split: _, ...extra } = removed.extra!;
    out.push(rowOf(extra, true));
  }
  return out;
}

/** Every single map (layer × head, all-head means included, sink-removed excluded) by training lift. */
export function headLifts(result: Result): HeadLift[] {
  const out: HeadLift[] = [];
  for (const row of result.rows) {
    const extra = row.extra;
    if (
      row.method !== AL.method || row.metric !== AL.metrics.massInBox || !extra ||
      extra.split !== AL.splits.train || extra.sinks !== undefined || typeof extra.layer !== "number" ||
      (typeof extra.head !== "number" && typeof extra.head !== "string") ||
      row.suite !== AGGREGATE_SUITES.mean
    ) continue;
    const share = findExact(result, AL.metrics.boxShare, AGGREGATE_SUITES.mean, extra);
    if (!share || share.value <= 0) continue;
    out.push({
      layer: extra.layer,
      head: extra.head,
      mass: row.value,
      share: share.value,
      lift: row.value / share.value,
    });
  }
  return out.sort((a, b) => b.lift - a.lift || a.layer - b.layer);
}

/** The section "Where the teacher's attention looks (analysis only)". */
export function attentionLocalisationSection(results: ResultSet): string {
  const out = ["## Where the teacher's attention looks (analysis only)", ""];
  const experiment = experimentIn("attentionLocalisation");
  const result = results.get(experiment);
  if (!result) return [...out, notRunYet(experiment), ""].join("\n");
  const rows = attentionLayerRows(result);
  if (rows.length === 0) return [...out, "The result has no attention map rows.", ""].join("\n");
  const teacher = result.config.teacher as Record<string, unknown> | undefined;
  const grounding = typeof teacher?.layer === "number" ? teacher.layer : undefined;
  const sinkLayer = typeof teacher?.sinkLayer === "number" ? teacher.sinkLayer : undefined;
  const label = (r: AttentionLayerRow) => {
    if (r.sinksRemoved) return `${r.layer}, sinks removed (the labels' map)`;
    const roles = [
      ...(r.layer === grounding ? ["grounding"] : []),
      ...(r.layer === sinkLayer ? ["sink map"] : []),
    ];
    return roles.length ? `**${r.layer}** (${roles.join(", ")})` : String(r.layer);
  };
  out.push(
    "Answer→image attention of the model's own answers (the teacher's queries, spec §1), mean over heads, " +
      "measured against the true target box: the share of the map's image mass on the target's cells (cells " +
      "whose centre lies in the box) beside a uniform map's share — the box's share of cells, also the chance " +
      "level of the peak — and the lift between them; and how often the map's largest cell is on the target. " +
      "Means over the training suites (the teacher's questions, what the pseudo-labels are made from) and " +
      `the evaluation suites. ↑ / ↓: the paired difference mass − uniform has its 95 % CI above / below 0.`,
    "",
    markdownTable(
      [
        "layer",
        "training: mass on target vs uniform (lift)",
        "training: peak on target",
        "evaluation: mass on target vs uniform (lift)",
        "evaluation: peak on target",
      ],
      rows.map((r) => [label(r), massCell(r.train), peakCell(r.train), massCell(r.eval), peakCell(r.eval)]),
      { align: ["left", "right", "right", "right", "right"] },
    ),
    "",
  );
  const sentences = summarySentences(result, rows, grounding);
  if (sentences.length) out.push(sentences.join(" "), "");
  return out.join("\n");
}

/** The sentences under the table, computed from the numbers. */
function summarySentences(
  result: Result,
  rows: AttentionLayerRow[],
  grounding: number | undefined,
): string[] {
  const out: string[] = [];
  const at = rows.find((r) => r.layer === grounding && !r.sinksRemoved);
  if (at) {
    for (const split of SPLITS) {
      const c = at[split];
      if (!c.mass || !c.share) continue;
      const where = split === AL.splits.train
        ? "training suites (the teacher's questions)"
        : "evaluation suites";
      const verdict = c.excess?.ci
        ? c.excess.ci[0] > 0
          ? "more than a uniform map"
          : c.excess.ci[1] < 0
          ? "less than a uniform map"
          : "no more than a uniform map"
        : "";
      out.push(
        `At the grounding layer (${at.layer}) on the ${where} the attention puts ${
          shareText(c.mass)
        } of its image ` +
          `mass on the target, against ${shareText(c.share)} for a uniform map (lift ${liftText(c)})` +
          (verdict ? ` — ${verdict}` : "") +
          (c.peak
            ? `; its peak cell is on the target for ${percent(c.peak.value)} of the questions ` +
              `(chance ${percent(c.share.value)}).`
            : "."),
      );
    }
  }
  const removed = rows.find((r) => r.sinksRemoved)?.train;
  if (removed?.mass && removed.share) {
    const zeroed = removed.sinkCells && removed.sinkOnTarget
      ? `; sink removal zeroes ${percent(removed.sinkCells.value)} of the cells and ` +
        `${percent(removed.sinkOnTarget.value)} of the target's cells`
      : "";
    const [mass, uniform] = [shareText(removed.mass), shareText(removed.share)];
    out.push(
      `After sink removal (the map the pseudo-labels are made from) it is ${mass} against ${uniform} ` +
        `(lift ${liftText(removed)}) on the training suites${zeroed}.`,
    );
  }
  const best = headLifts(result).find((h) => h.head !== AL.allHeads);
  if (best) {
    out.push(
      `The best single head on the training suites is layer ${best.layer} head ${best.head}: ` +
        `${formatNumber(best.mass, 3)} against ${formatNumber(best.share, 3)} (lift ` +
        `${formatNumber(best.lift, 2)}×; the true box picked it, so this is an upper bound, not a choice).`,
    );
  }
  const accuracy = SPLITS.map((split) => splitMean(result, (m) => isAccuracyMetric(m), { split }));
  if (accuracy[0] || accuracy[1]) {
    const part = (m: Measured | undefined, what: string) =>
      m ? `${measuredCell(m, { decimals: 1, unit: " %" })} of the ${what}` : "";
    out.push(
      `The model answers ${
        [part(accuracy[0], "training questions"), part(accuracy[1], "evaluation questions")]
          .filter((p) => p).join(" and ")
      } correctly.`,
    );
  }
  return out;
}

/** `0.090 [0.080, 0.100] vs 0.100 (0.90×) ↑` */
function massCell(c: SplitCell): string {
  if (!c.mass) return DASH;
  const arrow = c.excess?.ci ? (c.excess.ci[0] > 0 ? " ↑" : c.excess.ci[1] < 0 ? " ↓" : "") : "";
  const vs = c.share ? ` vs ${measuredShare(c.share)} (${liftText(c)})` : "";
  return `${measuredCell(c.mass, { decimals: 3 })}${vs}${arrow}`;
}

/** `12 % [8, 16]` */
function peakCell(c: SplitCell): string {
  if (!c.peak) return DASH;
  const p = c.peak;
  return measuredCell(
    { ...p, value: 100 * p.value, ...(p.ci ? { ci: [100 * p.ci[0], 100 * p.ci[1]] } : {}) },
    {
      decimals: 0,
      unit: " %",
    },
  );
}

function liftText(c: SplitCell): string {
  return c.mass && c.share && c.share.value > 0 ? `${formatNumber(c.mass.value / c.share.value, 2)}×` : DASH;
}

function measuredShare(m: Measured): string {
  return formatNumber(m.value, 3) + (m.derived ? DERIVED_MARK : "");
}

function shareText(m: Measured): string {
  return formatEstimate(m.value, undefined, { decimals: 3 });
}

function percent(x: number): string {
  return `${formatNumber(100 * x, 0)} %`;
}

function splitCell(result: Result, extra: Record<string, unknown>): SplitCell {
  const get = (metric: string) => splitMean(result, (m) => m === metric, extra);
  const cell: SplitCell = {};
  const mass = get(AL.metrics.massInBox), share = get(AL.metrics.boxShare);
  const peak = get(AL.metrics.argmaxInBox), excess = get(AL.metrics.massExcess);
  if (mass) cell.mass = mass;
  if (share) cell.share = share;
  if (peak) cell.peak = peak;
  if (excess) cell.excess = excess;
  const sinkCells = get(AL.metrics.sinkCells), sinkOnTarget = get(AL.metrics.sinkOnTarget);
  if (sinkCells) cell.sinkCells = sinkCells;
  if (sinkOnTarget) cell.sinkOnTarget = sinkOnTarget;
  return cell;
}

/**
 * A split's mean over suites: the `mean` row with exactly `extra`, or — when the script could not write
 * one (a split with one suite) — the plain mean of its suite rows, marked derived.
 */
function splitMean(
  result: Result,
  metric: (metric: string) => boolean,
  extra: Record<string, unknown>,
): Measured | undefined {
  const exact = (r: ResultRow) =>
    r.method === AL.method && metric(r.metric) && canonicalJson(r.extra ?? {}) === canonicalJson(extra);
  const mean = result.rows.find((r) => exact(r) && r.suite === AGGREGATE_SUITES.mean);
  if (mean) return measuredOf(mean);
  const aggregates = new Set<string>(Object.values(AGGREGATE_SUITES));
  const parts = result.rows.filter((r) => exact(r) && !aggregates.has(r.suite));
  if (parts.length === 0) return undefined;
  if (parts.length === 1) return measuredOf(parts[0]!);
  return { value: parts.reduce((s, r) => s + r.value, 0) / parts.length, derived: true };
}

function findExact(
  result: Result,
  metric: string,
  suite: string,
  extra: Readonly<Record<string, unknown>>,
): ResultRow | undefined {
  return result.rows.find((r) =>
    r.method === AL.method && r.metric === metric && r.suite === suite &&
    canonicalJson(r.extra ?? {}) === canonicalJson(extra)
  );
}

/**
 * The sink-removal section: which share of the image each sink rule flags (the released attention-based
 * rule at each swept sink layer, the norm-based rule, none), what that does to the pseudo-labels and to the
 * gain, and the massive-activation statistics that say whether the norm-based rule has anything to find.
 *
 * Rendered only from a `sink_removal` result that has `sink_share` rows or an `analysis.massiveActivations`
 * block; results written before them leave the report as it was.
 *
 * @module
 */
import { ABLATION_METHODS as A, AGGREGATE_SUITES, deltaMethod, METRICS } from "../experiment/conventions.ts";
import type { MassiveActivations, Result } from "../results/schema.ts";
import { DASH, DERIVED_NOTE, measuredCell } from "./cells.ts";
import { findRow, type Measured, measuredOf, type ResultSet } from "./lookup.ts";
import { type Align, formatNumber, markdownTable } from "./markdown.ts";
import { experimentIn } from "../experiment/registry.ts";

/** Row metric: per teacher sample, the share of the N image cells a rule flags as sinks. */
export const SINK_SHARE = "sink_share";
const TEACHER = "teacher";

/** One rule of the table: which rows, and how to label it. */
interface RuleRow {
  rule: string;
  layer: string;
  method: string;
  extra?: Record<string, unknown>;
}

/** The rules of a result in table order: none, attention-based per sink layer (ascending), norm-based. */
function ruleRows(result: Result): RuleRow[] {
  const teacher = result.config.teacher as Record<string, unknown> | undefined;
  const sinkLayer = typeof teacher?.sinkLayer === "number" ? teacher.sinkLayer : undefined;
  const normLayer = typeof teacher?.normLayer === "number" ? teacher.normLayer : undefined;
  const swept = [
    ...new Set(
      result.rows.filter((r) => r.method === A.attentionSinks && r.extra?.sweep === "sinkLayer")
        .map((r) => r.extra!.sinkLayer).filter((l): l is number => typeof l === "number"),
    ),
  ];
  const attention: { layer: number | undefined; row: RuleRow }[] = [
    {
      layer: sinkLayer,
      row: {
        rule: "attention-based (released)",
        layer: sinkLayer === undefined ? DASH : String(sinkLayer),
        method: A.attentionSinks,
      },
    },
    ...swept.map((layer) => ({
      layer,
      row: {
        rule: "attention-based",
        layer: String(layer),
        method: A.attentionSinks,
        extra: { sweep: "sinkLayer", sinkLayer: layer },
      },
    })),
  ];
  attention.sort((a, b) => (a.layer ?? -1) - (b.layer ?? -1));
  return [
    { rule: "none", layer: DASH, method: A.noSinkRemoval },
    ...attention.map((a) => a.row),
    {
      rule: "norm-based",
      layer: normLayer === undefined ? DASH : `${normLayer} (input)`,
      method: A.normSinks,
    },
  ];
}

function teacherMetric(result: Result, rule: RuleRow, metric: string): Measured | undefined {
  const row = findRow(result, {
    method: rule.method,
    suite: TEACHER,
    metric: (m) => m === metric,
    extra: rule.extra,
  });
  return row ? measuredOf(row) : undefined;
}

function gain(result: Result, rule: RuleRow): Measured | undefined {
  const row = findRow(result, {
    method: deltaMethod(rule.method, A.baseline),
    suite: AGGREGATE_SUITES.mean,
    metric: (m) => m === METRICS.deltaAccuracy,
    extra: rule.extra,
  });
  return row ? measuredOf(row) : undefined;
}

function thresholdOf(result: Result, rule: RuleRow): string {
  const row = findRow(result, {
    method: rule.method,
    suite: TEACHER,
    metric: (m) => m === SINK_SHARE,
    extra: rule.extra,
  });
  const t = row?.extra?.threshold;
  return typeof t === "number" ? String(Number(t.toPrecision(4))) : DASH;
}

/** Percent with its CI: `31.2 % [30.1, 32.4]`. */
function percentCell(m: Measured | undefined): string {
  if (!m) return DASH;
  const ci = m.ci ? { ci: [100 * m.ci[0], 100 * m.ci[1]] as const } : {};
  return measuredCell({ ...m, value: 100 * m.value, ...ci }, { unit: " %" });
}

/**
 * The paragraph on massive activations: the largest peak / median ratios, the verdict by the paper's
 * definition, and what the norm-based rule's threshold and sink dimensions leave it to flag.
 */
export function massiveActivationParagraph(m: MassiveActivations): string {
  const ratio = (r: number | null) => (r === null ? "unbounded (median 0)" : `${formatNumber(r, 1)}×`);
  const top = m.top.map((t) => `dim ${t.dim} (peak ${t.max}, mean ${t.mean}, ${ratio(t.ratio)})`).join(", ");
  const best = m.top[0];
  const verdict = m.massiveDims.length === 0
    ? `No dimension reaches ${m.minRatio}× the median: **this model has no sink dimensions by the paper's ` +
      `definition** (massive activations: a few dimensions with values orders of magnitude above the median; ` +
      `largest measured ratio ${best ? ratio(best.ratio) : DASH}).`
    : `Massive by the paper's definition (≥ ${m.minRatio}× the median): dims ${m.massiveDims.join(", ")}.`;
  const rule = `The norm-based rule compares RMS-normalised values with τ_norm = ${m.tauNorm} (at most ` +
    `√d = ${formatNumber(Math.sqrt(m.dim), 2)}; largest measured ${m.normedMax}): ${m.dimsOverTau} of ` +
    `${m.dim} dimensions and ${m.tokensOverTau} of ${m.tokens} tokens exceed it somewhere; its sink dimensions ` +
    (m.sinkDims.length === 0
      ? "(outliers of the RMS-normalised peaks) are none, so it flags no token and `norm_sinks` is identical " +
        "to `no_sink_removal`."
      : `(outliers of the RMS-normalised peaks) are ${
        m.sinkDims.join(", ")
      }, and it flags ${m.tokensFlagged} ` +
        `of ${m.tokens} tokens.`);
  return `Massive activations at the input of decoder layer ${m.layer} (the norm-based rule's layer; ` +
    `${m.tokens} visual tokens of ${m.samples} teacher samples, d = ${m.dim}): median |activation| ` +
    `${m.median}; largest peak / median: ${top}. ${verdict} ${rule}`;
}

/** The section, or "" when the sink_removal result has neither sink shares nor activation statistics. */
export function sinksSection(set: ResultSet): string {
  const result = set.get(experimentIn("sinks"));
  if (!result) return "";
  const hasShares = result.rows.some((r) => r.metric === SINK_SHARE);
  const massive = result.analysis?.massiveActivations;
  if (!hasShares && !massive) return "";
  const out = ["## Sink removal: what each rule flags", ""];
  if (hasShares) {
    out.push(
      "Per rule, on the teacher set: the share of the image cells flagged as sinks (mean over samples), the " +
        "share of samples that keep a label, the pseudo-labels' fg box IoU with the true box (analysis only), " +
        "and the gain of its SD-RPN over the baseline (accuracy points, mean over suites, paired 95 % CI):",
      "",
    );
    const rows = ruleRows(result).map((rule) => [
      rule.rule,
      rule.layer,
      thresholdOf(result, rule),
      percentCell(teacherMetric(result, rule, SINK_SHARE)),
      percentCell(teacherMetric(result, rule, "usable_share")),
      measuredCell(teacherMetric(result, rule, METRICS.iou), { decimals: 3 }),
      measuredCell(gain(result, rule), { signed: true }),
    ]);
    const align: Align[] = ["left", "left", "right", "right", "right", "right", "right"];
    out.push(
      markdownTable(
        [
          "rule",
          "sink layer",
          "τ",
          "flagged cells",
          "usable samples",
          "pseudo-label IoU",
          "gain vs baseline",
        ],
        rows,
        { align },
      ),
      "",
      "- The released rule flags a cell when its early-layer answer→image attention is ≥ τ_sink = 0.576/N, " +
        "0.58× the uniform level 1/N: every cell with more than about half its uniform share of that map's mass.",
      `- ${DERIVED_NOTE}`,
      "",
    );
  }
  if (massive) out.push(massiveActivationParagraph(massive), "");
  return out.join("\n");
}

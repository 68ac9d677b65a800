/**
 * The paper's claims, each tied to the effect that tests it here, and the claims table: claim → the
 * paper's effect (LLaVA-1.5-7B, computed from the paper tables) → the effect measured here with its 95 %
 * CI → verdict (lib/report/claims.ts).
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import { DASH, measuredCell } from "./cells.ts";
import { type ClaimSpec, judgeClaim, type Verdict } from "./claims.ts";
import {
  ABLATION_METHODS as A,
  AGGREGATE_SUITES as S,
  DATA_SIZE_DELTA,
  EXPERIMENTS as E,
  MAIN_METHODS as M,
  METRICS,
} from "../experiment/conventions.ts";
import { LADDER, paperGain, type Rung, stepOf } from "./ladder.ts";
import { paperSplitMethod } from "./layers.ts";
import { deltaOf, findRow, type Measured, measuredOf, type ResultSet, throughputDeltaOf } from "./lookup.ts";
import { PAPER_MODEL, type PaperContext } from "./main_tables.ts";
import { formatSigned, markdownTable } from "./markdown.ts";
import { recomputedScores } from "./paper.ts";

/** A claim of the paper and how it is tested here. */
export interface PaperClaim {
  text: string;
  spec: ClaimSpec;
  /** The experiment that measures it (its absence means "not run yet"). */
  experiment: string;
  /** Where the effect is read, for the reader. */
  source: string;
  /** Decimals of the measured effect (default 1: accuracy points). */
  decimals?: number;
  /** The paper's effect, as text. */
  paperEffect: (context: PaperContext) => string;
  measure: (results: ResultSet) => Measured | undefined;
}

/** A score of the paper model's row (aggregates recomputed), or undefined. */
function paperScore(context: PaperContext, table: "table1" | "table2", method: string, column: string) {
  const rows = table === "table1"
    ? context.paper.table1_doc_ocr.rows
    : context.paper.table2_vision_centric.rows;
  const row = rows.find((r) => r.model === PAPER_MODEL && r.method === method);
  return row ? recomputedScores(row, context.checks)[column] ?? undefined : undefined;
}

function paperDiff(context: PaperContext, table: "table1" | "table2", a: string, b: string, column: string) {
  const x = paperScore(context, table, a, column);
  const y = paperScore(context, table, b, column);
  return x == null || y == null ? DASH : formatSigned(x - y);
}

const mainDelta = (a: string, b: string, suite: string) => (results: ResultSet) =>
  deltaOf(results.get(E.mainResults), { a, b, suite });

function rungClaim(text: string, rung: Rung | undefined): PaperClaim[] {
  if (!rung?.stepFrom) return [];
  return [{
    text,
    spec: { direction: 1 },
    experiment: rung.experiment,
    source: `\`${rung.experiment}\`: \`${rung.method}\` − \`${rung.stepFrom}\` (mean)`,
    paperEffect: ({ paper }) => {
      const step = paperGain(paper, rung.paperRow).step;
      return step === undefined ? DASH : formatSigned(step);
    },
    measure: (results) => stepOf(results, rung),
  }];
}

function splitClaim(text: string, a: string, b: string): PaperClaim {
  return {
    text,
    spec: { direction: 1 },
    experiment: E.layerAblation,
    source: `\`${E.layerAblation}\`: analogue of ${a} − analogue of ${b} (mean)`,
    paperEffect: ({ paper }) => {
      const gain = (name: string) =>
        paper.ablations_llava_1_5_7b_avg_gain.layer_split.find((s) => `B${s.B}R${s.R}` === name)?.gain;
      const [x, y] = [gain(a), gain(b)];
      return x === undefined || y === undefined ? DASH : formatSigned(x - y);
    },
    measure: (results) => {
      const result = results.get(E.layerAblation);
      const [ma, mb] = [paperSplitMethod(result, a), paperSplitMethod(result, b)];
      return ma && mb ? deltaOf(result, { a: ma, b: mb, suite: S.mean }) : undefined;
    },
  };
}

const rung = (method: string) => LADDER.find((r) => r.method === method);

/** The claims, in the order of the paper's argument. */
export const PAPER_CLAIMS: readonly PaperClaim[] = [
  {
    text: "SD-RPN improves accuracy over the baseline (mean over suites)",
    spec: { direction: 1 },
    experiment: E.mainResults,
    source: `\`${E.mainResults}\`: \`${M.sdrpn}\` − \`${M.baseline}\` (mean)`,
    paperEffect: ({ paper }) => {
      const rows = paper.ablations_llava_1_5_7b_avg_gain.components_cumulative;
      const last = rows[rows.length - 1];
      return last ? `${formatSigned(last.gain)} (ablation average)` : DASH;
    },
    measure: mainDelta(M.sdrpn, M.baseline, S.mean),
  },
  {
    text: "SD-RPN improves the text-centric average (Table 1)",
    spec: { direction: 1 },
    experiment: E.mainResults,
    source: `\`${E.mainResults}\`: \`${M.sdrpn}\` − \`${M.baseline}\` (mean-text)`,
    paperEffect: (c) => `${paperDiff(c, "table1", "SD-RPN", "Baseline", "Ave")} (Ave)`,
    measure: mainDelta(M.sdrpn, M.baseline, S.meanText),
  },
  {
    text: "SD-RPN improves the vision-centric suites (Table 2)",
    spec: { direction: 1 },
    experiment: E.mainResults,
    source: `\`${E.mainResults}\`: \`${M.sdrpn}\` − \`${M.baseline}\` (mean-vision)`,
    paperEffect: (c) =>
      `V* ${paperDiff(c, "table2", "SD-RPN", "Baseline", "VStar_Overall")}, HR-4K ${
        paperDiff(c, "table2", "SD-RPN", "Baseline", "HR4K_Overall")
      }`,
    measure: mainDelta(M.sdrpn, M.baseline, S.meanVision),
  },
  {
    text: "SD-RPN beats training-free ViCrop-style raw attention",
    spec: { direction: 1 },
    experiment: E.mainResults,
    source: `\`${E.mainResults}\`: \`${M.sdrpn}\` − \`${M.vicrop}\` (mean)`,
    paperEffect: (c) => `${paperDiff(c, "table1", "SD-RPN", "ViCrop", "Ave")} (Ave)`,
    measure: mainDelta(M.sdrpn, M.vicrop, S.mean),
  },
  {
    text: "SD-RPN is faster than ViCrop-style raw attention",
    spec: { direction: 1 },
    experiment: E.mainResults,
    source: `\`${E.mainResults}\`: throughput \`${M.sdrpn}\` − \`${M.vicrop}\``,
    decimals: 2,
    paperEffect: ({ paper }) => {
      const t = (m: string) =>
        paper.table1_doc_ocr.rows.find((r) => r.model === PAPER_MODEL && r.method === m)?.throughput_x;
      const [x, y] = [t("SD-RPN"), t("ViCrop")];
      return x === undefined || y === undefined ? DASH : `${formatSigned(x - y, 2)}×`;
    },
    measure: (results) => throughputDeltaOf(results.get(E.mainResults), { a: M.sdrpn, b: M.vicrop }),
  },
  ...rungClaim("A trained attention predictor beats raw attention", rung(A.attentionPrediction)),
  ...rungClaim("Label assignment beats regressing the raw attention map", rung(A.labelAssignment)),
  ...rungClaim("Sink removal improves the pseudo-labels", rung(A.attentionSinks)),
  ...rungClaim("Masked upscaling beats box-only upscaling", rung(A.masked)),
  {
    text: "Labels from self-generated answers beat labels from ground-truth answers",
    spec: { direction: 1 },
    experiment: E.labelAssignment,
    source: `\`${E.labelAssignment}\`: \`${A.selfAnswers}\` − \`${A.gtAnswers}\` (mean)`,
    paperEffect: ({ paper }) => {
      const rows = paper.ablations_llava_1_5_7b_avg_gain.answer_source;
      const [gt, self] = ["ground-truth", "self-generated"].map((a) =>
        rows.find((r) => r.answers === a)?.gain
      );
      return gt === undefined || self === undefined ? DASH : formatSigned(self - gt);
    },
    measure: (results) => deltaOf(results.get(E.labelAssignment), { a: A.selfAnswers, b: A.gtAnswers }),
  },
  {
    text: "More teacher data gives a better RPN",
    spec: { direction: 1 },
    experiment: E.dataSizeSweep,
    source: `\`${E.dataSizeSweep}\`: \`${DATA_SIZE_DELTA}\` (mean)`,
    paperEffect: ({ paper }) => {
      const rows = [...paper.ablations_llava_1_5_7b_avg_gain.data_size].sort((a, b) => a.samples - b.samples);
      const [first, last] = [rows[0], rows[rows.length - 1]];
      return first && last && first !== last ? `${formatSigned(last.gain - first.gain)} (10K → 152K)` : DASH;
    },
    measure: (results) => {
      const row = findRow(results.get(E.dataSizeSweep), {
        method: DATA_SIZE_DELTA,
        suite: S.mean,
        metric: (m) => m === METRICS.deltaAccuracy,
      });
      return row ? measuredOf(row) : undefined;
    },
  },
  splitClaim("A middle split (B15R3) beats a shallow one (B3R3)", "B15R3", "B3R3"),
  splitClaim("A middle split (B15R3) beats a deeper one (B18R3)", "B15R3", "B18R3"),
];

/** A claim's outcome: a verdict, or why there is none. */
export type Outcome = Verdict | "not run yet" | "not measured";

/** One judged claim. */
export interface JudgedClaim {
  claim: PaperClaim;
  measured?: Measured;
  outcome: Outcome;
  reason: string;
}

/** Judge every claim against the results. */
export function judgeClaims(results: ResultSet, claims: readonly PaperClaim[] = PAPER_CLAIMS): JudgedClaim[] {
  return claims.map((claim) => {
    const result: Result | undefined = results.get(claim.experiment);
    if (!result) return { claim, outcome: "not run yet", reason: `no \`${claim.experiment}\` result` };
    const measured = claim.measure(results);
    if (!measured) return { claim, outcome: "not measured", reason: "the result has no row for this effect" };
    const { verdict, reason } = judgeClaim(claim.spec, measured);
    return { claim, measured, outcome: verdict, reason };
  });
}

/** The claims section. */
export function claimsSection(results: ResultSet, context: PaperContext): string {
  const judged = judgeClaims(results);
  const rows = judged.map((j, i) => [
    String(i + 1),
    j.claim.text,
    j.claim.paperEffect(context),
    measuredCell(j.measured, { signed: true, decimals: j.claim.decimals ?? 1 }),
    j.outcome,
    j.reason,
    j.claim.source,
  ]);
  const count = (o: Outcome) => judged.filter((j) => j.outcome === o).length;
  const outcomes: Outcome[] = ["confirmed", "not confirmed", "inconclusive", "not measured", "not run yet"];
  const failed = judged.filter((j) => j.outcome === "not confirmed");
  const confirmed = judged.filter((j) => j.outcome === "confirmed");
  return [
    "## Claims",
    "",
    markdownTable(
      ["#", "claim (paper)", `paper (${PAPER_MODEL})`, "measured here [95 % CI]", "verdict", "why", "source"],
      rows,
      {
        align: ["right", "left", "right", "right", "left", "left", "left"],
      },
    ),
    "",
    `- ${outcomes.map((o) => `${o}: ${count(o)}`).join(", ")}.`,
    "- Verdict: confirmed when the 95 % CI excludes 0 in the paper's direction; not confirmed when it " +
    "excludes 0 in the opposite direction; inconclusive when it contains 0 or no CI was measured.",
    // A verdict is about the sign; say the sizes beside each other so a small effect is not read as a
    // reproduction of a large one.
    ...(confirmed.length > 0
      ? [
        "- **Confirmed means the direction, not the size:** " + confirmed.map((j) =>
          `${j.claim.text}: ${
            measuredCell(j.measured, { signed: true, decimals: j.claim.decimals ?? 1 })
          } here vs ${j.claim.paperEffect(context)} in the paper`
        ).join("; ") + ".",
      ]
      : []),
    ...failed.map((j) =>
      `- **Not confirmed here:** ${j.claim.text} — measured ${
        measuredCell(j.measured, { signed: true, decimals: j.claim.decimals ?? 1 })
      }, paper ${j.claim.paperEffect(context)}.`
    ),
    "",
  ].join("\n");
}

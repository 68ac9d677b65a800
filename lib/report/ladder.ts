/**
 * The paper's ablation ladder (its rows are cumulative: raw attention → attention prediction → + label
 * assignment → + sink removal → + masked upscaling) and the answer-source table (labels from ground-truth
 * vs self-generated answers), each with the paper's reported gains beside ours.
 *
 * Each rung comes from its own experiment, which evaluates the baseline on the same questions, so the
 * gain over the baseline and the step over the previous rung are paired differences with a CI.
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import { DASH, DERIVED_NOTE, measuredCell, notRunYet } from "./cells.ts";
import { ABLATION_METHODS as M, AGGREGATE_SUITES, EXPERIMENTS as E } from "../experiment/conventions.ts";
import { experimentIn } from "../experiment/registry.ts";
import { accuracyOf, deltaOf, type Measured, type ResultSet } from "./lookup.ts";
import { type Align, formatSigned, markdownTable } from "./markdown.ts";
import type { PaperTables } from "./paper.ts";

/** One rung of the ladder and where its numbers come from. */
export interface Rung {
  label: string;
  /** The paper's row name in `components_cumulative`, when the rung has a paper counterpart. */
  paperRow?: string;
  experiment: string;
  method: string;
  /** The rung below: the step is `method` − `stepFrom`, looked up in `stepExperiments` (default: own). */
  stepFrom?: string;
  stepExperiments?: readonly string[];
}

/** The ladder, bottom to top. The norm-based sink rung is ours (the paper's text variant). */
export const LADDER: readonly Rung[] = [
  {
    label: "raw attention (training-free)",
    paperRow: "raw attention",
    experiment: E.rawAttentionBaseline,
    method: M.rawAttention,
  },
  {
    label: "attention prediction",
    paperRow: "attention prediction",
    experiment: E.labelAssignment,
    method: M.attentionPrediction,
    stepFrom: M.rawAttention,
    stepExperiments: [E.labelAssignment, E.rawAttentionBaseline],
  },
  {
    label: "+ label assignment",
    paperRow: "+ label assignment",
    experiment: E.labelAssignment,
    method: M.labelAssignment,
    stepFrom: M.attentionPrediction,
  },
  {
    label: "+ sink removal (attention-based)",
    paperRow: "+ sink removal",
    experiment: E.sinkRemoval,
    method: M.attentionSinks,
    stepFrom: M.noSinkRemoval,
  },
  {
    label: "+ sink removal (norm-based)",
    experiment: E.sinkRemoval,
    method: M.normSinks,
    stepFrom: M.noSinkRemoval,
  },
  {
    label: "+ masked upscaling",
    paperRow: "+ masked upscaling",
    experiment: E.maskedUpscaling,
    method: M.masked,
    stepFrom: M.box,
  },
];

const MEAN = AGGREGATE_SUITES.mean;

/** Gain of `method` over the baseline of the same run, on the mean over suites. */
export function gainOf(result: Result | undefined, method: string): Measured | undefined {
  return deltaOf(result, { a: method, b: M.baseline, suite: MEAN });
}

/** The paired step of a rung over the rung below, from the first experiment that has it. */
export function stepOf(results: ResultSet, rung: Rung): Measured | undefined {
  if (!rung.stepFrom) return undefined;
  for (const experiment of rung.stepExperiments ?? [rung.experiment]) {
    const step = deltaOf(results.get(experiment), { a: rung.method, b: rung.stepFrom, suite: MEAN });
    if (step) return step;
  }
  return undefined;
}

/** The paper's cumulative gain of a row, and its step over the previous paper row. */
export function paperGain(paper: PaperTables, row: string | undefined): { gain?: number; step?: number } {
  const rows = paper.ablations_llava_1_5_7b_avg_gain.components_cumulative;
  const i = rows.findIndex((r) => r.row === row);
  if (i < 0) return {};
  return { gain: rows[i]!.gain, ...(i > 0 ? { step: rows[i]!.gain - rows[i - 1]!.gain } : {}) };
}

const signed = (m: Measured | undefined) => measuredCell(m, { signed: true });
const paperSigned = (x: number | undefined) => (x === undefined ? DASH : formatSigned(x));

/** The ablation-ladder section. */
export function ladderSection(results: ResultSet, paper: PaperTables): string {
  const header = [
    "row",
    "paper gain (7B)",
    "ours: gain vs baseline",
    "ours: mean accuracy",
    "paper step",
    "ours: step",
    "source",
  ];
  const rows = LADDER.map((rung) => {
    const result = results.get(rung.experiment);
    const { gain, step } = paperGain(paper, rung.paperRow);
    return [
      rung.label,
      paperSigned(gain),
      signed(gainOf(result, rung.method)),
      measuredCell(accuracyOf(result, { method: rung.method, suite: MEAN })),
      paperSigned(step),
      signed(stepOf(results, rung)),
      `\`${rung.experiment}\`: \`${rung.method}\`${rung.stepFrom ? ` vs \`${rung.stepFrom}\`` : ""}`,
    ];
  });
  const missing = [...new Set(LADDER.map((r) => r.experiment))].filter((e) => !results.get(e));
  const align: Align[] = ["left", "right", "right", "right", "right", "right", "left"];
  return [
    "## Ablation ladder",
    "",
    ...missing.map((e) => `- ${notRunYet(e)}`),
    ...(missing.length ? [""] : []),
    markdownTable(header, rows, { align }),
    "",
    "- Gains and steps in accuracy points on the mean over suites, with paired 95 % bootstrap CIs; the " +
    "paper's are average gains of LLaVA-1.5-7B over its baseline, steps are differences of consecutive rows.",
    "- Rows are cumulative: each experiment runs its variants on top of the rungs below it.",
    `- ${DERIVED_NOTE}`,
    "",
  ].join("\n");
}

/** The answer-source section: labels from ground-truth answers vs the model's own answers. */
export function answersSection(results: ResultSet, paper: PaperTables): string {
  const experiment = experimentIn("answers");
  const result = results.get(experiment);
  const out = ["## Answer source for the pseudo-labels", ""];
  if (!result) return [...out, notRunYet(experiment), ""].join("\n");
  const paperRows = paper.ablations_llava_1_5_7b_avg_gain.answer_source;
  const paperOf = (answers: string) => paperRows.find((r) => r.answers === answers)?.gain;
  const variants = [
    { label: "ground-truth answers (teacher-forced)", method: M.gtAnswers, paper: paperOf("ground-truth") },
    { label: "self-generated answers", method: M.selfAnswers, paper: paperOf("self-generated") },
  ];
  const rows = variants.map((v) => [
    v.label,
    paperSigned(v.paper),
    signed(gainOf(result, v.method)),
    measuredCell(accuracyOf(result, { method: v.method, suite: MEAN })),
  ]);
  const [gt, self] = variants.map((v) => v.paper);
  const diff = deltaOf(result, { a: M.selfAnswers, b: M.gtAnswers, suite: MEAN });
  return [
    ...out,
    markdownTable(["labels from", "paper gain (7B)", "ours: gain vs baseline", "ours: mean accuracy"], rows, {
      align: ["left", "right", "right", "right"],
    }),
    "",
    `- Self-generated − ground-truth: ours ${signed(diff)}; paper ${
      gt === undefined || self === undefined ? DASH : formatSigned(self - gt)
    }.`,
    `- ${DERIVED_NOTE}`,
    "",
  ].join("\n");
}

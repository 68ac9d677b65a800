/**
 * The Table 2 analogue under the second scoring protocol (issue 13): the vision suites' accuracy when each
 * method's own final prompt is scored by option likelihood (V* bench's protocol for open models,
 * lib/eval/likelihood.ts) instead of by its greedy answer. Printed only for a result that has such rows
 * (`METRICS.likelihoodAccuracy`, lib/experiment/runner.ts); the paper-claim verdicts stay on generation.
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import { measuredCell } from "./cells.ts";
import {
  AGGREGATE_SUITES,
  deltaMethod,
  MAIN_METHODS,
  METHOD_LABELS,
  METRICS,
  VISION_SUITES,
} from "../experiment/conventions.ts";
import { accuracyOf, findRow, type Measured, measuredOf } from "./lookup.ts";
import { type Align, markdownTable } from "./markdown.ts";

const isLikelihood = (metric: string) => metric === METRICS.likelihoodAccuracy;

/** One column: its header and how to read a method's cell. */
interface Column {
  header: string;
  cell: (result: Result, method: string) => Measured | undefined;
}

const acc = (suite: string) => (result: Result, method: string) =>
  accuracyOf(result, { method, suite }, isLikelihood);

const COLUMNS: readonly Column[] = [
  { header: "vstar-attr (L)", cell: acc("vstar-attr") },
  { header: "vstar-spatial (L)", cell: acc("vstar-spatial") },
  { header: "V* overall (L)", cell: acc(AGGREGATE_SUITES.vstar) },
  {
    header: "pope F1 (L)",
    cell: (result, method) => row(result, method, "pope", METRICS.likelihoodF1),
  },
  { header: "pope acc (L)", cell: acc("pope") },
  { header: "hr (L)", cell: acc("hr") },
  { header: "Avg (L)", cell: acc(AGGREGATE_SUITES.meanVision) },
  {
    header: "Avg − baseline (L)",
    cell: (result, method) =>
      row(
        result,
        deltaMethod(method, MAIN_METHODS.baseline),
        AGGREGATE_SUITES.meanVision,
        METRICS.likelihoodDeltaAccuracy,
      ),
  },
];

/** The note saying which protocol each number of the section uses. */
export const PROTOCOLS_NOTE =
  "- Scoring protocols: the table above and the paper-claim verdicts score each method's greedily generated answer (generation); the (L) table scores " +
  "the same final prompts by option likelihood (V* bench's protocol for open models: the option whose " +
  "content has the highest mean token log-probability; yes/no for POPE-style questions), with its own " +
  "bootstrap CIs and paired differences (likelihood-delta_accuracy vs the baseline on the vision suites).";

/** Methods with a likelihood-protocol row on a vision suite, in `order` (then the others alphabetically). */
export function likelihoodMethods(result: Result, order: readonly string[]): string[] {
  const present = new Set(
    result.rows.filter((r) =>
      isLikelihood(r.metric) && (VISION_SUITES as readonly string[]).includes(r.suite)
    )
      .map((r) => r.method),
  );
  return [...order.filter((m) => present.has(m)), ...[...present].filter((m) => !order.includes(m)).sort()];
}

/**
 * The (L) block of the Table 2 analogue (a table and its protocol note), or no lines when `result` has no
 * likelihood-protocol rows on the vision suites. `order`: the generation table's method order.
 */
export function likelihoodBlock(result: Result | undefined, order: readonly string[]): string[] {
  if (!result) return [];
  const methods = likelihoodMethods(result, order);
  if (methods.length === 0) return [];
  const rows = methods.map((method) => [
    METHOD_LABELS[method] ?? method,
    ...COLUMNS.map((c, i) => measuredCell(c.cell(result, method), { signed: i === COLUMNS.length - 1 })),
  ]);
  const header = ["method", ...COLUMNS.map((c) => c.header)];
  const align: Align[] = ["left", ...COLUMNS.map((): Align => "right")];
  return [
    "Option-likelihood protocol (L), same questions and prompts:",
    "",
    markdownTable(header, rows, { align }),
    "",
    PROTOCOLS_NOTE,
    "",
  ];
}

function row(result: Result, method: string, suite: string, metric: string): Measured | undefined {
  const found = findRow(result, { method, suite, metric: (m) => m === metric });
  return found ? measuredOf(found) : undefined;
}

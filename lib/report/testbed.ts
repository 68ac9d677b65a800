/**
 * The testbed check from `eval_base`: the base model on the whole image (global), with the true target
 * crop added (oracle, an analysis-only ceiling) and with a same-size random crop (control). A large
 * oracle − global gap is what makes the paper's question meaningful on this testbed. A result that also
 * scored its multiple-choice and yes/no suites by option likelihood (`scoring` lists "likelihood",
 * lib/eval/likelihood.ts) gets four more columns with those numbers; other results print as before.
 *
 * @module
 */
import { DASH, DERIVED_NOTE, measuredCell, notRunYet } from "./cells.ts";
import { AGGREGATE_SUITES, TEXT_SUITES, VISION_SUITES } from "../experiment/conventions.ts";
import { experimentIn } from "../experiment/registry.ts";
import { LIKELIHOOD_METRIC_PREFIX, type Result } from "../results/schema.ts";
import { accuracyOf, deltaOf, findRow, type Measured, measuredOf, type ResultSet } from "./lookup.ts";
import { markdownTable } from "./markdown.ts";

const MODES = ["global", "oracle", "random"] as const;

/** The testbed-check section. */
export function testbedSection(results: ResultSet): string {
  const experiment = experimentIn("testbed");
  const result = results.get(experiment);
  const out = ["## Testbed check: does the testbed need fine detail?", ""];
  if (!result) return [...out, notRunYet(experiment), ""].join("\n");
  const suites = [...TEXT_SUITES, ...VISION_SUITES, AGGREGATE_SUITES.mean];
  const withLikelihood = result.rows.some((r) => r.metric.startsWith(LIKELIHOOD_METRIC_PREFIX));
  const rows = suites.map((suite) => [
    suite,
    ...MODES.map((method) => measuredCell(accuracyOf(result, { method, suite }))),
    measuredCell(deltaOf(result, { a: "oracle", b: "global", suite }), { signed: true }),
    ...(withLikelihood ? likelihoodCells(result, suite) : []),
  ]).filter((row) => row.slice(1, 4).some((cell) => cell !== DASH));
  const header = ["suite", "global", "oracle crop", "random crop", "oracle − global"];
  if (withLikelihood) header.push("global (L)", "oracle crop (L)", "random crop (L)", "oracle − global (L)");
  return [
    ...out,
    markdownTable(header, rows, { align: ["left", ...header.slice(1).map(() => "right" as const)] }),
    "",
    "- Oracle uses the true target box: an analysis ceiling, never an input of any method.",
    ...(withLikelihood
      ? [
        "- (L): the option-likelihood protocol (V* bench's for open models: the option whose content has the " +
        "highest mean token log-probability after the same prompt), for multiple-choice and yes/no suites " +
        "only; the other columns score the greedy answer (generation), the only protocol of the text suites.",
      ]
      : []),
    `- ${DERIVED_NOTE}`,
    "",
  ].join("\n");
}

/** The likelihood-protocol accuracy of each mode on `suite` and the oracle − global difference (derived). */
function likelihoodCells(result: Result, suite: string): string[] {
  const of = (method: string): Measured | undefined => {
    const row = findRow(result, { method, suite, metric: (m) => m.startsWith(LIKELIHOOD_METRIC_PREFIX) });
    return row ? measuredOf(row) : undefined;
  };
  const [global, oracle] = [of("global"), of("oracle")];
  const gap = global && oracle ? { value: oracle.value - global.value, derived: true } : undefined;
  return [...MODES.map((m) => measuredCell(of(m))), measuredCell(gap, { signed: true })];
}

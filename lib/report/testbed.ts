/**
 * The testbed check from `eval_base`: the base model on the whole image (global), with the true target
 * crop added (oracle, an analysis-only ceiling) and with a same-size random crop (control). A large
 * oracle − global gap is what makes the paper's question meaningful on this testbed.
 *
 * @module
 */
import { DASH, DERIVED_NOTE, measuredCell, notRunYet } from "./cells.ts";
import { AGGREGATE_SUITES, TEXT_SUITES, VISION_SUITES } from "../experiment/conventions.ts";
import { experimentIn } from "../experiment/registry.ts";
import { accuracyOf, deltaOf, type ResultSet } from "./lookup.ts";
import { markdownTable } from "./markdown.ts";

const MODES = ["global", "oracle", "random"] as const;

/** The testbed-check section. */
export function testbedSection(results: ResultSet): string {
  const experiment = experimentIn("testbed");
  const result = results.get(experiment);
  const out = ["## Testbed check: does the testbed need fine detail?", ""];
  if (!result) return [...out, notRunYet(experiment), ""].join("\n");
  const suites = [...TEXT_SUITES, ...VISION_SUITES, AGGREGATE_SUITES.mean];
  const rows = suites.map((suite) => [
    suite,
    ...MODES.map((method) => measuredCell(accuracyOf(result, { method, suite }))),
    measuredCell(deltaOf(result, { a: "oracle", b: "global", suite }), { signed: true }),
  ]).filter((row) => row.slice(1, 4).some((cell) => cell !== DASH));
  return [
    ...out,
    markdownTable(["suite", "global", "oracle crop", "random crop", "oracle − global"], rows, {
      align: ["left", "right", "right", "right", "right"],
    }),
    "",
    "- Oracle uses the true target box: an analysis ceiling, never an input of any method.",
    `- ${DERIVED_NOTE}`,
    "",
  ].join("\n");
}

/**
 * The B/R layer ablation: the gain over the baseline for every split of the decoder into B frozen
 * backbone layers and an R-layer branch, and the analogues of the paper's B3R3 / B15R3 / B18R3 beside the
 * paper's gains.
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import { DASH, DERIVED_NOTE, measuredCell, notRunYet } from "./cells.ts";
import { AGGREGATE_SUITES, isAccuracyMetric, layerMethod, PAPER_LAYERS } from "../experiment/conventions.ts";
import { experimentIn } from "../experiment/registry.ts";
import { accuracyOf, type ResultSet } from "./lookup.ts";
import { gainOf } from "./ladder.ts";
import { type Align, formatSigned, markdownTable } from "./markdown.ts";
import type { PaperTables } from "./paper.ts";

const SPLIT = /^B(\d+)R(\d+)$/;

/** Every (B, R) with an accuracy row in the result, sorted by B then R. */
export function layerSplits(result: Result | undefined): { B: number; R: number; method: string }[] {
  const seen = new Map<string, { B: number; R: number; method: string }>();
  for (const row of result?.rows ?? []) {
    const match = SPLIT.exec(row.method);
    if (!match || !isAccuracyMetric(row.metric)) continue;
    seen.set(row.method, { B: Number(match[1]), R: Number(match[2]), method: row.method });
  }
  return [...seen.values()].sort((a, b) => a.B - b.B || a.R - b.R);
}

/** The method whose rows carry `extra.paper === name` (e.g. "B15R3"): that split's analogue here. */
export function paperSplitMethod(result: Result | undefined, name: string): string | undefined {
  return result?.rows.find((r) => SPLIT.test(r.method) && r.extra?.paper === name)?.method;
}

/** The B/R section. */
export function layersSection(results: ResultSet, paper: PaperTables): string {
  const experiment = experimentIn("layers");
  const result = results.get(experiment);
  const out = ["## Layer split (B/R)", ""];
  if (!result) return [...out, notRunYet(experiment), ""].join("\n");
  const splits = layerSplits(result);
  const bs = [...new Set(splits.map((s) => s.B))];
  const rs = [...new Set(splits.map((s) => s.R))].sort((a, b) => a - b);
  const grid = bs.map((b) => [
    `B = ${b}`,
    ...rs.map((r) => {
      const method = layerMethod(b, r);
      return splits.some((s) => s.method === method)
        ? measuredCell(gainOf(result, method), { signed: true })
        : DASH;
    }),
  ]);
  const paperRows = paper.ablations_llava_1_5_7b_avg_gain.layer_split.map((p) => {
    const name = layerMethod(p.B, p.R);
    const method = paperSplitMethod(result, name);
    return [
      name,
      formatSigned(p.gain),
      method ?? DASH,
      method ? measuredCell(gainOf(result, method), { signed: true }) : DASH,
      method ? measuredCell(accuracyOf(result, { method, suite: AGGREGATE_SUITES.mean })) : DASH,
    ];
  });
  const layers = paper.ablations_llava_1_5_7b_avg_gain.num_layers_7b;
  return [
    ...out,
    "Gain over the baseline (accuracy points, mean over suites, paired 95 % CI) for B frozen layers and an " +
    "R-layer branch:",
    "",
    splits.length
      ? markdownTable(["B / R", ...rs.map((r) => `R = ${r}`)], grid, {
        align: ["left", ...rs.map((): Align => "right")],
      })
      : "_No B/R rows in the result._",
    "",
    markdownTable(
      [
        `paper split (${layers} layers)`,
        "paper gain (7B)",
        "analogue here",
        "ours: gain vs baseline",
        "ours: mean accuracy",
      ],
      paperRows,
      { align: ["left", "right", "left", "right", "right"] },
    ),
    "",
    `- Analogues: rows with \`extra.paper\` naming the paper split; B scaled by depth (B·L/${PAPER_LAYERS}).`,
    `- ${DERIVED_NOTE}`,
    "",
  ].join("\n");
}

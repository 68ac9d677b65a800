/**
 * Localisation (analysis only): for every method that crops, how often it cropped, the mean IoU of its crop
 * with the true target box, and the chance level of that IoU — a random box of each crop's size. A method
 * whose IoU is not above chance does not localise, whatever its accuracy; that is the first thing to read
 * when SD-RPN shows no gain. Questions without a crop count as IoU 0 in both columns.
 *
 * @module
 */
import { DASH, measuredCell } from "./cells.ts";
import { AGGREGATE_SUITES, METHOD_LABELS, METRICS, pointLabel } from "../experiment/conventions.ts";
import { experimentsIn } from "../experiment/registry.ts";
import { extraMatches, type Measured, measuredOf, type ResultSet } from "./lookup.ts";
import { markdownTable } from "./markdown.ts";

/** A localisation row: one method (point) of one experiment, on the mean over evaluation suites. */
export interface LocalisationRow {
  experiment: string;
  method: string;
  point: string;
  cropRate?: Measured;
  iou: Measured;
  chance?: Measured;
  /** "above chance" when the IoU's CI lies above the chance estimate's CI, "not above chance" otherwise. */
  verdict: "above chance" | "not above chance" | "no CI";
}

/**
 * Every method with an `iou` row on the mean suite, in result order then row order, of the experiments
 * the registry lists under `localisation`.
 */
export function localisationRows(results: ResultSet): LocalisationRow[] {
  const out: LocalisationRow[] = [];
  const listed = new Set<string>(experimentsIn("localisation"));
  for (const result of results.used) {
    if (!listed.has(result.experiment)) continue;
    for (const row of result.rows) {
      if (row.metric !== METRICS.iou || row.suite !== AGGREGATE_SUITES.mean) continue;
      const twin = (metric: string) =>
        result.rows.find((r) =>
          r.metric === metric && r.suite === row.suite && r.method === row.method &&
          extraMatches(r, row.extra) && extraMatches(row, r.extra)
        );
      const chanceRow = twin(METRICS.iouRandom);
      const rateRow = twin(METRICS.cropRate);
      const iou = measuredOf(row);
      const chance = chanceRow ? measuredOf(chanceRow) : undefined;
      out.push({
        experiment: result.experiment,
        method: row.method,
        point: pointLabel(row.extra),
        ...(rateRow ? { cropRate: measuredOf(rateRow) } : {}),
        iou,
        ...(chance ? { chance } : {}),
        verdict: verdictOf(iou, chance),
      });
    }
  }
  return out;
}

function verdictOf(iou: Measured, chance: Measured | undefined): LocalisationRow["verdict"] {
  if (!iou.ci || !chance?.ci) return "no CI";
  return iou.ci[0] > chance.ci[1] ? "above chance" : "not above chance";
}

/** The localisation section of the report. */
export function localisationSection(results: ResultSet): string {
  const rows = localisationRows(results);
  const out = ["## Localisation (analysis only)", ""];
  if (rows.length === 0) return [...out, "No result has crop IoU rows yet.", ""].join("\n");
  out.push(
    "Mean IoU of each method's crop with the true target box, over the evaluation suites, beside the chance " +
      "level (a random box of the same size as each crop); questions without a crop count 0 in both. " +
      "\"above chance\" needs the IoU's 95 % CI entirely above the chance level's.",
    "",
    markdownTable(
      ["experiment", "method", "point", "crop rate", "IoU with true box", "chance IoU", "verdict"],
      rows.map((r) => [
        r.experiment,
        METHOD_LABELS[r.method] ?? r.method,
        r.point || DASH,
        r.cropRate ? measuredCell(percent(r.cropRate), { decimals: 0, unit: " %" }) : DASH,
        measuredCell(r.iou, { decimals: 3 }),
        r.chance ? measuredCell(r.chance, { decimals: 3 }) : DASH,
        r.verdict,
      ]),
      { align: ["left", "left", "left", "right", "right", "right", "left"] },
    ),
    "",
  );
  return out.join("\n");
}

/** A share in [0, 1] as percent, CI included. */
function percent(m: Measured): Measured {
  return { ...m, value: 100 * m.value, ...(m.ci ? { ci: [100 * m.ci[0], 100 * m.ci[1]] as const } : {}) };
}

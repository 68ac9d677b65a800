/**
 * The Table 1 (text-centric) and Table 2 (vision-centric) analogues in the paper's layout: methods as
 * rows, suites as columns, then the average and the throughput, with the paper's LLaVA-1.5-7B rows
 * underneath (aggregates recomputed from their parts, printed mismatches marked). A Table 2 result with
 * option-likelihood rows gets a second block under that protocol (lib/report/likelihood_table.ts).
 *
 * @module
 */
import type { Result } from "../results/schema.ts";
import { DASH, DERIVED_NOTE, measuredCell, MISMATCH_MARK, notRunYet, paperCell } from "./cells.ts";
import {
  AGGREGATE_SUITES,
  EXPERIMENTS,
  isAccuracyMetric,
  MAIN_METHODS,
  METHOD_LABELS,
  TEXT_SUITES,
  VISION_SUITES,
} from "../experiment/conventions.ts";
import { likelihoodBlock } from "./likelihood_table.ts";
import { accuracyOf, f1Of, type Measured, throughputOf } from "./lookup.ts";
import { type Align, formatNumber, markdownTable } from "./markdown.ts";
import { type AggregateCheck, type PaperTables, recomputedScores } from "./paper.ts";
import { rpnCaption } from "./rpn_caption.ts";

/** The paper model whose rows stand beside ours (the one the ablations were run on). */
export const PAPER_MODEL = "LLaVA-1.5-7B";

/** One column of a main table: how to read ours, and which paper column (if any) stands beside it. */
interface Column {
  header: string;
  ours: (result: Result, method: string) => Measured | undefined;
  /** Paper score key; aggregates are shown recomputed. */
  paper?: string;
}

const acc = (suite: string) => (result: Result, method: string) => accuracyOf(result, { method, suite });

const TABLE1: readonly Column[] = [
  { header: "doc (DocVQA)", ours: acc("doc"), paper: "DocVQA_val" },
  { header: "chart (ChartQA)", ours: acc("chart"), paper: "ChartQA_test" },
  { header: "ocr (OCRBench)", ours: acc("ocr"), paper: "OCRBench_test" },
  { header: "info (InfoVQA)", ours: acc("info"), paper: "InfoVQA_val" },
  { header: "textvqa (TextVQA)", ours: acc("textvqa"), paper: "TextVQA_val" },
  { header: "Avg", ours: acc(AGGREGATE_SUITES.meanText), paper: "Ave" },
];

const TABLE2: readonly Column[] = [
  { header: "vstar-attr (V* Attr)", ours: acc("vstar-attr"), paper: "VStar_Attr" },
  { header: "vstar-spatial (V* Spatial)", ours: acc("vstar-spatial"), paper: "VStar_Spatial" },
  { header: "V* overall", ours: acc(AGGREGATE_SUITES.vstar), paper: "VStar_Overall" },
  { header: "pope F1", ours: (r, method) => f1Of(r, { method, suite: "pope" }), paper: "POPE_F1" },
  { header: "pope acc", ours: acc("pope"), paper: "POPE_Acc" },
  { header: "hr (HR-Bench 4K)", ours: acc("hr"), paper: "HR4K_Overall" },
  { header: "Avg", ours: acc(AGGREGATE_SUITES.meanVision) },
];

/** Paper columns that are aggregates: shown recomputed, with two decimals. */
const AGGREGATES = new Set(["Ave", "VStar_Overall", "HR4K_Overall", "HR8K_Overall"]);

/**
 * Methods of `result` for a table over `suites`: the known main methods in their fixed order, then any
 * other method with an accuracy row on those suites, alphabetically.
 */
export function tableMethods(result: Result, suites: readonly string[]): string[] {
  const present = new Set(
    result.rows.filter((r) => isAccuracyMetric(r.metric) && suites.includes(r.suite)).map((r) => r.method),
  );
  const known: string[] = Object.values(MAIN_METHODS).filter((m) => present.has(m));
  const others = [...present].filter((m) => !known.includes(m)).sort();
  return [...known, ...others];
}

/** The paper tables and their recomputed aggregates, as every section receives them. */
export interface PaperContext {
  paper: PaperTables;
  checks: readonly AggregateCheck[];
}

interface Layout {
  title: string;
  columns: readonly Column[];
  suites: readonly string[];
  table: "table1" | "table2";
}

function section(layout: Layout, result: Result | undefined, context: PaperContext): string {
  const { title, columns, suites, table } = layout;
  const { paper, checks } = context;
  const out = [`## ${title}`, ""];
  if (!result) {
    out.push(notRunYet(EXPERIMENTS.mainResults), "");
  }
  const header = ["source", "method", ...columns.map((c) => c.header), "throughput"];
  const rows: string[][] = [];
  if (result) {
    for (const method of tableMethods(result, suites)) {
      rows.push([
        "ours",
        METHOD_LABELS[method] ?? method,
        ...columns.map((c) => measuredCell(c.ours(result, method))),
        measuredCell(throughputOf(result, { method }), { decimals: 2, unit: "×" }),
      ]);
    }
  }
  const mismatches: string[] = [];
  const paperRows = table === "table1" ? paper.table1_doc_ocr.rows : paper.table2_vision_centric.rows;
  for (const row of paperRows.filter((r) => r.model === PAPER_MODEL)) {
    const scores = recomputedScores(row, checks);
    const cells = columns.map((c) => {
      if (!c.paper) return DASH;
      if (!AGGREGATES.has(c.paper)) return paperCell(scores[c.paper]);
      const check = checks.find((k) =>
        k.table === table && k.model === row.model && k.method === row.method && k.column === c.paper
      );
      if (check && !check.matches) {
        mismatches.push(
          `${MISMATCH_MARK} ${row.method} ${c.paper}: printed ${formatNumber(check.printed, 1)}, ` +
            `${check.rule} = ${formatNumber(check.recomputed, 2)}.`,
        );
        return `${paperCell(scores[c.paper], 2)}${MISMATCH_MARK}`;
      }
      return paperCell(scores[c.paper], 2);
    });
    const throughput = paper.table1_doc_ocr.rows.find((r) => r.model === row.model && r.method === row.method)
      ?.throughput_x;
    rows.push([
      `paper (${PAPER_MODEL})`,
      row.method,
      ...cells,
      throughput === undefined ? DASH : `${formatNumber(throughput, 2)}×`,
    ]);
  }
  const align: Align[] = ["left", "left", ...columns.map((): Align => "right"), "right"];
  out.push(markdownTable(header, rows, { align }), "");
  out.push(...notes(result, suites, table, mismatches));
  if (table === "table2" && result) out.push(...likelihoodBlock(result, tableMethods(result, suites)));
  return out.join("\n");
}

function notes(
  result: Result | undefined,
  suites: readonly string[],
  table: "table1" | "table2",
  mismatches: readonly string[],
): string[] {
  const lines = [
    "- Ours: accuracy in percent with its 95 % bootstrap CI over questions; throughput is questions per " +
    "second relative to the baseline measured in the same run.",
    `- ${DERIVED_NOTE}`,
    table === "table1"
      ? "- Paper rows: as printed; Ave recomputed from the five benchmarks (two decimals)."
      : "- Paper rows: as printed; V* overall recomputed as the micro-average over 115 + 76 items, HR-Bench " +
        "4K overall as (FSP + FCP) / 2 (two decimals); the paper prints no Table 2 average; throughput " +
        "from Table 1.",
    ...mismatches.map((m) => `- ${m}`),
  ];
  if (result) {
    const baseline = suites.map((suite) => {
      const n = accuracyOf(result, { method: MAIN_METHODS.baseline, suite })?.n;
      return `${suite} ${n ?? DASH}`;
    });
    lines.push(`- Questions per suite (baseline rows): ${baseline.join(", ")}.`);
    const rpn = table === "table1" ? rpnCaption(result) : undefined;
    if (rpn) lines.push(rpn);
  }
  return [...lines, ""];
}

/** The Table 1 analogue section (text-centric suites). */
export function table1Section(result: Result | undefined, context: PaperContext): string {
  const title = "Table 1 analogue: text-centric suites";
  return section({ title, columns: TABLE1, suites: TEXT_SUITES, table: "table1" }, result, context);
}

/** The Table 2 analogue section (vision-centric suites). */
export function table2Section(result: Result | undefined, context: PaperContext): string {
  const title = "Table 2 analogue: vision-centric suites";
  return section({ title, columns: TABLE2, suites: VISION_SUITES, table: "table2" }, result, context);
}

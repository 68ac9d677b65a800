/**
 * Tables 1 and 2 on the paper's real benchmarks (a `main_results --data DIR` result,
 * `REAL_BENCHMARKS_EXPERIMENT`), in the paper's layout with the paper's rows of the matching LLaVA-1.5
 * model underneath, and a details table of every other metric lmms-eval reports. Absent when no such
 * result is in the results folder, so a report of testbed results alone is unchanged.
 *
 * @module
 */
import { MAIN_METHODS, METHOD_LABELS, throughputPhase } from "../experiment/conventions.ts";
import type { Result, ResultRow } from "../results/schema.ts";
import { DASH, MISMATCH_MARK, paperCell } from "./cells.ts";
import { PAPER_MODEL, type PaperContext } from "./main_tables.ts";
import { type Align, formatNumber, markdownTable } from "./markdown.ts";
import { recomputedScores } from "./paper.ts";

/** A column of a real-benchmark table: our row (suite, metric) and the paper's score key. */
interface Column {
  header: string;
  suite: string;
  metric: string;
  paper: string;
}

const TABLE1: readonly Column[] = [
  { header: "DocVQA val (ANLS)", suite: "docvqa", metric: "anls", paper: "DocVQA_val" },
  { header: "ChartQA test (relaxed)", suite: "chartqa", metric: "relaxed_overall", paper: "ChartQA_test" },
  { header: "OCRBench (final / n)", suite: "ocrbench", metric: "ocrbench_mean", paper: "OCRBench_test" },
  { header: "InfoVQA val (ANLS)", suite: "infovqa", metric: "anls", paper: "InfoVQA_val" },
  { header: "TextVQA val (VQA acc)", suite: "textvqa", metric: "exact_match", paper: "TextVQA_val" },
  { header: "Ave", suite: "mean-text", metric: "average", paper: "Ave" },
];

const TABLE2: readonly Column[] = [
  { header: "V* Attr", suite: "vstar", metric: "vstar_direct_attributes_acc", paper: "VStar_Attr" },
  { header: "V* Spatial", suite: "vstar", metric: "vstar_relative_position_acc", paper: "VStar_Spatial" },
  { header: "V* Overall", suite: "vstar", metric: "vstar_overall_acc", paper: "VStar_Overall" },
  { header: "POPE F1", suite: "pope", metric: "pope_f1_score", paper: "POPE_F1" },
  { header: "POPE Acc", suite: "pope", metric: "pope_accuracy", paper: "POPE_Acc" },
  { header: "HR4K FSP", suite: "hrbench_4k", metric: "single", paper: "HR4K_FSP" },
  { header: "HR4K FCP", suite: "hrbench_4k", metric: "cross", paper: "HR4K_FCP" },
  { header: "HR4K Overall", suite: "hrbench_4k", metric: "average", paper: "HR4K_Overall" },
  { header: "HR8K FSP", suite: "hrbench_8k", metric: "single", paper: "HR8K_FSP" },
  { header: "HR8K FCP", suite: "hrbench_8k", metric: "cross", paper: "HR8K_FCP" },
  { header: "HR8K Overall", suite: "hrbench_8k", metric: "average", paper: "HR8K_Overall" },
];

/** Paper columns shown recomputed from their parts (two decimals), as in the testbed tables. */
const AGGREGATES = new Set(["Ave", "VStar_Overall", "HR4K_Overall", "HR8K_Overall"]);

/** The paper model whose rows stand beside a run: LLaVA-1.5-13B for a checkpoint named so, else 7B. */
export function paperModelFor(checkpoint: string): string {
  return /13b/i.test(checkpoint) ? "LLaVA-1.5-13B" : PAPER_MODEL;
}

/** The real-benchmark sections (Table 1, Table 2, details), or none without such a result. */
export function realBenchmarkSections(result: Result | undefined, context: PaperContext): string[] {
  if (!result) return [];
  return [
    tableSection("Table 1 on the real benchmarks: text-centric", TABLE1, "table1", result, context),
    tableSection("Table 2 on the real benchmarks: vision-centric", TABLE2, "table2", result, context),
    detailsSection(result),
  ];
}

function methodsOf(result: Result): string[] {
  const present = new Set(result.rows.map((r) => r.method));
  const known: string[] = Object.values(MAIN_METHODS).filter((m) => present.has(m));
  return [...known, ...[...present].filter((m) => !known.includes(m)).sort()];
}

function find(result: Result, method: string, suite: string, metric: string): ResultRow | undefined {
  return result.rows.find((r) => r.method === method && r.suite === suite && r.metric === metric);
}

/** `33.90 [31.20, 35.10]` (two decimals: the paper prints one, ours are exact aggregates). */
function ourCell(row: ResultRow | undefined): string {
  if (!row) return DASH;
  const value = formatNumber(row.value, 2);
  return row.ci ? `${value} [${formatNumber(row.ci[0], 2)}, ${formatNumber(row.ci[1], 2)}]` : value;
}

function tableSection(
  title: string,
  columns: readonly Column[],
  table: "table1" | "table2",
  result: Result,
  context: PaperContext,
): string {
  const checkpoint = typeof result.config.checkpoint === "string" ? result.config.checkpoint : DASH;
  const paperModel = paperModelFor(checkpoint);
  const phases = result.timing.phases ?? {};
  const header = ["source", "method", ...columns.map((c) => c.header), "throughput"];
  const rows: string[][] = methodsOf(result)
    .filter((method) => columns.some((c) => find(result, method, c.suite, c.metric)))
    .map((method) => {
      const tp = phases[throughputPhase(method)];
      return [
        "ours",
        METHOD_LABELS[method] ?? method,
        ...columns.map((c) => ourCell(find(result, method, c.suite, c.metric))),
        tp === undefined ? DASH : `${formatNumber(tp, 2)}×`,
      ];
    });
  const { paper, checks } = context;
  const paperRows = table === "table1" ? paper.table1_doc_ocr.rows : paper.table2_vision_centric.rows;
  const mismatches: string[] = [];
  for (const row of paperRows.filter((r) => r.model === paperModel)) {
    const scores = recomputedScores(row, checks);
    const cells = columns.map((c) => {
      if (!AGGREGATES.has(c.paper)) return paperCell(scores[c.paper]);
      const check = checks.find((k) =>
        k.table === table && k.model === row.model && k.method === row.method && k.column === c.paper
      );
      if (check && !check.matches) {
        mismatches.push(
          `${MISMATCH_MARK} ${row.method} ${c.paper}: printed ${formatNumber(check.printed, 1)}.`,
        );
        return `${paperCell(scores[c.paper], 2)}${MISMATCH_MARK}`;
      }
      return paperCell(scores[c.paper], 2);
    });
    const tp = paper.table1_doc_ocr.rows.find((r) => r.model === row.model && r.method === row.method)
      ?.throughput_x;
    rows.push([
      `paper (${paperModel})`,
      row.method,
      ...cells,
      tp === undefined ? DASH : `${formatNumber(tp, 2)}×`,
    ]);
  }
  const align: Align[] = ["left", "left", ...columns.map((): Align => "right"), "right"];
  return [
    `## ${title}`,
    "",
    runLine(result),
    "",
    markdownTable(header, rows, { align }),
    "",
    ...notes(result, columns, table).map((n) => `- ${n}`),
    ...mismatches.map((m) => `- ${m}`),
    "",
  ].join("\n");
}

/** Model, backend, data and protocol of the run, in one sentence. */
function runLine(result: Result): string {
  const real = (result.config.real ?? {}) as Record<string, unknown>;
  const checkpoint = typeof result.config.checkpoint === "string" ? result.config.checkpoint : DASH;
  const limit = typeof real.limit === "number" && real.limit > 0
    ? `first ${real.limit} rows per benchmark split`
    : "all rows";
  const seeds = result.seeds.join(", ");
  const released = (result.config.rpn as Record<string, unknown> | undefined)?.released;
  const rpn = typeof released === "string"
    ? `released RPN weights \`${released}\``
    : `RPN trained on the testbed teacher set, seeds ${seeds}`;
  return `Model \`${checkpoint}\`, backend ${result.backend.active}, data \`${String(real.data ?? DASH)}\` ` +
    `(${limit}), ${rpn}; prompts and metrics: ${result.prompt.template}; ${result.prompt.metricVariant}.`;
}

function notes(result: Result, columns: readonly Column[], table: "table1" | "table2"): string[] {
  const suites = [...new Set(columns.map((c) => c.suite))].filter((s) => s !== "mean-text");
  const n = suites.map((suite) => {
    // The suite's largest row count: its overall metric's (a category or FSP row counts fewer).
    const counts = result.rows.filter((r) => r.method === MAIN_METHODS.baseline && r.suite === suite).map((
      r,
    ) => r.n);
    return `${suite} ${counts.length > 0 ? Math.max(...counts) : DASH}`;
  });
  const lines = [
    "Ours: lmms-eval's aggregate in percent with its 95 % bootstrap CI over rows where it is a mean of per-row " +
    "scores; SD-RPN values are means over seeds; throughput relative to the baseline in the same run.",
    `Rows evaluated (baseline): ${n.join(", ")}.`,
  ];
  if (table === "table1") {
    lines.push(
      "OCRBench: final score / n (= lmms-eval's final / 1000 on all 1000 rows); Ave: plain mean of the five " +
        "when all five were evaluated; paper Ave recomputed (two decimals).",
    );
  } else {
    lines.push(
      "HR-Bench: offline letter extraction (V*'s rules) instead of lmms-eval's GPT-3.5 judge; FSP = `single`, " +
        "FCP = `cross`, Overall = lmms-eval's `average` (mean over cycle groups); paper V* Overall recomputed " +
        "as the 115 + 76 micro-average and HR Overall as (FSP + FCP) / 2 (two decimals).",
    );
  }
  return lines;
}

/** Every other metric of the result: ChartQA splits, OCRBench sums, POPE rates. */
function detailsSection(result: Result): string {
  const shown = new Set([...TABLE1, ...TABLE2].map((c) => `${c.suite}|${c.metric}`));
  const methods = methodsOf(result);
  const keys: { suite: string; metric: string; category?: string }[] = [];
  const seen = new Set<string>();
  for (const r of result.rows) {
    const category = typeof r.extra?.category === "string" ? r.extra.category : undefined;
    const id = `${r.suite}|${r.metric}${category ? `|${category}` : ""}`;
    if (shown.has(id) || seen.has(id)) continue;
    seen.add(id);
    keys.push({ suite: r.suite, metric: r.metric, ...(category ? { category } : {}) });
  }
  const rows = keys.map((k) => [
    k.suite,
    k.category ? `${k.metric}: ${k.category}` : k.metric,
    ...methods.map((m) => {
      const r = result.rows.find((x) =>
        x.method === m && x.suite === k.suite && x.metric === k.metric &&
        (k.category === undefined || x.extra?.category === k.category)
      );
      return r ? formatNumber(r.value, 2) : DASH;
    }),
    String(result.rows.find((x) => x.suite === k.suite && x.metric === k.metric)?.n ?? DASH),
  ]);
  return [
    "## Real benchmarks: every lmms-eval metric",
    "",
    rows.length > 0
      ? markdownTable(["benchmark", "metric", ...methods.map((m) => METHOD_LABELS[m] ?? m), "n"], rows, {
        align: ["left", "left", ...methods.map((): Align => "right"), "right"],
      })
      : "_No further metrics._",
    "",
    "- Percent, except the OCRBench category and final scores (sums of 0/1 row scores, as lmms-eval writes them).",
    "",
  ].join("\n");
}

/**
 * The paper's reference numbers (data/paper/sd-rpn-paper-tables.json, a verbatim copy of the numbers
 * printed in arXiv 2509.16944): a zod-validated loader, and a recomputation of every printed aggregate
 * from its parts so the report shows numbers that add up and flags those that do not.
 *
 * Printed values carry one decimal, so a printed aggregate may differ from the aggregate of the printed
 * parts by rounding alone. A mismatch is flagged only when the difference exceeds what rounding can
 * explain (see `ROUNDING`): a mean of parts rounded to 0.1 is off by at most 0.05, and the printed
 * aggregate by another 0.05, so 0.1 in all; a V* micro-average recomputed from exact item counts is only
 * off by the printed aggregate's own 0.05.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";

/** Number of V* Bench items per category: the overall score pools them (a micro-average). */
export const VSTAR_ITEMS = { attr: 115, spatial: 76 } as const;

/** Half a unit of the printed precision (0.1), and the tolerances derived from it. */
export const ROUNDING = {
  /** A printed value vs an exact recomputation. */
  exact: 0.05,
  /** A printed value vs a mean of printed (rounded) parts. */
  meanOfRounded: 0.1,
} as const;

// Floating-point slack so that e.g. |36.1 − 36.15| (0.05 in decimal) is not flagged as 0.0500000001.
const EPS = 1e-9;

const TABLE1_PARTS = ["DocVQA_val", "ChartQA_test", "OCRBench_test", "InfoVQA_val", "TextVQA_val"] as const;

const name = z.string().min(1);
const Scores = z.record(z.string(), z.number().nullable());

/** Scores must cover exactly the table's columns, so a typo in a key is an error, not a missing cell. */
function checkColumns(
  columns: readonly string[],
  rows: readonly { scores: Record<string, unknown> }[],
  ctx: z.RefinementCtx,
): void {
  const expected = [...columns].sort().join(", ");
  rows.forEach((row, i) => {
    const got = Object.keys(row.scores).sort().join(", ");
    if (got !== expected) {
      ctx.addIssue({
        code: "custom",
        path: ["rows", i, "scores"],
        message: `expected the columns "${expected}", got "${got}"`,
      });
    }
  });
}

const Table1Schema = z.strictObject({
  columns: z.array(name),
  rows: z.array(
    z.strictObject({ model: name, method: name, throughput_x: z.number().positive(), scores: Scores }),
  ),
}).superRefine((t, ctx) => checkColumns(t.columns.filter((c) => c !== "throughput_x"), t.rows, ctx));

const Table2Schema = z.strictObject({
  columns: z.array(name),
  rows: z.array(z.strictObject({ model: name, method: name, scores: Scores })),
}).superRefine((t, ctx) => checkColumns(t.columns, t.rows, ctx));

/** Schema of data/paper/sd-rpn-paper-tables.json. */
export const PaperTablesSchema = z.strictObject({
  source: name,
  notes: z.array(z.string()),
  table1_doc_ocr: Table1Schema,
  table2_vision_centric: Table2Schema,
  ablations_llava_1_5_7b_avg_gain: z.strictObject({
    description: z.string(),
    components_cumulative: z.array(z.strictObject({ row: name, gain: z.number() })),
    layer_split: z.array(z.strictObject({ B: z.int().positive(), R: z.int().positive(), gain: z.number() })),
    data_size: z.array(z.strictObject({ samples: z.int().positive(), gain: z.number() })),
    answer_source: z.array(z.strictObject({ answers: name, gain: z.number() })),
    num_layers_7b: z.int().positive(),
  }),
  training_setup: z.record(z.string(), z.union([z.string(), z.number()])),
});

/** The paper's reference numbers. */
export type PaperTables = z.infer<typeof PaperTablesSchema>;
/** One row of the paper's Table 1. */
export type PaperTable1Row = PaperTables["table1_doc_ocr"]["rows"][number];
/** One row of the paper's Table 2. */
export type PaperTable2Row = PaperTables["table2_vision_centric"]["rows"][number];

/** The shipped copy, resolved from this module so it works from any working directory. */
export const PAPER_TABLES_PATH = fileURLToPath(
  new URL("../../data/paper/sd-rpn-paper-tables.json", import.meta.url),
);

/** Validate parsed JSON as paper tables; `source` names the file in the error. */
export function parsePaperTables(raw: unknown, source: string): PaperTables {
  const parsed = PaperTablesSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map(String).join(".");
  throw new Error(`Malformed paper tables "${source}": ${path === "" ? "" : `${path}: `}${issue.message}`);
}

/** Read and validate the paper tables (default: the shipped copy). */
export async function loadPaperTables(path: string = PAPER_TABLES_PATH): Promise<PaperTables> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound
      ? "file not found"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new Error(`Cannot read paper tables "${path}": ${reason}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`Malformed paper tables "${path}": invalid JSON (${(error as Error).message})`);
  }
  return parsePaperTables(raw, path);
}

/**
 * The integer number of correct items out of `total` that a percentage printed with one decimal stands
 * for, or undefined when no integer count prints as `percent` (the printed value is then inconsistent
 * with `total` items). With ≤ 1000 items the count is unique.
 */
export function countFromPercent(percent: number, total: number): number | undefined {
  const count = Math.round((percent * total) / 100);
  return Math.abs((100 * count) / total - percent) <= ROUNDING.exact + EPS ? count : undefined;
}

/** Percentage of correct items over pooled groups: Σ correct / Σ total. */
export function microAverage(groups: readonly { correct: number; total: number }[]): number {
  const total = groups.reduce((s, g) => s + g.total, 0);
  if (total === 0) throw new RangeError("microAverage() needs at least one item");
  return (100 * groups.reduce((s, g) => s + g.correct, 0)) / total;
}

/** One printed aggregate compared with its recomputation from the printed parts. */
export interface AggregateCheck {
  table: "table1" | "table2";
  model: string;
  method: string;
  column: string;
  printed: number;
  recomputed: number;
  /** How the aggregate is recomputed, e.g. "(FSP + FCP) / 2". */
  rule: string;
  /** Largest |printed − recomputed| that rounding of printed values explains. */
  tolerance: number;
  /** False: the printed value is not the aggregate of its parts (flagged in the report). */
  matches: boolean;
}

function check(
  base: Pick<AggregateCheck, "table" | "model" | "method" | "column" | "rule" | "tolerance">,
  printed: number,
  recomputed: number,
): AggregateCheck {
  return { ...base, printed, recomputed, matches: Math.abs(printed - recomputed) <= base.tolerance + EPS };
}

/**
 * Every aggregate of the paper tables, recomputed: Table 1 "Ave" (plain mean of the five benchmarks),
 * V* per-category scores (must be an integer count out of 115 / 76), V* Overall (micro-average over
 * 115 + 76 items) and HR-Bench 4K/8K Overall ((FSP + FCP) / 2). Aggregates with a missing part or a
 * missing printed value are skipped. Order: table, then row, then column.
 */
export function checkPaperAggregates(paper: PaperTables): AggregateCheck[] {
  const checks: AggregateCheck[] = [];
  for (const row of paper.table1_doc_ocr.rows) {
    const parts = TABLE1_PARTS.map((c) => row.scores[c]);
    const printed = row.scores.Ave;
    if (printed == null || parts.some((p) => p == null)) continue;
    const mean = (parts as number[]).reduce((s, p) => s + p, 0) / parts.length;
    checks.push(check(
      {
        table: "table1",
        model: row.model,
        method: row.method,
        column: "Ave",
        rule: "mean of the five benchmarks",
        tolerance: ROUNDING.meanOfRounded,
      },
      printed,
      mean,
    ));
  }
  for (const row of paper.table2_vision_centric.rows) {
    const base = { table: "table2" as const, model: row.model, method: row.method };
    checks.push(...checkVstar(base, row.scores));
    for (const res of ["HR4K", "HR8K"]) {
      const fsp = row.scores[`${res}_FSP`];
      const fcp = row.scores[`${res}_FCP`];
      const printed = row.scores[`${res}_Overall`];
      if (fsp == null || fcp == null || printed == null) continue;
      checks.push(check(
        {
          ...base,
          column: `${res}_Overall`,
          rule: "(FSP + FCP) / 2",
          tolerance: ROUNDING.meanOfRounded,
        },
        printed,
        (fsp + fcp) / 2,
      ));
    }
  }
  return checks;
}

function checkVstar(
  base: Pick<AggregateCheck, "table" | "model" | "method">,
  scores: Record<string, number | null>,
): AggregateCheck[] {
  const attr = scores.VStar_Attr;
  const spatial = scores.VStar_Spatial;
  if (attr == null || spatial == null) return [];
  const out: AggregateCheck[] = [];
  const groups: { correct: number; total: number }[] = [];
  for (
    const [column, percent, total] of [
      ["VStar_Attr", attr, VSTAR_ITEMS.attr],
      ["VStar_Spatial", spatial, VSTAR_ITEMS.spatial],
    ] as const
  ) {
    const count = countFromPercent(percent, total);
    const correct = count ?? Math.round((percent * total) / 100);
    groups.push({ correct, total });
    if (count === undefined) {
      out.push(check(
        {
          ...base,
          column,
          rule: `k / ${total} for an integer k (nearest: ${correct} / ${total})`,
          tolerance: ROUNDING.exact,
        },
        percent,
        (100 * correct) / total,
      ));
    }
  }
  const printed = scores.VStar_Overall;
  // A part that is not an integer count makes the pooled count uncertain: compare as a mean of rounded.
  const exact = out.length === 0;
  if (printed != null) {
    out.push(check(
      {
        ...base,
        column: "VStar_Overall",
        rule: `micro-average over ${VSTAR_ITEMS.attr} + ${VSTAR_ITEMS.spatial} items`,
        tolerance: exact ? ROUNDING.exact : ROUNDING.meanOfRounded,
      },
      printed,
      microAverage(groups),
    ));
  }
  return out;
}

/**
 * A row's scores (Table 1 or 2) with every aggregate replaced by its recomputation from `checks` (the
 * file's notes: "recompute and flag mismatches, do not copy them").
 */
export function recomputedScores(
  row: PaperTable1Row | PaperTable2Row,
  checks: readonly AggregateCheck[],
): Record<string, number | null> {
  const out = { ...row.scores };
  for (const c of checks) {
    if (c.model !== row.model || c.method !== row.method || !(c.column in out)) continue;
    // Per-category V* checks only say a part is inconsistent; the printed part stays what was printed.
    if (c.column === "VStar_Attr" || c.column === "VStar_Spatial") continue;
    out[c.column] = c.recomputed;
  }
  return out;
}

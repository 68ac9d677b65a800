import assert from "node:assert/strict";
import { PAPER_MODEL, type PaperContext, table1Section, table2Section, tableMethods } from "./main_tables.ts";
import type { AggregateCheck, PaperTables } from "./paper.ts";
import { PROTOCOLS_NOTE } from "./likelihood_table.ts";
import { fixtureResult, row } from "./test_helpers.ts";

const NOTE_OURS =
  "- Ours: accuracy in percent with its 95 % bootstrap CI over questions; throughput is questions " +
  "per second relative to the baseline measured in the same run.";
const NOTE_DERIVED =
  "- `*` no CI of its own: derived by the report from other rows of the same result (a plain " +
  "mean, a difference, the scorer's F1) or read from its timing block (throughput).";

/** A paper context with no paper rows: only our rows are shown. */
const noPaper: PaperContext = {
  paper: { table1_doc_ocr: { rows: [] }, table2_vision_centric: { rows: [] } } as unknown as PaperTables,
  checks: [],
};

const result = fixtureResult("main_results", [
  row("baseline", "doc", "accuracy", 40, { ci: [35, 45] }),
  row("baseline", "chart", "accuracy", 50),
  row("zeta", "doc", "accuracy", 30, { n: 7 }),
  row("sdrpn", "doc", "accuracy", 50, { ci: [45, 55] }),
  row("sdrpn", "vstar-attr", "accuracy", 50, { n: 100 }),
  row("sdrpn", "vstar-spatial", "accuracy", 80, { n: 50 }),
  row("sdrpn", "pope", "yesno-accuracy", 80, { extra: { f1: 78.2 } }),
  row("sdrpn", "doc", "roi_tokens", 12),
], { phases: { "throughput-sdrpn": 0.5 } });

Deno.test("tableMethods() lists main methods in their fixed order, then others alphabetically", () => {
  assert.deepEqual(tableMethods(result, ["doc"]), ["baseline", "sdrpn", "zeta"]);
  assert.deepEqual(tableMethods(result, ["pope"]), ["sdrpn"]);
  // A non-accuracy row does not make a method appear.
  assert.deepEqual(tableMethods(result, ["hr"]), []);
});

Deno.test("table1Section() prints our rows with CIs, derived averages and throughput", () => {
  // Baseline Avg = (40 + 50) / 2 = 45 (derived); SD-RPN throughput 0.5 from its timing phase (derived);
  // the baseline's throughput is 1 by definition; zeta has no throughput.
  assert.equal(
    table1Section(result, noPaper),
    [
      "## Table 1 analogue: text-centric suites",
      "",
      "| source | method   |      doc (DocVQA) | chart (ChartQA) | ocr (OCRBench) | info (InfoVQA) | textvqa (TextVQA) |   Avg | throughput |",
      "|:-------|:---------|------------------:|----------------:|---------------:|---------------:|------------------:|------:|-----------:|",
      "| ours   | Baseline | 40.0 [35.0, 45.0] |            50.0 |              — |              — |                 — | 45.0* |      1.00× |",
      "| ours   | SD-RPN   | 50.0 [45.0, 55.0] |               — |              — |              — |                 — | 50.0* |     0.50×* |",
      "| ours   | zeta     |              30.0 |               — |              — |              — |                 — | 30.0* |          — |",
      "",
      NOTE_OURS,
      NOTE_DERIVED,
      "- Paper rows: as printed; Ave recomputed from the five benchmarks (two decimals).",
      "- Questions per suite (baseline rows): doc 100, chart 100, ocr —, info —, textvqa —.",
      "",
    ].join("\n"),
  );
});

Deno.test("table1Section() captions the headline RPN from the result's recorded config, table2Section() does not", () => {
  const rpn = { backbone: 4, branch: 3, epochs: 3, batchSize: 32, lr: 0.001 };
  const withRpn = fixtureResult("main_results", result.rows, { config: { scale: "default", rpn } });
  const t1 = table1Section(withRpn, noPaper).split("\n");
  assert.deepEqual(t1.slice(-3), [
    "- Questions per suite (baseline rows): doc 100, chart 100, ocr —, info —, textvqa —.",
    "- SD-RPN's RPN: B4R3 (B = 4 frozen decoder layers, R = 3 branch layers), 3 epochs, batch 32, peak lr " +
    "0.001 (the result's config `rpn`).",
    "",
  ]);
  assert.ok(!table2Section(withRpn, noPaper).includes("SD-RPN's RPN"));
});

Deno.test("table2Section() derives V* overall by micro-average and POPE F1 from the scorer", () => {
  // Only SD-RPN has vision rows. V* overall = (50·100 + 80·50) / 150 = 60; Avg = mean(50, 80, 80) = 70;
  // F1 78.2 from the scorer's extra (derived).
  const lines = table2Section(result, noPaper).split("\n");
  assert.deepEqual(lines.slice(2, 5), [
    "| source | method | vstar-attr (V* Attr) | vstar-spatial (V* Spatial) | V* overall | pope F1 | pope acc | hr (HR-Bench 4K) |   Avg | throughput |",
    "|:-------|:-------|---------------------:|---------------------------:|-----------:|--------:|---------:|-----------------:|------:|-----------:|",
    "| ours   | SD-RPN |                 50.0 |                       80.0 |      60.0* |   78.2* |     80.0 |                — | 70.0* |     0.50×* |",
  ]);
  assert.equal(
    lines.at(-2),
    "- Questions per suite (baseline rows): vstar-attr —, vstar-spatial —, pope —, hr —.",
  );
});

Deno.test("table1Section() without a result says it has not run and still shows the paper rows", () => {
  const paper = {
    table1_doc_ocr: {
      rows: [
        {
          model: PAPER_MODEL,
          method: "Baseline",
          throughput_x: 1,
          scores: {
            DocVQA_val: 20,
            ChartQA_test: 10,
            OCRBench_test: 30,
            InfoVQA_val: 20,
            TextVQA_val: 40,
            Ave: 30,
          },
        },
        { model: "Other-13B", method: "Baseline", throughput_x: 1, scores: { DocVQA_val: 99, Ave: 99 } },
      ],
    },
    table2_vision_centric: { rows: [] },
  } as unknown as PaperTables;
  // The printed Ave 30 is not the mean of the five (24): the recomputed value is shown, marked.
  const checks: AggregateCheck[] = [{
    table: "table1",
    model: PAPER_MODEL,
    method: "Baseline",
    column: "Ave",
    rule: "mean of the five benchmarks",
    tolerance: 0.1,
    printed: 30,
    recomputed: 24,
    matches: false,
  }];
  assert.equal(
    table1Section(undefined, { paper, checks }),
    [
      "## Table 1 analogue: text-centric suites",
      "",
      "_Not run yet: no `main_results` result in the results folder._",
      "",
      "| source               | method   | doc (DocVQA) | chart (ChartQA) | ocr (OCRBench) | info (InfoVQA) | textvqa (TextVQA) |    Avg | throughput |",
      "|:---------------------|:---------|-------------:|----------------:|---------------:|---------------:|------------------:|-------:|-----------:|",
      "| paper (LLaVA-1.5-7B) | Baseline |         20.0 |            10.0 |           30.0 |           20.0 |              40.0 | 24.00† |      1.00× |",
      "",
      NOTE_OURS,
      NOTE_DERIVED,
      "- Paper rows: as printed; Ave recomputed from the five benchmarks (two decimals).",
      "- † Baseline Ave: printed 30.0, mean of the five benchmarks = 24.00.",
      "",
    ].join("\n"),
  );
});

Deno.test("table2Section() adds the option-likelihood block after its notes only for a result with such rows", () => {
  const withLikelihood = fixtureResult("main_results", [
    ...result.rows,
    row("sdrpn", "pope", "likelihood-accuracy", 70, { extra: { protocol: "likelihood" } }),
  ], { phases: { "throughput-sdrpn": 0.5 } });
  const plain = table2Section(result, noPaper);
  const both = table2Section(withLikelihood, noPaper);
  // The generation table and its notes are unchanged; the (L) block follows them.
  assert.ok(both.startsWith(plain));
  const added = both.slice(plain.length).split("\n");
  assert.equal(added[0], "");
  assert.equal(added[1], "Option-likelihood protocol (L), same questions and prompts:");
  assert.ok(added.some((l) => l.startsWith("| SD-RPN ") && l.includes("|         70.0 |")));
  assert.ok(added.includes(PROTOCOLS_NOTE));
  // Table 1 never shows it.
  assert.equal(table1Section(withLikelihood, noPaper), table1Section(result, noPaper));
});

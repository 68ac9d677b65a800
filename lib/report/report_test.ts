import assert from "node:assert/strict";
import { loadPaperTables } from "./paper.ts";
import { exampleImageKey } from "./examples.ts";
import { buildReport } from "./report.ts";
import {
  fixtureResult,
  fixtureResults,
  layerAblation,
  mainResults,
  row,
  sectionText,
  tableRow,
} from "./test_helpers.ts";

const paper = await loadPaperTables();
const report = buildReport(fixtureResults(), paper);
const md = report.markdown;
const T1 = "Table 1 analogue: text-centric suites";
const T2 = "Table 2 analogue: vision-centric suites";
const PAPER = "paper (LLaVA-1.5-7B)";

Deno.test("buildReport() lays out Table 1 with measured CIs, derived averages and throughput", () => {
  assert.deepEqual(tableRow(md, T1, ["ours", "Baseline"]), [
    "ours",
    "Baseline",
    "40.0 [35.0, 45.0]",
    "30.0 [25.0, 35.0]",
    "50.0 [45.0, 55.0]",
    "20.0 [15.0, 25.0]",
    "60.0 [55.0, 65.0]",
    "40.0*", // (40 + 30 + 50 + 20 + 60) / 5, no mean-text row
    "1.00×",
  ]);
  assert.deepEqual(tableRow(md, T1, ["ours", "ViCrop-style raw attention"])?.slice(2), [
    "44.0",
    "33.0",
    "52.0",
    "22.0",
    "62.0",
    "42.6*", // 213 / 5
    "0.42× [0.40, 0.44]",
  ]);
  // The mean-text row wins over the derived mean; throughput from the timing block is marked derived.
  assert.deepEqual(tableRow(md, T1, ["ours", "SD-RPN"])?.slice(7), ["46.0 [44.0, 48.0]", "0.62×*"]);
});

Deno.test("buildReport() puts the paper's LLaVA-1.5-7B rows beside ours with Ave recomputed", () => {
  assert.deepEqual(tableRow(md, T1, [PAPER, "SD-RPN"]), [
    PAPER,
    "SD-RPN",
    "33.9",
    "20.1",
    "37.0",
    "22.0",
    "58.7",
    "34.34", // 171.7 / 5, printed 34.3
    "0.62×",
  ]);
  assert.deepEqual(tableRow(md, T1, [PAPER, "Baseline"])?.slice(7), ["27.50", "1.00×"]);
  assert.ok(sectionText(md, T1).includes("- Questions per suite (baseline rows): doc 100, chart 100"));
});

Deno.test("buildReport() lays out Table 2 with the V* micro-average and POPE F1", () => {
  assert.deepEqual(tableRow(md, T2, ["ours", "Baseline"]), [
    "ours",
    "Baseline",
    "50.0 [40.0, 60.0]",
    "80.0 [70.0, 90.0]",
    "60.0*", // (50·100 + 80·50) / 150
    "84.5*", // the scorer's extra.f1
    "85.0 [80.0, 90.0]",
    "31.0 [26.0, 36.0]",
    "61.5*", // (50 + 80 + 85 + 31) / 4
    "1.00×",
  ]);
  assert.deepEqual(tableRow(md, T2, ["ours", "SD-RPN"])?.slice(4, 9), [
    "75.3 [70.0, 80.6]",
    "85.5 [80.1, 90.9]",
    "86.0 [80.0, 92.0]",
    "40.0 [35.0, 45.0]",
    "70.5 [66.0, 75.0]",
  ]);
  // V* overall 96/191 = 50.26, HR-Bench 4K (39.5 + 35.5) / 2; no printed Table 2 average.
  assert.deepEqual(tableRow(md, T2, [PAPER, "Baseline"]), [
    PAPER,
    "Baseline",
    "48.7",
    "52.6",
    "50.26",
    "85.9",
    "87.4",
    "37.50",
    "—",
    "1.00×",
  ]);
});

Deno.test("buildReport() shows a recomputed paper aggregate and marks a printed value that does not match", () => {
  const altered = structuredClone(paper);
  const base = altered.table2_vision_centric.rows.find((r) =>
    r.model === "LLaVA-1.5-7B" && r.method === "Baseline"
  )!;
  base.scores.HR4K_Overall = 38.0;
  const text = buildReport(fixtureResults(), altered).markdown;
  assert.equal(tableRow(text, T2, [PAPER, "Baseline"])?.[7], "37.50†");
  assert.ok(
    sectionText(text, T2).includes("- † Baseline HR4K_Overall: printed 38.0, (FSP + FCP) / 2 = 37.50."),
  );
  assert.ok(
    tableRow(text, "Paper numbers: aggregation checks", ["2", "LLaVA-1.5-7B", "Baseline", "HR4K_Overall"]),
  );
});

Deno.test("buildReport() lists every printed paper aggregate that does not add up", () => {
  const section = sectionText(md, "Paper numbers: aggregation checks");
  assert.ok(section.includes("(69 checks, all models)"));
  assert.ok(section.includes("7 printed values do not match"));
  assert.deepEqual(
    tableRow(md, "Paper numbers: aggregation checks", ["2", "LLaVA-1.5-7B", "Baseline", "HR8K_Overall"]),
    ["2", "LLaVA-1.5-7B", "Baseline", "HR8K_Overall", "33.8", "33.15", "(FSP + FCP) / 2"],
  );
});

Deno.test("buildReport() builds the ablation ladder with the paper's gains and steps", () => {
  const S = "Ablation ladder";
  assert.deepEqual(tableRow(md, S, ["raw attention (training-free)"])?.slice(1, 6), [
    "+3.8",
    "+3.0 [1.0, 5.0]",
    "53.0 [50.0, 56.0]",
    "—",
    "—",
  ]);
  assert.deepEqual(tableRow(md, S, ["+ label assignment"])?.slice(1, 6), [
    "+7.9",
    "+6.0 [4.0, 8.0]",
    "56.0 [53.0, 59.0]",
    "+2.6", // 7.9 − 5.3
    "+2.0 [0.5, 3.5]",
  ]);
  assert.deepEqual(tableRow(md, S, ["+ masked upscaling"])?.slice(1, 6), [
    "+9.2",
    "+5.0 [3.0, 7.0]",
    "55.0 [52.0, 58.0]",
    "+0.2",
    "-2.0 [-3.0, -1.0]",
  ]);
  // sink_removal has no result: its rungs are empty and the section says so.
  assert.deepEqual(tableRow(md, S, ["+ sink removal (attention-based)"])?.slice(1, 6), [
    "+9.0",
    "—",
    "—",
    "+1.1",
    "—",
  ]);
  assert.ok(sectionText(md, S).includes("_Not run yet: no `sink_removal` result in the results folder._"));
});

Deno.test("buildReport() fills the B/R grid and maps the paper's splits to their analogues", () => {
  const S = "Layer split (B/R)";
  assert.deepEqual(tableRow(md, S, ["B = 1"]), ["B = 1", "—", "+1.0 [-1.0, 3.0]"]);
  assert.deepEqual(tableRow(md, S, ["B = 4"]), ["B = 4", "+4.0 [2.0, 6.0]", "+6.0 [4.0, 8.0]"]);
  assert.deepEqual(tableRow(md, S, ["B15R3"]), [
    "B15R3",
    "+9.2",
    "B4R3",
    "+6.0 [4.0, 8.0]",
    "56.0 [53.0, 59.0]",
  ]);
  assert.deepEqual(tableRow(md, S, ["B3R3"])?.slice(0, 3), ["B3R3", "+3.1", "B1R3"]);
});

Deno.test("buildReport() sorts the data-size sweep and reports the largest − smallest difference", () => {
  const S = "Teacher data size";
  assert.deepEqual(tableRow(md, S, ["300"]), ["300", "52.0 [49.0, 55.0]", "+2.0 [-0.5, 4.5]"]);
  assert.deepEqual(tableRow(md, S, ["4800"]), ["4800", "55.0 [52.0, 58.0]", "+5.0 [2.5, 7.5]"]);
  const text = sectionText(md, S);
  const sizes = text.split("\n").map((line) => /^\|\s+(\d+) \|/.exec(line)?.[1]).filter((x) => x);
  assert.deepEqual(sizes, ["300", "1200", "4800"]);
  assert.ok(text.includes("- Largest − smallest teacher set: +3.0 [0.8, 5.2]."));
  assert.ok(
    text.includes("- Paper (LLaVA-1.5-7B, gain over its baseline): 10000 samples +7.2, 152000 samples +9.2."),
  );
});

Deno.test("buildReport() compares ground-truth and self-generated answers", () => {
  const S = "Answer source for the pseudo-labels";
  assert.deepEqual(tableRow(md, S, ["self-generated answers"]), [
    "self-generated answers",
    "+9.2",
    "+6.0 [4.0, 8.0]",
    "56.0 [53.0, 59.0]",
  ]);
  assert.ok(
    sectionText(md, S).includes("- Self-generated − ground-truth: ours +1.0 [-0.5, 2.5]; paper +1.9."),
  );
});

Deno.test("buildReport() lists sweep points with their derived gains and throughput", () => {
  assert.deepEqual(tableRow(md, "Sweeps", ["masked", "tau", "0.05"]), [
    "masked",
    "tau",
    "0.05",
    "54.0 [51.0, 57.0]",
    "+4.0*", // 54 − the baseline's 50
    "0.50×",
  ]);
  // τ = 0.15 has its throughput in the timing block only: read from there, marked derived.
  assert.deepEqual(tableRow(md, "Sweeps", ["masked", "tau", "0.15"])?.slice(3), [
    "55.5 [52.5, 58.5]",
    "+5.5*",
    "0.60×*",
  ]);
  assert.deepEqual(tableRow(md, "Sweeps", ["raw_attention", "layer", "4"])?.slice(3), [
    "51.5 [48.5, 54.5]",
    "+1.5*",
    "—",
  ]);
});

Deno.test("buildReport() gives every claim a verdict from its CI", () => {
  const outcomes = Array.from({ length: 13 }, (_, i) => tableRow(md, "Claims", [String(i + 1)])?.[4]);
  assert.deepEqual(outcomes, [
    "confirmed", // sdrpn − baseline +5 [2, 8]
    "confirmed", // mean-text +6 [3, 9]
    "inconclusive", // mean-vision derived 70.5 − 61.5 = 9.0*, no CI
    "inconclusive", // sdrpn − vicrop −1 [−3, 1]
    "inconclusive", // throughput 0.62 − 0.42, no CI
    "not measured", // no attention_prediction − raw_attention anywhere
    "confirmed", // label assignment step +2 [0.5, 3.5]
    "not run yet", // sink_removal
    "not confirmed", // masked − box −2 [−3, −1]
    "inconclusive", // self − gt +1 [−0.5, 2.5]
    "confirmed", // largest − smallest +3 [0.8, 5.2]
    "confirmed", // B4R3 − B1R3 +5 [3, 7]
    "inconclusive", // B4R3 − B5R3 derived 1.0*
  ]);
  assert.deepEqual(tableRow(md, "Claims", ["3"])?.slice(2, 4), ["V* +17.3, HR-4K +10.5", "+9.0*"]);
  assert.deepEqual(tableRow(md, "Claims", ["5"])?.slice(2, 4), ["+0.20×", "+0.20*"]);
  const text = sectionText(md, "Claims");
  assert.ok(
    text.includes("- confirmed: 5, not confirmed: 1, inconclusive: 5, not measured: 1, not run yet: 1."),
  );
  // Sizes beside each other for the confirmed ones (claim 1: +5 here, the paper's +9.2 ablation average).
  assert.ok(
    text.includes(
      "- **Confirmed means the direction, not the size:** SD-RPN improves accuracy over the baseline (mean " +
        "over suites): +5.0 [2.0, 8.0] here vs +9.2 (ablation average) in the paper; ",
    ),
  );
  assert.ok(
    text.includes(
      "- **Not confirmed here:** Masked upscaling beats box-only upscaling — measured -2.0 [-3.0, -1.0], " +
        "paper +0.2.",
    ),
  );
});

Deno.test("buildReport() files the hyphenated eval-base result under eval_base", () => {
  const S = "Testbed check: does the testbed need fine detail?";
  assert.deepEqual(tableRow(md, S, ["doc"]), [
    "doc",
    "40.0 [35.0, 45.0]",
    "80.0 [75.0, 85.0]",
    "41.0 [36.0, 46.0]",
    "+40.0*",
  ]);
  assert.equal(tableRow(md, S, ["chart"]), undefined, "suites without rows are left out");
});

Deno.test("buildReport() draws the standard figures and one per numeric sweep, and links them", () => {
  assert.deepEqual(Object.keys(report.figures), [
    "data_size.svg",
    "accuracy_vs_throughput.svg",
    "layer_split.svg",
    "sweep_raw_attention_baseline_layer.svg",
    "sweep_masked_upscaling_tau.svg",
    "example_1_pope_0.svg",
  ]);
  for (const name of Object.keys(report.figures)) assert.ok(md.includes(`](figures/${name})`), name);
  const dataSize = report.figures["data_size.svg"]!;
  assert.ok(dataSize.includes(">teacher samples (log scale)</text>"));
  // Three SD-RPN points, two baseline ends, two legend markers.
  assert.equal(dataSize.match(/<circle /g)?.length, 7);
  const throughput = report.figures["accuracy_vs_throughput.svg"]!;
  for (const label of ["Baseline", "SD-RPN", "ViCrop-style raw attention", "tau=0.05", "tau=0.15"]) {
    assert.ok(throughput.includes(`>${label}</text>`), label);
  }
});

Deno.test("buildReport() draws the main result's examples, with the images it is given", () => {
  const text = sectionText(md, "Examples");
  assert.ok(text.includes("![Example 1: pope-0](figures/example_1_pope_0.svg)"));
  assert.ok(!sectionText(md, "Figures").includes("example_1"), "examples have their own section");
  const svg = report.figures["example_1_pope_0.svg"]!;
  assert.ok(svg.includes(">image not embedded</text>"), "no images given: placeholders");
  const ex = mainResults().examples![0]!;
  const images = new Map([[exampleImageKey(ex), { image: "data:image/png;base64,SRC", crop: null }]]);
  const drawn = buildReport(fixtureResults(), paper, { exampleImages: images });
  assert.equal(drawn.markdown, md, "the images change the figures only");
  assert.ok(drawn.figures["example_1_pope_0.svg"]!.includes('href="data:image/png;base64,SRC"'));
});

Deno.test("buildReport() with no results says every section is not run yet and draws no figure", () => {
  const empty = buildReport([], paper);
  assert.deepEqual(empty.figures, {});
  for (
    const experiment of [
      "eval_base",
      "main_results",
      "raw_attention_baseline",
      "label_assignment",
      "sink_removal",
      "masked_upscaling",
      "data_size_sweep",
      "layer_ablation",
    ]
  ) {
    assert.ok(empty.markdown.includes(`_Not run yet: no \`${experiment}\` result in the results folder._`));
  }
  assert.ok(empty.markdown.includes("not run yet: 13."));
  // The paper rows are shown even before anything ran.
  assert.ok(tableRow(empty.markdown, T1, [PAPER, "SD-RPN"]));
});

Deno.test("buildReport() is deterministic, order-independent across experiments and pure", () => {
  const results = fixtureResults();
  const before = structuredClone(results);
  const paperBefore = structuredClone(paper);
  const again = buildReport(results, paper);
  assert.equal(again.markdown, md);
  assert.deepEqual(again.figures, report.figures);
  const reversed = buildReport([...results].reverse(), paper);
  assert.equal(reversed.markdown, md);
  assert.deepEqual(reversed.figures, report.figures);
  assert.deepEqual(results, before);
  assert.deepEqual(paper, paperBefore);
  assert.ok(md.endsWith("\n") && !md.endsWith("\n\n"));
  assert.ok(!/[ \t]$/m.test(md), "no trailing whitespace");
});

Deno.test("buildReport() uses the first result of an experiment and lists later ones as ignored", () => {
  const second = fixtureResult("main_results", [row("baseline", "doc", "accuracy", 99, { ci: [98, 100] })], {
    config: { scale: "quick" },
  });
  const text = buildReport([mainResults(), second], paper).markdown;
  assert.equal(tableRow(text, T1, ["ours", "Baseline"])?.[2], "40.0 [35.0, 45.0]");
  assert.deepEqual(tableRow(text, "Results used", ["`main_results`", "quick"])?.slice(-1), [
    "ignored: another result of this experiment comes first",
  ]);
});

Deno.test("buildReport() tolerates unknown experiments, unknown rows and results without the usual rows", () => {
  const odd = fixtureResult("something_new", [row("x", "y", "z", 1)]);
  const bare = fixtureResult("layer_ablation", [row("B2R1", "doc", "accuracy", 50)]);
  const text = buildReport([odd, bare, layerAblation()], paper).markdown;
  assert.ok(tableRow(text, "Results used", ["`something_new`"]));
  // The bare layer_ablation comes first and wins: a derived mean, no paired CI, no paper analogues.
  assert.deepEqual(tableRow(text, "Layer split (B/R)", ["B = 2"]), ["B = 2", "—"]);
  assert.deepEqual(tableRow(text, "Layer split (B/R)", ["B15R3"])?.slice(2), ["—", "—", "—"]);
  assert.equal(tableRow(text, "Claims", ["12"])?.[4], "not measured");
});

import assert from "node:assert/strict";
import { buildFigures, STANDARD_FIGURES } from "./figures.ts";
import { indexResults } from "./lookup.ts";
import { linePlot } from "./svg.ts";
import { fixtureResult, row } from "./test_helpers.ts";

// Each expected figure is the plot of hand-read points, so these tests pin what is plotted, not how svg.ts draws.

Deno.test("buildFigures() makes no figure without results", () => {
  assert.deepEqual(buildFigures(indexResults([])), []);
});

Deno.test("STANDARD_FIGURES name the three standard figures in report order", () => {
  assert.deepEqual(STANDARD_FIGURES.map((f) => f.name), [
    "data_size.svg",
    "accuracy_vs_throughput.svg",
    "layer_split.svg",
  ]);
});

Deno.test("buildFigures() plots SD-RPN accuracy per teacher-set size on a log axis against a flat baseline", () => {
  const result = fixtureResult("data_size_sweep", [
    row("sdrpn", "mean", "accuracy", 45, { ci: [40, 50], extra: { samples: 1000 } }),
    row("sdrpn", "mean", "accuracy", 35, { extra: { samples: 100 } }),
    row("sdrpn", "mean", "accuracy", 20, { extra: { samples: 0 } }), // no teacher samples: off the log axis
    row("baseline", "mean", "accuracy", 30),
  ]);
  const figures = buildFigures(indexResults([result]));
  assert.deepEqual(figures.map((f) => f.name), ["data_size.svg"]);
  const expected = linePlot({
    title: "Accuracy vs number of teacher samples",
    xLabel: "teacher samples",
    yLabel: "mean accuracy (%)",
    logX: true,
    series: [
      { name: "SD-RPN", points: [{ x: 100, y: 35 }, { x: 1000, y: 45, lo: 40, hi: 50 }] },
      { name: "baseline", dashed: true, points: [{ x: 100, y: 30 }, { x: 1000, y: 30 }] },
    ],
  });
  assert.equal(figures[0]!.title, "Accuracy vs number of teacher samples");
  assert.equal(figures[0]!.svg, expected);
});

Deno.test("buildFigures() scatters the main methods' mean accuracy against their throughput", () => {
  const result = fixtureResult("main_results", [
    row("baseline", "doc", "accuracy", 40),
    row("sdrpn", "doc", "accuracy", 50, { ci: [45, 55] }),
    row("sdrpn", "chart", "accuracy", 60),
    row("s2", "doc", "accuracy", 44), // no throughput: not plotted
  ], { phases: { "throughput-sdrpn": 0.5 } });
  const figures = buildFigures(indexResults([result]));
  assert.deepEqual(figures.map((f) => f.name), ["accuracy_vs_throughput.svg"]);
  // Baseline: throughput 1 by definition, mean 40. SD-RPN: mean (50 + 60) / 2 = 55 (derived: no CI).
  const expected = linePlot({
    title: "Accuracy vs relative throughput (Figure 5 analogue)",
    xLabel: "throughput relative to the baseline (×)",
    yLabel: "mean accuracy (%)",
    series: [{
      name: "main results",
      mode: "scatter",
      points: [{ x: 1, y: 40, label: "Baseline" }, { x: 0.5, y: 55, label: "SD-RPN" }],
    }],
  });
  assert.equal(figures[0]!.svg, expected);
});

Deno.test("buildFigures() plots the gain per frozen-layer count, one line per R", () => {
  const result = fixtureResult("layer_ablation", [
    row("baseline", "mean", "accuracy", 30),
    row("B4R2", "mean", "accuracy", 33),
    row("B2R2", "mean", "accuracy", 31),
    row("B2R4", "mean", "accuracy", 36),
    row("B2R4-vs-baseline", "mean", "delta_accuracy", 5.5, { ci: [4, 7] }),
  ]);
  const figures = buildFigures(indexResults([result]));
  assert.deepEqual(figures.map((f) => f.name), ["layer_split.svg"]);
  const expected = linePlot({
    title: "Gain over the baseline vs layer split",
    xLabel: "B (frozen backbone layers)",
    yLabel: "gain over baseline (points)",
    series: [
      { name: "R = 2", points: [{ x: 2, y: 1 }, { x: 4, y: 3 }] },
      { name: "R = 4", points: [{ x: 2, y: 5.5, lo: 4, hi: 7 }] },
    ],
  });
  assert.equal(figures[0]!.svg, expected);
});

Deno.test("buildFigures() draws a numeric sweep, on a log axis when it spans a factor of 20 or more", () => {
  const sweep = (tau: number, value: number) =>
    row("sdrpn_mask", "mean", "accuracy", value, { extra: { sweep: "Sink τ", "Sink τ": tau } });
  const result = fixtureResult("sink_removal", [sweep(0.01, 40), sweep(0.0001, 30), sweep(0.001, 35)]);
  const figures = buildFigures(indexResults([result]));
  assert.deepEqual(figures.map((f) => [f.name, f.title]), [
    ["sweep_sink_removal_sink.svg", "sink_removal: mean accuracy vs Sink τ"],
  ]);
  const expected = linePlot({
    title: "sink_removal: mean accuracy vs Sink τ",
    xLabel: "Sink τ",
    yLabel: "mean accuracy (%)",
    logX: true,
    series: [{ name: "sdrpn_mask", points: [{ x: 0.0001, y: 30 }, { x: 0.001, y: 35 }, { x: 0.01, y: 40 }] }],
  });
  assert.equal(figures[0]!.svg, expected);
});

Deno.test("buildFigures() keeps a linear axis for a sweep spanning less than a factor of 20", () => {
  const sweep = (fg: number, value: number) =>
    row("sdrpn", "mean", "accuracy", value, { extra: { sweep: "fg", fg } });
  const result = fixtureResult("label_assignment", [sweep(0.1, 30), sweep(1, 20)]);
  const figures = buildFigures(indexResults([result]));
  assert.deepEqual(figures.map((f) => f.name), ["sweep_label_assignment_fg.svg"]);
  const expected = linePlot({
    title: "label_assignment: mean accuracy vs fg",
    xLabel: "fg",
    yLabel: "mean accuracy (%)",
    logX: false,
    series: [{ name: "sdrpn", points: [{ x: 0.1, y: 30 }, { x: 1, y: 20 }] }],
  });
  assert.equal(figures[0]!.svg, expected);
});

Deno.test("buildFigures() skips a sweep with a single point", () => {
  const result = fixtureResult("sink_removal", [
    row("sdrpn_mask", "mean", "accuracy", 40, { extra: { sweep: "tau", tau: 0.1 } }),
  ]);
  assert.deepEqual(buildFigures(indexResults([result])), []);
});

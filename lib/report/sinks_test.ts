import assert from "node:assert/strict";
import type { MassiveActivations } from "../results/schema.ts";
import { indexResults } from "./lookup.ts";
import { massiveActivationParagraph, sinksSection } from "./sinks.ts";
import { fixtureResult, row } from "./test_helpers.ts";

const tau = 0.009;
const massive: MassiveActivations = {
  layer: 4,
  samples: 2,
  tokens: 128,
  dim: 64,
  median: 0.5,
  maxAbs: new Array(64).fill(1),
  meanAbs: new Array(64).fill(0.5),
  top: [{ dim: 7, max: 3.2, mean: 0.9, ratio: 6.4 }, { dim: 1, max: 2, mean: 0.6, ratio: 4 }],
  minRatio: 100,
  massiveDims: [],
  tauNorm: 2.5,
  sinkDims: [],
  normedMax: 3.1,
  dimsOverTau: 2,
  tokensOverTau: 5,
  tokensFlagged: 0,
};

/** sink_removal with shares for none, the released layer 1, the layer-0 sweep point and norm. */
function result(options: { analysis?: boolean; shares?: boolean } = {}) {
  const share = (method: string, value: number, extra?: Record<string, unknown>) =>
    row(method, "teacher", "sink_share", value, {
      ci: value === 0 ? [0, 0] : [value - 0.01, value + 0.01],
      ...(extra ? { extra } : {}),
    });
  const layer0 = { sweep: "sinkLayer", sinkLayer: 0, threshold: tau };
  const rows = [
    row("baseline", "mean", "accuracy", 20),
    row("attention_sinks-vs-baseline", "mean", "delta_accuracy", 0.4, {
      ci: [-0.2, 1],
      extra: { threshold: tau },
    }),
    row("attention_sinks-vs-baseline", "mean", "delta_accuracy", 1.5, { ci: [0.5, 2.5], extra: layer0 }),
    row("no_sink_removal-vs-baseline", "mean", "delta_accuracy", 0.8, { ci: [0, 1.6] }),
    row("attention_sinks", "teacher", "iou", 0.05, { extra: { threshold: tau } }),
    ...(options.shares === false ? [] : [
      share("no_sink_removal", 0),
      share("attention_sinks", 0.3, { threshold: tau }),
      share("attention_sinks", 0.12, layer0),
      share("norm_sinks", 0, { threshold: 2.5 }),
      row("attention_sinks", "teacher", "usable_share", 0.45, { extra: { threshold: tau } }),
    ]),
  ];
  const r = fixtureResult("sink_removal", rows, {
    config: { scale: "quick", teacher: { sinkLayer: 1, normLayer: 4 } },
  });
  return options.analysis === false ? r : { ...r, analysis: { massiveActivations: massive } };
}

Deno.test("sinksSection() tabulates the flagged share per rule and sink layer, then the activation statistics", () => {
  const text = sinksSection(indexResults([result()]));
  const lines = text.split("\n");
  assert.equal(lines[0], "## Sink removal: what each rule flags");
  const table = lines.filter((l) => l.startsWith("| "));
  assert.deepEqual(table.map((l) => l.split("|").map((c) => c.trim()).filter((c) => c !== "")), [
    ["rule", "sink layer", "τ", "flagged cells", "usable samples", "pseudo-label IoU", "gain vs baseline"],
    ["none", "—", "—", "0.0 % [0.0, 0.0]", "—", "—", "+0.8 [0.0, 1.6]"],
    ["attention-based", "0", "0.009", "12.0 % [11.0, 13.0]", "—", "—", "+1.5 [0.5, 2.5]"],
    [
      "attention-based (released)",
      "1",
      "0.009",
      "30.0 % [29.0, 31.0]",
      "45.0 %",
      "0.050",
      "+0.4 [-0.2, 1.0]",
    ],
    ["norm-based", "4 (input)", "2.5", "0.0 % [0.0, 0.0]", "—", "—", "—"],
  ]);
  assert.ok(text.includes("this model has no sink dimensions by the paper's definition"));
  assert.ok(text.endsWith("\n"));
});

Deno.test("sinksSection() is empty for a result from before sink shares and activation statistics", () => {
  assert.equal(sinksSection(indexResults([result({ analysis: false, shares: false })])), "");
  assert.equal(sinksSection(indexResults([])), "");
  const onlyAnalysis = sinksSection(indexResults([result({ shares: false })]));
  assert.equal(
    onlyAnalysis,
    `## Sink removal: what each rule flags\n\n${massiveActivationParagraph(massive)}\n`,
  );
});

Deno.test("massiveActivationParagraph() states the verdict with the measured ratio and what the norm rule flags", () => {
  assert.equal(
    massiveActivationParagraph(massive),
    "Massive activations at the input of decoder layer 4 (the norm-based rule's layer; 128 visual tokens of 2 " +
      "teacher samples, d = 64): median |activation| 0.5; largest peak / median: dim 7 (peak 3.2, mean 0.9, " +
      "6.4×), dim 1 (peak 2, mean 0.6, 4.0×). No dimension reaches 100× the median: **this model has no sink " +
      "dimensions by the paper's definition** (massive activations: a few dimensions with values orders of " +
      "magnitude above the median; largest measured ratio 6.4×). The norm-based rule compares RMS-normalised " +
      "values with τ_norm = 2.5 (at most √d = 8.00; largest measured 3.1): 2 of 64 dimensions and 5 of 128 " +
      "tokens exceed it somewhere; its sink dimensions (outliers of the RMS-normalised peaks) are none, so it " +
      "flags no token and `norm_sinks` is identical to `no_sink_removal`.",
  );
  const found = {
    ...massive,
    massiveDims: [7],
    sinkDims: [7],
    tokensFlagged: 3,
    top: [{ ...massive.top[0]!, ratio: null }],
  };
  assert.equal(
    massiveActivationParagraph(found),
    "Massive activations at the input of decoder layer 4 (the norm-based rule's layer; 128 visual tokens of 2 " +
      "teacher samples, d = 64): median |activation| 0.5; largest peak / median: dim 7 (peak 3.2, mean 0.9, " +
      "unbounded (median 0)). Massive by the paper's definition (≥ 100× the median): dims 7. The norm-based " +
      "rule compares RMS-normalised values with τ_norm = 2.5 (at most √d = 8.00; largest measured 3.1): 2 of 64 " +
      "dimensions and 5 of 128 tokens exceed it somewhere; its sink dimensions (outliers of the RMS-normalised " +
      "peaks) are 7, and it flags 3 of 128 tokens.",
  );
});

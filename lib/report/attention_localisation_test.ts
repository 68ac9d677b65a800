import assert from "node:assert/strict";
import { attentionLayerRows, attentionLocalisationSection, headLifts } from "./attention_localisation.ts";
import { indexResults } from "./lookup.ts";
import { loadPaperTables } from "./paper.ts";
import { buildReport } from "./report.ts";
import { fixtureResult, fixtureResults, row } from "./test_helpers.ts";

type Ci = [number, number];
const train = "train", evaluation = "eval";

/** The four map metrics of one (layer, head, split) point on a suite. */
function map(
  suite: string,
  extra: Record<string, unknown>,
  mass: number,
  share: number,
  more: { massCi?: Ci; shareCi?: Ci; peak?: number; peakCi?: Ci; excessCi?: Ci } = {},
) {
  const at = (ci?: Ci) => ({ extra, ...(ci ? { ci } : {}) });
  return [
    row("attention", suite, "mass_in_box", mass, at(more.massCi)),
    row("attention", suite, "box_share", share, at(more.shareCi)),
    ...(more.peak === undefined
      ? []
      : [row("attention", suite, "argmax_in_box", more.peak, at(more.peakCi))]),
    ...(more.excessCi ? [row("attention", suite, "mass_excess", mass - share, at(more.excessCi))] : []),
  ];
}

const all = (layer: number, split: string) => ({ layer, head: "all", split });
const removed = { layer: 4, head: "all", sinks: "removed", split: train };

const result = fixtureResult("attention_localisation", [
  row("attention", "mean", "accuracy", 20, { ci: [10, 30], extra: { split: train } }),
  row("attention", "mean", "accuracy", 30, { ci: [25, 35], extra: { split: evaluation } }),
  // Layer 1 (the sink layer): on the training suites 0.02 vs 0.1 → lift 0.20×, excess CI below 0 (↓). On the
  // evaluation suites only per-suite rows: derived means (0.1 + 0.2) / 2 = 0.15* and 0.05* → lift 3.00×.
  ...map("mean", all(1, train), 0.02, 0.1, {
    massCi: [0.01, 0.03],
    shareCi: [0.08, 0.12],
    peak: 0.05,
    peakCi: [0, 0.1],
    excessCi: [-0.1, -0.06],
  }),
  ...map("doc", all(1, evaluation), 0.1, 0.05),
  ...map("pope", all(1, evaluation), 0.2, 0.05),
  // Layer 4 (grounding): training 0.09 vs 0.1 → 0.90×, excess CI straddles 0; evaluation 0.2 vs 0.05 →
  // 4.00×, excess CI above 0 (↑).
  ...map("mean", all(4, train), 0.09, 0.1, {
    massCi: [0.08, 0.1],
    shareCi: [0.09, 0.11],
    peak: 0.12,
    peakCi: [0.08, 0.16],
    excessCi: [-0.02, 0.005],
  }),
  ...map("mean", all(4, evaluation), 0.2, 0.05, {
    massCi: [0.15, 0.25],
    shareCi: [0.04, 0.06],
    peak: 0.3,
    peakCi: [0.2, 0.4],
    excessCi: [0.1, 0.2],
  }),
  // The sink-removed grounding map, training only: 0.12 vs 0.1 → 1.20×.
  ...map("mean", removed, 0.12, 0.1),
  // Sinks: 40 % of the cells, 25 % of the target's.
  row("attention", "mean", "sink_cells", 0.4, { extra: removed }),
  row("attention", "mean", "sink_on_target", 0.25, { extra: removed }),
  // Single heads: on the training suites layer 3 head 0 has lift 0.3 / 0.1 = 3, layer 4 head 1 1.5; the
  // evaluation split's 10× head does not count.
  ...map("mean", { layer: 3, head: 0, split: train }, 0.3, 0.1),
  ...map("mean", { layer: 4, head: 1, split: train }, 0.15, 0.1),
  ...map("mean", { layer: 2, head: 1, split: evaluation }, 0.5, 0.05),
], { config: { scale: "quick", teacher: { layer: 4, sinkLayer: 1 } } });

Deno.test("attentionLayerRows() reads each layer's all-head map per split, then the sink-removed map", () => {
  const rows = attentionLayerRows(result);
  assert.deepEqual(rows.map((r) => [r.layer, r.sinksRemoved]), [[1, false], [4, false], [4, true]]);
  assert.deepEqual(rows[0]!.eval.mass, { value: 0.15000000000000002, derived: true });
  assert.deepEqual(rows[1]!.train.excess?.ci, [-0.02, 0.005]);
  assert.equal(rows[2]!.eval.mass, undefined);
  assert.deepEqual([rows[2]!.train.sinkCells?.value, rows[2]!.train.sinkOnTarget?.value], [0.4, 0.25]);
});

Deno.test("headLifts() ranks the training split's maps by mass / box share", () => {
  assert.deepEqual(
    headLifts(result).map((h) => [h.layer, h.head, Number(h.lift.toFixed(6))]),
    [[3, 0, 3], [4, 1, 1.5], [4, "all", 0.9], [1, "all", 0.2]], // the sink-removed map is not a head
  );
});

Deno.test("attentionLocalisationSection() marks the grounding and sink layers and the excess verdicts", () => {
  const text = attentionLocalisationSection(indexResults([result]));
  assert.ok(text.startsWith("## Where the teacher's attention looks (analysis only)\n"));
  const cells = (prefix: string) =>
    text.split("\n").find((l) => l.startsWith(`| ${prefix} `))?.slice(2, -2).split(" | ").map((c) =>
      c.trim()
    );
  assert.deepEqual(cells("**1** (sink map)"), [
    "**1** (sink map)",
    "0.020 [0.010, 0.030] vs 0.100 (0.20×) ↓",
    "5 % [0, 10]",
    "0.150* vs 0.050* (3.00×)",
    "—",
  ]);
  assert.deepEqual(cells("**4** (grounding)"), [
    "**4** (grounding)",
    "0.090 [0.080, 0.100] vs 0.100 (0.90×)",
    "12 % [8, 16]",
    "0.200 [0.150, 0.250] vs 0.050 (4.00×) ↑",
    "30 % [20, 40]",
  ]);
  assert.deepEqual(cells("4, sinks removed"), [
    "4, sinks removed (the labels' map)",
    "0.120 vs 0.100 (1.20×)",
    "—",
    "—",
    "—",
  ]);
  assert.ok(text.includes(
    "At the grounding layer (4) on the training suites (the teacher's questions) the attention puts 0.090 " +
      "of its image mass on the target, against 0.100 for a uniform map (lift 0.90×) — no more than a " +
      "uniform map; its peak cell is on the target for 12 % of the questions (chance 10 %).",
  ));
  assert.ok(text.includes(
    "on the evaluation suites the attention puts 0.200 of its image mass on the target, against 0.050 for a " +
      "uniform map (lift 4.00×) — more than a uniform map; its peak cell is on the target for 30 % of the " +
      "questions (chance 5 %).",
  ));
  assert.ok(text.includes(
    "After sink removal (the map the pseudo-labels are made from) it is 0.120 against 0.100 (lift 1.20×) on " +
      "the training suites; sink removal zeroes 40 % of the cells and 25 % of the target's cells.",
  ));
  assert.ok(
    text.includes("The best single head on the training suites is layer 3 head 0: 0.300 against 0.100"),
  );
  assert.ok(text.includes(
    "The model answers 20.0 % [10.0, 30.0] of the training questions and 30.0 % [25.0, 35.0] of the " +
      "evaluation questions correctly.",
  ));
});

Deno.test("attentionLocalisationSection() says when the experiment has not run", () => {
  assert.match(
    attentionLocalisationSection(indexResults([])),
    /_Not run yet: no `attention_localisation` result/,
  );
});

Deno.test("buildReport() puts the section right before the localisation section", async () => {
  const md = buildReport([...fixtureResults(), result], await loadPaperTables()).markdown;
  const here = md.indexOf("\n## Where the teacher's attention looks (analysis only)\n");
  const next = md.indexOf("\n## ", here + 1);
  assert.ok(here > 0);
  assert.ok(md.startsWith("\n## Localisation (analysis only)\n", next));
  const without = buildReport(fixtureResults(), await loadPaperTables()).markdown;
  assert.match(without, /## Where the teacher's attention looks[^#]+_Not run yet/);
});

import assert from "node:assert/strict";
import { likelihoodBlock, likelihoodMethods, PROTOCOLS_NOTE } from "./likelihood_table.ts";
import { fixtureResult, row } from "./test_helpers.ts";

const L = { protocol: "likelihood" };
const lik = (
  method: string,
  suite: string,
  value: number,
  more: { n?: number; ci?: [number, number] } = {},
) => row(method, suite, "likelihood-accuracy", value, { ...more, extra: L });

const result = fixtureResult("main_results", [
  row("baseline", "vstar-attr", "accuracy", 30),
  row("sdrpn", "vstar-attr", "accuracy", 35),
  lik("baseline", "vstar-attr", 40, { n: 100, ci: [30, 50] }),
  lik("baseline", "vstar-spatial", 70, { n: 50 }),
  lik("baseline", "pope", 60),
  row("baseline", "pope", "likelihood-f1", 66.5, { ci: [60, 72], extra: L }),
  lik("baseline", "hr", 30),
  lik("baseline", "mean-vision", 50, { ci: [45, 55] }),
  lik("sdrpn", "vstar-attr", 55, { n: 100 }),
  lik("sdrpn", "vstar-spatial", 70, { n: 50 }),
  row("sdrpn-vs-baseline", "mean-vision", "likelihood-delta_accuracy", 2.5, { ci: [-1, 6], extra: L }),
  // A text suite's row and a method with text rows only: not in the vision table.
  lik("zeta", "doc", 10),
]);

Deno.test("likelihoodMethods() lists methods with vision likelihood rows in the given order", () => {
  assert.deepEqual(likelihoodMethods(result, ["sdrpn", "baseline"]), ["sdrpn", "baseline"]);
  assert.deepEqual(likelihoodMethods(result, []), ["baseline", "sdrpn"]);
});

Deno.test("likelihoodBlock() tabulates the (L) accuracies, deriving missing aggregates, then the protocol note", () => {
  // baseline: V* overall = (40·100 + 70·50) / 150 = 50 (derived, no vstar row); Avg from its mean-vision row.
  // sdrpn: V* overall = (55·100 + 70·50) / 150 = 60; Avg derived = mean(55, 70) = 62.5; difference +2.5.
  assert.deepEqual(likelihoodBlock(result, ["baseline", "sdrpn"]), [
    "Option-likelihood protocol (L), same questions and prompts:",
    "",
    [
      "| method   |    vstar-attr (L) | vstar-spatial (L) | V* overall (L) |       pope F1 (L) | pope acc (L) | hr (L) |           Avg (L) | Avg − baseline (L) |",
      "|:---------|------------------:|------------------:|---------------:|------------------:|-------------:|-------:|------------------:|-------------------:|",
      "| Baseline | 40.0 [30.0, 50.0] |              70.0 |          50.0* | 66.5 [60.0, 72.0] |         60.0 |   30.0 | 50.0 [45.0, 55.0] |                  — |",
      "| SD-RPN   |              55.0 |              70.0 |          60.0* |                 — |            — |      — |             62.5* |   +2.5 [-1.0, 6.0] |",
    ].join("\n"),
    "",
    PROTOCOLS_NOTE,
    "",
  ]);
});

Deno.test("likelihoodBlock() prints nothing for a result without likelihood rows on the vision suites", () => {
  const generationOnly = fixtureResult("main_results", [
    row("baseline", "vstar-attr", "accuracy", 30),
    lik("zeta", "doc", 10),
  ]);
  assert.deepEqual(likelihoodBlock(generationOnly, ["baseline"]), []);
  assert.deepEqual(likelihoodBlock(undefined, ["baseline"]), []);
  assert.ok(PROTOCOLS_NOTE.includes("paper-claim verdicts score each method's greedily generated answer"));
});

import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import { ScoreTable } from "../eval/rows.ts";
import { ResultRowSchema } from "../results/schema.ts";
import { METRICS } from "./conventions.ts";
import {
  checkReportSections,
  likelihoodKey,
  likelihoodRows,
  REPORT_AGGREGATES,
  summary,
  throughputPhases,
} from "./runner.ts";

Deno.test("summary() tabulates accuracy by method and suite, then differences and throughput", () => {
  const phases = { "seconds baseline": 2, "throughput-baseline": 1, "throughput-masked tau=0.1": 0.61 };
  const text = summary([
    { method: "baseline", suite: "doc", metric: "accuracy", value: 20, n: 3, ci: [0, 40] },
    {
      method: "masked",
      suite: "doc",
      metric: "accuracy",
      value: 30,
      n: 3,
      ci: [0, 60],
      extra: { sweep: "tau", tau: 0.1 },
    },
    { method: "masked-vs-baseline", suite: "mean", metric: "delta_accuracy", value: 10, n: 3, ci: [-5, 25] },
  ], phases);
  assert.equal(
    text,
    [
      "| method         | doc |",
      "|----------------|----:|",
      "| baseline       |  20 |",
      "| masked tau=0.1 |  30 |",
      "",
      "| difference (mean over suites) | points | 95 % CI |",
      "|-------------------------------|-------:|---------|",
      "| masked-vs-baseline            |     10 | -5 … 25 |",
      "",
      "| method         | throughput vs baseline |",
      "|----------------|-----------------------:|",
      "| baseline       |                      1 |",
      "| masked tau=0.1 |                   0.61 |",
    ].join("\n"),
  );
  assert.ok(!summary([], {}).includes("throughput"), "no throughput table without throughput phases");
});

Deno.test("throughputPhases() divides baseline time by method time under stable phase keys", () => {
  assert.deepEqual(
    throughputPhases([
      { key: { method: "baseline" }, seconds: 10 },
      { key: { method: "masked", extra: { sweep: "tau", tau: 0.1 } }, seconds: 16 },
      { key: { method: "B4R3", extra: { R: 3, B: 4, paper: "B15R3" } }, seconds: 20 },
      { key: { method: "idle" }, seconds: 0 },
    ], 10),
    {
      "throughput-baseline": 1,
      "throughput-masked tau=0.1": 0.63, // 10 / 16 = 0.625 → 0.63
      "throughput-B4R3 B=4 R=3": 0.5,
      "throughput-idle": 0,
    },
  );
  assert.throws(
    () =>
      throughputPhases([
        { key: { method: "B4R3", extra: { B: 4, R: 3 } }, seconds: 1 },
        { key: { method: "B4R3", extra: { B: 4, R: 3, paper: "B15R3" } }, seconds: 2 },
      ], 1),
    { message: 'Two methods share the throughput phase "throughput-B4R3 B=4 R=3"' },
  );
});

Deno.test("checkReportSections() refuses sweep or IoU rows the registry does not route to the report", () => {
  const sweep = {
    method: "masked",
    suite: "doc",
    metric: "accuracy",
    value: 1,
    n: 1,
    extra: { sweep: "tau" },
  };
  const iou = { method: "masked", suite: "mean", metric: "iou", value: 0.1, n: 1 };
  checkReportSections("masked_upscaling", [sweep, iou]);
  checkReportSections("not_registered", [sweep]);
  // Per-suite IoU rows alone do not reach the localisation table.
  checkReportSections("attention_localisation", [{ ...iou, suite: "doc" }]);
  assert.throws(() => checkReportSections("layer_ablation", [sweep]), {
    message: 'Experiment "layer_ablation" writes rows for the report section "sweeps" that ' +
      "lib/experiment/registry.ts does not list for it",
  });
  assert.throws(() => checkReportSections("attention_localisation", [iou]), {
    message: 'Experiment "attention_localisation" writes rows for the report section "localisation" that ' +
      "lib/experiment/registry.ts does not list for it",
  });
});

Deno.test("likelihoodRows() writes the likelihood accuracies, then the differences of the same pairs", () => {
  const table = new ScoreTable(REPORT_AGGREGATES);
  const lik = METRICS.likelihoodAccuracy;
  const [base, sdrpn, point] = [{ method: "baseline" }, { method: "sdrpn" }, {
    method: "masked",
    extra: { sweep: "tau", tau: 0.1 },
  }];
  const choice = (answer: string) => ({ answers: [answer], options: ["red", "blue", "green"] });
  const attr = [choice("A"), choice("B"), choice("C"), choice("A")];
  const pope = [{ answers: ["yes"] }, { answers: ["no"] }];
  // Hand-scored: baseline 1/4 on vstar-attr, 1/2 on pope; sdrpn 3/4 and 2/2; the sweep point 2/4 and 1/2.
  const answers: [typeof base, string[], string[]][] = [
    [base, ["A", "A", "A", "B"], ["yes", "yes"]],
    [sdrpn, ["A", "B", "C", "B"], ["yes", "no"]],
    [point, ["A", "B", "A", "B"], ["no", "no"]],
  ];
  for (const [key, a, p] of answers) {
    table.addAnswers(key, "doc", "vqa", ["cat"], [{ answers: ["cat"] }]);
    table.addAnswers(likelihoodKey(key), "vstar-attr", "choice", a, attr, { metric: lik });
    table.addAnswers(likelihoodKey(key), "pope", "yesno", p, pope, { metric: lik });
  }
  const pairs = [
    { a: sdrpn, b: base },
    { a: point, b: base, label: { method: "masked-vs-baseline", extra: { tau: 0.1 } } },
    // Only doc has generation answers of vicrop: no likelihood difference, no error.
    { a: { method: "vicrop" }, b: base },
  ];
  table.addAnswers({ method: "vicrop" }, "doc", "vqa", ["cat"], [{ answers: ["cat"] }]);
  const rows = likelihoodRows(table, pairs, new Rng(0));
  const p = { protocol: "likelihood" };
  const q = { sweep: "tau", tau: 0.1, protocol: "likelihood" };
  assert.deepEqual(rows.map((r) => [r.method, r.suite, r.metric, r.value, r.n, r.extra]), [
    ["baseline", "vstar-attr", lik, 25, 4, p],
    ["baseline", "pope", lik, 50, 2, p],
    // F1 of "yes": tp 1, fp 1, fn 0 → P 0.5, R 1 → 66.67.
    ["baseline", "pope", "likelihood-f1", 66.67, 2, p],
    ["baseline", "mean", lik, 37.5, 6, p],
    ["baseline", "mean-vision", lik, 37.5, 6, p],
    ["sdrpn", "vstar-attr", lik, 75, 4, p],
    ["sdrpn", "pope", lik, 100, 2, p],
    ["sdrpn", "pope", "likelihood-f1", 100, 2, p],
    ["sdrpn", "mean", lik, 87.5, 6, p],
    ["sdrpn", "mean-vision", lik, 87.5, 6, p],
    ["masked", "vstar-attr", lik, 50, 4, q],
    ["masked", "pope", lik, 50, 2, q],
    // No "yes" predicted and one "yes" truth: F1 0.
    ["masked", "pope", "likelihood-f1", 0, 2, q],
    ["masked", "mean", lik, 50, 6, q],
    ["masked", "mean-vision", lik, 50, 6, q],
    ["sdrpn-vs-baseline", "vstar-attr", "likelihood-delta_accuracy", 50, 4, p],
    ["sdrpn-vs-baseline", "pope", "likelihood-delta_accuracy", 50, 2, p],
    ["sdrpn-vs-baseline", "mean", "likelihood-delta_accuracy", 50, 6, p],
    ["sdrpn-vs-baseline", "mean-vision", "likelihood-delta_accuracy", 50, 6, p],
    ["masked-vs-baseline", "vstar-attr", "likelihood-delta_accuracy", 25, 4, {
      tau: 0.1,
      protocol: "likelihood",
    }],
    ["masked-vs-baseline", "pope", "likelihood-delta_accuracy", 0, 2, { tau: 0.1, protocol: "likelihood" }],
    ["masked-vs-baseline", "mean", "likelihood-delta_accuracy", 12.5, 6, {
      tau: 0.1,
      protocol: "likelihood",
    }],
    [
      "masked-vs-baseline",
      "mean-vision",
      "likelihood-delta_accuracy",
      12.5,
      6,
      { tau: 0.1, protocol: "likelihood" },
    ],
  ]);
  // sdrpn − baseline on pope: per question [0, 100]; a resample of 2 questions is all-0 or all-100 with
  // probability 1/4 each, so the 2.5 % and 97.5 % quantiles of 1000 resampled means are 0 and 100.
  assert.deepEqual(rows.find((r) => r.method === "sdrpn-vs-baseline" && r.suite === "pope")!.ci, [0, 100]);
  // Every row is a valid likelihood-protocol row once the result lists that protocol.
  for (const r of rows) assert.ok(ResultRowSchema.safeParse(r).success, JSON.stringify(r));
});

Deno.test("likelihoodRows() writes nothing when no answer was scored by likelihood", () => {
  const table = new ScoreTable(REPORT_AGGREGATES);
  table.addAnswers({ method: "baseline" }, "doc", "vqa", ["cat"], [{ answers: ["cat"] }]);
  assert.deepEqual(
    likelihoodRows(table, [{ a: { method: "baseline" }, b: { method: "baseline" } }], new Rng(0)),
    [],
  );
});

Deno.test("likelihoodKey() adds the protocol to the method's own extra", () => {
  assert.deepEqual(likelihoodKey({ method: "baseline" }), {
    method: "baseline",
    extra: { protocol: "likelihood" },
  });
  assert.deepEqual(likelihoodKey({ method: "masked", extra: { sweep: "tau", tau: 0.1 } }), {
    method: "masked",
    extra: { sweep: "tau", tau: 0.1, protocol: "likelihood" },
  });
});

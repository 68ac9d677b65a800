import assert from "node:assert/strict";
import { checkReportSections, summary, throughputPhases } from "./runner.ts";

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

import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import type { ResultRow } from "../results/schema.ts";
import { realResultPath } from "./benchmark_config.ts";
import { benchmarkRows, metricVersion, promptVersion, table1Average } from "./benchmark_run.ts";

const items = [
  { split: "validation", answers: ["hello"], category: null, extra: {} },
  { split: "validation", answers: ["world"], category: null, extra: {} },
];

Deno.test("benchmark rows average SD-RPN over seeds, keep per-seed values and a CI over rows", () => {
  const rows = benchmarkRows("docvqa", items, [
    { key: { method: "baseline" }, answers: ["Hello", "x"] }, // ANLS 1, 0 → 50
    { key: { method: "sdrpn", extra: { seed: 0 } }, answers: ["hello", "world"] }, // 1, 1 → 100
    { key: { method: "sdrpn", extra: { seed: 1 } }, answers: ["x", "world"] }, // 0, 1 → 50
  ], { limit: 2, rng: new Rng(0) });
  assert.deepEqual(rows.map((r) => [r.method, r.suite, r.metric, r.value, r.n]), [
    ["baseline", "docvqa", "anls", 50, 2],
    ["sdrpn", "docvqa", "anls", 75, 2],
  ]);
  assert.deepEqual(rows[1]!.extra, {
    benchmark: "docvqa",
    split: "validation",
    prompt: "lmms-eval@00876ac docvqa_val doc_to_text (default kwargs)",
    metricVersion: "lmms-eval@00876ac0f6900e642a2698e896b9848e49fe8bdf tasks/docvqa",
    limit: 2,
    perSeed: [100, 50],
  });
  // Seed-averaged per-row scores are 50 and 100: every resample's mean lies in [50, 100].
  const [lo, hi] = rows[1]!.ci!;
  assert.ok(lo >= 50 && hi <= 100 && lo <= 75 && hi >= 75, `${lo} … ${hi}`);
  assert.equal(rows[0]!.extra?.perSeed, undefined);
  assert.equal(rows[0]!.extra?.limit, 2);
});

Deno.test("benchmark rows are deterministic for a seed", () => {
  const answers = [{ key: { method: "baseline" }, answers: ["hello", "wor"] }];
  const a = benchmarkRows("docvqa", items, answers, { limit: 0, rng: new Rng(3) });
  const b = benchmarkRows("docvqa", items, answers, { limit: 0, rng: new Rng(3) });
  assert.deepEqual(a, b);
  assert.equal(a[0]!.extra?.limit, undefined);
});

Deno.test("benchmark rows reject a method that answered another number of rows", () => {
  assert.throws(
    () =>
      benchmarkRows("docvqa", items, [{ key: { method: "vicrop" }, answers: ["a"] }], {
        limit: 0,
        rng: new Rng(0),
      }),
    { message: 'Method "vicrop" answered 1 of 2 rows of "docvqa"' },
  );
});

Deno.test("Table 1's average is the plain mean of the five headline values, only when all five exist", () => {
  const row = (method: string, suite: string, metric: string, value: number, n = 10): ResultRow => ({
    method,
    suite,
    metric,
    value,
    n,
  });
  const five = [
    row("baseline", "docvqa", "anls", 10),
    row("baseline", "chartqa", "relaxed_overall", 20),
    row("baseline", "chartqa", "relaxed_human_split", 99), // not a headline metric
    row("baseline", "ocrbench", "ocrbench_mean", 30),
    row("baseline", "infovqa", "anls", 40),
    row("baseline", "textvqa", "exact_match", 51, 5),
    row("vicrop", "docvqa", "anls", 10), // four missing: no average
  ];
  assert.deepEqual(table1Average(five), [{
    method: "baseline",
    suite: "mean-text",
    metric: "average",
    value: 30.2, // (10 + 20 + 30 + 40 + 51) / 5
    n: 45,
    extra: {
      parts: [
        "docvqa:anls",
        "chartqa:relaxed_overall",
        "ocrbench:ocrbench_mean",
        "infovqa:anls",
        "textvqa:exact_match",
      ],
    },
  }]);
});

Deno.test("versions name the vendored lmms-eval task; HR-Bench's prompt names its split's task", () => {
  assert.equal(promptVersion("vstar", "test"), "lmms-eval@00876ac vstar_bench doc_to_text (default kwargs)");
  assert.equal(
    promptVersion("hrbench", "hrbench_4k"),
    "lmms-eval@00876ac hrbench4k doc_to_text (default kwargs)",
  );
  assert.equal(
    metricVersion("vstar"),
    "lmms-eval@00876ac0f6900e642a2698e896b9848e49fe8bdf tasks/vstar_bench",
  );
});

Deno.test("a real-benchmark run writes under results/scratch/benchmarks unless given a file", () => {
  assert.equal(realResultPath(""), "results/scratch/benchmarks/main_results_benchmarks.json");
  assert.equal(realResultPath("/tmp/x.json"), "/tmp/x.json");
});

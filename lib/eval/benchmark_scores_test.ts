// Golden values computed by hand from the vendored lmms-eval task code (YuHengsss/SD-RPN @ 00876ac,
// LLaVA/lmms-eval/lmms_eval/tasks/<task>/utils.py and the task YAMLs); each case's arithmetic is in
// its comment.
import assert from "node:assert/strict";
import {
  aggregateBenchmark,
  type AnsweredRow,
  type BenchmarkMetric,
  cycleAverage,
  HEADLINE_METRICS,
  MAX_NEW_TOKENS,
  rowScore,
} from "./benchmark_scores.ts";

function row(prediction: string, answers: string[], more: Partial<AnsweredRow> = {}): AnsweredRow {
  return { split: "test", answers, category: null, extra: {}, prediction, ...more };
}

/** metric → value, rounded to 1e-9 so that hand-written fractions compare exactly. */
function values(metrics: readonly BenchmarkMetric[]): Record<string, number> {
  return Object.fromEntries(
    metrics.map((m) => [
      `${m.suite}/${m.metric}${m.category ? `/${m.category}` : ""}`,
      Math.round(m.value * 1e9) / 1e9,
    ]),
  );
}

const r9 = (x: number) => Math.round(x * 1e9) / 1e9;

Deno.test("textvqa exact_match is the mean of leave-one-out accuracies, in percent", () => {
  const answers = [...Array(3).fill("coca cola"), ...Array(7).fill("coke")];
  // "Coca Cola" normalises to "coca cola": 3 answers see 2 matches (2/3), 7 see 3 (1) → 0.9; "pepsi" 0.
  const out = aggregateBenchmark("textvqa", [row("Coca Cola", answers), row("pepsi", answers)]);
  assert.deepEqual(values(out), { "textvqa/exact_match": 45 });
  assert.equal(out[0]!.n, 2);
  assert.deepEqual(out[0]!.scores!.map(r9), [90, 0]);
});

Deno.test("docvqa and infovqa anls is the mean ANLS with threshold 0.5", () => {
  // "Hello" = "hello" → 1; "helo": distance 1 / 5 → 0.8; "xyz": distance 5 / 5 → 1 − 1 = 0 (below 0.5).
  const rows = [row("Hello", ["hello"]), row("helo", ["hello"]), row("xyz", ["hello"])];
  assert.deepEqual(values(aggregateBenchmark("docvqa", rows)), { "docvqa/anls": 60 });
  assert.deepEqual(values(aggregateBenchmark("infovqa", rows)), { "infovqa/anls": 60 });
});

Deno.test("chartqa splits relaxed accuracy into human_test and every other type", () => {
  const rows = [
    row("12", ["12"], { category: "human_test" }), // exact → 1
    row("10", ["12"], { category: "human_test" }), // |10 − 12| / 12 = 0.167 > 0.05 → 0
    row("12.5", ["12"], { category: "augmented_test" }), // 0.5 / 12 = 0.042 ≤ 0.05 → 1
  ];
  assert.deepEqual(values(aggregateBenchmark("chartqa", rows)), {
    "chartqa/relaxed_overall": r9(200 / 3),
    "chartqa/relaxed_human_split": 50,
    "chartqa/relaxed_augmented_split": 100,
  });
});

Deno.test("ocrbench accuracy divides the summed score by 1000 and the mean by the rows evaluated", () => {
  const rows = [
    // "hello world" contains "hello" → 1
    row("Hello World", ["hello"], { category: "Regular Text Recognition", extra: { dataset: "IIIT5K" } }),
    // HME100k compares without spaces: "x^2" in "x^2" → 1
    row("x ^ 2", ["x^2"], {
      category: "Handwritten Mathematical Expression Recognition",
      extra: { dataset: "HME100k" },
    }),
    row("no", ["yes"], { category: "Doc-oriented VQA", extra: { dataset: "docVQA" } }), // → 0
  ];
  const out = aggregateBenchmark("ocrbench", rows);
  assert.deepEqual(values(out), {
    "ocrbench/ocrbench_accuracy": 0.2, // 2 / 1000 · 100
    "ocrbench/ocrbench_final": 2,
    "ocrbench/ocrbench_mean": r9(200 / 3),
    "ocrbench/ocrbench_category/Regular Text Recognition": 1,
    "ocrbench/ocrbench_category/Doc-oriented VQA": 0,
    "ocrbench/ocrbench_category/Handwritten Mathematical Expression Recognition": 1,
  });
  assert.deepEqual(out.filter((m) => m.metric === "ocrbench_category").map((m) => m.n), [1, 1, 1]);
});

Deno.test("ocrbench rejects a question type utils.py does not know", () => {
  assert.throws(
    () => aggregateBenchmark("ocrbench", [row("a", ["a"], { category: "Poetry", extra: { dataset: "x" } })]),
    { message: 'Unknown OCRBench question type "Poetry"' },
  );
});

Deno.test("vstar reports overall and per-category letter accuracy", () => {
  const rows = [
    row("(A)", ["A"], { category: "direct_attributes" }), // → A = A
    row("B", ["A"], { category: "direct_attributes" }), // → B ≠ A
    row("The answer is C", ["C"], { category: "relative_position" }), // → C
  ];
  assert.deepEqual(values(aggregateBenchmark("vstar", rows)), {
    "vstar/vstar_overall_acc": r9(200 / 3),
    "vstar/vstar_direct_attributes_acc": 50,
    "vstar/vstar_relative_position_acc": 100,
  });
});

Deno.test("pope reports accuracy, precision, recall, F1 and yes ratio", () => {
  const rows = [
    row("yes", ["yes"]), // TP
    row("no", ["yes"]), // FN
    row("yes", ["no"]), // FP
    row("No", ["no"]), // TN
    row("Yes.", ["yes"]), // "yes." is neither yes nor no: not correct, not TP/FN
  ];
  // accuracy 2/5; precision 1/(1+1); recall 1/(1+1); F1 0.5; yes ratio 3/5 (ground-truth yes).
  assert.deepEqual(values(aggregateBenchmark("pope", rows)), {
    "pope/pope_accuracy": 40,
    "pope/pope_precision": 50,
    "pope/pope_recall": 50,
    "pope/pope_f1_score": 50,
    "pope/pope_yes_ratio": 60,
  });
});

Deno.test("hrbench averages per cycle group, then over groups, per split", () => {
  const hr = (prediction: string, answer: string, split: string, category: string, cycle: string) =>
    row(prediction, [answer], { split, category, extra: { cycle_category: cycle } });
  const rows = [
    hr("A", "A", "hrbench_4k", "single", "c1"), // 1
    hr("B", "A", "hrbench_4k", "single", "c1"), // 0
    hr("The answer is C.", "C", "hrbench_4k", "single", "c2"), // 1
    hr("D", "A", "hrbench_4k", "cross", "c3"), // 0
    hr("b", "B", "hrbench_8k", "single", "c1"), // 1 (letters compare case-insensitively)
  ];
  const out = aggregateBenchmark("hrbench", rows);
  assert.deepEqual(values(out), {
    // single: c1 (1 + 0) / 2 = 0.5, c2 1 → 0.75; cross: c3 0; average: c1 0.5, c2 1, c3 0 → 0.5
    // (not (FSP + FCP) / 2 = 0.375: lmms-eval averages cycle groups).
    "hrbench_4k/single": 75,
    "hrbench_4k/cross": 0,
    "hrbench_4k/average": 50,
    "hrbench_8k/single": 100,
    "hrbench_8k/average": 100,
  });
  assert.deepEqual(out.map((m) => [m.split, m.n]), [
    ["hrbench_4k", 3],
    ["hrbench_4k", 1],
    ["hrbench_4k", 4],
    ["hrbench_8k", 1],
    ["hrbench_8k", 1],
  ]);
});

Deno.test("hrbench scores a row without an extractable letter as 0", () => {
  assert.equal(rowScore("hrbench", row("I cannot tell", ["A"])), 0);
  assert.equal(rowScore("hrbench", row(" a ", ["A"])), 1);
});

Deno.test("cycleAverage weighs each cycle group once and rejects no rows", () => {
  // groups: x (1 + 1 + 0) / 3, y 0 → (2/3 + 0) / 2 = 1/3
  const got = cycleAverage([
    { cycle: "x", score: 1 },
    { cycle: "x", score: 1 },
    { cycle: "x", score: 0 },
    { cycle: "y", score: 0 },
  ]);
  assert.equal(r9(got), r9(1 / 3));
  assert.equal(cycleAverage([{ cycle: null, score: 1 }, { cycle: "z", score: 0 }]), 0.5);
  assert.throws(() => cycleAverage([]), { message: "Cannot aggregate HR-Bench results of no rows" });
});

Deno.test("no answered rows give no aggregates", () => {
  assert.deepEqual(aggregateBenchmark("docvqa", []), []);
});

Deno.test("generation lengths follow the task YAMLs and llava.py's default of 1024", () => {
  assert.deepEqual(MAX_NEW_TOKENS, {
    textvqa: 1024,
    docvqa: 32,
    infovqa: 32,
    chartqa: 16,
    ocrbench: 128,
    vstar: 16,
    pope: 128,
    hrbench: 1024,
  });
  assert.equal(HEADLINE_METRICS.pope, "pope_f1_score");
});

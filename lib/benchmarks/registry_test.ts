import assert from "node:assert/strict";
import {
  BENCHMARK_NAMES,
  BENCHMARK_THRESHOLDS,
  BENCHMARKS,
  isBenchmarkName,
  parseBenchmarkList,
} from "./registry.ts";

Deno.test("parseBenchmarkList() keeps the order given and expands all to table order", () => {
  assert.deepEqual(parseBenchmarkList("pope,textvqa"), ["pope", "textvqa"]);
  assert.deepEqual(parseBenchmarkList(" vstar , hrbench "), ["vstar", "hrbench"]);
  assert.deepEqual(parseBenchmarkList("all"), [
    "docvqa",
    "chartqa",
    "ocrbench",
    "infovqa",
    "textvqa",
    "vstar",
    "pope",
    "hrbench",
  ]);
});

Deno.test("parseBenchmarkList() lists the known names for an unknown one", () => {
  assert.throws(() => parseBenchmarkList("textvqa,mme"), {
    message:
      'Unknown benchmark "mme" (known: docvqa, chartqa, ocrbench, infovqa, textvqa, vstar, pope, hrbench, or all)',
  });
  assert.throws(() => parseBenchmarkList(""), { message: /^Unknown benchmark ""/ });
  assert.throws(() => parseBenchmarkList("pope,pope"), { message: 'Benchmark "pope" is listed twice' });
});

Deno.test("isBenchmarkName() accepts exactly the eight names", () => {
  assert.equal(BENCHMARK_NAMES.length, 8);
  assert.ok(BENCHMARK_NAMES.every(isBenchmarkName));
  assert.equal(isBenchmarkName("TextVQA"), false);
});

Deno.test("each benchmark reads the issue's dataset, config, splits and columns", () => {
  const table = Object.fromEntries(
    BENCHMARK_NAMES.map((n) => {
      const s = BENCHMARKS[n];
      return [n, [s.dataset, s.config, s.splits.join("+"), s.columns.join(" ")]];
    }),
  );
  assert.deepEqual(table, {
    textvqa: ["lmms-lab/textvqa", null, "validation", "question_id question answers image"],
    docvqa: ["lmms-lab/DocVQA", "DocVQA", "validation", "questionId question answers image"],
    infovqa: ["lmms-lab/DocVQA", "InfographicVQA", "validation", "questionId question answers image"],
    chartqa: ["lmms-lab/ChartQA", null, "test", "question answer type image"],
    ocrbench: ["echo840/OCRBench", null, "test", "dataset question question_type answer image"],
    vstar: ["lmms-lab/vstar-bench", null, "test", "question_id text label category image"],
    pope: ["lmms-lab/POPE", null, "test", "question_id question answer category image"],
    hrbench: [
      "DreamMr/HR-Bench",
      "hrbench_version_split",
      "hrbench_4k+hrbench_8k",
      "index question answer category cycle_category A B C D image",
    ],
  });
});

const image = { bytes: new Uint8Array([1]), path: null };

Deno.test("ids print as Python's str(): integers and bigints in decimal, strings as they are", () => {
  const row = { question: "q?", answer: "yes", category: "random", image };
  assert.equal(BENCHMARKS.pope.draft({ ...row, question_id: 12n }, 0).id, "12");
  assert.equal(BENCHMARKS.pope.draft({ ...row, question_id: 7 }, 0).id, "7");
  assert.equal(BENCHMARKS.pope.draft({ ...row, question_id: "0042" }, 0).id, "0042");
  assert.throws(() => BENCHMARKS.pope.draft({ ...row, question_id: 1.5 }, 0));
});

Deno.test("chartqa and ocrbench ids are the row's index within the split", () => {
  const chart = BENCHMARKS.chartqa.draft({ question: "q", answer: "1", type: "human_test", image }, 41);
  assert.deepEqual([chart.id, chart.answers, chart.category], ["41", ["1"], "human_test"]);
  const ocr = BENCHMARKS.ocrbench.draft(
    { dataset: "HME100k", question: " q ", question_type: "t", answer: ["a", "b"], image },
    3,
  );
  assert.deepEqual([ocr.id, ocr.prompt, ocr.answers, ocr.extra], ["3", "q", ["a", "b"], {
    dataset: "HME100k",
  }]);
});

Deno.test("a null TextVQA answer list reads as empty, which textvqa_process_results scores 0", () => {
  const draft = BENCHMARKS.textvqa.draft({ question_id: 1, question: "q?", answers: null, image }, 0);
  assert.deepEqual(draft.answers, []);
});

Deno.test("HR-Bench decodes its base64 image column and keeps cycle_category for the metric", () => {
  const draft = BENCHMARKS.hrbench.draft({
    index: 5n,
    question: "q",
    answer: "A",
    category: "single",
    cycle_category: "c0",
    A: "x",
    B: "y",
    C: null,
    D: null,
    image: "AAEC/w==",
  }, 0);
  assert.deepEqual(draft.imageBytes, new Uint8Array([0, 1, 2, 255]));
  assert.deepEqual(draft.extra, { cycle_category: "c0" });
  assert.equal(draft.prompt, "q\nA. x\nB. y\nAnswer the option letter directly.");
});

Deno.test("BENCHMARK_THRESHOLDS give every benchmark its released τ_conf", () => {
  assert.deepEqual(Object.keys(BENCHMARK_THRESHOLDS).sort(), [...BENCHMARK_NAMES].sort());
  assert.deepEqual(BENCHMARK_THRESHOLDS, {
    docvqa: 0.10,
    chartqa: 0.15,
    ocrbench: 0.05,
    infovqa: 0.15,
    textvqa: 0.15,
    vstar: 0.10,
    pope: 0.15,
    hrbench: 0.10,
  });
});

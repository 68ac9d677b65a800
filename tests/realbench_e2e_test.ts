/**
 * The real-benchmark path end to end, as a GPU runner would run Tables 1–2 but on fixtures: the tiny
 * LLaVA checkpoint (tests/fixtures/llava-tiny) and the fixture parquet files of all eight benchmarks
 * (tests/fixtures/benchmarks) → `main_results --model … --data … --limit 4` → a schema-checked result whose
 * rows carry benchmark, split, prompt and metric versions, n and the HR-Bench protocol; a second run gives
 * the same rows; `report` puts Table 1 and Table 2 rows of the real benchmarks beside the paper's.
 * Scripts run as subprocesses, exactly as `deno task` runs them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { readResult } from "../lib/results/io.ts";
import type { Result } from "../lib/results/schema.ts";
import { runScript } from "./script.ts";

const tmp = await Deno.makeTempDir({ prefix: "sdrpn-realbench-" });

/**
 * The random-weight fixture's attention is nearly uniform and its own answers are one token, so the RPN
 * learns from teacher-forced ground-truth answers with every foreground size allowed (a tiny teacher set).
 */
function args(out: string): string[] {
  const set = [
    `cacheDir=${join(tmp, "cache")}`,
    `dataDir=${join(tmp, "generated")}`,
    `out=${out}`,
    "teacher.samples=16",
    "teacher.answers=ground-truth",
    "rpn.epochs=1",
    "variant.maxRatio=1",
    "real.maxNewTokens=8",
    "real.chunk=3",
  ];
  return [
    "--model",
    "tests/fixtures/llava-tiny",
    "--data",
    "tests/fixtures/benchmarks",
    "--benchmarks",
    "all",
    "--limit",
    "4",
    "--scale",
    "quick",
    "--seeds",
    "0",
    "--backend",
    "wasm",
    ...set.flatMap((s) => ["--set", s]),
  ];
}

const METHODS = ["baseline", "vicrop", "sdrpn", "sdrpn_box"];

/** [suite, metric, n] of every baseline row, in order. */
function baselineRows(result: Result): [string, string, number][] {
  return result.rows.filter((r) => r.method === "baseline")
    .map((r) => [r.suite, r.metric + (r.extra?.category ? `: ${r.extra.category}` : ""), r.n]);
}

Deno.test({
  name: "main_results on the fixture benchmarks with tiny LLaVA writes lmms-eval rows the report tabulates",
  sanitizeResources: false,
  fn: async () => {
    try {
      const out = join(tmp, "results", "main_results_benchmarks.json");
      const run = await runScript("main_results.ts", args(out));
      assert.equal(run.code, 0, run.stderr);
      const result = await readResult(out);
      assert.equal(result.experiment, "main_results_benchmarks");
      assert.match(result.prompt.template, /^lmms-eval@00876ac doc_to_text \(default kwargs\).*llava-1\.5/);
      assert.match(result.prompt.metricVariant, /00876ac0f6900e642a2698e896b9848e49fe8bdf/);
      assert.deepEqual(result.config.real, {
        data: "tests/fixtures/benchmarks",
        benchmarks: "all",
        limit: 4,
        maxNewTokens: 8,
        chunk: 3,
      });
      assert.deepEqual([...new Set(result.rows.map((r) => r.method))], METHODS);
      // Fixture rows per benchmark: docvqa 3, chartqa 4 (2 human), ocrbench 4, infovqa 3, textvqa 4,
      // vstar 4 (one without category), pope 4, hrbench 2 + 2 (the limit applies per split).
      assert.deepEqual(baselineRows(result), [
        ["docvqa", "anls", 3],
        ["chartqa", "relaxed_overall", 4],
        ["chartqa", "relaxed_human_split", 2],
        ["chartqa", "relaxed_augmented_split", 2],
        ["ocrbench", "ocrbench_accuracy", 4],
        ["ocrbench", "ocrbench_final", 4],
        ["ocrbench", "ocrbench_mean", 4],
        ["ocrbench", "ocrbench_category: Regular Text Recognition", 2],
        ["ocrbench", "ocrbench_category: Doc-oriented VQA", 1],
        ["ocrbench", "ocrbench_category: Handwritten Mathematical Expression Recognition", 1],
        ["infovqa", "anls", 3],
        ["textvqa", "exact_match", 4],
        ["vstar", "vstar_overall_acc", 4],
        ["vstar", "vstar_direct_attributes_acc", 2],
        ["vstar", "vstar_relative_position_acc", 1],
        ["vstar", "vstar_None_acc", 1],
        ["pope", "pope_accuracy", 4],
        ["pope", "pope_precision", 4],
        ["pope", "pope_recall", 4],
        ["pope", "pope_f1_score", 4],
        ["pope", "pope_yes_ratio", 4],
        ["hrbench_4k", "single", 1],
        ["hrbench_4k", "cross", 1],
        ["hrbench_4k", "average", 2],
        ["hrbench_8k", "single", 1],
        ["hrbench_8k", "cross", 1],
        ["hrbench_8k", "average", 2],
        ["mean-text", "average", 18],
      ]);
      const hr = result.rows.find((r) =>
        r.method === "sdrpn" && r.suite === "hrbench_8k" && r.metric === "single"
      )!;
      assert.equal(hr.extra?.benchmark, "hrbench");
      assert.equal(hr.extra?.split, "hrbench_8k");
      assert.equal(hr.extra?.prompt, "lmms-eval@00876ac hrbench8k doc_to_text (default kwargs)");
      assert.equal(
        hr.extra?.metricVersion,
        "lmms-eval@00876ac0f6900e642a2698e896b9848e49fe8bdf tasks/hrbench",
      );
      assert.equal(hr.extra?.limit, 4);
      assert.match(String(hr.extra?.protocol), /^offline letter extraction/);
      const doc = result.rows.find((r) => r.method === "baseline" && r.suite === "docvqa")!;
      assert.equal(doc.extra?.split, "validation");
      assert.ok(doc.ci, "a mean of per-row scores has a CI");
      // The files of the splits read, not the other splits and configs beside them.
      const F = "tests/fixtures/benchmarks";
      assert.deepEqual(result.artifacts.filter((a) => a.kind === "benchmark").map((a) => a.path), [
        `${F}/docvqa/DocVQA/validation-00000-of-00001.parquet`,
        `${F}/chartqa/data/test-00000-of-00001.parquet`,
        `${F}/ocrbench/data/test-00000-of-00001.parquet`,
        `${F}/infovqa/InfographicVQA/validation-00000-of-00001.parquet`,
        `${F}/textvqa/data/validation-00000-of-00002.parquet`,
        `${F}/textvqa/data/validation-00001-of-00002.parquet`,
        `${F}/vstar/data/test-00000-of-00001.parquet`,
        `${F}/pope/data/test-00000-of-00001.parquet`,
        `${F}/hrbench/hrbench_version_split/hrbench_4k-00000-of-00001.parquet`,
        `${F}/hrbench/hrbench_version_split/hrbench_8k.parquet`,
      ]);
      for (const method of METHODS) assert.ok(result.timing.phases?.[`throughput-${method}`] !== undefined);

      // Deterministic: the same rows from a second run (the RPN now comes from the cache).
      const again = join(tmp, "again.json");
      const second = await runScript("main_results.ts", args(again));
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual((await readResult(again)).rows, result.rows);

      const report = await runScript("report.ts", ["--results", join(tmp, "results")]);
      assert.equal(report.code, 0, report.stderr);
      const text = await Deno.readTextFile(join(tmp, "results", "REPORT.md"));
      const table1 = section(text, "## Table 1 on the real benchmarks: text-centric");
      assert.match(
        table1,
        /^Model `tests\/fixtures\/llava-tiny`, backend wasm, data `tests\/fixtures\/benchmarks` \(first 4 rows per benchmark split\)/m,
      );
      assert.match(table1, /^\| ours +\| Baseline +\|/m);
      assert.match(table1, /^\| ours +\| SD-RPN +\|/m);
      assert.match(
        table1,
        /^\| paper \(LLaVA-1\.5-7B\) \| SD-RPN +\| +33\.9 \| +20\.1 \| +37\.0 \| +22\.0 \| +58\.7 \| +34\.34 \| +0\.62× \|$/m,
      );
      assert.match(
        table1,
        /Rows evaluated \(baseline\): docvqa 3, chartqa 4, ocrbench 4, infovqa 3, textvqa 4\./,
      );
      const table2 = section(text, "## Table 2 on the real benchmarks: vision-centric");
      assert.match(table2, /^\| ours +\| ViCrop-style raw attention +\|/m);
      assert.match(table2, /Rows evaluated \(baseline\): vstar 4, pope 4, hrbench_4k 2, hrbench_8k 2\./);
      assert.match(table2, /offline letter extraction/);
      assert.match(
        section(text, "## Real benchmarks: every lmms-eval metric"),
        /^\| pope +\| pope_yes_ratio +\|/m,
      );
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

/** The text of a `## ` section up to the next one. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`${heading}\n`);
  assert.ok(start >= 0, `no section "${heading}"`);
  const end = text.indexOf("\n## ", start + heading.length);
  return text.slice(start, end < 0 ? undefined : end);
}

import assert from "node:assert/strict";
import { paperModelFor, realBenchmarkSections } from "./benchmark_tables.ts";
import { checkPaperAggregates, loadPaperTables } from "./paper.ts";
import type { Result } from "../results/schema.ts";

const paper = await loadPaperTables();
const context = { paper, checks: checkPaperAggregates(paper) };

function result(rows: Result["rows"]): Result {
  return {
    experiment: "main_results_benchmarks",
    schemaVersion: 1,
    config: { checkpoint: "/models/llava-1.5-13b-hf", real: { data: "/bench", limit: 0 } },
    configHash: "0000000000000000",
    seeds: [0],
    backend: { requested: "webgpu", active: "webgpu" },
    packages: {},
    machine: { cores: 1, cpuModel: "", os: "linux" },
    prompt: { template: "T", metricVariant: "M" },
    rows,
    artifacts: [],
    timing: { startedAt: "2026-01-01T00:00:00.000Z", endedAt: "2026-01-01T00:00:01.000Z", seconds: 1 },
  };
}

Deno.test("without a real-benchmark result there are no sections", () => {
  assert.deepEqual(realBenchmarkSections(undefined, context), []);
});

Deno.test("the paper rows beside ours are the 13B ones for a 13B checkpoint, else 7B", () => {
  assert.equal(paperModelFor("/models/llava-1.5-13b-hf"), "LLaVA-1.5-13B");
  assert.equal(paperModelFor("/models/llava-1.5-7b-hf"), "LLaVA-1.5-7B");
  assert.equal(paperModelFor("data/base"), "LLaVA-1.5-7B");
});

Deno.test("real-benchmark tables put our cells, CIs and the run's data beside the paper's", () => {
  const [t1, t2, details] = realBenchmarkSections(
    result([
      { method: "baseline", suite: "docvqa", metric: "anls", value: 21.456, n: 5349, ci: [20.1, 22.8] },
      { method: "baseline", suite: "pope", metric: "pope_f1_score", value: 85.9, n: 9000 },
      { method: "baseline", suite: "pope", metric: "pope_recall", value: 80.25, n: 9000 },
    ]),
    context,
  );
  assert.match(
    t1!,
    /^Model `\/models\/llava-1\.5-13b-hf`, backend webgpu, data `\/bench` \(all rows\), RPN trained on the testbed teacher set, seeds 0; /m,
  );
  assert.match(t1!, /^\| ours +\| Baseline +\| 21\.46 \[20\.10, 22\.80\] \| +— \|/m);
  assert.match(t1!, /^\| paper \(LLaVA-1\.5-13B\) \| Baseline +\| +23\.5 \|/m);
  assert.match(
    t1!,
    /Rows evaluated \(baseline\): docvqa 5349, chartqa —, ocrbench —, infovqa —, textvqa —\./,
  );
  assert.match(t2!, /^\| ours +\| Baseline +\| +— \| +— \| +— \| +85\.90 \|/m);
  assert.match(details!, /^\| pope +\| pope_recall +\| +80\.25 \| 9000 \|$/m);
});

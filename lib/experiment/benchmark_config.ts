/**
 * Config of an experiment run on the paper's real benchmarks instead of the testbed suites: the config
 * key `real` (set with `--data DIR`, `--benchmarks a,b|all`, `--limit N`, or `--set real.<key>=…`), the
 * released confidence thresholds per benchmark and where such a run writes its result.
 */
import { join } from "node:path";
import { z } from "zod";
import type { BenchmarkName } from "../benchmarks/registry.ts";
import { REAL_BENCHMARKS_EXPERIMENT } from "./conventions.ts";

export const RealBenchmarksSchema = z.strictObject({
  data: z.string().default("").describe(
    "folder of the real benchmarks (lib/benchmarks/load.ts layout); empty = the testbed suites",
  ),
  benchmarks: z.string().default("all").describe("benchmarks to evaluate: comma-separated names, or all"),
  limit: z.int().nonnegative().default(0).describe("first N rows of each benchmark split (0 = all)"),
  maxNewTokens: z.int().nonnegative().default(0).describe(
    "cap on generated tokens (0 = the lmms-eval task's max_new_tokens)",
  ),
  chunk: z.int().positive().default(64).describe(
    "rows decoded, encoded and answered at a time (bounds memory: real images are large)",
  ),
});
export type RealBenchmarksConfig = z.infer<typeof RealBenchmarksSchema>;

/**
 * The config key of a script that can run on the real benchmarks. Absent unless given (`--data` or
 * `--set real.…`), so a testbed run's recorded config and config hash stay what they were before the key existed.
 */
export const realBenchmarkFields = {
  real: RealBenchmarksSchema.optional(),
};

/** `--data`, `--benchmarks`, `--limit` (lib/experiment/shorthands.ts). */
export const REAL_SHORTHANDS: Readonly<Record<string, string>> = {
  data: "real.data",
  benchmarks: "real.benchmarks",
  limit: "real.limit",
};

/**
 * τ_conf per benchmark (SD-RPN-SPEC §5.3, the released defaults): 0.15 text-centric, 0.10 DocVQA / V* /
 * HR-Bench, 0.05 OCRBench; POPE is not in the released list and takes the text-centric 0.15 (as its
 * testbed analogue does, lib/roi/thresholds.ts).
 */
export const BENCHMARK_THRESHOLDS: Readonly<Record<BenchmarkName, number>> = {
  docvqa: 0.10,
  chartqa: 0.15,
  ocrbench: 0.05,
  infovqa: 0.15,
  textvqa: 0.15,
  vstar: 0.10,
  pope: 0.15,
  hrbench: 0.10,
};

/**
 * Where a real-benchmark run writes: `out` when given, else results/scratch/benchmarks/ — never the
 * canonical results/ folder, whose REPORT.md is regenerated from testbed results only.
 */
export function realResultPath(out: string): string {
  return out !== "" ? out : join("results", "scratch", "benchmarks", `${REAL_BENCHMARKS_EXPERIMENT}.json`);
}

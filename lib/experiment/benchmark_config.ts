/**
 * Config of an experiment run on the paper's real benchmarks instead of the testbed suites: the config
 * key `real` (set with `--data DIR`, `--benchmarks a,b|all`, `--limit N`, or `--set real.<key>=…`), the
 * and where such a run writes its result. The released confidence thresholds per benchmark live beside the
 * benchmark names (lib/benchmarks/registry.ts).
 */
import { join } from "node:path";
import { z } from "zod";
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
 * Where a real-benchmark run writes: `out` when given, else results/scratch/benchmarks/ — never the
 * canonical results/ folder, whose REPORT.md is regenerated from testbed results only.
 */
export function realResultPath(out: string): string {
  return out !== "" ? out : join("results", "scratch", "benchmarks", `${REAL_BENCHMARKS_EXPERIMENT}.json`);
}

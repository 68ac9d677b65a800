import assert from "node:assert/strict";
import { z } from "zod";
import { REAL_SHORTHANDS, realBenchmarkFields, RealBenchmarksSchema } from "./benchmark_config.ts";

Deno.test("RealBenchmarksSchema defaults to every benchmark, all rows, the task's token cap, chunks of 64", () => {
  assert.deepEqual(RealBenchmarksSchema.parse({}), {
    data: "",
    benchmarks: "all",
    limit: 0,
    maxNewTokens: 0,
    chunk: 64,
  });
});

Deno.test("RealBenchmarksSchema rejects a negative limit, a zero chunk and an unknown key", () => {
  const paths = (value: unknown) =>
    RealBenchmarksSchema.safeParse(value).error?.issues.map((i) => [i.code, i.path.join(".")]);
  assert.deepEqual(paths({ limit: -1 }), [["too_small", "limit"]]);
  assert.deepEqual(paths({ chunk: 0 }), [["too_small", "chunk"]]);
  assert.deepEqual(paths({ limit: 1.5 }), [["invalid_type", "limit"]]);
  assert.deepEqual(paths({ dir: "x" }), [["unrecognized_keys", ""]]);
});

Deno.test("realBenchmarkFields leaves the key absent unless given", () => {
  const schema = z.strictObject(realBenchmarkFields);
  assert.deepEqual(schema.parse({}), {});
  assert.deepEqual(schema.parse({ real: { limit: 5 } }).real?.limit, 5);
  assert.equal(schema.parse({ real: { limit: 5 } }).real?.chunk, 64);
});

Deno.test("REAL_SHORTHANDS map the command-line flags onto real.* keys", () => {
  assert.deepEqual(REAL_SHORTHANDS, {
    data: "real.data",
    benchmarks: "real.benchmarks",
    limit: "real.limit",
  });
});

import assert from "node:assert/strict";
import { join } from "node:path";
import type { MassiveActivations } from "./analysis_schema.ts";
import { configHash } from "./hash.ts";
import { readResult, writeResult } from "./io.ts";
import type { Result } from "./schema.ts";

/** Hand-made statistics of a 3-wide model (the schema checks shapes and ranges, not the arithmetic). */
function stats(): MassiveActivations {
  return {
    layer: 4,
    samples: 2,
    tokens: 8,
    dim: 3,
    median: 0.5,
    maxAbs: [1.2, 0.9, 40],
    meanAbs: [0.6, 0.4, 2],
    top: [{ dim: 2, max: 40, mean: 2, ratio: 80 }, { dim: 0, max: 1.2, mean: 0.6, ratio: 2.4 }],
    minRatio: 100,
    massiveDims: [],
    tauNorm: 0.5413,
    sinkDims: [2],
    normedMax: 1.7,
    dimsOverTau: 3,
    tokensOverTau: 8,
    tokensFlagged: 1,
  };
}

function result(analysis?: unknown): Result {
  const config = { scale: "quick" };
  return {
    experiment: "sink_removal",
    schemaVersion: 1,
    config,
    configHash: configHash(config),
    seeds: [0],
    backend: { requested: "wasm", active: "wasm" },
    packages: { zod: "4.6.7" },
    machine: { cores: 2, cpuModel: "Test CPU", os: "linux x86_64" },
    prompt: { template: "sdrpn-chat-v1", metricVariant: "suite-native" },
    rows: [{ method: "no_sink_removal", suite: "teacher", metric: "sink_share", value: 0, n: 2 }],
    artifacts: [],
    ...(analysis === undefined ? {} : { analysis: analysis as Result["analysis"] }),
    timing: { startedAt: "2025-01-01T00:00:00.000Z", endedAt: "2025-01-01T00:01:00.000Z", seconds: 60 },
  };
}

const dir = await Deno.makeTempDir({ prefix: "sdrpn-analysis-schema-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

async function readBack(name: string, value: unknown): Promise<Result> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, JSON.stringify(value));
  return await readResult(path);
}

Deno.test("a result round-trips with an analysis block and without one (older files stay valid)", async () => {
  const unbounded = stats();
  unbounded.top = [{ dim: 2, max: 40, mean: 2, ratio: null }];
  for (
    const [name, value] of [
      ["with.json", result({ massiveActivations: stats() })],
      ["null-ratio.json", result({ massiveActivations: unbounded })],
      ["empty.json", result({})],
      ["without.json", result()],
    ] as const
  ) {
    const path = join(dir, name);
    await writeResult(path, value);
    const back = await readResult(path);
    assert.deepEqual(back, value);
    assert.equal("analysis" in back, name !== "without.json");
  }
});

Deno.test("an analysis block with a wrong shape names the key and what was expected", async () => {
  const short = { ...stats(), meanAbs: [0.6, 0.4] };
  await assert.rejects(readBack("short.json", result({ massiveActivations: short })), {
    message:
      `Malformed result file "${join(dir, "short.json")}": analysis.massiveActivations.meanAbs: has 2 ` +
      "values, expected one per hidden dimension (3)",
  });
  const outside = { ...stats(), sinkDims: [3] };
  await assert.rejects(readBack("outside.json", result({ massiveActivations: outside })), {
    message:
      `Malformed result file "${join(dir, "outside.json")}": analysis.massiveActivations: dimension "3" ` +
      "is outside [0, 2]",
  });
  await assert.rejects(readBack("unknown.json", result({ attention: {} })), (error: Error) => {
    assert.ok(error.message.startsWith(`Malformed result file "${join(dir, "unknown.json")}": analysis: `));
    assert.match(error.message, /attention/);
    return true;
  });
});

Deno.test("sink_share rows are shares: a value above 1 is rejected", async () => {
  const bad = result();
  bad.rows = [{ method: "attention_sinks", suite: "teacher", metric: "sink_share", value: 1.5, n: 2 }];
  await assert.rejects(readBack("share.json", bad), {
    message:
      `Malformed result file "${join(dir, "share.json")}": rows.0.value: "1.5" is outside [0, 1], the ` +
      'range of metric "sink_share"',
  });
});

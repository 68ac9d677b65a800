import assert from "node:assert/strict";
import { join } from "node:path";
import { machineInfo, packageVersions, parsePackageVersions, readResult, writeResult } from "./io.ts";
import type { Result } from "./schema.ts";

// configHash({ lr: 0.001, steps: 200 }), computed with sha256sum (see hash_test.ts).
const HASH = "b12eeea975f2cc41";

function sample(): Result {
  return {
    experiment: "sink-removal",
    schemaVersion: 1,
    config: { steps: 200, lr: 0.001 },
    configHash: HASH,
    seeds: [0, 1],
    backend: { requested: "auto", active: "wasm" },
    packages: { zod: "4.6.7", "@tensorflow/tfjs": "4.22.0" },
    machine: { cores: 2, cpuModel: "Test CPU", os: "linux x86_64" },
    prompt: { template: "v1", metricVariant: "official" },
    rows: [{ method: "sd-rpn", suite: "docs", metric: "anls", value: 51.5, n: 200, extra: { z: 1, a: 2 } }],
    artifacts: [],
    timing: {
      startedAt: "2024-01-01T00:00:00.000Z",
      endedAt: "2024-01-01T00:01:00.000Z",
      seconds: 60,
      phases: { train: 40, eval: 20 },
    },
  };
}

const GOLDEN = `{
  "experiment": "sink-removal",
  "schemaVersion": 1,
  "config": {
    "lr": 0.001,
    "steps": 200
  },
  "configHash": "b12eeea975f2cc41",
  "seeds": [
    0,
    1
  ],
  "backend": {
    "requested": "auto",
    "active": "wasm"
  },
  "packages": {
    "@tensorflow/tfjs": "4.22.0",
    "zod": "4.6.7"
  },
  "machine": {
    "cores": 2,
    "cpuModel": "Test CPU",
    "os": "linux x86_64"
  },
  "prompt": {
    "template": "v1",
    "metricVariant": "official"
  },
  "rows": [
    {
      "method": "sd-rpn",
      "suite": "docs",
      "metric": "anls",
      "value": 51.5,
      "n": 200,
      "extra": {
        "a": 2,
        "z": 1
      }
    }
  ],
  "artifacts": [],
  "timing": {
    "startedAt": "2024-01-01T00:00:00.000Z",
    "endedAt": "2024-01-01T00:01:00.000Z",
    "seconds": 60,
    "phases": {
      "eval": 20,
      "train": 40
    }
  }
}
`;

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("writeResult() writes schema-ordered fields with free-form records key-sorted", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "out", "r.json");
    await writeResult(path, sample());
    assert.equal(await Deno.readTextFile(path), GOLDEN);
  });
});

Deno.test("writeResult() output does not depend on the input's key order", async () => {
  await withTempDir(async (dir) => {
    const a = sample();
    // Same values, every object built in a different key order.
    const b = Object.fromEntries(Object.entries(sample()).reverse()) as Result;
    b.config = { lr: 0.001, steps: 200 };
    b.backend = { active: "wasm", requested: "auto" };
    await writeResult(join(dir, "a.json"), a);
    await writeResult(join(dir, "b.json"), b);
    assert.equal(await Deno.readTextFile(join(dir, "b.json")), await Deno.readTextFile(join(dir, "a.json")));
  });
});

Deno.test("readResult() returns what writeResult() wrote", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "r.json");
    await writeResult(path, sample());
    assert.deepEqual(await readResult(path), sample());
  });
});

Deno.test("writeResult() rejects an invalid result and writes nothing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "r.json");
    const bad = sample();
    bad.rows[0]!.value = NaN;
    await assert.rejects(() => writeResult(path, bad), {
      message: `Invalid result for "${path}": rows.0.value: Invalid input: expected number, received NaN`,
    });
    assert.deepEqual([...Deno.readDirSync(dir)], []);
  });
});

Deno.test("readResult() reports a missing file", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "nope.json");
    await assert.rejects(() => readResult(path), {
      message: `Cannot read result file "${path}": file not found`,
    });
  });
});

Deno.test("readResult() reports invalid JSON with the parser's message", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "r.json");
    await Deno.writeTextFile(path, "{");
    await assert.rejects(() => readResult(path), {
      message: `Malformed result file "${path}": invalid JSON ` +
        `(Expected property name or '}' in JSON at position 1 (line 1 column 2))`,
    });
  });
});

Deno.test("readResult() reports the first schema error with its dotted path", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "r.json");
    const raw = JSON.parse(GOLDEN);
    raw.rows[0].n = "200";
    await Deno.writeTextFile(path, JSON.stringify(raw));
    await assert.rejects(() => readResult(path), {
      message: `Malformed result file "${path}": rows.0.n: Invalid input: expected number, received string`,
    });
    delete raw.rows[0].n;
    raw.rows[0].n = 200;
    raw.surprise = true;
    await Deno.writeTextFile(path, JSON.stringify(raw));
    await assert.rejects(() => readResult(path), {
      message: `Malformed result file "${path}": Unrecognized key: "surprise"`,
    });
  });
});

Deno.test("readResult() rejects a result whose config was edited after hashing", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "r.json");
    await Deno.writeTextFile(path, GOLDEN.replace('"steps": 200', '"steps": 300'));
    await assert.rejects(() => readResult(path), (error: Error) => {
      assert.match(
        error.message,
        /^Malformed result file ".*": configHash: "b12eeea975f2cc41" does not match the config/,
      );
      return true;
    });
  });
});

Deno.test("machineInfo() reports cores, a CPU model and the OS", () => {
  const info = machineInfo();
  assert.ok(Number.isInteger(info.cores) && info.cores >= 1);
  assert.equal(info.cores, navigator.hardwareConcurrency);
  assert.ok(info.cpuModel.length > 0);
  assert.equal(info.cpuModel, info.cpuModel.trim());
  assert.equal(info.os, `${Deno.build.os} ${Deno.build.arch}`);
  assert.deepEqual(machineInfo(), info, "stable across calls");
});

Deno.test("parsePackageVersions() reads npm and jsr specifiers, scoped or not, with subpaths", () => {
  assert.deepEqual(
    parsePackageVersions({
      zod: "npm:zod@4.6.7",
      tf: "npm:@tensorflow/tfjs@4.22.0",
      sub: "npm:@scope/pkg@1.2.3/sub/path",
      std: "jsr:@std/path@1.0.8",
      local: "./lib/mod.ts",
      unpinned: "npm:left-pad",
      remote: "https://example.com/x.ts",
    }),
    { "@scope/pkg": "1.2.3", "@std/path": "1.0.8", "@tensorflow/tfjs": "4.22.0", zod: "4.6.7" },
  );
  assert.deepEqual(parsePackageVersions({}), {});
});

Deno.test("packageVersions() reads a deno.json and adds the Deno version", async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, "deno.json");
    await Deno.writeTextFile(path, JSON.stringify({ imports: { sharp: "npm:sharp@0.35.5" } }));
    assert.deepEqual(packageVersions(path), { sharp: "0.35.5", deno: Deno.version.deno });
    await Deno.writeTextFile(path, JSON.stringify({ tasks: {} }));
    assert.deepEqual(packageVersions(path), { deno: Deno.version.deno });
    await Deno.writeTextFile(path, JSON.stringify({ imports: [] }));
    assert.throws(() => packageVersions(path), {
      message: `Cannot read package versions from "${path}": "imports" is not an object`,
    });
  });
});

Deno.test("packageVersions() defaults to the project's deno.json", () => {
  const versions = packageVersions();
  assert.match(versions.zod ?? "", /^\d+\.\d+\.\d+/);
  assert.equal(versions.deno, Deno.version.deno);
});

import assert from "node:assert/strict";
import { join } from "node:path";
import { SHIPPED_CHECKPOINT_HASH } from "./destination.ts";
import { type OpenedRun, preflight } from "./preflight.ts";

const run: OpenedRun = {
  counts: { layers: 8, heads: 2, grid: 8 },
  checkpointHash: SHIPPED_CHECKPOINT_HASH,
  backend: "wasm",
};

/** Command-line facts of a default-scale run whose preset is n = 10, seed 0. */
function args(config: Record<string, unknown>, setKeys: string[], presetOut = "") {
  return {
    config: { n: 10, out: "", ...config },
    scale: "default" as const,
    seeds: [0],
    preset: { config: { n: 10, out: presetOut }, seeds: [0] },
    setKeys,
  };
}

Deno.test("preflight() rejects a config value the model cannot take, even for a step that writes nothing", async () => {
  await assert.rejects(preflight("eval_base", args({ teacher: { layer: 8 } }, ["teacher.layer"]), run), {
    message:
      'Invalid value "8" for config key "teacher.layer": expected an integer from 0 to 7 (the model has 8 decoder layers)',
  });
  await assert.rejects(
    preflight("eval_base", args({ teacher: { layer: -1 } }, ["teacher.layer"]), run, { writes: false }),
    {
      message:
        'Invalid value "-1" for config key "teacher.layer": expected an integer from 0 to 7 (the model has 8 decoder layers)',
    },
  );
});

Deno.test("preflight() with writes: false validates and returns no destination", async () => {
  const logged: string[] = [];
  const dest = await preflight("eval_base", args({ teacher: { layer: 7 } }, []), run, {
    writes: false,
    log: (m) => logged.push(m),
  });
  assert.equal(dest, undefined);
  assert.deepEqual(logged, []);
});

Deno.test("preflight() honours a given out, checks it is writable and says why the run is not canonical", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = join(dir, "sub", "x.json");
    const logged: string[] = [];
    const dest = await preflight("eval_base", args({ n: 2, out }, ["n", "out"]), run, {
      log: (m) => logged.push(m),
    });
    assert.deepEqual(dest, {
      path: out,
      canonical: false,
      differences: ['config key "n" = 2 instead of 10'],
    });
    // The folder was created for the write, and the probe file is gone.
    assert.deepEqual([...Deno.readDirSync(join(dir, "sub"))], []);
    assert.deepEqual(logged, [
      `the result goes to ${out} (not the canonical run: config key "n" = 2 instead of 10)`,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("preflight() blames the out key when the given path is a folder", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(preflight("eval_base", args({ out: dir }, ["out"]), run), {
      message: `Invalid value "${dir}" for config key "out": it is a folder, expected a file`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("preflight() of the canonical run writes to the preset's out and logs nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const presetOut = join(dir, "eval_base.json");
    const logged: string[] = [];
    const dest = await preflight("eval_base", args({ out: presetOut }, [], presetOut), run, {
      log: (m) => logged.push(m),
    });
    assert.deepEqual(dest, { path: presetOut, canonical: true, differences: [] });
    assert.deepEqual(logged, []);
    // The same path when it is a folder is not the user's doing: the error names the result, not a key.
    await Deno.mkdir(presetOut);
    await assert.rejects(preflight("eval_base", args({ out: presetOut }, [], presetOut), run), {
      message: `Cannot write the result "${presetOut}": it is a folder, expected a file`,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { defineCli, type Scale } from "../cli/mod.ts";
import {
  CANONICAL_BACKEND,
  checkReportDestination,
  checkWritable,
  describeDestination,
  driverResultsDir,
  presetDifferences,
  resultDestination,
  type RunFacts,
  runHash,
  runResultsDir,
  SHIPPED_CHECKPOINT_HASH,
} from "./destination.ts";

/** A runner-style script: `out` empty by default, n and seeds cut down at quick scale. */
const runnerCli = defineCli({
  name: "main_results",
  description: "test",
  schema: z.strictObject({
    n: z.int().positive().default(200),
    teacher: z.strictObject({ layer: z.int().default(4) }).default({ layer: 4 }),
    out: z.string().default(""),
  }),
  scales: { quick: { n: 40 }, default: {}, full: { n: 600 } },
  seedCount: { default: 3 },
});

/** An eval-base-style script: each scale's preset names its own result file. */
const ownFileCli = defineCli({
  name: "eval-base",
  description: "test",
  schema: z.strictObject({
    n: z.int().positive().default(300),
    out: z.string().default("results/eval_base.json"),
  }),
  scales: {
    quick: { n: 40, out: "results/scratch/eval_base-quick.json" },
    default: {},
    full: { n: 1000, out: "results/scratch/eval_base-full.json" },
  },
});

type Parse = (argv: string[]) => ReturnType<typeof runnerCli.parse> | ReturnType<typeof ownFileCli.parse>;

function facts(parse: Parse, argv: string[], opened: Partial<RunFacts> = {}): RunFacts {
  const args = parse(argv);
  return {
    scale: args.scale,
    config: args.config,
    seeds: args.seeds,
    preset: args.preset,
    outGiven: args.setKeys.includes("out"),
    checkpointHash: SHIPPED_CHECKPOINT_HASH,
    backend: CANONICAL_BACKEND,
    ...opened,
  };
}

const runner: Parse = (argv) => runnerCli.parse(argv);
const ownFile: Parse = (argv) => ownFileCli.parse(argv);

Deno.test("resultDestination() sends the canonical run, and only it, to results/", () => {
  const dest = resultDestination("main_results", facts(runner, []));
  assert.deepEqual(dest, { path: "results/main_results.json", canonical: true, differences: [] });
  // A value given with --set that equals the default changes nothing.
  assert.equal(resultDestination("main_results", facts(runner, ["--set", "n=200"])).canonical, true);
  assert.equal(resultDestination("main_results", facts(runner, ["--seeds", "0,1,2"])).canonical, true);
  assert.deepEqual(resultDestination("eval_base", facts(ownFile, [])), {
    path: "results/eval_base.json",
    canonical: true,
    differences: [],
  });
});

Deno.test("resultDestination() sends an overridden default-scale run to results/scratch/<hash>/", () => {
  const f = facts(ownFile, ["--set", "n=2"]);
  const dest = resultDestination("eval_base", f);
  assert.equal(dest.canonical, false);
  assert.deepEqual(dest.differences, ['config key "n" = 2 instead of 300']);
  assert.match(dest.path, /^results\/scratch\/[0-9a-f]{16}\/eval_base\.json$/);
  assert.equal(dest.path, join("results", "scratch", runHash(f), "eval_base.json"));
  assert.equal(
    describeDestination(dest),
    `${dest.path} (not the canonical run: config key "n" = 2 instead of 300)`,
  );
});

Deno.test("runHash() is the SHA-256 of the run's scale, config without out, seeds, weights and backend", () => {
  const f = facts(runner, ["--set", "n=2", "--set", "out=/tmp/x.json"]);
  // canonicalJson by hand: keys sorted at every level, `out` left out.
  const json =
    '{"backend":"wasm","checkpointHash":"1d9a7ae860d4a675","config":{"n":2,"teacher":{"layer":4}},' +
    '"scale":"default","seeds":[0,1,2]}';
  const expected = createHash("sha256").update(json, "utf8").digest("hex").slice(0, 16);
  assert.equal(runHash(f), expected);
  assert.equal(runHash(facts(runner, ["--set", "n=2"])), expected, "out does not change the hash");
  assert.notEqual(runHash(facts(runner, ["--set", "n=3"])), expected);
});

Deno.test("presetDifferences() names config keys, seeds, a foreign checkpoint and another backend", () => {
  const f = facts(runner, ["--set", "teacher.layer=2", "--seeds", "5"], {
    checkpointHash: "abcd",
    backend: "cpu",
  });
  assert.deepEqual(presetDifferences(f), [
    'config key "teacher.layer" = 2 instead of 4',
    "seeds 5 instead of 0,1,2",
    'checkpoint weights "abcd" instead of the shipped "1d9a7ae860d4a675"',
    "backend cpu instead of wasm",
  ]);
  assert.deepEqual(presetDifferences({ ...f, preset: undefined }), [
    "the scale has no complete preset config",
  ]);
  // Unknown weights or backend (reproduce, before its experiments run) are not differences.
  const { checkpointHash: _c, backend: _b, ...unknown } = facts(runner, []);
  assert.deepEqual(presetDifferences(unknown), []);
});

Deno.test("resultDestination() keeps the quick and full preset runs in their scale's scratch place", () => {
  for (const scale of ["quick", "full"] as Scale[]) {
    assert.deepEqual(resultDestination("main_results", facts(runner, ["--scale", scale])), {
      path: `results/scratch/${scale}/main_results.json`,
      canonical: false,
      differences: [],
    });
    assert.equal(runResultsDir(facts(runner, ["--scale", scale])), `results/scratch/${scale}`);
  }
  assert.equal(
    resultDestination("eval_base", facts(ownFile, ["--scale", "quick"])).path,
    "results/scratch/eval_base-quick.json",
  );
  // Overrides at quick scale leave the quick place alone too.
  assert.match(
    resultDestination("main_results", facts(runner, ["--scale", "quick", "--set", "n=2"])).path,
    /^results\/scratch\/[0-9a-f]{16}\/main_results\.json$/,
  );
});

Deno.test("resultDestination() honours a given out outside results/, canonical run or not", () => {
  const dest = resultDestination(
    "main_results",
    facts(runner, ["--set", "n=2", "--set", "out=/tmp/r/x.json"]),
  );
  assert.deepEqual(dest, {
    path: "/tmp/r/x.json",
    canonical: false,
    differences: ['config key "n" = 2 instead of 200'],
  });
  assert.equal(
    resultDestination(
      "main_results",
      facts(runner, ["--scale", "quick", "--set", "out=results/scratch/q/a.json"]),
    )
      .path,
    "results/scratch/q/a.json",
  );
  // An empty out is the default destination.
  assert.equal(
    resultDestination("eval_base", facts(ownFile, ["--set", "out="])).path,
    "results/eval_base.json",
  );
});

Deno.test("resultDestination() refuses a canonical file for a run that is not canonical", () => {
  assert.throws(
    () =>
      resultDestination("eval_base", facts(ownFile, ["--set", "n=2", "--set", "out=results/eval_base.json"])),
    {
      message:
        'Refusing to write "results/eval_base.json": results/ holds the canonical results and this run is ' +
        'not canonical (config key "n" = 2 instead of 300); leave out "out" to write under results/scratch/, or ' +
        "name a file outside results/",
    },
  );
  assert.throws(
    () =>
      resultDestination(
        "main_results",
        facts(runner, ["--scale", "quick", "--set", "out=./results/other.json"]),
      ),
    {
      message:
        'Refusing to write "./results/other.json": results/ holds the canonical results and this run is ' +
        'not canonical (quick scale); leave out "out" to write under results/scratch/, or name a file outside ' +
        "results/",
    },
  );
  // The canonical run may name its own file (reproduce does).
  const ok = resultDestination("main_results", facts(runner, ["--set", "out=results/main_results.json"]));
  assert.deepEqual(ok, { path: "results/main_results.json", canonical: true, differences: [] });
});

Deno.test("checkWritable() fails before the run on a folder or a path below a file, and leaves no probe", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assert.rejects(() => checkWritable(`${dir}/`, "out"), {
      message: `Invalid value "${dir}/" for config key "out": it names a folder, expected a file`,
    });
    await assert.rejects(() => checkWritable(dir), {
      message: `Cannot write the result "${dir}": it is a folder, expected a file`,
    });
    await Deno.writeTextFile(join(dir, "file"), "x");
    await assert.rejects(() => checkWritable(join(dir, "file", "sub", "r.json"), "out"), {
      message:
        `Invalid value "${dir}/file/sub/r.json" for config key "out": "${dir}/file" is a file, not a folder`,
    });
    await checkWritable(join(dir, "new", "r.json"));
    assert.deepEqual(readdirSync(join(dir, "new")), [], "the folder is created and the probe removed");
    assert.equal(existsSync(join(dir, "new", "r.json")), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("checkReportDestination() keeps results/REPORT.md for a report of results/ itself", () => {
  checkReportDestination("results", "results/REPORT.md");
  checkReportDestination("./results/", "results/REPORT.md");
  checkReportDestination("results/scratch/quick", "results/scratch/quick/REPORT.md");
  checkReportDestination("results/scratch/quick", "/tmp/REPORT.md");
  assert.throws(() => checkReportDestination("results/scratch/quick", "results/REPORT.md"), {
    message:
      'Refusing to write "results/REPORT.md": results/ holds the canonical report, built from results/ ' +
      'only, not from "results/scratch/quick"; leave out --out to write it beside those results, or name a file ' +
      "outside results/",
  });
});

Deno.test("driverResultsDir() puts reproduce's preset runs in their place, and a changed one under its hash", () => {
  const reproduce = defineCli({
    name: "reproduce",
    description: "test",
    schema: z.strictObject({
      experiments: z.array(z.string()).default(["a", "b"]),
      set: z.array(z.string()).default([]),
    }),
    scales: { quick: {}, default: {}, full: {} },
    seedCount: { default: 3 },
  });
  const dir = (argv: string[]) => driverResultsDir(reproduce.parse(argv), ["experiments"]);
  assert.equal(dir(["--scale", "quick"]), "results/scratch/quick");
  assert.equal(dir(["--scale", "full", "--backend", "wasm"]), "results/scratch/full");
  assert.equal(dir([]), "results");
  assert.equal(dir(["--set", 'experiments=["a"]']), "results", "a subset of experiments is still canonical");
  assert.match(dir(["--set", 'set=["n=2"]']), /^results\/scratch\/[0-9a-f]{16}$/);
  assert.match(dir(["--backend", "cpu"]), /^results\/scratch\/[0-9a-f]{16}$/);
  assert.match(dir(["--seeds", "4"]), /^results\/scratch\/[0-9a-f]{16}$/);
});

/**
 * `deno task report` end to end: result files on disk → REPORT.md + figures, byte-identical on a second
 * run; a malformed result stops it with one error naming the file. Runs the script as a subprocess,
 * exactly as `deno task report` does.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { configHash } from "../lib/results/hash.ts";
import { writeResult } from "../lib/results/io.ts";
import { fixtureResults } from "../lib/report/test_helpers.ts";
import { runScript } from "./script.ts";

/** `deno run -A experiments/report.ts ...args`, as `deno task report` runs it. */
const report = (args: string[]) => runScript("report.ts", args);

/** A results folder with every fixture written as the experiments write their results. */
async function resultsDir(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "sdrpn-report-" });
  for (const result of fixtureResults()) await writeResult(join(dir, `${result.experiment}.json`), result);
  return dir;
}

async function snapshot(dir: string): Promise<Record<string, Uint8Array>> {
  const files: Record<string, Uint8Array> = { "REPORT.md": await Deno.readFile(join(dir, "REPORT.md")) };
  for await (const entry of Deno.readDir(join(dir, "figures"))) {
    files[`figures/${entry.name}`] = await Deno.readFile(join(dir, "figures", entry.name));
  }
  return files;
}

Deno.test("report --help prints the usage", async () => {
  const run = await report(["--help"]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(run.stdout.startsWith("report: results/*.json → REPORT.md + SVG figures"));
  assert.match(run.stdout, /--results <dir>/);
});

Deno.test("report writes REPORT.md and figures, and a second run gives identical bytes", async () => {
  const dir = await resultsDir();
  try {
    const first = await report(["--results", dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(
      first.stderr,
      `report: 7 result files from ${dir} → ${join(dir, "REPORT.md")} (6 figures)\n`,
    );
    const a = await snapshot(dir);
    assert.deepEqual(Object.keys(a).sort(), [
      "REPORT.md",
      "figures/accuracy_vs_throughput.svg",
      "figures/data_size.svg",
      "figures/example_1_pope_0.svg",
      "figures/layer_split.svg",
      "figures/sweep_masked_upscaling_tau.svg",
      "figures/sweep_raw_attention_baseline_layer.svg",
    ]);
    const text = new TextDecoder().decode(a["REPORT.md"]);
    assert.ok(text.startsWith("# SD-RPN reproduction report\n"));
    assert.ok(text.includes("![Accuracy vs number of teacher samples](figures/data_size.svg)"));
    assert.ok(text.includes("![Example 1: pope-0](figures/example_1_pope_0.svg)"));
    // The example's image and crop are regenerated from the testbed and embedded as PNG data URIs.
    const example = new TextDecoder().decode(a["figures/example_1_pope_0.svg"]);
    assert.equal(example.match(/href="data:image\/png;base64,/g)?.length, 2);
    const second = await report(["--results", dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(await snapshot(dir), a);
    // No temp files are left behind by the atomic writes.
    for await (const entry of Deno.readDir(join(dir, "figures"))) {
      assert.ok(entry.name.endsWith(".svg"), entry.name);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report reads only *.json directly in the folder and honours --out", async () => {
  const dir = await resultsDir();
  try {
    await Deno.mkdir(join(dir, "scratch"));
    await Deno.writeTextFile(join(dir, "scratch", "broken.json"), "{");
    await Deno.writeTextFile(join(dir, "notes.txt"), "not a result");
    const out = join(dir, "elsewhere", "R.md");
    const run = await report(["--results", dir, "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    const inFolder = await snapshot(dir).catch(() => undefined);
    assert.equal(inFolder, undefined, "nothing is written beside the results when --out points elsewhere");
    assert.ok((await Deno.stat(join(dir, "elsewhere", "figures", "data_size.svg"))).isFile);
    assert.ok((await Deno.readTextFile(out)).includes("## Claims"));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report stops with one error naming a malformed result file", async () => {
  const dir = await resultsDir();
  try {
    const path = join(dir, "main_results.json");
    const raw = JSON.parse(await Deno.readTextFile(path));
    raw.rows[0].value = "high";
    await Deno.writeTextFile(path, JSON.stringify(raw));
    const run = await report(["--results", dir]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `error: Malformed result file "${path}": rows.0.value: Invalid input: expected number, received string\n`,
    );
    await Deno.writeTextFile(path, "{ not json");
    const again = await report(["--results", dir]);
    assert.equal(again.code, 1);
    assert.match(
      again.stderr,
      new RegExp(`^error: Malformed result file "${path}": invalid JSON \\(.+\\)\\n$`),
    );
    await assert.rejects(Deno.stat(join(dir, "REPORT.md")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report refuses results of mixed scales or checkpoints unless --allow-mixed, then says so", async () => {
  const dir = await resultsDir();
  try {
    const path = join(dir, "eval-base.json");
    const raw = JSON.parse(await Deno.readTextFile(path));
    raw.config.scale = "quick";
    raw.configHash = configHash(raw.config);
    raw.artifacts = [{ kind: "checkpoint", path: "/tmp/x/model.safetensors", hash: "00000000deadbeef" }];
    await Deno.writeTextFile(path, JSON.stringify(raw));
    const others = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name)
      .filter((n) => n.endsWith(".json") && n !== "eval-base.json").sort();
    const refused = await report(["--results", dir]);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      // Groups in file order: data_size_sweep.json comes first.
      `error: Results in "${dir}" do not share scale and checkpoint: scale "default" (${
        others.join(", ")
      }), ` +
        `scale "quick" (eval-base.json); pass --allow-mixed to build the report anyway, with each ` +
        "result's source listed\n",
    );
    await assert.rejects(Deno.stat(join(dir, "REPORT.md")), Deno.errors.NotFound);

    const allowed = await report(["--results", dir, "--allow-mixed"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.ok(
      allowed.stderr.startsWith(`report: warning: Results in "${dir}" do not share scale and checkpoint`),
    );
    const text = await Deno.readTextFile(join(dir, "REPORT.md"));
    assert.match(text, /## Mixed sources\n\n\*\*Warning:\*\* the results below do not share/);
    assert.match(text, /\| `eval_base` +\| quick +\| `00000000deadbeef` \|/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report stops on an example it cannot regenerate: unknown suite or another sample", async () => {
  const dir = await resultsDir();
  try {
    const path = join(dir, "main_results.json");
    const raw = JSON.parse(await Deno.readTextFile(path));
    raw.examples[0].suite = "mmvp";
    await Deno.writeTextFile(path, JSON.stringify(raw));
    const unknown = await report(["--results", dir]);
    assert.equal(unknown.code, 1);
    assert.equal(
      unknown.stderr,
      `error: Malformed result file "${path}": examples.0.suite: unknown suite "mmvp": expected one of ` +
        "train-scenes, train-covers, doc, textvqa, ocr, chart, info, vstar-attr, vstar-spatial, pope, hr\n",
    );
    raw.examples[0].suite = "pope";
    raw.examples[0].dataSeed = 7;
    await Deno.writeTextFile(path, JSON.stringify(raw));
    const other = await report(["--results", dir]);
    assert.equal(other.code, 1);
    assert.match(
      other.stderr,
      /^error: Example "pope-0" does not match sample 0 of "pope" \(data seed 7\), which has .+: was it recorded with another generator\?\n$/,
    );
    await assert.rejects(Deno.stat(join(dir, "REPORT.md")), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report rejects a missing folder and unknown options with clear errors", async () => {
  const missing = await report(["--results", "/nonexistent/sdrpn-results"]);
  assert.equal(missing.code, 1);
  assert.equal(
    missing.stderr,
    'error: Cannot read results folder "/nonexistent/sdrpn-results": folder not found\n',
  );
  const unknown = await report(["--scale", "quick"]);
  assert.equal(unknown.code, 1);
  assert.equal(unknown.stderr, 'error: Unknown option "--scale" (see --help)\n');
});

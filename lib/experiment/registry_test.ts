import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { EXPERIMENTS } from "./conventions.ts";
import {
  EXPERIMENT_REGISTRY,
  experimentEntry,
  experimentIn,
  experimentsIn,
  PAIRED_DIFFERENCES,
  REPORT_SECTIONS,
  REPRODUCE_EXPERIMENTS,
  SEED_FREE_EXPERIMENTS,
  TOOL_TASKS,
} from "./registry.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const tasks =
  (JSON.parse(readFileSync(`${ROOT}deno.json`, "utf8")) as { tasks: Record<string, string> }).tasks;

Deno.test("every registry entry has its script and a deno.json task that runs it", () => {
  for (const e of EXPERIMENT_REGISTRY) {
    assert.ok(existsSync(`${ROOT}experiments/${e.script}.ts`), `experiments/${e.script}.ts`);
    assert.equal(tasks[e.task], `deno run -A experiments/${e.script}.ts`, `task "${e.task}"`);
  }
});

Deno.test("every deno.json task that runs a script is a registry entry or a listed tool", () => {
  const known = new Set([...EXPERIMENT_REGISTRY.map((e) => e.task), ...TOOL_TASKS]);
  const scripts = Object.entries(tasks).filter(([, cmd]) => /experiments\/\w+\.ts/.test(cmd));
  assert.deepEqual(scripts.map(([name]) => name).filter((name) => !known.has(name)), []);
  for (const t of TOOL_TASKS) assert.ok(t in tasks, `tool task "${t}"`);
});

Deno.test("every experiment name has exactly one registry entry", () => {
  const names = EXPERIMENT_REGISTRY.map((e) => e.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual([...names].sort(), Object.values(EXPERIMENTS).sort());
});

Deno.test("reproduce runs the paper experiments in registry order, the training-free ones with one seed", () => {
  assert.deepEqual(REPRODUCE_EXPERIMENTS, [
    "main_results",
    "raw_attention_baseline",
    "label_assignment",
    "sink_removal",
    "masked_upscaling",
    "layer_ablation",
    "data_size_sweep",
    "attention_localisation",
  ]);
  assert.deepEqual(
    [...SEED_FREE_EXPERIMENTS].sort(),
    ["attention_localisation", "eval_base", "raw_attention_baseline"],
  );
});

Deno.test("the report's paired differences are the registry's, for the experiments that declare some", () => {
  assert.deepEqual(Object.keys(PAIRED_DIFFERENCES), [
    "main_results",
    "raw_attention_baseline",
    "label_assignment",
    "sink_removal",
    "masked_upscaling",
  ]);
  assert.equal(PAIRED_DIFFERENCES.main_results, experimentEntry("main_results").paired);
  assert.throws(() => experimentEntry("nope"), {
    message: 'Unknown experiment "nope" (not in lib/experiment/registry.ts)',
  });
});

Deno.test("each single-experiment report section is fed by exactly one registry entry", () => {
  const single = [
    "testbed",
    "table1",
    "table2",
    "examples",
    "layers",
    "dataSize",
    "attentionLocalisation",
  ] as const;
  assert.deepEqual(single.map(experimentIn), [
    "eval_base",
    "main_results",
    "main_results",
    "main_results",
    "layer_ablation",
    "data_size_sweep",
    "attention_localisation",
  ]);
  assert.throws(() => experimentIn("sweeps"), {
    message: 'Report section "sweeps" must be fed by exactly one experiment, registry lists 4',
  });
});

Deno.test("multi-experiment report sections list their experiments in registry order", () => {
  assert.deepEqual(experimentsIn("sweeps"), [
    "raw_attention_baseline",
    "label_assignment",
    "sink_removal",
    "masked_upscaling",
  ]);
  assert.deepEqual(experimentsIn("localisation"), [
    "main_results",
    "raw_attention_baseline",
    "label_assignment",
    "sink_removal",
    "masked_upscaling",
    "layer_ablation",
    "data_size_sweep",
  ]);
  // Every section id is fed by some experiment, and eval_roi only appears under "Results used".
  assert.deepEqual(REPORT_SECTIONS.filter((s) => experimentsIn(s).length === 0), []);
  assert.deepEqual(experimentEntry("eval_roi").sections, []);
});

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import type { RowKey } from "../eval/rows.ts";
import { EXPERIMENTS } from "./conventions.ts";
import { expandPairRules } from "./pair_rules.ts";
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
import { Experiment } from "./runner.ts";

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

Deno.test("the report's paired differences are the registry's method pairs marked report", () => {
  assert.deepEqual(Object.keys(PAIRED_DIFFERENCES), [
    "main_results",
    "raw_attention_baseline",
    "label_assignment",
    "sink_removal",
    "masked_upscaling",
  ]);
  const pairs = (name: string) =>
    (PAIRED_DIFFERENCES[name as keyof typeof PAIRED_DIFFERENCES] ?? []).map((d) =>
      `${d.a}-vs-${d.b}${d.metric ? ` ${d.metric}` : ""}${d.suites ? ` on ${d.suites.join(",")}` : ""}`
    );
  assert.deepEqual(pairs("main_results"), [
    "sdrpn-vs-baseline on mean,mean-text,mean-vision",
    "sdrpn-vs-vicrop",
    "sdrpn-vs-vicrop delta_throughput on all",
  ]);
  assert.deepEqual(pairs("raw_attention_baseline"), ["raw_attention-vs-baseline"]);
  assert.deepEqual(pairs("label_assignment"), [
    "attention_prediction-vs-baseline",
    "label_assignment-vs-baseline",
    "gt_answers-vs-baseline",
    "self_answers-vs-baseline",
    "attention_prediction-vs-raw_attention",
    "label_assignment-vs-attention_prediction",
    "self_answers-vs-gt_answers",
  ]);
  assert.deepEqual(pairs("sink_removal"), [
    "attention_sinks-vs-baseline",
    "norm_sinks-vs-baseline",
    "attention_sinks-vs-no_sink_removal",
    "norm_sinks-vs-no_sink_removal",
  ]);
  assert.deepEqual(pairs("masked_upscaling"), ["masked-vs-box", "masked-vs-baseline", "box-vs-baseline"]);
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

/** The `delta_accuracy` rows' labels, in order, that the registry's rules give an experiment's keys. */
function written(name: string, keys: readonly RowKey[]): string[] {
  const extra = (
    e?: Record<string, unknown>,
  ) => (e && Object.keys(e).length > 0 ? ` ${JSON.stringify(e)}` : "");
  return expandPairRules(name, experimentEntry(name).pairs, keys).map(({ a, b, label }) =>
    label ? `${label.method}${extra(label.extra)}` : `${a.method}-vs-${b.method}${extra(a.extra)}`
  );
}

const base = { method: "baseline" };
const at = (method: string, extra: Record<string, unknown>) => ({ method, extra });

Deno.test("the registry's pair rules write each script's differences in the scripts' order", () => {
  // Keys in the order each script evaluates them (first seed); the expected orders are the ones the scripts
  // registered by hand before the registry declared them.
  assert.deepEqual(
    written("main_results", [base, { method: "vicrop" }, { method: "sdrpn" }, { method: "sdrpn_box" }]),
    [
      "sdrpn-vs-baseline",
      "sdrpn_box-vs-baseline",
      "vicrop-vs-baseline",
      "sdrpn-vs-vicrop",
      "sdrpn-vs-sdrpn_box",
    ],
  );
  assert.deepEqual(
    written("raw_attention_baseline", [
      base,
      at("raw_attention", { layer: 4 }),
      at("raw_attention", { sweep: "layer", layer: 2 }),
      at("raw_attention", { sweep: "relative", relative: true }),
    ]),
    [
      'raw_attention-vs-baseline {"layer":4}',
      'raw_attention-vs-baseline {"sweep":"layer","layer":2}',
      'raw_attention-vs-baseline {"sweep":"relative","relative":true}',
    ],
  );
  // Sweep points first; τ_fg = 0.3 left no usable label (skipped, no row).
  assert.deepEqual(
    written("label_assignment", [
      base,
      { method: "raw_attention" },
      { method: "attention_prediction" },
      { method: "label_assignment" },
      { method: "gt_answers" },
      { method: "self_answers" },
      at("label_assignment", { sweep: "fg", fg: 0.1 }),
      at("label_assignment", { sweep: "bg", bg: 0.05 }),
    ]),
    [
      'label_assignment-vs-baseline {"sweep":"fg","fg":0.1}',
      'label_assignment-vs-baseline {"sweep":"bg","bg":0.05}',
      "raw_attention-vs-baseline",
      "attention_prediction-vs-baseline",
      "label_assignment-vs-baseline",
      "gt_answers-vs-baseline",
      "self_answers-vs-baseline",
      "attention_prediction-vs-raw_attention",
      "label_assignment-vs-attention_prediction",
      "self_answers-vs-gt_answers",
    ],
  );
  // Every variant against the baseline in evaluation order, then the two against no removal, then the
  // sink-layer sweep points against no removal.
  const layer0 = { sweep: "sinkLayer", sinkLayer: 0, threshold: 0.01 };
  assert.deepEqual(
    written("sink_removal", [
      base,
      at("no_sink_removal", {}),
      at("attention_sinks", { threshold: 0.01 }),
      at("norm_sinks", { threshold: 5 }),
      at("attention_sinks", { sweep: "threshold", threshold: 0.005 }),
      at("norm_sinks", { sweep: "threshold", threshold: 10 }),
      at("attention_sinks", layer0),
    ]),
    [
      "no_sink_removal-vs-baseline",
      'attention_sinks-vs-baseline {"threshold":0.01}',
      'norm_sinks-vs-baseline {"threshold":5}',
      'attention_sinks-vs-baseline {"sweep":"threshold","threshold":0.005}',
      'norm_sinks-vs-baseline {"sweep":"threshold","threshold":10}',
      `attention_sinks-vs-baseline ${JSON.stringify(layer0)}`,
      'attention_sinks-vs-no_sink_removal {"threshold":0.01}',
      'norm_sinks-vs-no_sink_removal {"threshold":5}',
      `attention_sinks-vs-no_sink_removal ${JSON.stringify(layer0)}`,
    ],
  );
  const tau = (method: string, t: number) => at(method, { sweep: "tau", tau: t });
  assert.deepEqual(
    written("masked_upscaling", [
      base,
      { method: "box" },
      { method: "masked" },
      tau("box", 0.05),
      tau("masked", 0.05),
      tau("box", 0.2),
      tau("masked", 0.2),
    ]),
    [
      "masked-vs-box",
      "masked-vs-baseline",
      "box-vs-baseline",
      'masked-vs-box {"sweep":"tau","tau":0.05}',
      'masked-vs-baseline {"sweep":"tau","tau":0.05}',
      'box-vs-baseline {"sweep":"tau","tau":0.05}',
      'masked-vs-box {"sweep":"tau","tau":0.2}',
      'masked-vs-baseline {"sweep":"tau","tau":0.2}',
      'box-vs-baseline {"sweep":"tau","tau":0.2}',
    ],
  );
  assert.deepEqual(
    written("layer_ablation", [
      base,
      at("B1R3", { B: 1, R: 3, paper: "B3R3" }),
      at("B4R1", { B: 4, R: 1 }),
      at("B4R3", { B: 4, R: 3, paper: "B15R3" }),
      at("B5R3", { B: 5, R: 3, paper: "B18R3" }),
    ]),
    [
      'B1R3-vs-baseline {"B":1,"R":3,"paper":"B3R3"}',
      'B4R1-vs-baseline {"B":4,"R":1}',
      'B4R3-vs-baseline {"B":4,"R":3,"paper":"B15R3"}',
      'B5R3-vs-baseline {"B":5,"R":3,"paper":"B18R3"}',
      'B4R3-vs-B1R3 {"B":4,"R":3,"paper":"B15R3"}',
      'B4R3-vs-B5R3 {"B":4,"R":3,"paper":"B15R3"}',
    ],
  );
  assert.deepEqual(
    written("data_size_sweep", [
      base,
      at("sdrpn", { samples: 75 }),
      at("sdrpn", { samples: 150 }),
      at("sdrpn", { samples: 300 }),
    ]),
    [
      'sdrpn-vs-baseline {"samples":75}',
      'sdrpn-vs-baseline {"samples":150}',
      'sdrpn-vs-baseline {"samples":300}',
      'largest-vs-smallest {"from":75,"to":300}',
    ],
  );
  for (const name of ["attention_localisation", "eval_base", "eval_roi"]) {
    assert.deepEqual(written(name, [base, { method: "x" }]), [], name);
  }
});

Deno.test("no experiment script declares paired differences of its own (the registry is the one place)", () => {
  const scripts = [...Deno.readDirSync(`${ROOT}experiments`)].map((e) => e.name).filter((n) =>
    n.endsWith(".ts")
  );
  const offenders = scripts.filter((n) => /\.pair\(/.test(readFileSync(`${ROOT}experiments/${n}`, "utf8")));
  assert.deepEqual(offenders, []);
  assert.equal("pair" in Experiment.prototype, false, "the runner has no public pair()");
});

Deno.test("throughput the report's claims read is timed at least 3 times; every entry times at least once", () => {
  for (const e of EXPERIMENT_REGISTRY) {
    assert.ok(Number.isInteger(e.timingRepeats) && e.timingRepeats >= 1, e.name);
    if (e.sections.includes("table1") || e.name === "masked_upscaling") {
      assert.ok(e.timingRepeats >= 3, `${e.name} times ${e.timingRepeats}×`);
    }
  }
});

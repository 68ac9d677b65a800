/**
 * The experiment scripts end to end on a tiny untrained checkpoint: `reproduce` runs all seven (two at a
 * time) and the report; every result is valid and has the rows the report reads; experiments share their
 * cached artifacts; an experiment killed mid-run resumes to the same result; every script has --help and
 * rejects unknown config keys. Scripts run as subprocesses, exactly as `deno task` runs them.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "../lib/engine/rng.ts";
import { saveCheckpoint } from "../lib/models/tiny/checkpoint.ts";
import { initTensors } from "../lib/models/tiny/params.ts";
import { tinyModel } from "../lib/models/tiny/test_helpers.ts";
import { EXPERIMENT_REGISTRY, throughputPhase } from "../lib/experiment/mod.ts";
import { canonicalJson } from "../lib/results/hash.ts";
import { readResult } from "../lib/results/io.ts";
import type { Result } from "../lib/results/schema.ts";
import { runScript } from "./script.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const tmp = await Deno.makeTempDir({ prefix: "sdrpn-experiments-" });
const ckpt = join(tmp, "ckpt");

// A tiny untrained model. Its attention is nearly uniform at init; sharper query/key weights give maps with
// a peak, so that label assignment (at τ_fg = 0.8 here) finds small foreground boxes.
{
  const { config, tokenizer } = tinyModel();
  const tensors = initTensors(config, new Rng(5));
  for (const [name, t] of Object.entries(tensors)) {
    if (/^lm\.layers\.\d+\.w[qk]$/.test(name)) t.data.forEach((x, i) => (t.data[i] = 30 * x));
  }
  await saveCheckpoint(ckpt, config, tokenizer, tensors, { note: "tiny test model, untrained" });
}

/** Config shared by every experiment: tiny teacher set, tiny RPN, two suites of 3 questions. */
function common(cacheDir: string): string[] {
  return [
    `checkpoint=${ckpt}`,
    `cacheDir=${cacheDir}`,
    "teacher.samples=12",
    "teacher.batchSize=6",
    "teacher.layer=2",
    "rpn.backbone=2",
    "rpn.branch=2",
    "rpn.epochs=1",
    "rpn.batchSize=4",
    'suites=["doc","pope"]',
    "n=3",
    `dataDir=${join(tmp, "generated")}`,
    "backboneChunk=5",
    "variant.fg=0.8",
    "thresholdOverride=-0.9",
  ];
}

/** Per experiment: sweeps cut to one point each. */
const OWN: Record<string, string[]> = {
  raw_attention_baseline: ["layers=[1]"],
  label_assignment: ["fgSweep=[0.9]", "bgSweep=[]"],
  sink_removal: ["attentionFactors=[2]", "normFactors=[]"],
  masked_upscaling: ["taus=[-0.5]"],
  layer_ablation: ["splits=[]"],
  data_size_sweep: ["points=2"],
};

const run = runScript;

const sets = (entries: string[]) => entries.flatMap((s) => ["--set", s]);
const find = (r: Result, method: string, suite: string, metric: string, extra?: Record<string, unknown>) =>
  r.rows.find((x) =>
    x.method === method && x.suite === suite && x.metric === metric &&
    (extra === undefined || canonicalJson(x.extra ?? {}) === canonicalJson(extra))
  );
/** A method's throughput relative to the baseline: the results keep it in `timing.phases`, not in rows. */
const throughput = (r: Result, method: string, extra?: Record<string, unknown>) =>
  r.timing.phases?.[throughputPhase(method, extra)];
const methods = (
  r: Result,
  metric = "accuracy",
) => [...new Set(r.rows.filter((x) => x.metric === metric).map((x) => x.method))];

/**
 * Everything a rerun must reproduce: the whole result except `timing` (the results contract), with only
 * the run's own paths blanked — the output file and the cache folder are config, and differ between these
 * runs by design (so do the config hash and the artifact paths under the cache).
 */
function comparable(r: Result): unknown {
  const { timing: _, ...rest } = r;
  return {
    ...rest,
    configHash: "",
    config: { ...r.config, out: "", cacheDir: "" },
    artifacts: r.artifacts.map((a) => ({ kind: a.kind, hash: a.hash })),
  };
}

const outDir = join(tmp, "results");
const cache = join(tmp, "cache");
const EXPERIMENTS = [
  "main_results",
  "raw_attention_baseline",
  "label_assignment",
  "sink_removal",
  "masked_upscaling",
  "layer_ablation",
  "data_size_sweep",
  "attention_localisation",
];
/** Experiments that do not depend on the seed: run with the first seed only. */
const SEED_FREE = new Set(["raw_attention_baseline", "attention_localisation"]);

Deno.test({
  name: "reproduce runs every experiment on a tiny model, sharing artifacts, and builds the report",
  sanitizeResources: false,
  async fn() {
    const r = await run("reproduce.ts", [
      "--scale",
      "quick",
      "--seeds",
      "0,1",
      "--backend",
      "wasm",
      "--json",
      ...sets([
        `set=${JSON.stringify(common(cache))}`,
        `experimentSets=${JSON.stringify(OWN)}`,
        `outDir=${outDir}`,
      ]),
    ]);
    assert.equal(r.code, 0, r.stderr.slice(-3000));
    const summary = JSON.parse(r.stdout);
    assert.deepEqual(
      summary.experiments.map((e: { name: string; code: number }) => [e.name, e.code]),
      EXPERIMENTS.map((n) => [n, 0]),
    );
    assert.match(r.stderr, /^\[main_results\] main_results: quick scale, seeds 0,1, backend wasm$/m);
    assert.match(
      r.stderr,
      /^\[raw_attention_baseline\] raw_attention_baseline: quick scale, seeds 0, backend wasm$/m,
    );
    if (existsSync(join(ROOT, "experiments", "report.ts"))) {
      assert.equal(summary.report, join(outDir, "REPORT.md"));
      assert.ok(existsSync(join(outDir, "REPORT.md")));
    }

    const results = Object.fromEntries(
      await Promise.all(
        EXPERIMENTS.map(async (n) => [n, await readResult(join(outDir, `${n}.json`))] as const),
      ),
    );
    for (const [name, res] of Object.entries(results)) {
      assert.equal(res.experiment, name);
      assert.deepEqual(res.seeds, SEED_FREE.has(name) ? [0] : [0, 1]);
      for (const row of res.rows.filter((x) => x.metric === "accuracy")) {
        assert.ok(
          row.value >= 0 && row.value <= 100 && row.ci![0] <= row.value && row.value <= row.ci![1],
          `${name} ${JSON.stringify(row)}`,
        );
      }
      assert.deepEqual(
        res.rows.filter((x) => x.metric === "throughput"),
        [],
        `${name}: throughput is wall-clock, so not a row`,
      );
      // Option-likelihood rows only where the registry asks for them (the report reads main_results' only).
      const likelihood = EXPERIMENT_REGISTRY.find((e) => e.name === name)!.likelihood;
      assert.deepEqual(res.scoring, likelihood ? ["generation", "likelihood"] : ["generation"], name);
      assert.equal(res.rows.some((x) => x.metric.startsWith("likelihood-")), likelihood, name);
      // attention_localisation answers once per question to read its attention: no baseline, no timing.
      if (name !== "attention_localisation") {
        assert.equal(throughput(res, "baseline"), 1, `${name}: baseline throughput`);
      }
    }

    const main = results.main_results!;
    assert.deepEqual(methods(main), ["baseline", "vicrop", "sdrpn", "sdrpn_box"]);
    for (const m of ["baseline", "vicrop", "sdrpn", "sdrpn_box"]) {
      for (const suite of ["doc", "pope", "mean"]) {
        assert.ok(find(main, m, suite, "accuracy"), `${m} ${suite}`);
      }
      assert.ok(find(main, m, "pope", "f1"), `${m} f1`);
      assert.ok(throughput(main, m)! > 0, `${m} throughput`);
    }
    assert.equal(find(main, "sdrpn", "doc", "accuracy_seed_sd")!.n, 2, "the seed spread of an RPN method");
    assert.equal(find(main, "baseline", "doc", "accuracy_seed_sd"), undefined, "the baseline runs once");
    for (const d of ["sdrpn-vs-baseline", "sdrpn_box-vs-baseline", "vicrop-vs-baseline", "sdrpn-vs-vicrop"]) {
      assert.ok(find(main, d, "mean", "delta_accuracy")?.ci, d);
    }
    // Second scoring protocol (issue 13): the yes/no suite pope by option likelihood, doc (open answers) not,
    // with the differences of the same pairs; generation rows come first.
    assert.deepEqual(main.scoring, ["generation", "likelihood"]);
    const L = { protocol: "likelihood" };
    for (const m of ["baseline", "vicrop", "sdrpn", "sdrpn_box"]) {
      assert.ok(find(main, m, "pope", "likelihood-accuracy", L)?.ci, `${m} likelihood`);
      assert.ok(find(main, m, "pope", "likelihood-f1", L), `${m} likelihood f1`);
      assert.equal(find(main, m, "doc", "likelihood-accuracy", L), undefined, `${m} doc likelihood`);
    }
    for (const d of ["sdrpn-vs-baseline", "sdrpn_box-vs-baseline", "vicrop-vs-baseline", "sdrpn-vs-vicrop"]) {
      assert.ok(find(main, d, "pope", "likelihood-delta_accuracy", L)?.ci, `${d} likelihood`);
    }
    const firstLikelihood = main.rows.findIndex((x) => x.extra?.protocol === "likelihood");
    assert.ok(main.rows.slice(firstLikelihood).every((x) => x.extra?.protocol === "likelihood"));
    for (const m of ["vicrop", "sdrpn", "sdrpn_box"]) {
      assert.ok(find(main, m, "mean", "iou"), `iou ${m}`);
      // Its chance level and crop rate, for the report's localisation table.
      for (const metric of ["iou_random", "crop_rate"]) {
        const r = find(main, m, "mean", metric);
        assert.ok(r && r.value >= 0 && r.value <= 1 && r.ci, `${metric} ${m}`);
      }
    }
    // Examples for the report (default 6): every question of both suites at n = 3, from seed 0's RPN; the
    // report regenerates their images.
    assert.deepEqual(main.examples?.map((e) => e.id), [
      "doc-0",
      "doc-1",
      "doc-2",
      "pope-0",
      "pope-1",
      "pope-2",
    ]);
    assert.ok(
      main.examples!.every((e) => e.rpn.seed === 0 && e.grid === 4 && e.rpn.probabilities.length === 16),
    );
    if (existsSync(join(ROOT, "experiments", "report.ts"))) {
      assert.ok(existsSync(join(outDir, "figures", "example_6_pope_2.svg")));
    }

    const raw = results.raw_attention_baseline!;
    assert.ok(find(raw, "raw_attention", "mean", "accuracy", { layer: 2 }));
    assert.ok(find(raw, "raw_attention", "mean", "accuracy", { sweep: "layer", layer: 1 }));
    assert.ok(find(raw, "raw_attention", "mean", "accuracy", { sweep: "relative", relative: true }));
    assert.ok(find(raw, "raw_attention", "mean", "accuracy", { sweep: "select", select: "sum" }));
    assert.ok(find(raw, "raw_attention-vs-baseline", "mean", "delta_accuracy", { sweep: "layer", layer: 1 }));

    const labels = results.label_assignment!;
    assert.deepEqual(methods(labels), [
      "baseline",
      "raw_attention",
      "attention_prediction",
      "label_assignment",
      "gt_answers",
      "self_answers",
    ]);
    for (
      const d of [
        "attention_prediction-vs-raw_attention",
        "label_assignment-vs-attention_prediction",
        "self_answers-vs-gt_answers",
      ]
    ) {
      assert.ok(find(labels, d, "mean", "delta_accuracy"), d);
    }
    assert.ok(find(labels, "label_assignment", "mean", "accuracy", { sweep: "fg", fg: 0.9 }));

    const sinks = results.sink_removal!;
    assert.deepEqual(methods(sinks), ["baseline", "no_sink_removal", "attention_sinks", "norm_sinks"]);
    // τ_sink = 0.576 / N with N = 16 tokens on the tiny model: 0.036; the sweep point is 2× that.
    assert.ok(find(sinks, "attention_sinks", "mean", "accuracy", { threshold: 0.036 }));
    assert.ok(find(sinks, "attention_sinks", "mean", "accuracy", { sweep: "threshold", threshold: 0.072 }));
    assert.ok(
      find(sinks, "attention_sinks-vs-no_sink_removal", "mean", "delta_accuracy", { threshold: 0.036 }),
    );
    assert.equal(find(sinks, "no_sink_removal", "teacher", "sinks_per_sample")!.value, 0);
    assert.ok(find(sinks, "attention_sinks", "teacher", "usable_share", { threshold: 0.036 }));
    // The sink-layer sweep: layer 0 beside the teacher's sink layer 1, with its share of flagged cells.
    const layer0 = { sweep: "sinkLayer", sinkLayer: 0, threshold: 0.036 };
    assert.ok(find(sinks, "attention_sinks", "teacher", "sink_share", layer0));
    assert.equal(find(sinks, "no_sink_removal", "teacher", "sink_share")!.value, 0);
    assert.ok(find(sinks, "attention_sinks-vs-no_sink_removal", "mean", "delta_accuracy", layer0));
    const massive = sinks.analysis!.massiveActivations!;
    assert.deepEqual([massive.layer, massive.samples, massive.tokens], [4, 12, 12 * 16]);

    const masked = results.masked_upscaling!;
    assert.deepEqual(methods(masked), ["baseline", "box", "masked"]);
    assert.ok(find(masked, "masked-vs-box", "mean", "delta_accuracy"));
    assert.ok(throughput(masked, "masked", { sweep: "tau", tau: -0.5 })! > 0, "a sweep point's throughput");
    assert.equal(find(masked, "baseline", "mean", "roi_tokens")!.value, 0);
    assert.ok(find(masked, "masked", "mean", "roi_tokens", { sweep: "tau", tau: -0.5 }));

    const layers = results.layer_ablation!;
    assert.deepEqual(methods(layers), ["baseline", "B1R3", "B4R3", "B5R3"]);
    assert.deepEqual(find(layers, "B4R3", "mean", "accuracy")!.extra, { B: 4, R: 3, paper: "B15R3" });
    assert.ok(layers.notes!.some((n) => n.includes("B3R3 → B1R3, B15R3 → B4R3, B18R3 → B5R3")));
    // The paper's split claims, paired: the B15R3 analogue against the other two.
    for (const d of ["B4R3-vs-B1R3", "B4R3-vs-B5R3"]) {
      assert.ok(find(layers, d, "mean", "delta_accuracy")?.ci, d);
    }

    const sizes = results.data_size_sweep!;
    assert.ok(find(sizes, "sdrpn", "mean", "accuracy", { samples: 6 }));
    assert.ok(find(sizes, "sdrpn", "mean", "accuracy", { samples: 12 }));
    assert.ok(find(sizes, "largest-vs-smallest", "mean", "delta_accuracy", { from: 6, to: 12 }));

    // attention_localisation: per split, the accuracy of the answers whose attention is read and, per layer
    // and head (2, and "all"), mass in box with its chance level; the training split
    // has the two training suites, the evaluation split doc and pope, each with its mean.
    const att = results.attention_localisation!;
    assert.deepEqual(att.config.scale, "quick");
    const splits = { train: ["train-scenes", "train-covers"], eval: ["doc", "pope"] };
    assert.ok(find(att, "attention", "mean", "has_map", { split: "train" })!.value > 0, "some maps measured");
    for (const [split, suites] of Object.entries(splits)) {
      for (const suite of [...suites, "mean"]) {
        assert.ok(find(att, "attention", suite, "accuracy", { split }), `accuracy ${split} ${suite}`);
        const maps = find(att, "attention", suite, "has_map", { split })!;
        if (maps.value === 0) continue; // every answer one token: no map to measure
        for (const head of ["all", 0, 1]) {
          const at = { layer: 2, head, split };
          const mass = find(att, "attention", suite, "mass_in_box", at);
          const share = find(att, "attention", suite, "box_share", at);
          const excess = find(att, "attention", suite, "mass_excess", at);
          assert.ok(
            mass && share && excess && find(att, "attention", suite, "argmax_in_box", at),
            `${split} ${head}`,
          );
          assert.ok(mass.value >= 0 && mass.value <= 1 && share.value > 0 && share.value <= 1 && mass.ci);
          assert.ok(Math.abs(excess.value - (mass.value - share.value)) <= 0.0015, "excess = mass − share");
        }
        const removed = { layer: 2, head: "all", sinks: "removed", split };
        assert.ok(find(att, "attention", suite, "mass_in_box", removed), `sink-removed ${split} ${suite}`);
        assert.ok(
          find(att, "attention", suite, "sink_on_target", removed),
          `sinks on target ${split} ${suite}`,
        );
      }
    }
    // Every decoder layer of the 8-layer tiny model is measured.
    assert.ok(find(att, "attention", "mean", "mass_in_box", { layer: 7, head: "all", split: "train" }));
    assert.ok(
      att.notes!.some((n) => n.includes("the first 3 questions of each of train-scenes, train-covers")),
    );

    // Shared artifacts: 3 teacher passes (self / ground-truth answers, sink_removal's sink layer 0), backbone
    // states for B = 2 (default; keyed by the questions, so the sink-layer-0 teacher shares them), 1, 4, 5,
    // and 21 RPNs — not one per use:
    // main's RPNs serve self_answers, attention_sinks, masked and the largest data size; label_assignment's
    // no-sink RPNs serve no_sink_removal. (Each file's `.sha256` content
    // hash beside it is not counted.)
    const count = (dir: string) =>
      [...Deno.readDirSync(join(cache, dir))]
        .filter((e) => !e.name.endsWith(".lock") && !e.name.endsWith(".sha256")).length;
    assert.equal(count("teacher"), 3);
    assert.equal(count("backbone"), 4);
    assert.equal(count("rpn"), 21);
  },
});

Deno.test({
  name: "an experiment killed mid-run resumes from its artifacts to the same result",
  sanitizeResources: false,
  async fn() {
    const fresh = join(tmp, "cache-killed");
    const args = (out: string) => [
      "--scale",
      "quick",
      "--backend",
      "wasm",
      "--seeds",
      "0,1",
      ...sets([...common(fresh), ...OWN.masked_upscaling!, `out=${out}`]),
    ];
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        join(ROOT, "experiments", "masked_upscaling.ts"),
        ...args(join(tmp, "killed.json")),
      ],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).spawn();
    // Kill it as soon as the first RPN is trained: the second seed's RPN and the evaluation are not done.
    let seen = "";
    for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
      seen += text;
      if (/rpn trained/.test(seen)) break;
    }
    try {
      child.kill("SIGKILL");
    } catch {
      // already exited: the assertion below reports it
    }
    await child.status;
    assert.equal(existsSync(join(tmp, "killed.json")), false, "no result from a killed run");

    const rerun = await run("masked_upscaling.ts", args(join(tmp, "resumed.json")));
    assert.equal(rerun.code, 0, rerun.stderr.slice(-2000));
    assert.match(rerun.stderr, /rpn cached/, "the first seed's RPN is reused");
    const resumed = await readResult(join(tmp, "resumed.json"));
    const reference = await readResult(join(outDir, "masked_upscaling.json"));
    assert.deepEqual(comparable(resumed), comparable(reference));
    // The timing block differs in its values only: the same phases, throughput of every point included.
    const phaseKeys = (r: Result) => Object.keys(r.timing.phases ?? {}).sort();
    assert.deepEqual(phaseKeys(resumed), phaseKeys(reference));

    // A rerun on complete artifacts trains nothing and gives the same result again, also with an extra
    // timed repeat: it re-times each method's first evaluation (the baseline, seed 0) and no later seed's.
    const again = await run("masked_upscaling.ts", [
      ...args(join(tmp, "again.json")),
      "--timing-repeats",
      "2",
    ]);
    assert.equal(again.code, 0, again.stderr.slice(-2000));
    assert.doesNotMatch(again.stderr, /rpn trained|computed chunk/);
    const repeated = await readResult(join(tmp, "again.json"));
    assert.deepEqual(comparable(repeated), comparable(resumed));
    assert.match(again.stderr, /masked_upscaling timing 2\/2 /);
    assert.match(again.stderr, /masked_upscaling seed 0 timing 2\/2 /);
    assert.doesNotMatch(again.stderr, /seed 1 timing/);
    assert.equal(repeated.timing.phases?.["timing repeats"], 2);
    assert.deepEqual(
      phaseKeys(repeated).filter((k) => !/^(timing repeats|throughput m(in|ax)-)/.test(k)),
      phaseKeys(resumed),
    );
  },
});

Deno.test({
  name: "every experiment script prints --help and rejects an unknown config key with the known ones",
  sanitizeResources: false,
  async fn() {
    const scripts = [...EXPERIMENTS, "reproduce"];
    const helps = await Promise.all(scripts.map((s) => run(`${s}.ts`, ["--help"])));
    helps.forEach((h, i) => {
      assert.equal(h.code, 0, h.stderr);
      assert.match(
        h.stdout,
        new RegExp(`^${scripts[i]}: .+\n\nUsage: deno task ${scripts[i]} \\[options\\]`),
      );
      assert.match(h.stdout, /--seeds <list> +Comma-separated seeds/);
    });
    assert.match(helps[0]!.stdout, /default: 3/, "three seeds at the default scale");
    assert.match(helps[5]!.stdout, /splits +\[\[4,1\],\[4,2\],\[2,3\]\]/);
    const bad = await run("sink_removal.ts", ["--set", "tau=1"]);
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /^error: Unknown config key "tau" \(known: teacher, checkpoint, cacheDir, backboneChunk, suites, .*, sweepSeeds\)$/m,
    );
    const nested = await run("layer_ablation.ts", ["--set", "rpn.depth=2"]);
    assert.equal(nested.code, 1);
    assert.match(
      nested.stderr,
      /^error: Unknown config key "rpn.depth" \(known: rpn.backbone, rpn.branch, /m,
    );
  },
});

Deno.test({
  name: "layer_ablation rejects a split that does not fit the model",
  sanitizeResources: false,
  async fn() {
    const r = await run("layer_ablation.ts", [
      "--backend",
      "wasm",
      "--seed",
      "0",
      ...sets([...common(join(tmp, "c-bad")), "splits=[[6,3]]"]),
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim().split("\n").at(-1),
      'error: Invalid value "[6,3]" for config key "splits.0": expected [B, R] with B ≥ 1, R ≥ 1 and B + R ≤ 8 ' +
        "(the model has 8 decoder layers)",
    );
  },
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(tmp, { recursive: true });
  } catch {
    // best effort
  }
});

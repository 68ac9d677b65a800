/**
 * End to end on a tiny model: pretraining is deterministic and resumable, and eval-base writes a valid,
 * reproducible result from the checkpoint it produced. Scripts run as subprocesses, exactly as
 * `deno task` runs them.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { readResult } from "../lib/results/io.ts";
import { runScript } from "./script.ts";
const TINY_MODEL = [
  "model.imageSize=16",
  "model.patchSize=4",
  "model.patchWindow=4",
  "model.stem=window",
  "model.visionDim=16",
  "model.visionLayers=1",
  "model.visionMlp=16",
  "model.projectorHidden=48", // ≥ one unit per detail class for the projector alignment
  "model.dim=16",
  "model.heads=2",
  "model.headDim=8",
  "model.mlp=16",
];

const run = runScript;

function pretrainArgs(tmp: string, out: string, extra: string[] = []): string[] {
  const sets = [
    ...TINY_MODEL,
    "steps=6",
    "batchSize=4",
    "warmup=2",
    "checkpointEvery=2",
    "vision.steps=3",
    "vision.batchSize=2",
    `out=${join(tmp, out)}`,
    `cacheDir=${join(tmp, "cache-" + out)}`,
    ...extra,
  ];
  return ["--seed", "3", "--backend", "wasm", ...sets.flatMap((s) => ["--set", s])];
}

const tmp = await Deno.makeTempDir({ prefix: "sdrpn-e2e-" });

Deno.test({
  name: "pretrain is deterministic and an interrupted run resumes to the same weights",
  sanitizeResources: false,
  async fn() {
    const a = await run("pretrain.ts", pretrainArgs(tmp, "a"));
    assert.equal(a.code, 0, a.stderr);
    const b1 = await run("pretrain.ts", pretrainArgs(tmp, "b", ["stopAt=3"]));
    assert.equal(b1.code, 0, b1.stderr);
    assert.match(b1.stderr, /stopped at step 3 of 6/);
    const b2 = await run("pretrain.ts", pretrainArgs(tmp, "b", ["stopAt=0"]));
    assert.equal(b2.code, 0, b2.stderr);
    assert.match(b2.stderr, /resuming .* from step 3/); // the stop itself writes a state
    const wa = await Deno.readFile(join(tmp, "a", "model.safetensors"));
    const wb = await Deno.readFile(join(tmp, "b", "model.safetensors"));
    assert.ok(wa.length > 1000);
    assert.deepEqual(wb, wa);
    const logA = await Deno.readTextFile(join(tmp, "a", "train_log.jsonl"));
    const logB = await Deno.readTextFile(join(tmp, "b", "train_log.jsonl"));
    assert.equal(logB, logA);
    assert.equal(logA.trim().split("\n").length, 6);
  },
});

Deno.test({
  name: "pretrain: a finished config reruns as a no-op; freshTower reruns the vision stage on a parent",
  sanitizeResources: false,
  async fn() {
    const before = await Deno.readFile(join(tmp, "a", "model.safetensors"));
    const again = await run("pretrain.ts", pretrainArgs(tmp, "a"));
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /already holds the weights of this config \([0-9a-f]{16}\); nothing to do/);
    assert.deepEqual(await Deno.readFile(join(tmp, "a", "model.safetensors")), before);

    const cont = ["steps=2", `init=${join(tmp, "a")}`];
    const plain = await run("pretrain.ts", pretrainArgs(tmp, "cont", cont));
    assert.equal(plain.code, 0, plain.stderr);
    assert.doesNotMatch(plain.stderr, /vision stage/);
    const fresh = await run("pretrain.ts", pretrainArgs(tmp, "fresh", [...cont, "freshTower=true"]));
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.match(fresh.stderr, /vision stage held-out detail-token accuracy [0-9.]+ \(\d+ tokens\)/);
    const model = JSON.parse(await Deno.readTextFile(join(tmp, "fresh", "model.json")));
    assert.equal(typeof model.training.visionStageHeldOut, "number");

    const orphan = await run("pretrain.ts", pretrainArgs(tmp, "orphan", ["freshTower=true"]));
    assert.equal(orphan.code, 1);
    assert.match(orphan.stderr, /Config "freshTower" needs "init" \(a parent checkpoint\)/);
    assert.ok(!existsSync(join(tmp, "orphan")));
    // A recipe is replayed as written: no other option may change it.
    const recipe = await run("pretrain.ts", ["--recipe", "shipped", "--seed", "3"]);
    assert.equal(recipe.code, 1);
    assert.match(recipe.stderr, /Option "--recipe" replays fixed stages: remove "--seed", "3"/);
    const unknown = await run("pretrain.ts", ["--recipe", "nope"]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /Unknown pretraining recipe "nope" \(known: shipped/);
  },
});

Deno.test({
  name: "pretrain whose last update wrecks the weights exits non-zero and writes no checkpoint or state",
  sanitizeResources: false,
  async fn() {
    // One step at lr 1e9: the loss taken before the update is normal, the weights after it are not.
    const r = await run("pretrain.ts", pretrainArgs(tmp, "diverged", ["steps=1", "lr=1e9", "warmup=0"]));
    assert.equal(r.code, 1, r.stderr);
    assert.ok(
      r.stderr.endsWith(
        "error: Weights grew from norm 24.1 to 1.25e+11 at step 0 (more than 2× in one update): training " +
          "diverged; lower the learning rate\n",
      ),
      r.stderr,
    );
    assert.equal(existsSync(join(tmp, "diverged")), false, "no checkpoint folder");
    const stateRoot = join(tmp, "cache-diverged", "pretrain");
    const states = existsSync(stateRoot)
      ? [...Deno.readDirSync(stateRoot)].flatMap((d) =>
        [...Deno.readDirSync(join(stateRoot, d.name))].map((f) => f.name)
      )
      : [];
    assert.equal(states.includes("state.safetensors"), false, "no resumable state of the diverged step");
  },
});

Deno.test({
  name: "pretrain with freezeStem keeps the token stem exactly at its starting weights",
  sanitizeResources: false,
  async fn() {
    const r = await run("pretrain.ts", pretrainArgs(tmp, "frozen", ["vision.steps=0", "freezeStem=true"]));
    assert.equal(r.code, 0, r.stderr);
    const { loadCheckpoint } = await import("../lib/models/tiny/checkpoint.ts");
    const { initTensors } = await import("../lib/models/tiny/params.ts");
    const { Rng } = await import("../lib/engine/rng.ts");
    const { stemParams } = await import("../lib/models/tiny/vision_pretrain.ts");
    const ck = await loadCheckpoint(join(tmp, "frozen"));
    const init = initTensors(ck.config, new Rng(3).fork("init"));
    for (const name of stemParams(ck.config)) {
      assert.deepEqual(ck.tensors[name]!.data, init[name]!.data, name);
    }
    // …while the rest did train.
    assert.notDeepEqual(ck.tensors["lm.layers.0.wq"]!.data, init["lm.layers.0.wq"]!.data);
  },
});

Deno.test({
  name:
    "pretrain continues from a checkpoint: new data, the parent's log first, and a clear error on a mismatch",
  sanitizeResources: false,
  async fn() {
    const parent = join(tmp, "parent");
    const p = await run("pretrain.ts", pretrainArgs(tmp, "parent")); // 6 steps
    assert.equal(p.code, 0, p.stderr);
    const r = await run("pretrain.ts", pretrainArgs(tmp, "cont", [`init=${parent}`, "steps=4"])); // 4 more
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /vision stage/);
    const { loadCheckpoint } = await import("../lib/models/tiny/checkpoint.ts");
    const child = await loadCheckpoint(join(tmp, "cont"));
    const training = child.file.training as { steps: number; init: { path: string } };
    assert.equal(training.steps, 10);
    assert.equal(training.init.path, parent);
    const parentLog = (await Deno.readTextFile(join(parent, "train_log.jsonl"))).trim().split("\n");
    const log = (await Deno.readTextFile(join(tmp, "cont", "train_log.jsonl"))).trim().split("\n");
    assert.deepEqual(log.slice(0, 6), parentLog);
    assert.deepEqual(log.map((l) => JSON.parse(l).step), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const a = await loadCheckpoint(parent);
    assert.notDeepEqual(child.tensors["lm.layers.0.wq"]!.data, a.tensors["lm.layers.0.wq"]!.data);

    const bad = await run("pretrain.ts", pretrainArgs(tmp, "cont2", [`init=${parent}`, "model.mlp=24"]));
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      new RegExp(`Cannot continue from "${parent}": its model.mlp is 16, the config says 24`),
    );
  },
});

Deno.test({
  name: "validate-base scores held-out training-suite draws per metric family and mode, and grounding",
  sanitizeResources: false,
  async fn() {
    const args = [
      "--backend",
      "wasm",
      "--json",
      ...[
        `checkpoint=${join(tmp, "a")}`,
        "n=8",
        "grounding=5",
        `dataDir=${join(tmp, "generated")}`,
      ].flatMap((s) => ["--set", s]),
    ];
    const r = await run("validate_base.ts", args);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      dataSeed: number;
      lines: { suite: string; family: string; mode: string; n: number; accuracy: number }[];
      grounding: { n: number; exact: number; withinOneCell: number };
    };
    assert.equal(out.dataSeed, 777);
    for (const suite of ["train-scenes", "train-covers"]) {
      for (const mode of ["global", "oracle"]) {
        const lines = out.lines.filter((l) => l.suite === suite && l.mode === mode);
        // Every question is scored once, under its own family.
        assert.equal(lines.reduce((a, l) => a + l.n, 0), 8, `${suite} ${mode}`);
        assert.equal(new Set(lines.map((l) => l.family)).size, lines.length);
        assert.ok(lines.every((l) => l.accuracy >= 0 && l.accuracy <= 100));
      }
    }
    assert.equal(out.grounding.n, 5);
    assert.ok(out.grounding.exact <= out.grounding.withinOneCell && out.grounding.withinOneCell <= 100);
    // A tool: no result file, and an evaluation suite is not a validation suite.
    const bad = await run("validate_base.ts", ["--set", 'suites=["doc"]']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Invalid value "doc" for config key "suites\.0"/);
  },
});

Deno.test({
  name: "eval-base writes a valid result and the --json summary, byte-identical on a rerun except timing",
  sanitizeResources: false,
  async fn() {
    const args = (out: string) => [
      "--backend",
      "wasm",
      "--json",
      ...[
        `checkpoint=${join(tmp, "a")}`,
        'suites=["doc","pope"]',
        "n=3",
        `out=${join(tmp, out)}`,
        `dataDir=${join(tmp, "generated")}`,
      ].flatMap((s) => ["--set", s]),
    ];
    const r1 = await run("eval_base.ts", args("r1.json"));
    assert.equal(r1.code, 0, r1.stderr);
    const summary = JSON.parse(r1.stdout) as { suites: Record<string, unknown>[] };
    assert.deepEqual(summary.suites.map((s) => [s.suite, s.kind, s.n]), [["doc", "text", 3], [
      "pope",
      "vision",
      3,
    ]]);
    for (const s of summary.suites) {
      for (const k of ["global", "oracle", "random"]) {
        const v = s[k] as number;
        assert.ok(v >= 0 && v <= 100, `${k} = ${v}`);
      }
    }
    // pope (yes/no) is scored by option likelihood too: 3 generation rows per suite, then pope's 3 likelihood rows.
    assert.equal("likelihood" in summary.suites[0]!, false);
    assert.deepEqual(Object.keys(summary.suites[1]!.likelihood as object), ["global", "oracle", "random"]);
    const res = await readResult(join(tmp, "r1.json"));
    assert.equal(res.rows.length, 9);
    assert.deepEqual(res.scoring, ["generation", "likelihood"]);
    assert.deepEqual(
      res.rows.slice(6).map((r) => [r.method, r.suite, r.metric, r.extra?.protocol]),
      ["global", "oracle", "random"].map((m) => [m, "pope", "likelihood-yesno-accuracy", "likelihood"]),
    );
    const r2 = await run("eval_base.ts", args("r2.json"));
    assert.equal(r2.code, 0, r2.stderr);
    const strip = async (f: string) => {
      const j = JSON.parse(await Deno.readTextFile(join(tmp, f)));
      delete j.timing;
      delete j.configHash; // covers the output path, which differs by construction
      j.config.out = "";
      return JSON.stringify(j);
    };
    assert.equal(await strip("r2.json"), await strip("r1.json"));
  },
});

Deno.test({
  name: "scripts reject an unknown config key and a missing checkpoint with one clear error",
  sanitizeResources: false,
  async fn() {
    const bad = await run("pretrain.ts", ["--set", "stpes=3"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^error: Unknown config key "stpes" \(known: /m);
    const missing = await run("eval_base.ts", [
      "--backend",
      "wasm",
      "--set",
      `checkpoint=${join(tmp, "nope")}`,
    ]);
    assert.equal(missing.code, 1);
    assert.equal(
      missing.stderr.trim(),
      `error: Cannot load checkpoint "${
        join(tmp, "nope", "model.json")
      }": file not found (run "deno task pretrain" first)`,
    );
  },
});

Deno.test({
  name:
    "pseudo-labels, train-rpn and eval-roi run end to end on the tiny checkpoint and share their artifacts",
  sanitizeResources: false,
  async fn() {
    // An untrained tiny model answers with one token; ground-truth answers give every sample a map, and the
    // attention-prediction target trains on raw maps (label assignment would ignore its flat maps).
    const common = [
      `checkpoint=${join(tmp, "a")}`,
      `cacheDir=${join(tmp, "roi-cache")}`,
      "teacher.samples=12",
      "teacher.batchSize=6",
      'teacher.answers="ground-truth"',
      "teacher.layer=2",
    ];
    const rpn = [
      "rpn.backbone=2",
      "rpn.branch=2",
      "rpn.epochs=1",
      "rpn.batchSize=4",
      'rpn.target="attention"',
    ];
    const sets = (extra: string[]) => [...common, ...rpn, ...extra].flatMap((s) => ["--set", s]);
    const pl = await run("pseudo_labels.ts", [
      "--backend",
      "wasm",
      "--json",
      ...common.flatMap((s) => ["--set", s]),
    ]);
    assert.equal(pl.code, 0, pl.stderr);
    const report = JSON.parse(pl.stdout);
    assert.equal(report["attention sinks"].records, 12);
    const tr = await run("train_rpn.ts", ["--backend", "wasm", "--json", ...sets([])]);
    assert.equal(tr.code, 0, tr.stderr);
    const trained = JSON.parse(tr.stdout);
    assert.equal(trained.cached, false);
    const again = JSON.parse(
      (await run("train_rpn.ts", ["--backend", "wasm", "--json", ...sets([])])).stdout,
    );
    assert.equal(again.cached, true);
    assert.equal(again.weights, trained.weights);
    const ev = await run("eval_roi.ts", [
      "--backend",
      "wasm",
      "--json",
      ...sets([
        'suites=["doc","pope"]',
        "n=3",
        `dataDir=${join(tmp, "generated")}`,
        `out=${join(tmp, "roi.json")}`,
        "vicrop.sizes=[2]",
      ]),
    ]);
    assert.equal(ev.code, 0, ev.stderr);
    const summary = JSON.parse(ev.stdout);
    assert.deepEqual(summary.suites.map((s: { suite: string }) => s.suite), ["doc", "pope"]);
    for (const s of summary.suites) {
      // Exactly the keys of the issue's --json contract.
      assert.deepEqual(Object.keys(s).sort(), [
        "baseline",
        "iou",
        "kind",
        "n",
        "sdrpn_box",
        "sdrpn_mask",
        "suite",
        "vicrop",
      ]);
      for (const k of ["baseline", "vicrop", "sdrpn_box", "sdrpn_mask"]) assert.ok(s[k] >= 0 && s[k] <= 100);
      for (const k of ["raw", "pseudo", "rpn", "random"]) assert.ok(s.iou[k] >= 0 && s.iou[k] <= 1);
    }
    assert.ok(summary.throughput.sdrpn > 0 && summary.throughput.vicrop > 0);
    const res = await readResult(join(tmp, "roi.json"));
    // 4 methods × 2 suites by generation, then pope (yes/no) by option likelihood for each method.
    assert.equal(res.rows.filter((r) => /^[a-z]+-accuracy$/.test(r.metric)).length, 8);
    assert.deepEqual(
      res.rows.filter((r) => r.metric.startsWith("likelihood-")).map((r) => [r.method, r.suite, r.metric]),
      ["baseline", "vicrop", "sdrpn_box", "sdrpn_mask"].map((m) => [m, "pope", "likelihood-yesno-accuracy"]),
    );
    assert.deepEqual(res.scoring, ["generation", "likelihood"]);
  },
});

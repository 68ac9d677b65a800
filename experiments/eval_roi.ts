/**
 * SD-RPN end to end on the evaluation suites (Tables 1–2 analogue, first cut): from the shipped checkpoint,
 * pseudo-labels on training questions → RPN training → evaluation of
 *   baseline    the MLLM on the whole image;
 *   vicrop      ViCrop-style raw attention: generate, choose a window on the middle-layer map, answer again;
 *   sdrpn_box   SD-RPN with box-only upscaling (one crop per surviving box);
 *   sdrpn_mask  SD-RPN with masked upscaling (the paper's default);
 * plus localisation analysis against the true target boxes (analysis only) and throughput relative to the
 * baseline, measured in the same run. Every suite is scored from the greedy answers (protocol "generation");
 * multiple-choice and yes/no suites also by option likelihood on each method's own final prompt (protocol
 * "likelihood", lib/eval/likelihood.ts; rows of metric `likelihood-<family>-accuracy`, not timed).
 *
 *   deno task eval-roi [--scale quick|default|full] [--json] [--set key=value]
 */
import { z } from "zod";
import { progress } from "../lib/cli/mod.ts";
import { hashSeed, Rng } from "../lib/engine/rng.ts";
import { coverage } from "../lib/eval/boxes.ts";
import { scoreMethod } from "../lib/eval/score.ts";
import {
  experimentConfigFields,
  runExperiment,
  throughputPhase,
  VicropConfigSchema,
} from "../lib/experiment/mod.ts";
import { formatTable } from "../lib/cli/table.ts";
import { TESTBED_PROMPT } from "../lib/results/record.ts";
import type { ResultRow } from "../lib/results/schema.ts";
import { cropIou, evaluateSuite, type MethodSpec, randomCropIou, warmUp } from "../lib/roi/evaluate.ts";
import { labelSummary, pseudoLabelIou } from "../lib/roi/pipeline.ts";
import { RELEASED_THRESHOLDS } from "../lib/roi/thresholds.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  n: z.int().positive().default(200).describe("questions per evaluation suite"),
  vicrop: VicropConfigSchema.default(VicropConfigSchema.parse({})),
  out: z.string().default("results/eval_roi.json"),
});

type Method = "baseline" | "vicrop" | "sdrpn_box" | "sdrpn_mask";
const METHODS: Method[] = ["baseline", "vicrop", "sdrpn_box", "sdrpn_mask"];

await runExperiment({
  name: "eval-roi",
  description:
    "SD-RPN vs baseline vs ViCrop-style raw attention on every evaluation suite, with localisation analysis",
  schema: Config,
  // The first cut of the pipeline runs one seed (`--seed`); main_results is the multi-seed table.
  seeded: false,
  scales: {
    quick: { out: "results/scratch/eval_roi-quick.json" },
    full: { out: "results/scratch/eval_roi-full.json" },
  },
}, async (exp) => {
  const cfg = exp.config;
  const { model } = exp;
  const seed = exp.args.seed;
  const { grid } = model.counts;
  const variant = cfg.variant;
  const phases: Record<string, number> = {};

  const t = performance.now();
  const { rpn, teacherRecords } = await exp.rpn(seed);
  phases["pseudo-labels+rpn"] = secs(t);
  const labelInfo = labelSummary(teacherRecords, variant, model);
  // Pseudo-label quality on the teacher set (training data): fg box vs true box (analysis only).
  const pseudoIou = pseudoLabelIou(teacherRecords, variant, model);

  const maxArea = Math.floor(cfg.maxAreaRatio * grid * grid);
  const threshold = cfg.thresholdOverride ?? RELEASED_THRESHOLDS;
  const methods: MethodSpec[] = [
    { kind: "baseline", key: { method: "baseline" } },
    { kind: "vicrop", key: { method: "vicrop" }, layer: cfg.teacher.layer, ...cfg.vicrop },
    { kind: "sdrpn", key: { method: "sdrpn_mask" }, rpn, upscaling: "mask", threshold, maxArea },
    { kind: "sdrpn", key: { method: "sdrpn_box" }, rpn, upscaling: "box", threshold, maxArea },
  ];
  const rows: ResultRow[] = [];
  // Likelihood-protocol rows go after every other row, so the generation rows read as before.
  const likelihoodRows: ResultRow[] = [];
  const likelihoodLines: string[] = [];
  const summary: Record<string, unknown>[] = [];
  const seconds: Record<Method, number> = { baseline: 0, vicrop: 0, sdrpn_box: 0, sdrpn_mask: 0 };
  const ciRng = new Rng(seed).fork("ci");
  const suites = await exp.suites();
  if (suites[0]) await warmUp(model, suites[0]);
  for (const suite of suites) {
    const runs = await evaluateSuite(model, suite, methods, {
      batchSize: cfg.batchSize,
      likelihood: true,
      progress: (name, total) => progress(`eval-roi ${name}`, total),
    });
    const run = (m: Method) => runs.find((r) => r.key.method === m)!;
    const samples = suite.items.map((it) => it.sample);

    // Scores.
    const acc: Record<string, number> = {};
    for (const m of METHODS) {
      seconds[m] += run(m).seconds;
      const r = scoreMethod(
        m,
        suite.name,
        suite.family,
        run(m).answers,
        samples,
        ciRng.fork(`${suite.name}/${m}`),
      );
      acc[m] = r.accuracy;
      rows.push(r.row);
    }
    const picked = METHODS.filter((m) => run(m).likelihoodAnswers);
    for (const m of picked) {
      const l = scoreMethod(
        m,
        suite.name,
        suite.family,
        run(m).likelihoodAnswers!,
        samples,
        ciRng.fork(`${suite.name}/${m}/likelihood`),
        "likelihood",
      );
      likelihoodRows.push(l.row);
    }
    if (picked.length > 0) {
      likelihoodLines.push(
        `${suite.name} by option likelihood: ${
          likelihoodRows.slice(-picked.length).map((r) => `${r.method} ${r.value}`).join(", ")
        }`,
      );
    }

    // Localisation (analysis only): the crop each method chose vs the true box.
    const mask = run("sdrpn_mask");
    const rng = new Rng(hashSeed(seed, `roi-random/${suite.name}`));
    const loc = {
      raw: r3(mean(cropIou(run("vicrop"), suite))),
      rpn: r3(mean(cropIou(mask, suite))),
      random: r3(mean(randomCropIou(mask, suite, rng))),
      // Chance level of the ViCrop-style window (its size differs from the RPN's crops).
      "raw-random": r3(mean(randomCropIou(run("vicrop"), suite, rng))),
    };
    for (const [k, v] of Object.entries(loc)) {
      rows.push({
        method: `iou-${k}`,
        suite: suite.name,
        metric: "mean-iou",
        value: v,
        n: suite.items.length,
      });
    }
    const paths = mask.paths!;
    const n = suite.items.length;
    rows.push({
      method: "sdrpn",
      suite: suite.name,
      metric: "path-share",
      value: r3(1 - paths.none / n),
      n,
      extra: paths,
    });
    const covered = mask.crops.flatMap((c, i) => (c ? [coverage(samples[i]!.box, c)] : []));
    rows.push({
      method: "sdrpn",
      suite: suite.name,
      metric: "target-covered-by-crop",
      value: r3(mean(covered)),
      n: covered.length,
    });
    summary.push({
      suite: suite.name,
      kind: suite.kind,
      n,
      baseline: acc.baseline,
      vicrop: acc.vicrop,
      sdrpn_box: acc.sdrpn_box,
      sdrpn_mask: acc.sdrpn_mask,
      iou: { raw: loc.raw, pseudo: r3(mean(pseudoIou)), rpn: loc.rpn, random: loc.random },
      paths,
      rawRandom: loc["raw-random"],
    });
  }
  phases["evaluation"] = Object.values(seconds).reduce((a, b) => a + b, 0);
  const throughput = {
    vicrop: r3(seconds.baseline / seconds.vicrop),
    sdrpn: r3(seconds.baseline / seconds.sdrpn_mask),
    sdrpn_box: r3(seconds.baseline / seconds.sdrpn_box),
  };
  for (const m of METHODS) phases[`answer-${m}`] = r2(seconds[m]);
  for (const [k, v] of Object.entries(throughput)) phases[throughputPhase(k)] = v;
  // The --json contract (issue 3): suites without the table-only fields.
  const jsonSuites = summary.map(({ paths: _p, rawRandom: _r, ...rest }) => rest);
  const table = formatTable(
    [
      "suite",
      "n",
      "baseline",
      "vicrop",
      "sdrpn_box",
      "sdrpn_mask",
      "IoU raw",
      "(random)",
      "RPN crops",
      "IoU rpn",
      "(random)",
    ],
    summary.map((s) => {
      const io = s.iou as Record<string, number>;
      const paths = s.paths as { none: number };
      const crops = `${(100 * (1 - paths.none / (s.n as number))).toFixed(0)} %`;
      return [
        s.suite,
        s.n,
        s.baseline,
        s.vicrop,
        s.sdrpn_box,
        s.sdrpn_mask,
        io.raw,
        s.rawRandom,
        crops,
        io.rpn,
        io.random,
      ].map(String);
    }),
  );
  exp.setResult({
    experiment: "eval-roi",
    out: exp.resultFile,
    // The seed is recorded in the config too, as this result always has.
    config: { ...cfg, scale: exp.args.scale, seed },
    prompt: { ...TESTBED_PROMPT },
    rows: [...rows, ...likelihoodRows],
    artifacts: [],
    scoring: likelihoodRows.length > 0 ? ["generation", "likelihood"] : ["generation"],
    notes: [
      `labels: ${JSON.stringify(labelInfo)}`,
      `pseudo-label fg box IoU with the true box (teacher set, analysis only): ${
        r3(mean(pseudoIou))
      } over ${pseudoIou.length}`,
      "throughput is in the timing block (wall-clock; relative to the baseline in the same run)",
      "scoring: every suite from the greedy answer (generation, metric <family>-accuracy); multiple-choice and " +
      "yes/no suites also by option likelihood on each method's own final prompt (V* bench's open-model " +
      "protocol: highest mean token log-probability incl. the end token, first on a tie; metric " +
      "likelihood-<family>-accuracy; not timed)",
    ],
    phases,
    summary: [
      table,
      ...likelihoodLines,
      `throughput vs baseline: vicrop ${throughput.vicrop}×, sdrpn ${throughput.sdrpn}×`,
      `pseudo-label IoU (teacher set): ${r3(mean(pseudoIou))}; labels ${JSON.stringify(labelInfo)}`,
    ].join("\n"),
    json: { suites: jsonSuites, throughput },
  });
});

function secs(t: number): number {
  return (performance.now() - t) / 1000;
}

function r2(x: number): number {
  return Math.round(x * 100) / 100;
}

function r3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/**
 * Evaluate the shipped base checkpoint on every evaluation suite in three modes:
 *   global  — the whole image only (the baseline of the paper's tables);
 *   oracle  — plus the TRUE target box cropped from the source image (the ceiling; analysis only);
 *   random  — plus a random window of the same size (the control: extra tokens without the detail).
 * Every suite is scored from the greedy answer (protocol "generation"); multiple-choice and yes/no suites
 * are also scored by option likelihood (protocol "likelihood", V* bench's protocol for open models,
 * lib/eval/likelihood.ts) on the same prompts, in rows of metric `likelihood-<family>-accuracy`.
 * The gap oracle − global measures how much the testbed needs fine detail; random ≈ global shows that
 * the gain comes from the detail, not from the extra tokens.
 *
 *   deno task eval-base [--scale quick|default|full] [--json] [--backend wasm] [--set key=value]
 */
import { z } from "zod";
import { progress } from "../lib/cli/mod.ts";
import { formatTable } from "../lib/cli/table.ts";
import { loadEvalSuite } from "../lib/data/eval_set.ts";
import { SUITE_NAMES } from "../lib/data/schema.ts";
import { SUITES } from "../lib/data/suites.ts";
import { hashSeed, Rng } from "../lib/engine/rng.ts";
import { answerAll, type AnswerRequest } from "../lib/eval/answer.ts";
import { randomBoxLike } from "../lib/eval/boxes.ts";
import { hasLikelihoodScoring } from "../lib/eval/likelihood.ts";
import { likelihoodAnswerAll } from "../lib/eval/likelihood_answers.ts";
import { round2, scoreMethod } from "../lib/eval/score.ts";
import { runExperiment } from "../lib/experiment/mod.ts";
import { TESTBED_PROMPT } from "../lib/results/record.ts";
import type { Artifact, ResultRow } from "../lib/results/schema.ts";

const EVAL_SUITES = SUITE_NAMES.filter((s) => SUITES[s].split === "eval");
const MODES = ["global", "oracle", "random"] as const;
type Mode = typeof MODES[number];

const Config = z.strictObject({
  suites: z.array(z.enum(EVAL_SUITES as [string, ...string[]])).min(1).default(EVAL_SUITES)
    .describe("evaluation suites"),
  n: z.int().positive().default(300).describe("questions per suite"),
  dataSeed: z.int().nonnegative().default(0).describe("seed of the evaluation datasets"),
  batchSize: z.int().positive().default(32).describe("questions per forward batch"),
  maxNewTokens: z.int().positive().default(6).describe("greedy decoding limit"),
  checkpoint: z.string().default("data/base").describe("checkpoint folder"),
  out: z.string().default("results/eval_base.json").describe("result file"),
  dataDir: z.string().default("data/generated").describe("folder of the generated evaluation datasets"),
});

await runExperiment({
  name: "eval-base",
  description:
    "Base MLLM on every evaluation suite: global (baseline), oracle crop (ceiling), random crop (control)",
  schema: Config,
  seeded: false,
  scales: {
    quick: { n: 40, out: "results/scratch/eval_base-quick.json" },
    full: { n: 1000, out: "results/scratch/eval_base-full.json" },
  },
}, async (exp) => {
  const cfg = exp.config;
  const { model } = exp;
  const seed = exp.args.seed;
  const rows: ResultRow[] = [];
  // Likelihood-protocol rows go after every generation row, so the generation rows read as before.
  const likelihoodRows: ResultRow[] = [];
  const summary: {
    suite: string;
    kind: string;
    n: number;
    global: number;
    oracle: number;
    random: number;
    likelihood?: Record<Mode, number>;
  }[] = [];
  const artifacts: Artifact[] = [];
  const phases: Record<string, number> = {};
  const ciRng = new Rng(seed).fork("ci");
  for (const suite of cfg.suites) {
    const t0 = performance.now();
    const set = await loadEvalSuite(suite as typeof EVAL_SUITES[number], cfg.n, cfg.dataSeed, cfg.dataDir);
    artifacts.push({ kind: "dataset", path: set.jsonlPath, hash: set.hash });
    const requests: Record<Mode, AnswerRequest[]> = { global: [], oracle: [], random: [] };
    for (const { sample, image } of set.items) {
      const global = await model.encodeImage(image);
      const rng = new Rng(hashSeed(seed, `random-window/${sample.id}`));
      requests.global.push({ question: sample.question, blocks: [{ pixels: global }] });
      requests.oracle.push({
        question: sample.question,
        blocks: [{ pixels: global }, { pixels: await model.encodeCrop(image, sample.box) }],
      });
      requests.random.push({
        question: sample.question,
        blocks: [{ pixels: global }, {
          pixels: await model.encodeCrop(image, randomBoxLike(rng, sample.box, image.width, image.height)),
        }],
      });
    }
    const metric = SUITES[suite as typeof EVAL_SUITES[number]].metric;
    const scored = hasLikelihoodScoring(metric) ? metric : null;
    const bar = progress(`eval-base ${suite}`, (scored ? 6 : 3) * set.items.length);
    const accuracy: Record<Mode, number> = { global: 0, oracle: 0, random: 0 };
    const likelihood: Record<Mode, number> = { global: 0, oracle: 0, random: 0 };
    const samples = set.items.map((x) => x.sample);
    for (const mode of MODES) {
      const answers = await answerAll(model, requests[mode], {
        batchSize: cfg.batchSize,
        maxNewTokens: cfg.maxNewTokens,
        onBatch: (k) => bar.tick(k),
      });
      const r = scoreMethod(
        mode,
        suite,
        metric,
        answers,
        samples,
        ciRng.fork(`${suite}/${mode}`),
      );
      accuracy[mode] = r.accuracy;
      rows.push(r.row);
      if (!scored) continue;
      const picks = await likelihoodAnswerAll(model, scored, requests[mode], samples, {
        batchSize: cfg.batchSize,
        onBatch: (k) => bar.tick(k),
      });
      const l = scoreMethod(
        mode,
        suite,
        metric,
        picks,
        samples,
        ciRng.fork(`${suite}/${mode}/likelihood`),
        "likelihood",
      );
      likelihood[mode] = l.accuracy;
      likelihoodRows.push(l.row);
    }
    bar.done();
    phases[suite] = Math.round((performance.now() - t0) / 10) / 100;
    summary.push({
      suite,
      kind: SUITES[suite as typeof EVAL_SUITES[number]].kind,
      n: set.items.length,
      ...accuracy,
      ...(scored ? { likelihood } : {}),
    });
  }
  const mean = (k: Mode) => round2(summary.reduce((a, s) => a + s[k], 0) / summary.length);
  const lik = (s: typeof summary[number], k: Mode) => s.likelihood ? fmt(s.likelihood[k]) : "";
  const table = formatTable(
    ["suite", "kind", "n", "global", "oracle", "random", "oracle−global", "global L", "oracle L", "random L"],
    [
      ...summary.map((
        s,
      ) => [
        s.suite,
        s.kind,
        String(s.n),
        fmt(s.global),
        fmt(s.oracle),
        fmt(s.random),
        fmt(s.oracle - s.global),
        lik(s, "global"),
        lik(s, "oracle"),
        lik(s, "random"),
      ]),
      [
        "mean",
        "",
        "",
        fmt(mean("global")),
        fmt(mean("oracle")),
        fmt(mean("random")),
        fmt(mean("oracle") - mean("global")),
        "",
        "",
        "",
      ],
    ],
  );
  exp.setResult({
    experiment: "eval-base",
    out: exp.resultFile,
    // The seed is recorded in the config too (it picks the random windows), as this result always has.
    config: { ...cfg, scale: exp.args.scale, seed },
    prompt: { ...TESTBED_PROMPT },
    rows: [...rows, ...likelihoodRows],
    artifacts,
    scoring: likelihoodRows.length > 0 ? ["generation", "likelihood"] : ["generation"],
    notes: [
      `mean over suites: global ${mean("global")}, oracle ${mean("oracle")}, random ${mean("random")}`,
      "oracle uses the true target box: an analysis ceiling, never an input of any method",
      "scoring: every suite from the greedy answer (generation, metric <family>-accuracy); multiple-choice and " +
      "yes/no suites also by option likelihood (V* bench's open-model protocol: the option content with the " +
      "highest mean token log-probability incl. the end token after the same prompt, first on a tie; metric " +
      "likelihood-<family>-accuracy). Text suites have one protocol, generation. L columns = likelihood.",
    ],
    phases,
    summary: table,
    json: { suites: summary },
  });
});

function fmt(x: number): string {
  return x.toFixed(1);
}

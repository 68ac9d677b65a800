/**
 * Validation of a base checkpoint on held-out draws of the TRAINING suites — how to choose between
 * pretraining stages without looking at an evaluation suite. Each training suite (GQA / OCR-VQA analogues)
 * is drawn at its own data seed (default 777: neither the pretraining stream, seed 0 per step and index, nor
 * the teacher set, data seed 1) and answered with the whole image only (`global`) and with the true target
 * crop appended (`oracle`), scored per metric family (the training suites mix open, yes/no, multiple-choice
 * and number questions); plus held-out grounding questions (lib/data/grounding.ts), scored as the exact grid
 * cell and as a cell at most one away. A tool: it prints, and writes no result file.
 *
 *   deno task validate-base [--scale quick|default] [--set checkpoint=DIR] [--json]
 */
import { z } from "zod";
import { formatTable } from "../lib/cli/table.ts";
import { loadEvalSuite } from "../lib/data/eval_set.ts";
import { cellDistance, groundingSample } from "../lib/data/grounding.ts";
import { SUITE_NAMES } from "../lib/data/schema.ts";
import { SUITES } from "../lib/data/suites.ts";
import { Rng } from "../lib/engine/rng.ts";
import { answerAll, type AnswerRequest } from "../lib/eval/answer.ts";
import { round2, scoreMethod } from "../lib/eval/score.ts";
import { runExperiment } from "../lib/experiment/mod.ts";

const TRAIN_SUITES = SUITE_NAMES.filter((s) => SUITES[s].split === "train");
const MODES = ["global", "oracle"] as const;

const Config = z.strictObject({
  suites: z.array(z.enum(TRAIN_SUITES as [string, ...string[]])).min(1).default(TRAIN_SUITES)
    .describe("training suites to validate on"),
  n: z.int().positive().default(200).describe("held-out questions per training suite"),
  grounding: z.int().nonnegative().default(200).describe("held-out grounding questions (0 = none)"),
  dataSeed: z.int().nonnegative().default(777)
    .describe("data seed of the held-out draws (pretraining draws seed 0, the teacher set 1)"),
  batchSize: z.int().positive().default(32).describe("questions per forward batch"),
  maxNewTokens: z.int().positive().default(6).describe("greedy decoding limit"),
  checkpoint: z.string().default("data/base").describe("checkpoint folder"),
  dataDir: z.string().default("data/generated").describe("folder of the generated held-out datasets"),
});

/** One line of the validation: a suite's questions of one metric family in one mode. */
interface Line {
  suite: string;
  family: string;
  mode: string;
  n: number;
  accuracy: number;
  ci: [number, number];
}

await runExperiment({
  name: "validate-base",
  description:
    "Validate a base checkpoint on held-out draws of the training suites and on grounding questions",
  schema: Config,
  seeded: false,
  tool: true,
  scales: { quick: { n: 40, grounding: 40 }, full: { n: 1000, grounding: 1000 } },
}, async (exp) => {
  const cfg = exp.config;
  const { model } = exp;
  const lines: Line[] = [];
  for (const suite of cfg.suites) {
    const set = await loadEvalSuite(suite as typeof TRAIN_SUITES[number], cfg.n, cfg.dataSeed, cfg.dataDir);
    const requests: Record<typeof MODES[number], AnswerRequest[]> = { global: [], oracle: [] };
    for (const { sample, image } of set.items) {
      const global = await model.encodeImage(image);
      requests.global.push({ question: sample.question, blocks: [{ pixels: global }] });
      requests.oracle.push({
        question: sample.question,
        blocks: [{ pixels: global }, { pixels: await model.encodeCrop(image, sample.box) }],
      });
    }
    const samples = set.items.map((x) => x.sample);
    // A training suite mixes metric families: each family is scored by its own metric.
    const families = [...new Set(samples.map((s) => s.metric))].sort();
    for (const mode of MODES) {
      const answers = await answerAll(model, requests[mode], {
        batchSize: cfg.batchSize,
        maxNewTokens: cfg.maxNewTokens,
      });
      for (const family of families) {
        const idx = samples.flatMap((s, i) => s.metric === family ? [i] : []);
        const r = scoreMethod(
          mode,
          suite,
          family,
          idx.map((i) => answers[i]!),
          idx.map((i) => samples[i]!),
          new Rng(cfg.dataSeed).fork(`${suite}/${family}/${mode}`),
        );
        lines.push({ suite, family, mode, n: idx.length, accuracy: r.accuracy, ci: r.row.ci! });
      }
    }
  }
  let grounding: { n: number; exact: number; withinOneCell: number } | undefined;
  if (cfg.grounding > 0) {
    const { grid } = model.counts;
    const requests: AnswerRequest[] = [];
    const truths: string[] = [];
    for (let i = 0; i < cfg.grounding; i++) {
      const g = groundingSample(i, cfg.dataSeed, grid);
      requests.push({ question: g.question, blocks: [{ pixels: await model.encodeImage(g.image) }] });
      truths.push(g.answer);
    }
    const answers = await answerAll(model, requests, { batchSize: cfg.batchSize, maxNewTokens: 4 });
    const d = answers.map((a, i) => cellDistance(a, truths[i]!, grid));
    const share = (ok: (x: number) => boolean) => round2((100 * d.filter(ok).length) / d.length);
    grounding = { n: d.length, exact: share((x) => x === 0), withinOneCell: share((x) => x <= 1) };
  }
  if (exp.args.json) {
    console.log(JSON.stringify({ checkpoint: cfg.checkpoint, dataSeed: cfg.dataSeed, lines, grounding }));
    return;
  }
  console.log(formatTable(
    ["suite", "family", "mode", "n", "accuracy", "95 % CI"],
    lines.map((
      l,
    ) => [l.suite, l.family, l.mode, String(l.n), l.accuracy.toFixed(1), `${l.ci[0]}–${l.ci[1]}`]),
  ));
  if (grounding) {
    console.log(
      `grounding (${grounding.n} questions): exact cell ${grounding.exact} %, within one cell ` +
        `${grounding.withinOneCell} % (chance of the exact cell for a uniform guess: ${
          round2(100 / model.counts.grid ** 2)
        } %)`,
    );
  }
});

/**
 * Train the SD-RPN branch on the teacher's pseudo-labels (spec §4) and save its weights as safetensors
 * under <cacheDir>/rpn/<hash>.safetensors (reused when present: rerunning is free). Only branch
 * parameters train; the frozen backbone's layer-B states come from <cacheDir>/backbone/ (computed once per
 * checkpoint, teacher questions and B, shared by every RPN on that B).
 *
 *   deno task train-rpn [--scale quick|default|full] [--seed N] [--set rpn.backbone=4] [--json]
 */
import { z } from "zod";
import { defineCli, runMain } from "../lib/cli/mod.ts";
import { initBackend } from "../lib/engine/backend.ts";
import { MODEL_OPTION, openModel, parseWithModel, PIPELINE_SCALES } from "../lib/experiment/mod.ts";
import { validateConfig } from "../lib/experiment/validate.ts";
import { ensureRpn, pipelineConfigFields } from "../lib/roi/pipeline.ts";
import { LabelVariantSchema } from "../lib/roi/pseudo_labels.ts";
import { RpnTrainConfigSchema } from "../lib/roi/train_rpn.ts";

const Config = z.strictObject({
  ...pipelineConfigFields,
  variant: LabelVariantSchema.default(LabelVariantSchema.parse({})),
  rpn: RpnTrainConfigSchema.default(RpnTrainConfigSchema.parse({})),
});

const cli = defineCli({
  name: "train-rpn",
  description: "Train the SD-RPN branch on pseudo-labels (frozen first B layers + R branch layers)",
  schema: Config,
  options: { ...MODEL_OPTION },
  scales: {
    quick: PIPELINE_SCALES.quick,
    default: PIPELINE_SCALES.default,
    full: PIPELINE_SCALES.full,
  },
});

await runMain(async () => {
  const args = await parseWithModel(cli, Deno.args, Object.keys(Config.shape));
  if (args.help) return console.log(cli.usage());
  const cfg = args.config;
  await initBackend(args.backend);
  const { model, hash: ckptHash } = await openModel(cfg.checkpoint);
  validateConfig(cfg, model.counts);
  const t0 = performance.now();
  const r = await ensureRpn(
    model,
    { checkpointHash: ckptHash, teacher: cfg.teacher, variant: cfg.variant, train: cfg.rpn, seed: args.seed },
    {
      cacheDir: cfg.cacheDir,
      backboneChunk: cfg.backboneChunk,
      log: (m) => console.error(`train-rpn: ${m}`),
    },
  );
  const out = {
    weights: r.path,
    teacher: r.teacherPath,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    cached: r.losses === null,
    firstLoss: r.losses?.[0] ?? null,
    lastLoss: r.losses
      ? r.losses.slice(-20).reduce((a, b) => a + b, 0) / Math.min(20, r.losses.length)
      : null,
  };
  console.log(JSON.stringify(out, null, args.json ? 0 : 2));
});

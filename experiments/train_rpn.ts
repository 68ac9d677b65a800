/**
 * Train the SD-RPN branch on the teacher's pseudo-labels (spec §4) and save its weights as safetensors
 * under <cacheDir>/rpn/<hash>.safetensors (reused when present: rerunning is free). Only branch
 * parameters train; the frozen backbone's layer-B states come from <cacheDir>/backbone/ (computed once per
 * checkpoint, teacher questions and B, shared by every RPN on that B).
 *
 *   deno task train-rpn [--scale quick|default|full] [--seed N] [--set rpn.backbone=4] [--json]
 */
import { z } from "zod";
import { runExperiment } from "../lib/experiment/mod.ts";
import { pipelineConfigFields } from "../lib/roi/pipeline.ts";
import { LabelVariantSchema } from "../lib/roi/pseudo_labels.ts";
import { RpnTrainConfigSchema } from "../lib/roi/train_rpn.ts";

const Config = z.strictObject({
  ...pipelineConfigFields,
  variant: LabelVariantSchema.default(LabelVariantSchema.parse({})),
  rpn: RpnTrainConfigSchema.default(RpnTrainConfigSchema.parse({})),
});

await runExperiment({
  name: "train-rpn",
  description: "Train the SD-RPN branch on pseudo-labels (frozen first B layers + R branch layers)",
  schema: Config,
  seeded: false,
  tool: true,
}, async (exp) => {
  const t0 = performance.now();
  const r = await exp.rpn(exp.args.seed);
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
  console.log(JSON.stringify(out, null, exp.args.json ? 0 : 2));
});

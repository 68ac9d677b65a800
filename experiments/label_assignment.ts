/**
 * Ablation rows 2→3 of the paper and its answers table:
 *   attention_prediction  the RPN regresses the raw attention distribution (softmax over cells, KL to the
 *                         normalised raw map), proposals at a relative threshold;
 *   label_assignment      the RPN is trained with BCE on the ternary labels of spec §3;
 *   gt_answers            the full method (sink removal, labels, masked upscaling) with labels from
 *                         teacher-forced ground-truth answers;
 *   self_answers          the same with the model's own answers (the paper's default);
 * plus `raw_attention` (row 1, for the paired step from it) and `baseline`. Rows 2–3 are cumulative as in
 * the paper: no sink removal yet and box-only upscaling. τ_fg / τ_bg sensitivity: sweep points of
 * label_assignment (`extra.fg`, `extra.bg`), run on the first `sweepSeeds` seeds.
 *
 *   deno task label_assignment [--scale quick|default|full] [--seeds 0,1,2] [--set fgSweep=[0.3]]
 */
import { z } from "zod";
import {
  ABLATION_METHODS as A,
  experimentConfigFields,
  EXPERIMENTS,
  runExperiment,
  sweepConfigFields,
  VicropConfigSchema,
} from "../lib/experiment/mod.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  vicrop: VicropConfigSchema.default(VicropConfigSchema.parse({})),
  attentionThreshold: z.number().default(-0.5).describe(
    "τ for the attention-prediction RPN (negative = relative to the map's max; fixed a priori)",
  ),
  fgSweep: z.array(z.number().positive()).default([0.1, 0.3, 0.5]).describe(
    "τ_fg sweep points (τ_bg at default)",
  ),
  bgSweep: z.array(z.number().positive()).default([0.05, 0.15]).describe(
    "τ_bg sweep points (τ_fg at default)",
  ),
  ...sweepConfigFields,
});

await runExperiment({
  name: EXPERIMENTS.labelAssignment,
  description: "Ablation rows 2→3 (attention prediction vs label assignment), τ_fg/τ_bg, GT vs self answers",
  schema: Config,
  scales: { quick: { fgSweep: [0.3], bgSweep: [] } },
}, async (exp) => {
  const cfg = exp.config;
  const suites = await exp.suites();
  const baseline = { method: A.baseline };
  const raw = { method: A.rawAttention };
  const prediction = { method: A.attentionPrediction };
  const labels = { method: A.labelAssignment };
  const gt = { method: A.gtAnswers };
  const self = { method: A.selfAnswers };
  const noSinks = { ...cfg.variant, sink: "none" as const };

  await exp.evaluate(suites, [{ kind: "baseline", key: baseline }, exp.vicrop(raw, cfg.vicrop)]);
  for (const seed of exp.seeds) {
    const pred = await exp.rpn(seed, { variant: noSinks, train: { ...cfg.rpn, target: "attention" } });
    const lab = await exp.rpn(seed, { variant: noSinks });
    const fromGt = await exp.rpn(seed, { teacher: { ...cfg.teacher, answers: "ground-truth" } });
    const fromSelf = await exp.rpn(seed);
    await exp.evaluate(suites, [
      exp.sdrpn(prediction, pred.rpn, "box", cfg.attentionThreshold),
      exp.sdrpn(labels, lab.rpn, "box"),
      exp.sdrpn(gt, fromGt.rpn, "mask"),
      exp.sdrpn(self, fromSelf.rpn, "mask"),
    ], { label: `seed ${seed}` });
    for (const r of [pred, lab, fromGt, fromSelf]) exp.release(r.rpn);
    if (seed === exp.seeds[0]) {
      const correct = fromSelf.teacherRecords.filter((r) => r.correct).length;
      exp.note(
        `self-generated teacher answers: ${correct}/${fromSelf.teacherRecords.length} correct; usable ` +
          `samples: attention_prediction ${pred.examples}, label_assignment ${lab.examples}, gt_answers ` +
          `${fromGt.examples}, self_answers ${fromSelf.examples}`,
      );
    }
  }

  const points = [
    ...cfg.fgSweep.map((fg) => ({ extra: { sweep: "fg", fg }, variant: { ...noSinks, fg } })),
    ...cfg.bgSweep.map((bg) => ({ extra: { sweep: "bg", bg }, variant: { ...noSinks, bg } })),
  ];
  for (const seed of exp.seeds.slice(0, cfg.sweepSeeds)) {
    for (const p of points) {
      const key = { method: A.labelAssignment, extra: p.extra };
      const r = await exp.sweepRpn(
        seed,
        { variant: p.variant },
        `label_assignment ${JSON.stringify(p.extra)}`,
      );
      if (!r) continue;
      await exp.evaluate(suites, [exp.sdrpn(key, r.rpn, "box")], { label: `seed ${seed} ${p.extra.sweep}` });
      exp.release(r.rpn);
    }
  }
  exp.note(
    `rows 2–3 are cumulative as in the paper: no sink removal, box-only upscaling; gt_answers and ` +
      `self_answers use the full method (attention sinks, labels, masked upscaling). Sweep points ran on seeds ` +
      `${exp.seeds.slice(0, cfg.sweepSeeds).join(",")}.`,
  );
});

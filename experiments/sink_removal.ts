/**
 * Ablation row 4 of the paper: sink-token removal before label assignment (spec §2).
 *   no_sink_removal  labels from the raw grounding map (= row 3);
 *   attention_sinks  zero tokens whose early-layer all-head map is ≥ τ_sink (released default, τ = 0.576/N);
 *   norm_sinks       zero tokens whose RMS-normalised hidden state is massive at the sink dimensions
 *                    (paper text; τ_norm = 0.3125·√d, the 7B's 20/√4096 kept relative to √d);
 * all with BCE on labels and box-only upscaling (cumulative as in the paper). Threshold sweep: sweep points
 * `extra.threshold` = factor × default (first `sweepSeeds` seeds). Sink statistics of the teacher set per
 * variant (suite "teacher"): sinks per sample, share of usable samples, pseudo-label IoU with the true box
 * (analysis only), and where the sinks sit (notes).
 *
 *   deno task sink_removal [--scale quick|default|full] [--seeds 0,1,2] [--set attentionFactors=[0.5,2]]
 */
import { z } from "zod";
import {
  ABLATION_METHODS as A,
  experimentConfigFields,
  EXPERIMENTS,
  runExperiment,
  sweepConfigFields,
} from "../lib/experiment/mod.ts";
import { pseudoLabelIou, sinkStatistics } from "../lib/roi/pipeline.ts";
import type { LabelVariant } from "../lib/roi/pseudo_labels.ts";
import { attentionSinkThreshold, normSinkThreshold } from "../lib/roi/sinks.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  attentionFactors: z.array(z.number().positive()).default([0.25, 0.5, 2, 4]).describe(
    "τ_sink sweep points as multiples of 0.576/N",
  ),
  normFactors: z.array(z.number().positive()).default([0.5, 2]).describe(
    "τ_norm sweep points as multiples of 0.3125·√d",
  ),
  ...sweepConfigFields,
});

await runExperiment({
  name: EXPERIMENTS.sinkRemoval,
  description:
    "Ablation row 4: no / attention-based / norm-based sink removal, threshold sweep, sink statistics",
  schema: Config,
  scales: { quick: { attentionFactors: [0.5, 2], normFactors: [] } },
}, async (exp) => {
  const cfg = exp.config;
  const { hidden: dim, tokens } = exp.model.counts;
  const tauAttention = cfg.variant.sinkThreshold ?? attentionSinkThreshold(tokens);
  const tauNorm = cfg.variant.normThreshold ?? normSinkThreshold(dim);
  const variants: {
    key: { method: string; extra: Record<string, unknown> };
    variant: LabelVariant;
    sweep: boolean;
  }[] = [
    { key: { method: A.noSinkRemoval, extra: {} }, variant: { ...cfg.variant, sink: "none" }, sweep: false },
    {
      key: { method: A.attentionSinks, extra: { threshold: tauAttention } },
      variant: { ...cfg.variant, sink: "attention" },
      sweep: false,
    },
    {
      key: { method: A.normSinks, extra: { threshold: tauNorm } },
      variant: { ...cfg.variant, sink: "norm" },
      sweep: false,
    },
    ...cfg.attentionFactors.map((f) => ({
      key: { method: A.attentionSinks, extra: { sweep: "threshold", threshold: f * tauAttention } },
      variant: { ...cfg.variant, sink: "attention" as const, sinkThreshold: f * tauAttention },
      sweep: true,
    })),
    ...cfg.normFactors.map((f) => ({
      key: { method: A.normSinks, extra: { sweep: "threshold", threshold: f * tauNorm } },
      variant: { ...cfg.variant, sink: "norm" as const, normThreshold: f * tauNorm },
      sweep: true,
    })),
  ];
  const suites = await exp.suites();
  const baseline = { method: A.baseline };
  await exp.evaluate(suites, [{ kind: "baseline", key: baseline }]);

  // Sink statistics of the teacher set (no training needed). Headline variants leave τ unset (= the
  // default) so their RPNs are the ones label_assignment and main_results cache.
  const { records } = await exp.teacher();
  for (const { key, variant } of variants) {
    const stats = sinkStatistics(records, variant, exp.model);
    if (stats.sinks.length === 0) {
      exp.note(`no teacher sample has an attention map (every answer is one token): no sink statistics`);
      break;
    }
    exp.table.addValues("sinks_per_sample", key, "teacher", stats.sinks);
    exp.table.addValues("usable_share", key, "teacher", stats.usable);
    const ious = pseudoLabelIou(records, variant, exp.model);
    if (ious.length > 0) exp.table.addValues("iou", key, "teacher", ious);
    const cells = stats.topCells.map((c) => `(${c.row},${c.col}) ${c.share.toFixed(2)}`).join("; ");
    exp.note(
      `sinks of ${key.method} ${JSON.stringify(key.extra)}: most frequent cells (row,col) share: ${
        cells || "none"
      }`,
    );
  }

  const evaluated = new Set<(typeof variants)[number]>();
  for (const [i, seed] of exp.seeds.entries()) {
    for (const v of variants.filter((v) => !v.sweep || i < cfg.sweepSeeds)) {
      const what = `${v.key.method} ${JSON.stringify(v.key.extra)}`;
      const r = v.sweep
        ? await exp.sweepRpn(seed, { variant: v.variant }, what)
        : await exp.rpn(seed, { variant: v.variant });
      if (!r) continue;
      await exp.evaluate(suites, [exp.sdrpn(v.key, r.rpn, "box")], { label: `seed ${seed} ${v.key.method}` });
      exp.release(r.rpn);
      evaluated.add(v);
    }
  }
  exp.note(
    `defaults: τ_sink = 0.576/N = ${tauAttention} (N = ${tokens}), τ_norm = 0.3125·√d = ${tauNorm} (d = ${dim}); ` +
      `labels + BCE, box-only upscaling (ladder row 4); sweep points ran on seeds ` +
      `${exp.seeds.slice(0, cfg.sweepSeeds).join(",")}.`,
  );
});

/**
 * Ablation row 4 of the paper: sink-token removal before label assignment (spec §2).
 *   no_sink_removal  labels from the raw grounding map (= row 3);
 *   attention_sinks  zero tokens whose early-layer all-head map is ≥ τ_sink (released default, τ = 0.576/N);
 *   norm_sinks       zero tokens whose RMS-normalised hidden state is massive at the sink dimensions
 *                    (paper text; τ_norm = 0.3125·√d, the 7B's 20/√4096 kept relative to √d);
 * all with BCE on labels and box-only upscaling (cumulative as in the paper). Threshold sweep: sweep points
 * `extra.threshold` = factor × default (first `sweepSeeds` seeds). Sink-layer sweep: the attention-based
 * rule with its sink map at each layer of `sinkLayers` other than the teacher's `sinkLayer` (that one is the
 * headline `attention_sinks` row), as sweep points `extra: { sweep: "sinkLayer", sinkLayer, threshold }`
 * on a teacher pass of their own. Sink statistics of the teacher set per variant (suite "teacher"): sinks
 * per sample, `sink_share` (the share of the N image cells flagged as sinks), share of usable samples,
 * pseudo-label IoU with the true box (analysis only), and where the sinks sit (notes). Massive-activation
 * statistics at the norm layer (lib/roi/massive_activations.ts) go to the result's
 * `analysis.massiveActivations`: is there any sink dimension for the norm-based rule to find?
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
import { massiveActivationRecord, massiveActivationStats } from "../lib/roi/massive_activations.ts";
import { pseudoLabelIou, sinkStatistics } from "../lib/roi/pipeline.ts";
import type { LabelVariant } from "../lib/roi/pseudo_labels.ts";
import { attentionSinkThreshold, normSinkThreshold } from "../lib/roi/sinks.ts";
import { type TeacherConfig, teacherHiddenStates } from "../lib/roi/teacher_cache.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  attentionFactors: z.array(z.number().positive()).default([0.25, 0.5, 2, 4]).describe(
    "τ_sink sweep points as multiples of 0.576/N",
  ),
  normFactors: z.array(z.number().positive()).default([0.5, 2]).describe(
    "τ_norm sweep points as multiples of 0.3125·√d",
  ),
  sinkLayers: z.array(z.int().nonnegative()).default([0, 1]).describe(
    "sink-map layers of the attention-based rule (teacher.sinkLayer is the headline; each other one is a sweep point)",
  ),
  activationSamples: z.int().positive().default(64).describe(
    "teacher samples whose visual tokens the massive-activation statistics measure (at most teacher.samples)",
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
    /** A teacher pass of its own (the sink-layer sweep); the config's teacher otherwise. */
    teacher?: TeacherConfig;
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
    ...[...new Set(cfg.sinkLayers)].filter((layer) => layer !== cfg.teacher.sinkLayer).map((layer) => ({
      key: {
        method: A.attentionSinks,
        extra: { sweep: "sinkLayer", sinkLayer: layer, threshold: tauAttention },
      },
      variant: { ...cfg.variant, sink: "attention" as const },
      sweep: true,
      teacher: { ...cfg.teacher, sinkLayer: layer },
    })),
  ];
  const suites = await exp.suites();
  const baseline = { method: A.baseline };
  await exp.evaluate(suites, [{ kind: "baseline", key: baseline }]);

  // Sink statistics of the teacher set (no training needed). Headline variants leave τ unset (= the
  // default) so their RPNs are the ones label_assignment and main_results cache.
  const { records, header } = await exp.teacher();
  for (const { key, variant, teacher } of variants) {
    const own = teacher ? (await exp.teacher(teacher)).records : records;
    const stats = sinkStatistics(own, variant, exp.model);
    if (stats.sinks.length === 0) {
      exp.note(`no teacher sample has an attention map (every answer is one token): no sink statistics`);
      break;
    }
    exp.table.addValues("sinks_per_sample", key, "teacher", stats.sinks);
    exp.table.addValues("sink_share", key, "teacher", stats.shares);
    exp.table.addValues("usable_share", key, "teacher", stats.usable);
    const ious = pseudoLabelIou(own, variant, exp.model);
    if (ious.length > 0) exp.table.addValues("iou", key, "teacher", ious);
    const cells = stats.topCells.map((c) => `(${c.row},${c.col}) ${c.share.toFixed(2)}`).join("; ");
    exp.note(
      `sinks of ${key.method} ${JSON.stringify(key.extra)}: most frequent cells (row,col) share: ${
        cells || "none"
      }`,
    );
  }

  for (const [i, seed] of exp.seeds.entries()) {
    for (const v of variants.filter((v) => !v.sweep || i < cfg.sweepSeeds)) {
      const what = `${v.key.method} ${JSON.stringify(v.key.extra)}`;
      const spec = { variant: v.variant, ...(v.teacher ? { teacher: v.teacher } : {}) };
      const r = v.sweep ? await exp.sweepRpn(seed, spec, what) : await exp.rpn(seed, spec);
      if (!r) continue;
      await exp.evaluate(suites, [exp.sdrpn(v.key, r.rpn, "box")], { label: `seed ${seed} ${v.key.method}` });
      exp.release(r.rpn);
    }
  }
  // Massive activations at the norm layer: the evidence for (or against) sink dimensions on this model.
  const samples = Math.min(cfg.activationSamples, cfg.teacher.samples);
  const hidden = await teacherHiddenStates(exp.model, cfg.teacher, samples, cfg.teacher.normLayer);
  const massive = massiveActivationRecord(
    massiveActivationStats(hidden, dim, { tauNorm, sinkDims: header.sinkDims }),
    cfg.teacher.normLayer,
    samples,
  );
  exp.recordAnalysis({ massiveActivations: massive });
  const peak = massive.top[0];
  exp.note(
    `massive activations at the input of layer ${massive.layer} (${massive.tokens} visual tokens of ${samples} ` +
      `teacher samples): largest peak/median ${peak?.ratio ?? "unbounded"} (dim ${peak?.dim}); ` +
      (massive.massiveDims.length === 0
        ? `no dimension reaches ${massive.minRatio}× the median: this model has no sink dimensions by the ` +
          `paper's definition`
        : `dims ${massive.massiveDims.join(",")} reach ${massive.minRatio}× the median`) +
      `; the norm rule's sink dims: ${header.sinkDims.length === 0 ? "none" : header.sinkDims.join(",")}.`,
  );
  exp.note(
    `defaults: τ_sink = 0.576/N = ${tauAttention} (N = ${tokens}), τ_norm = 0.3125·√d = ${tauNorm} (d = ${dim}); ` +
      `sink layer ${cfg.teacher.sinkLayer} (sweep: ${cfg.sinkLayers.join(",")}); ` +
      `labels + BCE, box-only upscaling (ladder row 4); sweep points ran on seeds ` +
      `${exp.seeds.slice(0, cfg.sweepSeeds).join(",")}.`,
  );
});

/**
 * Ablation row 1 of the paper: the training-free crop from the raw attention map (ViCrop-style). The MLLM
 * answers, its answer→image attention at layer l_att picks a square window, and it answers again with
 * [image, crop]. Headline: `raw_attention` at the teacher's grounding layer with the plain map; sweep points:
 * other layers (`extra.layer`), ViCrop's relative map (question ÷ generic prompt, `extra.relative`) and the
 * other window rule (`extra.select`). Every point is compared with the baseline on the same questions.
 *
 * Training-free and deterministic: nothing here depends on the seed (one seed is recorded).
 *
 *   deno task raw_attention_baseline [--scale quick|default|full] [--set layers=[2,6]]
 */
import { z } from "zod";
import {
  ABLATION_METHODS as A,
  experimentConfigFields,
  EXPERIMENTS,
  runExperiment,
  VicropConfigSchema,
} from "../lib/experiment/mod.ts";
import type { MethodSpec } from "../lib/roi/evaluate.ts";

const Config = z.strictObject({
  ...experimentConfigFields,
  vicrop: VicropConfigSchema.default(VicropConfigSchema.parse({})),
  layers: z.array(z.int().nonnegative()).default([1, 2, 3, 5, 6]).describe(
    "other layers whose map picks the window (sweep; the headline uses teacher.layer)",
  ),
  sweepRelative: z.boolean().default(true).describe("also the relative map (question ÷ generic prompt)"),
  sweepSelect: z.boolean().default(true).describe("also the other window rule (sum / sharpness)"),
});

await runExperiment({
  name: EXPERIMENTS.rawAttentionBaseline,
  description: "Ablation row 1: training-free crop from the raw attention map (layer, relative, window rule)",
  schema: Config,
  scales: { quick: { layers: [2, 6] } },
  seeded: false,
}, async (exp) => {
  const cfg = exp.config;
  const depth = exp.model.counts.layers;
  for (const l of [cfg.teacher.layer, ...cfg.layers]) {
    if (l >= depth) throw new Error(`Layer "${l}" does not exist (the model has ${depth} decoder layers)`);
  }
  const suites = await exp.suites();
  const baseline = { method: A.baseline };
  const raw = { method: A.rawAttention, extra: { layer: cfg.teacher.layer } };
  const methods: MethodSpec[] = [{ kind: "baseline", key: baseline }, exp.vicrop(raw, cfg.vicrop)];
  for (const layer of cfg.layers.filter((l) => l !== cfg.teacher.layer)) {
    methods.push(exp.vicrop({ method: A.rawAttention, extra: { sweep: "layer", layer } }, cfg.vicrop, layer));
  }
  if (cfg.sweepRelative) {
    const relative = !cfg.vicrop.relative;
    methods.push(exp.vicrop({ method: A.rawAttention, extra: { sweep: "relative", relative } }, {
      ...cfg.vicrop,
      relative,
    }));
  }
  if (cfg.sweepSelect) {
    const select = cfg.vicrop.select === "sum" ? "sharpness" : "sum";
    methods.push(exp.vicrop({ method: A.rawAttention, extra: { sweep: "select", select } }, {
      ...cfg.vicrop,
      select,
    }));
  }
  await exp.evaluate(suites, methods);
  exp.note(
    `raw_attention: layer ${cfg.teacher.layer} of ${depth} (the paper's 14 of 32, scaled), ` +
      `${cfg.vicrop.relative ? "relative" : "plain"} map, windows ${cfg.vicrop.sizes.join("/")} cells, ` +
      `"${cfg.vicrop.select}" rule. One generation captures every layer, so sweep points cost a second pass only.`,
  );
});

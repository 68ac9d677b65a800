/**
 * SD-RPN teacher pass: the frozen base MLLM answers N training questions; its answer→image attention at the
 * grounding layer, the early-layer sink map and the norm-based sink scores are stored in a versioned,
 * validated JSONL under <cacheDir>/teacher/<hash>.jsonl (resumable), and the pseudo-label statistics of the
 * chosen label variant are printed (sinks found per variant, where they sit, how many samples are usable).
 *
 *   deno task pseudo-labels [--scale quick|default|full] [--set teacher.samples=4000] [--json]
 */
import { z } from "zod";
import { runExperiment } from "../lib/experiment/mod.ts";
import { labelSummary, pipelineConfigFields } from "../lib/roi/pipeline.ts";
import { DEFAULT_VARIANT, type LabelVariant, sinkMaskOf } from "../lib/roi/pseudo_labels.ts";

const Config = z.strictObject({
  ...pipelineConfigFields,
});

await runExperiment({
  name: "pseudo-labels",
  description: "Run the SD-RPN teacher on training questions and store attention maps + pseudo-label inputs",
  schema: Config,
  seeded: false,
  tool: true,
}, async (exp) => {
  const { model, args } = exp;
  const t0 = performance.now();
  const teacher = await exp.teacher();
  const { grid, tokens: n } = model.counts;
  const variants: Record<string, LabelVariant> = {
    "no sink removal": { ...DEFAULT_VARIANT, sink: "none" },
    "attention sinks": DEFAULT_VARIANT,
    "norm sinks": { ...DEFAULT_VARIANT, sink: "norm" },
  };
  const report: Record<string, unknown> = {
    file: teacher.path,
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    sinkDims: teacher.header.sinkDims,
    selfAnswerAccuracy: teacher.records.filter((r) => r.correct).length / teacher.records.length,
  };
  for (const [name, v] of Object.entries(variants)) {
    // Where sinks sit: per-cell frequency over samples, summarised as the most frequent cells.
    const freq = new Float64Array(n);
    for (const r of teacher.records) {
      sinkMaskOf(r, v, n, model.counts.hidden).forEach((s, j) => (freq[j]! += s));
    }
    const top = Array.from(freq.keys()).sort((a, b) => freq[b]! - freq[a]! || a - b).slice(0, 5)
      .filter((j) => freq[j]! > 0)
      .map((j) => ({
        row: Math.floor(j / grid),
        col: j % grid,
        share: +(freq[j]! / teacher.records.length).toFixed(3),
      }));
    report[name] = { ...labelSummary(teacher.records, v, model), topSinkCells: top };
  }
  if (args.json) console.log(JSON.stringify(report));
  else console.log(JSON.stringify(report, null, 2));
});

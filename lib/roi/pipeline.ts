import { existsSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import type { Mllm } from "../eval/answer.ts";
import { letterbox } from "../image/resize.ts";
import { gridOf } from "../model/config.ts";
import type { TensorMap } from "../model/params.ts";
import { loadSafetensors, saveSafetensors } from "../model/safetensors.ts";
import { configHash } from "../results/hash.ts";
import { namedVariable } from "../engine/variables.ts";
import { backboneStates } from "./backbone.ts";
import { labelStats } from "./labels.ts";
import { type LabelVariant, pseudoLabels } from "./pseudo_labels.ts";
import { rpnParamSources } from "./rpn.ts";
import { ensureTeacher, type TeacherConfig, TeacherConfigSchema, teacherSample } from "./teacher_cache.ts";
import type { TeacherRecord } from "./teacher.ts";
import { type RpnExample, type RpnTrainConfig, trainRpn } from "./train_rpn.ts";
import type { Rpn } from "./two_stage.ts";

/** Config keys every SD-RPN script shares: the teacher pass, the base checkpoint and the artifact cache. */
export const pipelineConfigFields = {
  teacher: TeacherConfigSchema.default(TeacherConfigSchema.parse({})),
  checkpoint: z.string().default("data/base").describe("checkpoint folder"),
  cacheDir: z.string().default("data/cache").describe("folder of cached teacher files and RPN weights"),
};

export interface PipelineLog {
  (message: string): void;
}

/** Label statistics of a teacher set under a variant (how much supervision the RPN gets). */
export function labelSummary(records: TeacherRecord[], variant: LabelVariant, model: Mllm) {
  const shape = { grid: gridOf(model.config).grid, heads: model.config.heads, dim: model.config.dim };
  let usable = 0, skippedOneToken = 0, ignoredSamples = 0, fg = 0, bg = 0, sinks = 0;
  for (const r of records) {
    if (r.queries === 0) {
      skippedOneToken++;
      continue;
    }
    const { labels, sinks: s } = pseudoLabels(r, variant, shape);
    const st = labelStats(labels);
    sinks += s.reduce((a, v) => a + v, 0);
    if (st.ignoredSample) ignoredSamples++;
    else usable++;
    fg += st.fg;
    bg += st.bg;
  }
  return {
    records: records.length,
    usable,
    skippedOneToken,
    ignoredSamples,
    fgCells: fg,
    bgCells: bg,
    sinkCells: sinks,
  };
}

/**
 * A trained RPN for (checkpoint, teacher config, label variant, training config, seed), from
 * `<cacheDir>/rpn/<hash>.safetensors` when present, else trained and cached. Samples without a map
 * (one-token answers) or ignored whole (box ≥ half the grid) carry no loss and are left out.
 */
export async function ensureRpn(
  model: Mllm,
  checkpointHash: string,
  teacherCfg: TeacherConfig,
  variant: LabelVariant,
  trainCfg: RpnTrainConfig,
  seed: number,
  cacheDir: string,
  log: PipelineLog = () => {},
): Promise<
  { rpn: Rpn; path: string; teacherPath: string; teacherRecords: TeacherRecord[]; losses: number[] | null }
> {
  const hash = configHash({ checkpointHash, teacher: teacherCfg, variant, train: trainCfg, seed });
  const path = join(cacheDir, "rpn", `${hash}.safetensors`);
  const teacher = await ensureTeacher(model, checkpointHash, teacherCfg, cacheDir, (d, t) => {
    if (d === t || d % (teacherCfg.batchSize * 10) === 0) log(`teacher ${d}/${t}`);
  });
  const shape = { backbone: trainCfg.backbone, branch: trainCfg.branch };
  let weights: TensorMap;
  let losses: number[] | null = null;
  if (existsSync(path)) {
    weights = (await loadSafetensors(path)).tensors;
    for (const [name] of rpnParamSources(model.config, shape)) {
      if (!weights[name]) throw new Error(`Cannot load RPN "${path}": tensor "${name}" is missing`);
    }
  } else {
    const examples = await rpnExamples(model, teacher.records, teacherCfg, variant, trainCfg);
    if (examples.length === 0) {
      throw new Error(
        `No usable pseudo-labels in "${teacher.path}": every sample was skipped (one-token answer) or ignored`,
      );
    }
    log(`rpn: training on ${examples.length} of ${teacher.records.length} teacher samples`);
    const r = await trainRpn(model, examples, trainCfg, seed, (s, t, l) => {
      if (s === t || s % 50 === 0) log(`rpn step ${s}/${t} loss ${l.toFixed(4)}`);
    });
    weights = r.weights;
    losses = r.losses;
    await saveSafetensors(path, weights, { configHash: hash });
  }
  const branch: Record<string, tf.Variable> = {};
  for (const [name, t] of Object.entries(weights)) {
    branch[name] = namedVariable(name, tf.tensor(t.data, t.shape), false);
  }
  return {
    rpn: { shape, params: { ...model.params, ...branch }, target: trainCfg.target },
    path,
    teacherPath: teacher.path,
    teacherRecords: teacher.records,
    losses,
  };
}

/** Training examples: cached layer-B states + labels (or raw maps) of the usable teacher samples. */
async function rpnExamples(
  model: Mllm,
  records: TeacherRecord[],
  teacherCfg: TeacherConfig,
  variant: LabelVariant,
  trainCfg: RpnTrainConfig,
): Promise<RpnExample[]> {
  const shape = { grid: gridOf(model.config).grid, heads: model.config.heads, dim: model.config.dim };
  const keep: { index: number; labels: Int32Array; map: Float64Array }[] = [];
  records.forEach((r, index) => {
    if (r.queries === 0) return;
    const { labels, map } = pseudoLabels(r, variant, shape);
    if (trainCfg.target === "labels" && labelStats(labels).ignoredSample) return;
    keep.push({ index, labels, map });
  });
  const S = model.config.imageSize;
  const items = await Promise.all(keep.map(async ({ index }) => {
    const { sample, image } = teacherSample(teacherCfg, index);
    return {
      question: model.tokenizer.encode(sample.question),
      blocks: [{ pixels: (await letterbox(image, S)).pixels }],
    };
  }));
  const states = await backboneStates(model, items, trainCfg.backbone);
  return keep.map((k, i) => ({ state: states[i]!, labels: k.labels, map: k.map }));
}

import { existsSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import type { SuiteName } from "../data/schema.ts";
import { SUITES } from "../data/suites.ts";
import { iou } from "../eval/boxes.ts";
import { gridBoxToSource } from "../image/geometry.ts";
import type { Mllm } from "../model/mllm.ts";
import type { TensorMap } from "../model/tensors.ts";
import { loadSafetensors, saveSafetensors } from "../model/safetensors.ts";
import { configHash } from "../results/hash.ts";
import { namedVariable } from "../engine/variables.ts";
import { Rng } from "../engine/rng.ts";
import { removeWithChecksum, verifyChecksum, writeChecksum } from "../results/checksum.ts";
import { withLock } from "../results/lock.ts";
import { backboneCacheDir, ensureBackboneStates } from "./backbone_cache.ts";
import { fgBox, labelStats } from "./labels.ts";
import { labelShape, type LabelVariant, pseudoLabels } from "./pseudo_labels.ts";
import { rpnParamNames, type RpnShape } from "./rpn.ts";
import { flaggedShare } from "./sinks.ts";
import { ensureTeacher, type TeacherConfig, TeacherConfigSchema } from "./teacher_cache.ts";
import type { TeacherRecord } from "./teacher.ts";
import { type RpnTrainConfig, trainRpn } from "./train_rpn.ts";
import type { Rpn } from "./two_stage.ts";

/** Teacher samples per backbone-state chunk file (~5 MB at the default model size). */
export const DEFAULT_BACKBONE_CHUNK = 256;

/** Config keys every SD-RPN script shares: the teacher pass, the base checkpoint and the artifact cache. */
export const pipelineConfigFields = {
  teacher: TeacherConfigSchema.default(TeacherConfigSchema.parse({})),
  checkpoint: z.string().default("data/base").describe("checkpoint folder"),
  cacheDir: z.string().default("data/cache").describe(
    "folder of cached teacher files, backbone states and RPN weights",
  ),
  backboneChunk: z.int().positive().default(DEFAULT_BACKBONE_CHUNK).describe(
    "teacher samples per backbone-state cache file",
  ),
};

export interface PipelineLog {
  (message: string): void;
}

/** Label statistics of a teacher set under a variant (how much supervision the RPN gets). */
export function labelSummary(records: TeacherRecord[], variant: LabelVariant, model: Mllm) {
  const shape = labelShape(model);
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
 * Sinks of a label variant on the teacher set (samples with a map only): per sample the number of sink cells,
 * their share of the N image cells, and whether it keeps any label (1) or is ignored whole (0), and the cells
 * most often a sink with the share of samples in which they are (ties: lower index first).
 */
export function sinkStatistics(
  records: TeacherRecord[],
  variant: LabelVariant,
  model: Mllm,
  top = 5,
): {
  sinks: number[];
  shares: number[];
  usable: number[];
  topCells: { row: number; col: number; share: number }[];
} {
  const { grid, tokens } = model.counts;
  const shape = labelShape(model);
  const per = records.filter((r) => r.queries > 0).map((r) => pseudoLabels(r, variant, shape));
  const freq = new Float64Array(tokens);
  for (const p of per) p.sinks.forEach((v, j) => (freq[j]! += v));
  const topCells = [...freq.keys()].filter((j) => freq[j]! > 0).sort((a, b) => freq[b]! - freq[a]! || a - b)
    .slice(0, top)
    .map((j) => ({ row: Math.floor(j / grid), col: j % grid, share: freq[j]! / per.length }));
  return {
    sinks: per.map((p) => p.sinks.reduce((a, v) => a + v, 0)),
    shares: per.map((p) => flaggedShare(p.sinks)),
    usable: per.map((p) => (labelStats(p.labels).ignoredSample ? 0 : 1)),
    topCells,
  };
}

/**
 * Per teacher sample with a fg box: IoU of the pseudo-labels' fg box (mapped to source pixels) with the true
 * target box. Analysis only — the true box never shapes labels, training or thresholds.
 */
export function pseudoLabelIou(records: TeacherRecord[], variant: LabelVariant, model: Mllm): number[] {
  const { grid, encoderSize: S } = model.counts;
  const shape = labelShape(model);
  const out: number[] = [];
  for (const r of records) {
    if (r.queries === 0) continue;
    const b = fgBox(pseudoLabels(r, variant, shape).labels, grid);
    if (!b) continue;
    const { width: w, height: h } = SUITES[r.suite as SuiteName];
    out.push(iou(gridBoxToSource(b, grid, S, model.imageGeometry(w, h), w, h), r.box));
  }
  return out;
}

/** Thrown when a label variant leaves no teacher sample with a loss (e.g. a τ_fg so low every box is huge). */
export class NoUsableLabelsError extends Error {
  constructor(teacherPath: string) {
    super(
      `No usable pseudo-labels in "${teacherPath}": every sample was skipped (one-token answer) or ignored`,
    );
    this.name = "NoUsableLabelsError";
  }
}

/** What an RPN is trained from; its hash names the cached weights. */
export interface RpnSpec {
  checkpointHash: string;
  teacher: TeacherConfig;
  variant: LabelVariant;
  train: RpnTrainConfig;
  /** Seeds the branch's data order (and the subset, when there is one). */
  seed: number;
  /**
   * Train on this many teacher samples instead of all (the data-size sweep): the first `subset` of a
   * seeded shuffle of the teacher set, so for one seed a smaller subset is part of every larger one.
   */
  subset?: number;
}

/** Reads released branch weights (`RpnTrainConfig.released`) under the RPN's names for a shape. */
export type ReleasedRpnLoader = (path: string, shape: RpnShape) => Promise<TensorMap>;

export interface EnsureRpnOptions {
  cacheDir: string;
  /** The model family's reader of released weights (lib/experiment/model.ts `releasedRpnLoader`). */
  loadReleased?: ReleasedRpnLoader;
  /** Samples per backbone-state chunk file (see backbone_cache.ts). */
  backboneChunk?: number;
  log?: PipelineLog;
  /** Where rebuilding and lock-waiting messages go (default: stderr, even when `log` is silent). */
  report?: (message: string) => void;
}

/** A trained (or cached) RPN with the artifacts it came from. */
export interface RpnArtifacts {
  rpn: Rpn;
  /** Weights file. */
  path: string;
  teacherPath: string;
  teacherRecords: TeacherRecord[];
  /** Folder of the backbone-state chunks the branch trained on. */
  backboneDir: string;
  /** Teacher samples the branch was trained on (after dropping skipped and ignored ones; 0 when released). */
  examples: number;
  /** Per-step training losses; null when the weights came from the cache. */
  losses: number[] | null;
}

/** Teacher indices of a subset: the first `size` of a seeded shuffle (nested across sizes). */
export function teacherSubset(samples: number, size: number, seed: number): number[] {
  if (!Number.isInteger(size) || size < 1 || size > samples) {
    throw new Error(`Invalid teacher subset "${size}": expected an integer from 1 to ${samples}`);
  }
  const order = new Rng(seed).fork("teacher-subset").shuffle(Array.from({ length: samples }, (_, i) => i));
  return order.slice(0, size).sort((a, b) => a - b);
}

/**
 * A trained RPN for a spec, from `<cacheDir>/rpn/<hash>.safetensors` when present, else trained (under a lock,
 * so two concurrent runs train it once) and cached. Samples without a map (one-token answers) or ignored
 * whole (box ≥ half the grid) carry no loss and are left out. The frozen backbone's states come from the
 * shared backbone cache. With `train.released`, the branch is the released weights instead (read by
 * `options.loadReleased`, checked against the RPN's names): nothing is trained or cached, and the teacher pass
 * still runs (cached) for the label analyses.
 */
export async function ensureRpn(
  model: Mllm,
  spec: RpnSpec,
  options: EnsureRpnOptions,
): Promise<RpnArtifacts> {
  const log = options.log ?? (() => {});
  const report = options.report ?? ((m: string) => console.error(m));
  const { checkpointHash, teacher: teacherCfg, variant, train: trainCfg, seed } = spec;
  const hash = configHash({
    checkpointHash,
    teacher: teacherCfg,
    variant,
    train: trainCfg,
    seed,
    ...(spec.subset === undefined ? {} : { subset: spec.subset }),
  });
  const path = join(options.cacheDir, "rpn", `${hash}.safetensors`);
  const teacher = await ensureTeacher(model, checkpointHash, teacherCfg, options.cacheDir, (d, t) => {
    if (d === t || d % (teacherCfg.batchSize * 10) === 0) log(`teacher ${d}/${t}`);
  }, report);
  const shape = { backbone: trainCfg.backbone, branch: trainCfg.branch };
  const indices = spec.subset === undefined
    ? teacher.records.map((_, i) => i)
    : teacherSubset(teacher.records.length, spec.subset, seed);
  const keep = usableExamples(model, teacher.records, indices, variant, trainCfg.target);
  if (keep.length === 0 && trainCfg.released === undefined) throw new NoUsableLabelsError(teacher.path);
  const backboneSpec = {
    checkpointHash,
    teacher: teacherCfg,
    backbone: trainCfg.backbone,
    chunk: options.backboneChunk ?? DEFAULT_BACKBONE_CHUNK,
  };
  let backboneDir = backboneCacheDir(options.cacheDir, backboneSpec);
  let losses: number[] | null = null;
  const released = trainCfg.released;
  let weights: TensorMap;
  const cached = released === undefined ? await tryLoadRpnWeights(model, path, shape) : null;
  if (released !== undefined) {
    if (!options.loadReleased) {
      throw new Error(
        `Cannot use released RPN weights "${released}": model family "${model.family}" has none`,
      );
    }
    weights = await options.loadReleased(released, shape);
    checkRpnWeights(model, released, shape, weights);
    log(`rpn: released weights ${released}`);
  } else if (cached && "weights" in cached) {
    weights = cached.weights;
  } else {
    ({ weights, losses, backboneDir } = await withLock(path, async () => {
      // Only the lock holder may delete or write: recheck, another run may have trained it meanwhile.
      const again = await tryLoadRpnWeights(model, path, shape);
      if ("weights" in again) return { weights: again.weights, losses: null, backboneDir };
      if (again.invalid) {
        report(`Rebuilding RPN weights "${path}": ${again.invalid}`);
        await removeWithChecksum(path);
      }
      const { states, dir } = await ensureBackboneStates(model, backboneSpec, keep.map((k) => k.index), {
        cacheDir: options.cacheDir,
        report,
        onChunk: (d, t, computed) => {
          if (computed) log(`backbone states B=${trainCfg.backbone}: computed chunk ${d}/${t}`);
        },
      });
      const examples = keep.map((k, i) => ({ state: states[i]!, labels: k.labels, map: k.map }));
      log(`rpn: training on ${examples.length} of ${teacher.records.length} teacher samples`);
      const r = await trainRpn(model, examples, trainCfg, seed, (s, t, l) => {
        if (s === t || s % 50 === 0) log(`rpn step ${s}/${t} loss ${l.toFixed(4)}`);
      });
      await saveSafetensors(path, r.weights, { configHash: hash });
      await writeChecksum(path);
      return { weights: r.weights, losses: r.losses, backboneDir: dir };
    }, { what: `RPN "${path}"`, report }));
  }
  const branch: Record<string, tf.Variable> = {};
  for (const [name, t] of Object.entries(weights)) {
    branch[name] = namedVariable(name, tf.tensor(t.data, t.shape), false);
  }
  return {
    rpn: { shape, params: branch, target: trainCfg.target },
    path: released ?? path,
    teacherPath: teacher.path,
    teacherRecords: teacher.records,
    backboneDir,
    examples: released !== undefined ? 0 : keep.length,
    losses,
  };
}

/** Free the branch variables of an RPN (the base model's are not the RPN's). */
export function disposeRpn(_model: Mllm, rpn: Rpn): void {
  for (const v of Object.values(rpn.params)) v.dispose();
}

/**
 * Cached RPN weights, verified (content hash against `<path>.sha256`, every tensor present and finite), or
 * why they cannot be used: `invalid` is null for a missing file.
 */
async function tryLoadRpnWeights(
  model: Mllm,
  path: string,
  shape: RpnShape,
): Promise<{ weights: TensorMap } | { invalid: string | null }> {
  if (!existsSync(path)) return { invalid: null };
  try {
    const check = await verifyChecksum(path);
    if (check !== "ok" && check !== "unchecked") return { invalid: check };
    const weights = (await loadSafetensors(path)).tensors;
    for (const name of rpnParamNames(model, shape)) {
      if (!weights[name]) return { invalid: `tensor "${name}" is missing` };
    }
    // Weights from before content hashes were kept, now verified: keep their hash from now on.
    if (check === "unchecked") await writeChecksum(path);
    return { weights };
  } catch (error) {
    return { invalid: (error as Error).message.replace(/^Cannot load checkpoint "[^"]*": /, "") };
  }
}

/** Released (or otherwise given) RPN weights must hold every tensor of the branch. */
function checkRpnWeights(model: Mllm, path: string, shape: RpnShape, weights: TensorMap): void {
  for (const name of rpnParamNames(model, shape)) {
    if (!weights[name]) throw new Error(`Cannot load RPN "${path}": tensor "${name}" is missing`);
  }
}

/** The teacher samples (of `indices`) that carry a loss, with their labels and raw maps. */
function usableExamples(
  model: Mllm,
  records: TeacherRecord[],
  indices: number[],
  variant: LabelVariant,
  target: RpnTrainConfig["target"],
): { index: number; labels: Int32Array; map: Float64Array }[] {
  const shape = labelShape(model);
  const keep: { index: number; labels: Int32Array; map: Float64Array }[] = [];
  for (const index of indices) {
    const r = records[index]!;
    if (r.queries === 0) continue;
    const { labels, map } = pseudoLabels(r, variant, shape);
    if (target === "labels" && labelStats(labels).ignoredSample) continue;
    keep.push({ index, labels, map });
  }
  return keep;
}

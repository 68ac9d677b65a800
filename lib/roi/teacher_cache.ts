import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { SUITE_NAMES, type SuiteName } from "../data/schema.ts";
import { generateSample, SUITES } from "../data/suites.ts";
import { hashSeed } from "../engine/rng.ts";
import type { Mllm } from "../model/mllm.ts";
import { configHash } from "../results/hash.ts";
import { removeWithChecksum, verifyChecksum, writeChecksum } from "../results/checksum.ts";
import { withLock } from "../results/lock.ts";
import {
  discoverSinkDims,
  teacherBatch,
  teacherImageHidden,
  type TeacherItem,
  type TeacherRecord,
} from "./teacher.ts";
import {
  readTeacherFile,
  TEACHER_FORMAT,
  TEACHER_VERSION,
  type TeacherHeader,
  TeacherWriter,
} from "./teacher_file.ts";

const TRAIN_SUITES = SUITE_NAMES.filter((s) => SUITES[s].split === "train");

/** What the teacher pass depends on; its hash (with the checkpoint's) names the cached file. */
export const TeacherConfigSchema = z.strictObject({
  samples: z.int().positive().default(4000).describe("teacher questions (from the training suites)"),
  dataSeed: z.int().nonnegative().default(1).describe(
    "seed of the teacher questions (pretraining used seed 0)",
  ),
  suites: z.array(z.enum(TRAIN_SUITES as [string, ...string[]])).min(1).default(TRAIN_SUITES),
  layer: z.int().nonnegative().default(4).describe("grounding layer l_att (paper: 14 of 32 → 4 of 8)"),
  sinkLayer: z.int().nonnegative().default(1).describe(
    "early layer of the attention sink map (paper: 2 of 32)",
  ),
  normLayer: z.int().nonnegative().default(4).describe("layer whose input states feed norm-based sinks"),
  answers: z.enum(["generated", "ground-truth"]).default("generated"),
  maxNewTokens: z.int().positive().default(6),
  batchSize: z.int().positive().default(32),
});
export type TeacherConfig = z.infer<typeof TeacherConfigSchema>;

/** Sample i of the teacher set: suites interleaved deterministically. */
export function teacherSample(cfg: Pick<TeacherConfig, "dataSeed" | "suites">, i: number) {
  const suite = cfg.suites[hashSeed(cfg.dataSeed, `teacher/suite/${i}`) % cfg.suites.length] as SuiteName;
  return generateSample(suite, i, cfg.dataSeed);
}

/**
 * Visual-token hidden states entering decoder layer `layer` for the first `count` teacher samples of `cfg`
 * (the samples the norm-based rule's sink dimensions are found on come first): [count·N, d], computed in
 * batches of `cfg.batchSize`, nothing cached.
 */
export async function teacherHiddenStates(
  model: Mllm,
  cfg: TeacherConfig,
  count: number,
  layer: number,
): Promise<Float32Array> {
  if (!Number.isInteger(count) || count < 1 || count > cfg.samples) {
    throw new Error(
      `Invalid sample count "${count}": expected an integer from 1 to ${cfg.samples} (teacher.samples)`,
    );
  }
  const { tokens: n, hidden: d } = model.counts;
  const out = new Float32Array(count * n * d);
  for (let s = 0; s < count; s += cfg.batchSize) {
    const items = await Promise.all(
      Array.from({ length: Math.min(cfg.batchSize, count - s) }, async (_, k): Promise<TeacherItem> => {
        const { sample, image } = teacherSample(cfg, s + k);
        return { sample, pixels: await model.encodeImage(image) };
      }),
    );
    out.set(await teacherImageHidden(model, items, layer), s * n * d);
  }
  return out;
}

/**
 * Teacher records for a config, from `<cacheDir>/teacher/<hash>.jsonl` when present and valid, else computed
 * — resuming a `.partial` file — and written there. Computing holds the file's lock, so concurrent runs
 * (`deno task reproduce`) never append to one partial file together: the second waits and reads the result.
 * A cached file that fails verification (a malformed or torn line, the wrong record count, a content hash
 * that does not match its `.sha256`) is reported through `report` (default: stderr) and rebuilt.
 */
export async function ensureTeacher(
  model: Mllm,
  checkpointHash: string,
  cfg: TeacherConfig,
  cacheDir: string,
  onProgress?: (done: number, total: number) => void,
  report: (message: string) => void = (m) => console.error(m),
): Promise<{ path: string; header: TeacherHeader; records: TeacherRecord[] }> {
  const hash = configHash({ checkpointHash, teacher: cfg });
  const path = join(cacheDir, "teacher", `${hash}.jsonl`);
  const cached = await readCompleteTeacher(path, cfg.samples);
  if ("records" in cached) return cached;
  return await withLock(path, async () => {
    // Only the lock holder may delete: outside it another run may be renaming a finished file into place.
    const again = await readCompleteTeacher(path, cfg.samples);
    if ("records" in again) return again;
    if (again.invalid) {
      report(`Rebuilding teacher file "${path}": ${again.invalid}`);
      await removeWithChecksum(path);
    }
    return await computeTeacher(model, checkpointHash, cfg, path, hash, onProgress, report);
  }, { what: `the teacher pass "${path}"`, report });
}

/**
 * Complete teacher files already read by this process. A finished file never changes (its name is its
 * config's hash), and an experiment trains many RPNs on one teacher set: parsing and validating it once per
 * process instead of once per RPN saves seconds per RPN at the default size.
 */
const completeFiles = new Map<string, { path: string; header: TeacherHeader; records: TeacherRecord[] }>();

/** The verified complete file, or why there is none: `invalid` is null for a missing file. */
async function readCompleteTeacher(
  path: string,
  samples: number,
): Promise<{ path: string; header: TeacherHeader; records: TeacherRecord[] } | { invalid: string | null }> {
  const known = completeFiles.get(path);
  if (known) return known;
  if (!existsSync(path)) return { invalid: null };
  try {
    const bytes = await Deno.readFile(path);
    const check = await verifyChecksum(path, bytes);
    if (check !== "ok" && check !== "unchecked") return { invalid: check };
    const cached = await readTeacherFile(path);
    if (!cached) return { invalid: null };
    if (cached.records.length !== samples) {
      return { invalid: `it has ${cached.records.length} records, expected ${samples}` };
    }
    // A file from before content hashes were kept, now verified line by line: keep its hash from now on.
    if (check === "unchecked") await writeChecksum(path, bytes);
    const complete = { path, ...cached };
    completeFiles.set(path, complete);
    return complete;
  } catch (error) {
    return { invalid: (error as Error).message };
  }
}

async function computeTeacher(
  model: Mllm,
  checkpointHash: string,
  cfg: TeacherConfig,
  path: string,
  hash: string,
  onProgress: ((done: number, total: number) => void) | undefined,
  report: (message: string) => void,
): Promise<{ path: string; header: TeacherHeader; records: TeacherRecord[] }> {
  const itemAt = async (i: number): Promise<TeacherItem> => {
    const { sample, image } = teacherSample(cfg, i);
    return { sample, pixels: await model.encodeImage(image) };
  };
  const probe = await Promise.all(Array.from({ length: Math.min(32, cfg.samples) }, (_, i) => itemAt(i)));
  const sinkDims = await discoverSinkDims(model, probe, cfg.normLayer);
  const header: TeacherHeader = {
    format: TEACHER_FORMAT,
    version: TEACHER_VERSION,
    configHash: hash,
    config: { checkpointHash, ...cfg },
    sinkDims,
    tokens: model.counts.tokens,
    heads: model.counts.heads,
  };
  const { writer, done } = await TeacherWriter.open(path, header, report);
  const records = [...done];
  onProgress?.(records.length, cfg.samples);
  for (let s = records.length; s < cfg.samples; s += cfg.batchSize) {
    const n = Math.min(cfg.batchSize, cfg.samples - s);
    const items = await Promise.all(Array.from({ length: n }, (_, k) => itemAt(s + k)));
    const batch = await teacherBatch(model, items, cfg, sinkDims);
    await writer.append(batch);
    records.push(...batch);
    onProgress?.(records.length, cfg.samples);
  }
  await writer.finish();
  return { path, header, records };
}

/**
 * Cache of the frozen backbone's layer-B states for the teacher questions (issue 4, item 2).
 *
 * An RPN built on B trains on the hidden states after decoder layers 0..B−1 of its prompts (image + question,
 * no answer). Those depend on the checkpoint, the question and image, and B — not on R, the seed, the label
 * variant, the teacher's answers or which subset of the teacher set is used. So they are computed once per
 * (checkpoint, teacher questions, B) and shared by every RPN of every experiment built on that B.
 *
 * Layout: `<cacheDir>/backbone/<hash>/chunk-<k>.safetensors`, chunk k holding the states of teacher samples
 * k·C .. k·C+C−1 (C = `chunk`). Teacher sample i depends only on (dataSeed, suites, i), so the key leaves out
 * the teacher's sample count: a larger teacher set extends the same cache. Each chunk is computed in fixed
 * batches (so its bytes do not depend on which run made it), written atomically under a lock with its
 * content hash beside it (`.sha256`), and never rewritten while valid: an interrupted run leaves whole
 * chunks, and the rerun computes only the missing ones. A chunk that fails verification on open (truncated,
 * another chunk's, a content hash that does not match) is reported and recomputed.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Mllm } from "../model/mllm.ts";
import { loadSafetensors, saveSafetensors } from "../model/safetensors.ts";
import { writeJsonAtomic } from "../results/atomic.ts";
import { configHash } from "../results/hash.ts";
import { removeWithChecksum, verifyChecksum, writeChecksum } from "../results/checksum.ts";
import { withLock } from "../results/lock.ts";
import { type BackboneState, backboneStates } from "./backbone.ts";
import { type TeacherConfig, teacherSample } from "./teacher_cache.ts";

export const BACKBONE_FORMAT = "sdrpn-backbone";
export const BACKBONE_VERSION = 1;
/** Forward batch inside a chunk; fixed so that a chunk's bytes never depend on the caller's batch size. */
const CHUNK_BATCH = 32;

/** What the cached states depend on. */
export interface BackboneCacheSpec {
  /** Hash of the checkpoint's weights file. */
  checkpointHash: string;
  /** The teacher questions (sample i is a function of these and i). */
  teacher: Pick<TeacherConfig, "dataSeed" | "suites">;
  /** Frozen depth B. */
  backbone: number;
  /** Samples per chunk file. */
  chunk: number;
}

export interface BackboneCacheOptions {
  cacheDir: string;
  /** Called after each chunk is ready, with chunks done, chunks needed and whether this one was computed. */
  onChunk?: (done: number, total: number, computed: boolean) => void;
  /** Called once when another process holds a chunk's lock. */
  onWait?: (holder: string) => void;
  /** Where "rebuilding an invalid chunk" and lock messages go (default: stderr). */
  report?: (message: string) => void;
}

/** The cache folder of a spec. */
export function backboneCacheDir(cacheDir: string, spec: BackboneCacheSpec): string {
  return join(cacheDir, "backbone", backboneKey(spec));
}

function backboneKey(spec: BackboneCacheSpec): string {
  return configHash({
    format: BACKBONE_FORMAT,
    version: BACKBONE_VERSION,
    checkpointHash: spec.checkpointHash,
    dataSeed: spec.teacher.dataSeed,
    suites: spec.teacher.suites,
    backbone: spec.backbone,
    chunk: spec.chunk,
  });
}

/** Path of chunk k. */
export function chunkPath(dir: string, k: number): string {
  return join(dir, `chunk-${String(k).padStart(5, "0")}.safetensors`);
}

/**
 * Layer-B states of teacher samples `indices` (in that order), from the cache where present; missing chunks
 * are computed and written. Returns the folder and how many chunks this call computed.
 */
export async function ensureBackboneStates(
  model: Mllm,
  spec: BackboneCacheSpec,
  indices: readonly number[],
  options: BackboneCacheOptions,
): Promise<{ dir: string; states: BackboneState[]; computed: number }> {
  if (!Number.isInteger(spec.chunk) || spec.chunk < 1) {
    throw new Error(`Invalid backbone chunk size "${spec.chunk}": expected a positive integer`);
  }
  const key = backboneKey(spec);
  const dir = backboneCacheDir(options.cacheDir, spec);
  const meta = join(dir, "key.json");
  if (!existsSync(meta)) {
    await writeJsonAtomic(meta, {
      format: BACKBONE_FORMAT,
      version: BACKBONE_VERSION,
      key,
      ...spec,
      note: "layer-B states of the teacher prompts; chunk k holds samples k*chunk .. k*chunk+chunk-1",
    });
  }
  const chunks = [...new Set(indices.map((i) => Math.floor(i / spec.chunk)))].sort((a, b) => a - b);
  const loaded = new Map<number, BackboneState[]>();
  let computed = 0;
  const report = options.report ?? ((m: string) => console.error(m));
  for (const k of chunks) {
    const path = chunkPath(dir, k);
    let states = await tryReadChunk(path, key, k, spec.chunk, model.counts.hidden);
    let fresh = false;
    if (!("states" in states)) {
      states = await withLock(path, async () => {
        // Only the lock holder may delete or write: recheck, another run may have finished the chunk.
        const again = await tryReadChunk(path, key, k, spec.chunk, model.counts.hidden);
        if ("states" in again) return again;
        if (again.invalid) {
          report(`Rebuilding backbone cache chunk "${path}": ${again.invalid}`);
          await removeWithChecksum(path);
        }
        await writeChunk(path, await computeChunk(model, spec, k), key, k, model.counts.hidden);
        fresh = true;
        computed++;
        return { states: await readChunk(path, key, k, spec.chunk, model.counts.hidden) };
      }, { what: `backbone cache chunk "${path}"`, onWait: options.onWait, report });
    }
    loaded.set(k, states.states);
    options.onChunk?.(loaded.size, chunks.length, fresh);
  }
  const states = indices.map((i) => loaded.get(Math.floor(i / spec.chunk))![i % spec.chunk]!);
  return { dir, states, computed };
}

async function computeChunk(model: Mllm, spec: BackboneCacheSpec, k: number): Promise<BackboneState[]> {
  const items = await Promise.all(Array.from({ length: spec.chunk }, async (_, j) => {
    const { sample, image } = teacherSample(spec.teacher, k * spec.chunk + j);
    return { question: sample.question, blocks: [{ pixels: await model.encodeImage(image) }] };
  }));
  return backboneStates(model, items, spec.backbone, CHUNK_BATCH);
}

async function writeChunk(path: string, states: BackboneState[], key: string, k: number, dim: number) {
  const rows = states.map((s) => s.hidden.length / dim);
  const hidden = new Float32Array(rows.reduce((a, b) => a + b, 0) * dim);
  let at = 0;
  for (const s of states) {
    hidden.set(s.hidden, at);
    at += s.hidden.length;
  }
  await saveSafetensors(path, { hidden: { shape: [hidden.length / dim, dim], data: hidden } }, {
    format: BACKBONE_FORMAT,
    version: String(BACKBONE_VERSION),
    key,
    chunk: String(k),
    rows: JSON.stringify(rows),
    questionLengths: JSON.stringify(states.map((s) => s.questionLength)),
  });
  await writeChecksum(path);
}

/** A chunk's states, or why it cannot be used: `invalid` is null for a missing chunk. */
async function tryReadChunk(
  path: string,
  key: string,
  k: number,
  size: number,
  dim: number,
): Promise<{ states: BackboneState[] } | { invalid: string | null }> {
  if (!existsSync(path)) return { invalid: null };
  try {
    const check = await verifyChecksum(path);
    if (check !== "ok" && check !== "unchecked") return { invalid: check };
    const states = await readChunk(path, key, k, size, dim);
    // A chunk from before content hashes were kept, now verified structurally: keep its hash from now on.
    if (check === "unchecked") await writeChecksum(path);
    return { states };
  } catch (error) {
    return { invalid: (error as Error).message.replace(/^Corrupt backbone cache chunk "[^"]*": /, "") };
  }
}

async function readChunk(
  path: string,
  key: string,
  k: number,
  size: number,
  dim: number,
): Promise<BackboneState[]> {
  const corrupt = (reason: string) => new Error(`Corrupt backbone cache chunk "${path}": ${reason}`);
  let file;
  try {
    file = await loadSafetensors(path);
  } catch (error) {
    throw corrupt((error as Error).message.replace(/^Cannot load checkpoint "[^"]*": /, ""));
  }
  const m = file.metadata;
  if (m.format !== BACKBONE_FORMAT || m.version !== String(BACKBONE_VERSION)) {
    throw corrupt(`format "${m.format} v${m.version}", expected "${BACKBONE_FORMAT} v${BACKBONE_VERSION}"`);
  }
  if (m.key !== key || m.chunk !== String(k)) {
    throw corrupt(`it is chunk ${m.chunk} of cache "${m.key}", expected chunk ${k} of "${key}"`);
  }
  const rows = JSON.parse(m.rows ?? "[]") as number[];
  const qLens = JSON.parse(m.questionLengths ?? "[]") as number[];
  const hidden = file.tensors.hidden;
  const total = rows.reduce((a, b) => a + b, 0);
  if (rows.length !== size || qLens.length !== size) {
    throw corrupt(`it holds ${rows.length} samples, expected ${size}`);
  }
  if (!hidden || hidden.shape[0] !== total || hidden.shape[1] !== dim) {
    throw corrupt(`tensor "hidden" has shape [${hidden?.shape ?? ""}], expected [${total},${dim}]`);
  }
  const out: BackboneState[] = [];
  let at = 0;
  rows.forEach((r, j) => {
    out.push({ hidden: hidden.data.slice(at, at + r * dim), questionLength: qLens[j]! });
    at += r * dim;
  });
  return out;
}

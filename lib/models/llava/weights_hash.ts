/**
 * The identity of a LLaVA folder's weights for cache keys (teacher files, backbone states, RPNs) and
 * result artifacts — fast for a 14 GB 7B checkpoint.
 *
 * SHA-256 over: `config.json`; `model.safetensors.index.json` when present; then per weights file (the
 * single `model.safetensors`, or every shard the index lists, sorted by name) its name, its byte size, its
 * whole safetensors header (every tensor's name, dtype, shape and offsets) and, for a file over
 * `FULL_HASH_LIMIT`, `SAMPLES` blocks of `SAMPLE_BYTES` at evenly spaced offsets of the data (smaller
 * files are hashed whole). Reading ~1 MB per shard instead of 14 GB makes the key cost milliseconds;
 * it tells apart any two real checkpoints (a fine-tune changes every block sampled), not a deliberate
 * edit of unsampled bytes — documented, and the reason the result's artifact says "sampled".
 */
import { createHash } from "node:crypto";
import { join } from "node:path";

/** Files up to this size are hashed whole. */
export const FULL_HASH_LIMIT = 64 * 1024 * 1024;
const SAMPLES = 16;
const SAMPLE_BYTES = 64 * 1024;

/** The weights files of a LLaVA folder: the index (or null) and the safetensors files, sorted. */
export async function llavaWeightFiles(dir: string): Promise<{ index: string | null; files: string[] }> {
  const index = join(dir, "model.safetensors.index.json");
  let text: string;
  try {
    text = await Deno.readTextFile(index);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { index: null, files: [join(dir, "model.safetensors")] };
    }
    throw new Error(`Cannot read "${index}": ${(error as Error).message}`);
  }
  let map: unknown;
  try {
    map = (JSON.parse(text) as { weight_map?: unknown }).weight_map;
  } catch (error) {
    throw new Error(`Cannot read "${index}": ${(error as Error).message}`);
  }
  if (map === null || typeof map !== "object" || Array.isArray(map)) {
    throw new Error(`Cannot read "${index}": key "weight_map" is not an object`);
  }
  const shards = [...new Set(Object.values(map as Record<string, unknown>).map(String))].sort();
  return { index, files: shards.map((s) => join(dir, s)) };
}

/** First 16 hex characters of the weights identity described above. */
export async function llavaWeightsHash(dir: string): Promise<string> {
  const { index, files } = await llavaWeightFiles(dir);
  return await sampledHash(dir, [join(dir, "config.json"), ...(index ? [index] : []), ...files]);
}

/**
 * First 16 hex characters of SHA-256 over files (in the given order): per file its path relative to `root`,
 * its size, and its bytes — whole up to `fullLimit` bytes, else its safetensors header and `SAMPLES`
 * evenly spaced blocks of its data.
 */
export async function sampledHash(
  root: string,
  paths: readonly string[],
  fullLimit = FULL_HASH_LIMIT,
): Promise<string> {
  const hash = createHash("sha256");
  for (const path of paths) {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(path);
    } catch (error) {
      const reason = error instanceof Deno.errors.NotFound ? "file not found" : (error as Error).message;
      throw new Error(`Cannot read "${path}": ${reason}`);
    }
    try {
      const size = (await file.stat()).size;
      hash.update(`${path.slice(root.length)}\0${size}\0`);
      if (size <= fullLimit) {
        hash.update(await readAt(file, 0, size, path));
        continue;
      }
      const head = await readAt(file, 0, 8, path);
      const headerLength = Number(new DataView(head.buffer).getBigUint64(0, true));
      if (8 + headerLength > size) {
        throw new Error(`Cannot read "${path}": header runs past the end of the file`);
      }
      hash.update(await readAt(file, 0, 8 + headerLength, path));
      const dataStart = 8 + headerLength;
      const span = size - dataStart - SAMPLE_BYTES;
      for (let i = 0; i < SAMPLES; i++) {
        const offset = dataStart + Math.floor((Math.max(span, 0) * i) / (SAMPLES - 1));
        hash.update(await readAt(file, offset, Math.min(SAMPLE_BYTES, size - offset), path));
      }
    } finally {
      file.close();
    }
  }
  return hash.digest("hex").slice(0, 16);
}

async function readAt(file: Deno.FsFile, offset: number, length: number, path: string): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let at = 0;
  while (at < length) {
    const n = await file.read(out.subarray(at));
    if (n === null) {
      throw new Error(`Cannot read "${path}": file ends at byte ${offset + at}, expected ${offset + length}`);
    }
    at += n;
  }
  return out;
}

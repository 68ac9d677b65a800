/**
 * Checkpoints in the safetensors format (https://github.com/huggingface/safetensors), float32 only.
 *
 * Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON mapping each tensor name to
 * `{"dtype":"F32","shape":[...],"data_offsets":[start,end]}` plus an optional `"__metadata__"` map of
 * strings, then the data section. This writer sorts tensors by name, packs their little-endian bytes
 * contiguously in that order, and pads the header with spaces so that the data section starts on an
 * 8-byte boundary. The reader accepts any key order and unpadded headers, as written by other tools,
 * but validates every offset: a checkpoint that does not load exactly fails loudly.
 *
 * The codec (`encodeSafetensors` / `decodeSafetensors`) carries any float32, NaN and ±Infinity included; the
 * file API (`saveSafetensors` / `loadSafetensors`) refuses them, since every file it handles — checkpoints,
 * optimiser states, cached states and RPN weights — holds weights or activations that must be finite: a
 * diverged run must fail where it diverged, not write a file that evaluates to garbage later.
 */
import { basename, dirname, join } from "node:path";

/** One float32 tensor: row-major `data` of `shape` (`data.length` = product of `shape`). */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

/** Tensors by name. */
export type NamedTensors = Record<string, TensorData>;

/** The content of a safetensors file. */
export interface Safetensors {
  tensors: NamedTensors;
  /** The `__metadata__` string map; `{}` when the file has none. */
  metadata: Record<string, string>;
}

const METADATA_KEY = "__metadata__";
const HEADER_ALIGN = 8;

/**
 * Serialises tensors (sorted by name) and optional string metadata to safetensors bytes.
 * Throws `Cannot encode tensor "x": …` for a reserved name or a shape that does not match the data.
 */
export function encodeSafetensors(tensors: NamedTensors, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const entries: [string, unknown][] = [];
  let offset = 0;
  for (const name of names) {
    const { shape, data } = tensors[name]!;
    if (name === METADATA_KEY) {
      throw new Error(`Cannot encode tensor "${name}": the name is reserved for metadata`);
    }
    if (!shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw new Error(`Cannot encode tensor "${name}": shape "${shapeText(shape)}" is not a list of sizes`);
    }
    const count = product(shape);
    if (count !== data.length) {
      throw new Error(
        `Cannot encode tensor "${name}": shape "${shapeText(shape)}" holds ${count} values but data has ` +
          `${data.length}`,
      );
    }
    entries.push([name, { dtype: "F32", shape, data_offsets: [offset, offset + 4 * count] }]);
    offset += 4 * count;
  }
  if (metadata !== undefined && Object.keys(metadata).length > 0) entries.push([METADATA_KEY, metadata]);

  // fromEntries defines own properties, so even a tensor called "__proto__" is written.
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(entries)));
  const headerLength = Math.ceil((8 + json.length) / HEADER_ALIGN) * HEADER_ALIGN - 8;
  const bytes = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(bytes.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  bytes.set(json, 8);
  bytes.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const name of names) {
    for (const value of tensors[name]!.data) {
      view.setFloat32(at, value, true);
      at += 4;
    }
  }
  return bytes;
}

/**
 * Parses safetensors bytes; `path` names the source in error messages
 * (`Cannot load checkpoint "path": …`). Returned arrays are fresh copies.
 */
export function decodeSafetensors(bytes: Uint8Array, path: string): Safetensors {
  const loadError = (reason: string) => new Error(`Cannot load checkpoint "${path}": ${reason}`);
  if (bytes.length < 8) {
    throw loadError(`file has ${bytes.length} bytes, fewer than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(bytes.length - 8)) throw loadError("header length exceeds file size");
  const dataStart = 8 + Number(headerLength);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(8, dataStart)));
  } catch {
    throw loadError("malformed header JSON");
  }
  if (!isRecord(header)) throw loadError("malformed header JSON");

  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; shape: number[]; start: number; end: number }[] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      if (!isRecord(entry) || !Object.values(entry).every((v) => typeof v === "string")) {
        throw loadError(`"${METADATA_KEY}" must map strings to strings`);
      }
      Object.assign(metadata, entry);
      continue;
    }
    if (!isRecord(entry)) throw loadError(`tensor "${name}" has a malformed header entry`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== "string") throw loadError(`tensor "${name}" has no dtype`);
    if (dtype !== "F32") throw loadError(`tensor "${name}" has dtype "${dtype}", only F32 is supported`);
    if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
      throw loadError(`tensor "${name}" has a malformed shape`);
    }
    if (
      !Array.isArray(offsets) || offsets.length !== 2 ||
      !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)
    ) {
      throw loadError(`tensor "${name}" has malformed data_offsets`);
    }
    const [start, end] = offsets as [number, number];
    const needed = 4 * product(shape);
    if (end - start !== needed) {
      throw loadError(
        `tensor "${name}" has data_offsets "[${start},${end}]" (${end - start} bytes) but shape ` +
          `"${shapeText(shape)}" needs ${needed} bytes`,
      );
    }
    if (end > dataLength) {
      throw loadError(
        `tensor "${name}" has data_offsets "[${start},${end}]" beyond the ${dataLength}-byte data section`,
      );
    }
    entries.push({ name, shape, start, end });
  }

  // As in the reference implementation: tensors must tile the data section exactly, with no gap or
  // overlap, so that stray or missing bytes are caught rather than silently ignored.
  entries.sort((a, b) => a.start - b.start || a.end - b.end);
  let expected = 0;
  for (const { name, start, end } of entries) {
    if (start !== expected) {
      throw loadError(
        `tensor "${name}" starts at byte ${start} of the data section, expected ${expected} ` +
          `(tensors must be packed without gaps or overlaps)`,
      );
    }
    expected = end;
  }
  if (expected !== dataLength) {
    throw loadError(`the data section has ${dataLength - expected} bytes after the last tensor`);
  }

  const tensors = new Map<string, TensorData>();
  for (const { name, shape, start, end } of entries) {
    const data = new Float32Array((end - start) / 4);
    for (let i = 0; i < data.length; i++) data[i] = view.getFloat32(dataStart + start + 4 * i, true);
    tensors.set(name, { shape: shape.slice(), data });
  }
  // fromEntries defines own properties, so even a tensor called "__proto__" round-trips.
  return {
    tensors: Object.fromEntries([...tensors].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    metadata,
  };
}

let tempCounter = 0;

/**
 * Writes a checkpoint atomically: to a temporary file in the same folder, flushed to disk, then renamed
 * over `path`, so that readers never see a half-written file; the temporary file is removed on failure.
 * Creates missing parent folders.
 */
export async function saveSafetensors(
  path: string,
  tensors: NamedTensors,
  metadata?: Record<string, string>,
): Promise<void> {
  const bad = nonFiniteTensor(tensors);
  if (bad) throw new Error(`Cannot save checkpoint "${path}": ${bad}`);
  const bytes = encodeSafetensors(tensors, metadata);
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${Deno.pid}.${tempCounter++}.tmp`);
  try {
    await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(temp, bytes, { createNew: true });
    const file = await Deno.open(temp, { write: true });
    try {
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(temp, path);
  } catch (error) {
    await Deno.remove(temp).catch(() => {});
    throw new Error(`Cannot save checkpoint "${path}": ${osReason(error)}`, { cause: error });
  }
}

/** Reads a checkpoint written by `saveSafetensors` (or any F32 safetensors file). */
export async function loadSafetensors(path: string): Promise<Safetensors> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : osReason(error);
    throw new Error(`Cannot load checkpoint "${path}": ${reason}`, { cause: error });
  }
  const file = decodeSafetensors(bytes, path);
  const bad = nonFiniteTensor(file.tensors);
  if (bad) throw new Error(`Cannot load checkpoint "${path}": ${bad}`);
  return file;
}

/**
 * The first tensor (by name) holding NaN or ±Infinity, described as
 * `tensor "a.b" has the non-finite value "NaN" at index 3`; null when every value is finite.
 */
export function nonFiniteTensor(tensors: NamedTensors): string | null {
  for (const name of Object.keys(tensors).sort()) {
    const data = tensors[name]!.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        return `tensor "${name}" has the non-finite value "${data[i]}" at index ${i}`;
      }
    }
  }
  return null;
}

/** "Is a directory (os error 21): rename 'a' -> 'b'" → "is a directory". */
function osReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const reason = text.replace(/ \(os error \d+\).*$/s, "");
  return reason.charAt(0).toLowerCase() + reason.slice(1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function product(shape: readonly number[]): number {
  return shape.reduce((p, s) => p * s, 1);
}

function shapeText(shape: readonly unknown[]): string {
  return `[${shape.join(",")}]`;
}

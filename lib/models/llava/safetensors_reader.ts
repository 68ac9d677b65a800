/**
 * Streaming reader for Hugging Face safetensors files in F32, F16 or BF16.
 *
 * A 7B checkpoint is ~14 GB of F16 in a few shards; decoded to f32 it is ~28 GB. Reading a whole shard
 * into memory and then decoding it would need the raw file and its f32 copy at once, so this reader
 * parses only the header (8-byte little-endian length, then JSON) and reads one tensor's byte range at a
 * time through a file handle. lib/model/safetensors.ts stays the whole-file F32 format of the suite's
 * own checkpoints.
 */
import { decodeBf16, decodeF16, decodeF32 } from "./half.ts";

/** Element types this reader decodes to float32. */
export const SUPPORTED_DTYPES = ["F32", "F16", "BF16"] as const;
const ITEM_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

/** One tensor's header entry; `start`/`end` are absolute byte offsets in the file. */
export interface TensorEntry {
  name: string;
  dtype: string;
  shape: number[];
  start: number;
  end: number;
}

/** An open safetensors file: its header, and tensors read on demand. */
export interface SafetensorsFile {
  path: string;
  tensors: ReadonlyMap<string, TensorEntry>;
  /** Reads and decodes one tensor to float32 (row-major). */
  read(name: string): Promise<Float32Array>;
  close(): void;
}

/**
 * Opens `path` and validates its header: every tensor's offsets must match its dtype and shape and lie
 * inside the file, so a truncated download fails here, before any data is read. Dtypes are checked when
 * a tensor is read, since checkpoints may hold tensors of other types that are never used (e.g. int64
 * `position_ids` buffers). Errors: `Cannot read "path": …`, naming the tensor where one is at fault.
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  const fail = (reason: string) => new Error(`Cannot read "${path}": ${reason}`);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "file not found" : (error as Error).message;
    throw new Error(`Cannot read "${path}": ${reason}`, { cause: error });
  }
  try {
    const size = (await file.stat()).size;
    if (size < 8) throw fail(`file has ${size} bytes, fewer than the 8-byte header length`);
    const lengthBytes = await readExactly(file, 0, 8);
    const headerLength = new DataView(lengthBytes.buffer).getBigUint64(0, true);
    if (headerLength > BigInt(size - 8)) {
      throw fail(
        `header length ${headerLength} exceeds the file size (${size} bytes): the file is truncated`,
      );
    }
    const dataStart = 8 + Number(headerLength);
    let header: unknown;
    try {
      header = JSON.parse(
        new TextDecoder("utf-8", { fatal: true }).decode(await readExactly(file, 8, Number(headerLength))),
      );
    } catch {
      throw fail("malformed header JSON");
    }
    if (header === null || typeof header !== "object" || Array.isArray(header)) {
      throw fail("malformed header JSON");
    }
    const tensors = new Map<string, TensorEntry>();
    for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
      if (name === "__metadata__") continue;
      tensors.set(name, parseEntry(name, raw, dataStart, size, fail));
    }
    const read = async (name: string): Promise<Float32Array> => {
      const entry = tensors.get(name);
      if (entry === undefined) throw fail(`tensor "${name}" is not in the file`);
      checkDtype(entry, fail);
      const bytes = await readExactly(file, entry.start, entry.end - entry.start);
      return entry.dtype === "F32"
        ? decodeF32(bytes)
        : entry.dtype === "F16"
        ? decodeF16(bytes)
        : decodeBf16(bytes);
    };
    return { path, tensors, read, close: () => file.close() };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** Throws `… tensor "x" has dtype "I8", expected F32, F16 or BF16` for a dtype this reader cannot decode. */
export function checkDtype(entry: TensorEntry, fail: (reason: string) => Error): void {
  if (!(SUPPORTED_DTYPES as readonly string[]).includes(entry.dtype)) {
    throw fail(`tensor "${entry.name}" has dtype "${entry.dtype}", expected F32, F16 or BF16`);
  }
}

function parseEntry(
  name: string,
  raw: unknown,
  dataStart: number,
  size: number,
  fail: (reason: string) => Error,
): TensorEntry {
  if (raw === null || typeof raw !== "object") throw fail(`tensor "${name}" has a malformed header entry`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string") throw fail(`tensor "${name}" has no dtype`);
  if (!Array.isArray(shape) || !shape.every((s) => Number.isSafeInteger(s) && s >= 0)) {
    throw fail(`tensor "${name}" has a malformed shape`);
  }
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) ||
    offsets[1] < offsets[0]
  ) {
    throw fail(`tensor "${name}" has malformed data_offsets`);
  }
  const [from, to] = offsets as [number, number];
  const item = ITEM_BYTES[dtype];
  const count = (shape as number[]).reduce((p, s) => p * s, 1);
  if (item !== undefined && to - from !== item * count) {
    throw fail(
      `tensor "${name}" has data_offsets [${from},${to}] (${to - from} bytes) but ${dtype} shape ` +
        `[${shape.join(",")}] needs ${item * count} bytes`,
    );
  }
  if (dataStart + to > size) {
    throw fail(
      `tensor "${name}" ends at byte ${dataStart + to} but the file has ${size} bytes: the file is truncated`,
    );
  }
  return { name, dtype, shape: shape as number[], start: dataStart + from, end: dataStart + to };
}

async function readExactly(file: Deno.FsFile, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  await file.seek(offset, Deno.SeekMode.Start);
  let got = 0;
  while (got < length) {
    const n = await file.read(out.subarray(got));
    if (n === null) throw new Error(`unexpected end of file at byte ${offset + got}`);
    got += n;
  }
  return out;
}

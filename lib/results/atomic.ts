/**
 * Atomic file writes: temp file in the same folder, then rename.
 *
 * A run killed mid-write must never leave a half-written result or artifact that a later run would
 * trust; rename within one file system replaces the target in a single step, so readers see either
 * the old file or the complete new one.
 */
import { dirname } from "node:path";

let counter = 0;

/**
 * Write `data` to `path` atomically: create the parent folder, write `<path>.tmp-<pid>-<n>`, fsync it,
 * rename it over `path`. On any error the temp file is removed and the error is rethrown unchanged.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = `${path}.tmp-${Deno.pid}-${counter++}`;
  try {
    await Deno.mkdir(dirname(path), { recursive: true });
    const file = await Deno.open(tmp, { write: true, createNew: true });
    try {
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      // Without the fsync a crash right after the rename can leave an empty file under the new name.
      await file.syncData();
    } finally {
      file.close();
    }
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {});
    throw error;
  }
}

/** `writeFileAtomic` of `value` as JSON with 2-space indent and a trailing newline. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2) as string | undefined;
  if (text === undefined) throw new TypeError(`Cannot write JSON file "${path}": value is not JSON`);
  await writeFileAtomic(path, `${text}\n`);
}

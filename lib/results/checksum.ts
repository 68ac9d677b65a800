/**
 * Content hashes of cache files, kept beside them as `<file>.sha256` in `sha256sum` format
 * (`<hex>  <name>`, so `sha256sum -c` checks them by hand too).
 *
 * A side file rather than a field inside the cache file: teacher files and RPN weights are recorded by
 * their content hash in results, so their bytes must not change. A cache file without a side file (written
 * before these existed, or by a run killed between the rename and the side file) is checked structurally
 * by its reader only; `verifyChecksum` reports it as unchecked so that the caller can add the side file.
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { writeFileAtomic } from "./atomic.ts";

/** Path of a file's side file. */
export function checksumPath(path: string): string {
  return `${path}.sha256`;
}

/** SHA-256 (hex) of bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Write `<path>.sha256` for the file's current bytes (atomically). */
export async function writeChecksum(path: string, bytes?: Uint8Array): Promise<void> {
  const hex = sha256Hex(bytes ?? await Deno.readFile(path));
  await writeFileAtomic(checksumPath(path), `${hex}  ${basename(path)}\n`);
}

/**
 * Check a file against its side file: "ok", "unchecked" (no side file) or the reason it does not match,
 * e.g. `content hash "ab12…" does not match "x.sha256" ("cd34…")`.
 */
export async function verifyChecksum(path: string, bytes?: Uint8Array): Promise<"ok" | "unchecked" | string> {
  let text: string;
  try {
    text = await Deno.readTextFile(checksumPath(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "unchecked";
    throw error;
  }
  const expected = text.trim().split(/\s+/)[0] ?? "";
  const actual = sha256Hex(bytes ?? await Deno.readFile(path));
  if (actual === expected) return "ok";
  return `content hash "${actual.slice(0, 16)}…" does not match "${checksumPath(path)}" ("${
    expected.slice(0, 16)
  }…")`;
}

/** Remove a cache file and its side file (either may be missing). */
export async function removeWithChecksum(path: string): Promise<void> {
  await Deno.remove(path).catch(() => {});
  await Deno.remove(checksumPath(path)).catch(() => {});
}

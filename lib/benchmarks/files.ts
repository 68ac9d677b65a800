/**
 * Which parquet files hold a split of a local dataset snapshot.
 *
 * A Hugging Face dataset repository names its shards `<split>-00000-of-00003.parquet` (or
 * `<split>.parquet`), below `data/` or below one folder per config. Reading only the names of the
 * wanted split keeps other splits and configs beside it out, and sorting the relative paths gives the
 * shard order the `datasets` library concatenates them in.
 */
import { join, relative, sep } from "node:path";

/** True when `fileName` is a shard of `split`: `<split>-*.parquet` or `<split>.parquet`. */
export function isSplitFile(fileName: string, split: string): boolean {
  return fileName.endsWith(".parquet") &&
    (fileName === `${split}.parquet` || fileName.startsWith(`${split}-`));
}

/**
 * Every shard of `split` below `root` (searched recursively, following symbolic links as in a Hugging
 * Face cache snapshot, skipping hidden folders such as `.cache` and `.git`), sorted by path relative to
 * `root`. Throws when `root` is not a folder.
 */
export async function listSplitFiles(root: string, split: string): Promise<string[]> {
  try {
    if (!(await Deno.stat(root)).isDirectory) throw new Error("not a folder");
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound ? "folder not found" : (error as Error).message;
    throw new Error(`Cannot read "${root}": ${reason}`);
  }
  const found: string[] = [];
  await walk(root, split, found);
  const key = (path: string) => relative(root, path).split(sep).join("/");
  return found.sort((a, b) => compareCodePoints(key(a), key(b)));
}

async function walk(dir: string, split: string, found: string[]): Promise<void> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    let isDirectory = entry.isDirectory;
    let isFile = entry.isFile;
    if (entry.isSymlink) {
      const target = await Deno.stat(path).catch(() => undefined);
      isDirectory = target?.isDirectory ?? false;
      isFile = target?.isFile ?? false;
    }
    if (isDirectory && !entry.name.startsWith(".")) await walk(path, split, found);
    else if (isFile && isSplitFile(entry.name, split)) found.push(path);
  }
}

/** Python's string order (by code point), which differs from UTF-16 order above U+D7FF only. */
function compareCodePoints(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

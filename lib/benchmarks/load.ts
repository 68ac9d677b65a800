/**
 * Load a benchmark from a local dataset snapshot: find its split shards, read and validate every row,
 * build the prompt and decode the image. Any bad file or row ends the load with one error naming the
 * file and the row (0-based index within the file).
 *
 * Layout (`dataDir` is the `--data DIR` of the experiments): `DIR/<name>/` is a local snapshot of the
 * benchmark's dataset repository; a benchmark read through a named config (docvqa `DocVQA`, infovqa
 * `InfographicVQA`, hrbench `hrbench_version_split`) reads `DIR/<name>/<config>/`, the others everything
 * below `DIR/<name>/`. Shards are `<split>-*.parquet` or `<split>.parquet`; other splits and configs are
 * ignored.
 */
import { join } from "node:path";
import { z } from "zod";
import type { RgbImage } from "../image/types.ts";
import { describeIssue } from "./columns.ts";
import { listSplitFiles } from "./files.ts";
import { decodeImageBytes, sha256Hex } from "./image.ts";
import { readParquetRows } from "./parquet.ts";
import { type BenchmarkDraft, type BenchmarkName, BENCHMARKS } from "./registry.ts";

/** One benchmark question, ready to ask. */
export interface BenchmarkItem extends Omit<BenchmarkDraft, "imageBytes"> {
  benchmark: BenchmarkName;
  split: string;
  image: {
    /** Encoded bytes as stored (HR-Bench: after base64 decoding). */
    bytes: Uint8Array;
    /** sha256 (hex) of `bytes`. */
    sha256: string;
    width: number;
    height: number;
    /** The decoded pixels. */
    rgb: RgbImage;
  };
  /** Where the row comes from: the parquet file and the row's 0-based index in it. */
  source: { file: string; row: number };
}

/** Options of `loadBenchmark`. */
export interface LoadOptions {
  /** Stop after this many items (over all splits read); default all. */
  limit?: number;
  /** Read only this split of the benchmark (e.g. HR-Bench's "hrbench_8k"); default every split in order. */
  split?: string;
}

/** The folder a benchmark's shards are searched in. */
export function benchmarkRoot(dataDir: string, name: BenchmarkName): string {
  const { config } = BENCHMARKS[name];
  return config === null ? join(dataDir, name) : join(dataDir, name, config);
}

/** Each split of `name` with its shard files in reading order; throws when a split has none. */
export async function benchmarkFiles(
  dataDir: string,
  name: BenchmarkName,
): Promise<{ split: string; files: string[] }[]> {
  const root = benchmarkRoot(dataDir, name);
  const out: { split: string; files: string[] }[] = [];
  for (const split of BENCHMARKS[name].splits) {
    const files = await listSplitFiles(root, split);
    if (files.length === 0) {
      throw new Error(
        `Cannot read benchmark "${name}": no "${split}-*.parquet" or "${split}.parquet" file below "${root}"`,
      );
    }
    out.push({ split, files });
  }
  return out;
}

/** Items of benchmark `name` below `dataDir`, splits in order, rows in file order. */
export async function* loadBenchmark(
  dataDir: string,
  name: BenchmarkName,
  options: LoadOptions = {},
): AsyncGenerator<BenchmarkItem> {
  const limit = options.limit ?? Infinity;
  if (limit <= 0) return;
  const spec = BENCHMARKS[name];
  if (options.split !== undefined && !spec.splits.includes(options.split)) {
    throw new Error(
      `Benchmark "${name}" has no split "${options.split}" (splits: ${spec.splits.join(", ")})`,
    );
  }
  let count = 0;
  for (const { split, files } of await benchmarkFiles(dataDir, name)) {
    if (options.split !== undefined && split !== options.split) continue;
    let indexInSplit = 0;
    for (const file of files) {
      for await (const { row, index } of readParquetRows(file, spec.columns)) {
        const where = `Cannot read "${file}" row ${index}`;
        let draft: BenchmarkDraft;
        try {
          draft = spec.draft(row, indexInSplit);
        } catch (error) {
          const reason = error instanceof z.ZodError ? describeIssue(error) : (error as Error).message;
          throw new Error(`${where}: ${reason}`);
        }
        let rgb: RgbImage;
        try {
          rgb = await decodeImageBytes(draft.imageBytes);
        } catch (error) {
          throw new Error(`${where}: column "image": ${(error as Error).message}`);
        }
        const { imageBytes, ...rest } = draft;
        yield {
          benchmark: name,
          split,
          ...rest,
          image: {
            bytes: imageBytes,
            sha256: sha256Hex(imageBytes),
            width: rgb.width,
            height: rgb.height,
            rgb,
          },
          source: { file, row: index },
        };
        indexInSplit++;
        if (++count >= limit) return;
      }
    }
  }
}

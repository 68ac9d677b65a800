/**
 * Row-group-at-a-time parquet reading with hyparquet, every failure reported against the file.
 *
 * `utf8: false` keeps unannotated BYTE_ARRAY columns (the `bytes` of an image struct) as bytes, while
 * columns annotated as strings still come back as text (decoded strictly, keeping a leading BOM).
 * hyparquet-compressors adds the codecs hyparquet lacks (gzip, brotli, zstd, lz4). Reading one row group at a time bounds memory on the
 * real benchmarks, whose shards hold hundreds of megabytes of images.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { compressors } from "hyparquet-compressors";

// hyparquet's own decoder drops a leading U+FEFF from every value (TextDecoder's default) and replaces
// invalid UTF-8; pyarrow keeps the former and rejects the latter.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });
const parsers = { stringFromBytes: (bytes: Uint8Array) => utf8.decode(bytes) };

/**
 * hyparquet-compressors' LZ4 decoders reject the one-byte block (a 0x00 token) that encodes an empty
 * page, which pyarrow writes for an all-null column such as an image `path`; an empty output needs no
 * decoding.
 */
export const PARQUET_CODECS: typeof compressors = {
  ...compressors,
  LZ4: (input, outputLength) =>
    outputLength === 0 ? new Uint8Array(0) : compressors.LZ4!(input, outputLength),
  LZ4_RAW: (input, outputLength) =>
    outputLength === 0 ? new Uint8Array(0) : compressors.LZ4_RAW!(input, outputLength),
};

/** One row of a parquet file with its 0-based index in the file. */
export interface ParquetRow {
  row: Record<string, unknown>;
  index: number;
}

/** Open `path` and parse its footer; throws `Cannot read "<path>": <reason>`. */
export async function openParquet(path: string): Promise<{ file: AsyncBuffer; metadata: FileMetaData }> {
  try {
    const file = await asyncBufferFromFile(path);
    const metadata = await parquetMetadataAsync(file);
    return { file, metadata };
  } catch (error) {
    const reason = error instanceof Deno.errors.NotFound || (error as { code?: string }).code === "ENOENT"
      ? "file not found"
      : `not a readable parquet file (${(error as Error).message})`;
    throw new Error(`Cannot read "${path}": ${reason}`);
  }
}

/** Top-level column names of a parquet file. */
export function columnNames(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/**
 * Rows of `columns` (all of them must exist, else `Cannot read "<path>": missing column "<name>"`), in
 * file order. A row group that fails to decode throws naming the file and its row range.
 */
export async function* readParquetRows(
  path: string,
  columns: readonly string[],
): AsyncGenerator<ParquetRow> {
  const { file, metadata } = await openParquet(path);
  const present = new Set(columnNames(metadata));
  const missing = columns.find((c) => !present.has(c));
  if (missing !== undefined) throw new Error(`Cannot read "${path}": missing column "${missing}"`);
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({
        file,
        metadata,
        columns: [...columns],
        rowStart,
        rowEnd,
        compressors: PARQUET_CODECS,
        parsers,
        utf8: false,
      });
    } catch (error) {
      throw new Error(
        `Cannot read "${path}" rows ${rowStart} to ${rowEnd - 1}: corrupt parquet data (${
          (error as Error).message
        })`,
      );
    }
    if (rows.length !== rowEnd - rowStart) {
      throw new Error(
        `Cannot read "${path}" rows ${rowStart} to ${rowEnd - 1}: expected ${
          rowEnd - rowStart
        } rows, got ${rows.length}`,
      );
    }
    for (let i = 0; i < rows.length; i++) yield { row: rows[i]!, index: rowStart + i };
    rowStart = rowEnd;
  }
}

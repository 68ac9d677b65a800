import assert from "node:assert/strict";
import { join } from "node:path";
import {
  imageColumn,
  int64Column,
  lz4LiteralBlock,
  stringColumn,
  stringListColumn,
  writeParquetBytes,
} from "../../tests/fixtures/parquet_columns.ts";
import { PARQUET_CODECS, readParquetRows } from "./parquet.ts";

async function collect(path: string, columns: string[]) {
  const out = [];
  for await (const r of readParquetRows(path, columns)) out.push(r);
  return out;
}

async function withFile(bytes: Uint8Array, fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "test-00000-of-00001.parquet");
    await Deno.writeFile(path, bytes);
    await fn(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const sample = () =>
  writeParquetBytes([
    int64Column("question_id", [7, 8, 9]),
    stringColumn("question", ["a?", null, "c?"]),
    stringListColumn("answers", [["x", "y"], [], null]),
    imageColumn("image", [
      { bytes: new Uint8Array([0, 255, 1]), path: "a.png" },
      { bytes: new Uint8Array([2]), path: null },
      null,
    ]),
  ], { rowGroupSize: 2 });

Deno.test("readParquetRows() reads rows in file order across row groups, binary as bytes", async () => {
  await withFile(sample(), async (path) => {
    const rows = await collect(path, ["question_id", "question", "answers", "image"]);
    assert.deepEqual(rows, [
      {
        index: 0,
        row: {
          question_id: 7n,
          question: "a?",
          answers: ["x", "y"],
          image: { bytes: new Uint8Array([0, 255, 1]), path: "a.png" },
        },
      },
      {
        index: 1,
        row: {
          question_id: 8n,
          question: null,
          answers: [],
          image: { bytes: new Uint8Array([2]), path: null },
        },
      },
      { index: 2, row: { question_id: 9n, question: "c?", answers: null, image: null } },
    ]);
  });
});

Deno.test("readParquetRows() returns only the columns asked for", async () => {
  await withFile(sample(), async (path) => {
    const rows = await collect(path, ["question"]);
    assert.deepEqual(rows.map((r) => r.row), [{ question: "a?" }, { question: null }, { question: "c?" }]);
  });
});

Deno.test("readParquetRows() names a missing column", async () => {
  await withFile(sample(), async (path) => {
    await assert.rejects(() => collect(path, ["question", "label"]), {
      message: `Cannot read "${path}": missing column "label"`,
    });
  });
});

Deno.test("readParquetRows() names a truncated file", async () => {
  const bytes = sample();
  await withFile(bytes.subarray(0, bytes.length - 100), async (path) => {
    await assert.rejects(() => collect(path, ["question"]), {
      message: `Cannot read "${path}": not a readable parquet file (parquet file invalid (footer != PAR1))`,
    });
  });
});

Deno.test("readParquetRows() names a file that is not there", async () => {
  await assert.rejects(() => collect("/nonexistent/test.parquet", ["question"]), {
    message: 'Cannot read "/nonexistent/test.parquet": file not found',
  });
});

Deno.test("readParquetRows() names the row range of a corrupt row group", async () => {
  const bytes = sample();
  // Overwrite the data pages after the magic number, keeping the footer intact.
  const corrupt = bytes.slice();
  corrupt.fill(0xff, 4, 200);
  await withFile(corrupt, async (path) => {
    await assert.rejects(
      () => collect(path, ["question_id", "question", "answers", "image"]),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^Cannot read "${path}" rows 0 to 1: corrupt parquet data \\(.+\\)$`),
        );
        return true;
      },
    );
  });
});

Deno.test("readParquetRows() keeps a leading U+FEFF in strings, as pyarrow does", async () => {
  await withFile(writeParquetBytes([stringColumn("question", ["\ufeffTitle?", "a\ufeff"])]), async (path) => {
    const rows = await collect(path, ["question"]);
    assert.deepEqual(rows.map((r) => r.row.question), ["\ufeffTitle?", "a\ufeff"]);
  });
});

Deno.test("readParquetRows() reads LZ4_RAW pages", async () => {
  const bytes = writeParquetBytes([
    stringColumn("question", ["a", "b"]),
    imageColumn("image", [{ bytes: new Uint8Array([1, 2]), path: null }, {
      bytes: new Uint8Array([3]),
      path: null,
    }]),
  ], { codec: "LZ4_RAW" });
  await withFile(bytes, async (path) => {
    const rows = await collect(path, ["question", "image"]);
    assert.deepEqual(rows.map((r) => r.row), [
      { question: "a", image: { bytes: new Uint8Array([1, 2]), path: null } },
      { question: "b", image: { bytes: new Uint8Array([3]), path: null } },
    ]);
  });
});

Deno.test("PARQUET_CODECS decode the one-byte LZ4 block of an empty page, as pyarrow writes for an all-null column", () => {
  // pyarrow 25 `compression="lz4"` writes LZ4_RAW; an all-null `image.path` gets an empty dictionary page
  // whose block is the single token 0x00.
  assert.deepEqual(PARQUET_CODECS.LZ4_RAW!(new Uint8Array([0]), 0), new Uint8Array(0));
  assert.deepEqual(PARQUET_CODECS.LZ4!(new Uint8Array([0]), 0), new Uint8Array(0));
  assert.deepEqual(
    PARQUET_CODECS.LZ4_RAW!(lz4LiteralBlock(new Uint8Array([7, 8, 9])), 3),
    new Uint8Array([7, 8, 9]),
  );
});

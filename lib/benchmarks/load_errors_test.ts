// Bad data: every failure ends the load with one message naming the file (and the row, 0-based).
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  type Column,
  imageColumn,
  int64Column,
  stringColumn,
  writeParquetBytes,
} from "../../tests/fixtures/parquet_columns.ts";
import { FIXTURE_DIR, testbedImage } from "../../tests/fixtures/write_benchmarks.ts";
import { loadBenchmark } from "./load.ts";
import type { BenchmarkName } from "./registry.ts";

const POPE_FILE = "pope/data/test-00000-of-00001.parquet";
const HR_FILE = "hrbench/hrbench_version_split/hrbench_4k-00000-of-00001.parquet";
const HR8_FILE = "hrbench/hrbench_version_split/hrbench_8k.parquet";
const fixture = (path: string) => Deno.readFile(join(FIXTURE_DIR, path));

async function drain(dir: string, name: BenchmarkName): Promise<number> {
  let n = 0;
  for await (const _ of loadBenchmark(dir, name)) n++;
  return n;
}

/** Run `fn` on a temp data folder holding `files` (relative path → bytes). */
async function withData(
  files: Record<string, Uint8Array>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    for (const [path, bytes] of Object.entries(files)) {
      await Deno.mkdir(join(dir, path, ".."), { recursive: true });
      await Deno.writeFile(join(dir, path), bytes);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function popeColumns(): Promise<Column[]> {
  const images = [];
  for (let i = 0; i < 3; i++) images.push({ bytes: await testbedImage("pope", i), path: null });
  return [
    stringColumn("question_id", ["1", "2", "3"]),
    stringColumn("question", ["Is there a cat?", "Is there a dog?", "Is there a cow?"]),
    stringColumn("answer", ["yes", "no", "yes"]),
    imageColumn("image", images),
    stringColumn("category", ["random", "random", "popular"]),
  ];
}

function replace(columns: Column[], column: Column): Column[] {
  return columns.map((c) => c.name === column.name ? column : c);
}

Deno.test("a truncated parquet file is named", async () => {
  const bytes = await fixture(POPE_FILE);
  await withData({ [POPE_FILE]: bytes.subarray(0, Math.floor(bytes.length / 2)) }, async (dir) => {
    await assert.rejects(() => drain(dir, "pope"), {
      message: `Cannot read "${
        join(dir, POPE_FILE)
      }": not a readable parquet file (parquet file invalid (footer != PAR1))`,
    });
  });
});

Deno.test("a missing column is named with its file", async () => {
  const columns = (await popeColumns()).filter((c) => c.name !== "category");
  await withData({ [POPE_FILE]: writeParquetBytes(columns) }, async (dir) => {
    await assert.rejects(() => drain(dir, "pope"), {
      message: `Cannot read "${join(dir, POPE_FILE)}": missing column "category"`,
    });
  });
});

Deno.test("a row failing the schema is named by file, row and column", async () => {
  const columns = replace(
    await popeColumns(),
    stringColumn("question", ["Is there a cat?", "Is there a dog?", null]),
  );
  await withData({ [POPE_FILE]: writeParquetBytes(columns, { rowGroupSize: 2 }) }, async (dir) => {
    await assert.rejects(() => drain(dir, "pope"), {
      message: `Cannot read "${
        join(dir, POPE_FILE)
      }" row 2: column "question": invalid input: expected string, received null`,
    });
  });
});

Deno.test("image bytes that are not an image are named by file and row", async () => {
  const columns = await popeColumns();
  const images = replace(
    columns,
    imageColumn("image", [
      { bytes: await testbedImage("pope", 0), path: null },
      { bytes: new TextEncoder().encode("GIF? no, just text"), path: "x.gif" },
      { bytes: await testbedImage("pope", 2), path: null },
    ]),
  );
  await withData({ [POPE_FILE]: writeParquetBytes(images) }, async (dir) => {
    await assert.rejects(() => drain(dir, "pope"), {
      message: `Cannot read "${join(dir, POPE_FILE)}" row 1: column "image": not a decodable image ` +
        "(Input buffer contains unsupported image format)",
    });
  });
});

Deno.test("an image struct without embedded bytes is named by file and row", async () => {
  const columns = replace(
    await popeColumns(),
    imageColumn("image", [{ bytes: null, path: "COCO_val2014_1.jpg" }, null, null]),
  );
  await withData({ [POPE_FILE]: writeParquetBytes(columns) }, async (dir) => {
    await assert.rejects(() => drain(dir, "pope"), {
      message: `Cannot read "${
        join(dir, POPE_FILE)
      }" row 0: column "image.bytes": expected embedded image bytes`,
    });
  });
});

Deno.test("bad base64 in the HR-Bench image column is named by file and row", async () => {
  const good = btoa(String.fromCharCode(...await testbedImage("hr", 0)));
  const columns = [
    int64Column("index", [0, 1]),
    stringColumn("question", ["q0?", "q1?"]),
    stringColumn("answer", ["A", "B"]),
    stringColumn("category", ["single", "cross"]),
    stringColumn("A", ["a", "a"]),
    stringColumn("B", ["b", "b"]),
    stringColumn("C", [null, null]),
    stringColumn("D", [null, null]),
    stringColumn("image", [good, "not base64!!"]),
    stringColumn("cycle_category", ["c0", "c1"]),
  ];
  const files = {
    [HR_FILE]: writeParquetBytes(columns),
    [HR8_FILE]: await fixture(HR8_FILE),
  };
  await withData(files, async (dir) => {
    await assert.rejects(() => drain(dir, "hrbench"), {
      message: `Cannot read "${join(dir, HR_FILE)}" row 1: column "image": not valid base64 ` +
        "(Invalid base64-encoded string: number of data characters (9) cannot be 1 more than a multiple of 4)",
    });
  });
});

Deno.test("base64 that decodes to a non-image is named by file and row", async () => {
  const columns = [
    int64Column("index", [0]),
    stringColumn("question", ["q0?"]),
    stringColumn("answer", ["A"]),
    stringColumn("category", ["single"]),
    stringColumn("A", ["a"]),
    stringColumn("B", ["b"]),
    stringColumn("C", [null]),
    stringColumn("D", [null]),
    stringColumn("image", [btoa("plain text")]),
    stringColumn("cycle_category", ["c0"]),
  ];
  await withData(
    { [HR_FILE]: writeParquetBytes(columns), [HR8_FILE]: await fixture(HR8_FILE) },
    async (dir) => {
      await assert.rejects(() => drain(dir, "hrbench"), {
        message: `Cannot read "${join(dir, HR_FILE)}" row 0: column "image": not a decodable image ` +
          "(Input buffer contains unsupported image format)",
      });
    },
  );
});

Deno.test("a split without files names the benchmark, the split and the folder", async () => {
  await withData(
    { "pope/data/train-00000-of-00001.parquet": writeParquetBytes(await popeColumns()) },
    async (dir) => {
      await assert.rejects(() => drain(dir, "pope"), {
        message: `Cannot read benchmark "pope": no "test-*.parquet" or "test.parquet" file below "${
          join(dir, "pope")
        }"`,
      });
    },
  );
  // hrbench needs both splits; with only the 4K one the 8K split is named.
  await withData({ [HR_FILE]: await fixture(HR_FILE) }, async (dir) => {
    await assert.rejects(() => drain(dir, "hrbench"), {
      message:
        `Cannot read benchmark "hrbench": no "hrbench_8k-*.parquet" or "hrbench_8k.parquet" file below "${
          join(dir, "hrbench/hrbench_version_split")
        }"`,
    });
  });
});

Deno.test("a missing benchmark folder is named", async () => {
  await withData({}, async (dir) => {
    await assert.rejects(() => drain(dir, "docvqa"), {
      message: `Cannot read "${join(dir, "docvqa/DocVQA")}": folder not found`,
    });
  });
});

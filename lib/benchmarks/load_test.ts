// Golden rows of the fixture benchmarks (tests/fixtures/write_benchmarks.ts). Prompts written from the
// vendored lmms-eval task files (YuHengsss/SD-RPN LLaVA/lmms-eval/lmms_eval/tasks/<task>/utils.py and
// YAML `default` kwargs); see prompts_test.ts for the rule each one exercises.
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { FIXTURE_DIR, testbedImage } from "../../tests/fixtures/write_benchmarks.ts";
import { type BenchmarkItem, loadBenchmark } from "./load.ts";
import { BENCHMARK_NAMES, type BenchmarkName } from "./registry.ts";
import { sha256Hex } from "./image.ts";

const SHORT = "\nAnswer the question using a single word or phrase.";
const CHART = "\nAnswer the question with a single word.";
const VSTAR = "\nAnswer with the option's letter from the given choices directly.";
const HR = "Answer the option letter directly.";

async function load(name: BenchmarkName, limit?: number): Promise<BenchmarkItem[]> {
  const out: BenchmarkItem[] = [];
  for await (const item of loadBenchmark(FIXTURE_DIR, name, { limit })) out.push(item);
  return out;
}

/** [split, id, prompt, answers, category, file, row] */
type Golden = [string, string, string, string[], string | null, string, number];
const ten = (a: string, b = a) => [a, a, a, a, a, a, b, b, a, a];

const GOLDEN: Record<BenchmarkName, Golden[]> = {
  textvqa: [
    [
      "validation",
      "34602",
      `What is the brand of this camera?${SHORT}`,
      ten("dakota"),
      null,
      "textvqa/data/validation-00000-of-00002.parquet",
      0,
    ],
    [
      "validation",
      "34603",
      `What does the σign say, οδος?${SHORT}`,
      ten("stop", "odos"),
      null,
      "textvqa/data/validation-00000-of-00002.parquet",
      1,
    ],
    [
      "validation",
      "34604",
      `ǅemal's strasse or straße?${SHORT}`,
      ten("straße"),
      null,
      "textvqa/data/validation-00001-of-00002.parquet",
      0,
    ],
    [
      "validation",
      "34605",
      `  what number is on the bus?${SHORT}`,
      ten("12", "twelve"),
      null,
      "textvqa/data/validation-00001-of-00002.parquet",
      1,
    ],
  ],
  docvqa: [
    [
      "validation",
      "49153",
      `What is the ‘actual’ value per 1000, during the year 1975?${SHORT}`,
      ["0.28"],
      null,
      "docvqa/DocVQA/validation-00000-of-00001.parquet",
      0,
    ],
    [
      "validation",
      "24581",
      `what is the date mentioned in this letter? ${SHORT}`,
      ["1/8/93", "January 8, 1993"],
      null,
      "docvqa/DocVQA/validation-00000-of-00001.parquet",
      1,
    ],
    [
      "validation",
      "57349",
      `Whose signature is given?${SHORT}`,
      ["Dr. Jane Doe"],
      null,
      "docvqa/DocVQA/validation-00000-of-00001.parquet",
      2,
    ],
  ],
  infovqa: [
    [
      "validation",
      "65718",
      `What percentage of people use ✓ social media?${SHORT}`,
      ["45%", "45"],
      null,
      "infovqa/InfographicVQA/validation-00000-of-00001.parquet",
      0,
    ],
    [
      "validation",
      "65719",
      `How many ℕ countries are listed${SHORT}`,
      ["3"],
      null,
      "infovqa/InfographicVQA/validation-00000-of-00001.parquet",
      1,
    ],
    [
      "validation",
      "65720",
      `which year had the highest sales?\n${SHORT}`,
      ["2019"],
      null,
      "infovqa/InfographicVQA/validation-00000-of-00001.parquet",
      2,
    ],
  ],
  chartqa: [
    [
      "test",
      "0",
      `How many food item is shown in the bar graph?${CHART}`,
      ["14"],
      "human_test",
      "chartqa/data/test-00000-of-00001.parquet",
      0,
    ],
    [
      "test",
      "1",
      `What is the difference in value between Lamb and Corn?${CHART}`,
      ["0.57"],
      "human_test",
      "chartqa/data/test-00000-of-00001.parquet",
      1,
    ],
    [
      "test",
      "2",
      `  What's the value of the orange bar? ${CHART}`,
      ["23%"],
      "augmented_test",
      "chartqa/data/test-00000-of-00001.parquet",
      2,
    ],
    [
      "test",
      "3",
      `Is the value of Favorable 38 in 2015?${CHART}`,
      ["Yes"],
      "augmented_test",
      "chartqa/data/test-00000-of-00001.parquet",
      3,
    ],
  ],
  ocrbench: [
    [
      "test",
      "0",
      "what is written in the image?",
      ["CHEROKEE"],
      "Regular Text Recognition",
      "ocrbench/data/test-00000-of-00001.parquet",
      0,
    ],
    [
      "test",
      "1",
      "Please write out the expression of the formula in the image using LaTeX format.",
      ["x ^ { 2 } + 1"],
      "Handwritten Mathematical Expression Recognition",
      "ocrbench/data/test-00000-of-00001.parquet",
      1,
    ],
    [
      "test",
      "2",
      "\ufeffWhat is the title of this document?",
      ["Annual Report", "annual report 2020"],
      "Doc-oriented VQA",
      "ocrbench/data/test-00000-of-00001.parquet",
      2,
    ],
    [
      "test",
      "3",
      "what is written in the image?",
      ["FOOD"],
      "Regular Text Recognition",
      "ocrbench/data/test-00000-of-00001.parquet",
      3,
    ],
  ],
  vstar: [
    [
      "test",
      "0",
      `What is the color of the woman's bag?\nA. black\nB. white\nC. red\nD. blue${VSTAR}`,
      ["A"],
      "direct_attributes",
      "vstar/data/test-00000-of-00001.parquet",
      0,
    ],
    [
      "test",
      "1",
      `Is the dog on the left or right side of the bench?\nA. left\nB. right${VSTAR}`,
      ["B"],
      "relative_position",
      "vstar/data/test-00000-of-00001.parquet",
      1,
    ],
    [
      "test",
      "2",
      `What is the material of the glove?\nA. leather\nB. rubber${VSTAR}`,
      ["C"],
      "direct_attributes",
      "vstar/data/test-00000-of-00001.parquet",
      2,
    ],
    [
      "test",
      "3",
      `Which object is closer? No options given ${VSTAR}`,
      ["A"],
      null,
      "vstar/data/test-00000-of-00001.parquet",
      3,
    ],
  ],
  pope: [
    [
      "test",
      "1",
      `Is there a snowboard in the image?${SHORT}`,
      ["yes"],
      "adversarial",
      "pope/data/test-00000-of-00001.parquet",
      0,
    ],
    [
      "test",
      "2",
      `Is there a car in the image?${SHORT}`,
      ["no"],
      "adversarial",
      "pope/data/test-00000-of-00001.parquet",
      1,
    ],
    [
      "test",
      "3",
      `Is there a\u00a0dog in the image?${SHORT}`,
      ["no"],
      "popular",
      "pope/data/test-00000-of-00001.parquet",
      2,
    ],
    [
      "test",
      "4",
      `Is there a person in the image?${SHORT}`,
      ["yes"],
      "random",
      "pope/data/test-00000-of-00001.parquet",
      3,
    ],
  ],
  hrbench: [
    [
      "hrbench_4k",
      "0",
      `What is the color of the umbrella?\nA. red\nB. blue\nC. green\nD. yellow\n${HR}`,
      ["B"],
      "single",
      "hrbench/hrbench_version_split/hrbench_4k-00000-of-00001.parquet",
      0,
    ],
    [
      "hrbench_4k",
      "1",
      `Which sign is left of the car?\nA. stop\nB. yield\n${HR}`,
      ["A"],
      "cross",
      "hrbench/hrbench_version_split/hrbench_4k-00000-of-00001.parquet",
      1,
    ],
    [
      "hrbench_8k",
      "800",
      `What number is on the jersey?\nA. 7\nB. 17\nC. 71\nD. 1\n${HR}`,
      ["D"],
      "single",
      "hrbench/hrbench_version_split/hrbench_8k.parquet",
      0,
    ],
    [
      "hrbench_8k",
      "801",
      `Is the flag above the door?\nA. Yes\nB. No\nC. \n${HR}`,
      ["A"],
      "cross",
      "hrbench/hrbench_version_split/hrbench_8k.parquet",
      1,
    ],
  ],
};

for (const name of BENCHMARK_NAMES) {
  Deno.test(`loadBenchmark("${name}") gives the fixture's rows, prompts, answers and categories in file order`, async () => {
    const items = await load(name);
    const got = items.map((i): Golden => [
      i.split,
      i.id,
      i.prompt,
      i.answers,
      i.category,
      relative(FIXTURE_DIR, i.source.file),
      i.source.row,
    ]);
    assert.deepEqual(got, GOLDEN[name]);
    for (const item of items) assert.equal(item.benchmark, name);
  });
}

Deno.test("loadBenchmark() returns the stored image bytes, their sha256 and the decoded size", async () => {
  const pope = await load("pope");
  for (let i = 0; i < pope.length; i++) {
    const expected = await testbedImage("pope", i);
    assert.deepEqual(pope[i]!.image.bytes, expected);
    assert.equal(pope[i]!.image.sha256, sha256Hex(expected));
    assert.deepEqual([pope[i]!.image.width, pope[i]!.image.height, pope[i]!.image.rgb.data.length], [
      64,
      64,
      64 * 64 * 3,
    ]);
  }
  const doc = await load("docvqa"); // JPEG, 256x320 testbed pages shrunk 4x
  assert.deepEqual(doc.map((d) => [d.image.width, d.image.height, d.image.bytes[0], d.image.bytes[1]]), [
    [64, 80, 0xff, 0xd8],
    [64, 80, 0xff, 0xd8],
    [64, 80, 0xff, 0xd8],
  ]);
});

Deno.test("loadBenchmark() hashes HR-Bench images after base64 decoding", async () => {
  const hr = await load("hrbench");
  const expected = [
    await testbedImage("hr", 0),
    await testbedImage("hr", 1),
    await testbedImage("hr", 2),
    await testbedImage("hr", 3),
  ];
  assert.deepEqual(hr.map((h) => h.image.sha256), expected.map(sha256Hex));
  assert.deepEqual(hr.map((h) => h.extra), [
    { cycle_category: "cycle_0" },
    { cycle_category: "cycle_1" },
    { cycle_category: "cycle_0" },
    { cycle_category: "cycle_1" },
  ]);
});

Deno.test("loadBenchmark() stops after limit rows, counted over all splits", async () => {
  assert.deepEqual((await load("textvqa", 3)).map((i) => i.id), ["34602", "34603", "34604"]);
  assert.deepEqual((await load("hrbench", 3)).map((i) => [i.split, i.id]), [
    ["hrbench_4k", "0"],
    ["hrbench_4k", "1"],
    ["hrbench_8k", "800"],
  ]);
  assert.deepEqual(await load("pope", 0), []);
});

Deno.test("loadBenchmark() reads one split when asked, the limit counting within it", async () => {
  const rows: [string, string][] = [];
  for await (const i of loadBenchmark(FIXTURE_DIR, "hrbench", { split: "hrbench_8k", limit: 1 })) {
    rows.push([i.split, i.id]);
  }
  assert.deepEqual(rows, [["hrbench_8k", "800"]]);
  await assert.rejects(
    async () => {
      for await (const _ of loadBenchmark(FIXTURE_DIR, "hrbench", { split: "hrbench_2k" })) break;
    },
    { message: 'Benchmark "hrbench" has no split "hrbench_2k" (splits: hrbench_4k, hrbench_8k)' },
  );
});

Deno.test("loadBenchmark() ignores other splits and other configs beside the one read", async () => {
  // The fixtures hold train/test TextVQA shards, a DocVQA test split, each VQA config inside the other's
  // snapshot and POPE's Full config: none of their questions may appear.
  const prompts = (await Promise.all((["textvqa", "docvqa", "infovqa", "pope"] as const).map(load))).flat()
    .map((i) => i.prompt);
  for (
    const foreign of ["Train question?", "Test question?", "test question?", "other config?", "Full config?"]
  ) {
    assert.ok(!prompts.some((p) => p.startsWith(foreign)), foreign);
  }
});

Deno.test("loadBenchmark() reads shards in sorted path order, whatever order they were written in", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const src = join(FIXTURE_DIR, "textvqa/data");
    await Deno.mkdir(join(dir, "textvqa/b"), { recursive: true });
    await Deno.mkdir(join(dir, "textvqa/a"), { recursive: true });
    // Shard 1 is written first and into the folder that sorts first: path order decides.
    await Deno.copyFile(
      join(src, "validation-00001-of-00002.parquet"),
      join(dir, "textvqa/a/validation-00001-of-00002.parquet"),
    );
    await Deno.copyFile(
      join(src, "validation-00000-of-00002.parquet"),
      join(dir, "textvqa/b/validation-00000-of-00002.parquet"),
    );
    await Deno.copyFile(
      join(src, "validation-00000-of-00002.parquet"),
      join(dir, "textvqa/a/validation-00000-of-00002.parquet"),
    );
    const ids = [];
    for await (const item of loadBenchmark(dir, "textvqa")) ids.push(item.id);
    assert.deepEqual(ids, ["34602", "34603", "34604", "34605", "34602", "34603"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import assert from "node:assert/strict";
import { FIXTURE_DIR } from "../../tests/fixtures/write_benchmarks.ts";
import { addToSummary, formatSummary, newSummary, toLine } from "./listing.ts";
import { loadBenchmark } from "./load.ts";

Deno.test("toLine() holds exactly the --jsonl keys, in order", async () => {
  for await (const item of loadBenchmark(FIXTURE_DIR, "chartqa", { limit: 1 })) {
    const line = toLine(item);
    assert.deepEqual(Object.keys(line), [
      "benchmark",
      "split",
      "id",
      "prompt",
      "answers",
      "category",
      "image",
    ]);
    assert.deepEqual(Object.keys(line.image), ["sha256", "width", "height"]);
    assert.equal(
      JSON.stringify({ ...line, image: { ...line.image, sha256: "…" } }),
      '{"benchmark":"chartqa","split":"test","id":"0",' +
        '"prompt":"How many food item is shown in the bar graph?\\nAnswer the question with a single word.",' +
        '"answers":["14"],"category":"human_test","image":{"sha256":"…","width":64,"height":64}}',
    );
  }
});

Deno.test("formatSummary() shows rows per split, files read and the first prompts", async () => {
  const summary = newSummary("hrbench");
  for await (const item of loadBenchmark(FIXTURE_DIR, "hrbench")) addToSummary(summary, item);
  assert.equal(
    formatSummary(summary),
    [
      "hrbench: 4 rows (DreamMr/HR-Bench config hrbench_version_split; lmms-eval hrbench4k, hrbench8k)",
      "  split hrbench_4k: 2 rows from 1 file",
      "  split hrbench_8k: 2 rows from 1 file",
      "  hrbench_4k #0 [single] 128x128",
      '    prompt:  "What is the color of the umbrella?\\nA. red\\nB. blue\\nC. green\\nD. yellow\\nAnswer the option letter directly."',
      '    answers: ["B"]',
      "  hrbench_4k #1 [cross] 128x128",
      '    prompt:  "Which sign is left of the car?\\nA. stop\\nB. yield\\nAnswer the option letter directly."',
      '    answers: ["A"]',
      "  hrbench_8k #800 [single] 128x128",
      '    prompt:  "What number is on the jersey?\\nA. 7\\nB. 17\\nC. 71\\nD. 1\\nAnswer the option letter directly."',
      '    answers: ["D"]',
    ].join("\n"),
  );
});

Deno.test("formatSummary() of an empty load says 0 rows", () => {
  assert.equal(formatSummary(newSummary("pope")), "pope: 0 rows (lmms-lab/POPE; lmms-eval pope)");
});

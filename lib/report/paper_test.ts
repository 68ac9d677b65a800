import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  checkPaperAggregates,
  countFromPercent,
  loadPaperTables,
  microAverage,
  PAPER_TABLES_PATH,
  parsePaperTables,
  recomputedScores,
} from "./paper.ts";

const paper = await loadPaperTables();
const checks = checkPaperAggregates(paper);
const SHARED = new URL("../../../shared/paper/sd-rpn-paper-tables.json", import.meta.url).pathname;

function find(model: string, method: string, column: string) {
  const found = checks.find((c) => c.model === model && c.method === method && c.column === column);
  assert.ok(found, `no check for ${model} ${method} ${column}`);
  return found;
}

Deno.test("countFromPercent() recovers the item count a one-decimal percentage stands for", () => {
  assert.equal(countFromPercent(48.7, 115), 56); // 56/115 = 48.696 %
  assert.equal(countFromPercent(52.6, 76), 40); // 40/76 = 52.632 %
  assert.equal(countFromPercent(100, 76), 76);
  assert.equal(countFromPercent(0, 115), 0);
  // 44/76 = 57.89 % and 45/76 = 59.21 %: no count prints as 59.1.
  assert.equal(countFromPercent(59.1, 76), undefined);
});

Deno.test("microAverage() pools the items of all groups", () => {
  assert.equal(microAverage([{ correct: 56, total: 115 }, { correct: 40, total: 76 }]), 9600 / 191);
  assert.equal(microAverage([{ correct: 1, total: 4 }, { correct: 3, total: 4 }]), 50);
  assert.throws(() => microAverage([]), { message: "microAverage() needs at least one item" });
});

Deno.test("V* Overall of the LLaVA-1.5-7B baseline is the micro-average 96/191 = 50.3", () => {
  const c = find("LLaVA-1.5-7B", "Baseline", "VStar_Overall");
  assert.equal(c.recomputed, (100 * 96) / 191);
  assert.equal(c.recomputed.toFixed(2), "50.26");
  assert.equal(c.printed, 50.3);
  assert.equal(c.matches, true);
  assert.equal(c.rule, "micro-average over 115 + 76 items");
  // The plain mean of the two columns would be (48.7 + 52.6) / 2 = 50.65: a different number.
  assert.notEqual(c.recomputed.toFixed(1), ((48.7 + 52.6) / 2).toFixed(1));
});

Deno.test("V* Overall of SD-RPN (LLaVA-1.5-7B) is 78/115 + 51/76 pooled: 129/191 = 67.5", () => {
  // 67.8 % of 115 = 78 items, 67.1 % of 76 = 51 items.
  const c = find("LLaVA-1.5-7B", "SD-RPN", "VStar_Overall");
  assert.equal(c.recomputed, (100 * 129) / 191);
  assert.equal(c.matches, true);
});

Deno.test("Table 1 Ave is the plain mean of the five benchmarks", () => {
  const base = find("LLaVA-1.5-7B", "Baseline", "Ave");
  assert.ok(Math.abs(base.recomputed - (21.5 + 18.1 + 31.4 + 20.4 + 46.1) / 5) < 1e-12);
  assert.equal(base.recomputed.toFixed(2), "27.50");
  assert.equal(base.matches, true);
  const sdrpn = find("LLaVA-1.5-7B", "SD-RPN", "Ave");
  assert.equal(sdrpn.recomputed.toFixed(2), "34.34"); // 171.7 / 5, printed 34.3
  assert.equal(sdrpn.matches, true);
  assert.equal(checks.filter((c) => c.column === "Ave").every((c) => c.matches), true);
});

Deno.test("HR-Bench Overall is (FSP + FCP) / 2 and rounding alone is not flagged", () => {
  const hr4 = find("LLaVA-1.5-7B", "Baseline", "HR4K_Overall");
  assert.equal(hr4.recomputed, 37.5); // (39.5 + 35.5) / 2
  assert.equal(hr4.matches, true);
  // (38.5 + 33.8) / 2 = 36.15 printed 36.1: within the 0.1 that rounding explains.
  const vicrop = find("LLaVA-1.5-7B", "ViCrop", "HR8K_Overall");
  assert.equal(vicrop.recomputed.toFixed(2), "36.15");
  assert.equal(vicrop.matches, true);
});

Deno.test("checkPaperAggregates() flags exactly the printed values that do not add up", () => {
  const flagged = checks.filter((c) => !c.matches).map((c) =>
    `${c.model} ${c.method} ${c.column}: printed ${c.printed}, recomputed ${c.recomputed.toFixed(2)}`
  );
  assert.deepEqual(flagged, [
    // The five HR-Bench mismatches the file's notes list.
    "LLaVA-1.5-7B Baseline HR8K_Overall: printed 33.8, recomputed 33.15",
    // Two V* spatial scores are k/76 for no integer k (45/76 = 59.21, 60/76 = 78.95).
    "LLaVA-1.5-7B S2 VStar_Spatial: printed 59.1, recomputed 59.21",
    "LLaVA-1.5-13B Baseline HR8K_Overall: printed 36.6, recomputed 37.55",
    "LLaVA-1.5-13B ViCrop HR8K_Overall: printed 40.6, recomputed 40.75",
    "DeepSeek-VL-1.3B Baseline HR8K_Overall: printed 30.1, recomputed 29.70",
    "Qwen2.5-VL-7B Baseline HR4K_Overall: printed 72.5, recomputed 72.30",
    "Qwen2.5-VL-7B SD-RPN VStar_Spatial: printed 79, recomputed 78.95",
  ]);
  // 16 Table 1 rows × Ave + 17 Table 2 rows × (V* Overall, HR4K, HR8K) + the two V* parts.
  assert.equal(checks.length, 16 + 17 * 3 + 2);
});

Deno.test("recomputedScores() replaces printed aggregates and keeps the parts", () => {
  const row = paper.table2_vision_centric.rows.find((r) =>
    r.model === "LLaVA-1.5-7B" && r.method === "Baseline"
  )!;
  const scores = recomputedScores(row, checks);
  assert.equal(scores.HR8K_Overall, 33.15);
  assert.equal(scores.VStar_Overall, (100 * 96) / 191);
  assert.equal(scores.VStar_Attr, 48.7);
  assert.equal(row.scores.HR8K_Overall, 33.8, "the input row is not mutated");
  const t1 = paper.table1_doc_ocr.rows.find((r) => r.model === "LLaVA-1.5-7B" && r.method === "Baseline")!;
  assert.equal(recomputedScores(t1, checks).Ave!.toFixed(2), "27.50");
});

Deno.test("parsePaperTables() names the file and the field of the first problem", () => {
  const text = Deno.readTextFileSync(PAPER_TABLES_PATH);
  const raw = JSON.parse(text);
  delete raw.table1_doc_ocr.rows[1].scores.Ave;
  assert.throws(() => parsePaperTables(raw, "x.json"), {
    message: 'Malformed paper tables "x.json": table1_doc_ocr.rows.1.scores: expected the columns ' +
      '"Ave, ChartQA_test, DocVQA_val, InfoVQA_val, OCRBench_test, TextVQA_val", got ' +
      '"ChartQA_test, DocVQA_val, InfoVQA_val, OCRBench_test, TextVQA_val"',
  });
  assert.throws(() => parsePaperTables({ ...JSON.parse(text), extra: 1 }, "y.json"), {
    message: 'Malformed paper tables "y.json": Unrecognized key: "extra"',
  });
});

Deno.test("loadPaperTables() reports a missing or unparsable file by name", async () => {
  const dir = await Deno.makeTempDir({ prefix: "sdrpn-paper-" });
  try {
    const missing = join(dir, "missing.json");
    await assert.rejects(loadPaperTables(missing), {
      message: `Cannot read paper tables "${missing}": file not found`,
    });
    const bad = join(dir, "bad.json");
    await Deno.writeTextFile(bad, "{");
    await assert.rejects(loadPaperTables(bad), (error: Error) => {
      assert.match(error.message, new RegExp(`^Malformed paper tables "${bad}": invalid JSON \\(`));
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "the shipped paper tables are a verbatim copy of the shared reference file",
  ignore: !existsSync(SHARED),
  fn() {
    assert.deepEqual(Deno.readFileSync(PAPER_TABLES_PATH), Deno.readFileSync(SHARED));
  },
});

import assert from "node:assert/strict";
import { SUITE_NAMES } from "../data/schema.ts";
import { SUITES } from "../data/suites.ts";
import { releasedThreshold } from "./thresholds.ts";

Deno.test("releasedThreshold() covers every evaluation suite with the released per-benchmark values", () => {
  for (const s of SUITE_NAMES.filter((s) => SUITES[s].split === "eval")) {
    assert.ok(releasedThreshold(s) > 0, s);
  }
  assert.equal(releasedThreshold("ocr"), 0.05);
  assert.equal(releasedThreshold("doc"), 0.1);
  assert.equal(releasedThreshold("textvqa"), 0.15);
  assert.throws(() => releasedThreshold("train-scenes"), {
    message: 'No released confidence threshold for suite "train-scenes"',
  });
});

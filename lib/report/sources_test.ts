import assert from "node:assert/strict";
import type { Result } from "../results/schema.ts";
import { configHash } from "../results/hash.ts";
import { buildReport } from "./report.ts";
import { resultSource, sourceMismatch, sourcesSection } from "./sources.ts";
import { evalBase, fixtureResults, layerAblation } from "./test_helpers.ts";
import { loadPaperTables } from "./paper.ts";

/** `result` as made with another scale and checkpoint (config hash kept consistent). */
function madeWith(result: Result, scale: string | null, checkpoint: string | null): Result {
  const config = { ...result.config };
  if (scale === null) delete config.scale;
  else config.scale = scale;
  return {
    ...result,
    config,
    configHash: configHash(config),
    artifacts: checkpoint === null
      ? []
      : [{ kind: "checkpoint", path: "data/base/model.safetensors", hash: checkpoint }],
  };
}

Deno.test("resultSource() reads the scale and the checkpoint artifact's hash, else the configured folder", () => {
  assert.deepEqual(resultSource(madeWith(evalBase(), "quick", "567f34968093391c")), {
    scale: "quick",
    checkpoint: "567f34968093391c",
  });
  const folder = madeWith(evalBase(), null, null);
  folder.config = { ...folder.config, checkpoint: "data/base" };
  assert.deepEqual(resultSource(folder), { scale: null, checkpoint: "data/base" });
});

Deno.test("sourceMismatch() names the results of each differing scale and checkpoint", () => {
  const a = madeWith(evalBase(), "default", "aaaa");
  const b = madeWith(layerAblation(), "quick", "bbbb");
  assert.equal(sourceMismatch([a, a]), null);
  // A result that records no checkpoint is not compared on it.
  assert.equal(sourceMismatch([a, madeWith(layerAblation(), "default", null)]), null);
  assert.equal(
    sourceMismatch([a, b], ["eval_base.json", "x.json"]),
    'scale "default" (eval_base.json), scale "quick" (x.json); checkpoint "aaaa" (eval_base.json), ' +
      'checkpoint "bbbb" (x.json)',
  );
  assert.equal(
    sourceMismatch([a, madeWith(layerAblation(), "default", "bbbb")]),
    'checkpoint "aaaa" (eval_base), checkpoint "bbbb" (layer_ablation)',
  );
});

Deno.test("a report of mixed sources lists each result's source under a warning; a consistent one does not", async () => {
  const paper = await loadPaperTables();
  const consistent = buildReport(fixtureResults(), paper).markdown;
  assert.equal(consistent.includes("## Mixed sources"), false);
  assert.equal(sourcesSection(fixtureResults()), "");

  const results = fixtureResults();
  const i = results.findIndex((r) => r.experiment === evalBase().experiment);
  results[i] = madeWith(results[i]!, "quick", "bbbb");
  const mixed = buildReport(results, paper).markdown;
  const section = mixed.slice(
    mixed.indexOf("## Mixed sources"),
    mixed.indexOf("\n## ", mixed.indexOf("## Mixed")),
  );
  assert.ok(section.startsWith("## Mixed sources\n\n**Warning:** the results below do not share one scale"));
  assert.match(section, /\| `eval_base` +\| quick +\| `bbbb` +\|/);
  assert.match(section, /\| `layer_ablation` +\| default +\| — +\|/);
});

import assert from "node:assert/strict";
import { indexResults } from "./lookup.ts";
import { localisationRows, localisationSection } from "./localisation.ts";
import { fixtureResult, row } from "./test_helpers.ts";

const result = fixtureResult("raw_attention_baseline", [
  row("baseline", "mean", "accuracy", 40, { ci: [38, 42] }),
  // Headline: IoU CI [0.20, 0.30] above chance CI [0.05, 0.10].
  row("raw_attention", "mean", "iou", 0.25, { ci: [0.2, 0.3], extra: { layer: 4 } }),
  row("raw_attention", "mean", "iou_random", 0.08, { ci: [0.05, 0.1], extra: { layer: 4 } }),
  row("raw_attention", "mean", "crop_rate", 0.5, { ci: [0.45, 0.55], extra: { layer: 4 } }),
  // A sweep point whose CI touches chance: IoU lower bound 0.09 < chance upper bound 0.1.
  row("raw_attention", "mean", "iou", 0.12, { ci: [0.09, 0.15], extra: { sweep: "layer", layer: 2 } }),
  row("raw_attention", "mean", "iou_random", 0.07, { ci: [0.05, 0.1], extra: { sweep: "layer", layer: 2 } }),
  // Per-suite rows are not listed; only the mean over suites.
  row("raw_attention", "doc", "iou", 0.9, { ci: [0.8, 1], extra: { layer: 4 } }),
  // An old result without the chance rows.
  row("vicrop", "mean", "iou", 0.3),
]);

Deno.test("localisationRows() pairs each mean IoU with its chance level and crop rate", () => {
  const rows = localisationRows(indexResults([result]));
  assert.deepEqual(
    rows.map((r) => [r.method, r.point, r.iou.value, r.chance?.value, r.cropRate?.value, r.verdict]),
    [
      ["raw_attention", "layer=4", 0.25, 0.08, 0.5, "above chance"],
      ["raw_attention", "layer=2", 0.12, 0.07, undefined, "not above chance"],
      ["vicrop", "", 0.3, undefined, undefined, "no CI"],
    ],
  );
});

Deno.test("localisationSection() prints crop rate in percent and IoUs with 3 decimals", () => {
  const text = localisationSection(indexResults([result]));
  assert.match(
    text,
    /\| raw_attention_baseline \| raw_attention +\| layer=4 \| +50 % \[45, 55\] \| 0\.250 \[0\.200, 0\.300\] \| 0\.080 \[0\.050, 0\.100\] \| above chance +\|/,
  );
  assert.match(text, /\| ViCrop-style raw attention \| — +\| +— \| +0\.300 \| +— \| no CI +\|/);
  assert.equal(localisationSection(indexResults([])).includes("No result has crop IoU rows yet."), true);
});

Deno.test("localisationRows() lists only the experiments the registry puts under localisation", () => {
  // eval_roi writes its own crop statistics; the registry lists it under no section.
  const unlisted = fixtureResult("eval_roi", [row("sdrpn", "mean", "iou", 0.4, { ci: [0.3, 0.5] })]);
  const rows = localisationRows(indexResults([unlisted, result]));
  assert.deepEqual([...new Set(rows.map((r) => r.experiment))], ["raw_attention_baseline"]);
});

import assert from "node:assert/strict";
import { indexResults } from "./lookup.ts";
import { sweepGroups, sweepsSection, valueText } from "./sweeps.ts";
import { fixtureResult, maskedUpscaling, rawAttention, row } from "./test_helpers.ts";

Deno.test("sweepGroups() groups sweep points by method and parameter, ordered by value", () => {
  const result = fixtureResult("sink_removal", [
    row("norm_sinks", "mean", "accuracy", 52, { ci: [50, 54], extra: { sweep: "threshold", threshold: 5 } }),
    row("attention_sinks", "mean", "accuracy", 51, {
      ci: [49, 53],
      extra: { sweep: "threshold", threshold: 0.02 },
    }),
    row("attention_sinks", "mean", "accuracy", 53, {
      ci: [51, 55],
      extra: { sweep: "threshold", threshold: 0.01 },
    }),
    // Per-suite rows of the same point do not add a point; non-accuracy rows are not points.
    row("attention_sinks", "doc", "accuracy", 40, { extra: { sweep: "threshold", threshold: 0.01 } }),
    row("attention_sinks", "mean", "iou", 0.1, { extra: { sweep: "threshold", threshold: 0.04 } }),
    row("attention_sinks-vs-baseline", "mean", "delta_accuracy", 3, {
      ci: [1, 5],
      extra: { sweep: "threshold", threshold: 0.01 },
    }),
  ]);
  const groups = sweepGroups(result);
  assert.deepEqual(groups.map((g) => [g.method, g.param, g.points.map((p) => p.value)]), [
    ["attention_sinks", "threshold", [0.01, 0.02]],
    ["norm_sinks", "threshold", [5]],
  ]);
  const first = groups[0]!.points[0]!;
  assert.deepEqual(first.accuracy, { value: 53, ci: [51, 55], n: 100 });
  assert.equal(first.gain?.value, 3);
  assert.equal(groups[0]!.points[1]!.gain, undefined);
});

Deno.test("valueText() prints numbers and strings as they are and anything else as canonical JSON", () => {
  assert.equal(valueText(0.15), "0.15");
  assert.equal(valueText("sum"), "sum");
  assert.equal(valueText(true), "true");
  assert.equal(valueText({ b: 1, a: [2] }), '{"a":[2],"b":1}');
  assert.equal(valueText(undefined), "null");
});

Deno.test("sweepsSection() renders one table per registry sweep experiment with results", () => {
  const text = sweepsSection(indexResults([maskedUpscaling(), rawAttention()]));
  // Registry order: raw_attention_baseline before masked_upscaling, whatever the input order.
  assert.ok(text.indexOf("### `raw_attention_baseline`") < text.indexOf("### `masked_upscaling`"));
  assert.match(text, /\| raw_attention \| layer +\| +2 \| +52\.0 \[49\.0, 55\.0\] \|/);
  assert.equal(sweepsSection(indexResults([])), "## Sweeps\n\n_No sweep points in the results yet._\n");
});

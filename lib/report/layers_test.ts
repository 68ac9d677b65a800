import assert from "node:assert/strict";
import { layerSplits, paperSplitMethod } from "./layers.ts";
import { fixtureResult, layerAblation, row } from "./test_helpers.ts";

Deno.test("layerSplits() reads B and R from the method names of accuracy rows, sorted by B then R", () => {
  assert.deepEqual(layerSplits(layerAblation()).map((s) => [s.B, s.R, s.method]), [
    [1, 3, "B1R3"],
    [4, 1, "B4R1"],
    [4, 3, "B4R3"],
    [5, 3, "B5R3"],
  ]);
  const result = fixtureResult("layer_ablation", [
    row("B12R2", "mean", "accuracy", 50),
    row("B2R12", "mean", "accuracy", 50),
    // Differences and other metrics do not add a split; neither do names that only look alike.
    row("B3R3-vs-baseline", "mean", "delta_accuracy", 1),
    row("B7R7", "mean", "iou", 0.1),
    row("B1R3x", "mean", "accuracy", 50),
  ]);
  assert.deepEqual(layerSplits(result).map((s) => s.method), ["B2R12", "B12R2"]);
  assert.deepEqual(layerSplits(undefined), []);
});

Deno.test("paperSplitMethod() finds the analogue of a paper split by its extra.paper name", () => {
  const result = layerAblation();
  assert.equal(paperSplitMethod(result, "B3R3"), "B1R3");
  assert.equal(paperSplitMethod(result, "B15R3"), "B4R3");
  assert.equal(paperSplitMethod(result, "B18R3"), "B5R3");
  assert.equal(paperSplitMethod(result, "B9R9"), undefined);
  assert.equal(paperSplitMethod(undefined, "B3R3"), undefined);
});

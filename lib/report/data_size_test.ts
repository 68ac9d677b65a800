import assert from "node:assert/strict";
import { dataSizePoints } from "./data_size.ts";
import { dataSize, fixtureResult, row } from "./test_helpers.ts";

Deno.test("dataSizePoints() lists every teacher-set size ascending with its accuracy and paired gain", () => {
  const points = dataSizePoints(dataSize());
  assert.deepEqual(points.map((p) => [p.samples, p.accuracy?.value, p.gain?.value, p.gain?.ci]), [
    [300, 52, 2, [-0.5, 4.5]],
    [1200, 54, 4, [1.5, 6.5]],
    [4800, 55, 5, [2.5, 7.5]],
  ]);
});

Deno.test("dataSizePoints() derives a missing gain from the accuracies and ignores other methods", () => {
  const result = fixtureResult("data_size_sweep", [
    row("baseline", "mean", "accuracy", 50, { ci: [47, 53] }),
    row("sdrpn", "mean", "accuracy", 53.5, { ci: [50, 57], extra: { samples: 250 } }),
    row("box", "mean", "accuracy", 60, { extra: { samples: 999 } }),
  ]);
  const [point, ...rest] = dataSizePoints(result);
  assert.equal(rest.length, 0);
  assert.equal(point!.samples, 250);
  assert.deepEqual([point!.gain?.value, point!.gain?.derived, point!.gain?.ci], [3.5, true, undefined]);
  assert.deepEqual(dataSizePoints(undefined), []);
});

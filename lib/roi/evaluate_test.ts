import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import type { Box } from "../image/types.ts";
import { cropIou, type EvalSuite, type MethodRun, randomCropIou, unionBox } from "./evaluate.ts";

/** A suite of 100×100 images whose true boxes are given (only what the analysis reads). */
function suiteWith(boxes: Box[]): EvalSuite {
  return {
    name: "doc",
    family: "anls",
    kind: "text",
    jsonlPath: "x.jsonl",
    datasetHash: "0000000000000000",
    items: boxes.map((box) => ({
      sample: { box } as EvalSuite["items"][number]["sample"],
      image: {
        width: 100,
        height: 100,
        data: new Uint8Array(0),
      } as unknown as EvalSuite["items"][number]["image"],
      pixels: new Float32Array(0),
    })),
  };
}

function runWith(crops: (Box | null)[]): MethodRun {
  return {
    key: { method: "m" },
    suite: "doc",
    answers: crops.map(() => ""),
    seconds: 0,
    crops,
    roiTokens: crops.map(() => 0),
  };
}

Deno.test("unionBox() spans every box; null for none", () => {
  assert.deepEqual(unionBox([[10, 20, 30, 40], [0, 25, 15, 60]]), [0, 20, 30, 60]);
  assert.deepEqual(unionBox([[1, 2, 3, 4]]), [1, 2, 3, 4]);
  assert.equal(unionBox([]), null);
});

Deno.test("cropIou() scores each question's crop against its true box, 0 without a crop", () => {
  const suite = suiteWith([[0, 0, 10, 10], [0, 0, 10, 10], [50, 50, 60, 60]]);
  // [0,0,10,10] vs [5,0,15,10]: intersection 50, union 150 → 1/3.
  assert.deepEqual(cropIou(runWith([[0, 0, 10, 10], [5, 0, 15, 10], null]), suite), [1, 1 / 3, 0]);
});

Deno.test("randomCropIou() places a box of the crop's size inside the image, 0 without a crop", () => {
  const suite = suiteWith([[0, 0, 100, 100], [0, 0, 10, 10]]);
  const run = runWith([[0, 0, 50, 50], null]);
  const a = randomCropIou(run, suite, new Rng(1));
  // Any 50×50 box inside the 100×100 image covers a quarter of a whole-image true box.
  assert.deepEqual(a, [0.25, 0]);
  assert.deepEqual(randomCropIou(run, suite, new Rng(1)), a);
});

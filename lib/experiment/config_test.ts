import assert from "node:assert/strict";
import {
  EVAL_SUITES,
  experimentConfigFields,
  experimentScales,
  PIPELINE_SCALES,
  resultDir,
  resultPath,
  SEED_COUNT,
  VicropConfigSchema,
} from "./config.ts";
import { z } from "zod";

Deno.test("experimentScales() keeps the shared pipeline presets and merges an experiment's own keys", () => {
  const scales = experimentScales({ quick: { rpn: { branch: 3 } } as never, full: { n: 50 } as never });
  assert.deepEqual(scales.quick, { n: 40, teacher: { samples: 1200 }, rpn: { epochs: 2, branch: 3 } });
  assert.deepEqual(scales.default, {});
  assert.deepEqual(scales.full, { n: 50, teacher: { samples: 12000 } });
});

Deno.test("experimentScales() leaves out shared preset keys that a script's config does not have", () => {
  // eval-base: no teacher and no RPN; pseudo-labels: the teacher only.
  const evalBase = experimentScales({ full: { n: 1000 } as never }, ["n", "checkpoint", "out"]);
  assert.deepEqual(evalBase, { quick: { n: 40 }, default: {}, full: { n: 1000 } });
  const pseudoLabels = experimentScales({}, ["teacher", "checkpoint", "cacheDir"]);
  assert.deepEqual(pseudoLabels, {
    quick: { teacher: { samples: 1200 } },
    default: {},
    full: { teacher: { samples: 12000 } },
  });
});

Deno.test("resultPath() puts canonical results under results/ and other scales under results/scratch/<scale>", () => {
  assert.equal(resultDir("default"), "results");
  assert.equal(resultPath("sink_removal", "default", ""), "results/sink_removal.json");
  assert.equal(resultPath("sink_removal", "quick", ""), "results/scratch/quick/sink_removal.json");
  assert.equal(resultPath("sink_removal", "full", "/tmp/x.json"), "/tmp/x.json");
});

Deno.test("the shared scale presets are the pipeline presets, so every script shares cached artifacts", () => {
  const scales = experimentScales();
  assert.deepEqual(scales.quick, { n: 40, ...PIPELINE_SCALES.quick });
  assert.deepEqual(scales.full, { n: 600, ...PIPELINE_SCALES.full });
  // Seeds: one at quick scale, three (the paper's statistics) at the default and full scales.
  assert.deepEqual(SEED_COUNT, { quick: 1, default: 3, full: 3 });
});

Deno.test("the shared config defaults: every evaluation suite, the released ViCrop settings", () => {
  const config = z.strictObject(experimentConfigFields).parse({});
  assert.deepEqual(config.suites, EVAL_SUITES);
  assert.equal(config.n, 100);
  assert.equal(config.out, "");
  assert.equal(config.maxAreaRatio, 0.39);
  assert.equal(config.thresholdOverride, undefined);
  assert.deepEqual(VicropConfigSchema.parse({}), { relative: false, sizes: [2, 3, 4], select: "sharpness" });
  const issue = (input: unknown) => {
    const first = VicropConfigSchema.safeParse(input).error?.issues[0];
    return first && { code: first.code, path: first.path, ...("keys" in first ? { keys: first.keys } : {}) };
  };
  assert.deepEqual(issue({ sizes: [] }), { code: "too_small", path: ["sizes"] });
  assert.deepEqual(issue({ sizez: [2] }), { code: "unrecognized_keys", path: [], keys: ["sizez"] });
});

import assert from "node:assert/strict";
import { z } from "zod";
import { experimentConfigFields, VicropConfigSchema } from "./config.ts";
import { validateConfig } from "./validate.ts";

/** The shipped checkpoint's counts (data/base/model.json: 8 layers, 2 heads, 64 px / 8 px patches). */
const TINY = { layers: 8, heads: 2, grid: 8 };
const DEFAULTS = z.strictObject({
  ...experimentConfigFields,
  vicrop: VicropConfigSchema.default(VicropConfigSchema.parse({})),
}).parse(
  {},
);

/** The defaults with one dotted key replaced. */
function withValue(key: string, value: unknown): Record<string, unknown> {
  const config = structuredClone(DEFAULTS) as Record<string, unknown>;
  const path = key.split(".");
  let node = config;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
  node[path[path.length - 1]!] = value;
  return config;
}

function rejects(key: string, value: unknown, message: string, counts = TINY): void {
  assert.throws(() => validateConfig(withValue(key, value), counts), { message });
}

Deno.test("validateConfig() accepts every default at the shipped model's size, and the edges of each range", () => {
  validateConfig(DEFAULTS, TINY);
  validateConfig(withValue("teacher.layer", 7), TINY);
  validateConfig(withValue("teacher.sinkLayer", 0), TINY);
  validateConfig(withValue("rpn.backbone", 5), TINY);
  validateConfig(withValue("variant.fg", 1), TINY);
  validateConfig(withValue("variant.bg", 0), TINY);
  validateConfig(withValue("thresholdOverride", -1), TINY);
  validateConfig(withValue("maxAreaRatio", 1), TINY);
  validateConfig(withValue("variant.maxRatio", 1.01), TINY);
  validateConfig(withValue("variant.heads", [0, 1]), TINY);
});

Deno.test("validateConfig() rejects layers at or beyond the model's depth, naming key, value and range", () => {
  const range = "expected an integer from 0 to 7 (the model has 8 decoder layers)";
  rejects("teacher.layer", 99, `Invalid value "99" for config key "teacher.layer": ${range}`);
  rejects("teacher.layer", 8, `Invalid value "8" for config key "teacher.layer": ${range}`);
  rejects("teacher.sinkLayer", 8, `Invalid value "8" for config key "teacher.sinkLayer": ${range}`);
  rejects("teacher.normLayer", 12, `Invalid value "12" for config key "teacher.normLayer": ${range}`);
  rejects("layers", [1, 9], `Invalid value "9" for config key "layers.1": ${range}`);
});

Deno.test("validateConfig() rejects a sink layer at or above the grounding layer, naming both", () => {
  const sweep = (sinkLayers: unknown) => ({ ...structuredClone(DEFAULTS), sinkLayers });
  validateConfig(sweep([0, 3]), TINY);
  const below =
    "expected an integer from 0 to 3 (an early layer: below the grounding layer teacher.layer = 4)";
  assert.throws(() => validateConfig(sweep([0, 4]), TINY), {
    message: `Invalid value "4" for config key "sinkLayers.1": ${below}`,
  });
  assert.throws(() => validateConfig(sweep([-1]), TINY), {
    message: `Invalid value "-1" for config key "sinkLayers.0": ${below}`,
  });
  assert.throws(() => validateConfig(sweep([0.5]), TINY), {
    message: `Invalid value "0.5" for config key "sinkLayers.0": ${below}`,
  });
  const atZero = { ...sweep([0]), teacher: { ...DEFAULTS.teacher, layer: 0 } };
  assert.throws(() => validateConfig(atZero, TINY), {
    message:
      'Invalid value "0" for config key "sinkLayers.0": expected no value fits: an early layer: below the ' +
      "grounding layer teacher.layer = 0",
  });
});

Deno.test("validateConfig() rejects an RPN split that does not fit the model", () => {
  rejects(
    "rpn.backbone",
    99,
    'Invalid value "99" for config key "rpn.backbone": expected an integer from 1 to 5 (the model has 8 decoder ' +
      "layers and rpn.branch is 3)",
  );
  rejects(
    "rpn.branch",
    8,
    'Invalid value "8" for config key "rpn.branch": expected an integer from 1 to 7 (the model has 8 decoder ' +
      "layers and the backbone needs at least 1)",
  );
  rejects(
    "splits",
    [[4, 1], [7, 2]],
    'Invalid value "[7,2]" for config key "splits.1": expected [B, R] with B ≥ 1, R ≥ 1 and B + R ≤ 8 (the ' +
      "model has 8 decoder layers)",
  );
});

Deno.test("validateConfig() rejects heads and window sizes the model does not have", () => {
  rejects(
    "variant.heads",
    [0, 2],
    'Invalid value "2" for config key "variant.heads.1": expected an integer from 0 to 1 (the model has 2 ' +
      "attention heads)",
  );
  rejects(
    "variant.heads",
    [],
    'Invalid value "[]" for config key "variant.heads": expected at least one head, or unset for all',
  );
  rejects(
    "vicrop.sizes",
    [2, 9],
    'Invalid value "9" for config key "vicrop.sizes.1": expected an integer from 1 to 8 (window sides in cells ' +
      "of the 8×8 grid)",
  );
});

Deno.test("validateConfig() rejects thresholds outside their meaning's range", () => {
  rejects(
    "variant.fg",
    -1,
    'Invalid value "-1" for config key "variant.fg": expected a number from 0 to 1 (τ_fg: a share of the ' +
      "map's maximum)",
  );
  rejects(
    "variant.bg",
    1.5,
    'Invalid value "1.5" for config key "variant.bg": expected a number from 0 to 1 (τ_bg: a share of the ' +
      "map's maximum)",
  );
  rejects(
    "variant.maxRatio",
    0,
    'Invalid value "0" for config key "variant.maxRatio": expected a number above 0 (a share of the grid\'s ' +
      "cells; above 1: no cap)",
  );
  rejects(
    "variant.sinkThreshold",
    -0.1,
    'Invalid value "-0.1" for config key "variant.sinkThreshold": expected a number ≥ 0 (τ_sink: an attention ' +
      "weight)",
  );
  rejects(
    "thresholdOverride",
    2,
    'Invalid value "2" for config key "thresholdOverride": expected a number from -1 to 1 (τ_conf: a ' +
      "probability, or negative: a share of the map's maximum)",
  );
  rejects(
    "maxAreaRatio",
    -0.2,
    'Invalid value "-0.2" for config key "maxAreaRatio": expected a number above 0 (a share of the grid\'s ' +
      "cells; above 1: no cap)",
  );
  assert.throws(() => validateConfig({ taus: [0.1, -3] }), {
    message: 'Invalid value "-3" for config key "taus.1": expected a number from -1 to 1 (τ_conf: a ' +
      "probability, or negative: a share of the map's maximum)",
  });
  assert.throws(() => validateConfig({ fgSweep: [0.1, 3] }), {
    message:
      'Invalid value "3" for config key "fgSweep.1": expected a number from 0 to 1 (τ_fg: a share of the ' +
      "map's maximum)",
  });
});

Deno.test("validateConfig() without the model's counts checks only what does not depend on the model", () => {
  validateConfig(withValue("teacher.layer", 99));
  assert.throws(() => validateConfig(withValue("variant.fg", 2)), { message: /config key "variant\.fg"/ });
  validateConfig({}, TINY);
});

/**
 * Range checks of every config value that zod's schema cannot bound by itself (issue 14, defect 4): the
 * ones that depend on the model (layer indices below its depth, heads below its head count, RPN splits
 * that fit) and the thresholds whose meaning bounds them. A script calls `validateConfig` right after the
 * model is opened and before any work, so a bad `--set` fails at once with one message naming the key, its
 * value and the allowed range — not after a teacher pass with a raw TypeError.
 *
 * Each rule applies when its key is in the config, so one table serves every script (eval-roi, the
 * ablations, pseudo-labels, ...).
 */
import { formatValue } from "../cli/args.ts";
import type { MllmCounts } from "../model/mllm.ts";

/** The model's counts the checks need. */
export type ValidationCounts = Pick<MllmCounts, "layers" | "heads" | "grid">;

/** What a rule returns for a bad value: the allowed range, e.g. "an integer from 0 to 7 (...)". */
type Rule = (value: unknown, config: Record<string, unknown>, counts: ValidationCounts) => string | undefined;

interface KeyRule {
  /** Dotted config key; `*` stands for every element of an array. */
  key: string;
  /** True when the rule reads the model's counts. */
  model: boolean;
  check: Rule;
}

/** A number in [lo, hi]. */
function numberIn(lo: number, hi: number, why: string): Rule {
  return (value) =>
    typeof value === "number" && Number.isFinite(value) && value >= lo && value <= hi
      ? undefined
      : `a number from ${lo} to ${hi} (${why})`;
}

const positive = (why: string): Rule => (value) =>
  typeof value === "number" && Number.isFinite(value) && value > 0 ? undefined : `a number above 0 (${why})`;

const nonNegative = (why: string): Rule => (value) =>
  typeof value === "number" && Number.isFinite(value) && value >= 0 ? undefined : `a number ≥ 0 (${why})`;

function integerIn(value: unknown, lo: number, hi: number, why: string): string | undefined {
  if (typeof value === "number" && Number.isInteger(value) && value >= lo && value <= hi) return undefined;
  return hi < lo ? `no value fits: ${why}` : `an integer from ${lo} to ${hi} (${why})`;
}

const layerIndex: Rule = (value, _config, { layers }) =>
  integerIn(value, 0, layers - 1, `the model has ${layers} decoder layers`);

const headIndex: Rule = (value, _config, { heads }) =>
  integerIn(value, 0, heads - 1, `the model has ${heads} attention heads`);

const SHARE_OF_MAX = "a share of the map's maximum";
const AREA_SHARE = "a share of the grid's cells; above 1: no cap";
const TAU_CONF = "τ_conf: a probability, or negative: a share of the map's maximum";

const RULES: readonly KeyRule[] = [
  { key: "teacher.layer", model: true, check: layerIndex },
  { key: "teacher.sinkLayer", model: true, check: layerIndex },
  { key: "teacher.normLayer", model: true, check: layerIndex },
  { key: "layers.*", model: true, check: layerIndex },
  {
    // The sink map is an early-layer map (released: layer 2 of 32, under the grounding layer 14): at or above
    // the grounding layer it would be a grounding map itself.
    key: "sinkLayers.*",
    model: true,
    check: (value, config, { layers }) => {
      const grounding = (config.teacher as { layer?: unknown } | undefined)?.layer;
      if (typeof grounding !== "number") return layerIndex(value, config, { layers, heads: 0, grid: 0 });
      return integerIn(
        value,
        0,
        Math.min(layers, grounding) - 1,
        `an early layer: below the grounding layer teacher.layer = ${grounding}`,
      );
    },
  },
  {
    key: "rpn.branch",
    model: true,
    check: (value, _c, { layers }) =>
      integerIn(
        value,
        1,
        layers - 1,
        `the model has ${layers} decoder layers and the backbone needs at least 1`,
      ),
  },
  {
    key: "rpn.backbone",
    model: true,
    check: (value, config, { layers }) => {
      const branch = (config.rpn as { branch?: unknown } | undefined)?.branch;
      const r = typeof branch === "number" ? branch : 1;
      return integerIn(value, 1, layers - r, `the model has ${layers} decoder layers and rpn.branch is ${r}`);
    },
  },
  {
    key: "splits.*",
    model: true,
    check: (value, _c, { layers }) => {
      const [b, r] = Array.isArray(value) ? value : [];
      const fits = Number.isInteger(b) && Number.isInteger(r) && b >= 1 && r >= 1 && b + r <= layers;
      return fits ? undefined : `[B, R] with B ≥ 1, R ≥ 1 and B + R ≤ ${layers} (the model has ${layers} ` +
        "decoder layers)";
    },
  },
  { key: "variant.heads.*", model: true, check: headIndex },
  {
    key: "variant.heads",
    model: false,
    check: (value) =>
      Array.isArray(value) && value.length === 0 ? "at least one head, or unset for all" : undefined,
  },
  {
    key: "vicrop.sizes.*",
    model: true,
    check: (value, _c, { grid }) =>
      integerIn(value, 1, grid, `window sides in cells of the ${grid}×${grid} grid`),
  },
  { key: "variant.fg", model: false, check: numberIn(0, 1, `τ_fg: ${SHARE_OF_MAX}`) },
  { key: "variant.bg", model: false, check: numberIn(0, 1, `τ_bg: ${SHARE_OF_MAX}`) },
  { key: "variant.maxRatio", model: false, check: positive(AREA_SHARE) },
  { key: "variant.sinkThreshold", model: false, check: nonNegative("τ_sink: an attention weight") },
  { key: "variant.normThreshold", model: false, check: nonNegative("τ_norm: a hidden-state norm") },
  { key: "fgSweep.*", model: false, check: numberIn(0, 1, `τ_fg: ${SHARE_OF_MAX}`) },
  { key: "bgSweep.*", model: false, check: numberIn(0, 1, `τ_bg: ${SHARE_OF_MAX}`) },
  { key: "thresholdOverride", model: false, check: numberIn(-1, 1, TAU_CONF) },
  { key: "attentionThreshold", model: false, check: numberIn(-1, 1, TAU_CONF) },
  { key: "taus.*", model: false, check: numberIn(-1, 1, TAU_CONF) },
  { key: "maxAreaRatio", model: false, check: positive(AREA_SHARE) },
];

/**
 * Throw on the first config value out of its range: `Invalid value "<value>" for config key "<key>":
 * expected <range>`. Without `counts`, only the checks that do not depend on the model run (a script may
 * call it once before opening the model and once after).
 */
export function validateConfig(config: object, counts?: ValidationCounts): void {
  const root = config as Record<string, unknown>;
  for (const rule of RULES) {
    if (rule.model && !counts) continue;
    for (const [key, value] of entriesAt(root, rule.key.split("."), [])) {
      const expected = rule.check(value, root, counts ?? { layers: 0, heads: 0, grid: 0 });
      if (expected !== undefined) {
        throw new Error(
          `Invalid value "${formatValue(value)}" for config key "${key}": expected ${expected}`,
        );
      }
    }
  }
}

/** The values at a dotted key with `*` for array elements, each with its concrete key; none when absent. */
function entriesAt(node: unknown, path: readonly string[], done: readonly string[]): [string, unknown][] {
  if (path.length === 0) return node === undefined ? [] : [[done.join("."), node]];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === "*") {
    if (!Array.isArray(node)) return [];
    return node.flatMap((item, i) => entriesAt(item, rest, [...done, String(i)]));
  }
  if (node === null || typeof node !== "object" || Array.isArray(node)) return [];
  return entriesAt((node as Record<string, unknown>)[head], rest, [...done, head]);
}

/**
 * The vocabulary shared by the experiment scripts (which write result rows) and the report (which reads
 * them): experiment names, suite and metric names, method strings, and how sweeps and paired differences
 * are encoded in `ResultRow`s. Scripts import these constants instead of spelling strings, so a rename
 * breaks the type check rather than silently emptying a report section.
 *
 * Row encoding, in one place:
 * - `suite` is an evaluation suite (`TEXT_SUITES`, `VISION_SUITES`) or an aggregate (`AGGREGATE_SUITES`).
 * - `metric` is `accuracy` (percent, 0–100; the scorer's `<family>-accuracy`, e.g. `vqa-accuracy`, is
 *   read as the same thing), `f1` (POPE), `iou` (localisation against the true box, analysis only) or a
 *   paired difference (`delta_accuracy`, `delta_throughput`); `throughput` (questions per second relative
 *   to the baseline of the same run, suite `all`) only in results written before throughput moved to
 *   the timing block (below).
 * - Every ablation experiment also evaluates `baseline` on the same questions and writes the paired
 *   difference `<variant>-vs-baseline` on suite `mean`, so gains over the baseline carry a paired CI.
 * - Throughput is wall-clock derived, and the results contract keeps wall-clock facts in `timing`, so the
 *   scripts record it as `timing.phases[throughputPhase(method, extra)]` (`"throughput-<method>"`, plus
 *   `pointLabel(extra)` for a point with `extra`: `"throughput-masked tau=0.1"`), never as a row; no row
 *   differs between identical runs. The report still reads a `throughput` row first (older results,
 *   other scripts), then that phase; `delta_throughput` is derived from the two throughputs.
 * - A paired difference row: metric `delta_accuracy`, method `deltaMethod(a, b)` = `"<a>-vs-<b>"`,
 *   value = a − b in points, `ci` = paired bootstrap 95 % CI over questions (lib/eval/bootstrap.ts).
 * - A sweep point (a non-default setting of a swept parameter) sets `extra.sweep` to the parameter's
 *   name and `extra[<name>]` to its value, e.g. `{ sweep: "threshold", threshold: 0.002 }`. A row
 *   without `extra.sweep` is the headline (default-config) row of its method; the report uses the first
 *   such row and lists sweep points in their own table and figure.
 *
 * @module
 */
import { canonicalJson } from "../results/hash.ts";
import { LIKELIHOOD_METRIC_PREFIX, type ResultRow } from "../results/schema.ts";
import type { RpnShape } from "../roi/rpn.ts";

/** Result `experiment` names, one per script. */
export const EXPERIMENTS = {
  mainResults: "main_results",
  rawAttentionBaseline: "raw_attention_baseline",
  labelAssignment: "label_assignment",
  sinkRemoval: "sink_removal",
  maskedUpscaling: "masked_upscaling",
  dataSizeSweep: "data_size_sweep",
  layerAblation: "layer_ablation",
  evalBase: "eval_base",
  evalRoi: "eval_roi",
  /** Analysis only: where the teacher's answer→image attention looks (lib/roi/attention_localisation.ts). */
  attentionLocalisation: "attention_localisation",
} as const;

/**
 * The `experiment` of a `main_results` run on the real benchmarks (`--data DIR`): a name of its own, so
 * that it never stands in for the testbed's `main_results` (and is not one of `EXPERIMENTS`, whose
 * sections read testbed suites). Rows: lib/experiment/benchmark_run.ts.
 */
export const REAL_BENCHMARKS_EXPERIMENT = "main_results_benchmarks";

/** One of `EXPERIMENTS`. */
export type ExperimentName = (typeof EXPERIMENTS)[keyof typeof EXPERIMENTS];

/**
 * The name under which the report files a result: the early scripts write `eval-base` / `eval-roi`,
 * later ones `snake_case`, and both must land in the same section.
 */
export function experimentKey(experiment: string): string {
  return experiment.replaceAll("-", "_");
}

/** Text-centric evaluation suites, in the column order of the paper's Table 1. */
export const TEXT_SUITES = ["doc", "chart", "ocr", "info", "textvqa"] as const;

/** Vision-centric evaluation suites, in the column order of the paper's Table 2. */
export const VISION_SUITES = ["vstar-attr", "vstar-spatial", "pope", "hr"] as const;

/**
 * Aggregate `suite` values. `mean` is the plain mean over every evaluation suite; `mean-text` and
 * `mean-vision` over the suites of Table 1 and Table 2 (the "Ave" columns); `vstar` is the micro-average
 * over both V* suites (questions pooled, as the paper's "V* Overall"); `all` is for run-level numbers
 * (the throughput rows of older results). Scripts that can bootstrap these should write them with a CI;
 * the report falls back to the plain mean of the suite cells (without a CI) when they are missing.
 */
export const AGGREGATE_SUITES = {
  mean: "mean",
  meanText: "mean-text",
  meanVision: "mean-vision",
  vstar: "vstar",
  all: "all",
} as const;

/** `metric` values. */
export const METRICS = {
  accuracy: "accuracy",
  f1: "f1",
  throughput: "throughput",
  iou: "iou",
  /** Chance level of `iou`: a random box of each crop's size (analysis only). */
  iouRandom: "iou_random",
  /** Share of questions for which a method added a crop (0/1 per question). */
  cropRate: "crop_rate",
  deltaAccuracy: "delta_accuracy",
  deltaThroughput: "delta_throughput",
  /**
   * The option-likelihood protocol's `accuracy` (lib/eval/likelihood.ts; multiple-choice and yes/no suites
   * only, with their aggregates), written after every generation row with `extra.protocol` "likelihood"
   * beside the method's own extra; its POPE F1 and its paired differences (same pairs as
   * `delta_accuracy`) follow the same naming (lib/eval/rows.ts `answerMetrics`).
   */
  likelihoodAccuracy: "likelihood-accuracy",
  likelihoodF1: "likelihood-f1",
  likelihoodDeltaAccuracy: "likelihood-delta_accuracy",
} as const;

/** `extra.protocol` of the rows scored by option likelihood (`METRICS.likelihoodAccuracy` and its kin). */
export const LIKELIHOOD_PROTOCOL = "likelihood";

/**
 * Rows of `attention_localisation` (analysis only: the true box measures the attention maps, nothing
 * else). Method `attention`; `extra.split` is `train` (the teacher's questions: training suites, its data
 * seed) or `eval` (the evaluation suites), so the `mean` row of a split is the mean over that split's
 * suites. Per map, `extra.layer` and `extra.head` (`"all"` = mean over heads, else the head index); the
 * grounding layer's map after attention-based sink removal also sets `extra.sinks: "removed"`. Metrics
 * per question (lib/roi/attention_localisation.ts): `mass_in_box` (share of the map's image mass on the
 * target cells), `box_share` (target cells / N: the uniform map's mass in box, and the chance level of
 * `argmax_in_box`), `argmax_in_box` (0/1) and `mass_excess` (mass_in_box − box_share, paired per question,
 * so its CI says whether the map beats a uniform one). Rows with only `extra.split`: `accuracy` (percent)
 * of the self-generated answers whose tokens are the queries, and `has_map` (0/1: the answer had more than
 * one token, so there is a map; questions without one are left out of the map metrics). The sink-removed
 * point also has `sink_cells` and `sink_on_target`: the share of all cells, and of the target's cells,
 * that attention-based sink removal zeroes.
 */
export const ATTENTION_LOCALISATION = {
  method: "attention",
  allHeads: "all",
  splits: { train: "train", eval: "eval" },
  metrics: {
    massInBox: "mass_in_box",
    boxShare: "box_share",
    argmaxInBox: "argmax_in_box",
    massExcess: "mass_excess",
    hasMap: "has_map",
    sinkCells: "sink_cells",
    sinkOnTarget: "sink_on_target",
  },
} as const;

/**
 * True for `accuracy` and for the scorer's `<family>-accuracy` (lib/eval/score.ts): the generation protocol.
 * Never for a likelihood-protocol metric (`likelihood-accuracy`, `likelihood-<family>-accuracy`).
 */
export function isAccuracyMetric(metric: string): boolean {
  return metric === METRICS.accuracy ||
    (/^[a-z]+-accuracy$/.test(metric) && !metric.startsWith(LIKELIHOOD_METRIC_PREFIX));
}

/** Methods of `main_results` (Tables 1–2). `sdrpn` is the paper's default (masked upscaling). */
export const MAIN_METHODS = {
  baseline: "baseline",
  s2: "s2",
  vicrop: "vicrop",
  sdrpn: "sdrpn",
  sdrpnBox: "sdrpn_box",
  sdrpnMask: "sdrpn_mask",
} as const;

/** Row label of each main method in the report. */
export const METHOD_LABELS: Readonly<Record<string, string>> = {
  baseline: "Baseline",
  s2: "S²-style",
  vicrop: "ViCrop-style raw attention",
  sdrpn: "SD-RPN",
  sdrpn_box: "SD-RPN (box-only upscaling)",
  sdrpn_mask: "SD-RPN (masked upscaling)",
};

/**
 * Methods of the ablation experiments. Each experiment also writes `baseline` (see the module doc).
 * - raw_attention_baseline: `raw_attention`, the training-free crop from the raw middle-layer map (its
 *   layer / relative-attention variants are sweep points with `extra.layer`, `extra.relative`).
 * - label_assignment: `attention_prediction` (RPN regresses the raw map), `label_assignment` (ternary
 *   labels + BCE), `gt_answers` / `self_answers` (labels from teacher-forced ground-truth answers vs the
 *   model's own answers); τ_fg/τ_bg points are sweep points of `label_assignment`.
 * - sink_removal: `no_sink_removal`, `attention_sinks` (released default), `norm_sinks`; thresholds as
 *   sweep points (`extra.threshold`); the attention-based rule at another sink-map layer as sweep points
 *   `{ sweep: "sinkLayer", sinkLayer, threshold }` of `attention_sinks`. Per rule on suite `teacher`:
 *   `sinks_per_sample`, `sink_share` (share of the N image cells flagged), `usable_share`, `iou`.
 * - masked_upscaling: `box` (box-only), `masked`; τ_conf points as sweep points (`extra.tau`).
 * - data_size_sweep: `sdrpn` once per teacher-set size with `extra.samples` (no `extra.sweep`: every
 *   size is a headline row).
 * - layer_ablation: `layerMethod(B, R)` = `"B{B}R{R}"` with `extra: { B, R }`; the analogues of the
 *   paper's B3R3 / B15R3 / B18R3 also set `extra.paper` to that name (see `paperSplitAnalogue`).
 */
export const ABLATION_METHODS = {
  baseline: "baseline",
  rawAttention: "raw_attention",
  attentionPrediction: "attention_prediction",
  labelAssignment: "label_assignment",
  gtAnswers: "gt_answers",
  selfAnswers: "self_answers",
  noSinkRemoval: "no_sink_removal",
  attentionSinks: "attention_sinks",
  normSinks: "norm_sinks",
  box: "box",
  masked: "masked",
  sdrpn: "sdrpn",
} as const;

/**
 * Paired difference between the teacher-set sizes of data_size_sweep: the largest minus the smallest
 * size, with `extra: { from, to }` giving the two sizes.
 */
export const DATA_SIZE_DELTA = "largest-vs-smallest";

/**
 * Keys of a row's `extra` that do not tell its point apart: `perSeed` (statistics), `paper` (a name for
 * the split already given by `B` and `R`) and `sweep` (which of the other keys is swept).
 */
export const BOOKKEEPING_EXTRA: ReadonlySet<string> = new Set(["perSeed", "paper", "sweep"]);

/**
 * What tells a method's point apart, as text: the non-bookkeeping keys of `extra` sorted (by UTF-16 code
 * unit, as `canonicalJson`), each `key=value` with strings as they are and anything else as canonical
 * JSON, joined by spaces — `"B=4 R=3"`, `"tau=0.1"`, `"layer=2 relative=true"`; `""` for a headline row.
 * Stable: it depends only on the JSON value of `extra`, not on key order. A string and the number it
 * spells (`"1"` vs `1`) give the same text; no script keys points by both.
 */
export function pointLabel(extra?: Readonly<Record<string, unknown>>): string {
  return Object.keys(extra ?? {}).filter((key) => !BOOKKEEPING_EXTRA.has(key)).sort()
    .map((key) => {
      const value = extra![key];
      return `${key}=${typeof value === "string" ? value : canonicalJson(value)}`;
    })
    .join(" ");
}

/**
 * Key of a method's throughput relative to the baseline in `timing.phases`: `"throughput-<method>"`, and
 * for a point with `extra` (a sweep point, a layer split, a data size) `"throughput-<method> <point>"`
 * with `<point> = pointLabel(extra)`, e.g. `"throughput-masked tau=0.1"`. Bookkeeping keys (`sweep`,
 * `paper`, `perSeed`) are left out, so a point's key is the same whichever of its rows it is read from.
 */
export function throughputPhase(method: string, extra?: Readonly<Record<string, unknown>>): string {
  const point = pointLabel(extra);
  return point === "" ? `throughput-${method}` : `throughput-${method} ${point}`;
}

/** `"<a>-vs-<b>"`: the method string of the paired difference a − b. */
export function deltaMethod(a: string, b: string): string {
  return `${a}-vs-${b}`;
}

/** `"B15R3"` for B = 15, R = 3. */
export function layerMethod(b: number, r: number): string {
  return `B${b}R${r}`;
}

/** The paper's layer splits B3R3 / B15R3 / B18R3 (LLaVA-1.5-7B, 32 decoder layers) and its depth. */
export const PAPER_SPLITS: readonly RpnShape[] = [
  { backbone: 3, branch: 3 },
  { backbone: 15, branch: 3 },
  { backbone: 18, branch: 3 },
];
export const PAPER_LAYERS = 32;

/**
 * The analogue of a paper split on a model with `layers` decoder layers: B scaled by depth
 * (round(B·layers/32), at least 1) so the branch starts at the same relative depth; R is kept as in the
 * paper but clipped so that B + R ≤ layers (the branch copies layers B..B+R−1).
 */
export function paperSplitAnalogue(split: RpnShape, layers: number): RpnShape {
  if (!Number.isInteger(layers) || layers < 2) {
    throw new RangeError(`Layer count must be an integer of at least 2, got "${layers}"`);
  }
  const backbone = Math.min(layers - 1, Math.max(1, Math.round((split.backbone * layers) / PAPER_LAYERS)));
  return { backbone, branch: Math.max(1, Math.min(split.branch, layers - backbone)) };
}

/** The swept parameter of a sweep-point row, or undefined for a headline row. */
export function sweepOf(row: ResultRow): string | undefined {
  const sweep = row.extra?.sweep;
  return typeof sweep === "string" && sweep !== "" ? sweep : undefined;
}

/**
 * The one registry of experiments: what each script is called, its `deno task`, whether it depends on the
 * seed, whether `deno task reproduce` runs it (in registry order), every paired difference it writes (the
 * one declaration: scripts only evaluate, the runner writes the pairs listed here), which of them the report
 * reads, and the report section it feeds. `reproduce`'s list, its seed-free set and the report's paired
 * differences are derived from here; a test checks `deno.json`'s tasks against it. Adding an ablation = one
 * script + one entry.
 *
 * @module
 */
import {
  ABLATION_METHODS as A,
  DATA_SIZE_DELTA,
  type ExperimentName,
  EXPERIMENTS,
  MAIN_METHODS as MAIN,
} from "./conventions.ts";
import { type MethodPair, type PairRule, reportedPairs } from "./pair_rules.ts";

export type {
  EachRule,
  MethodPair,
  PairedDifference,
  PairRule,
  PaperSplitRule,
  PerPointRule,
  RowSelector,
  SpanRule,
} from "./pair_rules.ts";

/**
 * The report sections (lib/report) an experiment's rows can feed. Sections that read one experiment
 * (`testbed`, `table1`, `table2`, `examples`, `layers`, `dataSize`, `sinks`, `attentionLocalisation`) read the one
 * entry that lists them; `ladder` and `answers` read the paper's rows from the entries that list them;
 * `sweeps` and `localisation` render every listed experiment that has such rows (sweep points, crop
 * IoU), in registry order.
 */
export const REPORT_SECTIONS = [
  "testbed",
  "table1",
  "table2",
  "examples",
  "ladder",
  "answers",
  "layers",
  "dataSize",
  "sweeps",
  "sinks",
  "attentionLocalisation",
  "localisation",
] as const;
/** A report section an experiment feeds. */
export type ReportSection = typeof REPORT_SECTIONS[number];

/** One experiment script. */
export interface ExperimentEntry {
  /** Result `experiment` name; the script is `experiments/<script>.ts`. */
  name: ExperimentName;
  /** Script file name under experiments/ (without `.ts`). */
  script: string;
  /** Its `deno task`. */
  task: string;
  /** False for training-free experiments: one seed is all they need. */
  seeded: boolean;
  /** Run by `deno task reproduce`. */
  reproduce: boolean;
  /**
   * Every paired difference the experiment writes (lib/experiment/pair_rules.ts), in the order of its
   * `delta_accuracy` rows: `finish()` expands these rules against the rows the run evaluated, including
   * the run-dependent ones (sweep points, data sizes, layer splits), and fails naming the pair when a rule
   * finds no row to pair. Method pairs marked `report` are the ones the report reads (with the paired
   * bootstrap CI of lib/eval/bootstrap.ts a claim that depends on one gets a verdict; a missing one is
   * derived from the two accuracies without a CI, which can only ever be "inconclusive").
   */
  pairs: readonly PairRule[];
  /**
   * The report sections its rows feed (besides "Results used", which lists every result); none for a
   * result that only the results table lists.
   */
  sections: readonly ReportSection[];
  /**
   * Timed evaluations per method at default and full scale (`--timing-repeats` overrides; quick scale: 1):
   * 3 where the report's throughput claims are read (Table 1, the masked-upscaling saving), 1 elsewhere.
   */
  timingRepeats: number;
  /**
   * Whether its result also scores multiple-choice and yes/no suites by option likelihood (rows of
   * `likelihood-*` metrics, lib/eval/likelihood.ts; the runner reads this flag): only where the report
   * reads them (Table 2's second block, the testbed table) and in eval-roi. Elsewhere the extra passes
   * would cost reproduce time for rows nobody reads; those results record `scoring: ["generation"]`.
   */
  likelihood: boolean;
}

/** Every experiment, in `reproduce` order: main_results first (it builds the teacher and RPNs most reuse). */
export const EXPERIMENT_REGISTRY: readonly ExperimentEntry[] = [
  {
    name: EXPERIMENTS.mainResults,
    script: "main_results",
    task: "main_results",
    seeded: true,
    reproduce: true,
    pairs: [
      {
        kind: "pair",
        a: MAIN.sdrpn,
        b: MAIN.baseline,
        suites: ["mean", "mean-text", "mean-vision"],
        report: true,
      },
      { kind: "pair", a: MAIN.sdrpnBox, b: MAIN.baseline },
      { kind: "pair", a: MAIN.vicrop, b: MAIN.baseline },
      { kind: "pair", a: MAIN.sdrpn, b: MAIN.vicrop, report: true },
      { kind: "pair", a: MAIN.sdrpn, b: MAIN.sdrpnBox },
      {
        kind: "pair",
        a: MAIN.sdrpn,
        b: MAIN.vicrop,
        suites: ["all"],
        metric: "delta_throughput",
        report: true,
      },
    ],
    sections: ["table1", "table2", "examples", "localisation"],
    timingRepeats: 3,
    likelihood: true,
  },
  {
    name: EXPERIMENTS.rawAttentionBaseline,
    script: "raw_attention_baseline",
    task: "raw_attention_baseline",
    seeded: false,
    reproduce: true,
    pairs: [
      { kind: "pair", a: A.rawAttention, b: A.baseline, report: true },
      // Every sweep point (layer, relative map, window rule) against the baseline on the same questions.
      { kind: "each", rows: { methods: [A.rawAttention], has: ["sweep"] }, b: A.baseline },
    ],
    sections: ["ladder", "sweeps", "localisation"],
    timingRepeats: 1,
    likelihood: false,
  },
  {
    name: EXPERIMENTS.labelAssignment,
    script: "label_assignment",
    task: "label_assignment",
    seeded: true,
    reproduce: true,
    pairs: [
      // τ_fg / τ_bg sweep points that left usable labels, first: a skipped point has no row and no pair.
      { kind: "each", rows: { methods: [A.labelAssignment], has: ["sweep"] }, b: A.baseline },
      { kind: "pair", a: A.rawAttention, b: A.baseline },
      { kind: "pair", a: A.attentionPrediction, b: A.baseline, report: true },
      { kind: "pair", a: A.labelAssignment, b: A.baseline, report: true },
      { kind: "pair", a: A.gtAnswers, b: A.baseline, report: true },
      { kind: "pair", a: A.selfAnswers, b: A.baseline, report: true },
      // The 1 → 2 step, paired because the script evaluates raw_attention on the same questions.
      { kind: "pair", a: A.attentionPrediction, b: A.rawAttention, report: true },
      { kind: "pair", a: A.labelAssignment, b: A.attentionPrediction, report: true },
      { kind: "pair", a: A.selfAnswers, b: A.gtAnswers, report: true },
    ],
    sections: ["ladder", "answers", "sweeps", "localisation"],
    timingRepeats: 1,
    likelihood: false,
  },
  {
    name: EXPERIMENTS.sinkRemoval,
    script: "sink_removal",
    task: "sink_removal",
    seeded: true,
    reproduce: true,
    pairs: [
      { kind: "pair", a: A.noSinkRemoval, b: A.baseline },
      { kind: "pair", a: A.attentionSinks, b: A.baseline, report: true },
      { kind: "pair", a: A.normSinks, b: A.baseline, report: true },
      // Threshold sweep points that left usable labels, in the order evaluated.
      { kind: "each", rows: { methods: [A.attentionSinks, A.normSinks], has: ["sweep"] }, b: A.baseline },
      { kind: "pair", a: A.attentionSinks, b: A.noSinkRemoval, report: true },
      { kind: "pair", a: A.normSinks, b: A.noSinkRemoval, report: true },
      // Sink-layer sweep points (the attention rule at another early layer) against no removal.
      { kind: "each", rows: { methods: [A.attentionSinks], has: ["sinkLayer"] }, b: A.noSinkRemoval },
    ],
    sections: ["ladder", "sweeps", "sinks", "localisation"],
    timingRepeats: 1,
    likelihood: false,
  },
  {
    name: EXPERIMENTS.maskedUpscaling,
    script: "masked_upscaling",
    task: "masked_upscaling",
    seeded: true,
    reproduce: true,
    pairs: [
      { kind: "pair", a: A.masked, b: A.box, report: true },
      { kind: "pair", a: A.masked, b: A.baseline, report: true },
      { kind: "pair", a: A.box, b: A.baseline, report: true },
      // The same three at every τ_conf sweep point.
      {
        kind: "perPoint",
        methods: [A.masked, A.box],
        pairs: [[A.masked, A.box], [A.masked, A.baseline], [A.box, A.baseline]],
      },
    ],
    sections: ["ladder", "sweeps", "localisation"],
    timingRepeats: 3,
    likelihood: false,
  },
  {
    name: EXPERIMENTS.layerAblation,
    script: "layer_ablation",
    task: "layer_ablation",
    seeded: true,
    reproduce: true,
    pairs: [
      // Every B/R split (method `B{B}R{R}`, extra `{ B, R }`) against the baseline.
      { kind: "each", rows: { has: ["B", "R"] }, b: A.baseline },
      // The paper's split claims (B15R3 beats B3R3 and B18R3), between their analogues.
      { kind: "paperSplits", a: "B15R3", b: "B3R3" },
      { kind: "paperSplits", a: "B15R3", b: "B18R3" },
    ],
    sections: ["layers", "localisation"],
    timingRepeats: 1,
    likelihood: false,
  },
  {
    name: EXPERIMENTS.dataSizeSweep,
    script: "data_size_sweep",
    task: "data_size_sweep",
    seeded: true,
    reproduce: true,
    pairs: [
      // SD-RPN at every teacher-set size (extra `samples`), then the largest against the smallest.
      { kind: "each", rows: { methods: [A.sdrpn], has: ["samples"] }, b: A.baseline },
      { kind: "span", rows: { methods: [A.sdrpn], has: ["samples"] }, by: "samples", label: DATA_SIZE_DELTA },
    ],
    sections: ["dataSize", "localisation"],
    timingRepeats: 1,
    likelihood: false,
  },
  {
    name: EXPERIMENTS.attentionLocalisation,
    script: "attention_localisation",
    task: "attention_localisation",
    seeded: false,
    reproduce: true,
    pairs: [],
    sections: ["attentionLocalisation"],
    timingRepeats: 1,
    likelihood: false,
  },
  {
    name: EXPERIMENTS.evalBase,
    script: "eval_base",
    task: "eval-base",
    seeded: false,
    reproduce: false,
    pairs: [],
    sections: ["testbed"],
    timingRepeats: 1,
    likelihood: true,
  },
  {
    name: EXPERIMENTS.evalRoi,
    script: "eval_roi",
    task: "eval-roi",
    seeded: true,
    reproduce: false,
    pairs: [],
    sections: [],
    timingRepeats: 1,
    likelihood: true,
  },
];

/**
 * `deno task`s that run a script which is not a registry experiment: model-family tools (the embedded
 * model's pretraining, the LLaVA run/dump), the pipeline's steps on their own, the benchmark listing, the
 * report and `reproduce`.
 */
export const TOOL_TASKS: readonly string[] = [
  "pretrain",
  "llava",
  "benchmarks",
  "pseudo-labels",
  "train-rpn",
  "validate-base",
  "report",
  "reproduce",
];

/** The registry entry of an experiment name; throws naming it when there is none. */
export function experimentEntry(name: string): ExperimentEntry {
  const entry = EXPERIMENT_REGISTRY.find((e) => e.name === name);
  if (!entry) throw new Error(`Unknown experiment "${name}" (not in lib/experiment/registry.ts)`);
  return entry;
}

/** The experiments that feed `section`, in registry order. */
export function experimentsIn(section: ReportSection): ExperimentName[] {
  return EXPERIMENT_REGISTRY.filter((e) => e.sections.includes(section)).map((e) => e.name);
}

/** The one experiment a single-experiment section reads; throws naming the section unless exactly one. */
export function experimentIn(section: ReportSection): ExperimentName {
  const names = experimentsIn(section);
  if (names.length !== 1) {
    throw new Error(
      `Report section "${section}" must be fed by exactly one experiment, registry lists ${names.length}`,
    );
  }
  return names[0]!;
}

/** What `deno task reproduce` runs, in order. */
export const REPRODUCE_EXPERIMENTS: readonly ExperimentName[] = EXPERIMENT_REGISTRY.filter((e) => e.reproduce)
  .map((e) => e.name);

/** Experiments that need one seed only. */
export const SEED_FREE_EXPERIMENTS: ReadonlySet<string> = new Set(
  EXPERIMENT_REGISTRY.filter((e) => !e.seeded).map((e) => e.name),
);

/**
 * The paired differences the report reads (the registry's method pairs marked `report`), per experiment
 * (only experiments that have some).
 */
export const PAIRED_DIFFERENCES: Readonly<Partial<Record<ExperimentName, readonly MethodPair[]>>> = Object
  .fromEntries(
    EXPERIMENT_REGISTRY.map((e) => [e.name, reportedPairs(e.pairs)] as const).filter(([, p]) => p.length > 0),
  );

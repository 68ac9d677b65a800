/**
 * The one registry of experiments: what each script is called, its `deno task`, whether it depends on the
 * seed, whether `deno task reproduce` runs it (in registry order), the paired differences the report reads
 * from it, and the report section it feeds. `reproduce`'s list, its seed-free set and the report's paired
 * differences are derived from here; a test checks `deno.json`'s tasks against it. Adding an ablation = one
 * script + one entry.
 *
 * @module
 */
import {
  ABLATION_METHODS as A,
  type ExperimentName,
  EXPERIMENTS,
  MAIN_METHODS as MAIN,
  METRICS,
} from "./conventions.ts";

/** A paired difference a − b (`delta_accuracy`, or `delta_throughput` when `metric` says so). */
export interface PairedDifference {
  a: string;
  b: string;
  /** Suites to write it on (default: `mean` only). */
  suites?: readonly string[];
  metric?: typeof METRICS.deltaAccuracy | typeof METRICS.deltaThroughput;
}

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
   * The paired differences the report reads (with the paired bootstrap CI of lib/eval/bootstrap.ts a claim
   * that depends on one gets a verdict; a missing one is derived from the two accuracies without a CI,
   * which can only ever be "inconclusive"). The script must write every `delta_accuracy` one: the runner
   * checks it when the result is written. Not listed because they depend on the run: data_size_sweep's
   * `sdrpn-vs-baseline` once per size and `DATA_SIZE_DELTA`; layer_ablation's `B{B}R{R}-vs-baseline` for
   * every split and, between the analogues of the paper's splits, `<B15R3>-vs-<B3R3>` and
   * `<B15R3>-vs-<B18R3>`.
   */
  paired: readonly PairedDifference[];
  /**
   * The report sections its rows feed (besides "Results used", which lists every result); none for a
   * result that only the results table lists.
   */
  sections: readonly ReportSection[];
}

/** Every experiment, in `reproduce` order: main_results first (it builds the teacher and RPNs most reuse). */
export const EXPERIMENT_REGISTRY: readonly ExperimentEntry[] = [
  {
    name: EXPERIMENTS.mainResults,
    script: "main_results",
    task: "main_results",
    seeded: true,
    reproduce: true,
    paired: [
      { a: MAIN.sdrpn, b: MAIN.baseline, suites: ["mean", "mean-text", "mean-vision"] },
      { a: MAIN.sdrpn, b: MAIN.vicrop },
      { a: MAIN.sdrpn, b: MAIN.vicrop, suites: ["all"], metric: "delta_throughput" },
    ],
    sections: ["table1", "table2", "examples", "localisation"],
  },
  {
    name: EXPERIMENTS.rawAttentionBaseline,
    script: "raw_attention_baseline",
    task: "raw_attention_baseline",
    seeded: false,
    reproduce: true,
    paired: [{ a: A.rawAttention, b: A.baseline }],
    sections: ["ladder", "sweeps", "localisation"],
  },
  {
    name: EXPERIMENTS.labelAssignment,
    script: "label_assignment",
    task: "label_assignment",
    seeded: true,
    reproduce: true,
    paired: [
      { a: A.attentionPrediction, b: A.baseline },
      { a: A.labelAssignment, b: A.baseline },
      { a: A.labelAssignment, b: A.attentionPrediction },
      // Only when the run also evaluates raw_attention on the same questions (the 1 → 2 step).
      { a: A.attentionPrediction, b: A.rawAttention },
      { a: A.gtAnswers, b: A.baseline },
      { a: A.selfAnswers, b: A.baseline },
      { a: A.selfAnswers, b: A.gtAnswers },
    ],
    sections: ["ladder", "answers", "sweeps", "localisation"],
  },
  {
    name: EXPERIMENTS.sinkRemoval,
    script: "sink_removal",
    task: "sink_removal",
    seeded: true,
    reproduce: true,
    paired: [
      { a: A.attentionSinks, b: A.baseline },
      { a: A.normSinks, b: A.baseline },
      { a: A.attentionSinks, b: A.noSinkRemoval },
      { a: A.normSinks, b: A.noSinkRemoval },
    ],
    sections: ["ladder", "sweeps", "sinks", "localisation"],
  },
  {
    name: EXPERIMENTS.maskedUpscaling,
    script: "masked_upscaling",
    task: "masked_upscaling",
    seeded: true,
    reproduce: true,
    paired: [
      { a: A.masked, b: A.baseline },
      { a: A.box, b: A.baseline },
      { a: A.masked, b: A.box },
    ],
    sections: ["ladder", "sweeps", "localisation"],
  },
  {
    name: EXPERIMENTS.layerAblation,
    script: "layer_ablation",
    task: "layer_ablation",
    seeded: true,
    reproduce: true,
    paired: [],
    sections: ["layers", "localisation"],
  },
  {
    name: EXPERIMENTS.dataSizeSweep,
    script: "data_size_sweep",
    task: "data_size_sweep",
    seeded: true,
    reproduce: true,
    paired: [],
    sections: ["dataSize", "localisation"],
  },
  {
    name: EXPERIMENTS.attentionLocalisation,
    script: "attention_localisation",
    task: "attention_localisation",
    seeded: false,
    reproduce: true,
    paired: [],
    sections: ["attentionLocalisation"],
  },
  {
    name: EXPERIMENTS.evalBase,
    script: "eval_base",
    task: "eval-base",
    seeded: false,
    reproduce: false,
    paired: [],
    sections: ["testbed"],
  },
  {
    name: EXPERIMENTS.evalRoi,
    script: "eval_roi",
    task: "eval-roi",
    seeded: true,
    reproduce: false,
    paired: [],
    sections: [],
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

/** The paired differences the report reads, per experiment (only experiments that declare some). */
export const PAIRED_DIFFERENCES: Readonly<Partial<Record<ExperimentName, readonly PairedDifference[]>>> =
  Object
    .fromEntries(EXPERIMENT_REGISTRY.filter((e) => e.paired.length > 0).map((e) => [e.name, e.paired]));

/**
 * What every experiment script shares, so that a script reads like the paper table it regenerates: the
 * config fields and scale presets, opening the checkpoint, loading the evaluation suites, building RPNs
 * through the shared caches, evaluating methods with progress, turning per-question outcomes into rows
 * (bootstrap CIs over questions, seed averages, the paired differences lib/experiment/registry.ts declares)
 * and writing one result, with throughput in its timing block.
 *
 * Statistics (issue 4, item 3): seeds vary the RPN's training and data order, never the base model or the
 * questions, so the baseline and the training-free methods are evaluated once and every RPN method once
 * per seed; a row's value is the mean over seeds and its CI a bootstrap over questions of the seed-averaged
 * scores (lib/eval/rows.ts). Row names follow lib/experiment/conventions.ts.
 *
 * Scoring protocols (issue 13): every answer is scored as generated (`accuracy`, `delta_accuracy`); in the
 * experiments whose registry entry sets `likelihood` (main_results), the multiple-choice and yes/no suites are
 * also scored by option likelihood on the prompts each method's
 * generation answered (lib/eval/likelihood.ts; untimed), in rows of `METRICS.likelihoodAccuracy`,
 * `likelihoodF1` and `likelihoodDeltaAccuracy` (the same pairs as `delta_accuracy`) with
 * `extra.protocol` "likelihood", written after every generation row.
 */
import { z } from "zod";
import {
  type Cli,
  type CliArgs,
  type DeepPartial,
  defineCli,
  formatTable,
  progress,
  runMain,
  type Scale,
} from "../cli/mod.ts";
import { type BackendInfo, initBackend } from "../engine/backend.ts";
import { hashSeed, Rng } from "../engine/rng.ts";
import { type Aggregate, round, type RowKey, ScoreTable } from "../eval/rows.ts";
import type { Mllm } from "../model/mllm.ts";
import { canonicalJson } from "../results/hash.ts";
import { writeResult } from "../results/io.ts";
import { makeResult, TESTBED_PROMPT } from "../results/record.ts";
import type { Analysis, Artifact, Example, ResultRow, ScoringProtocol } from "../results/schema.ts";
import {
  cropIou,
  type EvalSuite,
  evaluateMethods,
  loadSuites,
  type MethodRun,
  type MethodSpec,
  randomCropIou,
  type SdrpnMethod,
  type VicropMethod,
  warmUp,
} from "../roi/evaluate.ts";
import { collectExamples, type ExampleRpn, exampleSelection } from "../roi/examples.ts";
import {
  disposeRpn,
  ensureRpn,
  NoUsableLabelsError,
  type RpnArtifacts,
  type RpnSpec,
} from "../roi/pipeline.ts";
import { ensureTeacher, type TeacherConfig } from "../roi/teacher_cache.ts";
import type { TeacherHeader } from "../roi/teacher_file.ts";
import type { TeacherRecord } from "../roi/teacher.ts";
import { RELEASED_THRESHOLDS } from "../roi/thresholds.ts";
import type { Rpn } from "../roi/two_stage.ts";
import { type ExperimentConfig, experimentScales, SEED_COUNT, type VicropConfig } from "./config.ts";
import {
  AGGREGATE_SUITES,
  LIKELIHOOD_PROTOCOL,
  METRICS,
  pointLabel,
  sweepOf,
  TEXT_SUITES,
  throughputPhase,
  VISION_SUITES,
} from "./conventions.ts";
import { describeDestination, type Destination } from "./destination.ts";
import { preflight } from "./preflight.ts";
import { artifactHash, MODEL_OPTION, openModel, parseWithModel, releasedRpnLoader } from "./model.ts";
import { expandPairRules, type PairRule } from "./pair_rules.ts";
import { EXPERIMENT_REGISTRY, type ReportSection } from "./registry.ts";
import { type MethodTiming, TIMING_OPTION, timingPhases, timingRepeats } from "./timing.ts";
import { expandShorthands, shorthandUsage } from "./shorthands.ts";

/** The aggregates of lib/experiment/conventions.ts: Table 1 and 2 averages, V* overall, all suites. */
export const REPORT_AGGREGATES: readonly Aggregate[] = [
  { name: AGGREGATE_SUITES.mean },
  { name: AGGREGATE_SUITES.meanText, suites: TEXT_SUITES },
  { name: AGGREGATE_SUITES.meanVision, suites: VISION_SUITES },
  { name: AGGREGATE_SUITES.vstar, suites: VISION_SUITES.filter((s) => s.startsWith("vstar-")), pooled: true },
];

/**
 * A result whose rows the script scores itself (real benchmarks, lib/experiment/benchmark_run.ts; the
 * testbed's eval-base and eval-roi, whose rows predate the score table): `finish()` writes it, with the
 * run's artifacts and phases, instead of the score table's rows.
 */
export interface OwnResult {
  experiment: string;
  /** Result file. */
  out: string;
  prompt: { template: string; metricVariant: string };
  rows: ResultRow[];
  /** Scoring protocols of the accuracy rows (`Result.scoring`); absent = generation only, not recorded. */
  scoring?: ScoringProtocol[];
  notes: string[];
  phases: Record<string, number>;
  artifacts: Artifact[];
  /** Printed after the run (unless --json). */
  summary: string;
  /** The config to record (default: the run's config with its scale). */
  config?: Record<string, unknown>;
  /** What `--json` prints (default: the whole result). */
  json?: unknown;
}

/** One experiment run: open it, build and evaluate methods, then `finish()` writes the result. */
export class Experiment<C extends ExperimentConfig> {
  /** Per-question outcomes of every evaluation, by metric. */
  readonly table = new ScoreTable(REPORT_AGGREGATES);
  readonly startedAt: Date;
  readonly #artifacts = new Map<string, Artifact>();
  readonly #phases: Record<string, number> = {};
  readonly #seconds = new Map<string, MethodTiming>();
  /** Random-box draws made so far per "<row id>/<suite>" (one stream per repetition). */
  readonly #randomDraws = new Map<string, number>();
  readonly #notes: string[] = [];
  /** Set by `recordExamples`; the result has an `examples` block only then. */
  #examples: Example[] | undefined;
  /** Set by `recordAnalysis`; the result has an `analysis` block only then. */
  #analysis: Analysis | undefined;
  #warm = false;
  #own: OwnResult | undefined;

  private constructor(
    readonly name: string,
    readonly args: CliArgs<C>,
    readonly backend: BackendInfo,
    readonly model: Mllm,
    readonly checkpointHash: string,
    startedAt: Date,
    /**
     * Where the result goes (lib/experiment/destination.ts), decided and checked before the run; undefined
     * for a tool, which writes none. A script that builds its own result (`setResult`) writes it here.
     */
    readonly destination: Destination | undefined,
  ) {
    this.startedAt = startedAt;
  }

  /** Activate the backend and load the checkpoint `config.checkpoint`. */
  static async open<C extends ExperimentConfig>(
    name: string,
    args: CliArgs<C>,
    options: { tool?: boolean } = {},
  ): Promise<Experiment<C>> {
    const startedAt = new Date();
    const backend = await initBackend(args.backend);
    const { model, weights, hash } = await openModel(args.config.checkpoint);
    // Result files are named with underscores (eval-base → results/eval_base.json).
    const dest = await preflight(name.replaceAll("-", "_"), args, {
      counts: model.counts,
      checkpointHash: hash,
      backend: backend.active,
    }, { writes: !options.tool });
    const exp = new Experiment(name, args, backend, model, hash, startedAt, dest);
    exp.#artifacts.set(weights, { kind: "checkpoint", path: weights, hash });
    exp.log(`${args.scale} scale, seeds ${args.seeds.join(",")}, backend ${backend.active}`);
    return exp;
  }

  /** The result file (lib/experiment/destination.ts): `finish()` writes here, and so does a `setResult`. */
  get resultFile(): string {
    if (!this.destination) throw new Error(`Experiment "${this.name}" is a tool and writes no result file`);
    return this.destination.path;
  }

  get config(): C {
    return this.args.config;
  }

  get seeds(): number[] {
    return this.args.seeds;
  }

  /** Largest component area in cells: maxAreaRatio · N. */
  get maxArea(): number {
    return Math.floor(this.config.maxAreaRatio * this.model.counts.tokens);
  }

  log(message: string): void {
    console.error(`${this.name}: ${message}`);
  }

  /** A line for the result's notes. */
  note(text: string): void {
    this.#notes.push(text);
  }

  /** The evaluation suites of the config. */
  async suites(): Promise<EvalSuite[]> {
    const t0 = performance.now();
    const { suites, n, dataSeed, dataDir } = this.config;
    const loaded = await loadSuites(this.model, suites, { n, dataSeed, dataDir });
    for (const s of loaded) await this.#artifact("dataset", s.jsonlPath, s.datasetHash);
    this.#phase("load-suites", t0);
    return loaded;
  }

  /** Teacher records of a teacher config (default: the config's), from the shared cache. */
  async teacher(
    teacher: TeacherConfig = this.config.teacher,
  ): Promise<{ path: string; header: TeacherHeader; records: TeacherRecord[] }> {
    const t0 = performance.now();
    let bar: ReturnType<typeof progress> | undefined; // only when the pass is computed, not read
    let last = 0;
    const r = await ensureTeacher(this.model, this.checkpointHash, teacher, this.config.cacheDir, (d) => {
      bar ??= progress(`${this.name} teacher`, teacher.samples);
      bar.tick(d - last);
      last = d;
    });
    bar?.done();
    await this.#artifact("teacher", r.path);
    this.#phase("teacher", t0);
    return r;
  }

  /** An RPN trained (or cached) for `seed`, from the config's teacher, variant and training config. */
  async rpn(
    seed: number,
    spec: Partial<Pick<RpnSpec, "teacher" | "variant" | "train" | "subset">> = {},
  ): Promise<RpnArtifacts> {
    const { teacher, variant, rpn } = this.config;
    const full: RpnSpec = {
      checkpointHash: this.checkpointHash,
      teacher: spec.teacher ?? teacher,
      variant: spec.variant ?? variant,
      train: spec.train ?? rpn,
      seed,
      ...(spec.subset === undefined ? {} : { subset: spec.subset }),
    };
    await this.teacher(full.teacher);
    const t0 = performance.now();
    const r = await ensureRpn(this.model, full, {
      cacheDir: this.config.cacheDir,
      backboneChunk: this.config.backboneChunk,
      log: (m) => this.log(m),
      ...loaderOf(this.model),
    });
    const how = full.train.released !== undefined ? "released" : r.losses ? "trained" : "cached";
    this.log(`rpn ${how}: ${r.path} (${r.examples} examples)`);
    await this.#artifact("rpn-weights", r.path);
    this.#phase("rpn", t0);
    return r;
  }

  /**
   * `rpn()` for a sweep point: a setting that leaves no usable pseudo-label (every box too large, every
   * answer one token) is skipped with a note instead of ending the run. Returns null when skipped.
   */
  async sweepRpn(
    seed: number,
    spec: Partial<Pick<RpnSpec, "teacher" | "variant" | "train" | "subset">>,
    what: string,
  ): Promise<RpnArtifacts | null> {
    try {
      return await this.rpn(seed, spec);
    } catch (error) {
      if (!(error instanceof NoUsableLabelsError)) throw error;
      this.log(`${what}: skipped (${error.message})`);
      this.note(`${what} (seed ${seed}): skipped — ${error.message}`);
      return null;
    }
  }

  /** Free an RPN's branch variables once its evaluations are done. */
  release(rpn: Rpn): void {
    disposeRpn(this.model, rpn);
  }

  /** A ViCrop-style method at `layer` (default: the teacher's grounding layer). */
  vicrop(key: RowKey, options: VicropConfig, layer = this.config.teacher.layer): VicropMethod {
    return { kind: "vicrop", key, layer, ...options };
  }

  /** An SD-RPN method: released τ_conf per suite unless `threshold` (or the config's override) is given. */
  sdrpn(key: RowKey, rpn: Rpn, upscaling: "mask" | "box", threshold?: number): SdrpnMethod {
    return {
      kind: "sdrpn",
      key,
      rpn,
      upscaling,
      threshold: threshold ?? this.config.thresholdOverride ?? RELEASED_THRESHOLDS,
      maxArea: this.maxArea,
    };
  }

  /**
   * Evaluate methods on suites and record the outcomes: accuracy, the crop's IoU with the true box (methods
   * that crop; analysis only), optionally the RoI tokens added, and the time for throughput.
   */
  async evaluate(
    suites: readonly EvalSuite[],
    methods: readonly MethodSpec[],
    options: { label?: string; roiTokens?: boolean } = {},
  ): Promise<MethodRun[]> {
    if (!this.#warm && suites[0]) await warmUp(this.model, suites[0]);
    this.#warm = true;
    const t0 = performance.now();
    const tag = options.label ? ` ${options.label}` : "";
    const entry = EXPERIMENT_REGISTRY.find((e) => e.name === this.name);
    const runs = await evaluateMethods(this.model, suites, methods, {
      batchSize: this.config.batchSize,
      likelihood: entry?.likelihood ?? true,
      progress: (suite, total) => progress(`${this.name}${tag} ${suite}`, total),
    });
    // Further timed repeats (lib/experiment/timing.ts): same work, only the seconds are kept. They re-time a
    // method's first evaluation only; its later ones (other seeds) are timed by their scored pass.
    const repeats = timingRepeats(
      this.args.scale,
      this.args.options["timing-repeats"],
      entry?.timingRepeats,
    );
    const untimed = methods.filter((m) => !this.#seconds.has(rowId(m.key)));
    const timed: MethodRun[][] = [runs];
    for (let r = 1; r < repeats && untimed.length > 0; r++) {
      timed.push(
        await evaluateMethods(this.model, suites, untimed, {
          batchSize: this.config.batchSize,
          progress: (suite, total) =>
            progress(`${this.name}${tag} timing ${r + 1}/${repeats} ${suite}`, total),
        }),
      );
    }
    const byName = new Map(suites.map((s) => [s.name as string, s]));
    const kinds = new Map(methods.map((m) => [rowId(m.key), m.kind]));
    for (const run of runs) {
      const suite = byName.get(run.suite)!;
      const samples = suite.items.map((it) => it.sample);
      this.table.addAnswers(run.key, run.suite, suite.family, run.answers, samples);
      if (run.likelihoodAnswers) {
        this.table.addAnswers(
          likelihoodKey(run.key),
          run.suite,
          suite.family,
          run.likelihoodAnswers,
          samples,
          {
            metric: METRICS.likelihoodAccuracy,
          },
        );
      }
      if (kinds.get(rowId(run.key)) !== "baseline") {
        this.table.addValues(METRICS.iou, run.key, run.suite, cropIou(run, suite));
        // Chance level of that IoU: a random box of each crop's size (a stream per key, suite and
        // repetition, so it does not depend on evaluation order), and how often the method cropped at all.
        const id = `${rowId(run.key)}/${run.suite}`;
        const rep = this.#randomDraws.get(id) ?? 0;
        this.#randomDraws.set(id, rep + 1);
        const rng = new Rng(hashSeed(0, `iou-random/${id}/${rep}`));
        this.table.addValues(METRICS.iouRandom, run.key, run.suite, randomCropIou(run, suite, rng));
        this.table.addValues(METRICS.cropRate, run.key, run.suite, run.crops.map((c) => (c ? 1 : 0)));
      }
      if (options.roiTokens) this.table.addValues("roi_tokens", run.key, run.suite, run.roiTokens);
    }
    // Per method and repeat: seconds over the suites, and whether this call timed it in that repeat.
    const spent = new Map<string, { key: RowKey; seconds: number[]; timed: boolean[] }>();
    timed.forEach((rep, r) => {
      for (const run of rep) {
        const s = spent.get(rowId(run.key)) ??
          { key: run.key, seconds: new Array(repeats).fill(0), timed: new Array(repeats).fill(false) };
        s.seconds[r] += run.seconds;
        s.timed[r] = true;
        spent.set(rowId(run.key), s);
      }
    });
    for (const [id, s] of spent) {
      const total = this.#seconds.get(id) ??
        { key: s.key, seconds: new Array(repeats).fill(0), runs: new Array(repeats).fill(0) };
      s.seconds.forEach((x, r) => {
        if (!s.timed[r]) return;
        total.seconds[r]! += x;
        total.runs[r]!++;
      });
      this.#seconds.set(id, total);
    }
    this.#phase("evaluate", t0);
    return runs;
  }

  /**
   * Record `count` examples (lib/roi/examples.ts `exampleSelection`) of an SD-RPN run for the report's
   * example figures: `runs` must hold the runs of `answerMethods` and of `rpn.method` on the selected
   * suites. The teacher pass on the example questions uses the config's teacher, its cached sink
   * dimensions and the label variant. 0 records nothing (and the result has no `examples` block).
   */
  async recordExamples(
    suites: readonly EvalSuite[],
    runs: readonly MethodRun[],
    options: { count: number; answerMethods: readonly string[]; rpn: ExampleRpn },
  ): Promise<void> {
    if (options.count === 0) return;
    const { teacher, variant, dataSeed, n } = this.config;
    const { header } = await this.teacher(teacher);
    const t0 = performance.now();
    const picks = exampleSelection(suites.map((s) => s.name), n, options.count);
    this.#examples = await collectExamples(this.model, {
      suites,
      picks,
      dataSeed,
      runs,
      answerMethods: options.answerMethods,
      rpn: options.rpn,
      teacher,
      sinkDims: header.sinkDims,
      variant,
    });
    this.#phase("examples", t0);
  }

  /**
   * Write the result: rows of every metric and the paired differences the registry declares for this
   * experiment (lib/experiment/registry.ts `pairs`, expanded against the rows evaluated); the seconds and
   * throughput of every method go to `timing.phases` (wall-clock, so outside the rows). Print a summary.
   */
  async finish(): Promise<void> {
    if (this.#own) return await this.#write(this.#own);
    const pairs = expandPairRules(this.name, declaredPairs(this.name), this.table.keys(METRICS.accuracy));
    const rng = new Rng(this.seeds[0]!).fork("ci");
    this.#throughput();
    const generation: ResultRow[] = [
      ...this.table.rows(METRICS.accuracy, rng),
      ...pairs.flatMap(({ a, b, label }) => this.table.paired(a, b, rng, label)),
      ...this.table.metrics().filter((m) => m !== METRICS.accuracy && m !== METRICS.likelihoodAccuracy)
        .flatMap((m) => this.table.rows(m, rng, { digits: m === "roi_tokens" ? 1 : 3 })),
    ];
    const likelihood = likelihoodRows(this.table, pairs, rng);
    const rows = [...generation, ...likelihood];
    checkReportSections(this.name, rows);
    await this.#write({
      experiment: this.name,
      out: this.resultFile,
      prompt: { ...TESTBED_PROMPT },
      rows,
      artifacts: [],
      notes: [
        `seeds ${this.seeds.join(",")} vary the RPN's training and data order; the base model and the ` +
        "questions are fixed, so baseline and training-free methods are evaluated once. Values are means over " +
        "seeds; CIs are 95 % percentile bootstraps (1000 resamples) over questions of the seed-averaged scores; " +
        "delta_accuracy rows are paired bootstraps.",
        ...(likelihood.length > 0 ? [LIKELIHOOD_NOTE] : []),
        "throughput = baseline seconds / method seconds per evaluation of all suites, measured one method after " +
        "another in this process with the same batch size; a method is charged the shared passes it reads " +
        "(stage 1 of its RPN, the attention capture of ViCrop). Throughput and seconds are wall-clock " +
        'measurements, so they are in timing.phases ("throughput-<method>[ <point>]", "seconds <method>[ ' +
        '<point>]"), not in the rows: no row differs between identical runs.',
        ...this.#notes,
      ],
      phases: {},
      scoring: likelihood.length > 0 ? ["generation", "likelihood"] : ["generation"],
      summary: summary(rows, this.#phases),
    });
  }

  /**
   * Add entries to the result's `analysis` block (lib/results/analysis_schema.ts): statistics of the model
   * that a report section explains the rows with. A later entry of the same name replaces the earlier one.
   */
  recordAnalysis(analysis: Analysis): void {
    this.#analysis = { ...this.#analysis, ...analysis };
  }

  /** Have `finish()` write `own` instead of the score table's rows. */
  setResult(own: OwnResult): void {
    this.#own = own;
  }

  /** The one place a result is built and written: the run's artifacts and phases, then `r`'s. */
  async #write(r: OwnResult): Promise<void> {
    const result = makeResult({
      experiment: r.experiment,
      config: r.config ?? { ...this.config, scale: this.args.scale } as Record<string, unknown>,
      seeds: this.seeds,
      backend: this.backend,
      prompt: r.prompt,
      rows: r.rows,
      artifacts: [...this.#artifacts.values(), ...r.artifacts],
      ...(this.#examples ? { examples: this.#examples } : {}),
      ...(r.scoring ? { scoring: r.scoring } : {}),
      ...(this.#analysis ? { analysis: this.#analysis } : {}),
      notes: r.notes,
      startedAt: this.startedAt,
      phases: { ...this.#phases, ...r.phases },
    });
    await writeResult(r.out, result);
    if (this.args.json) console.log(JSON.stringify(r.json ?? result));
    else console.log(r.summary);
    const dest = this.destination;
    this.log(`wrote ${dest && r.out === dest.path ? describeDestination(dest) : r.out}`);
  }

  /** Per method: seconds per evaluation and, when the baseline ran, throughput (with its spread over timed repeats). */
  #throughput(): void {
    Object.assign(this.#phases, timingPhases([...this.#seconds.values()]));
  }

  async #artifact(kind: string, path: string, hash?: string): Promise<void> {
    if (!this.#artifacts.has(path)) {
      this.#artifacts.set(path, { kind, path, hash: hash ?? await artifactHash(path) });
    }
  }

  #phase(name: string, t0: number): void {
    this.#phases[name] = Math.round(((this.#phases[name] ?? 0) + (performance.now() - t0) / 1000) * 100) /
      100;
  }
}

/** The pair rules of an experiment's registry entry; none for an experiment outside the registry (tests). */
function declaredPairs(name: string): readonly PairRule[] {
  return EXPERIMENT_REGISTRY.find((e) => e.name === name)?.pairs ?? [];
}

/** The result note on the likelihood-protocol rows. */
export const LIKELIHOOD_NOTE =
  "Two scoring protocols: accuracy, f1 and delta_accuracy score each method's greedily " +
  "generated answer (generation); likelihood-accuracy, likelihood-f1 and likelihood-delta_accuracy (extra.protocol " +
  '"likelihood", multiple-choice and yes/no suites and their aggregates only) score the same prompts by option ' +
  "likelihood, V* bench's protocol for open models: the option whose content has the highest mean token " +
  "log-probability (lib/eval/likelihood.ts); not timed, same bootstraps and pairs.";

/** A method's key for its likelihood-protocol rows: its own extra plus `protocol: "likelihood"`. */
export function likelihoodKey(key: RowKey): RowKey {
  return { method: key.method, extra: { ...key.extra, protocol: LIKELIHOOD_PROTOCOL } };
}

/**
 * The likelihood-protocol rows of `table` (`METRICS.likelihoodAccuracy` per suite and aggregate, with its
 * F1 and seed rows) and the paired differences `likelihood-delta_accuracy` of every pair in `pairs` whose
 * methods both have likelihood answers on some suite; none when no answer was scored by likelihood.
 */
export function likelihoodRows(
  table: ScoreTable,
  pairs: readonly { a: RowKey; b: RowKey; label?: RowKey }[],
  rng: Rng,
): ResultRow[] {
  const metric = METRICS.likelihoodAccuracy;
  if (!table.metrics().includes(metric)) return [];
  return [
    ...table.rows(metric, rng, { digits: 2 }),
    ...pairs.flatMap(({ a, b, label }) => {
      const [la, lb] = [likelihoodKey(a), likelihoodKey(b)];
      if (table.sharedSuites(metric, la, lb).length === 0) return [];
      return table.paired(la, lb, rng, label && likelihoodKey(label), { metric });
    }),
  ];
}

/**
 * The report renders sweep points and crop IoU only for experiments the registry lists under `sweeps` and
 * `localisation`: a result with such rows whose entry does not list them would silently miss the report.
 * Experiments outside the registry (tests, one-off runs) are not checked.
 */
export function checkReportSections(name: string, rows: readonly ResultRow[]): void {
  const entry = EXPERIMENT_REGISTRY.find((e) => e.name === name);
  if (!entry) return;
  const needs: [ReportSection, boolean][] = [
    ["sweeps", rows.some((r) => sweepOf(r) !== undefined)],
    ["localisation", rows.some((r) => r.metric === METRICS.iou && r.suite === AGGREGATE_SUITES.mean)],
  ];
  for (const [section, has] of needs) {
    if (has && !entry.sections.includes(section)) {
      throw new Error(
        `Experiment "${name}" writes rows for the report section "${section}" that ` +
          "lib/experiment/registry.ts does not list for it",
      );
    }
  }
}

function loaderOf(model: Mllm): { loadReleased?: ReturnType<typeof releasedRpnLoader> } {
  const loader = releasedRpnLoader(model);
  return loader ? { loadReleased: loader } : {};
}

/** What an experiment script declares: its name, one line, its config schema and its own scale presets. */
export interface ExperimentSpec<S extends z.ZodObject> {
  name: string;
  description: string;
  schema: S;
  /** Presets over the shared ones of `experimentScales` (sweeps cut down at quick scale, ...). */
  scales?: Partial<Record<Scale, DeepPartial<z.infer<S>>>>;
  /** False for experiments that do not depend on the seed (one seed at every scale). Default true. */
  seeded?: boolean;
  /** Shorthand options: `--<name> VALUE` = `--set <config key>=VALUE` (lib/experiment/shorthands.ts). */
  shorthands?: Readonly<Record<string, string>>;
  /**
   * A pipeline step run on its own (pseudo-labels, train-rpn): it prints what it built and writes no
   * result file, so `runExperiment` does not call `finish()`. Default false.
   */
  tool?: boolean;
}

/** A script's command line: shared scale presets, and ≥ 3 seeds at the default scale unless seedless. */
export function experimentCli<S extends z.ZodObject>(spec: ExperimentSpec<S>): Cli<z.infer<S>> {
  return defineCli({
    name: spec.name,
    description: spec.description,
    schema: spec.schema,
    options: { ...MODEL_OPTION, ...TIMING_OPTION },
    scales: experimentScales<z.infer<S> & ExperimentConfig>(
      spec.scales as Partial<Record<Scale, DeepPartial<z.infer<S> & ExperimentConfig>>>,
      Object.keys(spec.schema.shape),
    ) as Record<Scale, DeepPartial<z.infer<S>>>,
    ...(spec.seeded === false ? {} : { seedCount: SEED_COUNT }),
  });
}

/**
 * The whole life of an experiment script: parse the command line (or print `--help`; `--model DIR` brings
 * the folder's settings, lib/experiment/model.ts `parseWithModel`), open the checkpoint,
 * run `body`, write the result (not for a `tool`). Errors end the process with `error: <message>` (lib/cli `runMain`).
 */
export async function runExperiment<S extends z.ZodObject>(
  spec: ExperimentSpec<S>,
  body: (exp: Experiment<z.infer<S> & ExperimentConfig>) => Promise<void>,
): Promise<void> {
  const cli = experimentCli(spec);
  await runMain(async () => {
    const shorthands = spec.shorthands ?? {};
    const argv = expandShorthands(Deno.args, shorthands);
    const args = await parseWithModel(cli, argv, Object.keys(spec.schema.shape)) as CliArgs<
      z.infer<S> & ExperimentConfig
    >;
    if (args.help) {
      return console.log([cli.usage(), shorthandUsage(shorthands)].filter((t) => t).join("\n\n"));
    }
    const exp = await Experiment.open(spec.name, args, { tool: spec.tool });
    await body(exp);
    if (!spec.tool) await exp.finish();
  });
}

/**
 * Throughput of each method relative to the baseline (baseline seconds / method seconds, 2 decimals; 0 for
 * a method that took no time), keyed by `throughputPhase(method, extra)` for `timing.phases`. Throws when
 * two methods would share a key (they differ only in bookkeeping keys of `extra`).
 */
export function throughputPhases(
  methods: readonly { key: RowKey; seconds: number }[],
  baselineSeconds: number,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const { key, seconds } of methods) {
    const phase = throughputPhase(key.method, key.extra);
    if (phase in out) throw new Error(`Two methods share the throughput phase "${phase}"`);
    out[phase] = round(seconds > 0 ? baselineSeconds / seconds : 0, 2);
  }
  return out;
}

/**
 * The summary printed after a run: accuracy per suite and aggregate, differences, and the throughput of
 * every method read from the `throughput-…` entries of `phases` (the result's `timing.phases`).
 */
export function summary(rows: readonly ResultRow[], phases: Readonly<Record<string, number>> = {}): string {
  const acc = rows.filter((r) => r.metric === METRICS.accuracy);
  const suites = [...new Set(acc.map((r) => r.suite))];
  const labels = [...new Set(acc.map(rowLabel))];
  const cell = (label: string, suite: string, metric: string) => {
    const r = rows.find((x) => x.metric === metric && rowLabel(x) === label && x.suite === suite);
    return r ? String(r.value) : "";
  };
  const parts = [
    formatTable(["method", ...suites], labels.map((l) => [l, ...suites.map((s) => cell(l, s, "accuracy"))])),
  ];
  const deltas = rows.filter((r) => r.metric === METRICS.deltaAccuracy && r.suite === AGGREGATE_SUITES.mean);
  if (deltas.length > 0) {
    parts.push(formatTable(
      ["difference (mean over suites)", "points", "95 % CI"],
      deltas.map((r) => [rowLabel(r), String(r.value), r.ci ? `${r.ci[0]} … ${r.ci[1]}` : ""]),
    ));
  }
  const prefix = throughputPhase("");
  const tp = Object.entries(phases).filter(([k]) => k.startsWith(prefix));
  if (tp.length > 0) {
    parts.push(formatTable(
      ["method", "throughput vs baseline"],
      tp.map(([k, v]) => [k.slice(prefix.length), `${v}`]),
    ));
  }
  return parts.join("\n\n");
}

/** Method plus what tells its rows apart (sweep point, size, split), e.g. `masked tau=0.1`. */
function rowLabel(row: { method: string; extra?: Readonly<Record<string, unknown>> }): string {
  const point = pointLabel(row.extra);
  return point === "" ? row.method : `${row.method} ${point}`;
}

function rowId(key: RowKey): string {
  return `${key.method}|${canonicalJson(key.extra ?? {})}`;
}

/**
 * Evaluation core shared by eval-roi and every experiment: answer the questions of an evaluation suite with
 * a list of methods and return, per method, the answers, the wall-clock time and what was cropped.
 *
 *   baseline  the MLLM on the whole image;
 *   vicrop    ViCrop-style raw attention (spec §7): generate, read the answer→image map at a layer (or the
 *             relative map), choose a window, answer again with [image, crop];
 *   sdrpn     SD-RPN two-stage inference (spec §0.3, §5): stage 1 = partial prefill + branch → RoI map →
 *             proposal at τ_conf; stage 2 = the full MLLM with the RoI tokens (masked or box-only).
 *
 * Work that methods share is done once per suite and charged to each of them, so every method's time is
 * what it costs when run alone: one generation capturing every layer the vicrop methods read (capturing
 * more layers costs no extra matmul), and one stage-1 pass per RPN whatever the thresholds and upscaling
 * modes evaluated on it. Stage 2 of SD-RPN starts from stage 1's [system, image] prefix state, and
 * ViCrop's second pass from its first pass's (`reusePrefix`, default true): the first B layers (all L
 * for ViCrop) see the same prefix in both passes.
 *
 * With `likelihood`, multiple-choice and yes/no suites are also scored by option likelihood
 * (lib/eval/likelihood.ts) on exactly the requests each method's final generation answered (its RoI
 * blocks included), after every method's timed work on the suite: `MethodRun.likelihoodAnswers`.
 */
import type { SuiteName } from "../data/schema.ts";
import { loadEvalSuite } from "../data/eval_set.ts";
import type { Sample } from "../data/schema.ts";
import { SUITES } from "../data/suites.ts";
import type { Rng } from "../engine/rng.ts";
import { answerAll, type AnswerRequest } from "../eval/answer.ts";
import { iou, randomBoxLike } from "../eval/boxes.ts";
import { hasLikelihoodScoring } from "../eval/likelihood.ts";
import { likelihoodAnswerAll } from "../eval/likelihood_answers.ts";
import type { MetricFamily } from "../eval/metrics.ts";
import type { RowKey } from "../eval/rows.ts";
import type { Box, RgbImage } from "../image/types.ts";
import type { Mllm, VisualBlock } from "../model/mllm.ts";
import type { AttentionMaps, LayerSpec } from "./attention.ts";
import type { RoiPath, RoiProposal } from "./propose.ts";
import {
  branchLogits,
  disposeStageOnePrefill,
  type Rpn,
  type StageOnePrefill,
  stageOnePrefill,
  type StageOneResult,
  stageTwo,
} from "./two_stage.ts";
import type { RoiCrop } from "./upscale_geometry.ts";
import { vicropFirstPass, vicropFromMap, vicropMap } from "./vicrop.ts";

/** One evaluation question with its original image and the letterboxed encoder input. */
export interface EvalItem {
  sample: Sample;
  image: RgbImage;
  /** [S, S, 3] letterboxed whole image. */
  pixels: Float32Array;
}

/**
 * What answering reads of a question: its text, original image and encoder input. An `EvalItem` is one;
 * so is a real-benchmark row (lib/experiment/benchmark_run.ts), whose question is the lmms-eval prompt.
 */
export interface AnswerItem {
  /** The question, and a multiple-choice question's options (option-likelihood scoring ranks them). */
  sample: { question: string; options?: readonly string[] };
  image: RgbImage;
  /** Encoder input of the whole image (block 0). */
  pixels: Float32Array;
}

/** What `evaluateSuite` reads of a suite: its name (the key of per-suite thresholds) and questions. */
export interface AnswerSuite {
  name: string;
  items: readonly AnswerItem[];
  /** Metric family; "choice" and "yesno" suites can be scored by option likelihood too. */
  family?: MetricFamily;
}

/** An evaluation suite ready to answer. */
export interface EvalSuite {
  name: SuiteName;
  family: MetricFamily;
  kind: "text" | "vision";
  /** The dataset file the questions came from (an artifact of the result). */
  jsonlPath: string;
  /** Content hash of the dataset files, images included (lib/data/dataset.ts `datasetHash`). */
  datasetHash: string;
  items: EvalItem[];
}

/** The first `n` questions of each suite (dataset files written once under `dataDir`, then read back). */
export async function loadSuites(
  model: Mllm,
  names: readonly string[],
  options: { n: number; dataSeed: number; dataDir: string },
): Promise<EvalSuite[]> {
  const out: EvalSuite[] = [];
  for (const name of names as SuiteName[]) {
    const spec = SUITES[name];
    if (!spec || spec.split !== "eval") throw new Error(`Unknown evaluation suite "${name}"`);
    const set = await loadEvalSuite(name, options.n, options.dataSeed, options.dataDir);
    const items = await Promise.all(set.items.map(async ({ sample, image }) => ({
      sample,
      image,
      pixels: await model.encodeImage(image),
    })));
    out.push({
      name,
      family: spec.metric,
      kind: spec.kind,
      jsonlPath: set.jsonlPath,
      datasetHash: set.hash,
      items,
    });
  }
  return out;
}

export interface BaselineMethod {
  kind: "baseline";
  key: RowKey;
}

export interface VicropMethod {
  kind: "vicrop";
  key: RowKey;
  /** Layer of the answer→image map. */
  layer: number;
  /** Heads averaged into the map (default all). */
  heads?: number[];
  /** ViCrop's relative map: question map ÷ map of a generic prompt. */
  relative: boolean;
  /** Window sides in grid cells. */
  sizes: number[];
  select: "sum" | "sharpness";
}

export interface SdrpnMethod {
  kind: "sdrpn";
  key: RowKey;
  rpn: Rpn;
  /** "mask": the paper's masked upscaling when ≥ 2 components; "box": box-only (one crop per box). */
  upscaling: "mask" | "box";
  /** τ_conf (negative = relative), one for every suite or per suite. */
  threshold: number | Readonly<Record<string, number>>;
  /** Largest component area in cells. */
  maxArea: number;
}

export type MethodSpec = BaselineMethod | VicropMethod | SdrpnMethod;

/** What one method did on one suite. */
export interface MethodRun {
  key: RowKey;
  suite: string;
  answers: string[];
  /** Wall-clock seconds, shared work included. */
  seconds: number;
  /** Per question: bounding box (source pixels) of everything cropped; null when nothing was. */
  crops: (Box | null)[];
  /** Per question: visual tokens added after the image tokens. */
  roiTokens: number[];
  /** sdrpn: questions per proposal path. */
  paths?: Record<RoiPath, number>;
  /**
   * With `EvaluateOptions.likelihood` on a "choice" / "yesno" suite: per question, the option letter or
   * yes/no picked by option likelihood over the same prompt and blocks as `answers` (untimed).
   */
  likelihoodAnswers?: string[];
  /**
   * sdrpn: per question, what the crop was chosen from — kept (a few KB per suite) so that an experiment
   * can record examples of exactly what this run did instead of recomputing stage 1 on another batch.
   */
  stage1?: SdrpnTrace;
}

/** Per question of an sdrpn run: the RoI logits, the proposal at τ_conf and the crops made from it. */
export interface SdrpnTrace {
  /** τ_conf applied on this suite. */
  threshold: number;
  logits: Float32Array[];
  proposals: RoiProposal[];
  crops: RoiCrop[][];
}

export interface EvaluateOptions {
  batchSize: number;
  maxNewTokens?: number;
  /**
   * SD-RPN: stage 2 starts from stage 1's [system, image] prefix state instead of recomputing the image
   * encoding and layers 0..B−1 there (same answers, `Mllm.prefill`); ViCrop: the second pass starts from
   * the first pass's prefix state after all layers (`GenerateOptions.keepPrefix`). Default true; false
   * measures what the reuse saves.
   */
  reusePrefix?: boolean;
  /**
   * Also pick each "choice" / "yesno" question's answer by option likelihood (V* bench's protocol for open
   * models, lib/eval/likelihood.ts) from the requests each method's generation answered; not timed.
   */
  likelihood?: boolean;
  /** Progress of a suite: created with the number of answers to give, ticked per answered batch. */
  progress?: (suite: string, total: number) => { tick(n?: number): void; done(): void };
}

/** Answer every suite with every method, in order (suite-major). */
export async function evaluateMethods(
  model: Mllm,
  suites: readonly EvalSuite[],
  methods: readonly MethodSpec[],
  options: EvaluateOptions,
): Promise<MethodRun[]> {
  const runs: MethodRun[] = [];
  for (const suite of suites) runs.push(...await evaluateSuite(model, suite, methods, options));
  return runs;
}

/** Answer one suite with every method. */
export async function evaluateSuite(
  model: Mllm,
  suite: AnswerSuite,
  methods: readonly MethodSpec[],
  options: EvaluateOptions,
): Promise<MethodRun[]> {
  const { items } = suite;
  const { tokens: N } = model.counts;
  const bar = options.progress?.(suite.name, items.length * methods.length);
  // The requests of the method's final answers, for option-likelihood scoring after it.
  let asked: AnswerRequest[] = [];
  const answer = (requests: AnswerRequest[]) => {
    asked = requests;
    return answerAll(model, requests, {
      batchSize: options.batchSize,
      maxNewTokens: options.maxNewTokens,
      onBatch: (n) => bar?.tick(n),
    });
  };
  const family = options.likelihood && suite.family && hasLikelihoodScoring(suite.family)
    ? suite.family
    : null;
  const shared = new SharedWork(model, items, methods, options);
  const runs: MethodRun[] = [];
  const askedOf: AnswerRequest[][] = []; // per run
  try {
    for (const method of methods) {
      const t0 = performance.now();
      if (method.kind === "baseline") {
        const answers = await answer(
          items.map((it) => ({ question: it.sample.question, blocks: [whole(it)] })),
        );
        runs.push({
          key: method.key,
          suite: suite.name,
          answers,
          seconds: secondsSince(t0),
          crops: items.map(() => null),
          roiTokens: items.map(() => 0),
        });
      } else if (method.kind === "vicrop") {
        const first = await shared.captures(method);
        const t1 = performance.now();
        const choices = await Promise.all(items.map((it, i) => {
          const map = vicropMap(first.plain[i]!.maps[first.index]!, first.generic?.[i]?.maps[first.index]);
          return vicropFromMap(model, map, it.image, method);
        }));
        const answers = await answer(items.map((it, i) => {
          const prefix = first.plain[i]!.prefix;
          return {
            question: it.sample.question,
            blocks: choices[i]!.block ? [whole(it), choices[i]!.block!] : [whole(it)],
            ...(prefix ? { prefix } : {}),
          };
        }));
        runs.push({
          key: method.key,
          suite: suite.name,
          answers,
          seconds: first.seconds + secondsSince(t1),
          crops: choices.map((c) => c.sourceBox),
          roiTokens: choices.map((c) => (c.block ? N : 0)),
        });
      } else {
        const stage1 = await shared.stageOne(method.rpn);
        const t1 = performance.now();
        const tau = typeof method.threshold === "number" ? method.threshold : method.threshold[suite.name];
        if (tau === undefined) throw new Error(`No confidence threshold for suite "${suite.name}"`);
        const questions = items.map((it) => ({
          question: it.sample.question,
          image: it.image,
          pixels: it.pixels,
        }));
        const { answers, proposals, rois } = await stageTwo(model, method.rpn, questions, stage1, {
          threshold: tau,
          maxArea: method.maxArea,
          boxOnly: method.upscaling === "box",
          answer,
        });
        const paths: Record<RoiPath, number> = { none: 0, box: 0, mask: 0 };
        for (const p of proposals) paths[p.path]++;
        runs.push({
          key: method.key,
          suite: suite.name,
          answers,
          seconds: stage1.seconds + secondsSince(t1),
          crops: rois.map((r) => unionBox(r.crops.map((c) => c.sourceBox))),
          roiTokens: rois.map((r) => r.crops.reduce((a, c) => a + (c.keptTokens?.length ?? N), 0)),
          paths,
          stage1: { threshold: tau, logits: stage1.logits, proposals, crops: rois.map((r) => r.crops) },
        });
      }
      // Likelihood reads the prompts only: drop the prefix states (host copies) they carried.
      askedOf.push(asked.map(({ question, blocks }) => ({ question, blocks })));
    }
  } finally {
    shared.dispose();
  }
  // Option likelihood after every method's timed work on the suite, so that no untimed pass runs between
  // two timed methods.
  if (family) {
    const samples = items.map((it) => it.sample);
    for (const [i, run] of runs.entries()) {
      run.likelihoodAnswers = await likelihoodAnswerAll(model, family, askedOf[i]!, samples, {
        batchSize: options.batchSize,
      });
    }
  }
  bar?.done();
  return runs;
}

/**
 * Answer one question untimed, with one and with two visual blocks, so that the first timed method (the
 * baseline, usually) is not charged the runtime's warm-up (JIT, kernel set-up): throughput compares
 * methods, not how early they ran.
 */
export async function warmUp(model: Mllm, suite: AnswerSuite): Promise<void> {
  const it = suite.items[0];
  if (!it) return;
  await answerAll(model, [
    { question: it.sample.question, blocks: [whole(it)] },
    { question: it.sample.question, blocks: [whole(it), whole(it)] },
  ]);
}

/** Per question: IoU of the method's crop with the true target box (0 without a crop). Analysis only. */
export function cropIou(run: MethodRun, suite: EvalSuite): number[] {
  return run.crops.map((c, i) => (c ? iou(c, suite.items[i]!.sample.box) : 0));
}

/** Per question: IoU of a random box of the crop's size with the true box (the chance level of cropIou). */
export function randomCropIou(run: MethodRun, suite: EvalSuite, rng: Rng): number[] {
  return run.crops.map((c, i) => {
    if (!c) return 0;
    const it = suite.items[i]!;
    return iou(randomBoxLike(rng, c, it.image.width, it.image.height), it.sample.box);
  });
}

/** Bounding box of boxes; null for none. */
export function unionBox(boxes: readonly Box[]): Box | null {
  if (boxes.length === 0) return null;
  return boxes.reduce((u, b) => [
    Math.min(u[0], b[0]),
    Math.min(u[1], b[1]),
    Math.max(u[2], b[2]),
    Math.max(u[3], b[3]),
  ]);
}

function whole(it: AnswerItem): VisualBlock {
  return { pixels: it.pixels };
}

function secondsSince(t0: number): number {
  return (performance.now() - t0) / 1000;
}

/** The once-per-suite passes several methods read, computed on first use and timed. */
class SharedWork {
  #layers: LayerSpec[];
  #plain?: { maps: AttentionMaps[]; seconds: number };
  #generic?: { maps: AttentionMaps[]; seconds: number };
  #stage1 = new Map<Rpn, StageOneResult & { seconds: number }>();
  #prefills = new Map<number, StageOnePrefill & { seconds: number }>();

  constructor(
    private model: Mllm,
    private items: readonly AnswerItem[],
    methods: readonly MethodSpec[],
    private options: EvaluateOptions,
  ) {
    const seen = new Map<string, LayerSpec>();
    for (const m of methods) {
      if (m.kind !== "vicrop") continue;
      const spec: LayerSpec = m.heads ? { layer: m.layer, heads: m.heads } : { layer: m.layer };
      seen.set(layerId(spec), spec);
    }
    this.#layers = [...seen.values()];
  }

  /** First-pass maps of a vicrop method: the index of its layer in the capture, and the time it cost. */
  async captures(method: VicropMethod) {
    this.#plain ??= await this.#capture(false);
    if (method.relative) this.#generic ??= await this.#capture(true);
    const index = this.#layers.findIndex((l) =>
      layerId(l) ===
        layerId(method.heads ? { layer: method.layer, heads: method.heads } : { layer: method.layer })
    );
    return {
      plain: this.#plain.maps,
      generic: method.relative ? this.#generic!.maps : null,
      index,
      seconds: this.#plain.seconds + (method.relative ? this.#generic!.seconds : 0),
    };
  }

  /**
   * Stage 1 of an RPN and its time: the prefill through B layers is shared by every RPN of that depth (it
   * does not depend on the branch), and each method is charged its whole time, as if it ran alone.
   */
  async stageOne(rpn: Rpn) {
    let done = this.#stage1.get(rpn);
    if (!done) {
      const depth = rpn.shape.backbone;
      let prefill = this.#prefills.get(depth);
      if (!prefill) {
        const t0 = performance.now();
        const p = await stageOnePrefill(this.model, depth, this.#questions(), {
          batchSize: this.options.batchSize,
          reusePrefix: this.options.reusePrefix ?? true,
        });
        prefill = Object.assign(p, { seconds: secondsSince(t0) });
        this.#prefills.set(depth, prefill);
      }
      const t1 = performance.now();
      const logits = await branchLogits(this.model, rpn, prefill);
      done = { logits, prefixes: prefill.prefixes, seconds: prefill.seconds + secondsSince(t1) };
      this.#stage1.set(rpn, done);
    }
    return done;
  }

  /** Free the prefills' live tensors (stage-1 results and prefix rows are host copies). */
  dispose(): void {
    for (const p of this.#prefills.values()) disposeStageOnePrefill(p);
    this.#prefills.clear();
  }

  #questions() {
    return this.items.map((it) => ({ question: it.sample.question, pixels: it.pixels }));
  }

  async #capture(generic: boolean) {
    const t0 = performance.now();
    const maps = await vicropFirstPass(this.model, this.#questions(), this.#layers, {
      batchSize: this.options.batchSize,
      maxNewTokens: this.options.maxNewTokens,
      generic,
      // The question pass's prefix states start the second pass; the generic pass needs none.
      keepPrefix: !generic && (this.options.reusePrefix ?? true),
    });
    return { maps, seconds: secondsSince(t0) };
  }
}

function layerId(spec: LayerSpec): string {
  return `${spec.layer}:${spec.heads?.join(",") ?? "all"}`;
}

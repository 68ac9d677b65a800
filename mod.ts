/**
 * SD-RPN reproduction suite — public API.
 *
 * The suite reproduces "Catching the Details: Self-Distilled RoI Predictors for Fine-Grained MLLM
 * Perception" on a synthetic fine-grained VQA testbed with a small LLaVA-style MLLM it trains itself.
 * Experiments live in `experiments/` (one `deno task` each); this module re-exports the building blocks.
 *
 * @module
 */

// Engine: backends, seeded randomness, the wasm-friendly ops, the optimiser.
export { type BackendInfo, type BackendName, initBackend } from "./lib/engine/backend.ts";
export { hashSeed, Rng } from "./lib/engine/rng.ts";
export { bmm, embed, linear, rmsNorm } from "./lib/engine/ops.ts";
export { AdamW, cosineLr } from "./lib/engine/adamw.ts";

// Testbed: suites, samples, dataset files.
export { generateSample, SUITES, type SuiteSpec } from "./lib/data/suites.ts";
export {
  type Sample,
  type SampleMeta,
  SampleSchema,
  SUITE_NAMES,
  type SuiteName,
} from "./lib/data/schema.ts";
export { CODE_CHARS, VOCAB_WORDS } from "./lib/data/vocab.ts";

// Images: PNG I/O, letterbox, crops.
export type { Box, RgbImage } from "./lib/image/types.ts";
export { decodePng, encodePng, loadImage } from "./lib/image/png.ts";
export { cropResize, gridBoxToSource, letterbox } from "./lib/image/resize.ts";

// The model interface: what SD-RPN and the evaluation need from an MLLM, in model-independent terms.
/**
 * A LLaVA-shaped MLLM behind one interface (lib/model/mllm.ts): image → encoder input and its geometry,
 * prompts with optional RoI blocks, prefill to layer B with a reusable prefix state, greedy decoding with a
 * KV cache, answer→image attention rows, hidden states, counts, and the RPN branch's weight copies.
 */
export type {
  AnsweredPrompt,
  GenerateOptions,
  Generation,
  LayerContext,
  LayerPart,
  LayerWeights,
  Mllm,
  MllmCounts,
  Prefill,
  PrefixBatch,
  PrefixRow,
  Prompt,
  PromptTemplate,
  TokenLayout,
  VisualBlock,
} from "./lib/model/mllm.ts";
export type { HostTensor, Params, TensorMap } from "./lib/model/tensors.ts";
export {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
} from "./lib/model/safetensors.ts";

// The embedded model (lib/models/tiny): implements `Mllm`; its pretraining lives beside it.
export { type ModelConfig, ModelConfigSchema } from "./lib/models/tiny/config.ts";
export { SPECIAL_TOKENS, Tokenizer } from "./lib/models/tiny/tokenizer.ts";
export { buildSequences, type SequenceBatch, type SequenceItem } from "./lib/models/tiny/sequence.ts";
export { decodeStep, forward, type ForwardOptions, type ForwardResult } from "./lib/models/tiny/forward.ts";
export { generate } from "./lib/models/tiny/generate.ts";
export {
  capturePrefix,
  forwardFromPrefix,
  prefixRows,
  type PrefixState,
  repeatPrefix,
  stackPrefix,
} from "./lib/models/tiny/prefix.ts";
export { defaultTokenizer, loadCheckpoint, loadModel, saveCheckpoint } from "./lib/models/tiny/checkpoint.ts";
/** The embedded model as an `Mllm`. */
export { TinyMllm } from "./lib/models/tiny/tiny_mllm.ts";

// The SD-RPN method API (issue 3): sink removal, label assignment, RoI proposal.
/** Label of a cell that carries no loss (the released code's −100; the paper says −1). */
export { IGNORE } from "./lib/roi/labels.ts";
/**
 * Attention-based sink removal (SD-RPN-SPEC §2): `removeSinks(grounding, sinkMap, threshold)` is a copy of
 * `grounding` with 0 wherever the early-layer map `sinkMap[j] ≥ threshold` (τ_sink = 0.576 / N by default,
 * `attentionSinkThreshold`). Norm-based sinks: `normSinkScores` (what the teacher records) and
 * `normScoreMask` / `normSinkMask`.
 */
export {
  applySinkMask,
  attentionSinkMask,
  attentionSinkThreshold,
  findSinkDims,
  flaggedShare,
  normScoreMask,
  normSinkMask,
  normSinkScores,
  normSinkThreshold,
  removeSinks,
} from "./lib/roi/sinks.ts";
/** Massive-activation statistics behind the norm-based sink rule (does the model have sink dimensions?). */
export {
  MASSIVE_RATIO,
  massiveActivationRecord,
  massiveActivationStats,
} from "./lib/roi/massive_activations.ts";
/** A result's optional `analysis` block (model statistics a report section explains rows with). */
export {
  type Analysis,
  AnalysisSchema,
  type MassiveActivations,
  MassiveActivationsSchema,
} from "./lib/results/analysis_schema.ts";
/**
 * Ternary label assignment (SD-RPN-SPEC §3): `assignLabels(map, grid, options)` gives [N] labels 1 (fg),
 * 0 (bg) or `IGNORE` from a sink-removed grounding map: fg ≥ τ_fg·max, bg ≤ τ_bg·max, the whole sample
 * ignored when the fg box covers too much of the grid.
 */
export { assignLabels, type LabelOptions } from "./lib/roi/labels.ts";
/**
 * RoI proposal (SD-RPN-SPEC §5): `proposeRoi(logits, grid, options)` thresholds σ(logits) at τ_conf after a
 * 3×3 Gaussian blur and returns the crop boxes and, for masked upscaling, the tokens to keep.
 */
export { type ProposeOptions, proposeRoi, type RoiPath, type RoiProposal } from "./lib/roi/propose.ts";
/**
 * Masked upscaling (SD-RPN-SPEC §5.5): `maskedUpscale(binary, grid, box)` crops the binary RoI map to the
 * box, resizes it bilinearly to the crop's G×G tokens and returns the row-major indices kept (> 0.5).
 */
export { maskedUpscale } from "./lib/roi/propose.ts";

// Evaluation and results.
export { answerAll, type AnswerRequest } from "./lib/eval/answer.ts";
export { type MetricFamily, scoreAnswer, summarise } from "./lib/eval/metrics.ts";
export { bootstrapCi, pairedBootstrap } from "./lib/eval/bootstrap.ts";
/**
 * Option-likelihood scoring (V* bench's protocol for open models): each option's content, or yes / no, is
 * scored as the answer after the same prompt; the highest mean token log-probability (end token included)
 * wins, the first on a tie.
 */
export {
  bestCandidate,
  type CandidateLogLikelihood,
  type CandidateQuestion,
  candidatesOf,
  hasLikelihoodScoring,
  type LikelihoodFamily,
  optionLogLikelihoods,
  predictionOf,
  questionsLogLikelihoods,
} from "./lib/eval/likelihood.ts";
export { likelihoodAnswerAll, type LikelihoodAnswerOptions } from "./lib/eval/likelihood_answers.ts";
export {
  LIKELIHOOD_METRIC_PREFIX,
  likelihoodMetric,
  SCORING_PROTOCOLS,
  type ScoringProtocol,
} from "./lib/results/schema.ts";
export { type Result, ResultSchema } from "./lib/results/schema.ts";
/** A result's optional `examples` block: questions recorded in full for the report's example figures. */
export {
  type Example,
  EXAMPLE_DECIMALS,
  EXAMPLE_IGNORE,
  ExampleSchema,
} from "./lib/results/example_schema.ts";
export { readResult, writeResult } from "./lib/results/io.ts";
export { canonicalJson, configHash } from "./lib/results/hash.ts";
/** Result rows from per-question outcomes: bootstrap CIs, seed averages, paired differences, aggregates. */
export {
  ACCURACY,
  type Aggregate,
  answerMetrics,
  MEAN_SUITE,
  type RowKey,
  type ScoredSample,
  ScoreTable,
} from "./lib/eval/rows.ts";
/** A cross-process lock around building one shared artifact (`<path>.lock`, stale locks taken over). */
export { type LockOptions, withLock } from "./lib/results/lock.ts";

// RoI experiments: evaluating methods, the shared experiment runner, the backbone-state cache.
/** Answer evaluation suites with baseline / ViCrop-style / SD-RPN methods, timed, with what each cropped. */
export {
  type BaselineMethod,
  cropIou,
  type EvalItem,
  type EvalSuite,
  evaluateMethods,
  type EvaluateOptions,
  evaluateSuite,
  loadSuites,
  type MethodRun,
  type MethodSpec,
  randomCropIou,
  type SdrpnMethod,
  type SdrpnTrace,
  type VicropMethod,
  warmUp,
} from "./lib/roi/evaluate.ts";
/** What every experiment script shares: config fields, scale presets, the `Experiment` run, result paths. */
export {
  EVAL_SUITES,
  Experiment,
  experimentCli,
  type ExperimentConfig,
  experimentConfigFields,
  experimentScales,
  type ExperimentSpec,
  openModel,
  PIPELINE_SCALES,
  resultDir,
  resultPath,
  runExperiment,
  sweepConfigFields,
  throughputPhases,
  type VicropConfig,
  VicropConfigSchema,
} from "./lib/experiment/mod.ts";
/**
 * Checks before any work: where a result may go (only the canonical run writes `results/*.json`; others go to
 * `results/scratch/<hash>/`), and every config value against the model's depth, heads and grid.
 */
export {
  CANONICAL_BACKEND,
  type Destination,
  preflight,
  resultDestination,
  SHIPPED_CHECKPOINT_HASH,
  validateConfig,
} from "./lib/experiment/mod.ts";
/**
 * The one registry of experiments (name, script, task, seeded, run by reproduce, the pair rules of every
 * paired difference it writes, report section); `reproduce`'s list, the runner's paired differences and the
 * report's derive from it.
 */
export {
  EXPERIMENT_REGISTRY,
  type ExperimentEntry,
  experimentEntry,
  experimentIn,
  experimentsIn,
  PAIRED_DIFFERENCES,
  type PairedDifference,
  type PairRule,
  REPORT_SECTIONS,
  type ReportSection,
  REPRODUCE_EXPERIMENTS,
  SEED_FREE_EXPERIMENTS,
} from "./lib/experiment/registry.ts";
/** Recording examples of an SD-RPN run (teacher map, pseudo-labels, RPN map, crop) for the report. */
export {
  collectExamples,
  type ExampleInput,
  type ExamplePick,
  type ExampleRpn,
  exampleSelection,
  rpnProbabilities,
} from "./lib/roi/examples.ts";
/** The frozen backbone's layer-B states of the teacher prompts, cached in chunks shared by every RPN. */
export {
  backboneCacheDir,
  type BackboneCacheOptions,
  type BackboneCacheSpec,
  ensureBackboneStates,
} from "./lib/roi/backbone_cache.ts";
/**
 * Does an attention map look at the target? (analysis only: the true box measures maps, nothing else) The
 * target's cells (centre in the box, through the letterbox; the cell of the box's centre when none),
 * mass-in-box share, the box's cell share (its chance level), argmax-in-box and lift, per map or per head.
 */
export {
  argmaxInBox,
  boxShare,
  cellCentre,
  type EncoderGrid,
  lift,
  localiseHeads,
  localiseMap,
  type MapLocalisation,
  massInBox,
  type TargetBox,
  targetCells,
} from "./lib/roi/attention_localisation.ts";

// Report: result files → REPORT.md + SVG figures, paper numbers beside ours, claims verdicts.
/**
 * The report as a pure function of validated results and the paper tables: Markdown + SVG figures.
 * `deno task report` (experiments/report.ts) does the file I/O around it.
 */
export { buildReport, FIGURES_DIR, type Report, type ReportOptions } from "./lib/report/report.ts";
/**
 * The report's example figures: one SVG per recorded example (raw attention, pseudo-labels, RPN map and
 * crop over the image), pure given the images; `exampleImages` regenerates those from the testbed
 * generator and embeds them as deterministic PNG data URIs.
 */
export {
  exampleFigures,
  type ExampleImage,
  exampleImageKey,
  type ExampleImages,
  examplesSection,
  exampleSvg,
} from "./lib/report/examples.ts";
export { EXAMPLE_IMAGE_SIDE, exampleImages, regenerateExample } from "./lib/report/example_images.ts";
/**
 * The paper's reference numbers (data/paper/sd-rpn-paper-tables.json): loader, schema and the
 * recomputation of every printed aggregate from its parts (mismatches flagged).
 */
export {
  type AggregateCheck,
  checkPaperAggregates,
  countFromPercent,
  loadPaperTables,
  microAverage,
  PAPER_TABLES_PATH,
  type PaperTables,
  PaperTablesSchema,
  parsePaperTables,
} from "./lib/report/paper.ts";
/**
 * The report section "Where the teacher's attention looks (analysis only)": per layer, the map's mass on
 * the true target against a uniform map's, and its peak on the target, on training and evaluation suites.
 */
export {
  type AttentionLayerRow,
  attentionLayerRows,
  attentionLocalisationSection,
  type HeadLift,
  headLifts,
  type SplitCell,
} from "./lib/report/attention_localisation.ts";
/** Verdict on a paper claim from a measured effect and its 95 % CI. */
export {
  type ClaimSpec,
  type ClaimVerdict,
  judgeClaim,
  type MeasuredEffect,
  type Verdict,
} from "./lib/report/claims.ts";
/** The claims the report judges, and judging them against a set of results. */
export { judgeClaims, PAPER_CLAIMS, type PaperClaim } from "./lib/report/paper_claims.ts";
/**
 * The row vocabulary shared by experiment scripts and the report: experiment, suite, metric and method
 * names, paired-difference and sweep encodings.
 */
export {
  ABLATION_METHODS,
  AGGREGATE_SUITES,
  ATTENTION_LOCALISATION,
  DATA_SIZE_DELTA,
  deltaMethod,
  experimentKey,
  EXPERIMENTS,
  isAccuracyMetric,
  layerMethod,
  LIKELIHOOD_PROTOCOL,
  MAIN_METHODS,
  METRICS,
  PAPER_SPLITS,
  paperSplitAnalogue,
  pointLabel,
  sweepOf,
  TEXT_SUITES,
  throughputPhase,
  VISION_SUITES,
} from "./lib/experiment/conventions.ts";
/** Markdown tables and deterministic number formatting. */
export { formatEstimate, formatNumber, formatSigned, markdownTable } from "./lib/report/markdown.ts";
/** Dependency-free SVG line / scatter plots with log-x, legend and CI error bars. */
export { linePlot, type PlotPoint, type PlotSeries, type PlotSpec } from "./lib/report/svg.ts";

// The real MLLM: LLaVA-1.5 in the Hugging Face layout (config, sharded F32/F16/BF16 safetensors,
// tokenizer.json), parity-tested against an independent PyTorch reference (tests/fixtures/llava-tiny).
/** A Hugging Face LLaVA-1.5 folder, loaded tensor by tensor: CLIP → projector → Llama, greedy decoding. */
export { cloneLayerWeights, LlavaModel } from "./lib/models/llava/model.ts";
export { type LlavaConfig, loadLlavaConfig } from "./lib/models/llava/config.ts";
/** One question end to end (`deno task llava`), and the parity dump of the fixture's contract. */
export { defaultRpnDepths, llavaDump, loadLlavaSession } from "./lib/models/llava/session.ts";
/** LLaVA-1.5 as an `Mllm` (same lib/roi code), SD-RPN's per-model profile, and the authors' released twig. */
export { LlavaMllm, type LlavaMllmOptions } from "./lib/models/llava/mllm.ts";
export {
  llavaProfile,
  profileOverrides,
  releasedModel,
  type SdrpnProfile,
} from "./lib/models/llava/profile.ts";
export { loadReleasedRpn, RELEASED_NORM, releasedName } from "./lib/models/llava/released_rpn.ts";
/** SD-RPN's twig score at initialisation (copies of layers B..B+R−1), as the fixture defines `rpn_logits`. */
export { rpnLogitsAtInit, twigAtInit, twigScores } from "./lib/models/llava/twig_score.ts";
/** LLaVA preprocessing: pad to square, CLIPImageProcessor with a Pillow-exact resampler, SD-RPN RoI crops. */
export { type PillowFilter, pillowResize } from "./lib/image/pillow_resample.ts";
export { loadImageRgb } from "./lib/image/load_rgb.ts";
export {
  clipPixelValues,
  type ClipPreprocessorConfig,
  expandToSquare,
  LLAVA_PAD_FILL,
  llavaPixelValues,
  loadPreprocessorConfig,
  roiPixelValues,
} from "./lib/models/llava/preprocess.ts";
/** tokenizer.json through @huggingface/tokenizers; LLaVA's tokenizer_image_token and the vicuna_v1 prompt. */
export { type LlavaTokenizer, loadLlavaTokenizer } from "./lib/models/llava/tokenizer.ts";
export {
  expandImageTokens,
  tokenizerImageToken,
  VICUNA_SYSTEM,
  vicunaPrompt,
} from "./lib/models/llava/prompt.ts";

// Real benchmarks: local parquet loaders with lmms-eval's prompts, and the official metrics.
/** The eight benchmarks of Tables 1–2, read from local dataset snapshots (`--data DIR`). */
export * from "./lib/benchmarks/mod.ts";
/**
 * Official metrics, scored as the lmms-eval copy vendored in YuHengsss/SD-RPN scores them: each takes the raw
 * model output and applies Python's `str.strip()` itself.
 */
export {
  anls,
  evalAiNormalize,
  hrbenchLetter,
  levenshtein,
  lmmsMean,
  OCRBENCH_CATEGORIES,
  type OcrbenchAggregate,
  ocrbenchAggregate,
  type OcrbenchResult,
  ocrbenchScore,
  type PopeMetrics,
  popeMetrics,
  relaxedCorrectness,
  textvqaAccuracy,
  vstarLetter,
  vstarScore,
} from "./lib/eval/official/mod.ts";
/** Per-row scores and lmms-eval's per-benchmark aggregation (Tables 1–2 layout). */
export {
  aggregateBenchmark,
  HRBENCH_PROTOCOL,
  LMMS_EVAL_COMMIT,
  MAX_NEW_TOKENS,
  rowScore,
} from "./lib/eval/benchmark_scores.ts";

// Engine: the fused WebAssembly SIMD attention kernel (opt-in; forward, backward, masks, query offset).
export {
  fusedAttention,
  type FusedAttentionOptions,
  type FusedAttentionResult,
} from "./lib/engine/attention_kernel/fused_attention.ts";

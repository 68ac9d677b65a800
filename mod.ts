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

// The small MLLM.
export { type ModelConfig, ModelConfigSchema } from "./lib/model/config.ts";
export { SPECIAL_TOKENS, Tokenizer } from "./lib/model/tokenizer.ts";
export {
  buildSequences,
  type SequenceBatch,
  type SequenceItem,
  type VisualBlock,
} from "./lib/model/sequence.ts";
export { decodeStep, forward, type ForwardOptions, type ForwardResult } from "./lib/model/mllm.ts";
export { generate, type Generation } from "./lib/model/generate.ts";
export { defaultTokenizer, loadCheckpoint, loadModel, saveCheckpoint } from "./lib/model/checkpoint.ts";
export {
  decodeSafetensors,
  encodeSafetensors,
  loadSafetensors,
  saveSafetensors,
} from "./lib/model/safetensors.ts";

// Evaluation and results.
export { answerAll, type AnswerRequest, type Mllm } from "./lib/eval/answer.ts";
export { type MetricFamily, scoreAnswer, summarise } from "./lib/eval/metrics.ts";
export { bootstrapCi, pairedBootstrap } from "./lib/eval/bootstrap.ts";
export { type Result, ResultSchema } from "./lib/results/schema.ts";
export { readResult, writeResult } from "./lib/results/io.ts";
export { canonicalJson, configHash } from "./lib/results/hash.ts";

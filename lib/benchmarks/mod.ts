/**
 * Local loaders for the paper's eight benchmarks (parquet snapshots of the Hugging Face datasets
 * lmms-eval loads), with the prompts lmms-eval builds for LLaVA. See load.ts for the folder layout.
 */
export {
  benchmarkFiles,
  type BenchmarkItem,
  benchmarkRoot,
  loadBenchmark,
  type LoadOptions,
} from "./load.ts";
export {
  BENCHMARK_NAMES,
  type BenchmarkDraft,
  type BenchmarkName,
  BENCHMARKS,
  type BenchmarkSpec,
  isBenchmarkName,
  parseBenchmarkList,
} from "./registry.ts";
export { type BenchmarkLine, toLine } from "./listing.ts";
export { decodeImageBytes, type ImageInfo, inspectImage, sha256Hex } from "./image.ts";
export {
  chartqaPrompt,
  docvqaPrompt,
  hrbenchPrompt,
  ocrbenchPrompt,
  popePrompt,
  textvqaPrompt,
  vstarPrompt,
} from "./prompts.ts";
export { PY_WHITESPACE_CLASS, pyCapitalize, pyStrip } from "./python_str.ts";
export { pyB64Decode } from "./base64.ts";

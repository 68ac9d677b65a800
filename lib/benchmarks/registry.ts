/**
 * The paper's eight benchmarks as lmms-eval loads them: which Hugging Face dataset, config folder and
 * splits; the columns read (zod); and how a row becomes a question (id, prompt, answers, category,
 * image bytes). Task files: YuHengsss/SD-RPN `LLaVA/lmms-eval/lmms_eval/tasks/<task>/`.
 */
import { z } from "zod";
import { pyB64Decode } from "./base64.ts";
import { idColumn, imageStruct, nullableText, text, textList } from "./columns.ts";
import {
  chartqaPrompt,
  docvqaPrompt,
  hrbenchPrompt,
  ocrbenchPrompt,
  popePrompt,
  textvqaPrompt,
  vstarPrompt,
} from "./prompts.ts";

/** Benchmark names, in the order of the paper's Tables 1 and 2. */
export const BENCHMARK_NAMES = [
  "docvqa",
  "chartqa",
  "ocrbench",
  "infovqa",
  "textvqa",
  "vstar",
  "pope",
  "hrbench",
] as const;
export type BenchmarkName = typeof BENCHMARK_NAMES[number];

/**
 * τ_conf per benchmark (SD-RPN-SPEC §5.3, the released defaults): 0.15 text-centric, 0.10 DocVQA / V* /
 * HR-Bench, 0.05 OCRBench; POPE is not in the released list and takes the text-centric 0.15 (as its
 * testbed analogue does, lib/roi/thresholds.ts). The one copy: real-benchmark runs of either model family
 * read it.
 */
export const BENCHMARK_THRESHOLDS: Readonly<Record<BenchmarkName, number>> = {
  docvqa: 0.10,
  chartqa: 0.15,
  ocrbench: 0.05,
  infovqa: 0.15,
  textvqa: 0.15,
  vstar: 0.10,
  pope: 0.15,
  hrbench: 0.10,
};

/** A validated row, before its image is decoded. */
export interface BenchmarkDraft {
  id: string;
  prompt: string;
  answers: string[];
  category: string | null;
  /** Encoded image bytes as stored (HR-Bench: after base64 decoding). */
  imageBytes: Uint8Array;
  /** Columns the metrics need beyond the answers (ocrbench `dataset`, hrbench `cycle_category`). */
  extra: Record<string, string | null>;
}

/** How one benchmark is read. */
export interface BenchmarkSpec {
  name: BenchmarkName;
  /** lmms-eval task(s) whose doc_to_text the prompts follow. */
  task: string;
  /** Hugging Face dataset repository (the local snapshot goes to `DIR/<name>/`). */
  dataset: string;
  /** Config folder inside the snapshot, or null to search the whole snapshot. */
  config: string | null;
  /** Splits read, in order. */
  splits: readonly string[];
  /** Columns read from every file; a file without one of them is an error. */
  columns: readonly string[];
  /** The id when the dataset has no id column: the row's 0-based index within its split. */
  indexIds: boolean;
  /**
   * Validate a raw row (zod; throws the ZodError) and build its question. `index` is the row's
   * 0-based index within its split. May throw Error for an image column that is not decodable text.
   */
  draft(raw: Record<string, unknown>, index: number): BenchmarkDraft;
}

function spec<S extends z.ZodObject>(
  base: Omit<BenchmarkSpec, "columns" | "draft">,
  schema: S,
  build: (row: z.infer<S>, index: number) => BenchmarkDraft,
): BenchmarkSpec {
  return {
    ...base,
    columns: Object.keys(schema.shape),
    draft: (raw, index) => build(schema.parse(raw), index),
  };
}

const HRBENCH_LETTERS = ["A", "B", "C", "D"] as const;

/** Every benchmark's spec. */
export const BENCHMARKS: Readonly<Record<BenchmarkName, BenchmarkSpec>> = {
  textvqa: spec(
    {
      name: "textvqa",
      task: "textvqa_val",
      dataset: "lmms-lab/textvqa",
      config: null,
      splits: ["validation"],
      indexIds: false,
    },
    // textvqa_process_results scores a row without answers as 0, so a null list reads as empty.
    z.object({ question_id: idColumn, question: text, answers: textList.nullable(), image: imageStruct }),
    (r) => ({
      id: r.question_id,
      prompt: textvqaPrompt(r.question),
      answers: r.answers ?? [],
      category: null,
      imageBytes: r.image.bytes,
      extra: {},
    }),
  ),
  docvqa: spec(
    {
      name: "docvqa",
      task: "docvqa_val",
      dataset: "lmms-lab/DocVQA",
      config: "DocVQA",
      splits: ["validation"],
      indexIds: false,
    },
    z.object({ questionId: idColumn, question: text, answers: textList, image: imageStruct }),
    (r) => ({
      id: r.questionId,
      prompt: docvqaPrompt(r.question),
      answers: r.answers,
      category: null,
      imageBytes: r.image.bytes,
      extra: {},
    }),
  ),
  infovqa: spec(
    {
      name: "infovqa",
      task: "infovqa_val",
      dataset: "lmms-lab/DocVQA",
      config: "InfographicVQA",
      splits: ["validation"],
      indexIds: false,
    },
    z.object({ questionId: idColumn, question: text, answers: textList, image: imageStruct }),
    (r) => ({
      id: r.questionId,
      prompt: docvqaPrompt(r.question),
      answers: r.answers,
      category: null,
      imageBytes: r.image.bytes,
      extra: {},
    }),
  ),
  chartqa: spec(
    {
      name: "chartqa",
      task: "chartqa",
      dataset: "lmms-lab/ChartQA",
      config: null,
      splits: ["test"],
      indexIds: true,
    },
    z.object({ question: text, answer: text, type: text, image: imageStruct }),
    (r, index) => ({
      id: String(index),
      prompt: chartqaPrompt(r.question),
      answers: [r.answer],
      category: r.type,
      imageBytes: r.image.bytes,
      extra: {},
    }),
  ),
  ocrbench: spec(
    {
      name: "ocrbench",
      task: "ocrbench",
      dataset: "echo840/OCRBench",
      config: null,
      splits: ["test"],
      indexIds: true,
    },
    z.object({
      dataset: text,
      question: text,
      question_type: text,
      answer: z.union([textList, text.transform((a) => [a])]),
      image: imageStruct,
    }),
    (r, index) => ({
      id: String(index),
      prompt: ocrbenchPrompt(r.question),
      answers: r.answer,
      category: r.question_type,
      imageBytes: r.image.bytes,
      extra: { dataset: r.dataset },
    }),
  ),
  vstar: spec(
    {
      name: "vstar",
      task: "vstar_bench",
      dataset: "lmms-lab/vstar-bench",
      config: null,
      splits: ["test"],
      indexIds: false,
    },
    // vstar_process_results reads the category with doc.get(..., "unknown"): a null one is kept as null.
    z.object({ question_id: idColumn, text: text, label: text, category: nullableText, image: imageStruct }),
    (r) => ({
      id: r.question_id,
      prompt: vstarPrompt(r.text),
      answers: [r.label],
      category: r.category,
      imageBytes: r.image.bytes,
      extra: {},
    }),
  ),
  pope: spec(
    { name: "pope", task: "pope", dataset: "lmms-lab/POPE", config: null, splits: ["test"], indexIds: false },
    z.object({
      question_id: idColumn,
      question: text,
      answer: text,
      category: nullableText,
      image: imageStruct,
    }),
    (r) => ({
      id: r.question_id,
      prompt: popePrompt(r.question),
      answers: [r.answer],
      category: r.category,
      imageBytes: r.image.bytes,
      extra: {},
    }),
  ),
  hrbench: spec(
    {
      name: "hrbench",
      task: "hrbench4k, hrbench8k",
      dataset: "DreamMr/HR-Bench",
      config: "hrbench_version_split",
      splits: ["hrbench_4k", "hrbench_8k"],
      indexIds: false,
    },
    z.object({
      index: idColumn,
      question: text,
      answer: text,
      category: nullableText,
      cycle_category: nullableText,
      A: nullableText,
      B: nullableText,
      C: nullableText,
      D: nullableText,
      image: text,
    }),
    (r) => {
      let imageBytes: Uint8Array;
      try {
        imageBytes = pyB64Decode(r.image);
      } catch (error) {
        throw new Error(`column "image": not valid base64 (${(error as Error).message})`);
      }
      const options = Object.fromEntries(HRBENCH_LETTERS.map((l) => [l, r[l]]));
      return {
        id: r.index,
        prompt: hrbenchPrompt(r.question, options),
        answers: [r.answer],
        category: r.category,
        imageBytes,
        extra: { cycle_category: r.cycle_category },
      };
    },
  ),
};

/** True for a known benchmark name. */
export function isBenchmarkName(name: string): name is BenchmarkName {
  return (BENCHMARK_NAMES as readonly string[]).includes(name);
}

/**
 * Parse a `--benchmarks` value: comma-separated names in the order given, or "all" (every benchmark in
 * table order). Unknown or repeated names are errors.
 */
export function parseBenchmarkList(value: string): BenchmarkName[] {
  if (value.trim() === "all") return [...BENCHMARK_NAMES];
  const names = value.split(",").map((n) => n.trim());
  const seen = new Set<string>();
  for (const name of names) {
    if (!isBenchmarkName(name)) {
      throw new Error(`Unknown benchmark "${name}" (known: ${BENCHMARK_NAMES.join(", ")}, or all)`);
    }
    if (seen.has(name)) throw new Error(`Benchmark "${name}" is listed twice`);
    seen.add(name);
  }
  return names as BenchmarkName[];
}

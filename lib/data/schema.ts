/**
 * The data contract of the testbed: suite names, metrics, and the zod schema of one JSONL line.
 *
 * Kept apart from the generators so readers of a dataset (training, evaluation, analysis) depend on
 * the contract only. The semantic checks (box inside the image, choice answers naming an option)
 * catch hand-edited or stale files before they turn into silent metric errors.
 */
import { z } from "zod";

/** Every suite, training suites first. */
export const SUITE_NAMES = [
  "train-scenes",
  "train-covers",
  "doc",
  "textvqa",
  "ocr",
  "chart",
  "info",
  "vstar-attr",
  "vstar-spatial",
  "pope",
  "hr",
] as const;
export type SuiteName = typeof SUITE_NAMES[number];

/** Metric families, after the benchmarks the suites mirror. */
export const METRICS = ["vqa", "anls", "relaxed", "choice", "yesno"] as const;
export type Metric = typeof METRICS[number];

/** Option letters of multiple-choice questions, in order. */
export const OPTION_LETTERS = ["A", "B", "C", "D"] as const;

const BoxSchema = z.tuple([z.int().min(0), z.int().min(0), z.int().min(0), z.int().min(0)]);

const SampleFields = {
  id: z.string().min(1),
  suite: z.enum(SUITE_NAMES),
  kind: z.enum(["text", "vision"]),
  split: z.enum(["train", "eval"]),
  width: z.int().positive(),
  height: z.int().positive(),
  question: z.string().min(1),
  answers: z.array(z.string().min(1)).min(1),
  metric: z.enum(METRICS),
  options: z.array(z.string().min(1)).min(2).max(OPTION_LETTERS.length).optional(),
  box: BoxSchema,
};

type MetaShape = z.infer<z.ZodObject<typeof SampleFields>>;

/** Cross-field rules shared by the in-memory and on-disk forms. */
function checkMeta(s: MetaShape, ctx: z.RefinementCtx): void {
  const [x0, y0, x1, y1] = s.box;
  if (!(x0 < x1 && y0 < y1 && x1 <= s.width && y1 <= s.height)) {
    ctx.addIssue({
      code: "custom",
      path: ["box"],
      message: `box "${s.box.join(",")}" must be non-empty and inside the ${s.width}x${s.height} image`,
    });
  }
  if (s.metric === "choice") {
    if (s.options === undefined) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "a choice question needs options" });
      return;
    }
    const letters: readonly string[] = OPTION_LETTERS.slice(0, s.options.length);
    s.answers.forEach((a, i) => {
      if (!letters.includes(a)) {
        ctx.addIssue({
          code: "custom",
          path: ["answers", i],
          message: `answer "${a}" is not an option letter (${letters.join(", ")})`,
        });
      }
    });
  } else if (s.options !== undefined) {
    ctx.addIssue({ code: "custom", path: ["options"], message: `only choice questions have options` });
  }
  if (s.metric === "yesno") {
    s.answers.forEach((a, i) => {
      if (a !== "yes" && a !== "no") {
        ctx.addIssue({ code: "custom", path: ["answers", i], message: `answer "${a}" is not yes or no` });
      }
    });
  }
}

/** One generated sample without its pixels (what generateSample returns). */
export const SampleMetaSchema = z.strictObject(SampleFields).superRefine(checkMeta);
export type SampleMeta = z.infer<typeof SampleMetaSchema>;

/**
 * One JSONL line: SampleMeta plus `image`, the PNG path relative to the dataset folder (posix,
 * e.g. `doc/images/doc-0.png`).
 */
export const SampleSchema = z
  .strictObject({
    ...SampleFields,
    image: z
      .string()
      .regex(/^(?!\/)(?!.*\\)(?!(.*\/)?\.\.(\/|$)).+\.png$/, "must be a relative posix path ending in .png"),
  })
  .superRefine(checkMeta);
export type Sample = z.infer<typeof SampleSchema>;

/** Key order of a JSONL line, so files are byte-stable. */
export const SAMPLE_KEYS = [
  "id",
  "suite",
  "kind",
  "split",
  "width",
  "height",
  "question",
  "answers",
  "metric",
  "options",
  "box",
  "image",
] as const;

/** A sample as a JSON line with keys in SAMPLE_KEYS order (absent options omitted), no newline. */
export function sampleToJsonLine(sample: Sample): string {
  const ordered: Record<string, unknown> = {};
  for (const key of SAMPLE_KEYS) {
    const value = sample[key];
    if (value !== undefined) ordered[key] = value;
  }
  return JSON.stringify(ordered);
}

/** Human-readable list of zod issues: `box.2: message; answers: message`. */
export function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) =>
      `${issue.path.length === 0 ? "(root)" : issue.path.map(String).join(".")}: ${issue.message}`
    )
    .join("; ");
}

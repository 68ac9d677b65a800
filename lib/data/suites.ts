/**
 * The suite table and random-access sample generation.
 *
 * Sample i of a suite is drawn from its own stream `new Rng(hashSeed(seed, "<suite>/<i>"))`, so any
 * sample can be regenerated alone, datasets of different sizes share their prefixes, and a change in
 * one suite never shifts another. Generation is pure TypeScript (no sharp): a 256×256 sample takes
 * about a millisecond.
 */
import { hashSeed, Rng } from "../engine/rng.ts";
import type { RgbImage } from "../image/types.ts";
import type { MarkName } from "./font.ts";
import { type Metric, type SampleMeta, SUITE_NAMES, type SuiteName } from "./schema.ts";
import type { Drawn, SceneObject } from "./suites/common.ts";
import { chart, doc, info, ocr, trainCovers } from "./suites/documents.ts";
import { hr, pope, textvqa, trainScenes, vstarAttr, vstarSpatial } from "./suites/shapes.ts";

export { SUITE_NAMES, type SuiteName };
export type { SceneObject };

/** Static description of a suite. */
export interface SuiteSpec {
  name: SuiteName;
  /** Text-centric (reading) or vision-centric (marks, relations, existence). */
  kind: "text" | "vision";
  split: "train" | "eval";
  /** The public benchmark this suite mirrors. */
  analogue: string;
  /** Metric of the suite's canonical template (training suites mix several; each sample says its own). */
  metric: Metric;
  width: number;
  height: number;
}

type Generator = (rng: Rng) => Drawn;

const TABLE: Record<SuiteName, [Omit<SuiteSpec, "name">, Generator]> = {
  "train-scenes": [
    { kind: "vision", split: "train", analogue: "GQA", metric: "vqa", width: 256, height: 256 },
    trainScenes,
  ],
  "train-covers": [
    { kind: "text", split: "train", analogue: "OCR-VQA", metric: "vqa", width: 256, height: 256 },
    trainCovers,
  ],
  doc: [{ kind: "text", split: "eval", analogue: "DocVQA", metric: "anls", width: 256, height: 320 }, doc],
  textvqa: [
    { kind: "text", split: "eval", analogue: "TextVQA", metric: "vqa", width: 256, height: 256 },
    textvqa,
  ],
  ocr: [{ kind: "text", split: "eval", analogue: "OCRBench", metric: "vqa", width: 256, height: 256 }, ocr],
  chart: [
    { kind: "text", split: "eval", analogue: "ChartQA", metric: "relaxed", width: 256, height: 256 },
    chart,
  ],
  info: [{ kind: "text", split: "eval", analogue: "InfoVQA", metric: "anls", width: 256, height: 256 }, info],
  "vstar-attr": [
    { kind: "vision", split: "eval", analogue: "V* attribute", metric: "choice", width: 256, height: 256 },
    vstarAttr,
  ],
  "vstar-spatial": [
    { kind: "vision", split: "eval", analogue: "V* spatial", metric: "choice", width: 256, height: 256 },
    vstarSpatial,
  ],
  pope: [{ kind: "vision", split: "eval", analogue: "POPE", metric: "yesno", width: 256, height: 256 }, pope],
  hr: [
    { kind: "vision", split: "eval", analogue: "HR-Bench", metric: "choice", width: 512, height: 512 },
    hr,
  ],
};

/** Every suite's static description. */
export const SUITES: Readonly<Record<SuiteName, SuiteSpec>> = Object.fromEntries(
  SUITE_NAMES.map((name) => [name, { name, ...TABLE[name][0] }]),
) as Record<SuiteName, SuiteSpec>;

/** A generated sample with the trace of every cue object (for tests and analysis, never for labels). */
export interface TracedSample {
  sample: SampleMeta;
  image: RgbImage;
  objects: SceneObject[];
  /** Index into `objects` of the object the question is about. */
  target: number;
  /** Marks on small neutral distractor objects (vision suites), empty elsewhere. */
  distractorMarks: MarkName[];
}

/** True for a known suite name. */
export function isSuiteName(name: string): name is SuiteName {
  return (SUITE_NAMES as readonly string[]).includes(name);
}

/** generateSample plus the drawing trace. */
export function generateTraced(suite: SuiteName, index: number, seed: number): TracedSample {
  if (!isSuiteName(suite)) {
    throw new Error(`Unknown suite "${suite}": expected one of ${SUITE_NAMES.join(", ")}`);
  }
  if (!Number.isInteger(index) || index < 0) {
    throw new RangeError(`Sample index must be a non-negative integer, got "${index}"`);
  }
  const [spec, generate] = TABLE[suite];
  const drawn = generate(new Rng(hashSeed(seed, `${suite}/${index}`)));
  const box = drawn.objects[drawn.target]!.box;
  const sample: SampleMeta = {
    id: `${suite}-${index}`,
    suite,
    kind: spec.kind,
    split: spec.split,
    width: spec.width,
    height: spec.height,
    question: drawn.qa.question,
    answers: drawn.qa.answers,
    metric: drawn.qa.metric,
    ...(drawn.qa.options !== undefined ? { options: drawn.qa.options } : {}),
    box: [box[0], box[1], box[2], box[3]],
  };
  return {
    sample,
    image: drawn.image,
    objects: drawn.objects,
    target: drawn.target,
    distractorMarks: drawn.distractorMarks ?? [],
  };
}

/** Sample `index` of `suite` for `seed`: metadata and pixels, independent of every other sample. */
export function generateSample(
  suite: SuiteName,
  index: number,
  seed: number,
): { sample: SampleMeta; image: RgbImage } {
  const { sample, image } = generateTraced(suite, index, seed);
  return { sample, image };
}

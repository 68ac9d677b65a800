/**
 * Examples for the report (issue "Experiments … report", item 4): a few evaluation questions recorded in
 * full — the teacher's raw answer→image map on the question, the pseudo-labels label assignment makes
 * from it, the RPN's map, the proposal and the crop the SD-RPN run chose, and the answers — in the shape
 * of lib/results/example_schema.ts. The image itself is not stored: the report regenerates it from
 * (suite, index, dataSeed).
 *
 * The RPN part is read from the run being reported (`MethodRun.stage1`), not recomputed, so the figure
 * shows exactly the crop behind the recorded answer. The teacher part is one extra teacher pass over the
 * example questions with the run's teacher config and sink dimensions: evaluation questions never went
 * through the teacher, and this is the map the RPN learned to imitate on training questions.
 */
import { scoreAnswer } from "../eval/metrics.ts";
import type { Mllm } from "../model/mllm.ts";
import { EXAMPLE_DECIMALS, EXAMPLE_IGNORE } from "../results/example_schema.ts";
import type { Example } from "../results/schema.ts";
import { type EvalSuite, type MethodRun, unionBox } from "./evaluate.ts";
import { IGNORE } from "./labels.ts";
import { softmax } from "./softmax.ts";
import { groundingOf, labelShape, type LabelVariant, pseudoLabels } from "./pseudo_labels.ts";
import { teacherBatch, type TeacherOptions, type TeacherRecord } from "./teacher.ts";
import type { Rpn } from "./two_stage.ts";

/** Questions per suite an example selection takes before moving to another suite. */
export const EXAMPLES_PER_SUITE = 2;

/** One chosen example: a suite and the index of its question in that suite. */
export interface ExamplePick {
  suite: string;
  index: number;
}

/**
 * `count` examples: the first questions (EXAMPLES_PER_SUITE each, more when there are few suites) of
 * suites spread evenly over `suites` (indices ⌊k·|suites| / m⌋), so the default 6 of the 9 evaluation
 * suites are doc, chart and vstar-spatial — text and vision, and always the same questions.
 */
export function exampleSelection(suites: readonly string[], questions: number, count: number): ExamplePick[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Example count must be a non-negative integer, got "${count}"`);
  }
  if (count === 0 || suites.length === 0 || questions < 1) return [];
  const m = Math.min(suites.length, Math.ceil(count / EXAMPLES_PER_SUITE));
  const per = Math.min(questions, Math.ceil(count / m));
  const picks: ExamplePick[] = [];
  for (let k = 0; k < m && picks.length < count; k++) {
    const suite = suites[Math.floor((k * suites.length) / m)]!;
    for (let index = 0; index < per && picks.length < count; index++) picks.push({ suite, index });
  }
  return picks;
}

/** What to record about the SD-RPN method of the examples. */
export interface ExampleRpn {
  /** Method whose runs carry `stage1` (e.g. "sdrpn"). */
  method: string;
  seed: number;
  upscaling: "mask" | "box";
  target: Rpn["target"];
}

/** Everything `collectExamples` reads. */
export interface ExampleInput {
  suites: readonly EvalSuite[];
  picks: readonly ExamplePick[];
  /** Seed the evaluation datasets were generated with. */
  dataSeed: number;
  /** Runs of the methods to quote (every suite of the picks), the RPN method's included. */
  runs: readonly MethodRun[];
  /** Methods whose answers are recorded, in order (e.g. baseline, sdrpn). */
  answerMethods: readonly string[];
  rpn: ExampleRpn;
  teacher: TeacherOptions & { batchSize: number };
  /** Norm-based sink dimensions of the teacher file (its header). */
  sinkDims: number[];
  variant: LabelVariant;
}

/** The examples of `input.picks`, in order. Throws naming a pick whose suite, question or run is missing. */
export async function collectExamples(model: Mllm, input: ExampleInput): Promise<Example[]> {
  const { grid } = model.counts;
  const items = input.picks.map((pick) => {
    const suite = input.suites.find((s) => s.name === pick.suite);
    const item = suite?.items[pick.index];
    if (!suite || !item) throw new Error(`No question ${pick.index} of suite "${pick.suite}" to record`);
    return { suite, item };
  });
  const records = await teacherRecords(model, items.map((x) => x.item), input);
  return items.map(({ suite, item }, i) => {
    const pick = input.picks[i]!;
    const { sample } = item;
    const runOf = (method: string) => {
      const run = input.runs.find((r) => r.key.method === method && r.suite === suite.name);
      if (!run) throw new Error(`No run of method "${method}" on suite "${suite.name}" to record`);
      return run;
    };
    const trace = runOf(input.rpn.method).stage1;
    if (!trace) {
      throw new Error(`Method "${input.rpn.method}" is not an SD-RPN method: it has no stage-1 trace`);
    }
    const proposal = trace.proposals[pick.index]!;
    const crops = trace.crops[pick.index]!;
    return {
      suite: sample.suite,
      index: pick.index,
      dataSeed: input.dataSeed,
      id: sample.id,
      width: sample.width,
      height: sample.height,
      question: sample.question,
      expected: [...sample.answers],
      box: [...sample.box],
      answers: input.answerMethods.map((method) => {
        const answer = runOf(method).answers[pick.index]!;
        return {
          method,
          answer,
          score: round(scoreAnswer(suite.family, answer, sample.answers, sample.options)),
        };
      }),
      grid,
      encoderSize: model.counts.encoderSize,
      teacher: teacherPart(model, records[i]!, input),
      rpn: {
        method: input.rpn.method,
        seed: input.rpn.seed,
        upscaling: input.rpn.upscaling,
        probabilities: Array.from(rpnProbabilities(input.rpn.target, trace.logits[pick.index]!), round),
        threshold: trace.threshold,
        path: proposal.path,
        boxes: proposal.boxes.map((b) => [...b]),
        maskBox: proposal.path === "mask" && proposal.maskBox ? [...proposal.maskBox] : null,
        keptTokens: [...(crops[0]?.keptTokens ?? [])],
        crop: unionBox(crops.map((c) => c.sourceBox)),
      },
    } satisfies Example;
  });
}

/**
 * The RPN's map as a probability per cell: sigmoid of the logits for a label-target RPN; softmax over
 * cells for an attention-target one (what `proposal` thresholds, lib/roi/two_stage.ts).
 */
export function rpnProbabilities(target: Rpn["target"], logits: ArrayLike<number>): Float64Array {
  if (target === "labels") return Float64Array.from(logits, (z) => 1 / (1 + Math.exp(-z)));
  return softmax(logits);
}

/** `x` rounded to EXAMPLE_DECIMALS (never −0, so the JSON never prints "-0"). */
function round(x: number): number {
  const f = 10 ** EXAMPLE_DECIMALS;
  return Math.round(x * f) / f + 0;
}

async function teacherRecords(
  model: Mllm,
  items: readonly EvalSuite["items"][number][],
  input: ExampleInput,
): Promise<TeacherRecord[]> {
  const records: TeacherRecord[] = [];
  const size = input.teacher.batchSize;
  for (let s = 0; s < items.length; s += size) {
    const batch = items.slice(s, s + size).map((it) => ({ sample: it.sample, pixels: it.pixels }));
    records.push(...await teacherBatch(model, batch, input.teacher, input.sinkDims));
  }
  return records;
}

function teacherPart(model: Mllm, record: TeacherRecord, input: ExampleInput): Example["teacher"] {
  const base = {
    layer: input.teacher.layer,
    sinkRemoval: input.variant.sink,
    answer: record.answer,
    queries: record.queries,
  };
  if (record.queries === 0) return { ...base, attention: null, sinks: [], labels: null };
  const { tokens } = model.counts;
  const shape = labelShape(model);
  const { sinks, labels } = pseudoLabels(record, input.variant, shape);
  return {
    ...base,
    attention: Array.from(groundingOf(record, shape.heads, tokens, input.variant.heads), round),
    sinks: [...sinks.keys()].filter((j) => sinks[j] !== 0),
    labels: Array.from(labels, (v) => (v === IGNORE ? EXAMPLE_IGNORE : v === 1 ? 1 : 0)),
  };
}

/**
 * The `examples` block of a result: a few evaluation questions recorded in full so the report can draw
 * them — the raw answer→image attention map, the pseudo-labels made from it, the RPN's map and the crop
 * SD-RPN chose — over the image, which the report regenerates from (suite, index, dataSeed) with the
 * testbed generator instead of storing pixels.
 *
 * Every number is rounded to `EXAMPLE_DECIMALS` when recorded so the block stays small and identical
 * runs give identical bytes; nothing here is wall-clock.
 */
import { z } from "zod";
import { SUITE_NAMES } from "../data/schema.ts";

/** Decimals of every map value and score of an example. */
export const EXAMPLE_DECIMALS = 4;

/**
 * Label of an ignored cell in `teacher.labels`: the paper's −1. The code's `IGNORE` (lib/roi/labels.ts)
 * is the released −100 (PyTorch's ignore_index); the recorder converts, so the JSON reads like the paper.
 */
export const EXAMPLE_IGNORE = -1;

const int = z.int().nonnegative();

/** Box [x0, y0, x1, y1), exclusive end; empty allowed (a grid box in the letterbox padding maps to one). */
const BoxSchema = z.tuple([int, int, int, int]).refine(([x0, y0, x1, y1]) => x0 <= x1 && y0 <= y1, {
  message: "box end before its start",
});

/** A G×G map, row-major, values in [0, 1] (attention probabilities, sigmoid outputs). */
const GridMapSchema = z.array(z.number().min(0).max(1));

/** One method's answer to the example question, with its score under the suite's metric. */
const ExampleAnswerSchema = z.strictObject({
  method: z.string().min(1),
  answer: z.string(),
  score: z.number().min(0).max(1),
});

/** The teacher pass on the example question (the pseudo-labels' source, computed as for training). */
const ExampleTeacherSchema = z.strictObject({
  /** Grounding layer l_att of the map. */
  layer: int,
  /** Sink removal of the label variant applied before label assignment. */
  sinkRemoval: z.enum(["none", "attention", "norm"]),
  /** The answer whose tokens were the queries (self-generated or the ground truth, per the teacher config). */
  answer: z.string(),
  /** Query tokens; 0 = one-token answer, no map (attention and labels are null). */
  queries: int,
  /** Raw answer→image map, mean over the variant's heads, BEFORE sink removal. */
  attention: GridMapSchema.nullable(),
  /** Cells removed as sinks (zeroed) before label assignment, ascending. */
  sinks: z.array(int),
  /** assignLabels on the sink-removed map: 1 = fg, 0 = bg, −1 = ignore. */
  labels: z.array(z.union([z.literal(1), z.literal(0), z.literal(EXAMPLE_IGNORE)])).nullable(),
});

/** The SD-RPN method on the example: its map, proposal and crop. */
const ExampleRpnSchema = z.strictObject({
  /** Method whose answer this crop produced (e.g. "sdrpn"). */
  method: z.string().min(1),
  /** Seed of the RPN (the first seed of the run). */
  seed: int,
  upscaling: z.enum(["mask", "box"]),
  /** sigmoid of the stage-1 logits, before the 3×3 blur (softmax for an attention-target RPN). */
  probabilities: GridMapSchema,
  /** τ_conf used on this suite (negative = relative to the map's max). */
  threshold: z.number(),
  path: z.enum(["none", "box", "mask"]),
  /** Surviving component boxes in grid cells, exclusive end. */
  boxes: z.array(BoxSchema),
  /** Mask path: the box of every confident cell (the region cropped); null otherwise. */
  maskBox: BoxSchema.nullable(),
  /** Masked upscaling: crop tokens kept, row-major in the crop's G×G grid; empty when all are kept. */
  keptTokens: z.array(int),
  /** The chosen crop in source pixels (bounding box of every crop); null when nothing was cropped. */
  crop: BoxSchema.nullable(),
});

/** One recorded example. */
export const ExampleSchema = z.strictObject({
  /** Suite, sample index and dataset seed: `generateSample(suite, index, dataSeed)` gives the image. */
  suite: z.enum(SUITE_NAMES, {
    error: (issue) =>
      `unknown suite ${JSON.stringify(issue.input)}: expected one of ${SUITE_NAMES.join(", ")}`,
  }),
  index: int,
  dataSeed: int,
  /** Sample id, e.g. "doc-0"; checked against the regenerated sample. */
  id: z.string().min(1),
  /** Source image size in pixels. */
  width: z.int().positive(),
  height: z.int().positive(),
  question: z.string().min(1),
  /** Accepted answers. */
  expected: z.array(z.string()).min(1),
  /** True target box in source pixels: analysis only, never used by any method. */
  box: BoxSchema,
  answers: z.array(ExampleAnswerSchema).min(1),
  /** G: the visual grid is G×G tokens. */
  grid: z.int().positive(),
  /** Encoder input side (the letterboxed square the grid covers). */
  encoderSize: z.int().positive(),
  teacher: ExampleTeacherSchema,
  rpn: ExampleRpnSchema,
}).superRefine((ex, ctx) => {
  const cells = ex.grid * ex.grid;
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: "custom", path, message });
  const gridSized = (values: readonly number[] | null, path: (string | number)[]) => {
    if (values && values.length !== cells) {
      issue(path, `expected ${cells} values (grid ${ex.grid}), got ${values.length}`);
    }
  };
  gridSized(ex.teacher.attention, ["teacher", "attention"]);
  gridSized(ex.teacher.labels, ["teacher", "labels"]);
  gridSized(ex.rpn.probabilities, ["rpn", "probabilities"]);
  if ((ex.teacher.attention === null) !== (ex.teacher.labels === null)) {
    issue(["teacher", "labels"], "labels and attention must both be present or both null");
  }
  ex.teacher.sinks.forEach((j, i) =>
    j >= cells && issue(["teacher", "sinks", i], `cell ${j} outside the grid`)
  );
  ex.rpn.keptTokens.forEach((j, i) =>
    j >= cells && issue(["rpn", "keptTokens", i], `cell ${j} outside the grid`)
  );
  const inside = (b: readonly number[], w: number, h: number) => b[2]! <= w && b[3]! <= h;
  ex.rpn.boxes.forEach((b, i) =>
    !inside(b, ex.grid, ex.grid) && issue(["rpn", "boxes", i], "outside the grid")
  );
  if (ex.rpn.maskBox && !inside(ex.rpn.maskBox, ex.grid, ex.grid)) {
    issue(["rpn", "maskBox"], "outside the grid");
  }
  if (!inside(ex.box, ex.width, ex.height)) issue(["box"], "outside the image");
  if (ex.rpn.crop && !inside(ex.rpn.crop, ex.width, ex.height)) issue(["rpn", "crop"], "outside the image");
  const expectedPath = ex.rpn.boxes.length === 0 ? "none" : ex.rpn.boxes.length === 1 ? "box" : "mask";
  if (ex.rpn.path !== expectedPath) {
    issue(["rpn", "path"], `path "${ex.rpn.path}" does not fit ${ex.rpn.boxes.length} boxes`);
  }
  if ((ex.rpn.path === "mask") !== (ex.rpn.maskBox !== null)) {
    issue(["rpn", "maskBox"], "a mask box goes with the mask path, and only with it");
  }
});

/** A validated example. */
export type Example = z.infer<typeof ExampleSchema>;

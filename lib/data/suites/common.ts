/**
 * Building blocks shared by the suite generators: details (codes, marks, mark pairs), layout by
 * rejection sampling, backgrounds with clutter, and question text helpers.
 *
 * Generators return a `Generated` record: besides the sample and its pixels it lists every object
 * with its cue and detail box, so tests (and analysis) can check that the question names exactly one
 * object and that the answer is what is drawn inside the box.
 */
import type { Rng } from "../../engine/rng.ts";
import type { Box, RgbImage } from "../../image/types.ts";
import { MARK_NAMES, MARK_SIZE, type MarkName } from "../font.ts";
import {
  type Canvas,
  type ColourName,
  fillShape,
  inkFor,
  minShapeSize,
  placeInShape,
  type Rgb,
  type ShapeName,
  textHeight,
  textWidth,
} from "../raster.ts";
import { type Metric, OPTION_LETTERS } from "../schema.ts";

/** What is drawn on an object: a code, one mark, or two marks side by side. */
export type Detail =
  | { kind: "code"; text: string }
  | { kind: "mark"; mark: MarkName }
  | { kind: "pair"; left: MarkName; right: MarkName };

/** One cue-bearing object of a generated image. */
export interface SceneObject {
  /** Cue colour (always set; unique or unique together with `shape`). */
  colour: ColourName;
  /** Shape, for shape scenes; document-like objects (cards, rows, bars, panels) have none. */
  shape?: ShapeName;
  /** The whole object, detail included, exclusive end. */
  box: Box;
  detail: Detail;
  /** Where the detail is drawn, exclusive end. */
  detailBox: Box;
  /** Glyph / mark scale of the detail (DETAIL_SCALE, or DETAIL_SCALE + 1 in training variants). */
  scale: number;
  /** Ink colour of the detail. */
  ink: Rgb;
}

/** The question part of a sample. */
export interface QA {
  question: string;
  answers: string[];
  metric: Metric;
  options?: string[];
}

/**
 * What a suite generator returns: the question, the pixels and the trace of every cue object. The
 * target box of the sample is `objects[target].box`; ids, sizes and split come from the suite table.
 */
export interface Drawn {
  qa: QA;
  image: RgbImage;
  objects: SceneObject[];
  /** Index into `objects` of the object the question is about. */
  target: number;
  /** Marks on small neutral distractor objects (not cues), if any. */
  distractorMarks?: MarkName[];
}

/**
 * Font scale of every detail (codes, values, numbers, marks, mark pairs) and of the grey decoy text:
 * 10×14-px glyphs on a 12-px pitch, 10×10-px marks.
 *
 * Why 2: the encoder sees its 64×64 input as an 8×8 grid of 8-px tokens, and a per-token vision stem
 * can only tell the order of two characters apart if they fall in different tokens. In the oracle
 * crop (the target box, ~40–72 px, resized to 64 px) a scale-2 glyph is 9–16 px wide, at least one
 * token per character; a scale-1 glyph there was 5–7 px on a 6-px pitch, so two characters of a code
 * often shared a token and the model never learned to read codes. In the global view (a 256-px
 * canvas 4× down) a scale-2 glyph is ~2.5×3.5 px. See lib/data/legibility_test.ts for how legible
 * that is, measured.
 */
export const DETAIL_SCALE = 2;

export const DIGITS = "0123456789";
export const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const ALNUM = DIGITS + LETTERS;

/** Pixels between the two marks of a pair, in font pixels. */
const PAIR_GAP = 3;

/** Size in pixels of a detail drawn at `scale`. */
export function detailSize(d: Detail, scale: number): [number, number] {
  switch (d.kind) {
    case "code":
      return [textWidth(d.text, scale), textHeight(scale)];
    case "mark":
      return [MARK_SIZE * scale, MARK_SIZE * scale];
    case "pair":
      return [(2 * MARK_SIZE + PAIR_GAP) * scale, MARK_SIZE * scale];
  }
}

/** Draw a detail with its top-left at (x, y); returns its box. */
export function drawDetail(canvas: Canvas, d: Detail, x: number, y: number, scale: number, ink: Rgb): Box {
  switch (d.kind) {
    case "code":
      canvas.drawText(d.text, x, y, scale, ink);
      break;
    case "mark":
      canvas.drawMark(d.mark, x, y, scale, ink);
      break;
    case "pair":
      canvas.drawMark(d.left, x, y, scale, ink);
      canvas.drawMark(d.right, x + (MARK_SIZE + PAIR_GAP) * scale, y, scale, ink);
      break;
  }
  const [w, h] = detailSize(d, scale);
  return [x, y, x + w, y + h];
}

/** Marks drawn as part of a detail. */
export function marksOf(d: Detail): MarkName[] {
  return d.kind === "mark" ? [d.mark] : d.kind === "pair" ? [d.left, d.right] : [];
}

/** A random code of `length` characters from `alphabet`. */
export function randomCode(rng: Rng, length: number, alphabet = ALNUM): string {
  let s = "";
  for (let i = 0; i < length; i++) s += alphabet[rng.int(alphabet.length)]!;
  return s;
}

/** `n` pairwise different codes with lengths in [minLen, maxLen]. */
export function distinctCodes(
  rng: Rng,
  n: number,
  minLen: number,
  maxLen: number,
  alphabet = ALNUM,
): string[] {
  let possible = 0;
  for (let len = minLen; len <= maxLen; len++) possible += alphabet.length ** len;
  if (n > possible) throw new RangeError(`Cannot draw "${n}" distinct codes: only ${possible} exist`);
  const out: string[] = [];
  while (out.length < n) {
    const c = randomCode(rng, rng.range(minLen, maxLen), alphabet);
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** `n` pairwise different integers in [lo, hi] as strings. */
export function distinctNumbers(rng: Rng, n: number, lo = 10, hi = 99): string[] {
  if (n > hi - lo + 1) throw new RangeError(`Cannot draw "${n}" distinct numbers in ${lo}..${hi}`);
  const out: string[] = [];
  while (out.length < n) {
    const v = String(rng.range(lo, hi));
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** A mark different from all of `exclude` (any mark if every mark is excluded). */
export function markExcept(rng: Rng, exclude: readonly MarkName[]): MarkName {
  const pool = MARK_NAMES.filter((m) => !exclude.includes(m));
  return rng.pick(pool.length > 0 ? pool : MARK_NAMES);
}

/** Two different marks, both outside `exclude` when possible. */
export function pairExcept(rng: Rng, exclude: readonly MarkName[]): Detail {
  const left = markExcept(rng, exclude);
  const pool = MARK_NAMES.filter((m) => m !== left && !exclude.includes(m));
  const right = rng.pick(pool.length > 0 ? pool : MARK_NAMES.filter((m) => m !== left));
  return { kind: "pair", left, right };
}

/** True if two boxes overlap once each is grown by `gap` / 2 on every side. */
function overlaps(a: Box, b: Box, gap: number): boolean {
  return a[0] < b[2] + gap && b[0] < a[2] + gap && a[1] < b[3] + gap && b[1] < a[3] + gap;
}

/**
 * Place rectangles of the given sizes without overlap (at least `gap` apart, `margin` from the
 * border, clear of `avoid`) by rejection sampling, largest first. Returns undefined when the sizes do
 * not fit after a bounded number of tries, so callers can shrink and retry deterministically.
 */
export function placeRects(
  rng: Rng,
  width: number,
  height: number,
  sizes: readonly [number, number][],
  opts: { margin?: number; gap?: number; avoid?: readonly Box[]; tries?: number } = {},
): Box[] | undefined {
  const margin = opts.margin ?? 4;
  const gap = opts.gap ?? 6;
  const tries = opts.tries ?? 200;
  const order = sizes.map((_, i) => i).sort((a, b) =>
    sizes[b]![0] * sizes[b]![1] - sizes[a]![0] * sizes[a]![1]
  );
  const placed: Box[] = new Array(sizes.length);
  const taken: Box[] = [...(opts.avoid ?? [])];
  for (const i of order) {
    const [w, h] = sizes[i]!;
    const xmax = width - margin - w;
    const ymax = height - margin - h;
    if (xmax < margin || ymax < margin) return undefined;
    let ok = false;
    for (let t = 0; t < tries && !ok; t++) {
      const x = rng.range(margin, xmax);
      const y = rng.range(margin, ymax);
      const box: Box = [x, y, x + w, y + h];
      if (taken.every((b) => !overlaps(box, b, gap))) {
        placed[i] = box;
        taken.push(box);
        ok = true;
      }
    }
    if (!ok) return undefined;
  }
  return placed;
}

/**
 * placeRects that always succeeds: on failure, shrinks every size by 10 % (not below `minSide`) and
 * retries; a last resort lays the rectangles out in a grid of equal cells.
 */
export function placeRectsShrinking(
  rng: Rng,
  width: number,
  height: number,
  sizes: readonly [number, number][],
  minSide: readonly [number, number][],
  opts: { margin?: number; gap?: number; avoid?: readonly Box[] } = {},
): Box[] {
  let cur = sizes.map(([w, h]) => [w, h] as [number, number]);
  for (let attempt = 0; attempt < 12; attempt++) {
    const boxes = placeRects(rng, width, height, cur, opts);
    if (boxes !== undefined) return boxes;
    cur = cur.map(([w, h], i) => [
      Math.max(minSide[i]![0], Math.floor(w * 0.9)),
      Math.max(minSide[i]![1], Math.floor(h * 0.9)),
    ]);
  }
  const margin = opts.margin ?? 4;
  const cols = Math.ceil(Math.sqrt(sizes.length));
  const rows = Math.ceil(sizes.length / cols);
  const cw = Math.floor((width - 2 * margin) / cols);
  const ch = Math.floor((height - 2 * margin) / rows);
  return minSide.map(([w, h], i) => {
    const x = margin + (i % cols) * cw;
    const y = margin + Math.floor(i / cols) * ch;
    return [x, y, x + Math.min(w, cw - 2), y + Math.min(h, ch - 2)];
  });
}

/** Neutral background tones (never a cue colour). */
const BACKGROUNDS: readonly Rgb[] = [
  [214, 214, 208],
  [226, 222, 212],
  [204, 208, 212],
  [232, 232, 232],
  [218, 212, 200],
];

/** Neutral tones for clutter and small distractor objects. */
export const NEUTRALS: readonly Rgb[] = [
  [150, 150, 150],
  [120, 110, 100],
  [170, 165, 150],
  [105, 115, 125],
  [185, 180, 175],
  [135, 125, 115],
];

/** Grey for decoy text: readable in a crop, but clearly not the dark ink of the answer. */
export const DECOY_INK: Rgb = [150, 150, 150];
/** Ink of answer text on light surfaces. */
export const DARK_INK: Rgb = [20, 20, 20];

/** A random neutral background tone. */
export function backgroundTone(rng: Rng): Rgb {
  return rng.pick(BACKGROUNDS);
}

/** Shift every channel by `d` (clamped), for faint clutter. */
export function shade(c: Rgb, d: number): Rgb {
  const f = (v: number) => Math.max(0, Math.min(255, v + d));
  return [f(c[0]), f(c[1]), f(c[2])];
}

/**
 * Faint rectangles and lines in shades of the background: texture that survives downsampling as
 * low-contrast blotches, so "any non-background blob" is not a shortcut to the objects.
 */
export function drawClutter(canvas: Canvas, rng: Rng, bg: Rgb, count: number, contrast = 18): void {
  for (let i = 0; i < count; i++) {
    const c = shade(bg, rng.chance(0.5) ? -rng.range(6, contrast) : rng.range(6, contrast));
    // Half blotches, a quarter horizontal lines, a quarter vertical lines.
    const kind = rng.int(4);
    const x = rng.int(canvas.width);
    const y = rng.int(canvas.height);
    if (kind < 2) canvas.fillRect(x, y, rng.range(8, 60), rng.range(8, 60), c);
    else if (kind === 2) canvas.fillRect(x, y, rng.range(30, 160), rng.range(1, 2), c);
    else canvas.fillRect(x, y, rng.range(1, 2), rng.range(30, 160), c);
  }
}

/**
 * Lines of 2–6 random grey glyphs at DETAIL_SCALE (as small as the dark answer text), placed clear of
 * `avoid`; returns their boxes.
 */
export function drawDecoyText(
  canvas: Canvas,
  rng: Rng,
  count: number,
  avoid: readonly Box[],
  ink: Rgb = DECOY_INK,
): Box[] {
  const out: Box[] = [];
  for (let i = 0; i < count; i++) {
    const text = randomCode(rng, rng.range(2, 6));
    const w = textWidth(text, DETAIL_SCALE);
    const h = textHeight(DETAIL_SCALE);
    for (let t = 0; t < 30; t++) {
      const x = rng.range(2, canvas.width - w - 2);
      const y = rng.range(2, canvas.height - h - 2);
      const box: Box = [x, y, x + w, y + h];
      if ([...avoid, ...out].every((b) => !overlaps(box, b, 4))) {
        canvas.drawText(text, x, y, DETAIL_SCALE, ink);
        out.push(box);
        break;
      }
    }
  }
  return out;
}

/** A shape object to draw: cue + detail; size chosen so the detail fits. */
export interface ShapeSpec {
  colour: Rgb;
  shape: ShapeName;
  detail: Detail;
  scale: number;
  /** Requested size (grown if the detail does not fit). */
  size: number;
}

/** Margin between a detail and its shape's outline, in pixels. */
export const DETAIL_MARGIN = 3;

/** Smallest size of `spec.shape` that holds its detail. */
export function minSizeFor(spec: Omit<ShapeSpec, "size" | "colour">): number {
  const [w, h] = detailSize(spec.detail, spec.scale);
  return minShapeSize(spec.shape, w, h, DETAIL_MARGIN);
}

/** Fill the shape in `box` (square) and draw its detail inside; returns the detail box and ink. */
export function drawShapeWithDetail(canvas: Canvas, spec: ShapeSpec, box: Box): { detailBox: Box; ink: Rgb } {
  const size = box[2] - box[0];
  fillShape(canvas, spec.shape, box[0], box[1], size, spec.colour);
  const [w, h] = detailSize(spec.detail, spec.scale);
  const at = placeInShape(spec.shape, box[0], box[1], size, w, h, DETAIL_MARGIN);
  if (at === undefined) {
    throw new Error(`Detail "${JSON.stringify(spec.detail)}" does not fit a ${spec.shape} of size ${size}`);
  }
  const ink = inkFor(spec.colour);
  return { detailBox: drawDetail(canvas, spec.detail, at[0], at[1], spec.scale, ink), ink };
}

/** `stem ( A ) o1 ( B ) o2 ...` */
export function withOptions(stem: string, options: readonly string[]): string {
  return [stem, ...options.map((o, i) => `( ${OPTION_LETTERS[i]} ) ${o}`)].join(" ");
}

/**
 * "which mark is on the left / right inside {ref} ?" over a mark pair, with the pair as two shuffled options
 * (the V*-spatial question form; shared by train-scenes, alignment and the language drills).
 */
export function sideQuestion(
  rng: Rng,
  ref: string,
  pair: { left: MarkName; right: MarkName },
): { question: string; options: MarkName[]; answer: string } {
  const side = rng.chance(0.5) ? "left" : "right";
  const options = rng.shuffle([pair.left, pair.right]);
  return {
    question: withOptions(`which mark is on the ${side} inside ${ref} ?`, options),
    options,
    answer: letter(options.indexOf(side === "left" ? pair.left : pair.right)),
  };
}

/** Letter of option `i`. */
export function letter(i: number): string {
  const l = OPTION_LETTERS[i];
  if (l === undefined) throw new RangeError(`No option letter for index "${i}"`);
  return l;
}

/**
 * Options for "which mark" questions: the correct mark plus `k - 1` others, preferring marks drawn
 * elsewhere in the image (so "a mark I can see somewhere" is no shortcut), in random order.
 */
export function markOptions(
  rng: Rng,
  correct: MarkName,
  elsewhere: readonly MarkName[],
  k: number,
): { options: MarkName[]; answer: string } {
  const seen = rng.shuffle([...new Set(elsewhere)].filter((m) => m !== correct));
  const rest = rng.shuffle(MARK_NAMES.filter((m) => m !== correct && !seen.includes(m)));
  const options = rng.shuffle([correct, ...[...seen, ...rest].slice(0, k - 1)]);
  return { options, answer: letter(options.indexOf(correct)) };
}

/** A weighted choice among named alternatives. */
export function weighted<T extends string>(rng: Rng, weights: Readonly<Record<T, number>>): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  let u = rng.next() * total;
  for (const [k, w] of entries) {
    u -= w;
    if (u < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

/**
 * Generators of document-like images: cards, form rows, bordered word boxes, bar charts and panels.
 * Used by the training suite `train-covers` (OCR-VQA analogue) and the evaluation suites `doc`,
 * `ocr`, `chart` and `info`.
 *
 * The cue is a large coloured element (header band, border, swatch, bar, heading); the answer is a
 * short code in dark glyphs at DETAIL_SCALE (10×14 px on a 12-px pitch), next to grey decoy glyphs
 * that are just as small. Target boxes are kept at most 72 px on a side: the oracle crop is resized
 * to the 64-px encoder input without keeping the aspect ratio, so a bigger box shrinks the glyphs
 * again; at 72 px a DETAIL_SCALE glyph is still ~9 px wide in the crop (more than one 8-px encoder
 * token per character) and nearest-template reading measured 100 % (see legibility_test.ts). A
 * 3-character code is 34 px wide, so cards, rows, boxes and panels are 44–72 px wide.
 */
import type { Rng } from "../../engine/rng.ts";
import type { Box } from "../../image/types.ts";
import { GLYPH_WIDTH } from "../font.ts";
import {
  Canvas,
  COLOUR_NAMES,
  type ColourName,
  COLOURS,
  type Rgb,
  textHeight,
  textWidth,
} from "../raster.ts";
import {
  ALNUM,
  backgroundTone,
  DARK_INK,
  DECOY_INK,
  type Detail,
  DETAIL_SCALE,
  distinctCodes,
  distinctNumbers,
  drawClutter,
  drawDecoyText,
  type Drawn,
  LETTERS,
  placeRectsShrinking,
  type QA,
  randomCode,
  type SceneObject,
  shade,
  weighted,
} from "./common.ts";

/** Light surfaces for card bodies, paper and panels. */
const PAPERS: readonly Rgb[] = [
  [250, 250, 248],
  [244, 242, 235],
  [240, 244, 246],
];

/** True if boxes a and b (exclusive ends) overlap when grown by `gap`. */
function near(a: Box, b: Box, gap: number): boolean {
  return a[0] < b[2] + gap && b[0] < a[2] + gap && a[1] < b[3] + gap && b[1] < a[3] + gap;
}

/**
 * Draw `text` at a random position inside `area` (clear of `avoid`); returns its box, or undefined
 * if it does not fit.
 */
function placeText(
  canvas: Canvas,
  rng: Rng,
  text: string,
  area: Box,
  scale: number,
  ink: Rgb,
  avoid: readonly Box[] = [],
): Box | undefined {
  const w = textWidth(text, scale);
  const h = textHeight(scale);
  const xmax = area[2] - w;
  const ymax = area[3] - h;
  if (xmax < area[0] || ymax < area[1]) return undefined;
  for (let t = 0; t < 30; t++) {
    const x = rng.range(area[0], xmax);
    const y = rng.range(area[1], ymax);
    const box: Box = [x, y, x + w, y + h];
    if (avoid.every((b) => !near(box, b, 3))) {
      canvas.drawText(text, x, y, scale, ink);
      return box;
    }
  }
  return undefined;
}

/** Up to `count` grey decoy lines at DETAIL_SCALE inside `area`, shortened to fit, avoiding `avoid`. */
function decoyLines(
  canvas: Canvas,
  rng: Rng,
  area: Box,
  count: number,
  avoid: readonly Box[],
  alphabet = ALNUM,
): void {
  const taken = [...avoid];
  const pitch = (GLYPH_WIDTH + 1) * DETAIL_SCALE;
  const maxChars = Math.floor((area[2] - area[0] + DETAIL_SCALE) / pitch);
  for (let i = 0; i < count && maxChars >= 1; i++) {
    const text = randomCode(rng, rng.range(1, Math.min(6, maxChars)), alphabet);
    const box = placeText(canvas, rng, text, area, DETAIL_SCALE, DECOY_INK, taken);
    if (box !== undefined) taken.push(box);
  }
}

/** A code object of a document-like image. */
function codeObject(colour: ColourName, box: Box, text: string, detailBox: Box, scale: number): SceneObject {
  const detail: Detail = { kind: "code", text };
  return { colour, box, detail, detailBox, scale, ink: DARK_INK };
}

/** Draw the code of `text` inside `area`, failing loudly if layout left no room (a generator bug). */
function mustPlace(canvas: Canvas, rng: Rng, text: string, area: Box, scale: number): Box {
  const box = placeText(canvas, rng, text, area, scale, DARK_INK);
  if (box === undefined) throw new Error(`Code "${text}" does not fit area "${area.join(",")}"`);
  return box;
}

type CoverStyle = "band" | "border" | "strip";
type CoverTemplate = "code" | "written" | "yesno" | "value";

/**
 * `train-covers`: 2–5 cards (50–72 px, see the size budget above; strips 60–72 × 28–40) with a
 * coloured band / border / side block (the cue) and a dark 1–3 character code among grey decoy
 * glyphs. 25 % of images draw the code at DETAIL_SCALE + 1 (15×21-px glyphs, a 3-character code
 * 51 px wide), so the global view sometimes suffices; their border / side block is thinned so the card
 * still fits in 72 px.
 */
export function trainCovers(rng: Rng): Drawn {
  const scale = rng.chance(0.25) ? DETAIL_SCALE + 1 : DETAIL_SCALE;
  const style = rng.pick<CoverStyle>(["band", "border", "strip"]);
  const n = rng.range(2, 5);
  const colours = rng.sample(COLOUR_NAMES, n);
  const template = weighted<CoverTemplate>(rng, { code: 0.3, written: 0.2, yesno: 0.25, value: 0.25 });

  // Codes: one per card, all different; yes/no questions constrain where the asked character occurs.
  let codes: string[];
  let asked = "";
  let answerYes = false;
  if (template === "value") {
    codes = distinctNumbers(rng, n, 10, 999);
  } else if (template === "yesno") {
    answerYes = rng.chance(0.5);
    const adversarial = !answerYes && rng.chance(0.5);
    asked = rng.pick([...ALNUM]);
    const without = [...ALNUM].filter((c) => c !== asked).join("");
    codes = distinctCodes(rng, n, 1, 3, without);
    if (answerYes) {
      const t = codes[0]!;
      const at = rng.int(t.length);
      codes[0] = t.slice(0, at) + asked + t.slice(at + 1);
    } else if (adversarial) {
      codes[1] = rng.chance(0.5) ? asked : asked + randomCode(rng, 1, without);
    }
  } else {
    codes = distinctCodes(rng, n, 1, 3);
  }

  const bg = backgroundTone(rng);
  const canvas = new Canvas(256, 256, bg);
  drawClutter(canvas, rng, bg, rng.range(4, 16), 16);
  // Cue thickness per card first, so each card is sized to hold its code at the chosen scale.
  // [left, top, right, bottom] distance from the card edge to the body, for cue thickness c.
  const insetFor = (c: number): [number, number, number, number] =>
    style === "band"
      ? [4, c + 4, 4, 4]
      : style === "border"
      ? [c + 2, c + 2, c + 2, c + 2]
      : [c + 3, 3, 3, 3];
  const minSideFor = (c: number, code: string): [number, number] => {
    const [l, t, r, b] = insetFor(c);
    return [l + r + textWidth(code, scale) + 2, t + b + textHeight(scale) + 2];
  };
  const cueSize = colours.map((_, i) => {
    let c = style === "band" ? rng.range(10, 16) : style === "border" ? rng.range(5, 8) : rng.range(12, 18);
    // Thin the cue (never below 4 px) until the card fits the 72-px budget.
    while (c > 4 && Math.max(...minSideFor(c, codes[i]!)) > 72) c--;
    return c;
  });
  const inset = (i: number) => insetFor(cueSize[i]!);
  const minSides: [number, number][] = colours.map((_, i) => minSideFor(cueSize[i]!, codes[i]!));
  const sizes: [number, number][] = colours.map((_, i) => {
    const [w, h] = style === "strip"
      ? [rng.range(60, 72), rng.range(28, 40)]
      : [rng.range(50, 72), rng.range(50, 72)];
    return [Math.max(w, minSides[i]![0]), Math.max(h, minSides[i]![1])];
  });
  const boxes = placeRectsShrinking(rng, 256, 256, sizes, minSides, { margin: 6, gap: 10 });

  const objects: SceneObject[] = colours.map((colour, i) => {
    const box = boxes[i]!;
    const [x0, y0, x1, y1] = box;
    const paper = rng.pick(PAPERS);
    const cue = COLOURS[colour];
    const c = cueSize[i]!;
    canvas.fillRect(x0, y0, x1 - x0, y1 - y0, paper);
    if (style === "band") canvas.fillRect(x0, y0, x1 - x0, c, cue);
    else if (style === "border") canvas.strokeRect(x0, y0, x1 - x0, y1 - y0, c, cue);
    else canvas.fillRect(x0, y0, c, y1 - y0, cue);
    if (style !== "border") canvas.strokeRect(x0, y0, x1 - x0, y1 - y0, 1, shade(paper, -60));
    const [l, t, r, b] = inset(i);
    const body: Box = [x0 + l, y0 + t, x1 - r, y1 - b];
    const code = codes[i]!;
    const detailBox = mustPlace(canvas, rng, code, body, scale);
    // Decoys on the asked-about card never show the asked character, so yes/no stays unambiguous.
    const alphabet = template === "yesno" ? [...ALNUM].filter((c) => c !== asked).join("") : ALNUM;
    decoyLines(canvas, rng, body, rng.range(0, 2), [detailBox], alphabet);
    return codeObject(colour, box, code, detailBox, scale);
  });
  drawDecoyText(canvas, rng, rng.range(0, 4), boxes);
  canvas.noise(rng, rng.range(3, 7));

  const colour = colours[0]!;
  const refs = style === "band"
    ? [`the ${colour} card`, `the card with the ${colour} band`, `the ${colour} panel`]
    : style === "border"
    ? [`the box with the ${colour} border`, `the ${colour} box`, `the card with the ${colour} border`]
    : [`the ${colour} row`];
  const ref = rng.pick(refs);
  let qa: QA;
  switch (template) {
    case "code":
      qa = { question: `what is the code on ${ref} ?`, answers: [codes[0]!], metric: "vqa" };
      break;
    case "written":
      qa = {
        question: `what is written ${rng.pick(["on", "in"])} ${ref} ?`,
        answers: [codes[0]!],
        metric: "anls",
      };
      break;
    case "yesno":
      qa = {
        question: `is there a ${asked} on ${ref} ?`,
        answers: [answerYes ? "yes" : "no"],
        metric: "yesno",
      };
      break;
    case "value": {
      const stem = rng.pick([
        `what value is on ${ref} ?`,
        `what is the value in ${ref} ?`,
        `what is the value of ${ref} ?`,
        `what number is in ${ref} ?`,
      ]);
      qa = { question: stem, answers: [codes[0]!], metric: "relaxed" };
      break;
    }
  }
  return { qa, image: canvas.toImage(), objects, target: 0 };
}

/**
 * `doc`: a portrait 256×320 form. Each of 4–6 rows is a coloured swatch (the key, 18–24 × 20–28 px)
 * followed closely by a small dark value (up to 34 × 14 px); grey decoy text fills the rest of the
 * row. The row's target box (swatch + value) is at most 68 × 36 px.
 */
export function doc(rng: Rng): Drawn {
  const W = 256;
  const H = 320;
  const n = rng.range(4, 6);
  const colours = rng.sample(COLOUR_NAMES, n);
  const values = distinctCodes(rng, n, 1, 3);
  const paper = rng.pick(PAPERS);
  const canvas = new Canvas(W, H, paper);
  drawClutter(canvas, rng, paper, rng.range(2, 6), 10);
  // Title and rule: grey glyphs the size of the values, so "the dark text" is the value, not "any text".
  canvas.drawText(randomCode(rng, rng.range(4, 9)), rng.range(10, 60), 10, DETAIL_SCALE, DECOY_INK);
  canvas.fillRect(8, 28, W - 16, 1, shade(paper, -50));
  const top = 36;
  const rowH = Math.floor((H - top - 8) / n);
  const objects: SceneObject[] = colours.map((colour, i) => {
    const ry = top + i * rowH;
    const sw = rng.range(18, 24);
    const sh = rng.range(20, Math.min(28, rowH - 12));
    const sx = rng.range(10, 24);
    const sy = ry + Math.floor((rowH - sh) / 2);
    canvas.fillRect(sx, sy, sw, sh, COLOURS[colour]);
    const value = values[i]!;
    const vh = textHeight(DETAIL_SCALE);
    const vx = sx + sw + rng.range(3, 6);
    const vy = sy + Math.floor((sh - vh) / 2) + rng.range(-3, 3);
    canvas.drawText(value, vx, vy, DETAIL_SCALE, DARK_INK);
    const detailBox: Box = [vx, vy, vx + textWidth(value, DETAIL_SCALE), vy + vh];
    const box: Box = [sx - 2, Math.min(sy, vy) - 2, detailBox[2] + 2, Math.max(sy + sh, vy + vh) + 2];
    // Rest of the row: a grey "label" and a faint separator, as in a form.
    decoyLines(canvas, rng, [box[2] + 10, ry + 6, W - 8, ry + rowH - 6], rng.range(1, 2), []);
    canvas.fillRect(8, ry + rowH - 1, W - 16, 1, shade(paper, -25));
    return codeObject(colour, box, value, detailBox, DETAIL_SCALE);
  });
  canvas.noise(rng, 4);
  const target = rng.int(n);
  const qa: QA = {
    question: `what is the value in the ${colours[target]} row ?`,
    answers: [values[target]!],
    metric: "anls",
  };
  return { qa, image: canvas.toImage(), objects, target };
}

/**
 * `ocr`: 3–6 white boxes (44–64 × 30–44 px, grown to hold the word) with thick coloured borders, each
 * holding a 2–3 letter word.
 */
export function ocr(rng: Rng): Drawn {
  const n = rng.range(3, 6);
  const colours = rng.sample(COLOUR_NAMES, n);
  const words = distinctCodes(rng, n, 2, 3, LETTERS);
  const bg = backgroundTone(rng);
  const canvas = new Canvas(256, 256, bg);
  drawClutter(canvas, rng, bg, rng.range(6, 14), 18);
  const borders = colours.map(() => rng.range(4, 7));
  // The word plus 2 px of white and the border on every side.
  const minSides: [number, number][] = colours.map((_, i) => [
    textWidth(words[i]!, DETAIL_SCALE) + 2 * (borders[i]! + 2),
    textHeight(DETAIL_SCALE) + 2 * (borders[i]! + 2),
  ]);
  const sizes: [number, number][] = colours.map((_, i) => [
    Math.max(rng.range(44, 64), minSides[i]![0]),
    Math.max(rng.range(30, 44), minSides[i]![1]),
  ]);
  const boxes = placeRectsShrinking(rng, 256, 256, sizes, minSides, { margin: 6, gap: 8 });
  const objects = colours.map((colour, i) => {
    const box = boxes[i]!;
    const [x0, y0, x1, y1] = box;
    const t = borders[i]!;
    canvas.fillRect(x0, y0, x1 - x0, y1 - y0, [252, 252, 252]);
    canvas.strokeRect(x0, y0, x1 - x0, y1 - y0, t, COLOURS[colour]);
    const word = words[i]!;
    const area: Box = [x0 + t + 2, y0 + t + 2, x1 - t - 2, y1 - t - 2];
    const detailBox = mustPlace(canvas, rng, word, area, DETAIL_SCALE);
    return codeObject(colour, box, word, detailBox, DETAIL_SCALE);
  });
  drawDecoyText(canvas, rng, rng.range(3, 8), boxes);
  canvas.noise(rng, 5);
  const qa: QA = {
    question: `what is written in the box with the ${colours[0]} border ?`,
    answers: [words[0]!],
    metric: "vqa",
  };
  return { qa, image: canvas.toImage(), objects, target: 0 };
}

/**
 * `chart`: 4–6 coloured bars (24–32 px wide, at least the 22-px label) with a small value label
 * (10–99, DETAIL_SCALE) on top. Bar heights are random and short (16–50 px), NOT proportional to the
 * value, so the label is the only source of the answer and the bar + label box (at most 32 × 68 px)
 * stays small enough for a legible crop.
 */
export function chart(rng: Rng): Drawn {
  const n = rng.range(4, 6);
  const colours = rng.sample(COLOUR_NAMES, n);
  const values = distinctNumbers(rng, n, 10, 99);
  const paper = rng.pick(PAPERS);
  const canvas = new Canvas(256, 256, paper);
  drawClutter(canvas, rng, paper, rng.range(2, 6), 10);
  canvas.drawText(
    randomCode(rng, rng.range(4, 9)),
    rng.range(20, 80),
    rng.range(8, 28),
    DETAIL_SCALE,
    DECOY_INK,
  );
  const axisX = rng.range(28, 34);
  const base = rng.range(120, 236);
  const axis = shade(paper, -120);
  const axisTop = Math.max(50, base - 120);
  canvas.fillRect(axisX, axisTop, 1, base - axisTop, axis);
  canvas.fillRect(axisX, base, 256 - axisX - 8, 1, axis);
  // Grey tick labels on the axis: numbers the size of the value labels that answer nothing.
  for (let y = base - 20; y > axisTop + 4; y -= rng.range(18, 28)) {
    canvas.fillRect(axisX - 3, y, 3, 1, axis);
    canvas.drawText(String(rng.range(10, 99)), axisX - 25, y - 7, DETAIL_SCALE, DECOY_INK);
  }
  const slot = Math.floor((256 - axisX - 14) / n);
  const objects = colours.map((colour, i) => {
    // slot ≥ 34 (6 bars, axis at 34), so bars are 24–28 px at the most crowded.
    const bw = rng.range(24, Math.min(32, slot - 6));
    const bx = axisX + 6 + i * slot + rng.range(0, slot - bw - 4);
    const bh = rng.range(16, 50);
    canvas.fillRect(bx, base - bh, bw, bh, COLOURS[colour]);
    const value = values[i]!;
    const lw = textWidth(value, DETAIL_SCALE);
    const lh = textHeight(DETAIL_SCALE);
    const lx = bx + Math.floor((bw - lw) / 2);
    const ly = base - bh - 2 - lh;
    canvas.drawText(value, lx, ly, DETAIL_SCALE, DARK_INK);
    const detailBox: Box = [lx, ly, lx + lw, ly + lh];
    return codeObject(colour, [bx, ly - 2, bx + bw, base], value, detailBox, DETAIL_SCALE);
  });
  canvas.noise(rng, 4);
  const target = rng.int(n);
  const qa: QA = {
    question: `what is the value of the ${colours[target]} bar ?`,
    answers: [values[target]!],
    metric: "relaxed",
  };
  return { qa, image: canvas.toImage(), objects, target };
}

/**
 * `info`: a 2×2, 2×3 or 3×2 grid of panels (52–64 px), each with a coloured heading band (12–18 px)
 * and a small dark number (1–999, up to 34 × 14 px) among grey decoy lines; a grey title above.
 */
export function info(rng: Rng): Drawn {
  const [rows, cols] = rng.pick([[2, 2], [2, 3], [3, 2]] as const);
  const n = rows * cols;
  const colours = rng.sample(COLOUR_NAMES, n);
  const numbers = distinctNumbers(rng, n, 1, 999);
  const bg = rng.pick(PAPERS);
  const canvas = new Canvas(256, 256, shade(bg, -12));
  drawClutter(canvas, rng, shade(bg, -12), rng.range(3, 8), 10);
  const gap = rng.range(8, 14);
  const pw = Math.min(rng.range(52, 64), Math.floor((256 - 16 - (cols - 1) * gap) / cols));
  const ph = Math.min(rng.range(52, 64), Math.floor((256 - 30 - (rows - 1) * gap) / rows));
  const gw = cols * pw + (cols - 1) * gap;
  const gh = rows * ph + (rows - 1) * gap;
  const ox = rng.range(8, 256 - 8 - gw);
  const oy = rng.range(24, 256 - 6 - gh);
  canvas.drawText(randomCode(rng, rng.range(4, 10)), ox, oy - 18, DETAIL_SCALE, DECOY_INK);
  const objects = colours.map((colour, i) => {
    const x0 = ox + (i % cols) * (pw + gap);
    const y0 = oy + Math.floor(i / cols) * (ph + gap);
    const box: Box = [x0, y0, x0 + pw, y0 + ph];
    canvas.fillRect(x0, y0, pw, ph, bg);
    const hh = rng.range(12, 18);
    canvas.fillRect(x0, y0, pw, hh, COLOURS[colour]);
    const body: Box = [x0 + 4, y0 + hh + 4, x0 + pw - 4, y0 + ph - 4];
    const number = numbers[i]!;
    const detailBox = mustPlace(canvas, rng, number, body, DETAIL_SCALE);
    decoyLines(canvas, rng, body, rng.range(1, 3), [detailBox]);
    return codeObject(colour, box, number, detailBox, DETAIL_SCALE);
  });
  canvas.noise(rng, 4);
  const target = rng.int(n);
  const qa: QA = {
    question: `what number is in the ${colours[target]} panel ?`,
    answers: [numbers[target]!],
    metric: "anls",
  };
  return { qa, image: canvas.toImage(), objects, target };
}

/**
 * Generators of shape scenes: coloured squares / circles / triangles with a tiny detail at their
 * centre. Used by the training suite `train-scenes` (GQA analogue) and the evaluation suites
 * `textvqa`, `vstar-attr`, `vstar-spatial`, `pope` and `hr`.
 *
 * The cue (colour, or colour + shape) is a 36–60 px blob that survives 4–8× downsampling; the detail
 * is drawn at DETAIL_SCALE (10×14-px glyphs, 10×10-px marks), so that the oracle crop of the object
 * gives every character at least one encoder token. Objects grow to hold their detail (a triangle
 * with a 3-character code needs 58 px; the DETAIL_SCALE + 1 training variant up to 64 px), so target
 * boxes stay ≤ 72 px. Small neutral distractor objects (16–30 px) carry a DETAIL_SCALE mark too.
 */
import type { Rng } from "../../engine/rng.ts";
import type { Box } from "../../image/types.ts";
import { MARK_NAMES, type MarkName } from "../font.ts";
import {
  Canvas,
  COLOUR_NAMES,
  type ColourName,
  COLOURS,
  type Rgb,
  type ShapeName,
  SHAPES,
} from "../raster.ts";
import type { Metric } from "../schema.ts";
import {
  ALNUM,
  backgroundTone,
  type Detail,
  DETAIL_SCALE,
  distinctCodes,
  drawClutter,
  drawDecoyText,
  type Drawn,
  drawShapeWithDetail,
  letter,
  markExcept,
  markOptions,
  marksOf,
  minSizeFor,
  NEUTRALS,
  pairExcept,
  placeRectsShrinking,
  type QA,
  randomCode,
  type SceneObject,
  type ShapeSpec,
  sideQuestion,
  weighted,
  withOptions,
} from "./common.ts";

/** A cue object before layout. */
interface Plan {
  colour: ColourName;
  shape: ShapeName;
  detail: Detail;
}

/** Layout and look of one shape scene. */
interface SceneStyle {
  width: number;
  height: number;
  scale: number;
  sizeRange: [number, number];
  /** Small neutral objects with a mark each (not cues). */
  distractors: number;
  clutter: number;
  clutterContrast: number;
  decoys: number;
  noise: number;
}

/** `n` cue identities, all (colour, shape) pairs distinct; with `uniqueColours` all colours distinct. */
function pickCues(rng: Rng, n: number, uniqueColours: boolean): { colour: ColourName; shape: ShapeName }[] {
  if (uniqueColours) {
    return rng.sample(COLOUR_NAMES, n).map((colour) => ({ colour, shape: rng.pick(SHAPES) }));
  }
  const all = COLOUR_NAMES.flatMap((colour) => SHAPES.map((shape) => ({ colour, shape })));
  return rng.sample(all, n);
}

/** Draw the scene; returns the traced cue objects (in plan order) and the distractors' marks. */
function renderScene(
  rng: Rng,
  plans: readonly Plan[],
  style: SceneStyle,
): { canvas: Canvas; objects: SceneObject[]; distractorMarks: MarkName[] } {
  const bg = backgroundTone(rng);
  const canvas = new Canvas(style.width, style.height, bg);
  drawClutter(canvas, rng, bg, style.clutter, style.clutterContrast);

  const specs: ShapeSpec[] = plans.map((p) => {
    const spec = { colour: COLOURS[p.colour], shape: p.shape, detail: p.detail };
    const min = minSizeFor({ ...spec, scale: style.scale });
    return { ...spec, scale: style.scale, size: Math.max(min, rng.range(...style.sizeRange)) };
  });
  const distractorMarks: MarkName[] = [];
  for (let i = 0; i < style.distractors; i++) {
    const detail: Detail = { kind: "mark", mark: rng.pick(MARK_NAMES) };
    distractorMarks.push(detail.mark);
    const spec = { colour: rng.pick(NEUTRALS) as Rgb, shape: rng.pick(SHAPES), detail, scale: DETAIL_SCALE };
    specs.push({ ...spec, size: Math.max(minSizeFor(spec), rng.range(16, 24)) });
  }
  const mins = specs.map((s) => minSizeFor(s));
  const boxes = placeRectsShrinking(
    rng,
    style.width,
    style.height,
    specs.map((s) => [s.size, s.size]),
    mins.map((m) => [m, m]),
    { margin: 4, gap: 6 },
  );

  const objects: SceneObject[] = [];
  specs.forEach((spec, i) => {
    const box = boxes[i]!;
    // placeRectsShrinking may return non-square cells in its grid fallback; shapes need squares.
    const size = Math.min(box[2] - box[0], box[3] - box[1]);
    const square: Box = [box[0], box[1], box[0] + size, box[1] + size];
    const { detailBox, ink } = drawShapeWithDetail(canvas, spec, square);
    if (i < plans.length) {
      const p = plans[i]!;
      objects.push({
        colour: p.colour,
        shape: p.shape,
        box: square,
        detail: p.detail,
        detailBox,
        scale: spec.scale,
        ink,
      });
    }
  });
  drawDecoyText(canvas, rng, style.decoys, boxes);
  canvas.noise(rng, style.noise);
  return { canvas, objects, distractorMarks };
}

/** Reference to object `t`: "the red circle", or (with probability `signChance`, if its colour is unique) "the red sign". */
function refFor(objects: readonly Plan[], t: number, rng: Rng, signChance: number): string {
  const o = objects[t]!;
  const colourUnique = objects.filter((p) => p.colour === o.colour).length === 1;
  return colourUnique && rng.chance(signChance) ? `the ${o.colour} sign` : `the ${o.colour} ${o.shape}`;
}

/** A random detail for a non-target object that avoids the listed codes, characters and marks. */
function otherDetail(
  rng: Rng,
  avoid: { codes?: readonly string[]; chars?: string; marks?: readonly MarkName[] },
): Detail {
  const kind = rng.pick(["code", "mark", "pair"] as const);
  if (kind === "mark") return { kind: "mark", mark: markExcept(rng, avoid.marks ?? []) };
  if (kind === "pair") return pairExcept(rng, avoid.marks ?? []);
  const alphabet = [...ALNUM].filter((c) => !(avoid.chars ?? "").includes(c)).join("");
  for (;;) {
    const text = randomCode(rng, rng.range(1, 2), alphabet);
    if (!(avoid.codes ?? []).includes(text)) return { kind: "code", text };
  }
}

type SceneTemplate = "code" | "mark" | "yesno" | "choice" | "number" | "spatial";

/**
 * `train-scenes`: 3–7 shapes, mixed templates (code / mark / yes-no / choice / number / spatial),
 * 25 % of images with details at DETAIL_SCALE + 1 so the global view sometimes suffices and the
 * model learns to look at the named object.
 */
export function trainScenes(rng: Rng): Drawn {
  const scale = rng.chance(0.25) ? DETAIL_SCALE + 1 : DETAIL_SCALE;
  const n = rng.range(3, 7);
  const cues = pickCues(rng, n, rng.chance(0.5));
  const template = weighted<SceneTemplate>(rng, {
    code: 0.22,
    mark: 0.14,
    yesno: 0.22,
    choice: 0.16,
    number: 0.12,
    spatial: 0.14,
  });

  let targetDetail: Detail;
  const others: Detail[] = [];
  let question = "";
  let answers: string[] = [];
  let metric: Metric = "vqa";
  let options: string[] | undefined;
  // The question text needs the final plans (for the reference), so it is built by a closure.
  let ask: (ref: string) => void;

  switch (template) {
    case "code":
    case "number": {
      const text = template === "number" ? String(rng.range(10, 99)) : randomCode(rng, rng.range(1, 2));
      targetDetail = { kind: "code", text };
      for (let i = 1; i < n; i++) others.push(otherDetail(rng, { codes: [text] }));
      ask = (ref) => {
        if (template === "number") {
          question = `what number is on ${ref} ?`;
          metric = "relaxed";
        } else {
          question = rng.chance(0.5) ? `what code is on ${ref} ?` : `what is written on ${ref} ?`;
        }
        answers = [text];
      };
      break;
    }
    case "mark":
    case "choice": {
      const m = rng.pick(MARK_NAMES);
      targetDetail = { kind: "mark", mark: m };
      for (let i = 1; i < n; i++) others.push(otherDetail(rng, { marks: [m] }));
      ask = (ref) => {
        if (template === "mark") {
          question = `what mark is on ${ref} ?`;
          answers = [m];
        } else {
          const o = markOptions(rng, m, others.flatMap(marksOf), rng.range(2, 4));
          options = o.options;
          question = withOptions(`which mark is on ${ref} ?`, o.options);
          answers = [o.answer];
          metric = "choice";
        }
      };
      break;
    }
    case "spatial": {
      const pair = pairExcept(rng, []) as Extract<Detail, { kind: "pair" }>;
      targetDetail = pair;
      for (let i = 1; i < n; i++) {
        let d: Detail;
        do d = otherDetail(rng, {}); while (
          d.kind === "pair" && d.left === pair.left && d.right === pair.right
        );
        others.push(d);
      }
      ask = (ref) => {
        const q = sideQuestion(rng, ref, pair);
        options = q.options;
        question = q.question;
        answers = [q.answer];
        metric = "choice";
      };
      break;
    }
    case "yesno": {
      const yes = rng.chance(0.5);
      const adversarial = !yes && rng.chance(0.5);
      metric = "yesno";
      answers = [yes ? "yes" : "no"];
      let asked: string;
      if (rng.chance(0.5)) {
        const text = randomCode(rng, rng.range(1, 2));
        targetDetail = { kind: "code", text };
        if (yes) asked = text[rng.int(text.length)]!;
        else asked = rng.pick([...ALNUM].filter((c) => !text.includes(c)));
        for (let i = 1; i < n; i++) {
          if (adversarial && i === 1) {
            // `asked` is not in the target's code, so this code differs from it.
            others.push({ kind: "code", text: rng.chance(0.5) ? asked : asked + randomCode(rng, 1) });
          } else {
            others.push(otherDetail(rng, { codes: [text], chars: !yes && !adversarial ? asked : "" }));
          }
        }
      } else {
        const m = rng.pick(MARK_NAMES);
        targetDetail = { kind: "mark", mark: m };
        asked = yes ? m : markExcept(rng, [m]);
        for (let i = 1; i < n; i++) {
          if (adversarial && i === 1) others.push({ kind: "mark", mark: asked as MarkName });
          else others.push(otherDetail(rng, { marks: !yes && !adversarial ? [m, asked as MarkName] : [m] }));
        }
      }
      ask = (ref) => {
        question = `is there a ${asked} on ${ref} ?`;
      };
      break;
    }
  }

  const plans: Plan[] = cues.map((c, i) => ({ ...c, detail: i === 0 ? targetDetail : others[i - 1]! }));
  ask(refFor(plans, 0, rng, 0.35));
  const { canvas, objects, distractorMarks } = renderScene(rng, plans, {
    width: 256,
    height: 256,
    scale,
    sizeRange: [36, 60],
    distractors: rng.chance(0.4) ? rng.range(2, 6) : 0,
    clutter: rng.range(4, 20),
    clutterContrast: rng.range(10, 24),
    decoys: rng.range(0, 4),
    noise: rng.range(3, 8),
  });
  const qa: QA = { question, answers, metric };
  if (options !== undefined) qa.options = options;
  return { qa, image: canvas.toImage(), objects, target: 0, distractorMarks };
}

/** `textvqa`: 3–6 signs of distinct colours with 1–3 character codes on heavy clutter. */
export function textvqa(rng: Rng): Drawn {
  const n = rng.range(3, 6);
  const cues = pickCues(rng, n, true);
  const codes = distinctCodes(rng, n, 1, 3);
  const plans: Plan[] = cues.map((c, i) => ({ ...c, detail: { kind: "code", text: codes[i]! } }));
  const { canvas, objects } = renderScene(rng, plans, {
    width: 256,
    height: 256,
    scale: DETAIL_SCALE,
    sizeRange: [36, 60],
    distractors: 0,
    clutter: rng.range(20, 35),
    clutterContrast: 30,
    decoys: rng.range(5, 10),
    noise: 6,
  });
  const qa: QA = {
    question: `what is written on the ${plans[0]!.colour} sign ?`,
    answers: [codes[0]!],
    metric: "vqa",
  };
  return { qa, image: canvas.toImage(), objects, target: 0 };
}

/** Shared body of `vstar-attr` (256², 3–5 cues) and `hr` (512², 5–7 cues, more distractors). */
function attrScene(rng: Rng, suite: "vstar-attr" | "hr"): Drawn {
  const big = suite === "hr";
  const size = big ? 512 : 256;
  const n = big ? rng.range(5, 7) : rng.range(3, 5);
  const cues = pickCues(rng, n, false);
  const m = rng.pick(MARK_NAMES);
  const plans: Plan[] = cues.map((c, i) => ({
    ...c,
    detail: { kind: "mark", mark: i === 0 ? m : markExcept(rng, [m]) },
  }));
  const { canvas, objects, distractorMarks } = renderScene(rng, plans, {
    width: size,
    height: size,
    scale: DETAIL_SCALE,
    sizeRange: [36, 60],
    distractors: big ? rng.range(12, 20) : rng.range(6, 10),
    clutter: big ? rng.range(25, 40) : rng.range(8, 16),
    clutterContrast: 20,
    decoys: big ? rng.range(2, 6) : rng.range(0, 3),
    noise: 5,
  });
  const elsewhere = [...plans.slice(1).flatMap((p) => marksOf(p.detail)), ...distractorMarks];
  const o = markOptions(rng, m, elsewhere, 4);
  const qa: QA = {
    question: withOptions(`which mark is on the ${plans[0]!.colour} ${plans[0]!.shape} ?`, o.options),
    answers: [o.answer],
    metric: "choice",
    options: o.options,
  };
  return { qa, image: canvas.toImage(), objects, target: 0, distractorMarks };
}

/** `vstar-attr`: which of 4 marks is on the named object, with small marked distractors around. */
export function vstarAttr(rng: Rng): Drawn {
  return attrScene(rng, "vstar-attr");
}

/** `hr`: vstar-attr on a 512×512 canvas (8× downsampling at the encoder). */
export function hr(rng: Rng): Drawn {
  return attrScene(rng, "hr");
}

/** `vstar-spatial`: every object holds two marks; which one is on the left / right of the named one. */
export function vstarSpatial(rng: Rng): Drawn {
  const n = rng.range(3, 5);
  const cues = pickCues(rng, n, false);
  const pair = pairExcept(rng, []) as Extract<Detail, { kind: "pair" }>;
  const plans: Plan[] = cues.map((c, i) => {
    if (i === 0) return { ...c, detail: pair };
    let d: Detail;
    do d = pairExcept(rng, []); while (d.kind === "pair" && d.left === pair.left && d.right === pair.right);
    return { ...c, detail: d };
  });
  const { canvas, objects, distractorMarks } = renderScene(rng, plans, {
    width: 256,
    height: 256,
    scale: DETAIL_SCALE,
    sizeRange: [36, 60],
    distractors: rng.range(0, 4),
    clutter: rng.range(8, 16),
    clutterContrast: 20,
    decoys: rng.range(0, 3),
    noise: 5,
  });
  const side = rng.chance(0.5) ? "left" : "right";
  const options = rng.shuffle([pair.left, pair.right]);
  const ref = `the ${plans[0]!.colour} ${plans[0]!.shape}`;
  const qa: QA = {
    question: withOptions(`which mark is on the ${side} inside ${ref} ?`, options),
    answers: [letter(options.indexOf(side === "left" ? pair.left : pair.right))],
    metric: "choice",
    options,
  };
  return { qa, image: canvas.toImage(), objects, target: 0, distractorMarks };
}

/**
 * `pope`: "is there a <mark> on the <object> ?", 50 % yes. Negatives: half adversarial (the asked
 * mark is on another object), half random (the asked mark is nowhere in the image).
 */
export function pope(rng: Rng): Drawn {
  const n = rng.range(3, 6);
  const cues = pickCues(rng, n, false);
  const yes = rng.chance(0.5);
  const adversarial = !yes && rng.chance(0.5);
  const m = rng.pick(MARK_NAMES);
  const asked = yes ? m : markExcept(rng, [m]);
  const plans: Plan[] = cues.map((c, i) => {
    let mk: MarkName;
    if (i === 0) mk = m;
    else if (adversarial && i === 1) mk = asked;
    else mk = markExcept(rng, yes || adversarial ? [m] : [m, asked]);
    return { ...c, detail: { kind: "mark", mark: mk } };
  });
  const { canvas, objects } = renderScene(rng, plans, {
    width: 256,
    height: 256,
    scale: DETAIL_SCALE,
    sizeRange: [36, 60],
    distractors: 0,
    clutter: rng.range(8, 16),
    clutterContrast: 20,
    decoys: rng.range(0, 3),
    noise: 5,
  });
  const qa: QA = {
    question: `is there a ${asked} on the ${plans[0]!.colour} ${plans[0]!.shape} ?`,
    answers: [yes ? "yes" : "no"],
    metric: "yesno",
  };
  return { qa, image: canvas.toImage(), objects, target: 0 };
}

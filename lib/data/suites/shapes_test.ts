import assert from "node:assert/strict";
import { Rng } from "../../engine/rng.ts";
import type { Box, RgbImage } from "../../image/types.ts";
import { MARK_NAMES } from "../font.ts";
import { COLOURS, type Rgb, SHAPES } from "../raster.ts";
import { OPTION_LETTERS } from "../schema.ts";
import { DETAIL_SCALE, type Drawn, marksOf } from "./common.ts";
import { hr, pope, textvqa, trainScenes, vstarAttr, vstarSpatial } from "./shapes.ts";

const SEEDS = Array.from({ length: 40 }, (_, i) => 2000 + i);
const inside = (inner: Box, outer: Box) =>
  inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];

/** Pixels of `box` within `tol` of colour `c` on every channel. */
function count(img: RgbImage, box: Box, c: Rgb, tol: number): number {
  let n = 0;
  for (let y = box[1]; y < box[3]; y++) {
    for (let x = box[0]; x < box[2]; x++) {
      const i = (y * img.width + x) * 3;
      if ([0, 1, 2].every((k) => Math.abs(img.data[i + k]! - c[k]!) <= tol)) n++;
    }
  }
  return n;
}

/**
 * What every shape scene promises: object 0 is the target; cues are distinct (colour, shape) pairs drawn
 * as square-boxed shapes of at most 72 px inside the image, with their detail inked inside; the question
 * names the target's colour (and its shape, unless it calls it a sign).
 */
function checkScene(d: Drawn, size: number, counts: [number, number], where: string): void {
  assert.equal(d.image.width, size, where);
  assert.equal(d.image.height, size, where);
  assert.equal(d.target, 0, where);
  assert.ok(d.objects.length >= counts[0] && d.objects.length <= counts[1], `${where}: ${d.objects.length}`);
  const ids = d.objects.map((o) => `${o.colour} ${o.shape}`);
  assert.equal(new Set(ids).size, ids.length, `${where}: cues ${ids}`);
  for (const o of d.objects) {
    assert.ok(o.shape !== undefined && SHAPES.includes(o.shape), where);
    assert.equal(o.box[2] - o.box[0], o.box[3] - o.box[1], `${where}: square ${o.box}`);
    assert.ok(o.box[2] - o.box[0] <= 72, `${where}: ${o.box} within 72 px`);
    assert.ok(inside(o.box, [0, 0, size, size]), `${where}: ${o.box} in the image`);
    assert.ok(inside(o.detailBox, o.box), `${where}: detail ${o.detailBox} in ${o.box}`);
    assert.ok(count(d.image, o.box, COLOURS[o.colour], 8) >= 40, `${where}: ${o.colour} cue drawn`);
    assert.ok(count(d.image, o.detailBox, o.ink, 8) >= 8, `${where}: detail inked`);
  }
  const t = d.objects[0]!;
  const q = d.qa.question;
  assert.ok(
    q.includes(`the ${t.colour} ${t.shape} `) || q.includes(`the ${t.colour} sign `),
    `${where}: ${q}`,
  );
}

/** Marks on cue objects other than the target. */
const otherMarks = (d: Drawn) => d.objects.slice(1).flatMap((o) => marksOf(o.detail));

Deno.test("a fixed seed gives the same scene; another seed another one", () => {
  for (const gen of [trainScenes, textvqa, vstarAttr, vstarSpatial, pope]) {
    const a = gen(new Rng(11));
    assert.deepEqual(gen(new Rng(11)), a, gen.name);
    assert.notDeepEqual(gen(new Rng(12)).image.data, a.image.data, gen.name);
  }
});

Deno.test("textvqa: 3–6 signs of distinct colours; the named sign's 1–3 character code is the answer", () => {
  for (const seed of SEEDS) {
    const d = textvqa(new Rng(seed));
    checkScene(d, 256, [3, 6], `textvqa ${seed}`);
    const colours = d.objects.map((o) => o.colour);
    assert.equal(new Set(colours).size, colours.length);
    const target = d.objects[0]!.detail;
    assert.equal(target.kind, "code");
    const text = target.kind === "code" ? target.text : "";
    assert.match(text, /^[0-9A-Z]{1,3}$/);
    assert.equal(d.qa.question, `what is written on the ${colours[0]} sign ?`);
    assert.deepEqual(d.qa, { question: d.qa.question, answers: [text], metric: "vqa" });
    const codes = d.objects.map((o) => (o.detail.kind === "code" ? o.detail.text : ""));
    assert.equal(new Set(codes).size, codes.length);
  }
});

Deno.test("vstar-attr and hr: 4 options with the target's mark, which no other cue carries", () => {
  for (
    const [gen, size, cues, distractors] of [[vstarAttr, 256, [3, 5], [6, 10]], [hr, 512, [5, 7], [
      12,
      20,
    ]]] as const
  ) {
    for (const seed of SEEDS.slice(0, 20)) {
      const d = gen(new Rng(seed));
      const where = `${gen.name} ${seed}`;
      checkScene(d, size, [...cues], where);
      const n = d.distractorMarks?.length ?? 0;
      assert.ok(n >= distractors[0] && n <= distractors[1], `${where}: ${n} distractors`);
      const t = d.objects[0]!;
      assert.equal(t.detail.kind, "mark");
      const mark = t.detail.kind === "mark" ? t.detail.mark : "";
      assert.ok(!otherMarks(d).includes(mark as never), where);
      const options = d.qa.options!;
      assert.equal(options.length, 4);
      assert.equal(new Set(options).size, 4);
      assert.ok(options.every((o) => (MARK_NAMES as readonly string[]).includes(o)));
      assert.deepEqual(d.qa.answers, [OPTION_LETTERS[options.indexOf(mark)]]);
      assert.equal(d.qa.metric, "choice");
      assert.ok(
        d.qa.question.startsWith(`which mark is on the ${t.colour} ${t.shape} ? ( A ) ${options[0]}`),
      );
    }
  }
});

Deno.test("vstar-spatial: every cue holds a pair; the answer is the letter of the asked side's mark", () => {
  for (const seed of SEEDS) {
    const d = vstarSpatial(new Rng(seed));
    checkScene(d, 256, [3, 5], `vstar-spatial ${seed}`);
    assert.ok(d.objects.every((o) => o.detail.kind === "pair"));
    const pair = d.objects[0]!.detail;
    if (pair.kind !== "pair") throw new Error("unreachable");
    for (const o of d.objects.slice(1)) {
      assert.ok(o.detail.kind === "pair" && (o.detail.left !== pair.left || o.detail.right !== pair.right));
    }
    const side = /^which mark is on the (left|right) inside /.exec(d.qa.question)![1];
    assert.deepEqual([...d.qa.options!].sort(), [pair.left, pair.right].sort());
    const want = side === "left" ? pair.left : pair.right;
    assert.deepEqual(d.qa.answers, [OPTION_LETTERS[d.qa.options!.indexOf(want)]]);
  }
});

Deno.test("pope: yes iff the asked mark is the target's; adversarial negatives put it on object 1", () => {
  let yes = 0;
  let adversarial = 0;
  const seeds = Array.from({ length: 200 }, (_, i) => 3000 + i);
  for (const seed of seeds) {
    const d = pope(new Rng(seed));
    if (seed < 3040) checkScene(d, 256, [3, 6], `pope ${seed}`);
    const t = d.objects[0]!;
    const asked = new RegExp(`^is there a (\\S+) on the ${t.colour} ${t.shape} \\?$`).exec(d.qa.question)![1];
    const marks: string[] = d.objects.map((o) => (o.detail.kind === "mark" ? o.detail.mark : ""));
    assert.equal(d.qa.metric, "yesno");
    if (d.qa.answers[0] === "yes") {
      yes++;
      assert.equal(marks[0], asked);
    } else {
      assert.deepEqual(d.qa.answers, ["no"]);
      assert.notEqual(marks[0], asked);
      if (marks.includes(asked!)) {
        adversarial++;
        assert.equal(marks[1], asked, `${seed}: the adversarial mark is on object 1`);
      }
    }
  }
  // 50 % yes, and half of the 50 % negatives adversarial (σ ≈ 7 and 6 of 200).
  assert.ok(yes >= 70 && yes <= 130, `${yes} yes of 200`);
  assert.ok(adversarial >= 25 && adversarial <= 75, `${adversarial} adversarial of 200`);
});

Deno.test("train-scenes: 3–7 shapes, answers read off object 0's detail, a quarter at DETAIL_SCALE + 1", () => {
  let large = 0;
  const seeds = Array.from({ length: 200 }, (_, i) => 4000 + i);
  for (const seed of seeds) {
    const d = trainScenes(new Rng(seed));
    const where = `train-scenes ${seed}`;
    checkScene(d, 256, [3, 7], where);
    const scale = d.objects[0]!.scale;
    assert.ok(d.objects.every((o) => o.scale === scale));
    assert.ok(scale === DETAIL_SCALE || scale === DETAIL_SCALE + 1);
    if (scale !== DETAIL_SCALE) large++;
    const detail = d.objects[0]!.detail;
    const q = d.qa.question;
    const answer = d.qa.answers[0]!;
    const yesno = /^is there a (\S+) on /.exec(q);
    if (yesno) {
      const present = detail.kind === "code" ? detail.text.includes(yesno[1]!) : marksOf(detail).includes(
        yesno[1] as never,
      );
      assert.equal(answer, present ? "yes" : "no", `${where}: ${q}`);
    } else if (d.qa.metric === "choice") {
      const options = d.qa.options!;
      const chosen = options[OPTION_LETTERS.indexOf(answer as never)]!;
      assert.ok(marksOf(detail).includes(chosen as never), `${where}: ${q} → ${answer}`);
    } else if (q.startsWith("what mark")) {
      assert.deepEqual(marksOf(detail), [answer]);
    } else {
      assert.ok(detail.kind === "code" && detail.text === answer, `${where}: ${q} → ${answer}`);
      if (q.startsWith("what number")) assert.match(answer, /^[1-9][0-9]$/);
    }
  }
  assert.ok(large >= 30 && large <= 70, `${large} large of 200`);
});

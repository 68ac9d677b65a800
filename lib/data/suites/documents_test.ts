import assert from "node:assert/strict";
import { Rng } from "../../engine/rng.ts";
import type { Box, RgbImage } from "../../image/types.ts";
import { COLOURS, type Rgb } from "../raster.ts";
import { DARK_INK, DETAIL_SCALE, type Drawn } from "./common.ts";
import { chart, doc, info, ocr, trainCovers } from "./documents.ts";

const SEEDS = Array.from({ length: 40 }, (_, i) => 1000 + i);
const inside = (inner: Box, outer: Box) =>
  inner[0] >= outer[0] && inner[1] >= outer[1] && inner[2] <= outer[2] && inner[3] <= outer[3];
const disjoint = (a: Box, b: Box) => a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1];

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
 * What every document generator promises: distinct cue colours, every object and its detail inside the
 * image and at most 72 px on a side, the cue colour and dark glyphs actually drawn there, and a question
 * naming the target's cue.
 */
function checkDrawn(d: Drawn, width: number, height: number, where: string): void {
  assert.equal(d.image.width, width, where);
  assert.equal(d.image.height, height, where);
  assert.equal(d.image.data.length, width * height * 3, where);
  assert.ok(d.target >= 0 && d.target < d.objects.length, where);
  assert.equal(new Set(d.objects.map((o) => o.colour)).size, d.objects.length, `${where}: cue colours`);
  for (const o of d.objects) {
    assert.ok(inside(o.box, [0, 0, width, height]), `${where}: ${o.box} in the image`);
    assert.ok(inside(o.detailBox, o.box), `${where}: detail ${o.detailBox} in ${o.box}`);
    assert.ok(o.box[2] - o.box[0] <= 72 && o.box[3] - o.box[1] <= 72, `${where}: ${o.box} within 72 px`);
    assert.equal(o.detail.kind, "code", where);
    assert.deepEqual(o.ink, DARK_INK, where);
    assert.ok(count(d.image, o.box, COLOURS[o.colour], 8) >= 40, `${where}: ${o.colour} cue drawn`);
    assert.ok(count(d.image, o.detailBox, DARK_INK, 8) >= 10, `${where}: dark glyphs drawn`);
  }
  const target = d.objects[d.target]!;
  assert.ok(d.qa.question.includes(` ${target.colour} `), `${where}: "${d.qa.question}" names the cue`);
}

/** The target's drawn code. */
const code = (d: Drawn) => {
  const detail = d.objects[d.target]!.detail;
  return detail.kind === "code" ? detail.text : "";
};

Deno.test("a fixed seed gives the same drawing; another seed another one", () => {
  for (const gen of [trainCovers, doc, ocr, chart, info]) {
    const a = gen(new Rng(7));
    assert.deepEqual(gen(new Rng(7)), a, gen.name);
    assert.notDeepEqual(gen(new Rng(8)).image.data, a.image.data, gen.name);
  }
});

Deno.test("doc: a 256×320 form of 4–6 rows; the named row's small value is the answer", () => {
  for (const seed of SEEDS) {
    const d = doc(new Rng(seed));
    checkDrawn(d, 256, 320, `doc ${seed}`);
    assert.ok(d.objects.length >= 4 && d.objects.length <= 6);
    const t = d.objects[d.target]!;
    assert.equal(d.qa.question, `what is the value in the ${t.colour} row ?`);
    assert.deepEqual(d.qa.answers, [code(d)]);
    assert.equal(d.qa.metric, "anls");
    assert.match(code(d), /^[0-9A-Z]{1,3}$/);
    for (const o of d.objects) assert.ok(o.box[2] - o.box[0] <= 68 && o.box[3] - o.box[1] <= 36, `${o.box}`);
    // Rows run top to bottom in separate bands.
    d.objects.slice(1).forEach((o, i) => assert.ok(o.box[1] >= d.objects[i]!.box[1]));
  }
});

Deno.test("ocr: 3–6 bordered white boxes apart from each other; the first box's 2–3 letter word is asked", () => {
  for (const seed of SEEDS) {
    const d = ocr(new Rng(seed));
    checkDrawn(d, 256, 256, `ocr ${seed}`);
    assert.ok(d.objects.length >= 3 && d.objects.length <= 6);
    assert.equal(d.target, 0);
    assert.equal(d.qa.question, `what is written in the box with the ${d.objects[0]!.colour} border ?`);
    assert.deepEqual(d.qa.answers, [code(d)]);
    assert.equal(d.qa.metric, "vqa");
    assert.match(code(d), /^[A-Z]{2,3}$/);
    const words = d.objects.map((o) => (o.detail.kind === "code" ? o.detail.text : ""));
    assert.equal(new Set(words).size, words.length);
    for (let i = 0; i < d.objects.length; i++) {
      for (let j = i + 1; j < d.objects.length; j++) {
        assert.ok(disjoint(d.objects[i]!.box, d.objects[j]!.box));
      }
    }
  }
});

Deno.test("chart: 4–6 bars on one baseline, each labelled with a distinct two-digit value on top", () => {
  for (const seed of SEEDS) {
    const d = chart(new Rng(seed));
    checkDrawn(d, 256, 256, `chart ${seed}`);
    assert.ok(d.objects.length >= 4 && d.objects.length <= 6);
    const t = d.objects[d.target]!;
    assert.equal(d.qa.question, `what is the value of the ${t.colour} bar ?`);
    assert.deepEqual(d.qa.answers, [code(d)]);
    assert.equal(d.qa.metric, "relaxed");
    const values = d.objects.map((o) => (o.detail.kind === "code" ? o.detail.text : ""));
    assert.ok(values.every((v) => /^[1-9][0-9]$/.test(v)), `${values}`);
    assert.equal(new Set(values).size, values.length);
    assert.equal(new Set(d.objects.map((o) => o.box[3])).size, 1, "one baseline");
    for (const o of d.objects) {
      assert.ok(o.box[2] - o.box[0] >= 24 && o.box[2] - o.box[0] <= 32, `bar width ${o.box}`);
      assert.ok(o.box[3] - o.box[1] <= 68, `bar + label ${o.box}`);
      assert.equal(o.detailBox[1] - 2, o.box[1], "the label sits at the top of the box");
    }
    // Bars are left to right in object order, and do not touch.
    d.objects.slice(1).forEach((o, i) => assert.ok(o.box[0] >= d.objects[i]!.box[2]));
  }
});

Deno.test("info: a 2×2, 2×3 or 3×2 grid of equal panels; the named panel's number 1–999 is the answer", () => {
  for (const seed of SEEDS) {
    const d = info(new Rng(seed));
    checkDrawn(d, 256, 256, `info ${seed}`);
    assert.ok([4, 6].includes(d.objects.length));
    const t = d.objects[d.target]!;
    assert.equal(d.qa.question, `what number is in the ${t.colour} panel ?`);
    assert.deepEqual(d.qa.answers, [code(d)]);
    assert.equal(d.qa.metric, "anls");
    assert.match(code(d), /^[1-9][0-9]{0,2}$/);
    const sizes = new Set(d.objects.map((o) => `${o.box[2] - o.box[0]}×${o.box[3] - o.box[1]}`));
    assert.equal(sizes.size, 1, `${[...sizes]}`);
    const [w, h] = [t.box[2] - t.box[0], t.box[3] - t.box[1]];
    assert.ok(w <= 64 && h <= 64 && w >= 40 && h >= 40, `${w}×${h}`);
  }
});

Deno.test("train-covers: 2–5 cards within 72 px, card 0 asked; a quarter of images at DETAIL_SCALE + 1", () => {
  let large = 0;
  const seeds = Array.from({ length: 200 }, (_, i) => 5000 + i);
  for (const seed of seeds) {
    const d = trainCovers(new Rng(seed));
    checkDrawn(d, 256, 256, `train-covers ${seed}`);
    assert.ok(d.objects.length >= 2 && d.objects.length <= 5);
    assert.equal(d.target, 0);
    const scales = new Set(d.objects.map((o) => o.scale));
    assert.equal(scales.size, 1);
    const scale = [...scales][0]!;
    assert.ok(scale === DETAIL_SCALE || scale === DETAIL_SCALE + 1);
    if (scale === DETAIL_SCALE + 1) large++;
    const q = d.qa.question;
    const yesno = /^is there a ([0-9A-Z]) on /.exec(q);
    if (yesno) {
      assert.equal(d.qa.metric, "yesno");
      assert.deepEqual(d.qa.answers, [code(d).includes(yesno[1]!) ? "yes" : "no"], `${seed}: ${q}`);
    } else {
      assert.deepEqual(d.qa.answers, [code(d)], `${seed}: ${q}`);
      assert.match(code(d), /^[0-9A-Z]{1,3}$/);
    }
  }
  // 25 % of 200: a binomial with σ ≈ 6, so 30..70 fails only on a broken draw.
  assert.ok(large >= 30 && large <= 70, `${large} large of 200`);
});

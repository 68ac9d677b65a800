import assert from "node:assert/strict";
import {
  glyph,
  GLYPH_HEIGHT,
  GLYPH_WIDTH,
  GLYPHS,
  isMarkName,
  mark,
  MARK_NAMES,
  MARK_SIZE,
  MARKS,
} from "./font.ts";
import { CODE_CHARS } from "./vocab.ts";

const ink = (rows: readonly string[]) => rows.join("").split("").filter((b) => b === "1").length;
const hamming = (a: readonly string[], b: readonly string[]) => {
  const x = a.join("");
  const y = b.join("");
  let d = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) d++;
  return d;
};

Deno.test("GLYPHS covers exactly the code characters with 5x7 bit rows", () => {
  assert.deepEqual(Object.keys(GLYPHS).sort(), [...CODE_CHARS].sort());
  for (const [ch, rows] of Object.entries(GLYPHS)) {
    assert.equal(rows.length, GLYPH_HEIGHT, ch);
    for (const r of rows) assert.match(r, new RegExp(`^[01]{${GLYPH_WIDTH}}$`), ch);
    assert.ok(ink(rows) >= 7, `glyph "${ch}" has too little ink`);
  }
});

Deno.test("every pair of glyphs differs in at least two pixels (O vs 0, I vs 1 vs T included)", () => {
  const chars = Object.keys(GLYPHS);
  let min = Infinity;
  let pair = "";
  for (let i = 0; i < chars.length; i++) {
    for (let j = i + 1; j < chars.length; j++) {
      const d = hamming(GLYPHS[chars[i]!]!, GLYPHS[chars[j]!]!);
      if (d < min) [min, pair] = [d, chars[i]! + chars[j]!];
    }
  }
  assert.ok(min >= 2, `closest pair "${pair}" differs in ${min} pixel(s)`);
  assert.ok(hamming(glyph("O"), glyph("0")) >= 3);
});

Deno.test("glyph() returns the hand-drawn rows and rejects unknown characters", () => {
  assert.deepEqual(glyph("7"), ["11111", "00001", "00010", "00100", "01000", "01000", "01000"]);
  assert.throws(() => glyph("a"), { message: 'Unknown glyph "a": the font has 0-9 and A-Z' });
  assert.throws(() => glyph("AB"), { message: 'Unknown glyph "AB": the font has 0-9 and A-Z' });
  assert.throws(() => glyph("toString"), { message: 'Unknown glyph "toString": the font has 0-9 and A-Z' });
});

Deno.test("marks are 5x5, pairwise distinct, with similar ink (9-12 pixels)", () => {
  assert.deepEqual(Object.keys(MARKS), [...MARK_NAMES]);
  for (const name of MARK_NAMES) {
    const rows = MARKS[name];
    assert.equal(rows.length, MARK_SIZE);
    for (const r of rows) assert.match(r, /^[01]{5}$/);
    assert.ok(ink(rows) >= 9 && ink(rows) <= 12, `${name} ink ${ink(rows)}`);
  }
  for (let i = 0; i < MARK_NAMES.length; i++) {
    for (let j = i + 1; j < MARK_NAMES.length; j++) {
      assert.ok(hamming(MARKS[MARK_NAMES[i]!], MARKS[MARK_NAMES[j]!]) >= 4);
    }
  }
});

Deno.test("mark() and isMarkName() know exactly the five marks", () => {
  assert.deepEqual(mark("cross"), ["10001", "01010", "00100", "01010", "10001"]);
  assert.throws(() => mark("star"), {
    message: 'Unknown mark "star": expected one of dot, cross, ring, bar, plus',
  });
  assert.equal(isMarkName("ring"), true);
  assert.equal(isMarkName("Ring"), false);
  assert.equal(isMarkName("constructor"), false);
});

import assert from "node:assert/strict";
import { Rng } from "../engine/rng.ts";
import {
  Canvas,
  COLOUR_NAMES,
  COLOURS,
  fillShape,
  inkFor,
  minShapeSize,
  placeInShape,
  type Rgb,
  SHAPES,
  textHeight,
  textWidth,
} from "./raster.ts";

const BG: Rgb = [0, 0, 0];
const FG: Rgb = [255, 255, 255];

/** Canvas → rows of "1" (pixel equals `c`) / "0". */
function mask(canvas: Canvas, c: Rgb = FG): string[] {
  const rows: string[] = [];
  for (let y = 0; y < canvas.height; y++) {
    let r = "";
    for (let x = 0; x < canvas.width; x++) {
      const p = canvas.get(x, y);
      r += p[0] === c[0] && p[1] === c[1] && p[2] === c[2] ? "1" : "0";
    }
    rows.push(r);
  }
  return rows;
}

Deno.test("Canvas starts filled with the background and rejects bad sizes", () => {
  const c = new Canvas(3, 2, [1, 2, 3]);
  assert.deepEqual([...c.data], [1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]);
  assert.throws(() => new Canvas(0, 2, BG), { message: 'Canvas size must be positive integers, got "0x2"' });
  assert.throws(() => new Canvas(2.5, 2, BG), {
    message: 'Canvas size must be positive integers, got "2.5x2"',
  });
});

Deno.test("fillRect clips to the canvas", () => {
  const c = new Canvas(5, 4, BG);
  c.fillRect(-2, -1, 4, 3, FG);
  c.fillRect(4, 3, 10, 10, FG);
  c.fillRect(2, 2, 0, 5, FG);
  assert.deepEqual(mask(c), ["11000", "11000", "00000", "00001"]);
});

Deno.test("strokeRect draws a border of the given thickness, clamped for small rectangles", () => {
  const c = new Canvas(6, 5, BG);
  c.strokeRect(0, 0, 6, 5, 1, FG);
  assert.deepEqual(mask(c), ["111111", "100001", "100001", "100001", "111111"]);
  const d = new Canvas(4, 4, BG);
  d.strokeRect(0, 0, 4, 4, 9, FG);
  assert.deepEqual(mask(d), ["1111", "1111", "1111", "1111"]);
});

Deno.test("fillCircle paints pixels whose centre is within r (hand-computed r = 2 disc)", () => {
  const c = new Canvas(5, 5, BG);
  c.fillCircle(2.5, 2.5, 2, FG);
  assert.deepEqual(mask(c), ["00100", "01110", "11111", "01110", "00100"]);
});

Deno.test("fillTriangle paints centres inside or on an edge, for either winding", () => {
  // Centre (x+.5, y+.5) is inside (0,0),(4,0),(0,4) iff x + y <= 3.
  const expected = ["1111", "1110", "1100", "1000"];
  const a = new Canvas(4, 4, BG);
  a.fillTriangle(0, 0, 4, 0, 0, 4, FG);
  assert.deepEqual(mask(a), expected);
  const b = new Canvas(4, 4, BG);
  b.fillTriangle(0, 0, 0, 4, 4, 0, FG);
  assert.deepEqual(mask(b), expected);
});

Deno.test("drawGlyph scales each font pixel to a block; drawText advances by (5 + spacing) * scale", () => {
  const c = new Canvas(12, 14, BG);
  c.drawGlyph("1", 0, 0, 2, FG);
  const m = mask(c);
  assert.equal(m[0], "000011000000"); // "00100" at scale 2
  assert.equal(m[2], "001111000000"); // "01100"
  assert.equal(m[13], "001111110000"); // "01110"
  const t = new Canvas(11, 7, BG);
  t.drawText("11", 0, 0, 1, FG);
  assert.equal(mask(t)[0], "00100000100");
  const s = new Canvas(13, 7, BG);
  s.drawText("11", 0, 0, 1, FG, 3);
  assert.equal(mask(s)[0], "0010000000100");
  assert.equal(textWidth("ABC", 1), 17);
  assert.equal(textWidth("ABC", 2), 34);
  assert.equal(textWidth("AB", 1, 3), 13);
  assert.equal(textWidth("", 1), 0);
  assert.equal(textHeight(2), 14);
});

Deno.test("drawMark draws the mark bitmap", () => {
  const c = new Canvas(5, 5, BG);
  c.drawMark("plus", 0, 0, 1, FG);
  assert.deepEqual(mask(c), ["00100", "00100", "11111", "00100", "00100"]);
  assert.throws(() => c.drawMark("star", 0, 0, 1, FG), { message: /Unknown mark "star"/ });
});

Deno.test("noise() is seeded, bounded, grey (same offset on all channels), zero-mean and clamped", () => {
  const make = (seed: number) => {
    const c = new Canvas(64, 64, [100, 150, 200]);
    c.noise(new Rng(seed), 5);
    return c;
  };
  const a = make(1);
  assert.deepEqual(a.data, make(1).data);
  assert.notDeepEqual(a.data, make(2).data);
  let sum = 0;
  const seen = new Set<number>();
  for (let p = 0; p < 64 * 64; p++) {
    const d = a.data[p * 3]! - 100;
    assert.ok(d >= -5 && d <= 5);
    assert.equal(a.data[p * 3 + 1]! - 150, d);
    assert.equal(a.data[p * 3 + 2]! - 200, d);
    sum += d;
    seen.add(d);
  }
  assert.equal(seen.size, 11);
  assert.ok(Math.abs(sum / 4096) < 0.3, `mean ${sum / 4096}`);
  const edge = new Canvas(8, 8, [0, 255, 3]);
  edge.noise(new Rng(3), 10);
  for (let p = 0; p < 64; p++) assert.equal(edge.data[p * 3 + 1]! >= 245, true);
  const none = new Canvas(4, 4, [9, 9, 9]);
  none.noise(new Rng(3), 0);
  assert.ok(none.data.every((v) => v === 9));
});

Deno.test("toImage() returns a copy", () => {
  const c = new Canvas(2, 2, [5, 5, 5]);
  const img = c.toImage();
  c.fillRect(0, 0, 2, 2, FG);
  assert.deepEqual([img.width, img.height, img.data[0]], [2, 2, 5]);
});

Deno.test("palette colours are far apart and get legible ink", () => {
  let min = Infinity;
  for (let i = 0; i < COLOUR_NAMES.length; i++) {
    for (let j = i + 1; j < COLOUR_NAMES.length; j++) {
      const a = COLOURS[COLOUR_NAMES[i]!];
      const b = COLOURS[COLOUR_NAMES[j]!];
      min = Math.min(min, Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]));
    }
  }
  assert.ok(min >= 95, `closest palette pair at distance ${min}`);
  assert.deepEqual(inkFor(COLOURS.yellow), [20, 20, 20]);
  assert.deepEqual(inkFor(COLOURS.blue), [255, 255, 255]);
  // Every colour / ink pair differs by at least 100 in some channel.
  for (const name of COLOUR_NAMES) {
    const c = COLOURS[name];
    const k = inkFor(c);
    assert.ok(Math.max(...c.map((v, i) => Math.abs(v - k[i]!))) >= 100, name);
  }
});

Deno.test("placeInShape puts the block inside the shape with its margin, for every shape and size", () => {
  const SURF: Rgb = [10, 200, 10];
  for (const shape of SHAPES) {
    for (const [w, h] of [[5, 7], [11, 7], [17, 7], [22, 14], [13, 5], [26, 10]] as const) {
      const min = minShapeSize(shape, w, h, 3);
      const fits = (s: number) => placeInShape(shape, 0, 0, s, w, h, 3) !== undefined;
      assert.ok(!fits(min - 1) || !fits(min), `${shape} ${w}x${h}: ${min - 1} would do`);
      for (let size = min; size < min + 30; size++) {
        const c = new Canvas(size + 4, size + 4, BG);
        fillShape(c, shape, 2, 2, size, SURF);
        const at = placeInShape(shape, 2, 2, size, w, h, 3);
        if (at === undefined) throw new Error(`${shape} ${w}x${h} does not fit size ${size}`);
        const [ax, ay]: [number, number] = at;
        // The block, widened by the margin sideways and heightened by it vertically, lies on shape
        // pixels only (for the circle the margin is radial, so the grown corners may leave the disc).
        for (let y = ay - 3; y < ay + h + 3; y++) {
          for (let x = ax - 3; x < ax + w + 3; x++) {
            const inRows = y >= ay && y < ay + h;
            const inCols = x >= ax && x < ax + w;
            if (!inRows && !inCols) continue;
            assert.deepEqual(c.get(x, y), SURF, `${shape} size ${size} block ${w}x${h} pixel ${x},${y}`);
          }
        }
      }
    }
  }
});

Deno.test("fillShape fills square, circle and triangle inside their size x size box", () => {
  const c = new Canvas(10, 10, BG);
  fillShape(c, "square", 1, 1, 3, FG);
  assert.deepEqual(mask(c).slice(0, 5), [
    "0000000000",
    "0111000000",
    "0111000000",
    "0111000000",
    "0000000000",
  ]);
  const t = new Canvas(4, 4, BG);
  fillShape(t, "triangle", 0, 0, 4, FG);
  // Apex (2,0), base (0,4)-(4,4): centre row y+.5 spans |x+.5-2| <= (y+.5)/2.
  assert.deepEqual(mask(t), ["0000", "0110", "0110", "1111"]);
});

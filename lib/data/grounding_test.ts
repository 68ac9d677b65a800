import assert from "node:assert/strict";
import { hashSeed } from "../engine/rng.ts";
import { cellCode, cellDistance, GROUNDING_SUITE, groundingSample } from "./grounding.ts";
import { generateTraced } from "./suites.ts";
import { vocabTokens } from "./vocab.ts";

Deno.test("cellCode names the grid cell of the box centre, column letter then row number", () => {
  // 256-px image, 8×8 grid: 32-px cells. Centre (16, 16) → A1; centre (255, 255) → H8; (100, 40) → D2.
  assert.equal(cellCode([0, 0, 32, 32], 256, 8), "A1");
  assert.equal(cellCode([250, 250, 256, 256], 256, 8), "H8");
  assert.equal(cellCode([90, 30, 110, 50], 256, 8), "D2");
  // A centre exactly on a cell edge belongs to the cell on its right / below.
  assert.equal(cellCode([0, 0, 64, 64], 256, 8), "B2");
  // Other grids: 4×4 on 64 px (16-px cells).
  assert.equal(cellCode([40, 0, 60, 10], 64, 4), "D1");
});

Deno.test("grounding samples: vocabulary text, one object named uniquely, the answer is its centre's cell", () => {
  const cells = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const s = groundingSample(i, 0, 8);
    vocabTokens(s.question);
    vocabTokens(s.answer);
    const m = /^which box is the (\w+) (\w+) in \?$/.exec(s.question);
    assert.ok(m, s.question);
    const { objects } = generateTraced(GROUNDING_SUITE, i, hashSeed(0, "grounding"));
    const named = objects.filter((o) => o.colour === m[1] && o.shape === m[2]);
    assert.equal(named.length, 1, `${i}: ${s.question}`);
    assert.deepEqual(named[0]!.box, s.box);
    const [x0, y0, x1, y1] = s.box;
    const col = s.answer.charCodeAt(0) - 65;
    const row = Number(s.answer.slice(1)) - 1;
    assert.ok(col * 32 <= (x0 + x1) / 2 && (x0 + x1) / 2 < col * 32 + 32, `${i}: ${s.answer} ${s.box}`);
    assert.ok(row * 32 <= (y0 + y1) / 2 && (y0 + y1) / 2 < row * 32 + 32, `${i}: ${s.answer} ${s.box}`);
    cells.add(s.answer);
  }
  // Objects land all over the image, not in a few cells.
  assert.ok(cells.size >= 30, `${cells.size} distinct cells`);
});

Deno.test("grounding samples are a function of (seed, index)", () => {
  const a = groundingSample(7, 3, 8);
  const b = groundingSample(7, 3, 8);
  assert.deepEqual([a.question, a.answer, a.box], [b.question, b.answer, b.box]);
  assert.deepEqual(a.image.data, b.image.data);
  const c = groundingSample(7, 4, 8);
  assert.notDeepEqual([c.question, c.answer, c.box], [a.question, a.answer, a.box]);
});

Deno.test("cellDistance: Chebyshev distance in cells; malformed or off-grid answers are never near", () => {
  assert.equal(cellDistance("C5", "C5", 8), 0);
  assert.equal(cellDistance("D4", "C5", 8), 1);
  assert.equal(cellDistance("A1", "H8", 8), 7);
  assert.equal(cellDistance("E5", "C5", 8), 2);
  for (const bad of ["", "C", "5C", "c5", "C0", "I1", "A9", "C5 C5"]) {
    assert.equal(cellDistance(bad, "C5", 8), Infinity, bad);
  }
  assert.throws(() => cellDistance("C5", "Z1", 8), { message: '"Z1" is not a cell code of a 8×8 grid' });
});

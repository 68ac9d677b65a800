import assert from "node:assert/strict";
import { Rng } from "../../engine/rng.ts";
import type { Box } from "../../image/types.ts";
import { MARK_NAMES } from "../font.ts";
import {
  detailSize,
  distinctCodes,
  distinctNumbers,
  letter,
  markOptions,
  pairExcept,
  placeRects,
  placeRectsShrinking,
  weighted,
  withOptions,
} from "./common.ts";

const apart = (a: Box, b: Box, gap: number) =>
  a[2] + gap <= b[0] || b[2] + gap <= a[0] || a[3] + gap <= b[1] || b[3] + gap <= a[1];

Deno.test("placeRects() keeps sizes, margins and gaps, and avoids given boxes", () => {
  const rng = new Rng(1);
  const sizes: [number, number][] = [[60, 40], [36, 36], [50, 50], [20, 30], [45, 25]];
  const avoid: Box[] = [[100, 100, 150, 150]];
  for (let t = 0; t < 50; t++) {
    const boxes = placeRects(rng, 256, 256, sizes, { margin: 5, gap: 7, avoid })!;
    assert.ok(boxes !== undefined);
    boxes.forEach((b, i) => {
      assert.deepEqual([b[2] - b[0], b[3] - b[1]], sizes[i]);
      assert.ok(b[0] >= 5 && b[1] >= 5 && b[2] <= 251 && b[3] <= 251);
      assert.ok(apart(b, avoid[0]!, 7));
      for (let j = i + 1; j < boxes.length; j++) assert.ok(apart(b, boxes[j]!, 7), `${b} vs ${boxes[j]}`);
    });
  }
});

Deno.test("placeRects() gives up on impossible layouts; placeRectsShrinking() never does", () => {
  const rng = new Rng(2);
  assert.equal(placeRects(rng, 100, 100, [[60, 60], [60, 60]]), undefined);
  assert.equal(placeRects(rng, 50, 50, [[60, 10]]), undefined);
  const boxes = placeRectsShrinking(rng, 100, 100, [[60, 60], [60, 60]], [[30, 30], [30, 30]]);
  assert.equal(boxes.length, 2);
  assert.ok(apart(boxes[0]!, boxes[1]!, 0));
  for (const b of boxes) assert.ok(b[2] - b[0] >= 30 && b[3] - b[1] >= 30);
});

Deno.test("distinctCodes() and distinctNumbers() return pairwise different values in range", () => {
  const rng = new Rng(3);
  // "AB" allows 2 + 4 + 8 = 14 codes of length 1-3: all of them, then one too many.
  const codes = distinctCodes(rng, 14, 1, 3, "AB");
  assert.equal(new Set(codes).size, 14);
  assert.throws(() => distinctCodes(rng, 15, 1, 3, "AB"), {
    message: 'Cannot draw "15" distinct codes: only 14 exist',
  });
  assert.throws(() => distinctNumbers(rng, 3, 1, 2), { message: 'Cannot draw "3" distinct numbers in 1..2' });
  assert.ok(codes.every((c) => /^[AB]{1,3}$/.test(c)));
  const nums = distinctNumbers(rng, 90, 10, 99);
  assert.deepEqual(nums.map(Number).sort((a, b) => a - b), Array.from({ length: 90 }, (_, i) => 10 + i));
});

Deno.test("markOptions() puts the correct mark among k options, preferring marks seen elsewhere", () => {
  const rng = new Rng(4);
  for (let t = 0; t < 100; t++) {
    const { options, answer } = markOptions(rng, "ring", ["dot", "dot", "bar", "ring"], 3);
    assert.equal(options.length, 3);
    assert.equal(new Set(options).size, 3);
    assert.equal(options["ABCD".indexOf(answer)], "ring");
    assert.deepEqual([...options].sort(), ["bar", "dot", "ring"]);
  }
  const all = markOptions(rng, "plus", [], 4).options;
  assert.ok(all.includes("plus") && all.every((m) => MARK_NAMES.includes(m)));
});

Deno.test("pairExcept() draws two different marks outside the exclusions when it can", () => {
  const rng = new Rng(5);
  for (let t = 0; t < 100; t++) {
    const p = pairExcept(rng, ["dot", "ring"]);
    assert.ok(p.kind === "pair" && p.left !== p.right);
    assert.ok(p.kind === "pair" && !["dot", "ring"].includes(p.left) && !["dot", "ring"].includes(p.right));
    const q = pairExcept(rng, [...MARK_NAMES]);
    assert.ok(q.kind === "pair" && q.left !== q.right);
  }
});

Deno.test("question helpers: withOptions(), letter(), detailSize(), weighted()", () => {
  assert.equal(
    withOptions("which mark is on the red square ?", ["dot", "bar"]),
    "which mark is on the red square ? ( A ) dot ( B ) bar",
  );
  assert.equal(letter(3), "D");
  assert.throws(() => letter(4), { message: 'No option letter for index "4"' });
  assert.deepEqual(detailSize({ kind: "code", text: "K3" }, 1), [11, 7]);
  assert.deepEqual(detailSize({ kind: "mark", mark: "dot" }, 2), [10, 10]);
  assert.deepEqual(detailSize({ kind: "pair", left: "dot", right: "bar" }, 1), [13, 5]);
  const rng = new Rng(6);
  const counts = { a: 0, b: 0, c: 0 };
  for (let i = 0; i < 4000; i++) counts[weighted(rng, { a: 1, b: 3, c: 0 })]++;
  assert.equal(counts.c, 0);
  assert.ok(Math.abs(counts.b / 4000 - 0.75) < 0.03, JSON.stringify(counts));
});

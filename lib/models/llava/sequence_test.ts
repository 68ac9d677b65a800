import assert from "node:assert/strict";
import { layoutRows } from "./sequence.ts";

const I = 99; // image token id
const px = new Float32Array(0);

Deno.test("layoutRows() puts blocks after the head, right-aligns tails, drops masked RoI tokens from positions", () => {
  const l = layoutRows(
    [1, 2],
    [
      { tail: [5, 6, 7], blocks: [{ pixels: px }, { pixels: px, keep: Uint8Array.from([1, 0, 1, 0]) }] },
      { tail: [8], blocks: [{ pixels: px }, { pixels: px }] },
    ],
    4,
    I,
  );
  assert.equal(l.length, 13);
  assert.equal(l.imageStart, 2);
  assert.equal(l.promptEnd, 12);
  assert.deepEqual(Array.from(l.valid), [
    ...[1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1, 1],
    ...[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1],
  ]);
  // Invalid slots take the next valid token's position: valid slots are numbered 0, 1, 2, … in order.
  assert.deepEqual(Array.from(l.positions), [
    ...[0, 1, 2, 3, 4, 5, 6, 7, 7, 8, 8, 9, 10],
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10],
  ]);
  assert.deepEqual(l.ids, [[1, 2, I, I, I, I, I, I, 5, 6, 7], [1, 2, I, I, I, I, I, I, I, I, 8]]);
  assert.deepEqual(Array.from(l.slots[0]!), [0, 1, 2, 3, 4, 5, 6, 8, 10, 11, 12]);
  assert.deepEqual(l.kept, [[[0, 1, 2, 3], [0, 2]], [[0, 1, 2, 3], [0, 1, 2, 3]]]);
  assert.deepEqual(l.promptEndCompact, [10, 10]);
});

Deno.test("layoutRows() places answers right after the last prompt token, padded on the right", () => {
  const l = layoutRows(
    [1],
    [
      { tail: [5, 6], blocks: [{ pixels: px }], answer: [20] },
      { tail: [7], blocks: [{ pixels: px }], answer: [21, 22] },
    ],
    2,
    I,
  );
  assert.equal(l.promptEnd, 4);
  assert.equal(l.length, 7);
  assert.deepEqual(l.ids, [[1, I, I, 5, 6, 20], [1, I, I, 7, 21, 22]]);
  assert.deepEqual(Array.from(l.slots[0]!), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(Array.from(l.slots[1]!), [0, 1, 2, 4, 5, 6]);
  assert.deepEqual(l.promptEndCompact, [4, 3]);
});

Deno.test("layoutRows() rejects mixed block counts, a masked image block and a keep-mask of the wrong size", () => {
  assert.throws(
    () =>
      layoutRows(
        [1],
        [{ tail: [5], blocks: [{ pixels: px }] }, { tail: [5], blocks: [{ pixels: px }, { pixels: px }] }],
        2,
        I,
      ),
    { message: 'Cannot batch items with "2" and "1" visual blocks together' },
  );
  assert.throws(
    () => layoutRows([1], [{ tail: [5], blocks: [{ pixels: px, keep: Uint8Array.from([1, 1]) }] }], 2, I),
    {
      message: "The image block (block 0) cannot have a keep-mask",
    },
  );
  assert.throws(
    () =>
      layoutRows(
        [1],
        [{ tail: [5], blocks: [{ pixels: px }, { pixels: px, keep: Uint8Array.from([1]) }] }],
        2,
        I,
      ),
    { message: 'Visual block 1 has a keep-mask of length "1", expected 2' },
  );
  assert.throws(() => layoutRows([1], [], 2, I), { message: "Cannot lay out an empty batch" });
  assert.throws(() => layoutRows([1], [{ tail: [5], blocks: [] }], 2, I), {
    message: "Cannot build a sequence without the image block",
  });
});

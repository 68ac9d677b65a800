import assert from "node:assert/strict";
import { gridOf } from "./config.ts";
import { buildSequences, patchify, SYSTEM_LENGTH } from "./sequence.ts";
import { someItems, tinyModel } from "./test_helpers.ts";

const { config, tokenizer } = tinyModel();
const N = gridOf(config).tokens; // 16

Deno.test("buildSequences() lays out system, image, RoI blocks, question and answer", () => {
  const seq = buildSequences(tokenizer, config, someItems(tokenizer, 16, 2));
  assert.deepEqual(seq.visualStarts, [SYSTEM_LENGTH, SYSTEM_LENGTH + N + 1]);
  const row0 = Array.from(seq.ids.slice(0, seq.length), (i) => tokenizer.vocab[i]);
  assert.deepEqual(row0.slice(0, 4), ["<bos>", "<sys1>", "<sys2>", "<sys3>"]);
  assert.equal(row0[SYSTEM_LENGTH + N], "<crop>");
  assert.equal(row0[seq.promptEnd], "<a>");
  // Row 0 answers "K3": <a> predicts K, K predicts 3, 3 predicts <eos>.
  const t = seq.promptEnd;
  assert.deepEqual([seq.targets[t], seq.targets[t + 1], seq.targets[t + 2]].map((i) => tokenizer.vocab[i!]), [
    "K",
    "3",
    "<eos>",
  ]);
  assert.equal(seq.targets[t - 1], -1);
});

Deno.test("buildSequences() pads short questions on the left of <q> and skips pads in positions", () => {
  const seq = buildSequences(tokenizer, config, someItems(tokenizer, 16, 1, false));
  assert.equal(seq.length, seq.promptEnd + 1);
  for (let b = 0; b < seq.batch; b++) {
    const row = b * seq.length;
    assert.equal(tokenizer.vocab[seq.ids[row + seq.promptEnd]!], "<a>");
    let valid = 0;
    for (let t = 0; t < seq.length; t++) {
      assert.equal(seq.positions[row + t], valid);
      if (seq.valid[row + t]) valid++;
    }
    // Every row has the same number of real tokens before <a> as its own template requires.
    const q = someItems(tokenizer, 16, 1)[b]!.question.length;
    assert.equal(seq.positions[row + seq.promptEnd], SYSTEM_LENGTH + N + 1 + q);
  }
});

Deno.test("buildSequences() marks tokens dropped by a keep-mask as invalid", () => {
  const items = someItems(tokenizer, 16, 2);
  const keep = new Uint8Array(N);
  keep[3] = 1;
  keep[5] = 1;
  items[0]!.blocks[1]!.keep = keep;
  const seq = buildSequences(tokenizer, config, items);
  const start = seq.visualStarts[1]!;
  const kept = Array.from(seq.valid.slice(start, start + N)).reduce((a, b) => a + b, 0);
  assert.equal(kept, 2);
  assert.equal(seq.positions[start + 5]! - seq.positions[start + 3]!, 1);
});

Deno.test("buildSequences() with dropMasked holds only kept RoI tokens, padded to the batch's longest", () => {
  const items = someItems(tokenizer, 16, 2, false);
  const keepOf = (js: number[]) => Uint8Array.from({ length: N }, (_, j) => (js.includes(j) ? 1 : 0));
  items[0]!.blocks[1]!.keep = keepOf([3, 5, 9]);
  items[1]!.blocks[1]!.keep = keepOf([0, 15]);
  items[2]!.blocks[1]!.keep = keepOf([7, 8, 10]);
  const masked = buildSequences(tokenizer, config, items);
  const seq = buildSequences(tokenizer, config, items, { dropMasked: true });
  assert.deepEqual(seq.blockLengths, [N, 3]);
  assert.deepEqual(seq.visualStarts, [SYSTEM_LENGTH, SYSTEM_LENGTH + N + 1]);
  assert.equal(seq.length, masked.length - (N - 3));
  assert.equal(seq.visualGather[0], null);
  assert.deepEqual(Array.from(seq.visualGather[1]!), [3, 5, 9, 0, 15, 0, 7, 8, 10]);
  const start = seq.visualStarts[1]!;
  // Row 1 keeps two tokens: its third slot is padding.
  assert.deepEqual(Array.from(seq.valid.slice(seq.length + start, seq.length + start + 3)), [1, 1, 0]);
  // Every valid token keeps the id and rotary position it has when masked in place, in the same order.
  for (let b = 0; b < 3; b++) {
    const pick = (s: typeof seq) => {
      const out: [number, number][] = [];
      for (let t = 0; t < s.length; t++) {
        if (s.valid[b * s.length + t]) out.push([s.ids[b * s.length + t]!, s.positions[b * s.length + t]!]);
      }
      return out;
    };
    assert.deepEqual(pick(seq), pick(masked));
  }
});

Deno.test("buildSequences() with dropMasked keeps unmasked blocks whole and never shortens the image block", () => {
  const items = someItems(tokenizer, 16, 2, false);
  items[0]!.blocks[0]!.keep = new Uint8Array(N).fill(1);
  items[1]!.blocks[1]!.keep = Uint8Array.from({ length: N }, (_, j) => (j < 4 ? 1 : 0));
  const seq = buildSequences(tokenizer, config, items, { dropMasked: true });
  assert.deepEqual(seq.blockLengths, [N, N]); // rows 0 and 2 keep every RoI token
  assert.deepEqual(seq.visualGather[0], null);
  const g = seq.visualGather[1]!;
  assert.deepEqual(Array.from(g.slice(0, N)), Array.from({ length: N }, (_, i) => i));
  assert.deepEqual(Array.from(g.slice(N, N + 5)), [0, 1, 2, 3, 0]);
  assert.throws(
    () =>
      buildSequences(tokenizer, config, [{
        ...items[0]!,
        blocks: [items[0]!.blocks[0]!, { pixels: items[0]!.blocks[1]!.pixels, keep: new Uint8Array(3) }],
      }], {
        dropMasked: true,
      }),
    { message: `Visual block 1 has a keep-mask of length "3", expected ${N}` },
  );
});

Deno.test("buildSequences() rejects items with different numbers of blocks", () => {
  const items = [...someItems(tokenizer, 16, 1), ...someItems(tokenizer, 16, 2)];
  assert.throws(() => buildSequences(tokenizer, config, items), {
    message: 'Cannot batch items with "2" and "1" visual blocks together',
  });
});

Deno.test("patchify() standardises the image and orders patches and pixels row-major", () => {
  // 4×4 image, 2×2 patches, one value per pixel repeated over the channels: v = pixel index.
  const px = new Float32Array(4 * 4 * 3);
  for (let i = 0; i < 16; i++) px.fill(i, i * 3, i * 3 + 3);
  const std = Math.sqrt(21.25 + 1e-4); // mean 7.5; mean squared deviation of 0..15 is 21.25
  const z = (v: number) => +((v - 7.5) / std).toFixed(5);
  const p = patchify(px, 4, 2);
  const firstChannel = (k: number) => Array.from({ length: 4 }, (_, j) => +p[k * 12 + j * 3]!.toFixed(5));
  assert.deepEqual(firstChannel(0), [0, 1, 4, 5].map(z));
  assert.deepEqual(firstChannel(1), [2, 3, 6, 7].map(z));
  assert.deepEqual(firstChannel(2), [8, 9, 12, 13].map(z));
});

Deno.test("patchify() with a larger window centres it on the patch and zero-pads outside the image", () => {
  const px = new Float32Array(4 * 4 * 3);
  for (let i = 0; i < 16; i++) px.fill(i, i * 3, i * 3 + 3);
  const std = Math.sqrt(21.25 + 1e-4);
  const z = (v: number) => +((v - 7.5) / std).toFixed(5);
  const p = patchify(px, 4, 2, 4); // window 4: one pixel of context on every side
  const per = 4 * 4 * 3;
  const token0 = Array.from({ length: 16 }, (_, j) => +p[j * 3]!.toFixed(5));
  // Rows −1..2, cols −1..2 of the image: the first row and column are padding (0).
  assert.deepEqual(token0, [0, 0, 0, 0, 0, z(0), z(1), z(2), 0, z(4), z(5), z(6), 0, z(8), z(9), z(10)]);
  assert.equal(p.length, 4 * per);
});

Deno.test("buildSequences() lays out a text-only drill only when asked to", () => {
  const item = {
    question: tokenizer.encode("ring which mark is on the red circle ?"),
    answer: tokenizer.encode("A"),
    blocks: [],
  };
  assert.throws(() => buildSequences(tokenizer, config, [item]), {
    message: "Cannot build a sequence without the image block",
  });
  const seq = buildSequences(tokenizer, config, [item], { textOnly: true });
  assert.deepEqual(seq.visualStarts, []);
  assert.deepEqual(seq.patches, []);
  // <bos> <sys1..3> <q> question(9) <a> A <eos>
  assert.equal(seq.length, SYSTEM_LENGTH + 1 + 9 + 1 + 2);
  assert.equal(seq.promptEnd, SYSTEM_LENGTH + 1 + 9);
  assert.equal(seq.ids[SYSTEM_LENGTH], tokenizer.special("<q>"));
  assert.equal(seq.targets[seq.promptEnd], tokenizer.encode("A")[0]);
});

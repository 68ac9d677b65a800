import assert from "node:assert/strict";
import { hashSeed, Rng } from "./rng.ts";

// Golden values from an independent Python implementation of splitmix32 seeding, the reference sfc32
// step (PractRand: rshift 9, lshift 3, barrel 21) with 12 discarded draws, and 32-bit FNV-1a.

Deno.test("Rng draws the reference sfc32 stream of a splitmix32-seeded state", () => {
  const draws = (seed: number) => {
    const rng = new Rng(seed);
    return [rng.uint32(), rng.uint32(), rng.uint32(), rng.uint32()];
  };
  assert.deepEqual(draws(0), [4205396811, 3543653536, 1222415357, 3047368389]);
  assert.deepEqual(draws(1), [1828152527, 3394835397, 2967886022, 2251045104]);
  assert.deepEqual(draws(42), [1028872839, 2516511472, 400437680, 853279530]);
  // Seeds are taken as unsigned 32-bit: -1 is 2^32 − 1.
  assert.deepEqual(draws(0xffffffff), [1413747962, 91561161, 3282502067, 2190738929]);
  assert.deepEqual(draws(-1), draws(0xffffffff));
});

Deno.test("hashSeed() is FNV-1a over the label, started from the offset basis xor the seed", () => {
  assert.equal(hashSeed(0, ""), 0x811c9dc5);
  assert.equal(hashSeed(0, "ci"), 1613340897);
  assert.equal(hashSeed(7, "random-window/doc-0"), 2656266924);
});

Deno.test("fork() is a new generator seeded by hashSeed(seed, label), whatever was drawn before", () => {
  const rng = new Rng(0);
  rng.uint32();
  const fork = rng.fork("ci");
  assert.equal(fork.seed, 1613340897);
  assert.deepEqual([fork.uint32(), fork.uint32(), fork.uint32()], [3157061750, 4277970006, 999798300]);
  assert.equal(new Rng(3).fork(5).seed, hashSeed(3, "5"));
});

Deno.test("next(), int() and shuffle() map the uint32 stream as documented", () => {
  assert.equal(new Rng(5).next(), 0.6586896376684308);
  const rng = new Rng(5);
  assert.deepEqual(Array.from({ length: 6 }, () => rng.int(10)), [6, 6, 8, 8, 3, 6]);
  // Fisher–Yates from the last index down, j = int(i + 1).
  assert.deepEqual(new Rng(3).shuffle([0, 1, 2, 3, 4, 5]), [1, 4, 0, 5, 3, 2]);
  const items = [1, 2, 3];
  new Rng(3).shuffle(items);
  assert.deepEqual(items, [1, 2, 3]);
});

Deno.test("range(), uniform(), pick() and sample() stay inside their bounds", () => {
  const rng = new Rng(11);
  for (let i = 0; i < 200; i++) {
    const r = rng.range(-2, 2);
    assert.ok(Number.isInteger(r) && r >= -2 && r <= 2, `range ${r}`);
    const u = rng.uniform(3, 4);
    assert.ok(u >= 3 && u < 4, `uniform ${u}`);
  }
  assert.equal(rng.range(7, 7), 7);
  assert.equal(rng.pick(["only"]), "only");
  const drawn = new Rng(2).sample([1, 2, 3, 4, 5], 5);
  assert.deepEqual([...drawn].sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual(new Rng(2).sample([1, 2, 3], 0), []);
});

Deno.test("chance() and normal() have the expected frequencies over many draws", () => {
  const rng = new Rng(9);
  let hits = 0;
  let sum = 0;
  let squares = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.25)) hits++;
    const z = rng.normal();
    sum += z;
    squares += z * z;
  }
  assert.ok(Math.abs(hits / n - 0.25) < 0.015, `chance ${hits / n}`);
  assert.ok(Math.abs(sum / n) < 0.03, `mean ${sum / n}`);
  assert.ok(Math.abs(squares / n - 1) < 0.05, `variance ${squares / n}`);
  assert.equal(new Rng(1).chance(0), false);
  assert.equal(new Rng(1).chance(1), true);
});

Deno.test("Rng rejects draws it cannot make, naming the value", () => {
  const rng = new Rng(0);
  assert.throws(() => rng.int(0), { message: 'Rng.int() needs a positive integer, got "0"' });
  assert.throws(() => rng.int(2.5), { message: 'Rng.int() needs a positive integer, got "2.5"' });
  assert.throws(() => rng.pick([]), { message: "Rng.pick() needs a non-empty array" });
  assert.throws(() => rng.sample([1, 2], 3), { message: 'Rng.sample() cannot draw "3" of 2 items' });
});

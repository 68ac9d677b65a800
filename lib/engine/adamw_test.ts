import assert from "node:assert/strict";
import { AdamW, cosineLr } from "./adamw.ts";

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) < tol, `${a} vs ${b}`);

Deno.test("AdamW first step matches the hand-computed update", () => {
  // m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; bias-corrected 0.5 and 0.25 → step lr·0.5/0.5 = lr.
  const p = { w: new Float32Array([1]) };
  const opt = new AdamW(p, { beta1: 0.9, beta2: 0.999, eps: 1e-8 });
  opt.apply({ w: new Float32Array([0.5]) }, 0.1);
  close(p.w[0]!, 0.9);
  close(opt.m.w![0]!, 0.05);
  close(opt.v.w![0]!, 0.00025);
});

Deno.test("AdamW decays weights decoupled from the gradient", () => {
  // p·(1 − lr·wd) − lr = 1·(1 − 0.01) − 0.1 = 0.89
  const p = { w: new Float32Array([1]) };
  new AdamW(p, { weightDecay: 0.1 }).apply({ w: new Float32Array([0.5]) }, 0.1);
  close(p.w[0]!, 0.89);
});

Deno.test("AdamW clips the global gradient norm and reports it before clipping", () => {
  const p = { a: new Float32Array([0]), b: new Float32Array([0]) };
  const opt = new AdamW(p, { clipNorm: 1 });
  const norm = opt.apply({ a: new Float32Array([3]), b: new Float32Array([4]) }, 0.1);
  assert.equal(norm, 5);
  close(opt.m.a![0]!, 0.1 * 0.6);
  close(opt.m.b![0]!, 0.1 * 0.8);
});

Deno.test("AdamW refuses a non-finite gradient and leaves the parameters untouched", () => {
  const p = { w: new Float32Array([1]) };
  const opt = new AdamW(p);
  assert.throws(() => opt.apply({ w: new Float32Array([NaN]) }, 0.1), {
    message: 'Gradient norm is "NaN": training diverged (NaN or Inf loss)',
  });
  assert.equal(p.w[0], 1);
  assert.equal(opt.step, 0);
});

Deno.test("AdamW state round-trips: a restored optimiser continues identically", () => {
  const grads = [0.3, -0.2, 0.7, 0.1].map((g) => ({ w: new Float32Array([g, -g]) }));
  const a = { w: new Float32Array([1, 2]) };
  const optA = new AdamW(a, { weightDecay: 0.01 });
  for (const g of grads) optA.apply(g, 0.05);
  const b = { w: new Float32Array([1, 2]) };
  const optB = new AdamW(b, { weightDecay: 0.01 });
  for (const g of grads.slice(0, 2)) optB.apply(g, 0.05);
  const c = { w: b.w.slice() };
  const optC = new AdamW(c, { weightDecay: 0.01 });
  optC.setState(optB.getState());
  for (const g of grads.slice(2)) optC.apply(g, 0.05);
  assert.deepEqual(c.w, a.w);
});

Deno.test("cosineLr() warms up linearly then decays to the floor", () => {
  close(cosineLr(0, 100, 1, 10), 0.1);
  close(cosineLr(9, 100, 1, 10), 1);
  close(cosineLr(10, 100, 1, 10), 1);
  close(cosineLr(55, 100, 1, 10), 0.5);
  close(cosineLr(100, 100, 1, 10, 0.1), 0.1);
});

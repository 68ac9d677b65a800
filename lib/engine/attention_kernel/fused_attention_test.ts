import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { attend, causalBias, causalBiasFrom } from "../attention.ts";
import { initBackend } from "../backend.ts";
import { Rng } from "../rng.ts";
import { fusedAttention } from "./fused_attention.ts";

await initBackend("wasm");

/** Relative tolerance (max |got − want| over max |want|) against the model's tfjs attention. */
const TOL = 1e-5;

function normal(rng: Rng, shape: [number, number, number]): tf.Tensor3D {
  const n = shape[0] * shape[1] * shape[2];
  return tf.tensor3d(Float32Array.from({ length: n }, () => rng.normal()), shape);
}

function relErr(got: tf.Tensor, want: tf.Tensor): number {
  const g = got.dataSync(), w = want.dataSync();
  assert.deepEqual(got.shape, want.shape);
  let diff = 0, scale = 0;
  for (let i = 0; i < w.length; i++) {
    diff = Math.max(diff, Math.abs(g[i]! - w[i]!));
    scale = Math.max(scale, Math.abs(w[i]!));
  }
  return diff / scale;
}

interface Case {
  name: string;
  batch: number;
  heads: number;
  tq: number;
  tk: number;
  dh: number;
  /** The model's additive bias for this case, [B, 1, Tq, Tk] (null: no mask). */
  bias: (valid: Uint8Array) => tf.Tensor4D | null;
  causal: boolean;
}

/** The decode step's bias (lib/models/tiny/forward.ts decodeStep): valid keys only, one query. */
function decodeBias(valid: Uint8Array, batch: number, tk: number): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(valid, (x) => (x ? 0 : -1e9)), [batch, 1, 1, tk]);
}

const CASES: Case[] = [
  {
    name: "causal T 9, dh 16",
    batch: 2,
    heads: 2,
    tq: 9,
    tk: 9,
    dh: 16,
    causal: true,
    bias: (valid) => causalBias(valid, 2, 9),
  },
  {
    name: "causal T 37, dh 32",
    batch: 3,
    heads: 4,
    tq: 37,
    tk: 37,
    dh: 32,
    causal: true,
    bias: (valid) => causalBias(valid, 3, 37),
  },
  {
    name: "causal T 150, dh 16 (the model's shape, two rows)",
    batch: 2,
    heads: 2,
    tq: 150,
    tk: 150,
    dh: 16,
    causal: true,
    bias: (valid) => causalBias(valid, 2, 150),
  },
  {
    name: "prefix reuse: queries 12..22 of 23, dh 64",
    batch: 2,
    heads: 2,
    tq: 11,
    tk: 23,
    dh: 64,
    causal: true,
    bias: (valid) => causalBiasFrom(valid, 2, 23, 12),
  },
  {
    name: "decode step: Tq 1, Tk 31, dh 32",
    batch: 3,
    heads: 2,
    tq: 1,
    tk: 31,
    dh: 32,
    causal: true,
    bias: (valid) => decodeBias(valid, 3, 31),
  },
  {
    name: "vision tower: bidirectional, no mask, T 13, dh 16",
    batch: 2,
    heads: 3,
    tq: 13,
    tk: 13,
    dh: 16,
    causal: false,
    bias: () => null,
  },
];

for (const c of CASES) {
  Deno.test(`fusedAttention() matches the model's attend() and its gradients: ${c.name}`, () => {
    const rng = new Rng(11);
    const bh = c.batch * c.heads;
    const q = normal(rng, [bh, c.tq, c.dh]),
      k = normal(rng, [bh, c.tk, c.dh]),
      v = normal(rng, [bh, c.tk, c.dh]);
    const dy = normal(rng, [bh, c.tq, c.dh]);
    // Key 0 (the <bos>) is always valid, as in the model; about a fifth of the others are padding.
    const valid = Uint8Array.from(
      { length: c.batch * c.tk },
      (_, i) => i % c.tk === 0 || rng.uniform(0, 1) > 0.2 ? 1 : 0,
    );
    const bias = c.bias(valid);
    const keyValid = bias === null ? undefined : valid;
    const options = { heads: c.heads, causal: c.causal, keyValid };

    const reference = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
      attend(
        a as tf.Tensor3D,
        tf.transpose(b, [0, 2, 1]) as tf.Tensor3D,
        d as tf.Tensor3D,
        bias,
        c.batch,
        c.heads,
      );
    const want = reference(q, k, v);
    const got = fusedAttention(q, k, v, { ...options, probs: true });
    assert.ok(relErr(got.out, want.out) < TOL, `out: ${relErr(got.out, want.out)}`);
    assert.ok(relErr(got.probs!, want.probs) < TOL, `probs: ${relErr(got.probs!, want.probs)}`);

    const loss =
      (f: (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.Tensor) =>
      (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => tf.sum(tf.mul(f(a, b, d), dy));
    const wantGrads = tf.grads(loss((a, b, d) => reference(a, b, d).out))([q, k, v]);
    const gotGrads = tf.grads(
      loss((a, b, d) => fusedAttention(a as tf.Tensor3D, b as tf.Tensor3D, d as tf.Tensor3D, options).out),
    )([q, k, v]);
    ["dq", "dk", "dv"].forEach((name, i) => {
      const e = relErr(gotGrads[i]!, wantGrads[i]!);
      assert.ok(e < TOL, `${name}: ${e}`);
    });
  });
}

Deno.test("fusedAttention() gradients match a plain tf softmax attention under tf.grads", () => {
  const rng = new Rng(12);
  const [batch, heads, t, dh] = [2, 2, 17, 16];
  const q = normal(rng, [batch * heads, t, dh]), k = normal(rng, [batch * heads, t, dh]);
  const v = normal(rng, [batch * heads, t, dh]);
  // Causal mask without padding, written directly: bandPart keeps the lower triangle.
  const keep = tf.linalg.bandPart(tf.ones([t, t]), -1, 0);
  const plain = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
    const scores = tf.add(
      tf.mul(tf.matMul(a, b, false, true), 1 / Math.sqrt(dh)),
      tf.mul(tf.sub(1, keep), -1e9),
    );
    return tf.matMul(tf.softmax(scores), d);
  };
  const fused = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
    fusedAttention(a as tf.Tensor3D, b as tf.Tensor3D, d as tf.Tensor3D, { heads, causal: true }).out;
  // A non-linear loss, so the gradient check does not rest on a linear functional of the output.
  const loss = (f: typeof plain) => (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) =>
    tf.sum(tf.square(f(a, b, d)));
  const want = tf.grads(loss(plain))([q, k, v]);
  const got = tf.grads(loss(fused))([q, k, v]);
  ["dq", "dk", "dv"].forEach((name, i) => assert.ok(relErr(got[i]!, want[i]!) < TOL, name));
});

Deno.test("fusedAttention() gradient agrees with central finite differences of the loss", () => {
  const rng = new Rng(13);
  const shape: [number, number, number] = [2, 5, 4];
  const [q, k, v] = [normal(rng, shape), normal(rng, shape), normal(rng, shape)];
  const loss = (a: tf.Tensor) =>
    tf.sum(tf.square(fusedAttention(a as tf.Tensor3D, k, v, { heads: 1, causal: true }).out));
  const [dq] = tf.grads(loss)([q]);
  const qData = q.dataSync().slice();
  const eps = 1e-2;
  for (const index of [0, 7, 21, 39]) {
    const bump = (delta: number) => {
      const x = qData.slice();
      x[index]! += delta;
      return loss(tf.tensor3d(x, shape)).dataSync()[0]!;
    };
    const numeric = (bump(eps) - bump(-eps)) / (2 * eps);
    const analytic = dq!.dataSync()[index]!;
    assert.ok(Math.abs(numeric - analytic) < 2e-3 * Math.max(1, Math.abs(analytic)), `q[${index}]`);
  }
});

Deno.test("fusedAttention() defaults the query offset to Tk − Tq and does not change its inputs", () => {
  const rng = new Rng(14);
  const q = normal(rng, [2, 3, 8]), k = normal(rng, [2, 7, 8]), v = normal(rng, [2, 7, 8]);
  const before = [q, k, v].map((t) => t.dataSync().slice());
  const byDefault = fusedAttention(q, k, v, { heads: 2, causal: true, probs: true });
  const explicit = fusedAttention(q, k, v, { heads: 2, causal: true, queryOffset: 4, probs: true });
  assert.deepEqual(byDefault.probs!.dataSync(), explicit.probs!.dataSync());
  // Query 0 sits at position 4: keys 5 and 6 are in its future.
  const p = byDefault.probs!.arraySync()[0]![0]![0]!;
  assert.deepEqual([p[5], p[6]], [0, 0]);
  assert.equal(byDefault.probs!.shape.join(","), "1,2,3,7");
  [q, k, v].forEach((t, i) => assert.deepEqual(t.dataSync(), before[i]));
});

Deno.test("fusedAttention() rejects mismatched shapes and options", () => {
  const q = tf.zeros([4, 3, 8]) as tf.Tensor3D, k = tf.zeros([4, 5, 8]) as tf.Tensor3D;
  assert.throws(() => fusedAttention(q, k, tf.zeros([4, 5, 6]) as tf.Tensor3D, { heads: 2 }), {
    message: 'Cannot apply fusedAttention(): q "[4,3,8]", k "[4,5,8]", v "[4,5,6]", ' +
      "expected q [B·H, Tq, dh], k and v [B·H, Tk, dh]",
  });
  assert.throws(() => fusedAttention(q, k, k, { heads: 3 }), {
    message: 'Cannot apply fusedAttention(): heads is "3", expected a positive divisor of B·H = 4',
  });
  assert.throws(() => fusedAttention(q, k, k, { heads: 2, keyValid: new Uint8Array(5) }), {
    message: "Cannot apply fusedAttention(): keyValid has 5 values, expected [2, 5]",
  });
  assert.throws(() => fusedAttention(q, k, k, { heads: 2, queryOffset: 1.5 }), {
    message: 'Cannot apply fusedAttention(): queryOffset is "1.5", expected an integer',
  });
});

import assert from "node:assert/strict";
import { Rng } from "../rng.ts";
import { attentionBackward, type AttentionDims, attentionForward } from "./kernel.ts";

/**
 * Float64 reference of attention and its gradients, written from the definitions: scores get an additive
 * −1e9 for masked keys, rounded to float32 as the model's tfjs path does (so a row with no visible key is
 * uniform over all keys), then softmax, P·V, and dS = P ∘ (dP − Σ P ∘ dP).
 */
function reference(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  valid: Uint8Array | null,
  dout: Float32Array,
  d: AttentionDims,
) {
  const { bh, heads, tq, tk, dh } = d;
  const out = new Float64Array(bh * tq * dh), probs = new Float64Array(bh * tq * tk);
  const dq = new Float64Array(bh * tq * dh), dk = new Float64Array(bh * tk * dh);
  const dv = new Float64Array(bh * tk * dh);
  for (let h = 0; h < bh; h++) {
    const b = Math.floor(h / heads);
    for (let i = 0; i < tq; i++) {
      const qi = (h * tq + i) * dh, pi = (h * tq + i) * tk;
      const s = new Float64Array(tk);
      for (let j = 0; j < tk; j++) {
        let a = 0;
        for (let c = 0; c < dh; c++) a += q[qi + c]! * k[(h * tk + j) * dh + c]!;
        a *= d.scale;
        const seen = (!d.causal || j <= d.offset + i) && (valid === null || valid[b * tk + j] === 1);
        s[j] = seen ? a : Math.fround(Math.fround(a) - 1e9);
      }
      const max = Math.max(...s);
      let z = 0;
      for (let j = 0; j < tk; j++) z += Math.exp(s[j]! - max);
      for (let j = 0; j < tk; j++) probs[pi + j] = Math.exp(s[j]! - max) / z;
      for (let c = 0; c < dh; c++) {
        for (let j = 0; j < tk; j++) out[qi + c]! += probs[pi + j]! * v[(h * tk + j) * dh + c]!;
      }
      const dp = new Float64Array(tk);
      let rowDot = 0;
      for (let j = 0; j < tk; j++) {
        for (let c = 0; c < dh; c++) dp[j]! += dout[qi + c]! * v[(h * tk + j) * dh + c]!;
        rowDot += dp[j]! * probs[pi + j]!;
      }
      for (let j = 0; j < tk; j++) {
        const p = probs[pi + j]!, ds = p * (dp[j]! - rowDot) * d.scale;
        for (let c = 0; c < dh; c++) {
          const kj = (h * tk + j) * dh + c;
          dq[qi + c]! += ds * k[kj]!;
          dk[kj]! += ds * q[qi + c]!;
          dv[kj]! += p * dout[qi + c]!;
        }
      }
    }
  }
  return { out, probs, dq, dk, dv };
}

/** max |got − want| / max |want|: error relative to the tensor's scale. */
function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let diff = 0, scale = 0;
  for (let i = 0; i < want.length; i++) {
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
    scale = Math.max(scale, Math.abs(want[i]!));
  }
  return diff / scale;
}

function normal(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

interface Case {
  name: string;
  dims: Omit<AttentionDims, "scale">;
  /** Fraction of keys marked invalid (never key 0 unless `noKeyZero`). */
  invalid: number;
  noKeyZero?: boolean;
}

const CASES: Case[] = [
  {
    name: "causal self-attention, dh 16",
    dims: { bh: 4, heads: 2, tq: 9, tk: 9, dh: 16, causal: true, offset: 0 },
    invalid: 0.3,
  },
  {
    name: "odd length 13 and dh 8",
    dims: { bh: 6, heads: 3, tq: 13, tk: 13, dh: 8, causal: true, offset: 0 },
    invalid: 0,
  },
  {
    name: "decode step (Tq 1, Tk 11), dh 32",
    dims: { bh: 4, heads: 2, tq: 1, tk: 11, dh: 32, causal: true, offset: 10 },
    invalid: 0.3,
  },
  {
    name: "prefix reuse (Tq 5, Tk 19), dh 20",
    dims: { bh: 2, heads: 1, tq: 5, tk: 19, dh: 20, causal: true, offset: 14 },
    invalid: 0.2,
  },
  {
    name: "bidirectional, dh 64",
    dims: { bh: 4, heads: 2, tq: 7, tk: 10, dh: 64, causal: false, offset: 0 },
    invalid: 0.3,
  },
  {
    name: "model shape T 150, dh 16",
    dims: { bh: 4, heads: 2, tq: 150, tk: 150, dh: 16, causal: true, offset: 0 },
    invalid: 0.1,
  },
  {
    name: "rows with no visible key, dh 3",
    dims: { bh: 2, heads: 2, tq: 6, tk: 6, dh: 3, causal: true, offset: -2 },
    invalid: 0.5,
    noKeyZero: true,
  },
];

for (const c of CASES) {
  Deno.test(`attention kernel matches a float64 reference: ${c.name}`, () => {
    const rng = new Rng(7);
    const d: AttentionDims = { ...c.dims, scale: 1 / Math.sqrt(c.dims.dh) };
    const { bh, heads, tq, tk, dh } = d;
    const q = normal(rng, bh * tq * dh), k = normal(rng, bh * tk * dh), v = normal(rng, bh * tk * dh);
    const dout = normal(rng, bh * tq * dh);
    const valid = Uint8Array.from(
      { length: (bh / heads) * tk },
      (_, i) => i % tk === 0 && !c.noKeyZero ? 1 : rng.uniform(0, 1) < c.invalid ? 0 : 1,
    );
    const fwd = attentionForward(q, k, v, valid, d);
    const grads = attentionBackward(q, k, v, valid, fwd.probs, dout, d);
    const want = reference(q, k, v, valid, dout, d);
    for (
      const [name, got, ref] of [
        ["out", fwd.out, want.out],
        ["probs", fwd.probs, want.probs],
        ["dq", grads.dq, want.dq],
        ["dk", grads.dk, want.dk],
        ["dv", grads.dv, want.dv],
      ] as const
    ) {
      assert.ok(relErr(got, ref) < 2e-6, `${name}: relative error ${relErr(got, ref)}`);
    }
  });
}

Deno.test("attention kernel gives masked keys exactly zero probability", () => {
  const rng = new Rng(3);
  const d: AttentionDims = { bh: 1, heads: 1, tq: 5, tk: 5, dh: 4, causal: true, offset: 0, scale: 0.5 };
  const x = normal(rng, 20);
  const { probs } = attentionForward(x, x, x, Uint8Array.from([1, 0, 1, 1, 0]), d);
  for (let i = 0; i < 5; i++) {
    for (let j = 0; j < 5; j++) {
      if (j > i || j === 1 || j === 4) assert.equal(probs[i * 5 + j], 0, `probs[${i}, ${j}]`);
    }
  }
  assert.equal(probs[0], 1);
});

Deno.test("attention kernel makes a row with no visible key uniform over all keys", () => {
  const rng = new Rng(4);
  const d: AttentionDims = { bh: 1, heads: 1, tq: 3, tk: 4, dh: 4, causal: true, offset: 0, scale: 0.5 };
  const q = normal(rng, 12), k = normal(rng, 16), v = normal(rng, 16);
  const { probs, out } = attentionForward(q, k, v, Uint8Array.from([0, 1, 1, 1]), d);
  assert.deepEqual(Array.from(probs.subarray(0, 4)), [0.25, 0.25, 0.25, 0.25]);
  for (let c = 0; c < 4; c++) {
    const mean = (v[c]! + v[4 + c]! + v[8 + c]! + v[12 + c]!) / 4;
    assert.ok(Math.abs(out[c]! - mean) < 1e-6);
  }
});

Deno.test("attention kernel grows its memory for large calls and gives the same result after", () => {
  const rng = new Rng(5);
  const small: AttentionDims = { bh: 2, heads: 1, tq: 3, tk: 3, dh: 8, causal: true, offset: 0, scale: 0.3 };
  const x = normal(rng, 48);
  const before = attentionForward(x, x, x, null, small).out;
  // ~25 MB of probabilities: more than the module's initial memory.
  const big: AttentionDims = {
    bh: 64,
    heads: 4,
    tq: 320,
    tk: 320,
    dh: 16,
    causal: false,
    offset: 0,
    scale: 0.25,
  };
  const y = normal(rng, 64 * 320 * 16);
  const { probs } = attentionForward(y, y, y, null, big);
  let rowSum = 0;
  for (let j = 0; j < 320; j++) rowSum += probs[63 * 320 * 320 + 319 * 320 + j]!;
  assert.ok(Math.abs(rowSum - 1) < 1e-5);
  assert.deepEqual(attentionForward(x, x, x, null, small).out, before);
});

Deno.test("attention kernel rejects inconsistent sizes", () => {
  const d: AttentionDims = { bh: 4, heads: 2, tq: 3, tk: 5, dh: 8, causal: false, offset: 0, scale: 1 };
  const q = new Float32Array(96), kv = new Float32Array(160);
  assert.throws(() => attentionForward(q, new Float32Array(150), kv, null, d), {
    message: 'Cannot run the attention kernel: "k" has 150 values, expected 160',
  });
  assert.throws(() => attentionForward(q, kv, kv, new Uint8Array(5), d), {
    message: 'Cannot run the attention kernel: "valid" has 5 values, expected 10',
  });
  assert.throws(() => attentionForward(q, kv, kv, null, { ...d, heads: 3 }), {
    message: 'Cannot run the attention kernel: "bh" 4 is not a multiple of "heads" 3',
  });
  assert.throws(() => attentionForward(q, kv, kv, null, { ...d, tq: 0 }), {
    message: 'Cannot run the attention kernel: "tq" is 0, expected a positive integer',
  });
  assert.throws(() => attentionBackward(q, kv, kv, null, new Float32Array(60), q, { ...d, offset: 0.5 }), {
    message: 'Cannot run the attention kernel: "offset" is 0.5, expected an integer',
  });
});

Deno.test("attention kernel flushes weights under e^-69 of the row maximum to exactly zero", () => {
  // One query, dh 1, q = 1: the scores are the keys. exp(−68) stays, exp(−70) is flushed.
  const d: AttentionDims = { bh: 1, heads: 1, tq: 1, tk: 3, dh: 1, causal: false, offset: 0, scale: 1 };
  const { probs } = attentionForward(
    Float32Array.of(1),
    Float32Array.of(0, -68, -70),
    Float32Array.of(1, 2, 3),
    null,
    d,
  );
  assert.equal(probs[2], 0);
  assert.ok(Math.abs(probs[1]! / Math.exp(-68) - 1) < 1e-5, `probs[1] = ${probs[1]}`);
});

// Other clang versions generate different (equally valid) code, so only the pinned one can check the bytes.
const clangVersion = await new Deno.Command("clang", { args: ["--version"], stdout: "piped", stderr: "null" })
  .output()
  .then((r) => new TextDecoder().decode(r.stdout), () => "");
const hasClang14 = /clang version 14\./.test(clangVersion);

Deno.test({
  name: "attention.wasm is the byte-identical build of attention.c (needs clang 14)",
  ignore: !hasClang14,
  fn: async () => {
    const script = new URL("../../../scripts/build_attention_wasm.sh", import.meta.url).pathname;
    const result = await new Deno.Command("sh", { args: [script, "--check"] }).output();
    assert.ok(result.success, new TextDecoder().decode(result.stderr));
  },
});

import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend.ts";
import { bmm, embed, gelu, linear, rmsNorm } from "./ops.ts";
import { Rng } from "./rng.ts";

// Activating cpu once through initBackend absorbs tfjs's one-time "use tfjs-node" banner.
await initBackend("cpu");
await initBackend("wasm");

const TOL = 1e-4;

interface Input {
  shape: number[];
  data: Float32Array | Int32Array;
}

function normal(rng: Rng, shape: number[]): Input {
  const n = shape.reduce((p, s) => p * s, 1);
  return { shape, data: Float32Array.from({ length: n }, () => rng.normal()) };
}

function ints(rng: Rng, shape: number[], below: number): Input {
  const n = shape.reduce((p, s) => p * s, 1);
  return { shape, data: Int32Array.from({ length: n }, () => rng.int(below)) };
}

function toTensor(input: Input): tf.Tensor {
  return tf.tensor(input.data, input.shape, input.data instanceof Int32Array ? "int32" : "float32");
}

/**
 * Value and gradients of sum(f(inputs) · dy) w.r.t. the inputs listed in `wrt`, computed on `backend`;
 * restores wasm afterwards.
 */
async function valueAndGrads(
  backend: "wasm" | "cpu",
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: Input[],
  wrt: number[],
  dy: Input,
): Promise<{ value: Float32Array; grads: Float32Array[] }> {
  await tf.setBackend(backend);
  assert.equal(tf.getBackend(), backend);
  try {
    return tf.tidy(() => {
      const ts = inputs.map(toTensor);
      const dyT = toTensor(dy);
      const value = f(...ts).dataSync() as Float32Array;
      const g = tf.grads((...xs: tf.Tensor[]) => {
        const all = ts.slice();
        wrt.forEach((idx, j) => (all[idx] = xs[j]!));
        return tf.sum(tf.mul(f(...all), dyT));
      })(wrt.map((i) => ts[i]!));
      return { value, grads: g.map((t) => t.dataSync() as Float32Array) };
    });
  } finally {
    await tf.setBackend("wasm");
  }
}

function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string, tol = TOL): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const diff = Math.abs(got[i]! - want[i]!);
    if (!(diff <= tol * Math.max(1, Math.abs(want[i]!)))) {
      assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (diff ${diff})`);
    }
  }
}

/** Compares an op (on wasm) with tfjs's own op and default gradient (on cpu). */
async function compareWithReference(
  name: string,
  ours: (...xs: tf.Tensor[]) => tf.Tensor,
  reference: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: Input[],
  wrt: number[],
  dy: Input,
): Promise<void> {
  const got = await valueAndGrads("wasm", ours, inputs, wrt, dy);
  const want = await valueAndGrads("cpu", reference, inputs, wrt, dy);
  assertClose(got.value, want.value, `${name} value`);
  got.grads.forEach((g, i) => assertClose(g, want.grads[i]!, `${name} gradient ${i}`));
}

/** Records every BatchMatMul the wasm backend runs while `f` executes. */
function recordMatMuls(f: () => void): { transposeA: boolean; transposeB: boolean; batch: number }[] {
  const original = tf.getKernel("BatchMatMul", "wasm")!;
  const calls: { transposeA: boolean; transposeB: boolean; batch: number }[] = [];
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { a } = args.inputs as { a: tf.TensorInfo };
      const attrs = args.attrs as { transposeA: boolean; transposeB: boolean };
      calls.push({
        transposeA: attrs.transposeA,
        transposeB: attrs.transposeB,
        batch: a.shape.slice(0, -2).reduce((p, s) => p * s, 1),
      });
      return original.kernelFunc(args);
    },
  });
  try {
    f();
  } finally {
    tf.unregisterKernel("BatchMatMul", "wasm");
    tf.registerKernel(original);
  }
  return calls;
}

function referenceLinear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const y = tf.matMul(tf.reshape(x, [-1, w.shape[0]!]), w);
  return tf.reshape(b ? tf.add(y, b) : y, [...x.shape.slice(0, -1), w.shape[1]!]);
}

Deno.test("linear() matches tfjs matMul and its default gradients (3-D x, with and without bias)", async () => {
  const rng = new Rng(1);
  const x = normal(rng, [2, 3, 5]), w = normal(rng, [5, 4]), b = normal(rng, [4]);
  const dy = normal(rng, [2, 3, 4]);
  await compareWithReference("linear+b", linear, referenceLinear, [x, w, b], [0, 1, 2], dy);
  await compareWithReference("linear", (x, w) => linear(x!, w!), referenceLinear, [x, w], [0, 1], dy);
});

Deno.test("linear() works on a 1-D input and gives the hand-computed product", () => {
  tf.tidy(() => {
    const y = linear(tf.tensor1d([1, 2]), tf.tensor2d([[1, 2, 3], [4, 5, 6]]), tf.tensor1d([0.5, 0, -1]));
    assert.deepEqual(y.shape, [3]);
    assert.deepEqual(y.dataSync(), new Float32Array([9.5, 12, 14]));
  });
});

Deno.test("linear() rejects mismatched shapes with a clear message", () => {
  tf.tidy(() => {
    assert.throws(() => linear(tf.zeros([2, 3]), tf.zeros([4, 5])), {
      message: 'Cannot apply linear(): x has shape "[2,3]" but w has shape "[4,5]", expected w [3, dout]',
    });
    assert.throws(() => linear(tf.zeros([2, 4]), tf.zeros([4, 5]), tf.zeros([4])), {
      message: 'Cannot apply linear(): b has shape "[4]" but w has shape "[4,5]", expected b [5]',
    });
  });
});

Deno.test("bmm() matches batched tfjs matMul and its default gradients (3-D and 4-D)", async () => {
  const rng = new Rng(2);
  const a3 = normal(rng, [3, 4, 5]), b3 = normal(rng, [3, 5, 6]);
  await compareWithReference(
    "bmm 3-D",
    bmm,
    (a, b) => tf.matMul(a!, b!),
    [a3, b3],
    [0, 1],
    normal(rng, [3, 4, 6]),
  );
  // Attention-like [B, H, T, dh] · [B, H, dh, T].
  const a4 = normal(rng, [2, 2, 7, 3]), b4 = normal(rng, [2, 2, 3, 7]);
  // Large enough per item (2·40·16·60 = 76800 FLOPs) for the per-item 2-D path on wasm.
  const a3l = normal(rng, [3, 40, 16]), b3l = normal(rng, [3, 16, 60]);
  await compareWithReference(
    "bmm 3-D per item",
    bmm,
    (a, b) => tf.matMul(a!, b!),
    [a3l, b3l],
    [0, 1],
    normal(rng, [3, 40, 60]),
  );
  await compareWithReference(
    "bmm 4-D",
    bmm,
    (a, b) => tf.matMul(a!, b!),
    [a4, b4],
    [0, 1],
    normal(rng, [2, 2, 7, 7]),
  );
});

Deno.test("bmm() gives the hand-computed product per batch item", () => {
  tf.tidy(() => {
    const a = tf.tensor3d([[[1, 2]], [[3, 4]]]); // [2, 1, 2]
    const b = tf.tensor3d([[[1], [1]], [[2], [-1]]]); // [2, 2, 1]
    const y = bmm(a, b);
    assert.deepEqual(y.shape, [2, 1, 1]);
    assert.deepEqual(y.dataSync(), new Float32Array([3, 2]));
  });
});

Deno.test("bmm() rejects mismatched shapes with a clear message", () => {
  tf.tidy(() => {
    const message = 'Cannot apply bmm(): a has shape "[2,3,4]" and b has shape "[3,4,5]", ' +
      "expected [..., M, K] and [..., K, N] with the same batch dimensions";
    assert.throws(() => bmm(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 5])), { message });
    assert.throws(() => bmm(tf.zeros([3, 4]), tf.zeros([4, 5])), {
      message: 'Cannot apply bmm(): a has shape "[3,4]" and b has shape "[4,5]", ' +
        "expected [..., M, K] and [..., K, N] with the same batch dimensions",
    });
  });
});

Deno.test("embed() matches tf.gather and its default gradient, with repeated ids", async () => {
  const rng = new Rng(3);
  const table = normal(rng, [6, 4]);
  const ids: Input = { shape: [2, 5], data: Int32Array.from([0, 5, 5, 2, 0, 1, 5, 3, 3, 5]) };
  await compareWithReference(
    "embed",
    (i, t) => embed(i!, t!),
    (i, t) => tf.gather(t!, i!),
    [ids, table],
    [1],
    normal(rng, [2, 5, 4]),
  );
});

Deno.test("embed() gives the table gradient as per-id sums of dy (hand-computed) and none to unused rows", () => {
  tf.tidy(() => {
    const table = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const ids = tf.tensor2d([[2, 0, 2]], [1, 3], "int32");
    const dy = tf.tensor3d([[[1, 10], [2, 20], [3, 30]]]);
    assert.deepEqual(embed(ids, table).dataSync(), new Float32Array([5, 6, 1, 2, 5, 6]));
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embed(ids, t), dy)))(table);
    assert.deepEqual(g.dataSync(), new Float32Array([2, 20, 0, 0, 4, 40]));
  });
});

Deno.test("embed() rejects float ids and a non-matrix table", () => {
  tf.tidy(() => {
    assert.throws(() => embed(tf.zeros([2, 3]), tf.zeros([4, 5])), {
      message: 'Cannot apply embed(): ids have dtype "float32", expected "int32"',
    });
    assert.throws(() => embed(tf.zeros([2], "int32"), tf.zeros([4])), {
      message: 'Cannot apply embed(): table has shape "[4]", expected [V, d]',
    });
  });
});

Deno.test("linear(), bmm() and embed() never reach a transposed or batched wasm matmul, forward or backward", () => {
  const rng = new Rng(4);
  const calls = recordMatMuls(() =>
    tf.tidy(() => {
      // T 32, 2 heads of 32: each attention product is 2·32·32·32 = 65536 FLOPs per item.
      const ids = toTensor(ints(rng, [2, 32], 9));
      const [table, w, b] = [normal(rng, [9, 64]), normal(rng, [64, 64]), normal(rng, [64])].map(toTensor);
      const loss = (t: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
        const h = linear(embed(ids, t), w, b); // [2, 32, 64]
        const q = tf.reshape(h, [2, 32, 2, 32]).transpose([0, 2, 1, 3]); // [2, 2, 32, 32]
        const scores = bmm(q, tf.transpose(q, [0, 1, 3, 2])); // [2, 2, 32, 32]
        return tf.sum(bmm(tf.softmax(scores), q)) as tf.Scalar;
      };
      tf.grads(loss)([table!, w!, b!]);
    })
  );
  // Forward: embed 0, linear 1, bmm 2 × 4 items; backward: embed 1, linear 2, bmm 2 × 2 × 4 items.
  assert.equal(calls.length, 1 + 8 + 1 + 2 + 16);
  for (const c of calls) assert.deepEqual(c, { transposeA: false, transposeB: false, batch: 1 });
});

Deno.test("bmm() keeps products below PER_ITEM_MIN_FLOPS on the batched kernel, still without transposes", () => {
  const rng = new Rng(7);
  const calls = recordMatMuls(() =>
    tf.tidy(() => {
      const [a, b] = [normal(rng, [8, 1, 32]), normal(rng, [8, 32, 40])].map(toTensor); // 2560 FLOPs per item
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(bmm(a, b)))([a!, b!]);
    })
  );
  assert.deepEqual(calls, [
    { transposeA: false, transposeB: false, batch: 8 },
    { transposeA: false, transposeB: false, batch: 8 },
    { transposeA: false, transposeB: false, batch: 8 },
  ]);
});

/** float64 reference of rmsNorm on rows of d. */
function rmsNormRef(
  x: ArrayLike<number>,
  weight: ArrayLike<number> | null,
  d: number,
  eps: number,
): number[] {
  const out: number[] = [];
  for (let r = 0; r < x.length / d; r++) {
    let ms = 0;
    for (let j = 0; j < d; j++) ms += x[r * d + j]! ** 2 / d;
    for (let j = 0; j < d; j++) out.push((x[r * d + j]! / Math.sqrt(ms + eps)) * (weight ? weight[j]! : 1));
  }
  return out;
}

/** Central finite differences of sum(f(x) · dy) in float64. */
function finiteDiff(f: (x: number[]) => number[], x: ArrayLike<number>, dy: ArrayLike<number>): number[] {
  const h = 1e-5;
  const base = Array.from(x);
  const loss = (v: number[]) => f(v).reduce((s, y, i) => s + y * dy[i]!, 0);
  return base.map((_, i) => {
    const plus = base.slice(), minus = base.slice();
    plus[i]! += h;
    minus[i]! -= h;
    return (loss(plus) - loss(minus)) / (2 * h);
  });
}

Deno.test("rmsNorm() matches a float64 reference; its gradients on wasm match finite differences", async () => {
  const rng = new Rng(5);
  const d = 6;
  const x = normal(rng, [2, 3, d]), w = normal(rng, [d]), dy = normal(rng, [2, 3, d]);
  const got = await valueAndGrads("wasm", (x, w) => rmsNorm(x!, w!), [x, w], [0, 1], dy);
  assertClose(got.value, rmsNormRef(x.data, w.data, d, 1e-5), "rmsNorm value");
  assertClose(
    got.grads[0]!,
    finiteDiff((v) => rmsNormRef(v, w.data, d, 1e-5), x.data, dy.data),
    "rmsNorm dx",
  );
  assertClose(
    got.grads[1]!,
    finiteDiff((v) => rmsNormRef(x.data, v, d, 1e-5), w.data, dy.data),
    "rmsNorm dw",
  );
  const plain = await valueAndGrads("wasm", (x) => rmsNorm(x!, null, 0.5), [x], [0], dy);
  assertClose(plain.value, rmsNormRef(x.data, null, d, 0.5), "rmsNorm without weight, eps 0.5");
  assertClose(
    plain.grads[0]!,
    finiteDiff((v) => rmsNormRef(v, null, d, 0.5), x.data, dy.data),
    "rmsNorm dx, eps 0.5",
  );
});

Deno.test("rmsNorm() gives the hand-computed value of a row of ones and threes", () => {
  tf.tidy(() => {
    // mean(x²) = (1 + 9) / 2 = 5 → x / √5 (eps 0).
    const y = rmsNorm(tf.tensor2d([[1, 3]]), tf.tensor1d([2, 1]), 0);
    assertClose(y.dataSync(), [2 / Math.sqrt(5), 3 / Math.sqrt(5)], "rmsNorm [1, 3]", 1e-6);
  });
});

Deno.test("rmsNorm() rejects a weight of the wrong size", () => {
  tf.tidy(() => {
    assert.throws(() => rmsNorm(tf.zeros([2, 3]), tf.zeros([4])), {
      message: 'Cannot apply rmsNorm(): x has shape "[2,3]" but weight has shape "[4]"',
    });
  });
});

Deno.test("gelu() matches known values and the analytic derivative on wasm", async () => {
  tf.tidy(() => {
    // Values of the tanh approximation, computed separately in float64.
    assertClose(
      gelu(tf.tensor1d([0, 1, -1, 3])).dataSync(),
      [0, 0.8411919906, -0.1588080094, 2.9963626079],
      "gelu",
    );
  });
  const xs = [-4, -2.5, -1, -0.3, 0, 0.2, 0.7, 1.5, 3, 5];
  const c = Math.sqrt(2 / Math.PI);
  const derivative = xs.map((x) => {
    const t = Math.tanh(c * (x + 0.044715 * x ** 3));
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
  });
  const ones: Input = { shape: [xs.length], data: new Float32Array(xs.length).fill(1) };
  const got = await valueAndGrads(
    "wasm",
    gelu,
    [{ shape: [xs.length], data: Float32Array.from(xs) }],
    [0],
    ones,
  );
  assertClose(got.grads[0]!, derivative, "gelu'");
});

Deno.test("the ops train inside tf.variableGrads and an optimizer on wasm, matching cpu's default gradients", async () => {
  const rng = new Rng(6);
  const [vocab, d, batch, t] = [7, 8, 2, 5];
  const ids = ints(rng, [batch, t], vocab);
  const target = normal(rng, [batch, t, d]);
  const init = {
    table: normal(rng, [vocab, d]),
    w: normal(rng, [d, d]),
    b: normal(rng, [d]),
    g: normal(rng, [d]),
  };

  type Ops = { linear: typeof linear; bmm: typeof bmm; embed: typeof embed };
  const ours: Ops = { linear, bmm, embed };
  const reference: Ops = {
    linear: referenceLinear,
    bmm: (a, b) => tf.matMul(a, b),
    embed: (i, t) => tf.gather(t, i),
  };
  const model = (ops: Ops, v: Record<string, tf.Variable>, idsT: tf.Tensor, targetT: tf.Tensor) => {
    const h = gelu(ops.linear(ops.embed(idsT, v.table!), v.w!, v.b!)); // [B, T, d]
    const scores = ops.bmm(h, tf.transpose(h, [0, 2, 1])); // [B, T, T]
    const mixed = ops.bmm(tf.softmax(tf.div(scores, Math.sqrt(d))), h); // [B, T, d]
    return tf.mean(tf.square(tf.sub(rmsNorm(mixed, v.g!), targetT))) as tf.Scalar;
  };
  let run = 0;
  const gradsOn = async (backend: "wasm" | "cpu", ops: Ops) => {
    await tf.setBackend(backend);
    try {
      return tf.tidy(() => {
        const v = Object.fromEntries(
          Object.entries(init).map((
            [k, x],
          ) => [k, tf.variable(toTensor(x), true, `ops_test_${backend}_${k}_${run++}`)]),
        );
        const { value, grads } = tf.variableGrads(() => model(ops, v, toTensor(ids), toTensor(target)));
        const out = {
          loss: value.dataSync()[0]!,
          grads: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, grads[x.name]!.dataSync()])),
        };
        Object.values(v).forEach((x) => x.dispose());
        return out;
      });
    } finally {
      await tf.setBackend("wasm");
    }
  };
  const got = await gradsOn("wasm", ours);
  const want = await gradsOn("cpu", reference);
  assertClose([got.loss], [want.loss], "loss");
  for (const k of Object.keys(init)) assertClose(got.grads[k]!, want.grads[k]!, `gradient of ${k}`);

  // A few Adam steps on wasm reduce the loss.
  const v = Object.fromEntries(Object.entries(init).map(([k, x]) => [k, tf.variable(toTensor(x))]));
  const idsT = toTensor(ids), targetT = toTensor(target);
  const optimizer = tf.train.adam(0.05);
  const losses: number[] = [];
  for (let step = 0; step < 15; step++) {
    const loss = optimizer.minimize(() => model(ours, v, idsT, targetT), true)!;
    losses.push(loss.dataSync()[0]!);
    loss.dispose();
  }
  assert.ok(losses.at(-1)! < 0.8 * losses[0]!, `loss ${losses[0]} → ${losses.at(-1)}`);
  tf.dispose([...Object.values(v), idsT, targetT]);
  optimizer.dispose();
});

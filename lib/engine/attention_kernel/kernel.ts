/**
 * Loader and typed-array interface of the fused attention kernel (attention.c → attention.wasm).
 *
 * The module is instantiated once, on first use, with its own linear memory; every call lays its buffers
 * out from `__heap_base` and grows the memory when a call needs more (it never shrinks). Data moves in and
 * out by typed-array copies: 18–20 % of a forward+backward call at batch 16, T 150, mostly the probabilities
 * (bench/attention_table.ts, "copies only").
 */

/** Sizes and masking of one attention call. */
export interface AttentionDims {
  /** Batch rows times heads: the first axis of q, k and v. */
  bh: number;
  /** Heads per batch row; head-row `i` belongs to batch row `floor(i / heads)`. */
  heads: number;
  /** Query length. */
  tq: number;
  /** Key length. */
  tk: number;
  /** Head width. */
  dh: number;
  /** Query `i` may only see keys `0..offset + i`. */
  causal: boolean;
  /** Absolute position of query 0 among the keys (used when `causal`). */
  offset: number;
  /** Multiplier of q·kᵀ, usually 1/√dh. */
  scale: number;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  __heap_base: WebAssembly.Global;
  attn_scratch_floats(tq: number, tk: number, dh: number): number;
  attn_forward(
    q: number,
    k: number,
    v: number,
    valid: number,
    out: number,
    probs: number,
    bh: number,
    heads: number,
    tq: number,
    tk: number,
    dh: number,
    causal: number,
    offset: number,
    scale: number,
    scratch: number,
  ): void;
  attn_backward(
    q: number,
    k: number,
    v: number,
    valid: number,
    probs: number,
    dout: number,
    dq: number,
    dk: number,
    dv: number,
    bh: number,
    heads: number,
    tq: number,
    tk: number,
    dh: number,
    causal: number,
    offset: number,
    scale: number,
    scratch: number,
  ): void;
}

const WASM_URL = new URL("./attention.wasm", import.meta.url);
/** Bytes left free after every buffer: the kernel reads up to 7 floats past the end of a row. */
const SLACK = 64;
const PAGE = 65536;

let kernel: KernelExports | null = null;

function load(): KernelExports {
  if (kernel !== null) return kernel;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Deno.readFileSync(WASM_URL);
  } catch (error) {
    throw new Error(`Cannot load the attention kernel "${WASM_URL.pathname}": ${(error as Error).message}`);
  }
  // Synchronous compile is fine outside browsers' main thread, and keeps every caller synchronous.
  const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
  kernel = instance.exports as unknown as KernelExports;
  return kernel;
}

/** Hands out 16-byte-aligned regions from `__heap_base`, each followed by SLACK spare bytes. */
class Layout {
  end: number;
  constructor(base: number) {
    this.end = align16(base);
  }
  take(bytes: number): number {
    const at = this.end;
    this.end = align16(at + bytes + SLACK);
    return at;
  }
}

function align16(n: number): number {
  return (n + 15) & ~15;
}

function ensureMemory(k: KernelExports, bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (bytes <= have) return;
  try {
    k.memory.grow(Math.ceil((bytes - have) / PAGE));
  } catch (error) {
    throw new Error(
      `Cannot run the attention kernel: it needs ${Math.ceil(bytes / 2 ** 20)} MiB of wasm memory ` +
        `(4096 MiB at most): ${(error as Error).message}`,
    );
  }
}

function checkDims(d: AttentionDims, lengths: Record<string, [number, number]>): void {
  for (const key of ["bh", "heads", "tq", "tk", "dh"] as const) {
    if (!Number.isInteger(d[key]) || d[key] < 1) {
      throw new Error(`Cannot run the attention kernel: "${key}" is ${d[key]}, expected a positive integer`);
    }
  }
  if (!Number.isInteger(d.offset)) {
    throw new Error(`Cannot run the attention kernel: "offset" is ${d.offset}, expected an integer`);
  }
  if (d.bh % d.heads !== 0) {
    throw new Error(`Cannot run the attention kernel: "bh" ${d.bh} is not a multiple of "heads" ${d.heads}`);
  }
  for (const [name, [got, want]] of Object.entries(lengths)) {
    if (got !== want) {
      throw new Error(`Cannot run the attention kernel: "${name}" has ${got} values, expected ${want}`);
    }
  }
}

/**
 * Forward pass: `out` [bh, tq, dh] = softmax(scale · q·kᵀ + mask) · v and `probs` [bh, tq, tk].
 * `valid` [bh / heads, tk] marks attendable keys (1) or is `null` (all attendable).
 */
export function attentionForward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  valid: Uint8Array | null,
  dims: AttentionDims,
): { out: Float32Array; probs: Float32Array } {
  const { bh, heads, tq, tk, dh } = dims;
  checkDims(dims, {
    q: [q.length, bh * tq * dh],
    k: [k.length, bh * tk * dh],
    v: [v.length, bh * tk * dh],
    ...(valid ? { valid: [valid.length, (bh / heads) * tk] } : {}),
  });
  const K = load();
  const mem = new Layout(K.__heap_base.value as number);
  const pq = mem.take(q.byteLength), pk = mem.take(k.byteLength), pv = mem.take(v.byteLength);
  const pValid = valid ? mem.take(valid.byteLength) : 0;
  const pOut = mem.take(bh * tq * dh * 4), pProbs = mem.take(bh * tq * tk * 4);
  const pScratch = mem.take(K.attn_scratch_floats(tq, tk, dh) * 4);
  ensureMemory(K, mem.end);
  const buffer = K.memory.buffer;
  new Float32Array(buffer, pq, q.length).set(q);
  new Float32Array(buffer, pk, k.length).set(k);
  new Float32Array(buffer, pv, v.length).set(v);
  if (valid) new Uint8Array(buffer, pValid, valid.length).set(valid);
  K.attn_forward(
    pq,
    pk,
    pv,
    pValid,
    pOut,
    pProbs,
    bh,
    heads,
    tq,
    tk,
    dh,
    dims.causal ? 1 : 0,
    dims.offset,
    dims.scale,
    pScratch,
  );
  return {
    out: new Float32Array(buffer, pOut, bh * tq * dh).slice(),
    probs: new Float32Array(buffer, pProbs, bh * tq * tk).slice(),
  };
}

/**
 * Backward pass of `attentionForward`: gradients `dq` [bh, tq, dh], `dk` and `dv` [bh, tk, dh] from
 * `dout` [bh, tq, dh] and the forward's `probs`.
 */
export function attentionBackward(
  q: Float32Array,
  k: Float32Array,
  v: Float32Array,
  valid: Uint8Array | null,
  probs: Float32Array,
  dout: Float32Array,
  dims: AttentionDims,
): { dq: Float32Array; dk: Float32Array; dv: Float32Array } {
  const { bh, heads, tq, tk, dh } = dims;
  checkDims(dims, {
    q: [q.length, bh * tq * dh],
    k: [k.length, bh * tk * dh],
    v: [v.length, bh * tk * dh],
    probs: [probs.length, bh * tq * tk],
    dout: [dout.length, bh * tq * dh],
    ...(valid ? { valid: [valid.length, (bh / heads) * tk] } : {}),
  });
  const K = load();
  const mem = new Layout(K.__heap_base.value as number);
  const pq = mem.take(q.byteLength), pk = mem.take(k.byteLength), pv = mem.take(v.byteLength);
  const pValid = valid ? mem.take(valid.byteLength) : 0;
  const pProbs = mem.take(probs.byteLength), pDout = mem.take(dout.byteLength);
  const pdq = mem.take(q.byteLength), pdk = mem.take(k.byteLength), pdv = mem.take(v.byteLength);
  const pScratch = mem.take(K.attn_scratch_floats(tq, tk, dh) * 4);
  ensureMemory(K, mem.end);
  const buffer = K.memory.buffer;
  new Float32Array(buffer, pq, q.length).set(q);
  new Float32Array(buffer, pk, k.length).set(k);
  new Float32Array(buffer, pv, v.length).set(v);
  if (valid) new Uint8Array(buffer, pValid, valid.length).set(valid);
  new Float32Array(buffer, pProbs, probs.length).set(probs);
  new Float32Array(buffer, pDout, dout.length).set(dout);
  K.attn_backward(
    pq,
    pk,
    pv,
    pValid,
    pProbs,
    pDout,
    pdq,
    pdk,
    pdv,
    bh,
    heads,
    tq,
    tk,
    dh,
    dims.causal ? 1 : 0,
    dims.offset,
    dims.scale,
    pScratch,
  );
  return {
    dq: new Float32Array(buffer, pdq, q.length).slice(),
    dk: new Float32Array(buffer, pdk, k.length).slice(),
    dv: new Float32Array(buffer, pdv, v.length).slice(),
  };
}

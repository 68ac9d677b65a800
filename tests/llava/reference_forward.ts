/**
 * An independent float64 reference of the Hugging Face LLaVA-1.5 forward pass in plain loops (no tfjs),
 * written from transformers' modeling_clip / modeling_llava / modeling_llama semantics and kept apart
 * from lib/models/llava so that the two can disagree. Slow; for tiny checkpoints only.
 *
 * Weights: PyTorch layouts and old llava-hf names, as float64.
 */

/** A weight in PyTorch layout. */
export interface RefTensor {
  shape: number[];
  data: Float64Array;
}

/** Sizes of the reference model, spelled out (no defaults here). */
export interface RefConfig {
  vision: {
    hidden: number;
    heads: number;
    layers: number;
    image: number;
    patch: number;
    eps: number;
    featureLayer: number;
  };
  text: {
    hidden: number;
    heads: number;
    kvHeads: number;
    layers: number;
    eps: number;
    theta: number;
    vocab: number;
  };
  imageTokenIndex: number;
  eosId: number;
}

/** What the reference computes for one case. */
export interface RefOutput {
  /** [N, d] */
  imageFeatures: Float64Array;
  lastLogits: Float64Array;
  generated: number[];
  /** [layer][head] → probabilities over the image tokens at the last prompt position. */
  attention: number[][][];
  rpnLogits: Float64Array;
  /** Final-normed hidden state at the last position of every decoding step (step 0 = the prompt). */
  stepHidden: Float64Array[];
}

type W = Map<string, RefTensor>;

function get(w: W, name: string): Float64Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: missing ${name}`);
  return t.data;
}

/** y[t, o] = Σ_i x[t, i] W[o, i] + b[o]; W in PyTorch [out, in] layout. */
function lin(x: Float64Array, rows: number, din: number, wt: Float64Array, b?: Float64Array): Float64Array {
  const dout = wt.length / din;
  const y = new Float64Array(rows * dout);
  for (let t = 0; t < rows; t++) {
    for (let o = 0; o < dout; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < din; i++) s += x[t * din + i]! * wt[o * din + i]!;
      y[t * dout + o] = s;
    }
  }
  return y;
}

function layerNormRef(
  x: Float64Array,
  rows: number,
  d: number,
  g: Float64Array,
  b: Float64Array,
  eps: number,
) {
  const y = new Float64Array(x.length);
  for (let t = 0; t < rows; t++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[t * d + i]!;
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[t * d + i]! - mean) ** 2;
    v /= d;
    for (let i = 0; i < d; i++) y[t * d + i] = ((x[t * d + i]! - mean) / Math.sqrt(v + eps)) * g[i]! + b[i]!;
  }
  return y;
}

function rmsNormRef(x: Float64Array, rows: number, d: number, g: Float64Array, eps: number) {
  const y = new Float64Array(x.length);
  for (let t = 0; t < rows; t++) {
    let ms = 0;
    for (let i = 0; i < d; i++) ms += x[t * d + i]! ** 2;
    const r = 1 / Math.sqrt(ms / d + eps);
    for (let i = 0; i < d; i++) y[t * d + i] = x[t * d + i]! * r * g[i]!;
  }
  return y;
}

/** erf by its Maclaurin series (|x| < 3) or continued fraction of erfc, to ~1e-13. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax, sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …)))), evaluated bottom-up.
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f);
}

function softmaxInPlace(row: Float64Array) {
  let max = -Infinity;
  for (const v of row) max = Math.max(max, v);
  let z = 0;
  for (let i = 0; i < row.length; i++) z += row[i] = Math.exp(row[i]! - max);
  for (let i = 0; i < row.length; i++) row[i]! /= z;
}

/** Multi-head attention of q [T, H·dh] over k, v [T, KV·dh]; head h uses kv head ⌊h·KV/H⌋. */
function mha(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  t: number,
  heads: number,
  kvHeads: number,
  dh: number,
  causal: boolean,
  probsOut?: (head: number, query: number, probs: Float64Array) => void,
): Float64Array {
  const out = new Float64Array(t * heads * dh);
  const group = heads / kvHeads;
  for (let h = 0; h < heads; h++) {
    const kh = Math.floor(h / group);
    for (let i = 0; i < t; i++) {
      const n = causal ? i + 1 : t;
      const p = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let e = 0; e < dh; e++) {
          s += q[i * heads * dh + h * dh + e]! * k[j * kvHeads * dh + kh * dh + e]!;
        }
        p[j] = s / Math.sqrt(dh);
      }
      softmaxInPlace(p);
      probsOut?.(h, i, p);
      for (let j = 0; j < n; j++) {
        for (let e = 0; e < dh; e++) {
          out[i * heads * dh + h * dh + e]! += p[j]! * v[j * kvHeads * dh + kh * dh + e]!;
        }
      }
    }
  }
  return out;
}

function addInPlace(a: Float64Array, b: Float64Array) {
  for (let i = 0; i < a.length; i++) a[i]! += b[i]!;
}

/** CLIP + projector on CHW pixel values → [N, d_text]. */
function imageFeatures(w: W, cfg: RefConfig, pixels: Float64Array): Float64Array {
  const V = "vision_tower.vision_model.";
  const { hidden: d, heads, image, patch, eps } = cfg.vision;
  const grid = image / patch;
  const n = grid * grid;
  const conv = get(w, `${V}embeddings.patch_embedding.weight`); // [d, 3, p, p]
  const x = new Float64Array((n + 1) * d);
  const cls = get(w, `${V}embeddings.class_embedding`);
  for (let o = 0; o < d; o++) x[o] = cls[o]!;
  for (let gy = 0; gy < grid; gy++) {
    for (let gx = 0; gx < grid; gx++) {
      for (let o = 0; o < d; o++) {
        let s = 0;
        for (let c = 0; c < 3; c++) {
          for (let ky = 0; ky < patch; ky++) {
            for (let kx = 0; kx < patch; kx++) {
              s += conv[((o * 3 + c) * patch + ky) * patch + kx]! *
                pixels[(c * image + gy * patch + ky) * image + gx * patch + kx]!;
            }
          }
        }
        x[(1 + gy * grid + gx) * d + o] = s;
      }
    }
  }
  addInPlace(x, get(w, `${V}embeddings.position_embedding.weight`));
  let h = layerNormRef(x, n + 1, d, get(w, `${V}pre_layrnorm.weight`), get(w, `${V}pre_layrnorm.bias`), eps);
  const states = [h];
  for (let l = 0; l < cfg.vision.layers; l++) {
    const p = `${V}encoder.layers.${l}.`;
    const a = layerNormRef(
      h,
      n + 1,
      d,
      get(w, `${p}layer_norm1.weight`),
      get(w, `${p}layer_norm1.bias`),
      eps,
    );
    const q = lin(a, n + 1, d, get(w, `${p}self_attn.q_proj.weight`), get(w, `${p}self_attn.q_proj.bias`));
    const k = lin(a, n + 1, d, get(w, `${p}self_attn.k_proj.weight`), get(w, `${p}self_attn.k_proj.bias`));
    const v = lin(a, n + 1, d, get(w, `${p}self_attn.v_proj.weight`), get(w, `${p}self_attn.v_proj.bias`));
    const ctx = mha(q, k, v, n + 1, heads, heads, d / heads, false);
    const next = h.slice();
    addInPlace(
      next,
      lin(ctx, n + 1, d, get(w, `${p}self_attn.out_proj.weight`), get(w, `${p}self_attn.out_proj.bias`)),
    );
    const m = layerNormRef(
      next,
      n + 1,
      d,
      get(w, `${p}layer_norm2.weight`),
      get(w, `${p}layer_norm2.bias`),
      eps,
    );
    const f1 = lin(m, n + 1, d, get(w, `${p}mlp.fc1.weight`), get(w, `${p}mlp.fc1.bias`));
    for (let i = 0; i < f1.length; i++) f1[i] = f1[i]! / (1 + Math.exp(-1.702 * f1[i]!));
    addInPlace(
      next,
      lin(f1, n + 1, f1.length / (n + 1), get(w, `${p}mlp.fc2.weight`), get(w, `${p}mlp.fc2.bias`)),
    );
    h = next;
    states.push(h);
  }
  const fl = cfg.vision.featureLayer;
  const chosen = states[fl < 0 ? states.length + fl : fl]!.slice(d); // drop CLS
  const P = "multi_modal_projector.";
  const z = lin(chosen, n, d, get(w, `${P}linear_1.weight`), get(w, `${P}linear_1.bias`));
  for (let i = 0; i < z.length; i++) z[i] = 0.5 * z[i]! * (1 + erf(z[i]! / Math.SQRT2));
  return lin(z, n, cfg.text.hidden, get(w, `${P}linear_2.weight`), get(w, `${P}linear_2.bias`));
}

function rope(x: Float64Array, t: number, heads: number, dh: number, theta: number) {
  const half = dh / 2;
  for (let pos = 0; pos < t; pos++) {
    for (let h = 0; h < heads; h++) {
      const base = pos * heads * dh + h * dh;
      for (let i = 0; i < half; i++) {
        const a = pos / theta ** ((2 * i) / dh);
        const x1 = x[base + i]!, x2 = x[base + half + i]!;
        x[base + i] = x1 * Math.cos(a) - x2 * Math.sin(a);
        x[base + half + i] = x2 * Math.cos(a) + x1 * Math.sin(a);
      }
    }
  }
}

function decoderLayerRef(
  w: W,
  cfg: RefConfig,
  l: number,
  x: Float64Array,
  t: number,
  probsOut?: (head: number, query: number, probs: Float64Array) => void,
): Float64Array {
  const { hidden: d, heads, kvHeads, eps, theta } = cfg.text;
  const dh = d / heads;
  const p = `language_model.model.layers.${l}.`;
  const a = rmsNormRef(x, t, d, get(w, `${p}input_layernorm.weight`), eps);
  const q = lin(a, t, d, get(w, `${p}self_attn.q_proj.weight`));
  const k = lin(a, t, d, get(w, `${p}self_attn.k_proj.weight`));
  const v = lin(a, t, d, get(w, `${p}self_attn.v_proj.weight`));
  rope(q, t, heads, dh, theta);
  rope(k, t, kvHeads, dh, theta);
  const ctx = mha(q, k, v, t, heads, kvHeads, dh, true, probsOut);
  const y = x.slice();
  addInPlace(y, lin(ctx, t, heads * dh, get(w, `${p}self_attn.o_proj.weight`)));
  const m = rmsNormRef(y, t, d, get(w, `${p}post_attention_layernorm.weight`), eps);
  const g = lin(m, t, d, get(w, `${p}mlp.gate_proj.weight`));
  const u = lin(m, t, d, get(w, `${p}mlp.up_proj.weight`));
  for (let i = 0; i < g.length; i++) g[i] = (g[i]! / (1 + Math.exp(-g[i]!))) * u[i]!;
  addInPlace(y, lin(g, t, g.length / t, get(w, `${p}mlp.down_proj.weight`)));
  return y;
}

/**
 * The whole case: features, prompt logits, attention rows, greedy decoding by full recomputation (no
 * cache), and the SD-RPN twig score at initialisation for (B, R).
 */
export function referenceForward(
  w: W,
  cfg: RefConfig,
  input: { inputIds: number[]; pixelValues: ArrayLike<number>; maxNewTokens: number; B: number; R: number },
): RefOutput {
  const d = cfg.text.hidden;
  const feats = imageFeatures(w, cfg, Float64Array.from(input.pixelValues));
  const embedTable = get(w, "language_model.model.embed_tokens.weight");
  const imageStart = input.inputIds.indexOf(cfg.imageTokenIndex);
  const n = feats.length / d;
  const embedAll = (ids: number[]) => {
    const x = new Float64Array(ids.length * d);
    let k = 0;
    ids.forEach((id, i) => {
      if (id === cfg.imageTokenIndex) x.set(feats.subarray(k * d, ++k * d), i * d);
      else x.set(embedTable.subarray(id * d, (id + 1) * d), i * d);
    });
    return x;
  };
  const lmHead = get(w, "language_model.lm_head.weight");
  const norm = get(w, "language_model.model.norm.weight");
  const run = (ids: number[], capture: boolean) => {
    const t = ids.length;
    let x: Float64Array = embedAll(ids);
    const attention: number[][][] = [];
    for (let l = 0; l < cfg.text.layers; l++) {
      const rows: number[][] = [];
      x = decoderLayerRef(
        w,
        cfg,
        l,
        x,
        t,
        capture
          ? (h, i, p) => {
            if (i === t - 1) rows[h] = Array.from(p.subarray(imageStart, imageStart + n));
          }
          : undefined,
      );
      attention.push(rows);
    }
    const last = rmsNormRef(x.subarray((t - 1) * d), 1, d, norm, cfg.text.eps);
    return { logits: lin(last, 1, d, lmHead), attention, last };
  };
  const prompt = run(input.inputIds, true);
  const generated: number[] = [];
  const stepHidden = [prompt.last];
  let logits = prompt.logits;
  const ids = [...input.inputIds];
  while (generated.length < input.maxNewTokens) {
    let best = 0;
    for (let i = 1; i < Math.min(cfg.imageTokenIndex, logits.length); i++) {
      if (logits[i]! > logits[best]!) best = i;
    }
    generated.push(best);
    if (best === cfg.eosId || generated.length === input.maxNewTokens) break;
    ids.push(best);
    const step = run(ids, false);
    logits = step.logits;
    stepHidden.push(step.last);
  }

  // Twig at initialisation.
  const t = input.inputIds.length;
  let x: Float64Array = embedAll(input.inputIds);
  for (let l = 0; l < input.B + input.R - 1; l++) x = decoderLayerRef(w, cfg, l, x, t);
  const { heads, kvHeads, eps } = cfg.text;
  const dh = d / heads;
  const s = `language_model.model.layers.${input.B + input.R - 1}.`;
  const h = rmsNormRef(rmsNormRef(x, t, d, norm, eps), t, d, get(w, `${s}input_layernorm.weight`), eps);
  const q = lin(h.subarray((t - 1) * d), 1, d, get(w, `${s}self_attn.q_proj.weight`));
  const k = lin(
    h.subarray(imageStart * d, (imageStart + n) * d),
    n,
    d,
    get(w, `${s}self_attn.k_proj.weight`),
  );
  const rpn = new Float64Array(n);
  for (let hd = 0; hd < heads; hd++) {
    const kh = Math.floor(hd / (heads / kvHeads));
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let e = 0; e < dh; e++) dot += q[hd * dh + e]! * k[j * kvHeads * dh + kh * dh + e]!;
      rpn[j]! += dot / Math.sqrt(dh) / heads;
    }
  }
  return {
    imageFeatures: feats,
    lastLogits: prompt.logits,
    generated,
    attention: prompt.attention,
    rpnLogits: rpn,
    stepHidden,
  };
}

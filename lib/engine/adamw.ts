/**
 * AdamW (decoupled weight decay) with global-norm gradient clipping, on plain Float32Arrays.
 *
 * Plain arrays rather than tfjs ops because the update then runs wherever the gradients are summed
 * (the data-parallel trainer's main thread has no model), its arithmetic is fixed and sequential
 * (bit-identical on every backend), and its state saves and restores exactly for resumable runs.
 */
export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** Clip the global gradient norm to this value (0 = off). */
  clipNorm?: number;
}

/** Plain arrays of the optimiser state, for checkpoints. */
export interface AdamWState {
  step: number;
  m: Record<string, Float32Array>;
  v: Record<string, Float32Array>;
}

export class AdamW {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly clipNorm: number;
  step = 0;
  readonly m: Record<string, Float32Array> = {};
  readonly v: Record<string, Float32Array> = {};

  /** `params` are updated in place by `apply`. */
  constructor(readonly params: Record<string, Float32Array>, options: AdamWOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
    this.clipNorm = options.clipNorm ?? 0;
    for (const [name, p] of Object.entries(params)) {
      this.m[name] = new Float32Array(p.length);
      this.v[name] = new Float32Array(p.length);
    }
  }

  /**
   * One update from gradients (names must be a subset of the parameters; missing ones are not updated).
   * Returns the global gradient norm before clipping; a non-finite norm throws before anything changes.
   */
  apply(grads: Record<string, Float32Array>, lr: number): number {
    const names = Object.keys(this.params).filter((n) => grads[n] !== undefined);
    let sq = 0;
    for (const n of names) {
      const g = grads[n]!;
      if (g.length !== this.params[n]!.length) {
        throw new Error(`Gradient "${n}" has ${g.length} values, parameter has ${this.params[n]!.length}`);
      }
      for (let i = 0; i < g.length; i++) sq += g[i]! * g[i]!;
    }
    const norm = Math.sqrt(sq);
    if (!Number.isFinite(norm)) {
      throw new Error(`Gradient norm is "${norm}": training diverged (NaN or Inf loss)`);
    }
    const scale = this.clipNorm > 0 && norm > this.clipNorm ? this.clipNorm / norm : 1;
    this.step++;
    const { beta1: b1, beta2: b2, eps } = this;
    const bc1 = 1 - Math.pow(b1, this.step);
    const bc2 = 1 - Math.pow(b2, this.step);
    const decay = 1 - lr * this.weightDecay;
    for (const n of names) {
      const p = this.params[n]!;
      const g = grads[n]!;
      const m = this.m[n]!;
      const v = this.v[n]!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! * scale;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * gi * gi;
        p[i] = p[i]! * decay - (lr * (m[i]! / bc1)) / (Math.sqrt(v[i]! / bc2) + eps);
      }
    }
    return norm;
  }

  getState(): AdamWState {
    const copy = (r: Record<string, Float32Array>) =>
      Object.fromEntries(Object.entries(r).map(([k, a]) => [k, a.slice()]));
    return { step: this.step, m: copy(this.m), v: copy(this.v) };
  }

  setState(state: AdamWState): void {
    for (const n of Object.keys(this.params)) {
      const m = state.m[n];
      const v = state.v[n];
      if (!m || !v || m.length !== this.m[n]!.length || v.length !== this.v[n]!.length) {
        throw new Error(`Cannot restore optimiser state: tensor "${n}" is missing or has the wrong size`);
      }
      this.m[n]!.set(m);
      this.v[n]!.set(v);
    }
    this.step = state.step;
  }
}

/** Linear warm-up then cosine decay to `minRatio`·peak (SD-RPN §4 uses 3 % warm-up). */
export function cosineLr(step: number, total: number, peak: number, warmup: number, minRatio = 0): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return peak * (minRatio + (1 - minRatio) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/**
 * Attention-sink removal (SD-RPN-SPEC §2): the pure parts.
 *
 * Sink tokens soak up attention regardless of the question, so their grounding value says nothing
 * about where the answer is. Removal only zeroes them; whether a zeroed sink then becomes
 * background or ignore is decided by label assignment (a sink outside the fg box is background,
 * inside it is ignore).
 *
 * Two definitions:
 * - attention-based (released code, default): sink iff the early-layer answer→image attention
 *   `sinkMap[j] ≥ τ_sink`, τ_sink = 0.576 / N;
 * - norm-based (paper text): sink iff the RMS-normalised hidden state is massive at the model's
 *   sink dimensions, `max_{d ∈ sinkDims} |rms(h_j)[d]| > τ_norm`.
 */

/** Throws unless the two maps have the same length. */
function checkSameLength(grounding: ArrayLike<number>, other: ArrayLike<number>, what: string): void {
  if (other.length !== grounding.length) {
    throw new Error(
      `Invalid ${what} length "${other.length}": expected ${grounding.length} (the grounding map length)`,
    );
  }
}

/**
 * τ_sink for N visual tokens: 0.576 / N, i.e. 1e-3 at N = 576. The released threshold is a fixed
 * multiple of the uniform attention level 1/N (0.576× it), so it scales with the grid.
 */
export function attentionSinkThreshold(tokens: number): number {
  if (!Number.isInteger(tokens) || tokens < 1) {
    throw new Error(`Invalid token count "${tokens}": expected a positive integer`);
  }
  return 0.576 / tokens;
}

/** 1 where `sinkMap[j] ≥ threshold` (non-strict, as the released `sink_attn >= sink_thresh`), else 0. */
export function attentionSinkMask(sinkMap: ArrayLike<number>, threshold: number): Uint8Array {
  if (Number.isNaN(threshold)) throw new Error(`Invalid sink threshold "${threshold}": expected a number`);
  const mask = new Uint8Array(sinkMap.length);
  for (let j = 0; j < sinkMap.length; j++) mask[j] = sinkMap[j]! >= threshold ? 1 : 0;
  return mask;
}

/**
 * Share of a sink mask's cells that are flagged (non-zero): the fraction of the image a sink rule zeroes.
 * Near the share of cells above the mean attention, a rule flags the map's bright half — the target too.
 */
export function flaggedShare(mask: ArrayLike<number>): number {
  if (mask.length === 0) throw new Error("Cannot take the flagged share of an empty sink mask");
  let flagged = 0;
  for (let j = 0; j < mask.length; j++) if (mask[j] !== 0) flagged++;
  return flagged / mask.length;
}

/** Copy of `grounding` with 0 wherever `mask[j] !== 0`. Inputs are not mutated. */
export function applySinkMask(grounding: ArrayLike<number>, mask: ArrayLike<number>): Float64Array {
  checkSameLength(grounding, mask, "sink mask");
  const out = Float64Array.from(grounding);
  for (let j = 0; j < out.length; j++) if (mask[j] !== 0) out[j] = 0;
  return out;
}

/**
 * Attention-based sink removal: copy of `grounding` with 0 where `sinkMap[j] ≥ threshold`.
 * Inputs are not mutated.
 */
export function removeSinks(
  grounding: ArrayLike<number>,
  sinkMap: ArrayLike<number>,
  threshold: number,
): Float64Array {
  checkSameLength(grounding, sinkMap, "sink map");
  return applySinkMask(grounding, attentionSinkMask(sinkMap, threshold));
}

/** ε of the RMS normalisation, as in the released `process_hidden_states_and_find_indices`. */
export const RMS_EPS = 1e-6;

function checkHidden(hidden: ArrayLike<number>, dim: number): number {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`Invalid dim "${dim}": expected a positive integer`);
  if (hidden.length % dim !== 0) {
    throw new Error(`Invalid hidden length "${hidden.length}": expected a multiple of dim ${dim}`);
  }
  return hidden.length / dim;
}

/**
 * RMS normalisation without a learned weight, per token: h / sqrt(mean(h²) + ε).
 * `h` is [tokens, dim] row-major; returns the same layout in float64.
 */
export function rmsNormalise(h: ArrayLike<number>, dim: number): Float64Array {
  const tokens = checkHidden(h, dim);
  const out = new Float64Array(h.length);
  for (let t = 0; t < tokens; t++) {
    const base = t * dim;
    let sq = 0;
    for (let k = 0; k < dim; k++) sq += h[base + k]! * h[base + k]!;
    const inv = 1 / Math.sqrt(sq / dim + RMS_EPS);
    for (let k = 0; k < dim; k++) out[base + k] = h[base + k]! * inv;
  }
  return out;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
function median(values: number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The model's sink dimensions, found from data (the 7B model's were hard-coded from the
 * massive-activation literature; a small model needs its own).
 *
 * Rule: RMS-normalise every visual token (so the scale matches {@link normSinkMask}); for each dim
 * take its peak `P[d] = max_t |rms(h_t)[d]|`; a dim is an outlier iff `P[d] > z · median(P)`
 * (strict); return the `k` largest outliers, by descending peak (ties: lower dim first). Fewer than
 * `k` (possibly none) are returned when fewer dims are outliers — then no token can be a norm sink.
 * Defaults k = 2 (the released 7B list has two dims), z = 5.
 *
 * `hidden` is [tokens, d] row-major: the visual-token hidden states at the chosen layer.
 */
export function findSinkDims(
  hidden: ArrayLike<number>,
  d: number,
  options: { k?: number; z?: number } = {},
): number[] {
  const tokens = checkHidden(hidden, d);
  const k = options.k ?? 2;
  const z = options.z ?? 5;
  if (!Number.isInteger(k) || k < 1) throw new Error(`Invalid k "${k}": expected a positive integer`);
  if (!Number.isFinite(z) || z <= 0) throw new Error(`Invalid z "${z}": expected a positive number`);
  if (tokens === 0) return [];
  const normed = rmsNormalise(hidden, d);
  const peak = new Array<number>(d).fill(0);
  for (let t = 0; t < tokens; t++) {
    for (let j = 0; j < d; j++) {
      const v = Math.abs(normed[t * d + j]!);
      if (v > peak[j]!) peak[j] = v;
    }
  }
  const cut = z * median(peak);
  return peak
    .map((p, dim) => ({ p, dim }))
    .filter(({ p }) => p > cut)
    .sort((x, y) => y.p - x.p || x.dim - y.dim)
    .slice(0, k)
    .map(({ dim }) => dim);
}

/**
 * τ_norm relative to √d. An RMS-normalised vector has Σ v² = d, so one coordinate can reach at most
 * √d (all the energy in one dim) while a typical coordinate is O(1). The paper's τ_norm = 20 at
 * d = 4096 is 20/64 = 0.3125 of √d; the default fraction keeps that ratio, so the threshold
 * means "this dim holds about (0.3125)² ≈ 10 % of the token's energy" at every width.
 */
export function normSinkThreshold(d: number, fraction = 20 / 64): number {
  if (!Number.isInteger(d) || d < 1) throw new Error(`Invalid dim "${d}": expected a positive integer`);
  return fraction * Math.sqrt(d);
}

/**
 * Norm-based sink score per token: `max_{dim ∈ sinkDims} |rms(h_t)[dim]|` (0 without sink dims). `hidden`
 * is [tokens, d]; returns [tokens]. The teacher records these scores; {@link normScoreMask} thresholds them.
 */
export function normSinkScores(
  hidden: ArrayLike<number>,
  d: number,
  sinkDims: readonly number[],
): Float64Array {
  const tokens = checkHidden(hidden, d);
  for (const dim of sinkDims) {
    if (!Number.isInteger(dim) || dim < 0 || dim >= d) {
      throw new Error(`Invalid sink dim "${dim}": expected an integer in [0, ${d - 1}]`);
    }
  }
  const normed = rmsNormalise(hidden, d);
  const out = new Float64Array(tokens);
  for (let t = 0; t < tokens; t++) {
    let m = 0;
    for (const dim of sinkDims) m = Math.max(m, Math.abs(normed[t * d + dim]!));
    out[t] = m;
  }
  return out;
}

/** 1 where a norm-based sink score exceeds τ_norm (strict, as the released code), else 0. */
export function normScoreMask(scores: ArrayLike<number>, tauNorm: number): Uint8Array {
  if (Number.isNaN(tauNorm)) throw new Error(`Invalid norm threshold "${tauNorm}": expected a number`);
  return Uint8Array.from(scores as ArrayLike<number>, (s) => (s > tauNorm ? 1 : 0));
}

/**
 * Norm-based sink mask over tokens: 1 iff `max_{dim ∈ sinkDims} |rms(h_t)[dim]| > tauNorm`
 * (strict, as the released code). `hidden` is [tokens, d]; returns [tokens]. No sink dims → no sinks.
 * Use {@link applySinkMask} to zero the sinks in a grounding map.
 */
export function normSinkMask(
  hidden: ArrayLike<number>,
  d: number,
  sinkDims: readonly number[],
  tauNorm: number,
): Uint8Array {
  const scores = normSinkScores(hidden, d, sinkDims);
  if (Number.isNaN(tauNorm)) throw new Error(`Invalid norm threshold "${tauNorm}": expected a number`);
  if (sinkDims.length === 0) return new Uint8Array(scores.length);
  return normScoreMask(scores, tauNorm);
}

// Fused scaled-dot-product attention, forward and backward, for wasm32 + SIMD128.
//
// Why: on tfjs's wasm backend batched or transposed matmuls (attention's QKᵀ and PV) run at 1–2 GFLOP/s,
// ten times slower than plain 2-D matmuls. Here every product is one small register-blocked kernel
// (4 rows × 8 columns of the result in eight v128 accumulators), the softmax is fused between them, and
// causally masked blocks are skipped.
//
// Layout: q [BH, Tq, dh], k and v [BH, Tk, dh], probabilities [BH, Tq, Tk], all row-major float32; key
// validity [B, Tk] bytes (1 = attendable), batch row of head-row bh = bh / heads. Query i sits at absolute
// position offset + i; with `causal` it sees keys 0..offset+i. A query with no attendable key gets a
// uniform distribution over all Tk keys: what an additive −1e9 mask gives in float32.
//
// Memory is owned by the caller (the TS loader lays out every buffer and the scratch area). Reads of up to
// 7 floats past the end of k, v, q, dout and scratch rows happen in the last column block; the loader
// leaves slack after every buffer and the lanes read there are discarded.
//
// Build: scripts/build_attention_wasm.sh (pinned flags, byte-identical output).

#include <wasm_simd128.h>

typedef unsigned char u8;

#define NEG_BIG (-1.0e30f)

static inline int round8(int n) { return (n + 7) & ~7; }
static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

// C[mr × nv] (=|+=) alpha · Σ_{k0 ≤ k < k1} A[m, k] · B[k, 0..7]. A element (m, k) at A[m·sam + k·sak]
// (row-major A: sam = lda, sak = 1; transposed A: sam = 1, sak = lda). B rows are 8 contiguous floats at
// B + k·ldb. Only the first nv ≤ 8 columns of C are written.
static inline __attribute__((always_inline)) void tile(const int mr, int nv, int k0, int k1, const float *A,
                                                       int sam, int sak, const float *B, int ldb, float *C,
                                                       int ldc, float alpha, int accumulate) {
  v128_t c00 = wasm_f32x4_splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  v128_t c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (int k = k0; k < k1; k++) {
    const float *b = B + k * ldb;
    const v128_t b0 = wasm_v128_load(b);
    const v128_t b1 = wasm_v128_load(b + 4);
    const float *a = A + k * sak;
    v128_t a0 = wasm_v128_load32_splat(a);
    c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(a0, b0));
    c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(a0, b1));
    if (mr > 1) {
      v128_t a1 = wasm_v128_load32_splat(a + sam);
      c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(a1, b0));
      c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(a1, b1));
    }
    if (mr > 2) {
      v128_t a2 = wasm_v128_load32_splat(a + 2 * sam);
      c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(a2, b0));
      c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(a2, b1));
    }
    if (mr > 3) {
      v128_t a3 = wasm_v128_load32_splat(a + 3 * sam);
      c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(a3, b0));
      c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(a3, b1));
    }
  }
  const v128_t al = wasm_f32x4_splat(alpha);
  v128_t acc[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
  for (int r = 0; r < mr; r++) {
    float *c = C + r * ldc;
    v128_t lo = wasm_f32x4_mul(acc[2 * r], al);
    v128_t hi = wasm_f32x4_mul(acc[2 * r + 1], al);
    if (nv == 8) {
      if (accumulate) {
        lo = wasm_f32x4_add(lo, wasm_v128_load(c));
        hi = wasm_f32x4_add(hi, wasm_v128_load(c + 4));
      }
      wasm_v128_store(c, lo);
      wasm_v128_store(c + 4, hi);
    } else {
      float tmp[8];
      wasm_v128_store(tmp, lo);
      wasm_v128_store(tmp + 4, hi);
      for (int j = 0; j < nv; j++) c[j] = accumulate ? c[j] + tmp[j] : tmp[j];
    }
  }
}

// One row block of `rows` (1..4) rows: tiles across n columns, each with its own k range [k0, k1).
static void tile_dispatch(int rows, int nv, int k0, int k1, const float *A, int sam, int sak, const float *B,
                          int ldb, float *C, int ldc, float alpha, int accumulate) {
  switch (rows) {
  case 4: tile(4, nv, k0, k1, A, sam, sak, B, ldb, C, ldc, alpha, accumulate); break;
  case 3: tile(3, nv, k0, k1, A, sam, sak, B, ldb, C, ldc, alpha, accumulate); break;
  case 2: tile(2, nv, k0, k1, A, sam, sak, B, ldb, C, ldc, alpha, accumulate); break;
  default: tile(1, nv, k0, k1, A, sam, sak, B, ldb, C, ldc, alpha, accumulate); break;
  }
}

// exp(x) for 4 lanes with x ≤ 0 (scores minus their row maximum): x = n·ln2 + r with n rounded by the
// 1.5·2^23 trick (its bits then hold n for the exponent), and Cephes' degree-6 polynomial for e^r (relative
// error ~2e-7). Lanes below −69 return exactly 0: masked scores, as exp(−1e9) does in float32, and
// weights under 1e-30 of the row maximum, which would otherwise make subnormal probabilities (e.g. e^−80/Tk)
// that slow every later multiply on x86 by ~100×.
static inline v128_t exp4(v128_t x) {
  const v128_t lo = wasm_f32x4_splat(-69.0f);
  const v128_t magic = wasm_f32x4_splat(12582912.0f);
  const v128_t zero_mask = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_pmax(x, lo);
  const v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504088896341f)), magic);
  const v128_t n = wasm_f32x4_sub(t, magic);
  v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693359375f)));
  r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(-2.12194440e-4f)));
  v128_t p = wasm_f32x4_splat(1.9875691500e-4f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.3981999507e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(8.3334519073e-3f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(4.1665795894e-2f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.6666665459e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(5.0000001201e-1f));
  p = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_mul(p, r), r), wasm_f32x4_add(r, wasm_f32x4_splat(1.0f)));
  // The low bits of t's pattern are n (two's complement); shifting them into the exponent field and adding
  // the bias gives 2^n, n in [−100, 0].
  const v128_t pow2 = wasm_i32x4_shl(wasm_i32x4_add(t, wasm_i32x4_splat(127)), 23);
  return wasm_v128_andnot(wasm_f32x4_mul(p, pow2), zero_mask);
}

static inline float hmax(v128_t v) {
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_pmax(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

static inline float hsum(v128_t v) {
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  v = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(v, 0);
}

// Per query row: how many leading keys it may see (lim), and key biases kb[Tkp] (0 valid, NEG_BIG
// masked or padding). Returns 1 in deg[i] for rows with no attendable key (they become uniform over Tk).
static void row_limits(const u8 *valid, int tq, int tk, int causal, int offset, int *lim, u8 *deg, float *kb,
                       int *prefix) {
  const int tkp = round8(tk);
  prefix[0] = 0;
  for (int j = 0; j < tk; j++) {
    const int ok = valid ? valid[j] != 0 : 1;
    kb[j] = ok ? 0.0f : NEG_BIG;
    prefix[j + 1] = prefix[j] + ok;
  }
  for (int j = tk; j < tkp; j++) kb[j] = NEG_BIG;
  for (int i = 0; i < tq; i++) {
    int l = causal ? imax(0, imin(tk, offset + i + 1)) : tk;
    deg[i] = prefix[l] == 0;
    lim[i] = deg[i] ? tk : l;
  }
}

static int block_limit(const int *lim, int i0, int rows) {
  int m = 0;
  for (int r = 0; r < rows; r++) m = imax(m, lim[i0 + r]);
  return m;
}

// dst [cols, ld] = src [rows, cols]ᵀ with zero padding in columns rows..ld−1.
static void transpose_pad(const float *src, int rows, int cols, float *dst, int ld) {
  for (int c = 0; c < cols; c++) {
    float *d = dst + c * ld;
    for (int r = 0; r < rows; r++) d[r] = src[r * cols + c];
    for (int r = rows; r < ld; r++) d[r] = 0.0f;
  }
}

// Scratch floats needed per call (ints and bytes share the area).
int attn_scratch_floats(int tq, int tk, int dh) {
  const int tkp = round8(tk);
  return tq * tkp + dh * tkp + 2 * tkp + 3 * tq + 3 * (tk + 1) + 64;
}

// out [BH, Tq, dh] = softmax(scale · q·kᵀ + mask) · v; probs [BH, Tq, Tk].
void attn_forward(const float *q, const float *k, const float *v, const u8 *valid, float *out, float *probs,
                  int bh, int heads, int tq, int tk, int dh, int causal, int offset, float scale,
                  float *scratch) {
  const int tkp = round8(tk);
  float *s = scratch;           // [Tq, Tkp] scores, then unnormalised probabilities
  float *kt = s + tq * tkp;     // [dh, Tkp]
  float *kb = kt + dh * tkp;    // [Tkp]
  int *lim = (int *)(kb + tkp); // [Tq]
  int *prefix = lim + tq;       // [Tk + 1]
  u8 *deg = (u8 *)(prefix + tk + 1);
  int last_batch = -1;
  for (int h = 0; h < bh; h++) {
    const int b = h / heads;
    const float *qh = q + h * tq * dh, *kh = k + h * tk * dh, *vh = v + h * tk * dh;
    float *oh = out + h * tq * dh, *ph = probs + h * tq * tk;
    if (b != last_batch) {
      row_limits(valid ? valid + b * tk : 0, tq, tk, causal, offset, lim, deg, kb, prefix);
      last_batch = b;
    }
    transpose_pad(kh, tk, dh, kt, tkp);
    for (int i0 = 0; i0 < tq; i0 += 4) {
      const int rows = imin(4, tq - i0);
      const int kmax = block_limit(lim, i0, rows);
      // Scores for the columns this row block can see (padded to 8).
      for (int j0 = 0; j0 < kmax; j0 += 8)
        tile_dispatch(rows, 8, 0, dh, qh + i0 * dh, dh, 1, kt + j0, tkp, s + i0 * tkp + j0, tkp, scale, 0);
      for (int r = 0; r < rows; r++) {
        const int i = i0 + r;
        float *row = s + i * tkp;
        float *pr = ph + i * tk;
        const int l = lim[i];
        int j = 0;
        if (deg[i]) {
          for (; j < tk; j++) pr[j] = 1.0f / (float)tk;
          continue;
        }
        // Mask and max over the visible 8-wide groups (lanes from l on forced to NEG_BIG), exp and sum in
        // place, then normalise straight into the probabilities.
        const int lp = round8(l);
        for (j = l; j < lp; j++) row[j] = NEG_BIG;
        v128_t mx = wasm_f32x4_splat(NEG_BIG);
        for (j = 0; j < lp; j += 4) {
          v128_t x = wasm_f32x4_add(wasm_v128_load(row + j), wasm_v128_load(kb + j));
          wasm_v128_store(row + j, x);
          mx = wasm_f32x4_pmax(mx, x);
        }
        const v128_t m = wasm_f32x4_splat(hmax(mx));
        v128_t sum = wasm_f32x4_splat(0.0f);
        for (j = 0; j < lp; j += 4) {
          v128_t e = exp4(wasm_f32x4_sub(wasm_v128_load(row + j), m));
          wasm_v128_store(row + j, e);
          sum = wasm_f32x4_add(sum, e);
        }
        const float inv = 1.0f / hsum(sum);
        const v128_t inv4 = wasm_f32x4_splat(inv);
        for (j = 0; j + 4 <= l; j += 4) wasm_v128_store(pr + j, wasm_f32x4_mul(wasm_v128_load(row + j), inv4));
        for (; j < l; j++) pr[j] = row[j] * inv;
        for (; j < tk; j++) pr[j] = 0.0f;
      }
      // out rows = P · V over the visible keys (P rows are zero past each row's limit).
      for (int c0 = 0; c0 < dh; c0 += 8)
        tile_dispatch(rows, imin(8, dh - c0), 0, kmax, ph + i0 * tk, tk, 1, vh + c0, dh, oh + i0 * dh + c0, dh,
                      1.0f, 0);
    }
  }
}

// Gradients of out = softmax(scale · q·kᵀ + mask) · v given dout and the forward's probs.
void attn_backward(const float *q, const float *k, const float *v, const u8 *valid, const float *probs,
                   const float *dout, float *dq, float *dk, float *dv, int bh, int heads, int tq, int tk, int dh,
                   int causal, int offset, float scale, float *scratch) {
  const int tkp = round8(tk);
  float *ds = scratch;          // [Tq, Tkp] dP, then dS
  float *vt = ds + tq * tkp;    // [dh, Tkp]
  float *kb = vt + dh * tkp;    // [Tkp] (unused here)
  int *lim = (int *)(kb + tkp); // [Tq]
  int *prefix = lim + tq;       // [Tk + 1]
  u8 *deg = (u8 *)(prefix + tk + 1);
  int last_batch = -1;
  for (int h = 0; h < bh; h++) {
    const int b = h / heads;
    const float *qh = q + h * tq * dh, *kh = k + h * tk * dh, *vh = v + h * tk * dh;
    const float *ph = probs + h * tq * tk, *doh = dout + h * tq * dh;
    float *dqh = dq + h * tq * dh, *dkh = dk + h * tk * dh, *dvh = dv + h * tk * dh;
    if (b != last_batch) {
      row_limits(valid ? valid + b * tk : 0, tq, tk, causal, offset, lim, deg, kb, prefix);
      last_batch = b;
    }
    transpose_pad(vh, tk, dh, vt, tkp);
    // dS = scale · P ∘ (dO·Vᵀ − rowsum(P ∘ dO·Vᵀ)), zero outside each row's visible keys.
    for (int i0 = 0; i0 < tq; i0 += 4) {
      const int rows = imin(4, tq - i0);
      const int kmax = block_limit(lim, i0, rows);
      for (int j0 = 0; j0 < kmax; j0 += 8)
        tile_dispatch(rows, 8, 0, dh, doh + i0 * dh, dh, 1, vt + j0, tkp, ds + i0 * tkp + j0, tkp, 1.0f, 0);
      for (int r = 0; r < rows; r++) {
        const int i = i0 + r, l = lim[i];
        float *row = ds + i * tkp;
        const float *pr = ph + i * tk;
        float d = 0.0f;
        int j = 0;
        v128_t acc = wasm_f32x4_splat(0.0f);
        for (; j + 4 <= l; j += 4) acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(pr + j), wasm_v128_load(row + j)));
        d = hsum(acc);
        for (; j < l; j++) d += pr[j] * row[j];
        const v128_t dv4 = wasm_f32x4_splat(d), sc = wasm_f32x4_splat(scale);
        for (j = 0; j + 4 <= l; j += 4) {
          v128_t g = wasm_f32x4_mul(wasm_v128_load(pr + j), wasm_f32x4_sub(wasm_v128_load(row + j), dv4));
          wasm_v128_store(row + j, wasm_f32x4_mul(g, sc));
        }
        for (; j < l; j++) row[j] = scale * pr[j] * (row[j] - d);
        // Zero up to Tkp: the dk pass reads whole 4-column groups of every row it visits.
        for (j = l; j < tkp; j++) row[j] = 0.0f;
      }
      // dq rows = dS · K.
      for (int c0 = 0; c0 < dh; c0 += 8)
        tile_dispatch(rows, imin(8, dh - c0), 0, kmax, ds + i0 * tkp, tkp, 1, kh + c0, dh, dqh + i0 * dh + c0,
                      dh, 1.0f, 0);
    }
    // dk = dSᵀ · Q and dv = Pᵀ · dO, over the queries that see each key block: rows i with lim[i] > j0.
    for (int j0 = 0; j0 < tk; j0 += 4) {
      const int rows = imin(4, tk - j0);
      int i_start = 0;
      while (i_start < tq && lim[i_start] <= j0 && !deg[i_start]) i_start++;
      for (int c0 = 0; c0 < dh; c0 += 8) {
        const int nv = imin(8, dh - c0);
        tile_dispatch(rows, nv, i_start, tq, ds + j0, 1, tkp, qh + c0, dh, dkh + j0 * dh + c0, dh, 1.0f, 0);
        tile_dispatch(rows, nv, i_start, tq, ph + j0, 1, tk, doh + c0, dh, dvh + j0 * dh + c0, dh, 1.0f, 0);
      }
    }
  }
}

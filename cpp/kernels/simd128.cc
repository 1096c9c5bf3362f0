// SIMD128 row kernels, written against <wasm_simd128.h>. Natively the same source compiles
// through SIMDe's implementation of the WASM intrinsics, so the sanitizers and GoogleTest run the
// real kernel. Register budget: V8 gives wasm SIMD about 15 XMM registers on x64; the loops keep
// 6 accumulators + 4 loads live (measured: 3 accumulators per sum spill and run 1.5x slower).
#include "cosine_rows-inl.h"
#include "cossim/kernels.h"

#if COSSIM_HAVE_SIMD128

#include "scalar-inl.h"
#include "search_simd128.h"
#include "sets.h"
#include "wasm_simd128.h"

// The long-row kernels are size-optimised (clang's minsize: -Oz for those functions): measured as
// fast as at -O3 ([4096,768] f32/f64, d = 32..768, single pairs, a broadcast query) and 1.5 KB
// smaller. The small-row kernels keep -O3 (with the whole file at -Os they ran 1.3-2.2x slower).
#if defined(__clang__)
#define COSSIM_MINSIZE [[clang::minsize]]
#else
#define COSSIM_MINSIZE
#endif

namespace cossim {
namespace {

inline double hsum_f64x2(v128_t v) {
  return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1);
}

// Widens the four f32 lanes of `v` and adds them to the two f64 lanes of `total`.
inline v128_t add_widened(v128_t total, v128_t v) {
  const v128_t high = wasm_i32x4_shuffle(v, v, 2, 3, 2, 3);
  total = wasm_f64x2_add(total, wasm_f64x2_promote_low_f32x4(v));
  return wasm_f64x2_add(total, wasm_f64x2_promote_low_f32x4(high));
}

// One pass giving dot(a, b), |b|^2 and, when kWithSsA, |a|^2 (without it: the broadcast-query
// pass, where |a|^2 is known).
template <bool kWithSsA>
COSSIM_MINSIZE RowSums row_sums_f32(const float* a, const float* b, std::size_t n) {
  v128_t dot_total = wasm_f64x2_splat(0.0);
  v128_t aa_total = wasm_f64x2_splat(0.0);
  v128_t bb_total = wasm_f64x2_splat(0.0);
  const std::size_t n_vec = n & ~static_cast<std::size_t>(7);
  std::size_t i = 0;
  while (i < n_vec) {
    // f32 partial sums over at most kFlushBlock elements bound the rounding error per block;
    // the f64 totals keep it from growing with n.
    const std::size_t block_end = (n_vec - i > kFlushBlock) ? i + kFlushBlock : n_vec;
    v128_t dot0 = wasm_f32x4_splat(0.0f), dot1 = dot0;
    v128_t aa0 = dot0, aa1 = dot0, bb0 = dot0, bb1 = dot0;
    for (; i < block_end; i += 8) {
      const v128_t x0 = wasm_v128_load(a + i);
      const v128_t x1 = wasm_v128_load(a + i + 4);
      const v128_t y0 = wasm_v128_load(b + i);
      const v128_t y1 = wasm_v128_load(b + i + 4);
      dot0 = wasm_f32x4_add(dot0, wasm_f32x4_mul(x0, y0));
      dot1 = wasm_f32x4_add(dot1, wasm_f32x4_mul(x1, y1));
      if constexpr (kWithSsA) {
        aa0 = wasm_f32x4_add(aa0, wasm_f32x4_mul(x0, x0));
        aa1 = wasm_f32x4_add(aa1, wasm_f32x4_mul(x1, x1));
      }
      bb0 = wasm_f32x4_add(bb0, wasm_f32x4_mul(y0, y0));
      bb1 = wasm_f32x4_add(bb1, wasm_f32x4_mul(y1, y1));
    }
    // One f32 add per lane before widening halves the flush work; it adds one rounding of a
    // block partial sum, negligible next to the block's own.
    dot_total = add_widened(dot_total, wasm_f32x4_add(dot0, dot1));
    if constexpr (kWithSsA) aa_total = add_widened(aa_total, wasm_f32x4_add(aa0, aa1));
    bb_total = add_widened(bb_total, wasm_f32x4_add(bb0, bb1));
  }
  RowSums s{hsum_f64x2(dot_total), hsum_f64x2(aa_total), hsum_f64x2(bb_total)};
  for (; i < n; ++i) {  // the tail never reads past a[n-1], b[n-1]
    const double x = a[i], y = b[i];
    s.dot += x * y;
    if constexpr (kWithSsA) s.ss_a += x * x;
    s.ss_b += y * y;
  }
  // f32 products overflow for |x| >~ 1.8e19 (and partial sums a little below): redo such a row in
  // double, so the result does not depend on the kernel. Rows with NaN/Inf inputs land here too
  // and get the same NaN/Inf from the scalar kernel. (x - x is 0 for finite x, NaN otherwise.)
  if ((s.dot - s.dot) + (s.ss_a - s.ss_a) + (s.ss_b - s.ss_b) != 0.0) {
    return scalar::row_sums<float, kWithSsA>(a, b, n);
  }
  return s;
}

template <bool kWithSsA>
COSSIM_MINSIZE RowSums row_sums_f64(const double* a, const double* b, std::size_t n) {
  v128_t dot0 = wasm_f64x2_splat(0.0), dot1 = dot0;
  v128_t aa0 = dot0, aa1 = dot0, bb0 = dot0, bb1 = dot0;
  const std::size_t n_vec = n & ~static_cast<std::size_t>(3);
  std::size_t i = 0;
  for (; i < n_vec; i += 4) {
    const v128_t x0 = wasm_v128_load(a + i);
    const v128_t x1 = wasm_v128_load(a + i + 2);
    const v128_t y0 = wasm_v128_load(b + i);
    const v128_t y1 = wasm_v128_load(b + i + 2);
    dot0 = wasm_f64x2_add(dot0, wasm_f64x2_mul(x0, y0));
    dot1 = wasm_f64x2_add(dot1, wasm_f64x2_mul(x1, y1));
    if constexpr (kWithSsA) {
      aa0 = wasm_f64x2_add(aa0, wasm_f64x2_mul(x0, x0));
      aa1 = wasm_f64x2_add(aa1, wasm_f64x2_mul(x1, x1));
    }
    bb0 = wasm_f64x2_add(bb0, wasm_f64x2_mul(y0, y0));
    bb1 = wasm_f64x2_add(bb1, wasm_f64x2_mul(y1, y1));
  }
  RowSums s{hsum_f64x2(wasm_f64x2_add(dot0, dot1)), hsum_f64x2(wasm_f64x2_add(aa0, aa1)),
            hsum_f64x2(wasm_f64x2_add(bb0, bb1))};
  for (; i < n; ++i) {
    const double x = a[i], y = b[i];
    s.dot += x * y;
    if constexpr (kWithSsA) s.ss_a += x * x;
    s.ss_b += y * y;
  }
  return s;
}

// The kernel-set entries, out of line (noinline): internal::cosine_rows inlines the templates
// into its per-row loops only, and calls these for its once-per-call sums, where more inlined
// copies of the loops cost 1.8 KB of .wasm for no speed. (Calling them per row too would save
// 2 KB more, but cost 1.24x on one query against [100000,16] and 1.08x on float64 [100000,16].)
[[gnu::noinline]] COSSIM_MINSIZE RowSums row_sums_f32_simd128(const float* a, const float* b,
                                                              std::size_t n) {
  return row_sums_f32<true>(a, b, n);
}
[[gnu::noinline]] COSSIM_MINSIZE RowSums row_dot_ss_f32_simd128(const float* a, const float* b,
                                                                std::size_t n) {
  return row_sums_f32<false>(a, b, n);
}
[[gnu::noinline]] COSSIM_MINSIZE RowSums row_sums_f64_simd128(const double* a, const double* b,
                                                              std::size_t n) {
  return row_sums_f64<true>(a, b, n);
}
[[gnu::noinline]] COSSIM_MINSIZE RowSums row_dot_ss_f64_simd128(const double* a, const double* b,
                                                                std::size_t n) {
  return row_sums_f64<false>(a, b, n);
}

// 16 f32 lanes, widened into f64 every kFlushBlock elements (16 additions per lane per block), so
// the error does not grow with n, as in the row kernels.
COSSIM_MINSIZE double sum_f32(const float* x, std::size_t n) {
  v128_t total = wasm_f64x2_splat(0.0);
  const std::size_t n_vec = n & ~static_cast<std::size_t>(15);
  std::size_t i = 0;
  while (i < n_vec) {
    const std::size_t block_end = (n_vec - i > kFlushBlock) ? i + kFlushBlock : n_vec;
    v128_t s0 = wasm_f32x4_splat(0.0f), s1 = s0, s2 = s0, s3 = s0;
    for (; i < block_end; i += 16) {
      s0 = wasm_f32x4_add(s0, wasm_v128_load(x + i));
      s1 = wasm_f32x4_add(s1, wasm_v128_load(x + i + 4));
      s2 = wasm_f32x4_add(s2, wasm_v128_load(x + i + 8));
      s3 = wasm_f32x4_add(s3, wasm_v128_load(x + i + 12));
    }
    total = add_widened(total, wasm_f32x4_add(wasm_f32x4_add(s0, s1), wasm_f32x4_add(s2, s3)));
  }
  double t = hsum_f64x2(total);
  for (; i < n; ++i) t += x[i];
  // f32 partial sums overflow a little below FLT_MAX (and NaN/Inf land here): redo in double, so
  // the result does not depend on the kernel set.
  return t - t == 0.0 ? t : scalar::sum(x, n);
}

COSSIM_MINSIZE double sum_f64(const double* x, std::size_t n) {
  v128_t s0 = wasm_f64x2_splat(0.0), s1 = s0, s2 = s0, s3 = s0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    s0 = wasm_f64x2_add(s0, wasm_v128_load(x + i));
    s1 = wasm_f64x2_add(s1, wasm_v128_load(x + i + 2));
    s2 = wasm_f64x2_add(s2, wasm_v128_load(x + i + 4));
    s3 = wasm_f64x2_add(s3, wasm_v128_load(x + i + 6));
  }
  double total = hsum_f64x2(wasm_f64x2_add(wasm_f64x2_add(s0, s1), wasm_f64x2_add(s2, s3)));
  for (; i < n; ++i) total += x[i];
  return total;
}

void axpby_f32_simd128(const float* x, const float* y, std::size_t n, double alpha, double beta,
                       double* out) {
  const v128_t a = wasm_f64x2_splat(alpha), b = wasm_f64x2_splat(beta);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t x4 = wasm_v128_load(x + i), y4 = wasm_v128_load(y + i);
    const v128_t x_lo = wasm_f64x2_promote_low_f32x4(x4);
    const v128_t x_hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x4, x4, 2, 3, 2, 3));
    const v128_t y_lo = wasm_f64x2_promote_low_f32x4(y4);
    const v128_t y_hi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(y4, y4, 2, 3, 2, 3));
    const v128_t o_lo = wasm_v128_load(out + i), o_hi = wasm_v128_load(out + i + 2);
    wasm_v128_store(out + i, wasm_f64x2_add(o_lo, wasm_f64x2_add(wasm_f64x2_mul(a, x_lo),
                                                                 wasm_f64x2_mul(b, y_lo))));
    wasm_v128_store(out + i + 2, wasm_f64x2_add(o_hi, wasm_f64x2_add(wasm_f64x2_mul(a, x_hi),
                                                                     wasm_f64x2_mul(b, y_hi))));
  }
  for (; i < n; ++i) out[i] += alpha * static_cast<double>(x[i]) + beta * static_cast<double>(y[i]);
}

void axpby_store_f32_simd128(const float* x, const float* y, std::size_t n, double alpha,
                             double beta, float* out) {
  const v128_t a = wasm_f64x2_splat(alpha), b = wasm_f64x2_splat(beta);
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t x4 = wasm_v128_load(x + i), y4 = wasm_v128_load(y + i);
    const v128_t lo = wasm_f64x2_add(wasm_f64x2_mul(a, wasm_f64x2_promote_low_f32x4(x4)),
                                     wasm_f64x2_mul(b, wasm_f64x2_promote_low_f32x4(y4)));
    const v128_t hi = wasm_f64x2_add(
        wasm_f64x2_mul(a, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(x4, x4, 2, 3, 2, 3))),
        wasm_f64x2_mul(b, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(y4, y4, 2, 3, 2, 3))));
    const v128_t lo4 = wasm_f32x4_demote_f64x2_zero(lo), hi4 = wasm_f32x4_demote_f64x2_zero(hi);
    wasm_v128_store(out + i, wasm_i32x4_shuffle(lo4, hi4, 0, 1, 4, 5));
  }
  for (; i < n; ++i) {
    out[i] =
        static_cast<float>(alpha * static_cast<double>(x[i]) + beta * static_cast<double>(y[i]));
  }
}

void axpby_store_f64_simd128(const double* x, const double* y, std::size_t n, double alpha,
                             double beta, double* out) {
  const v128_t a = wasm_f64x2_splat(alpha), b = wasm_f64x2_splat(beta);
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    wasm_v128_store(out + i, wasm_f64x2_add(wasm_f64x2_mul(a, wasm_v128_load(x + i)),
                                            wasm_f64x2_mul(b, wasm_v128_load(y + i))));
  }
  for (; i < n; ++i) out[i] = alpha * x[i] + beta * y[i];
}

void axpby_f64_simd128(const double* x, const double* y, std::size_t n, double alpha, double beta,
                       double* out) {
  const v128_t a = wasm_f64x2_splat(alpha), b = wasm_f64x2_splat(beta);
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const v128_t t = wasm_f64x2_add(wasm_f64x2_mul(a, wasm_v128_load(x + i)),
                                    wasm_f64x2_mul(b, wasm_v128_load(y + i)));
    wasm_v128_store(out + i, wasm_f64x2_add(wasm_v128_load(out + i), t));
  }
  for (; i < n; ++i) out[i] += alpha * x[i] + beta * y[i];
}

// Small rows (d <= 16, both operands contiguous): four rows per step and a single call for the
// whole batch. Each row's whole vectors are summed lane-wise and its last d % 4 components are
// gathered one row per lane; the four rows' lane sums are then reduced together by a transpose,
// so no row pays a horizontal reduction of its own. A row's sums take at most d/4 + 3 f32
// roundings, well inside the per-block bound of the long-row kernel. These are float32-only
// kernels (the eps passed in is float32's), so the finish may run in f32 too.
struct RowVectors {
  v128_t dot, aa, bb;
};

inline RowVectors row_vectors(const float* a, const float* b, int d) {
  RowVectors v{wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f), wasm_f32x4_splat(0.0f)};
  for (int c = 0; c + 4 <= d; c += 4) {
    const v128_t x = wasm_v128_load(a + c), y = wasm_v128_load(b + c);
    v.dot = wasm_f32x4_add(v.dot, wasm_f32x4_mul(x, y));
    v.aa = wasm_f32x4_add(v.aa, wasm_f32x4_mul(x, x));
    v.bb = wasm_f32x4_add(v.bb, wasm_f32x4_mul(y, y));
  }
  return v;
}

// [Σ lanes of p, Σ lanes of q, ...] folded pairwise: (p, q) -> [p0+p2, p1+p3, q0+q2, q1+q3].
inline v128_t fold(v128_t p, v128_t q) {
  return wasm_f32x4_add(wasm_i32x4_shuffle(p, q, 0, 1, 4, 5), wasm_i32x4_shuffle(p, q, 2, 3, 6, 7));
}
inline v128_t finish_fold(v128_t p01, v128_t p23) {
  return wasm_f32x4_add(wasm_i32x4_shuffle(p01, p23, 0, 2, 4, 6),
                        wasm_i32x4_shuffle(p01, p23, 1, 3, 5, 7));
}

// Rows of 1-3 components: four rows are 1-3 contiguous vectors, de-interleaved by shuffles into
// one vector per component (lane i = row i).
template <int D>
inline void load_components(const float* p, v128_t* c) {
  if constexpr (D == 1) {
    c[0] = wasm_v128_load(p);
  } else if constexpr (D == 2) {
    const v128_t v0 = wasm_v128_load(p), v1 = wasm_v128_load(p + 4);
    c[0] = wasm_i32x4_shuffle(v0, v1, 0, 2, 4, 6);
    c[1] = wasm_i32x4_shuffle(v0, v1, 1, 3, 5, 7);
  } else {
    static_assert(D == 3, "1 to 3 components");
    // v0 = [x0 y0 z0 x1], v1 = [y1 z1 x2 y2], v2 = [z2 x3 y3 z3]
    const v128_t v0 = wasm_v128_load(p), v1 = wasm_v128_load(p + 4), v2 = wasm_v128_load(p + 8);
    c[0] = wasm_i32x4_shuffle(wasm_i32x4_shuffle(v0, v1, 0, 3, 6, 7), v2, 0, 1, 2, 5);
    c[1] = wasm_i32x4_shuffle(wasm_i32x4_shuffle(v0, v1, 1, 4, 7, 0), v2, 0, 1, 2, 6);
    c[2] = wasm_i32x4_shuffle(wasm_i32x4_shuffle(v0, v1, 2, 5, 0, 0), v2, 0, 1, 4, 7);
  }
}

// `count` contiguous rows of d components one at a time, summed in double: the last rows % 4 of
// a batch, and a four-row step whose f32 sums overflowed. One out-of-line copy for every
// instantiation below (inlined into each it cost ~1 KB of .wasm for rare or short paths).
[[gnu::noinline]] void cosine_rows_scalar_f32(const float* a, const float* b, std::size_t count,
                                              int d, double eps, double* out) {
  for (std::size_t i = 0; i < count; ++i, a += d, b += d) {
    const RowSums s = scalar::row_sums<float>(a, b, static_cast<std::size_t>(d));
    out[i] = s.dot * inv_norm(s.ss_a, eps) * inv_norm(s.ss_b, eps);
  }
}

// D > 0: the row length known at compile time (fully unrolled); D == 0: any d in 4..16 at run
// time (one instantiation instead of a dozen: code size is part of the budget).
template <int D>
void cosine_rows_small_f32(const float* a, const float* b, std::size_t rows, int d_runtime,
                           double eps, double* out) {
  const int d = D > 0 ? D : d_runtime;
  const int whole = d / 4 * 4;
  const v128_t eps4 = wasm_f32x4_splat(static_cast<float>(eps));
  std::size_t r = 0;
  for (; r + 4 <= rows; r += 4, a += 4 * d, b += 4 * d, out += 4) {
    v128_t d4 = wasm_f32x4_splat(0.0f), a4 = d4, b4 = d4;
    if constexpr (D > 0 && D <= 3) {
      v128_t x[D], y[D];
      load_components<D>(a, x);
      load_components<D>(b, y);
      for (int j = 0; j < D; ++j) {
        d4 = wasm_f32x4_add(d4, wasm_f32x4_mul(x[j], y[j]));
        a4 = wasm_f32x4_add(a4, wasm_f32x4_mul(x[j], x[j]));
        b4 = wasm_f32x4_add(b4, wasm_f32x4_mul(y[j], y[j]));
      }
    } else {
      const RowVectors r0 = row_vectors(a, b, d), r1 = row_vectors(a + d, b + d, d);
      const v128_t dot01 = fold(r0.dot, r1.dot), aa01 = fold(r0.aa, r1.aa),
                   bb01 = fold(r0.bb, r1.bb);
      const RowVectors r2 = row_vectors(a + 2 * d, b + 2 * d, d);
      const RowVectors r3 = row_vectors(a + 3 * d, b + 3 * d, d);
      d4 = finish_fold(dot01, fold(r2.dot, r3.dot));
      a4 = finish_fold(aa01, fold(r2.aa, r3.aa));
      b4 = finish_fold(bb01, fold(r2.bb, r3.bb));
    }
    for (int j = (D > 0 && D <= 3) ? d : whole; j < d; ++j) {  // the last d % 4, one per lane
      const v128_t x = wasm_f32x4_make(a[j], a[d + j], a[2 * d + j], a[3 * d + j]);
      const v128_t y = wasm_f32x4_make(b[j], b[d + j], b[2 * d + j], b[3 * d + j]);
      d4 = wasm_f32x4_add(d4, wasm_f32x4_mul(x, y));
      a4 = wasm_f32x4_add(a4, wasm_f32x4_mul(x, x));
      b4 = wasm_f32x4_add(b4, wasm_f32x4_mul(y, y));
    }
    // The finish in f32x4 (one sqrt pair and one divide for four rows: f64x2 sqrt/div made it
    // the bottleneck at d <= 4); correctly rounded sqrt and div keep it within ~3 ulp of f32.
    // pmax(ss, eps) = ss < eps ? eps : ss keeps a NaN sum of squares NaN, as inv_norm does.
    const v128_t norms = wasm_f32x4_mul(wasm_f32x4_sqrt(wasm_f32x4_pmax(a4, eps4)),
                                        wasm_f32x4_sqrt(wasm_f32x4_pmax(b4, eps4)));
    const v128_t cos4 = wasm_f32x4_div(d4, norms);
    wasm_v128_store(out, wasm_f64x2_promote_low_f32x4(cos4));
    wasm_v128_store(out + 2,
                    wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(cos4, cos4, 2, 3, 2, 3)));
    // f32 squares overflow for |x| >~ 1.8e19 (and NaN/Inf inputs land here): redo in double.
    const v128_t sums = wasm_f32x4_add(wasm_f32x4_add(a4, b4), d4);
    if (!wasm_i32x4_all_true(wasm_f32x4_eq(wasm_f32x4_sub(sums, sums), wasm_f32x4_splat(0.0f)))) {
      cosine_rows_scalar_f32(a, b, 4, d, eps, out);
    }
  }
  if (r < rows) cosine_rows_scalar_f32(a, b, rows - r, d, eps, out);  // the last rows % 4
}

constexpr std::size_t kSmallMax = 16;

// Every other f32 batch: the shared loop over the fused kernels, size-optimised (out of line, so
// the small-row kernels the dispatcher inlines keep -O3).
[[gnu::noinline]] COSSIM_MINSIZE void cosine_rows_long_f32(const float* a, std::size_t a_stride,
                                                           const float* b, std::size_t b_stride,
                                                           std::size_t rows, std::size_t d,
                                                           double eps, double* out) {
  internal::cosine_rows<float, row_sums_f32<true>, row_sums_f32<false>, row_sums_f32_simd128>(
      a, a_stride, b, b_stride, rows, d, eps, out);
}

void cosine_rows_f32_simd128(const float* a, std::size_t a_stride, const float* b,
                             std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                             double* out) {
  if (d >= 1 && d <= kSmallMax && a_stride == d && b_stride == d) {
    const int n = static_cast<int>(d);
    // Compile-time lengths where they pay (measured against the run-time kernel: d = 4 1.17x,
    // d = 8 1.06x faster); each costs 1.4-1.6 KB of .wasm. A compiled-in d = 16 was 1.2x slower
    // than the run-time loop (and 2 KB), so 16 takes the run-time kernel.
    switch (n) {
      case 1:
        return cosine_rows_small_f32<1>(a, b, rows, n, eps, out);
      case 2:
        return cosine_rows_small_f32<2>(a, b, rows, n, eps, out);
      case 3:
        return cosine_rows_small_f32<3>(a, b, rows, n, eps, out);
      case 4:
        return cosine_rows_small_f32<4>(a, b, rows, n, eps, out);
      case 8:
        return cosine_rows_small_f32<8>(a, b, rows, n, eps, out);
      default:
        return cosine_rows_small_f32<0>(a, b, rows, n, eps, out);
    }
  }
  cosine_rows_long_f32(a, a_stride, b, b_stride, rows, d, eps, out);
}

COSSIM_MINSIZE void cosine_rows_f64_simd128(const double* a, std::size_t a_stride, const double* b,
                                            std::size_t b_stride, std::size_t rows, std::size_t d,
                                            double eps, double* out) {
  internal::cosine_rows<double, row_sums_f64<true>, row_sums_f64<false>, row_sums_f64_simd128>(
      a, a_stride, b, b_stride, rows, d, eps, out);
}

}  // namespace

extern const KernelSet kSimd128KernelSet{
    "simd128",
    F32Accumulation::kBlockedF32x4,
    {row_sums_f32_simd128, row_dot_ss_f32_simd128, cosine_rows_f32_simd128,
     COSSIM_GRADIENT_KERNEL(axpby_f32_simd128), COSSIM_GRADIENT_KERNEL(axpby_store_f32_simd128),
     COSSIM_SEARCH_KERNEL(static_cast<TileDotsFn<float>>(simd128::tile_dots)),
     COSSIM_SEARCH_KERNEL(static_cast<RowDotsFn<float>>(simd128::row_dots)),
     COSSIM_SEARCH_KERNEL(sum_f32)},
    {row_sums_f64_simd128, row_dot_ss_f64_simd128, cosine_rows_f64_simd128,
     COSSIM_GRADIENT_KERNEL(axpby_f64_simd128), COSSIM_GRADIENT_KERNEL(axpby_store_f64_simd128),
     COSSIM_SEARCH_KERNEL(static_cast<TileDotsFn<double>>(simd128::tile_dots)),
     COSSIM_SEARCH_KERNEL(static_cast<RowDotsFn<double>>(simd128::row_dots)), sum_f64},
    {COSSIM_SEARCH_KERNEL(dot_f32_f16_simd128), COSSIM_SEARCH_KERNEL(dot_f32_bf16_simd128),
     COSSIM_SEARCH_KERNEL(dot_i16_i8_simd128)}};

}  // namespace cossim

#endif  // COSSIM_HAVE_SIMD128

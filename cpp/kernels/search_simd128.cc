// SIMD128 search kernels, written against <wasm_simd128.h>; natively the same source compiles
// through SIMDe so GoogleTest and the sanitizers run the real kernels. One template per kernel
// serves both dtypes through a lane traits struct (F32: 4 lanes, f32 partial sums flushed into f64
// every kFlushBlock elements; F64: 2 lanes, no flush).
//
// Register budget: V8 gives wasm SIMD about 15 XMM registers on x64. The 4 x 2 tile keeps 8
// accumulators, 2 loads of b, 1 load of a and 1 product live (12; no spills in --print-wasm-code).
// Measured for pairwise [1000,768]^2 f32 under V8: 4 x 2 36 ms, 5 x 2 43 ms, 3 x 3 47 ms, 6 x 2
// 61 ms, 2 x 4 64 ms. The row-dots kernel keeps (nq + 1) sums with 2 accumulators each for
// nq <= 2 (at most 6 + 3 live) and 1 each for nq = 3, 4 (at most 5 + 3): 2 each there was 1.3x
// slower (spills), and 5 independent chains already hide the add latency.
#include "search_simd128.h"

#if COSSIM_HAVE_SIMD128

#include <cstdint>

#include "cossim/kernels.h"
#include "scalar-inl.h"
#include "wasm_simd128.h"

namespace cossim {
namespace {

struct F32 {
  using T = float;
  static constexpr std::size_t kLanes = 4;
  static constexpr std::size_t kBlock = kFlushBlock;  // elements between flushes into f64
  static v128_t zero() { return wasm_f32x4_splat(0.0f); }
  static v128_t mul(v128_t a, v128_t b) { return wasm_f32x4_mul(a, b); }
  static v128_t add(v128_t a, v128_t b) { return wasm_f32x4_add(a, b); }
  // The four lanes summed in f64: the flush adds no f32 rounding of its own.
  static double sum(v128_t v) {
    const v128_t high = wasm_i32x4_shuffle(v, v, 2, 3, 2, 3);
    const v128_t s =
        wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(v), wasm_f64x2_promote_low_f32x4(high));
    return wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
  }
  // f32 products overflow for |x| >~ 1.8e19: such results (and NaN/Inf inputs) are recomputed by
  // the scalar kernel, whose products are exact in double, so the result does not depend on the
  // kernel set.
  static constexpr bool kRecheck = true;
  static constexpr TileDotsFn<float> kScalarTile = scalar::tile_dots<float>;
  static constexpr RowDotsFn<float> kScalarRows = scalar::row_dots<float>;
};

struct F64 {
  using T = double;
  static constexpr std::size_t kLanes = 2;
  static constexpr std::size_t kBlock = SIZE_MAX / 64 * 64;  // f64 sums throughout: no flush
  static v128_t zero() { return wasm_f64x2_splat(0.0); }
  static v128_t mul(v128_t a, v128_t b) { return wasm_f64x2_mul(a, b); }
  static v128_t add(v128_t a, v128_t b) { return wasm_f64x2_add(a, b); }
  static double sum(v128_t v) {
    return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1);
  }
  static constexpr bool kRecheck = false;  // f64 arithmetic is what the scalar kernel does too
  static constexpr TileDotsFn<double> kScalarTile = scalar::tile_dots<double>;
  static constexpr RowDotsFn<double> kScalarRows = scalar::row_dots<double>;
};

// True when every value is finite (x - x is 0 for finite x, NaN otherwise).
template <int N>
bool all_finite(const double* x) {
  double z = 0;
  for (int k = 0; k < N; ++k) z += x[k] - x[k];
  return z == 0;
}

// End of the current accumulation block: at most V::kBlock elements past i, at most n_vec.
template <class V>
std::size_t block_end(std::size_t i, std::size_t n_vec) {
  return n_vec - i > V::kBlock ? i + V::kBlock : n_vec;
}

template <class V>
void tile_dots_v(const typename V::T* const* a, const typename V::T* const* b, std::size_t n,
                 double* out) {
  using T = typename V::T;
  const T* pa[kTileA];
  const T* pb[kTileB];
  for (int r = 0; r < kTileA; ++r) pa[r] = a[r];
  for (int c = 0; c < kTileB; ++c) pb[c] = b[c];
  double total[kTileA * kTileB] = {};
  const std::size_t n_vec = n - n % V::kLanes;
  std::size_t i = 0;
  while (i < n_vec) {
    const std::size_t end = block_end<V>(i, n_vec);
    v128_t acc[kTileA][kTileB];
    for (int r = 0; r < kTileA; ++r) {
      for (int c = 0; c < kTileB; ++c) acc[r][c] = V::zero();
    }
    for (; i < end; i += V::kLanes) {
      v128_t y[kTileB];
      for (int c = 0; c < kTileB; ++c) y[c] = wasm_v128_load(pb[c] + i);
      for (int r = 0; r < kTileA; ++r) {
        const v128_t x = wasm_v128_load(pa[r] + i);
        for (int c = 0; c < kTileB; ++c) acc[r][c] = V::add(acc[r][c], V::mul(x, y[c]));
      }
    }
    for (int r = 0; r < kTileA; ++r) {
      for (int c = 0; c < kTileB; ++c) total[r * kTileB + c] += V::sum(acc[r][c]);
    }
  }
  for (; i < n; ++i) {  // the tail never reads past element n-1 of any row
    for (int r = 0; r < kTileA; ++r) {
      const double x = pa[r][i];
      for (int c = 0; c < kTileB; ++c) total[r * kTileB + c] += x * static_cast<double>(pb[c][i]);
    }
  }
  if (V::kRecheck && !all_finite<kTileA * kTileB>(total)) return V::kScalarTile(a, b, n, out);
  for (int k = 0; k < kTileA * kTileB; ++k) out[k] = total[k];
}

// NQ query dots and |t|^2 per table row, U accumulators per sum.
template <class V, int NQ, int U>
void row_dots_n(const typename V::T* table, std::size_t rows, std::size_t d,
                const typename V::T* const* queries, double* dots, double* ss) {
  using T = typename V::T;
  constexpr std::size_t kStep = V::kLanes * U;
  static_assert(V::kBlock % kStep == 0, "a flush block must hold whole steps");
  const T* q[NQ > 0 ? NQ : 1] = {};
  for (int k = 0; k < NQ; ++k) q[k] = queries[k];
  const std::size_t n_vec = d - d % kStep;
  for (std::size_t r = 0; r < rows; ++r) {
    const T* t = table + r * d;
    double total[NQ + 1] = {};  // [0, NQ): dots, [NQ]: |t|^2
    std::size_t i = 0;
    while (i < n_vec) {
      const std::size_t end = block_end<V>(i, n_vec);
      v128_t acc[NQ + 1][U];
      for (int k = 0; k <= NQ; ++k) {
        for (int u = 0; u < U; ++u) acc[k][u] = V::zero();
      }
      for (; i < end; i += kStep) {
        for (int u = 0; u < U; ++u) {
          const std::size_t at = i + u * V::kLanes;
          const v128_t y = wasm_v128_load(t + at);
          acc[NQ][u] = V::add(acc[NQ][u], V::mul(y, y));
          for (int k = 0; k < NQ; ++k) {
            acc[k][u] = V::add(acc[k][u], V::mul(wasm_v128_load(q[k] + at), y));
          }
        }
      }
      for (int k = 0; k <= NQ; ++k) {
        for (int u = 0; u < U; ++u) total[k] += V::sum(acc[k][u]);
      }
    }
    for (; i < d; ++i) {
      const double y = t[i];
      total[NQ] += y * y;
      for (int k = 0; k < NQ; ++k) total[k] += static_cast<double>(q[k][i]) * y;
    }
    if (V::kRecheck && !all_finite<NQ + 1>(total)) {
      // (dots may be null when NQ is 0: no offset is applied to it then)
      V::kScalarRows(t, 1, d, queries, NQ, NQ > 0 ? dots + r * kMaxQueryDots : dots, ss + r);
      continue;
    }
    ss[r] = total[NQ];
    for (int k = 0; k < NQ; ++k) dots[r * kMaxQueryDots + k] = total[k];
  }
}

template <class V>
void row_dots_v(const typename V::T* table, std::size_t rows, std::size_t d,
                const typename V::T* const* queries, int nq, double* dots, double* ss) {
  static_assert(kMaxQueryDots == 4, "one case per query count below");
  switch (nq) {
    case 0:
      return row_dots_n<V, 0, 2>(table, rows, d, queries, dots, ss);
    case 1:
      return row_dots_n<V, 1, 2>(table, rows, d, queries, dots, ss);
    case 2:
      return row_dots_n<V, 2, 2>(table, rows, d, queries, dots, ss);
    case 3:
      return row_dots_n<V, 3, 1>(table, rows, d, queries, dots, ss);
    default:
      return row_dots_n<V, 4, 1>(table, rows, d, queries, dots, ss);
  }
}

}  // namespace

namespace simd128 {

void tile_dots(const float* const* a, const float* const* b, std::size_t n, double* out) {
  tile_dots_v<F32>(a, b, n, out);
}
void tile_dots(const double* const* a, const double* const* b, std::size_t n, double* out) {
  tile_dots_v<F64>(a, b, n, out);
}
void row_dots(const float* table, std::size_t rows, std::size_t d, const float* const* queries,
              int nq, double* dots, double* ss) {
  row_dots_v<F32>(table, rows, d, queries, nq, dots, ss);
}
void row_dots(const double* table, std::size_t rows, std::size_t d, const double* const* queries,
              int nq, double* dots, double* ss) {
  row_dots_v<F64>(table, rows, d, queries, nq, dots, ss);
}

}  // namespace simd128
}  // namespace cossim

#endif  // COSSIM_HAVE_SIMD128

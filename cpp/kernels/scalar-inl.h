// The scalar kernels as templates: the scalar set (scalar.cc) and the readable statement of what
// every kernel computes. The SIMD sets instantiate them too, as the fallback for rows whose f32
// arithmetic overflows or meets NaN/Inf (so those rows give the scalar set's result exactly) and
// for tails. float inputs are widened first, so every product is exact and only the f64 sums round.
#pragma once

#include "cossim/kernels.h"

namespace cossim {
namespace scalar {
// Internal linkage: each kernel file gets its own copy, compiled with its own flags (scalar.cc's
// stays unvectorised; a SIMD file's fallback copy may be vectorised, with the same results). The
// loops are kept out of line (noinline): inlined into every SIMD fallback site they cost ~10 KB
// of .wasm for a rare path.
namespace {

// Two partial sums per quantity break the add dependency chain. kWithSsA = false: the
// broadcast-query pass, where |a|^2 is known (ss_a = 0).
template <typename T, bool kWithSsA = true>
[[gnu::noinline]] RowSums row_sums(const T* a, const T* b, std::size_t n) {
  double dot0 = 0, dot1 = 0, aa0 = 0, aa1 = 0, bb0 = 0, bb1 = 0;
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const double x0 = a[i], x1 = a[i + 1];
    const double y0 = b[i], y1 = b[i + 1];
    dot0 += x0 * y0;
    dot1 += x1 * y1;
    if constexpr (kWithSsA) {
      aa0 += x0 * x0;
      aa1 += x1 * x1;
    }
    bb0 += y0 * y0;
    bb1 += y1 * y1;
  }
  if (i < n) {
    const double x = a[i], y = b[i];
    dot0 += x * y;
    if constexpr (kWithSsA) aa0 += x * x;
    bb0 += y * y;
  }
  return RowSums{dot0 + dot1, aa0 + aa1, bb0 + bb1};
}

template <typename T>
RowSums row_dot_ss(const T* a, const T* b, std::size_t n) {
  return row_sums<T, false>(a, b, n);
}

template <typename T>
[[gnu::noinline]] double sum(const T* x, std::size_t n) {
  double s0 = 0, s1 = 0;
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    s0 += x[i];
    s1 += x[i + 1];
  }
  if (i < n) s0 += x[i];
  return s0 + s1;
}

template <typename T>
void axpby(const T* x, const T* y, std::size_t n, double alpha, double beta, double* out) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] += alpha * static_cast<double>(x[i]) + beta * static_cast<double>(y[i]);
  }
}

template <typename T>
void axpby_store(const T* x, const T* y, std::size_t n, double alpha, double beta, T* out) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<T>(alpha * static_cast<double>(x[i]) + beta * static_cast<double>(y[i]));
  }
}

template <typename T>
[[gnu::noinline]] void tile_dots(const T* const* a, const T* const* b, std::size_t n, double* out) {
  double acc[kTileA][kTileB] = {};
  for (std::size_t i = 0; i < n; ++i) {
    for (int r = 0; r < kTileA; ++r) {
      const double x = a[r][i];
      for (int c = 0; c < kTileB; ++c) acc[r][c] += x * static_cast<double>(b[c][i]);
    }
  }
  for (int r = 0; r < kTileA; ++r) {
    for (int c = 0; c < kTileB; ++c) out[r * kTileB + c] = acc[r][c];
  }
}

template <typename T>
[[gnu::noinline]] void row_dots(const T* table, std::size_t rows, std::size_t d,
                                const T* const* queries, int nq, double* dots, double* ss) {
  for (std::size_t r = 0; r < rows; ++r) {
    const T* t = table + r * d;
    double dot[kMaxQueryDots] = {};
    double sq = 0;
    for (std::size_t i = 0; i < d; ++i) {
      const double y = t[i];
      sq += y * y;
      for (int q = 0; q < nq; ++q) dot[q] += static_cast<double>(queries[q][i]) * y;
    }
    ss[r] = sq;
    for (int q = 0; q < nq; ++q) dots[r * kMaxQueryDots + q] = dot[q];
  }
}

}  // namespace
}  // namespace scalar
}  // namespace cossim

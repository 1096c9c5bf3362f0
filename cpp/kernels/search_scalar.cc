// Scalar search kernels: the fallback for engines without SIMD128 and the plain statement of what
// every search kernel computes. float inputs are widened first, so every product is exact and
// only the f64 sums round (the same accuracy as row_sums_f32_scalar).
#include "cossim/search.h"

namespace cossim {
namespace {

template <typename T>
void tile_dots_scalar(const T* const* a, const T* const* b, std::size_t n, double* out) {
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
void row_dots_scalar(const T* table, std::size_t rows, std::size_t d, const T* const* queries,
                     int nq, double* dots, double* ss) {
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

void tile_dots_f32_scalar(const float* const* a, const float* const* b, std::size_t n,
                          double* out) {
  tile_dots_scalar(a, b, n, out);
}
void tile_dots_f64_scalar(const double* const* a, const double* const* b, std::size_t n,
                          double* out) {
  tile_dots_scalar(a, b, n, out);
}
void row_dots_f32_scalar(const float* table, std::size_t rows, std::size_t d,
                         const float* const* queries, int nq, double* dots, double* ss) {
  row_dots_scalar(table, rows, d, queries, nq, dots, ss);
}
void row_dots_f64_scalar(const double* table, std::size_t rows, std::size_t d,
                         const double* const* queries, int nq, double* dots, double* ss) {
  row_dots_scalar(table, rows, d, queries, nq, dots, ss);
}

const SearchKernels& scalar_search_kernels() {
  static constexpr SearchKernels k{"scalar", tile_dots_f32_scalar, tile_dots_f64_scalar,
                                   row_dots_f32_scalar, row_dots_f64_scalar};
  return k;
}

}  // namespace cossim

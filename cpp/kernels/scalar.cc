// Scalar row kernels: the fallback for engines without SIMD128 and the readable statement of what
// every kernel computes. Kept genuinely scalar (the native build compiles this file with
// auto-vectorisation off) so SIMD-vs-scalar tests and benchmarks compare what they claim to.
#include "cossim/kernels.h"

namespace cossim {
namespace {

// Two partial sums per quantity break the add dependency chain; float inputs are widened first,
// so every product is exact and only the double sums round.
template <typename T>
RowSums row_sums_scalar(const T* a, const T* b, std::size_t n) {
  double dot0 = 0, dot1 = 0, aa0 = 0, aa1 = 0, bb0 = 0, bb1 = 0;
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const double x0 = a[i], x1 = a[i + 1];
    const double y0 = b[i], y1 = b[i + 1];
    dot0 += x0 * y0;
    dot1 += x1 * y1;
    aa0 += x0 * x0;
    aa1 += x1 * x1;
    bb0 += y0 * y0;
    bb1 += y1 * y1;
  }
  if (i < n) {
    const double x = a[i], y = b[i];
    dot0 += x * y;
    aa0 += x * x;
    bb0 += y * y;
  }
  return RowSums{dot0 + dot1, aa0 + aa1, bb0 + bb1};
}

}  // namespace

RowSums row_sums_f32_scalar(const float* a, const float* b, std::size_t n) {
  return row_sums_scalar(a, b, n);
}

RowSums row_sums_f64_scalar(const double* a, const double* b, std::size_t n) {
  return row_sums_scalar(a, b, n);
}

}  // namespace cossim

// The batch loop shared by every kernel set: cosines of many row pairs from a kernel set's row
// sums, with the broadcast (stride 0) operand's norm computed once. Included by scalar.cc and
// simd128.cc, instantiated with their own row kernels.
#pragma once

#include "cossim/kernels.h"

namespace cossim {
namespace internal {

template <typename T, RowSums (*Fused)(const T*, const T*, std::size_t),
          RowSums (*DotSs)(const T*, const T*, std::size_t)>
void cosine_rows(const T* a, std::size_t a_stride, const T* b, std::size_t b_stride,
                 std::size_t rows, std::size_t d, double eps, double* out) {
  if (rows == 0) return;
  if (a_stride == 0 && b_stride == 0) {  // one pair, repeated
    const RowSums s = Fused(a, b, d);
    const double c = s.dot * inv_norm(s.ss_a, eps) * inv_norm(s.ss_b, eps);
    for (std::size_t r = 0; r < rows; ++r) out[r] = c;
  } else if (a_stride == 0) {
    const double inv_a = inv_norm(Fused(a, a, d).ss_a, eps);
    for (std::size_t r = 0; r < rows; ++r) {
      const RowSums s = DotSs(a, b + r * b_stride, d);
      out[r] = s.dot * inv_a * inv_norm(s.ss_b, eps);
    }
  } else if (b_stride == 0) {
    const double inv_b = inv_norm(Fused(b, b, d).ss_a, eps);
    for (std::size_t r = 0; r < rows; ++r) {
      const RowSums s = DotSs(b, a + r * a_stride, d);  // dot is symmetric
      out[r] = s.dot * inv_norm(s.ss_b, eps) * inv_b;
    }
  } else {
    for (std::size_t r = 0; r < rows; ++r) {
      const RowSums s = Fused(a + r * a_stride, b + r * b_stride, d);
      out[r] = s.dot * inv_norm(s.ss_a, eps) * inv_norm(s.ss_b, eps);
    }
  }
}

}  // namespace internal
}  // namespace cossim

// The batch loop shared by every kernel set: cosines of many row pairs from a kernel set's row
// sums, with the broadcast (stride 0) operand's norm computed once. Included by scalar.cc and
// simd128.cc, instantiated with their own row kernels.
#pragma once

#include "cossim/kernels.h"

namespace cossim {
namespace internal {

// Fused and DotSs run once per row (a SIMD set passes kernels that inline into the loops);
// FusedOnce runs once per call (the broadcast row's norm, a repeated pair), so a set can pass an
// out-of-line kernel there instead of a third and fourth inlined copy of the fused loop.
template <typename T, RowSums (*Fused)(const T*, const T*, std::size_t),
          RowSums (*DotSs)(const T*, const T*, std::size_t),
          RowSums (*FusedOnce)(const T*, const T*, std::size_t) = Fused>
void cosine_rows(const T* a, std::size_t a_stride, const T* b, std::size_t b_stride,
                 std::size_t rows, std::size_t d, double eps, double* out) {
  if (rows == 0) return;
  if (a_stride == 0 && b_stride == 0) {  // one pair, repeated
    const RowSums s = FusedOnce(a, b, d);
    const double c = s.dot * inv_norm(s.ss_a, eps) * inv_norm(s.ss_b, eps);
    for (std::size_t r = 0; r < rows; ++r) out[r] = c;
  } else if (a_stride == 0 || b_stride == 0) {
    // One operand broadcast (the query q), the other's rows x walked; one loop for both sides
    // (dot is symmetric), the product still taken as dot * inv(a) * inv(b).
    const bool q_is_a = a_stride == 0;
    const T* q = q_is_a ? a : b;
    const T* x = q_is_a ? b : a;
    const std::size_t x_stride = q_is_a ? b_stride : a_stride;
    const double inv_q = inv_norm(FusedOnce(q, q, d).ss_a, eps);
    for (std::size_t r = 0; r < rows; ++r) {
      const RowSums s = DotSs(q, x + r * x_stride, d);
      const double inv_x = inv_norm(s.ss_b, eps);
      out[r] = s.dot * (q_is_a ? inv_q : inv_x) * (q_is_a ? inv_x : inv_q);
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

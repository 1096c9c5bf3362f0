// The cosine of two vectors, the call most users make most often, without any shape planning.
//
// Numerical contract
// ------------------
//   cosine_pair(a, b) = dot(a, b) * inv(a) * inv(b),   inv(x) = 1 / sqrt(max(sum(x^2), eps))
// * eps = epsilon_for(dtype) (Keras 2: 1e-12 in the dtype), so a zero vector gives 0, never NaN;
//   a NaN element gives NaN; an Inf element gives NaN (Inf * 0), as Keras's l2_normalize would.
// * The three sums come from the kernel set's fused row kernel (kernels.h): float32 rows are
//   accumulated in f32x4 lanes flushed into double every kFlushBlock elements (SIMD128) or in
//   double (scalar); float64 rows in double. The products after the sums are in double and the
//   result is returned as a double, not rounded to float32: within 1e-6 * (1 + |cos|) of the
//   float64 cosine of the float32 inputs for O(1) data, and within 1e-12 for float64.
#pragma once

#include <cstddef>

#include "cossim/kernels.h"

namespace cossim {

double cosine_pair(const float* a, const float* b, std::size_t n, const KernelSet& kernels);
double cosine_pair(const double* a, const double* b, std::size_t n, const KernelSet& kernels);

}  // namespace cossim

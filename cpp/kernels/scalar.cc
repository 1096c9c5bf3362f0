// The scalar kernel set: for engines without SIMD128, and the reference the SIMD sets' tests and
// benchmarks compare with. Kept genuinely scalar (the native build compiles this file with
// auto-vectorisation off) so that they compare what they claim to.
#include "cosine_rows-inl.h"
#include "cossim/kernels.h"
#include "scalar-inl.h"
#include "sets.h"

namespace cossim {
namespace {

template <typename T>
constexpr TypedKernels<T> scalar_kernels() {
  return {scalar::row_sums<T>,
          scalar::row_dot_ss<T>,
          internal::cosine_rows<T, scalar::row_sums<T>, scalar::row_dot_ss<T>>,
          scalar::axpby<T>,
          scalar::axpby_store<T>,
          scalar::tile_dots<T>,
          scalar::row_dots<T>,
          scalar::sum<T>};
}

}  // namespace

extern const KernelSet kScalarKernelSet{
    "scalar",
    F32Accumulation::kExactF64,
    scalar_kernels<float>(),
    scalar_kernels<double>(),
    {dot_f32_f16_scalar, dot_f32_bf16_scalar, dot_i16_i8_scalar}};

}  // namespace cossim

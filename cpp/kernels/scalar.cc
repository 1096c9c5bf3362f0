// The scalar kernel set: for engines without SIMD128, and the reference the SIMD sets' tests and
// benchmarks compare with. Kept genuinely scalar (the native build compiles this file with
// auto-vectorisation off) so that they compare what they claim to.
#include <type_traits>

#include "cosine_rows-inl.h"
#include "cossim/kernels.h"
#include "scalar-inl.h"
#include "sets.h"

namespace cossim {
namespace {

template <typename T>
constexpr TypedKernels<T> scalar_kernels() {
  return {scalar::row_sums<T>, scalar::row_dot_ss<T>,
          internal::cosine_rows<T, scalar::row_sums<T>, scalar::row_dot_ss<T>>,
          COSSIM_GRADIENT_KERNEL(scalar::axpby<T>), COSSIM_GRADIENT_KERNEL(scalar::axpby_store<T>),
          COSSIM_SEARCH_KERNEL(scalar::tile_dots<T>), COSSIM_SEARCH_KERNEL(scalar::row_dots<T>),
          // float32 sums serve only the benchmarks' probe (a full-module export).
          std::is_same_v<T, float> ? COSSIM_SEARCH_KERNEL(scalar::sum<T>) : scalar::sum<T>};
}

}  // namespace

extern const KernelSet kScalarKernelSet{
    "scalar",
    F32Accumulation::kExactF64,
    scalar_kernels<float>(),
    scalar_kernels<double>(),
    {COSSIM_SEARCH_KERNEL(dot_f32_f16_scalar), COSSIM_SEARCH_KERNEL(dot_f32_bf16_scalar),
     COSSIM_SEARCH_KERNEL(dot_i16_i8_scalar)}};

}  // namespace cossim

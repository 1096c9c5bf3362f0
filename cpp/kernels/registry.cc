// The kernel sets, and which one a build runs by default. WebAssembly has no runtime feature
// detection inside a module (a module with SIMD opcodes does not validate on an engine without
// them), so the choice is made per .wasm at build time and between .wasm files at load time in JS.
#include "cossim/kernels.h"

namespace cossim {

const Kernels& scalar_kernels() {
  static constexpr Kernels k{"scalar",
                             row_sums_f32_scalar,
                             row_sums_f64_scalar,
                             cosine_rows_f32_scalar,
                             cosine_rows_f64_scalar,
                             axpby_f32_scalar,
                             axpby_f64_scalar,
                             axpby_store_f32_scalar,
                             axpby_store_f64_scalar};
  return k;
}

#if COSSIM_HAVE_SIMD128
const Kernels& simd128_kernels() {
  static constexpr Kernels k{"simd128",
                             row_sums_f32_simd128,
                             row_sums_f64_simd128,
                             cosine_rows_f32_simd128,
                             cosine_rows_f64_simd128,
                             axpby_f32_simd128,
                             axpby_f64_simd128,
                             axpby_store_f32_simd128,
                             axpby_store_f64_simd128};
  return k;
}
#endif

const Kernels& default_kernels() {
#if COSSIM_HAVE_SIMD128
  return simd128_kernels();
#else
  return scalar_kernels();
#endif
}

}  // namespace cossim

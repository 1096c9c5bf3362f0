// The WebAssembly SIMD128 intrinsics: the real ones under Emscripten (-msimd128), SIMDe's
// implementation of the same API natively, so one kernel source serves both builds and native
// tests and sanitizers run the real kernels.
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#else
#define SIMDE_ENABLE_NATIVE_ALIASES
#include <simde/wasm/simd128.h>
#endif

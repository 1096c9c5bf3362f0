// A bench-only variant of row_sums_f32_simd128 without the flush into f64 every kFlushBlock
// elements: what the blocked accumulation costs is the difference between the two (shared by
// bench/native/kernels_bench.cc and bench/wasm/kernels_timing.cc; not shipped).
#pragma once

#include <cstddef>

#include "../cpp/kernels/wasm_simd128.h"
#include "cossim/kernels.h"

inline cossim::RowSums f32_unblocked(const float* a, const float* b, std::size_t n) {
  v128_t d0 = wasm_f32x4_splat(0), d1 = d0, a0 = d0, a1 = d0, b0 = d0, b1 = d0;
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const v128_t x0 = wasm_v128_load(a + i), x1 = wasm_v128_load(a + i + 4);
    const v128_t y0 = wasm_v128_load(b + i), y1 = wasm_v128_load(b + i + 4);
    d0 = wasm_f32x4_add(d0, wasm_f32x4_mul(x0, y0));
    d1 = wasm_f32x4_add(d1, wasm_f32x4_mul(x1, y1));
    a0 = wasm_f32x4_add(a0, wasm_f32x4_mul(x0, x0));
    a1 = wasm_f32x4_add(a1, wasm_f32x4_mul(x1, x1));
    b0 = wasm_f32x4_add(b0, wasm_f32x4_mul(y0, y0));
    b1 = wasm_f32x4_add(b1, wasm_f32x4_mul(y1, y1));
  }
  auto h = [](v128_t v) {
    return static_cast<double>(wasm_f32x4_extract_lane(v, 0)) + wasm_f32x4_extract_lane(v, 1) +
           wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
  };
  cossim::RowSums s{h(wasm_f32x4_add(d0, d1)), h(wasm_f32x4_add(a0, a1)),
                    h(wasm_f32x4_add(b0, b1))};
  for (; i < n; ++i) {
    s.dot += double(a[i]) * b[i];
    s.ss_a += double(a[i]) * a[i];
    s.ss_b += double(b[i]) * b[i];
  }
  return s;
}

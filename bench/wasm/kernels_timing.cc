// The row kernels timed inside WebAssembly (V8), where they actually run: the shipped f32 kernel
// (f32x4 partial sums flushed into f64 every kFlushBlock elements) against the same loop without
// the flush, and the f64 and scalar kernels. Built and run by bench/wasm/run.mjs; prints JSON.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "../f32_unblocked.h"
#include "cossim/kernels.h"

using cossim::RowSums;

template <typename T>
static double median_ms(RowSums (*kernel)(const T*, const T*, std::size_t), const T* a, const T* b,
                        std::size_t rows, std::size_t d) {
  std::vector<double> times;
  volatile double sink = 0;
  for (int rep = 0; rep < 21; ++rep) {
    const double t0 = emscripten_get_now();
    double acc = 0;
    for (std::size_t r = 0; r < rows; ++r) acc += kernel(a + r * d, b + r * d, d).dot;
    times.push_back(emscripten_get_now() - t0);
    sink = sink + acc;
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

int main() {
  const std::size_t shapes[][2] = {{4096, 768}, {4, 100000}, {100000, 16}};
  std::printf("[\n");
  bool first = true;
  for (const auto& s : shapes) {
    const std::size_t rows = s[0], d = s[1], n = rows * d;
    std::vector<float> a(n), b(n);
    std::vector<double> a64(n), b64(n);
    unsigned x = 12345;
    for (std::size_t i = 0; i < n; ++i) {
      x = x * 1664525u + 1013904223u;
      a64[i] = a[i] = static_cast<float>((x >> 8) * (1.0 / 16777216.0) - 0.5);
      x = x * 1664525u + 1013904223u;
      b64[i] = b[i] = static_cast<float>((x >> 8) * (1.0 / 16777216.0) - 0.5);
    }
    const double blocked = median_ms(cossim::row_sums_f32_simd128, a.data(), b.data(), rows, d);
    const double unblocked = median_ms(f32_unblocked, a.data(), b.data(), rows, d);
    const double scalar = median_ms(cossim::row_sums_f32_scalar, a.data(), b.data(), rows, d);
    const double f64 = median_ms(cossim::row_sums_f64_simd128, a64.data(), b64.data(), rows, d);
    std::printf(
        "%s  {\"rows\": %zu, \"d\": %zu, \"f32_simd128_ms\": %.4f, \"f32_unblocked_ms\": %.4f, "
        "\"f32_scalar_ms\": %.4f, \"f64_simd128_ms\": %.4f}",
        first ? "" : ",\n", rows, d, blocked, unblocked, scalar, f64);
    first = false;
  }
  std::printf("\n]\n");
  return 0;
}

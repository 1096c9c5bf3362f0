// The kernels timed inside WebAssembly (V8), where they actually run: row_sums and cosine_rows of
// every registered kernel set (this module registers them all: COSSIM_ALL_KERNEL_SETS=1), and the
// shipped f32 row kernel against the same loop without the flush into f64 every kFlushBlock
// elements. Built and run by bench/wasm/run.mjs; prints JSON.
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cstdio>
#include <vector>

#include "../f32_unblocked.h"
#include "cossim/kernels.h"

using cossim::KernelSet;
using cossim::RowSums;

template <typename F>
static double median_ms(F&& run) {
  std::vector<double> times;
  for (int rep = 0; rep < 21; ++rep) {
    const double t0 = emscripten_get_now();
    run();
    times.push_back(emscripten_get_now() - t0);
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

// One row_sums call per row (as the gradient does).
template <typename T>
static double rows_ms(cossim::RowSumsFn<T> kernel, const T* a, const T* b, std::size_t rows,
                      std::size_t d) {
  volatile double sink = 0;
  return median_ms([&] {
    double acc = 0;
    for (std::size_t r = 0; r < rows; ++r) acc += kernel(a + r * d, b + r * d, d).dot;
    sink = sink + acc;
  });
}

// One cosine_rows call over the batch (as the loss does).
template <typename T>
static double cosine_ms(const cossim::TypedKernels<T>& k, const T* a, const T* b, std::size_t rows,
                        std::size_t d) {
  std::vector<double> out(rows);
  volatile double sink = 0;
  return median_ms([&] {
    k.cosine_rows(a, d, b, d, rows, d, 1e-12, out.data());
    sink = sink + out[rows / 2];
  });
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
    for (const KernelSet* k : cossim::all_kernel_sets()) {
      std::printf(
          "%s  {\"set\": \"%s\", \"rows\": %zu, \"d\": %zu, \"f32_row_sums_ms\": %.4f, "
          "\"f64_row_sums_ms\": %.4f, \"f32_cosine_rows_ms\": %.4f, \"f64_cosine_rows_ms\": %.4f}",
          first ? "" : ",\n", k->name, rows, d,
          rows_ms(k->f32.row_sums, a.data(), b.data(), rows, d),
          rows_ms(k->f64.row_sums, a64.data(), b64.data(), rows, d),
          cosine_ms(k->f32, a.data(), b.data(), rows, d),
          cosine_ms(k->f64, a64.data(), b64.data(), rows, d));
      first = false;
    }
    std::printf(
        ",\n  {\"set\": \"simd128 without the flush (bench only)\", \"rows\": %zu, \"d\": %zu, "
        "\"f32_row_sums_ms\": %.4f}",
        rows, d, rows_ms<float>(f32_unblocked, a.data(), b.data(), rows, d));
  }
  std::printf("\n]\n");
  return 0;
}

// Google Benchmark of the row kernels (native; the SIMD128 kernels run through SIMDe on x86, so
// absolute numbers differ from V8's, ratios are indicative). Reports bytes/s over both rows.
//
// Also measures what the f32 kernel's blocked accumulation costs: `f32_unblocked` is the same loop
// without the flush into f64 every kFlushBlock elements (a bench-only variant, not shipped).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include "../f32_unblocked.h"
#include "cossim/kernels.h"

namespace {

using cossim::RowSums;

template <typename T>
std::vector<T> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(u(rng));
  return v;
}

// rows x d contiguous, one kernel call per row (as the core does).
template <typename T, RowSums (*Kernel)(const T*, const T*, std::size_t)>
void BM_rows(benchmark::State& state) {
  const auto d = static_cast<std::size_t>(state.range(0));
  const auto rows = static_cast<std::size_t>(state.range(1));
  const auto a = random_values<T>(rows * d, 1), b = random_values<T>(rows * d, 2);
  for (auto _ : state) {
    double acc = 0;
    for (std::size_t r = 0; r < rows; ++r) acc += Kernel(a.data() + r * d, b.data() + r * d, d).dot;
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 2 * rows * d * sizeof(T)));
}

#define SHAPES Args({768, 4096})->Args({3, 100000})->Args({16, 100000})->Args({100000, 4})

BENCHMARK(BM_rows<float, cossim::row_sums_f32_simd128>)->Name("f32_simd128")->SHAPES;
BENCHMARK(BM_rows<float, f32_unblocked>)->Name("f32_simd128_unblocked")->SHAPES;
BENCHMARK(BM_rows<float, cossim::row_sums_f32_scalar>)->Name("f32_scalar")->SHAPES;
BENCHMARK(BM_rows<double, cossim::row_sums_f64_simd128>)->Name("f64_simd128")->SHAPES;
BENCHMARK(BM_rows<double, cossim::row_sums_f64_scalar>)->Name("f64_scalar")->SHAPES;

}  // namespace

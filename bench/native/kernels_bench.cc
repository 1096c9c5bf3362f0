// Google Benchmark of every kernel of every registered kernel set (native; the SIMD128 kernels run
// through SIMDe on x86, so absolute numbers differ from V8's, ratios are indicative). A newly
// registered set is benchmarked without editing this file. Reports bytes/s over the inputs read.
//
// Also measures what the f32 row kernel's blocked accumulation costs: `f32_simd128_unblocked` is
// the same loop without the flush into f64 every kFlushBlock elements (bench-only, not shipped).
//
//   cmake -S . -B build/bench -DCOSSIM_BUILD_BENCH=ON -DCOSSIM_BUILD_TESTS=OFF
//   cmake --build build/bench -j2 && build/bench/cossim_kernels_bench --benchmark_filter=row_sums
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "../f32_unblocked.h"
#include "cossim/kernels.h"

namespace {

using cossim::KernelSet;
using cossim::RowSums;
using cossim::TypedKernels;

template <typename T>
std::vector<T> random_values(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(u(rng));
  return v;
}

template <typename T>
void set_bytes(benchmark::State& state, std::size_t elements) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * elements * sizeof(T)));
}

// rows x d contiguous, one row_sums call per row (as the gradient does).
template <typename T>
void row_sums(benchmark::State& state, cossim::RowSumsFn<T> kernel) {
  const auto d = static_cast<std::size_t>(state.range(0));
  const auto rows = static_cast<std::size_t>(state.range(1));
  const auto a = random_values<T>(rows * d, 1), b = random_values<T>(rows * d, 2);
  for (auto _ : state) {
    double acc = 0;
    for (std::size_t r = 0; r < rows; ++r) acc += kernel(a.data() + r * d, b.data() + r * d, d).dot;
    benchmark::DoNotOptimize(acc);
  }
  set_bytes<T>(state, 2 * rows * d);
}

// One cosine_rows call over the batch (as the loss does); range(2) = 1 broadcasts a.
template <typename T>
void cosine_rows(benchmark::State& state, const TypedKernels<T>* k) {
  const auto d = static_cast<std::size_t>(state.range(0));
  const auto rows = static_cast<std::size_t>(state.range(1));
  const bool broadcast = state.range(2) != 0;
  const auto a = random_values<T>(rows * d, 1), b = random_values<T>(rows * d, 2);
  std::vector<double> out(rows);
  for (auto _ : state) {
    k->cosine_rows(a.data(), broadcast ? 0 : d, b.data(), d, rows, d, 1e-12, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes<T>(state, (broadcast ? 1 : 2) * rows * d);
}

template <typename T>
void axpby(benchmark::State& state, const TypedKernels<T>* k) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = random_values<T>(n, 1), y = random_values<T>(n, 2);
  std::vector<double> acc(n);
  std::vector<T> st(n);
  const bool store = state.range(1) != 0;
  for (auto _ : state) {
    if (store) {
      k->axpby_store(x.data(), y.data(), n, 0.5, -0.25, st.data());
    } else {
      k->axpby(x.data(), y.data(), n, 0.5, -0.25, acc.data());
    }
    benchmark::ClobberMemory();
  }
  set_bytes<T>(state, 2 * n);
}

// Pairwise's micro-kernel over one 4 x 2 tile of rows of length n.
template <typename T>
void tile_dots(benchmark::State& state, const TypedKernels<T>* k) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto data = random_values<T>((cossim::kTileA + cossim::kTileB) * n, 3);
  const T* a[cossim::kTileA];
  const T* b[cossim::kTileB];
  for (int r = 0; r < cossim::kTileA; ++r) a[r] = data.data() + r * n;
  for (int c = 0; c < cossim::kTileB; ++c) b[c] = data.data() + (cossim::kTileA + c) * n;
  double out[cossim::kTileA * cossim::kTileB];
  for (auto _ : state) {
    k->tile_dots(a, b, n, out);
    benchmark::DoNotOptimize(out);
  }
  set_bytes<T>(state, (cossim::kTileA + cossim::kTileB) * n);
}

// Top-k's pass: rows x d table against range(2) queries.
template <typename T>
void row_dots(benchmark::State& state, const TypedKernels<T>* k) {
  const auto d = static_cast<std::size_t>(state.range(0));
  const auto rows = static_cast<std::size_t>(state.range(1));
  const int nq = static_cast<int>(state.range(2));
  const auto table = random_values<T>(rows * d, 4),
             q = random_values<T>(cossim::kMaxQueryDots * d, 5);
  const T* queries[cossim::kMaxQueryDots];
  for (int i = 0; i < cossim::kMaxQueryDots; ++i) queries[i] = q.data() + i * d;
  std::vector<double> dots(rows * cossim::kMaxQueryDots), ss(rows);
  for (auto _ : state) {
    k->row_dots(table.data(), rows, d, queries, nq, dots.data(), ss.data());
    benchmark::DoNotOptimize(ss.data());
  }
  set_bytes<T>(state, rows * d);
}

template <typename T>
void sum(benchmark::State& state, const TypedKernels<T>* k) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto x = random_values<T>(n, 6);
  for (auto _ : state) benchmark::DoNotOptimize(k->sum(x.data(), n));
  set_bytes<T>(state, n);
}

template <typename T>
void register_type(const KernelSet& set, const char* type) {
  const TypedKernels<T>* k = &cossim::typed<T>(set);
  const std::string p = std::string(set.name) + "/" + type + "/";
  benchmark::RegisterBenchmark((p + "row_sums").c_str(), row_sums<T>, k->row_sums)
      ->Args({768, 4096})
      ->Args({3, 100000})
      ->Args({16, 100000})
      ->Args({100000, 4});
  benchmark::RegisterBenchmark((p + "cosine_rows").c_str(), cosine_rows<T>, k)
      ->Args({768, 4096, 0})
      ->Args({768, 4096, 1})
      ->Args({3, 100000, 0})
      ->Args({16, 100000, 0});
  benchmark::RegisterBenchmark((p + "axpby").c_str(), axpby<T>, k)->Args({65536, 0});
  benchmark::RegisterBenchmark((p + "axpby_store").c_str(), axpby<T>, k)->Args({65536, 1});
  benchmark::RegisterBenchmark((p + "tile_dots").c_str(), tile_dots<T>, k)->Arg(768)->Arg(4096);
  benchmark::RegisterBenchmark((p + "row_dots").c_str(), row_dots<T>, k)
      ->Args({768, 1024, 1})
      ->Args({768, 1024, 4});
  benchmark::RegisterBenchmark((p + "sum").c_str(), sum<T>, k)->Arg(1 << 20);
}

const bool registered = [] {
  for (const KernelSet* set : cossim::all_kernel_sets()) {
    register_type<float>(*set, "f32");
    register_type<double>(*set, "f64");
  }
  benchmark::RegisterBenchmark("simd128/f32/row_sums_unblocked", row_sums<float>, &f32_unblocked)
      ->Args({768, 4096})
      ->Args({3, 100000})
      ->Args({16, 100000})
      ->Args({100000, 4});
  return true;
}();

}  // namespace

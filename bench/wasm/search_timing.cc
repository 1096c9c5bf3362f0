// Pairwise cosine and top-k search timed inside WebAssembly (V8), where they run. Built and run by
// bench/wasm/run_search.mjs; prints JSON: median and min of several calls on data already in the
// heap, and the first call separately (it includes V8's lazy compilation of the call path, and
// without --no-liftoff it may run in the baseline tier).
//   * pairwise [1000,768] x [1000,768] f32 with every registered kernel set;
//   * (the rest with the default set, SIMD128) top-10 and top-100 of 1 query over [100000,768] f32
//   (307 MB, far beyond every cache),
//     against a single fused pass over the same table with the row kernel (dot, |q|^2, |row|^2 per
//     row): the floor a streaming top-k can hope for (its loop sits in main, so it only reaches
//     full speed under --no-liftoff);
//   * top-10 of 16 queries over the same table (one pass, compute-bound).
#include <emscripten/emscripten.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "cossim/kernels.h"
#include "cossim/search.h"

using namespace cossim;

namespace {

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::vector<float> v(n);
  unsigned x = seed;
  for (auto& f : v) {
    x = x * 1664525u + 1013904223u;
    f = static_cast<float>((x >> 8) * (1.0 / 16777216.0) - 0.5);
  }
  return v;
}

TensorView view(const std::vector<float>& data, Shape shape) {
  TensorView v;
  v.dtype = DType::kFloat32;
  v.data = data.data();
  v.shape = std::move(shape);
  return v;
}

struct Timing {
  double first_ms, median_ms, min_ms;
};

template <typename F>
Timing time_it(int reps, F&& f) {
  std::vector<double> times;
  for (int r = 0; r < reps; ++r) {
    const double t0 = emscripten_get_now();
    f();
    times.push_back(emscripten_get_now() - t0);
  }
  const double first = times[0];
  std::sort(times.begin(), times.end());
  return {first, times[times.size() / 2], times[0]};
}

void print(const char* name, const Timing& t) {
  static bool first = true;
  std::printf("%s  \"%s\": {\"first_ms\": %.2f, \"median_ms\": %.2f, \"min_ms\": %.2f}",
              first ? "" : ",\n", name, t.first_ms, t.median_ms, t.min_ms);
  first = false;
}

}  // namespace

int main(int argc, char** argv) {
  // Optional argument: "pairwise" or "topk" runs one group only.
  const std::string only = argc > 1 ? argv[1] : "";
  std::printf("{\n");
  volatile double sink = 0;
  if (only.empty() || only == "pairwise") {
    const std::size_t m = 1000, d = 768;
    const auto a = random_floats(m * d, 1), b = random_floats(m * d, 2);
    SearchWorkspace ws;
    Result out;
    for (const KernelSet* k : all_kernel_sets()) {  // every set this module registers
      const bool simd = k == &default_kernel_set();
      const Timing t = time_it(simd ? 9 : 3, [&] {
        if (!pairwise_cosine(view(a, {1000, 768}), view(b, {1000, 768}), *k, &ws, &out).ok()) {
          std::printf("pairwise failed\n");
        }
        sink = sink + static_cast<const float*>(out.data)[12345];
      });
      print(("pairwise_1000x768_f32_" + std::string(k->name)).c_str(), t);
    }
  }
  if (only.empty() || only == "topk") {
    const std::size_t n = 100000, d = 768;
    const auto table = random_floats(n * d, 3), query = random_floats(d, 4);
    SearchWorkspace ws;
    TopKResult out;
    const Timing top = time_it(9, [&] {
      if (!top_k_cosine(view(query, {768}), view(table, {100000, 768}), 10, default_kernel_set(),
                        &ws, &out)
               .ok()) {
        std::printf("top_k failed\n");
      }
      sink = sink + out.indices[0];
    });
    // The floor: one fused pass of the shipped row kernel, query against every row.
    const Timing fused = time_it(9, [&] {
      double best = -2;
      for (std::size_t r = 0; r < n; ++r) {
        const RowSums s = default_kernel_set().f32.row_sums(query.data(), table.data() + r * d, d);
        best = std::max(best, s.dot / (std::sqrt(s.ss_a) * std::sqrt(s.ss_b)));
      }
      sink = sink + best;
    });
    print("top10_1x100000x768_f32_simd128", top);
    print("fused_row_pass_100000x768_f32_simd128", fused);
    const Timing top100 = time_it(5, [&] {
      if (!top_k_cosine(view(query, {768}), view(table, {100000, 768}), 100, default_kernel_set(),
                        &ws, &out)
               .ok()) {
        std::printf("top_k failed\n");
      }
      sink = sink + out.indices[0];
    });
    print("top100_1x100000x768_f32_simd128", top100);
    const auto queries = random_floats(16 * d, 5);
    const Timing top16 = time_it(5, [&] {
      if (!top_k_cosine(view(queries, {16, 768}), view(table, {100000, 768}), 10,
                        default_kernel_set(), &ws, &out)
               .ok()) {
        std::printf("top_k failed\n");
      }
      sink = sink + out.indices[0];
    });
    print("top10_16x100000x768_f32_simd128", top16);
  }
  std::printf("\n}\n");
  return 0;
}

// The value and the gradient agree at the epsilon floor (reduction.h): with Σx² just below, at and
// just above eps, in both dtypes and flavours, with both kernel sets, on the fused path (small
// rows, long rows, a broadcast row) and the general path, the loss and its gradient match the
// long-double reference of the branch that Σx² selects. Below the floor the normalising scale is
// the constant 1/sqrt(eps) and the gradient has no projection term; at and above it (TF's Maximum
// sends the gradient to Σx² where Σx² >= eps) it has one, of the size of the gradient itself, so
// a gradient computed on the other side of the floor than its value fails by O(1) relative.
//
// The rows are built so that every kernel computes Σx² exactly: components k_i 2^-e whose squares
// sum to n units of 2^-2e, with n below 2^24 (float32) or 2^53 (float64), so every product and
// every partial sum, in any order, is exact. Each eps is placed on that grid when it can be:
//   float32, Keras 2: (double)(float)1e-12 = 9.9999999600e-13, grid 2^-62 (its last bit is 2^-63:
//     checked below whether it is on the grid);
//   float64, Keras 2: 1e-12, grid 2^-92 (its last bit): "at" is exact;
//   Keras 3: 1e-14 in both dtypes, grids 2^-70 (float32: 1e-14 is not a float32 sum, so only
//     below/above) and 2^-98.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "cossim/cosine_similarity.h"
#include "reference.h"
#include "test_support.h"

namespace cossim {
namespace {

const KernelSet& scalar_set() { return *find_kernel_set("scalar"); }
const KernelSet& simd128_set() { return *find_kernel_set("simd128"); }

using namespace reference;  // NOLINT

// Greedy squares: k_i with Σ k_i² == n (at most `max_terms`; empty if more would be needed).
std::vector<std::uint64_t> SquaresSummingTo(std::uint64_t n, std::size_t max_terms) {
  std::vector<std::uint64_t> k;
  while (n > 0) {
    if (k.size() == max_terms) return {};
    auto r = static_cast<std::uint64_t>(std::sqrt(static_cast<long double>(n)));
    while (r * r > n) --r;
    while ((r + 1) * (r + 1) <= n) ++r;
    k.push_back(r);
    n -= r * r;
  }
  return k;
}

struct FloorCase {
  std::string what;  // "below", "at", "above"
  std::vector<double> x;
  LD ss;  // exact
};

// Rows of `d` components whose Σx² is the grid point just below eps, eps itself (when on the
// grid) and just above.
std::vector<FloorCase> FloorCases(DType dtype, double eps, std::size_t d) {
  const int mantissa = dtype == DType::kFloat32 ? 24 : 53;
  // The finest grid 2^-2e (even exponent: x = k 2^-e) with eps / 2^-2e < 2^mantissa.
  int two_e = 0;
  while (std::ldexp(static_cast<LD>(eps), two_e + 2) < std::ldexp(1.0L, mantissa)) two_e += 2;
  const LD units = std::ldexp(static_cast<LD>(eps), two_e);
  const bool on_grid = units == std::floor(units);
  std::vector<std::pair<std::string, std::uint64_t>> targets = {
      {"below", static_cast<std::uint64_t>(std::ceil(units)) - 1},
      {"above", static_cast<std::uint64_t>(std::floor(units)) + 1}};
  if (on_grid) targets.insert(targets.begin() + 1, {"at", static_cast<std::uint64_t>(units)});
  std::vector<FloorCase> cases;
  for (const auto& [what, n] : targets) {
    const std::vector<std::uint64_t> k = SquaresSummingTo(n, d);
    EXPECT_FALSE(k.empty()) << "test bug: " << n << " needs more than " << d << " squares";
    FloorCase c{what, std::vector<double>(d, 0.0), 0.0L};
    for (std::size_t i = 0; i < k.size(); ++i) {
      c.x[i] = std::ldexp(static_cast<double>(k[i]), -two_e / 2);
      c.ss += static_cast<LD>(c.x[i]) * c.x[i];
      if (dtype == DType::kFloat32) {
        EXPECT_EQ(static_cast<double>(static_cast<float>(c.x[i])), c.x[i]) << "not a float32";
      }
    }
    EXPECT_EQ(c.ss, std::ldexp(static_cast<LD>(n), -two_e)) << "test bug: inexact Σx²";
    cases.push_back(c);
  }
  return cases;
}

struct Param {
  const char* name;
  const KernelSet& (*kernels)();
  DType dtype;
  Flavor flavor;
};

constexpr Param kParams[] = {
    {"scalar_float32_keras2", &scalar_set, DType::kFloat32, Flavor::kKeras2},
    {"scalar_float64_keras2", &scalar_set, DType::kFloat64, Flavor::kKeras2},
    {"simd128_float32_keras2", &simd128_set, DType::kFloat32, Flavor::kKeras2},
    {"simd128_float64_keras2", &simd128_set, DType::kFloat64, Flavor::kKeras2},
    {"scalar_float32_keras3", &scalar_set, DType::kFloat32, Flavor::kKeras3},
    {"scalar_float64_keras3", &scalar_set, DType::kFloat64, Flavor::kKeras3},
    {"simd128_float32_keras3", &simd128_set, DType::kFloat32, Flavor::kKeras3},
    {"simd128_float64_keras3", &simd128_set, DType::kFloat64, Flavor::kKeras3},
};

class EpsilonFloor : public ::testing::TestWithParam<Param> {};

double Get(const void* data, DType dtype, std::size_t i) {
  return dtype == DType::kFloat32 ? static_cast<const float*>(data)[i]
                                  : static_cast<const double*>(data)[i];
}

TEST_P(EpsilonFloor, ValueAndGradientTakeTheSameSideOfTheFloor) {
  const Param& param = GetParam();
  const DType dtype = param.dtype;
  const double eps = epsilon_for(dtype, param.flavor);
  // Tolerances: the core rounds once to the dtype after double arithmetic; y_pred's sums carry
  // the kernels' float32 error (~1e-7 relative at these lengths). The other branch is off by
  // O(1) relative.
  const LD rel = dtype == DType::kFloat32 ? 2e-6L : 1e-11L;
  int at_cases = 0;
  struct Layout {
    const char* what;
    std::size_t d;
    Shape t_shape, p_shape;
  };
  const Layout layouts[] = {
      {"fused, d = 16 (the SIMD small-row kernel in call())", 16, {1, 16}, {1, 16}},
      {"fused, d = 40", 40, {1, 40}, {1, 40}},
      {"fused, y_true broadcast against 3 rows", 16, {1, 16}, {3, 16}},
      {"general: y_pred broadcast along the axis", 16, {1, 16}, {1, 1}},
  };
  for (const Layout& layout : layouts) {
    for (const FloorCase& c : FloorCases(dtype, eps, layout.d)) {
      SCOPED_TRACE(::testing::Message() << layout.what << ", Σx² " << c.what << " eps = " << eps
                                        << " (Σx² = " << static_cast<double>(c.ss) << ")");
      at_cases += c.what == "at";
      std::vector<double> p(static_cast<std::size_t>(num_elements(layout.p_shape)));
      for (std::size_t j = 0; j < p.size(); ++j) p[j] = 0.5 + static_cast<double>(j % 11) / 16.0;
      const HostTensor t(dtype, layout.t_shape, c.x);
      const HostTensor pt(dtype, layout.p_shape, p);
      const CosineSimilarity loss({-1}, Reduction::kSum, param.flavor);
      Workspace ws;
      Result value;
      GradientOutput g;
      const Status s = loss.gradient(t.View(), pt.View(), nullptr, nullptr, true, true,
                                     param.kernels(), &ws, &value, &g);
      ASSERT_TRUE(s.ok()) << s.message();

      const RefOutput cos = RefCosine(layout.t_shape, t.Ref(), layout.p_shape, pt.Ref(), {-1},
                                      static_cast<LD>(eps), false);
      ASSERT_TRUE(cos.ok);
      LD want = 0, scale = 0;
      for (std::size_t i = 0; i < cos.values.size(); ++i) {
        want -= cos.values[i];
        scale += 1.0L + cos.scales[i];
      }
      EXPECT_LE(std::fabs(Get(value.data, dtype, 0) - want), rel * scale)
          << "value " << Get(value.data, dtype, 0) << " vs " << static_cast<double>(want);
      Result called;
      ASSERT_TRUE(loss.call(t.View(), pt.View(), nullptr, param.kernels(), &ws, &called).ok());
      EXPECT_LE(std::fabs(Get(called.data, dtype, 0) - want), rel * scale);

      for (bool wrt_true : {true, false}) {
        const std::vector<LD> ref =
            RefSumLossGradient(layout.t_shape, t.Ref(), layout.p_shape, pt.Ref(), {-1},
                               static_cast<LD>(eps), wrt_true);
        LD max_abs = 0;
        for (LD v : ref) max_abs = std::max(max_abs, std::fabs(v));
        const void* got = wrt_true ? g.y_true : g.y_pred;
        for (std::size_t i = 0; i < ref.size(); ++i) {
          EXPECT_LE(std::fabs(Get(got, dtype, i) - ref[i]), rel * max_abs)
              << (wrt_true ? "d/dy_true[" : "d/dy_pred[") << i << "]: " << Get(got, dtype, i)
              << " vs " << static_cast<double>(ref[i]);
        }
      }
    }
  }
  // The float64 grids hold eps itself (1e-12 always; 1e-14 when its last bit is even).
  if (dtype == DType::kFloat64 && param.flavor == Flavor::kKeras2) {
    EXPECT_GT(at_cases, 0);
  }
  RecordProperty("at_eps_cases", at_cases);
}

// Rows whose Σx² the SIMD128 float32 kernel (f32 products and lanes) rounds to the other side of
// eps than the exact sum: the value (general path) clamps on the kernel's sum, so the gradient's
// mask must use that sum too, not a recomputed one. Found by a seeded search; the reference takes
// the kernel's Σx² (the number the contract says both use) and is long double otherwise.
TEST(EpsilonFloorStraddle, GeneralPathGradientUsesTheValuesSumOfSquares) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  std::mt19937_64 rng = cossim_test::CaseRng(seed, 0xe95);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  const KernelSet& kernels = simd128_set();
  const double eps = epsilon_for(DType::kFloat32);
  constexpr std::size_t d = 40;
  int found[2] = {0, 0};  // kernel below / above eps while the exact sum is on the other side
  for (int attempt = 0; attempt < 20000 && (found[0] < 3 || found[1] < 3); ++attempt) {
    std::vector<float> x(d);
    LD ss = 0;
    for (float& v : x) {
      v = static_cast<float>(unit(rng));
      ss += static_cast<LD>(v) * v;
    }
    const LD scale = std::sqrt(static_cast<LD>(eps) / ss) * (1.0L + 4e-7L * unit(rng));
    ss = 0;
    for (float& v : x) {
      v = static_cast<float>(v * scale);
      ss += static_cast<LD>(v) * v;
    }
    const double kernel_ss = kernels.f32.row_sums(x.data(), x.data(), d).ss_a;
    const bool kernel_below = kernel_ss < eps;
    if (kernel_below == (ss < static_cast<LD>(eps))) continue;  // same side: not a straddle
    if (found[kernel_below ? 0 : 1] >= 3) continue;
    ++found[kernel_below ? 0 : 1];
    SCOPED_TRACE(::testing::Message() << "attempt " << attempt << ": exact Σx² "
                                      << static_cast<double>(ss) << ", kernel " << kernel_ss);
    std::vector<double> xd(x.begin(), x.end());
    const HostTensor t(DType::kFloat32, {1, static_cast<std::int64_t>(d)}, xd);
    const HostTensor p(DType::kFloat32, {1, 1}, {0.5});  // broadcast along the axis: general path
    const CosineSimilarity loss({-1}, Reduction::kSum);
    Workspace ws;
    Result value;
    GradientOutput g;
    ASSERT_TRUE(
        loss.gradient(t.View(), p.View(), nullptr, nullptr, true, false, kernels, &ws, &value, &g)
            .ok());
    // p^ = 1, so G = d(-Σcos)/dt^ = -1 per element and dt = s G - s³ t (G·t) [ss >= eps].
    const LD s = 1.0L / std::sqrt(static_cast<LD>(kernel_below ? eps : kernel_ss));
    LD gx = 0;
    for (float v : x) gx -= v;
    for (std::size_t j = 0; j < d; ++j) {
      const LD want = -s - (kernel_below ? 0.0L : s * s * s * x[j] * gx);
      EXPECT_NEAR(static_cast<const float*>(g.y_true)[j], static_cast<double>(want),
                  static_cast<double>(2e-6L * s))
          << "element " << j;
    }
  }
  EXPECT_GT(found[0] + found[1], 0) << "no straddling row found: the test checked nothing";
  RecordProperty("straddles_kernel_below", found[0]);
  RecordProperty("straddles_kernel_above", found[1]);
}

std::string ParamName(const ::testing::TestParamInfo<Param>& param_info) {
  return param_info.param.name;
}

INSTANTIATE_TEST_SUITE_P(AllSets, EpsilonFloor, ::testing::ValuesIn(kParams), ParamName);

}  // namespace
}  // namespace cossim

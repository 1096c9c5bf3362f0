// The core end to end (cosine_similarity.h): Keras 2.9 CosineSimilarity with both kernel sets, in
// float32 and float64.
//
// Expected values come from two independent places:
// * fixed numbers from keras-semantics.md §8 (the Keras documentation examples, with their float32
//   emulation and float64 values, and Keras's own test data);
// * RefLoss (reference.h, shared by the native tests): a long-double transcription of the Keras
//   formula that shares no code with the core: normalise each operand over its own axes
//   (x * rsqrt(max(sum x^2, eps))), broadcast, multiply, reduce_sum over the axes resolved against
//   the broadcast rank, negate, rank-adjust and broadcast the weight, then reduce. Element loops
//   only, no planning.
//
// Tolerances (cosine_similarity.h's contract): float32 within 1e-6 * (1 + scale) and float64
// within 1e-12 * (1 + scale), where `scale` is the reference's own magnitude: |w| * (1 + sum|t^
// p^|) per element, summed for SUM and averaged for SUM_OVER_BATCH_SIZE. For the usual fused case
// sum|t^ p^| <= 1 (Cauchy-Schwarz), so this is within 2-3x of the header's 1e-6 * (1 + |ref|); the
// measured errors are orders of magnitude smaller. float32 inputs are rounded to float before the
// reference sees them, so both compute from identical inputs.
#include "cossim/cosine_similarity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cossim/buffer.h"
#include "cossim/kernels.h"
#include "cossim/shape_engine.h"
#include "cossim/status.h"
#include "cossim/tensor.h"
#include "reference.h"
#include "test_support.h"

namespace cossim {
namespace {

using namespace reference;  // NOLINT: the shared float64 reference of the native tests

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// The parameterised fixture: kernel set x dtype.

struct CoreParam {
  std::string name;  // also the test-name suffix
  const KernelSet* kernels;
  DType dtype;
};

// Every registered kernel set in both dtypes.
std::vector<CoreParam> CoreParams() {
  std::vector<CoreParam> params;
  for (const KernelSet* k : all_kernel_sets()) {
    params.push_back({std::string(k->name) + "_float32", k, DType::kFloat32});
    params.push_back({std::string(k->name) + "_float64", k, DType::kFloat64});
  }
  return params;
}

void PrintTo(const CoreParam& p, std::ostream* os) { *os << p.name; }

std::string ParamName(const ::testing::TestParamInfo<CoreParam>& param_info) {
  return param_info.param.name;
}

class CosineSimilarityTest : public ::testing::TestWithParam<CoreParam> {
 protected:
  const KernelSet& kernels() const { return *GetParam().kernels; }
  DType dtype() const { return GetParam().dtype; }
  bool is_f32() const { return dtype() == DType::kFloat32; }
  // The contract tolerance factor.
  double k() const { return is_f32() ? 1e-6 : 1e-12; }

  HostTensor T(Shape shape, const std::vector<double>& values) const {
    return HostTensor(dtype(), std::move(shape), values);
  }
  HostTensor Random(Shape shape, std::mt19937_64& rng) const {
    const std::size_t n = static_cast<std::size_t>(num_elements(shape));
    return T(std::move(shape), RandomValues(n, rng));
  }

  Status Run(const HostTensor& y_true, const HostTensor& y_pred, const HostTensor* weight,
             const Axes& axes, Reduction reduction, Result* result) {
    const CosineSimilarity loss(axes, reduction);
    const TensorView w = weight != nullptr ? weight->View() : TensorView{};
    return loss.call(y_true.View(), y_pred.View(), weight != nullptr ? &w : nullptr, kernels(),
                     &ws_, result);
  }

  // Runs the call and returns its values; fails the test (and returns {}) on a non-OK status.
  std::vector<double> Values(const HostTensor& y_true, const HostTensor& y_pred,
                             const HostTensor* weight, const Axes& axes, Reduction reduction,
                             Shape* shape = nullptr) {
    Result result;
    const Status s = Run(y_true, y_pred, weight, axes, reduction, &result);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s.ok()) return {};
    EXPECT_EQ(result.dtype, dtype());
    if (reduction != Reduction::kNone) {
      EXPECT_EQ(result.shape, Shape{});
    }
    if (shape != nullptr) *shape = result.shape;
    return ResultValues(result);
  }

  double Scalar(const HostTensor& y_true, const HostTensor& y_pred, const HostTensor* weight,
                const Axes& axes, Reduction reduction) {
    const std::vector<double> v = Values(y_true, y_pred, weight, axes, reduction);
    EXPECT_EQ(v.size(), 1u);
    return v.empty() ? kNaN : v[0];
  }

  // Compares one call with RefLoss, element by element.
  void ExpectMatchesReference(const HostTensor& y_true, const HostTensor& y_pred,
                              const HostTensor* weight, const Axes& axes, Reduction reduction) {
    SCOPED_TRACE(::testing::Message()
                 << "y_true=" << shape_to_string(y_true.shape())
                 << " y_pred=" << shape_to_string(y_pred.shape()) << " weight="
                 << (weight != nullptr ? shape_to_string(weight->shape()) : std::string("None"))
                 << " axes=" << shape_to_string(axes) << " reduction=" << reduction_key(reduction));
    const RefOutput want = RefLoss(y_true, y_pred, weight, axes, reduction, dtype());
    ASSERT_TRUE(want.ok) << "test bug: the reference rejects this case";
    Shape shape;
    const std::vector<double> got = Values(y_true, y_pred, weight, axes, reduction, &shape);
    if (reduction == Reduction::kNone) {
      EXPECT_EQ(shape, want.shape);
    }
    ASSERT_EQ(got.size(), want.values.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      const LD err = std::fabs(static_cast<LD>(got[i]) - want.values[i]);
      const LD tol = static_cast<LD>(k()) * (1.0L + want.scales[i]);
      EXPECT_LE(err, tol) << "element " << i << ": got " << got[i] << ", reference "
                          << static_cast<double>(want.values[i]);
    }
  }

  Workspace ws_;
};

// ---------------------------------------------------------------------------------------------
// Keras documentation examples (§8): y_true=[[0,1],[1,1]], y_pred=[[1,0],[1,1]], axis=1.

class DocExample : public CosineSimilarityTest {
 protected:
  HostTensor y_true_ = T({2, 2}, {0, 1, 1, 1});
  HostTensor y_pred_ = T({2, 2}, {1, 0, 1, 1});
  const Axes axis1_{1};
  // The §8 float32 column (Keras's float32 arithmetic) or float64 column.
  double Expected(double f32, double f64) const { return is_f32() ? f32 : f64; }
};

TEST_P(DocExample, AutoIsMinusOneHalf) {
  const double got = Scalar(y_true_, y_pred_, nullptr, axis1_, Reduction::kAuto);
  EXPECT_NEAR(got, Expected(-0.4999999701976776, -0.4999999999999999), k());
  EXPECT_NEAR(got, -0.5, k());
}

TEST_P(DocExample, AutoEqualsSumOverBatchSizeBitForBit) {
  const double a = Scalar(y_true_, y_pred_, nullptr, axis1_, Reduction::kAuto);
  const double s = Scalar(y_true_, y_pred_, nullptr, axis1_, Reduction::kSumOverBatchSize);
  EXPECT_EQ(std::memcmp(&a, &s, sizeof a), 0) << a << " vs " << s;
}

// The SOBS divisor is the element count (2), not the weight sum: -0.1, not -0.2 (§11.7).
TEST_P(DocExample, WeightedDividesByElementCount) {
  const HostTensor w = T({2}, {0.8, 0.2});
  const double got = Scalar(y_true_, y_pred_, &w, axis1_, Reduction::kAuto);
  EXPECT_NEAR(got, Expected(-0.09999999403953552, -0.09999999999999998), k());
}

TEST_P(DocExample, SumIsMinusOne) {
  const double got = Scalar(y_true_, y_pred_, nullptr, axis1_, Reduction::kSum);
  EXPECT_NEAR(got, Expected(-0.9999999403953552, -0.9999999999999998), k());
}

TEST_P(DocExample, NoneKeepsTheNegativeZero) {
  Shape shape;
  const std::vector<double> got =
      Values(y_true_, y_pred_, nullptr, axis1_, Reduction::kNone, &shape);
  EXPECT_EQ(shape, (Shape{2}));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], 0.0);
  EXPECT_TRUE(std::signbit(got[0])) << "orthogonal vectors give -0.0 in Keras";
  EXPECT_NEAR(got[1], Expected(-0.9999999403953552, -0.9999999999999998), k());
}

TEST_P(DocExample, WeightedSumAndNone) {
  const HostTensor w = T({2}, {0.8, 0.2});
  EXPECT_NEAR(Scalar(y_true_, y_pred_, &w, axis1_, Reduction::kSum),
              Expected(-0.19999998807907104, -0.19999999999999996), k());
  const std::vector<double> none = Values(y_true_, y_pred_, &w, axis1_, Reduction::kNone);
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(none[0], 0.0);
  EXPECT_TRUE(std::signbit(none[0])) << "-0.0 * 0.8 stays -0.0";
  EXPECT_NEAR(none[1], -0.2, k());
}

TEST_P(DocExample, AxisMinusOneIsAxisOne) {
  const std::vector<double> a = Values(y_true_, y_pred_, nullptr, axis1_, Reduction::kNone);
  const std::vector<double> b = Values(y_true_, y_pred_, nullptr, {-1}, Reduction::kNone);
  EXPECT_EQ(a, b);
}

// The function's docstring: [[0,1],[1,1],[1,1]] vs [[1,0],[1,1],[-1,-1]] -> [-0., -1, 1].
TEST_P(DocExample, FunctionDocstring) {
  const HostTensor t = T({3, 2}, {0, 1, 1, 1, 1, 1});
  const HostTensor p = T({3, 2}, {1, 0, 1, 1, -1, -1});
  const std::vector<double> got = Values(t, p, nullptr, {-1}, Reduction::kNone);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], 0.0);
  EXPECT_TRUE(std::signbit(got[0]));
  EXPECT_NEAR(got[1], -1.0, k());
  EXPECT_NEAR(got[2], 1.0, k());
}

// cosine_per_sample gives +cos (the metric's values).
TEST_P(DocExample, CosinePerSampleIsPlusCos) {
  const double* values = nullptr;
  const Status s =
      cosine_per_sample(y_true_.View(), y_pred_.View(), axis1_, kernels(), &ws_, &values);
  ASSERT_TRUE(s.ok()) << s.message();
  ASSERT_NE(values, nullptr);
  EXPECT_EQ(ws_.plan.per_sample_shape, (Shape{2}));
  EXPECT_EQ(values[0], 0.0);
  EXPECT_FALSE(std::signbit(values[0]));
  EXPECT_NEAR(values[1], 1.0, k());
}

INSTANTIATE_TEST_SUITE_P(Core, DocExample, ::testing::ValuesIn(CoreParams()), ParamName);

// ---------------------------------------------------------------------------------------------
// Keras's own test data (keras/losses_test.py, float64 values from §8).

TEST_P(CosineSimilarityTest, KerasTestDataUnweighted) {
  const HostTensor t = T({2, 3}, {1, 9, 2, -5, -2, 6});
  const HostTensor p = T({2, 3}, {4, 8, 12, 8, 1, 3});
  EXPECT_NEAR(Scalar(t, p, nullptr, {-1}, Reduction::kAuto), -0.18721907084660510, k());
  ExpectMatchesReference(t, p, nullptr, {-1}, Reduction::kNone);
}

TEST_P(CosineSimilarityTest, KerasTestDataSampleWeighted) {
  const HostTensor t = T({2, 3}, {1, 9, 2, -5, -2, 6});
  const HostTensor p = T({2, 3}, {4, 8, 12, 8, 1, 3});
  const HostTensor w = T({2}, {1.2, 3.4});
  EXPECT_NEAR(Scalar(t, p, &w, {-1}, Reduction::kAuto), 0.1559919834648657, k());
  const HostTensor scalar_w = T({}, {2.3});
  EXPECT_NEAR(Scalar(t, p, &scalar_w, {-1}, Reduction::kAuto), -0.18721907084660510 * 2.3, k());
}

// [2,3,1] inputs: each length-1 "vector" gives -sign(t)*sign(p); the [2,3] weight has the loss's
// rank. Weighted sum -12 over 6 elements.
TEST_P(CosineSimilarityTest, KerasTimestepCase) {
  const HostTensor t = T({2, 3, 1}, {1, 9, 2, -5, -2, 6});
  const HostTensor p = T({2, 3, 1}, {4, 8, 12, 8, 1, 3});
  const HostTensor w = T({2, 3}, {3, 6, 5, 0, 4, 2});
  EXPECT_NEAR(Scalar(t, p, &w, {-1}, Reduction::kAuto), -2.0, k());
  EXPECT_NEAR(Scalar(t, p, nullptr, {-1}, Reduction::kAuto), -1.0 / 3.0, k());
  const std::vector<double> none = Values(t, p, nullptr, {-1}, Reduction::kNone);
  const std::vector<double> want{-1, -1, -1, 1, 1, -1};
  ASSERT_EQ(none.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(none[i], want[i], k()) << i;
}

// ---------------------------------------------------------------------------------------------
// The epsilon rule (§1.2).

TEST_P(CosineSimilarityTest, ZeroVectorsGiveZeroNotNaN) {
  for (std::int64_t d : {1, 2, 3, 8, 17, 64, 300}) {
    SCOPED_TRACE(::testing::Message() << "d=" << d);
    std::vector<double> zeros(static_cast<std::size_t>(d), 0.0);
    std::vector<double> ramp(static_cast<std::size_t>(d));
    for (std::size_t i = 0; i < ramp.size(); ++i) ramp[i] = 1.0 + static_cast<double>(i);
    std::vector<double> t_values = zeros, p_values = ramp;
    t_values.insert(t_values.end(), ramp.begin(), ramp.end());
    p_values.insert(p_values.end(), zeros.begin(), zeros.end());
    t_values.insert(t_values.end(), zeros.begin(), zeros.end());
    p_values.insert(p_values.end(), zeros.begin(), zeros.end());
    const HostTensor t = T({3, d}, t_values);  // rows: zero, ramp, zero
    const HostTensor p = T({3, d}, p_values);  // rows: ramp, zero, zero
    const std::vector<double> none = Values(t, p, nullptr, {-1}, Reduction::kNone);
    ASSERT_EQ(none.size(), 3u);
    for (double v : none) EXPECT_EQ(v, 0.0);
    EXPECT_EQ(Scalar(t, p, nullptr, {-1}, Reduction::kSum), 0.0);
  }
}

// ss < 1e-12: the vector is multiplied by 1e6 instead of normalised, so the result is scaled.
TEST_P(CosineSimilarityTest, TinyVectorsAreScaledNotNormalised) {
  const struct {
    std::vector<double> t, p;
    double want;
  } cases[] = {
      {{3e-7, 4e-7}, {3, 4}, -0.5}, {{3, 4}, {3e-7, 4e-7}, -0.5}, {{1e-7, 0}, {1, 0}, -0.1},
      {{1e-8, 0}, {1, 0}, -0.01},   {{2e-6, 0}, {1, 0}, -1.0},  // ss = 4e-12 > eps: normalised as
                                                                // usual
  };
  for (const auto& c : cases) {
    const HostTensor t = T({1, 2}, c.t);
    const HostTensor p = T({1, 2}, c.p);
    const std::vector<double> got = Values(t, p, nullptr, {-1}, Reduction::kNone);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_NEAR(got[0], c.want, k())
        << c.t[0] << "," << c.t[1] << " vs " << c.p[0] << "," << c.p[1];
  }
}

TEST(Epsilon, IsTheFlooredSumOfSquaresInTheComputationDtype) {
  EXPECT_EQ(epsilon_for(DType::kFloat64), 1e-12);
  EXPECT_EQ(epsilon_for(DType::kFloat32), static_cast<double>(1e-12f));
  EXPECT_EQ(epsilon_for(DType::kFloat32), 9.9999999600419720025e-13);
}

// cosine_similarity.h / kernels.h: float32 data is accumulated in double (the SIMD128 kernel
// recomputes an overflowing row with the scalar kernel), so sum(x^2) does not overflow at
// |x| ~ 1.8e19, where Keras's float32 would give 0. 16 elements so the SIMD kernels run their
// vector loop, not only the scalar tail. float64 gets the analogous check at 1e150.
TEST_P(CosineSimilarityTest, LargeValuesDoNotOverflowTheSumOfSquares) {
  const double big = is_f32() ? 2e19 : 1e150;
  const HostTensor t = T({2, 16}, std::vector<double>(32, big));
  std::vector<double> pv(32, 1.0);
  pv[16] = -1.0;  // row 1 is no longer parallel
  const HostTensor p = T({2, 16}, pv);
  const std::vector<double> got = Values(t, p, nullptr, {-1}, Reduction::kNone);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NEAR(got[0], -1.0, k());
  EXPECT_NEAR(got[1], -14.0 / 16.0, k());
}

// ---------------------------------------------------------------------------------------------
// NaN and Inf (§7).

TEST_P(CosineSimilarityTest, NaNMakesThatSampleNaN) {
  for (std::int64_t d : {2, 9, 40}) {
    SCOPED_TRACE(::testing::Message() << "d=" << d);
    std::vector<double> tv(static_cast<std::size_t>(2 * d), 1.0), pv(tv.size(), 0.5);
    tv[static_cast<std::size_t>(d - 1)] = kNaN;  // last element of row 0
    const HostTensor t = T({2, d}, tv);
    const HostTensor p = T({2, d}, pv);
    const std::vector<double> none = Values(t, p, nullptr, {-1}, Reduction::kNone);
    ASSERT_EQ(none.size(), 2u);
    EXPECT_TRUE(std::isnan(none[0]));
    EXPECT_NEAR(none[1], -1.0, k());
    EXPECT_TRUE(std::isnan(Scalar(t, p, nullptr, {-1}, Reduction::kSum)));
    EXPECT_TRUE(std::isnan(Scalar(t, p, nullptr, {-1}, Reduction::kAuto)));
    // A 0 weight does not mask it: 0 * NaN = NaN.
    const HostTensor w = T({2}, {0.0, 1.0});
    const std::vector<double> weighted = Values(t, p, &w, {-1}, Reduction::kNone);
    ASSERT_EQ(weighted.size(), 2u);
    EXPECT_TRUE(std::isnan(weighted[0]));
    EXPECT_TRUE(std::isnan(Scalar(t, p, &w, {-1}, Reduction::kSum)));
    EXPECT_TRUE(std::isnan(Scalar(t, p, &w, {-1}, Reduction::kSumOverBatchSize)));
  }
}

TEST_P(CosineSimilarityTest, InfComponentMakesThatSampleNaN) {
  for (double inf : {kInf, -kInf}) {
    for (bool in_pred : {false, true}) {
      SCOPED_TRACE(::testing::Message() << inf << (in_pred ? " in y_pred" : " in y_true"));
      std::vector<double> a{inf, 1, 1, 1, 1, 2, 3, 4}, b{1, 1, 1, 1, 1, 2, 3, 4};
      const HostTensor t = T({2, 4}, in_pred ? b : a);
      const HostTensor p = T({2, 4}, in_pred ? a : b);
      const std::vector<double> none = Values(t, p, nullptr, {-1}, Reduction::kNone);
      ASSERT_EQ(none.size(), 2u);
      EXPECT_TRUE(std::isnan(none[0])) << none[0];
      EXPECT_NEAR(none[1], -1.0, k());
      const HostTensor w = T({2}, {0.0, 1.0});
      EXPECT_TRUE(std::isnan(Scalar(t, p, &w, {-1}, Reduction::kSum)));
    }
  }
}

TEST_P(CosineSimilarityTest, NonFiniteWeightsPropagate) {
  const HostTensor t = T({2, 2}, {1, 2, 3, 4});
  const HostTensor p = T({2, 2}, {1, 2, 3, 4});  // losses [-1, -1]
  const HostTensor inf_w = T({2}, {kInf, 1.0});
  const std::vector<double> none = Values(t, p, &inf_w, {-1}, Reduction::kNone);
  ASSERT_EQ(none.size(), 2u);
  EXPECT_EQ(none[0], -kInf);
  // reduce_sum([-Inf, -1]) = -Inf (a compensated sum must not turn it into NaN).
  EXPECT_EQ(Scalar(t, p, &inf_w, {-1}, Reduction::kSum), -kInf);
  EXPECT_EQ(Scalar(t, p, &inf_w, {-1}, Reduction::kAuto), -kInf);
  const HostTensor nan_w = T({2}, {1.0, kNaN});
  EXPECT_TRUE(std::isnan(Scalar(t, p, &nan_w, {-1}, Reduction::kSum)));
}

// ---------------------------------------------------------------------------------------------
// Empty batch (§4): SOBS and SUM give 0 (divide_no_nan), NONE an empty tensor.

TEST_P(CosineSimilarityTest, EmptyBatch) {
  const HostTensor t = T({0, 3}, {});
  const HostTensor p = T({0, 3}, {});
  for (Reduction r : {Reduction::kAuto, Reduction::kSumOverBatchSize, Reduction::kSum}) {
    const double got = Scalar(t, p, nullptr, {-1}, r);
    EXPECT_EQ(got, 0.0) << reduction_key(r);
  }
  Shape shape{99};
  const std::vector<double> none = Values(t, p, nullptr, {-1}, Reduction::kNone, &shape);
  EXPECT_EQ(shape, (Shape{0}));
  EXPECT_TRUE(none.empty());
  const HostTensor w = T({0}, {});
  EXPECT_EQ(Scalar(t, p, &w, {-1}, Reduction::kAuto), 0.0);
  const HostTensor one = T({1, 3}, {1, 2, 3});
  EXPECT_EQ(Scalar(one, p, nullptr, {-1}, Reduction::kAuto), 0.0);
  // Axis 0 of [0,3]: three empty vectors, each cosine 0 (not NaN).
  const std::vector<double> columns = Values(t, p, nullptr, {0}, Reduction::kNone, &shape);
  EXPECT_EQ(shape, (Shape{3}));
  ASSERT_EQ(columns.size(), 3u);
  for (double v : columns) EXPECT_EQ(v, 0.0);
}

// ---------------------------------------------------------------------------------------------
// Shapes against the reference.

// Lengths around the vector widths and the flush block.
constexpr std::int64_t kDims[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 64, 100, 255, 257};

TEST_P(CosineSimilarityTest, PairwiseBroadcastMatchesReference) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  const std::int64_t m = 3, n = 5;
  for (std::int64_t d : kDims) {
    std::mt19937_64 rng = cossim_test::CaseRng(seed, static_cast<std::uint64_t>(d), 1);
    const HostTensor t = Random({m, 1, d}, rng);
    const HostTensor p = Random({1, n, d}, rng);
    const HostTensor w_mn = Random({m, n}, rng);
    const HostTensor w_m = Random({m}, rng);  // expanded to [m,1]
    const HostTensor w_1n = Random({1, n}, rng);
    const HostTensor w_mn1 = Random({m, n, 1}, rng);  // squeezed
    const HostTensor w_scalar = T({}, {0.75});
    for (Reduction r : {Reduction::kNone, Reduction::kSum, Reduction::kSumOverBatchSize}) {
      ExpectMatchesReference(t, p, nullptr, {-1}, r);
      ExpectMatchesReference(p, t, nullptr, {-1}, r);
      for (const HostTensor* w : {&w_mn, &w_m, &w_1n, &w_mn1, &w_scalar}) {
        ExpectMatchesReference(t, p, w, {-1}, r);
      }
    }
    Shape shape;
    Values(t, p, nullptr, {-1}, Reduction::kNone, &shape);
    EXPECT_EQ(shape, (Shape{m, n}));
  }
}

TEST_P(CosineSimilarityTest, RowBroadcastMatchesReference) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::int64_t d : kDims) {
    std::mt19937_64 rng = cossim_test::CaseRng(seed, static_cast<std::uint64_t>(d), 2);
    const HostTensor one = Random({1, d}, rng);
    const HostTensor flat = Random({d}, rng);
    const HostTensor batch = Random({6, d}, rng);
    const HostTensor batch2 = Random({6, d}, rng);
    const HostTensor w = Random({6}, rng);
    for (Reduction r : {Reduction::kNone, Reduction::kSum, Reduction::kAuto}) {
      ExpectMatchesReference(one, batch, nullptr, {-1}, r);
      ExpectMatchesReference(batch, one, &w, {-1}, r);
      ExpectMatchesReference(batch, batch2, &w, {-1}, r);
      if (d != 1) {
        ExpectMatchesReference(flat, batch, &w, {-1}, r);
      } else {
        // [1] vs [6,1]: the squeeze rule makes y_pred [6], so the loss is a scalar and the [6]
        // weight is one rank higher with a last dim of 6: Keras's squeeze error.
        Result result;
        const Status s = Run(flat, batch, &w, {-1}, r, &result);
        EXPECT_FALSE(s.ok());
        EXPECT_NE(s.message().find("Can not squeeze dim[0], expected a dimension of 1, got 6"),
                  std::string::npos)
            << s.message();
      }
    }
  }
}

TEST_P(CosineSimilarityTest, AxisZeroMatchesReference) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::int64_t d : kDims) {
    std::mt19937_64 rng = cossim_test::CaseRng(seed, static_cast<std::uint64_t>(d), 3);
    const HostTensor t = Random({d, 5}, rng);
    const HostTensor p = Random({d, 5}, rng);
    const HostTensor p1 = Random({d, 1}, rng);
    const HostTensor w = Random({5}, rng);
    for (Reduction r : {Reduction::kNone, Reduction::kSum, Reduction::kAuto}) {
      ExpectMatchesReference(t, p, nullptr, {0}, r);
      ExpectMatchesReference(t, p, &w, {-2}, r);
      ExpectMatchesReference(t, p1, nullptr, {0}, r);  // [d,5] x [d,1]
    }
  }
}

TEST_P(CosineSimilarityTest, AxisListsOnRank3MatchReference) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  const Axes axis_lists[] = {{0, 1}, {1, 0}, {-1, 0}, {0, 2}, {1}, {0}, {-1}, {1, 2}, {0, 1, 2}};
  for (const Shape& shape : std::vector<Shape>{{2, 3, 4}, {3, 5, 9}, {4, 1, 17}, {2, 8, 33}}) {
    std::mt19937_64 rng =
        cossim_test::CaseRng(seed, static_cast<std::uint64_t>(num_elements(shape)), 4);
    const HostTensor t = Random(shape, rng);
    const HostTensor p = Random(shape, rng);
    const HostTensor p_bcast = Random({1, shape[1], shape[2]}, rng);
    for (const Axes& axes : axis_lists) {
      for (Reduction r : {Reduction::kNone, Reduction::kSum, Reduction::kAuto}) {
        ExpectMatchesReference(t, p, nullptr, axes, r);
        ExpectMatchesReference(p_bcast, t, nullptr, axes, r);
      }
    }
  }
}

// The general path: normalisation axes that do not line up with the reduction, or operands
// broadcast along the reduced axis.
TEST_P(CosineSimilarityTest, GeneralPathMatchesReference) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::int64_t d : kDims) {
    std::mt19937_64 rng = cossim_test::CaseRng(seed, static_cast<std::uint64_t>(d), 5);
    const HostTensor column = Random({4, 1}, rng);
    const HostTensor batch = Random({4, d}, rng);
    const HostTensor batch3 = Random({1, 4, d}, rng);
    const HostTensor flat = Random({d}, rng);
    const HostTensor w = Random({4}, rng);
    for (Reduction r : {Reduction::kNone, Reduction::kSum, Reduction::kAuto}) {
      ExpectMatchesReference(column, batch, nullptr, {-1}, r);  // broadcast along the axis
      ExpectMatchesReference(batch, column, &w, {-1}, r);
      ExpectMatchesReference(batch, batch3, nullptr, {1}, r);  // axis 1: d for one, n for other
      ExpectMatchesReference(flat, batch, nullptr, {0}, r);    // axis 0: d for one, n for other
    }
  }
}

// Broadcasting along the axis: sign(t) * sum(p^), whose magnitude reaches sqrt(d) (§2.3).
TEST_P(CosineSimilarityTest, BroadcastAlongTheAxisCanExceedOne) {
  const HostTensor t = T({1, 1}, {5});
  const HostTensor p = T({1, 4}, {1, 1, 1, 1});
  const std::vector<double> got = Values(t, p, nullptr, {-1}, Reduction::kNone);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NEAR(got[0], -2.0, k());
}

TEST_P(CosineSimilarityTest, LongRowsMatchReference) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  std::mt19937_64 rng = cossim_test::CaseRng(seed, 100003, 6);
  const HostTensor t = Random({2, 100003}, rng);
  const HostTensor p = Random({2, 100003}, rng);
  ExpectMatchesReference(t, p, nullptr, {-1}, Reduction::kNone);
  ExpectMatchesReference(t, t, nullptr, {-1}, Reduction::kNone);
  ExpectMatchesReference(t, p, nullptr, {0}, Reduction::kSum);
}

// Rank-1 inputs give a scalar loss; [n] with [n,1] is squeezed to one cosine over the batch.
TEST_P(CosineSimilarityTest, RankOneGivesAScalar) {
  const HostTensor t = T({3}, {1, 2, 3});
  const HostTensor p = T({3}, {3, 2, 1});
  Shape shape{99};
  const std::vector<double> none = Values(t, p, nullptr, {-1}, Reduction::kNone, &shape);
  EXPECT_EQ(shape, Shape{});
  ASSERT_EQ(none.size(), 1u);
  EXPECT_NEAR(none[0], -10.0 / 14.0, k());
  const HostTensor p_col = T({3, 1}, {3, 2, 1});
  const std::vector<double> squeezed = Values(t, p_col, nullptr, {-1}, Reduction::kNone, &shape);
  EXPECT_EQ(shape, Shape{});
  ASSERT_EQ(squeezed.size(), 1u);
  EXPECT_NEAR(squeezed[0], -10.0 / 14.0, k());
  for (Reduction r : {Reduction::kSum, Reduction::kAuto}) {
    EXPECT_NEAR(Scalar(t, p_col, nullptr, {-1}, r), -10.0 / 14.0, k()) << reduction_key(r);
  }
}

// Weights bigger than the losses: NONE returns the broadcast shape and SOBS divides by its size.
TEST_P(CosineSimilarityTest, WeightBiggerThanLosses) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  std::mt19937_64 rng = cossim_test::CaseRng(seed, 7);
  const HostTensor t = Random({2, 5}, rng);
  const HostTensor p = Random({2, 5}, rng);
  const HostTensor w = Random({3, 1, 2}, rng);
  Shape shape;
  Values(t, p, &w, {-1}, Reduction::kNone, &shape);
  EXPECT_EQ(shape, (Shape{3, 1, 2}));
  for (Reduction r : {Reduction::kNone, Reduction::kSum, Reduction::kAuto}) {
    ExpectMatchesReference(t, p, &w, {-1}, r);
  }
  // With unit weights SOBS is the mean over 6 elements: the same as the unweighted mean.
  const HostTensor ones = T({3, 1, 2}, std::vector<double>(6, 1.0));
  EXPECT_NEAR(Scalar(t, p, &ones, {-1}, Reduction::kAuto),
              Scalar(t, p, nullptr, {-1}, Reduction::kAuto), k());
}

// §3.4 for losses [b,t] (3-D inputs): [b] expanded, [b,t], [b,t,1] squeezed, scalar 0.
TEST_P(CosineSimilarityTest, WeightsOnTimeStepLosses) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  std::mt19937_64 rng = cossim_test::CaseRng(seed, 8);
  const HostTensor t = Random({4, 3, 6}, rng);
  const HostTensor p = Random({4, 3, 6}, rng);
  const HostTensor w_b = Random({4}, rng);
  const HostTensor w_bt = Random({4, 3}, rng);
  const HostTensor w_bt1 = Random({4, 3, 1}, rng);
  for (Reduction r : {Reduction::kNone, Reduction::kSum, Reduction::kAuto}) {
    for (const HostTensor* w : {&w_b, &w_bt, &w_bt1}) ExpectMatchesReference(t, p, w, {-1}, r);
  }
  const HostTensor zero = T({}, {0.0});
  EXPECT_EQ(Scalar(t, p, &zero, {-1}, Reduction::kSum), 0.0);
  for (double v : Values(t, p, &zero, {-1}, Reduction::kNone)) EXPECT_EQ(v, 0.0);
}

// ---------------------------------------------------------------------------------------------
// Errors: a non-OK Status, never an abort, and the Workspace keeps working afterwards.

TEST_P(CosineSimilarityTest, ErrorsReturnStatusAndTheWorkspaceKeepsWorking) {
  const HostTensor good_t = T({2, 2}, {0, 1, 1, 1});
  const HostTensor good_p = T({2, 2}, {1, 0, 1, 1});
  const HostTensor t23 = T({2, 3}, {1, 2, 3, 4, 5, 6});
  const HostTensor t13 = T({1, 3}, {1, 2, 3});
  const HostTensor scalar = T({}, {1});
  const HostTensor w22 = T({2, 2}, {1, 1, 1, 1});
  const HostTensor w3 = T({3}, {1, 1, 1});
  const HostTensor other_dtype_t(is_f32() ? DType::kFloat64 : DType::kFloat32, {2, 2},
                                 {0, 1, 1, 1});
  const HostTensor other_dtype_w(is_f32() ? DType::kFloat64 : DType::kFloat32, {2}, {1, 1});
  // A shape over kMaxElements must be rejected before anything reads the (tiny) data.
  const HostTensor huge(dtype(), {}, {1});
  TensorView huge_view = huge.View();
  huge_view.shape = {std::int64_t{1} << 27, std::int64_t{1} << 27};
  TensorView negative_view = good_t.View();
  negative_view.shape = {-2, -2};

  struct Case {
    const char* what;
    std::function<Status(Result*)> call;
    const char* message;  // substring; nullptr: any message
    StatusCode code;      // the class the JS wrapper maps to an error type
  };
  const Case cases[] = {
      {"axis out of range",
       [&](Result* r) { return Run(good_t, good_p, nullptr, {2}, Reduction::kAuto, r); },
       "Invalid reduction dimension (2 for input with 2 dimension(s)", StatusCode::kShape},
      {"duplicate axis",
       [&](Result* r) {
         return Run(good_t, good_p, nullptr, {1, -1}, Reduction::kAuto, r);
       },
       "duplicate dimension: 1", StatusCode::kShape},
      {"incompatible shapes",
       [&](Result* r) { return Run(t13, good_p, nullptr, {-1}, Reduction::kAuto, r); },
       "Incompatible shapes: [1,3] vs. [2,2]", StatusCode::kShape},
      {"rank 0 (Keras 2.9 raises for axis -1)",
       [&](Result* r) { return Run(scalar, scalar, nullptr, {-1}, Reduction::kAuto, r); },
       "Invalid reduction dimension (-1 for input with 0 dimension(s)", StatusCode::kShape},
      {"weight [b,2]",
       [&](Result* r) { return Run(good_t, good_p, &w22, {-1}, Reduction::kAuto, r); },
       "Can not squeeze dim[1], expected a dimension of 1, got 2", StatusCode::kShape},
      {"weight [b+1]",
       [&](Result* r) { return Run(good_t, good_p, &w3, {-1}, Reduction::kAuto, r); },
       "Incompatible shapes: [2] vs. [3]", StatusCode::kShape},
      {"weight [b+1], NONE",
       [&](Result* r) { return Run(good_t, good_p, &w3, {-1}, Reduction::kNone, r); },
       "Incompatible shapes: [2] vs. [3]", StatusCode::kShape},
      {"y_true and y_pred dtypes differ",
       [&](Result* r) { return Run(other_dtype_t, good_p, nullptr, {-1}, Reduction::kAuto, r); },
       nullptr, StatusCode::kType},
      {"weight dtype differs",
       [&](Result* r) { return Run(good_t, good_p, &other_dtype_w, {-1}, Reduction::kAuto, r); },
       nullptr, StatusCode::kType},
      {"more than kMaxElements",
       [&](Result* r) {
         const CosineSimilarity loss({-1}, Reduction::kAuto);
         return loss.call(huge_view, good_p.View(), nullptr, kernels(), &ws_, r);
       },
       nullptr, StatusCode::kTooLarge},
      {"negative dims",
       [&](Result* r) {
         const CosineSimilarity loss({-1}, Reduction::kAuto);
         return loss.call(negative_view, good_p.View(), nullptr, kernels(), &ws_, r);
       },
       nullptr, StatusCode::kShape},
      {"mismatched shapes after a fine call on [2,3]",
       [&](Result* r) {
         Result ok;
         const Status first = Run(t23, t23, nullptr, {-1}, Reduction::kNone, &ok);
         if (!first.ok()) return Status::Invalid("test bug: " + first.message());
         return Run(t23, good_p, nullptr, {-1}, Reduction::kNone, r);
       },
       "Incompatible shapes: [2,3] vs. [2,2]", StatusCode::kShape},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    Result result;
    const Status s = c.call(&result);
    ASSERT_FALSE(s.ok()) << "expected an error";
    EXPECT_EQ(s.code(), c.code) << s.message();
    EXPECT_FALSE(s.message().empty());
    if (c.message != nullptr) {
      EXPECT_NE(s.message().find(c.message), std::string::npos)
          << "message \"" << s.message() << "\" lacks \"" << c.message << "\"";
    }
    // The same Workspace still computes the documentation example.
    const double after = Scalar(good_t, good_p, nullptr, {1}, Reduction::kAuto);
    EXPECT_NEAR(after, -0.5, 1e-6);
  }
}

// ---------------------------------------------------------------------------------------------
// Workspace reuse: a steady stream of calls does not reallocate.

struct BufferState {
  const void* data;
  std::size_t capacity;
  bool operator==(const BufferState& o) const { return data == o.data && capacity == o.capacity; }
};

std::vector<BufferState> Snapshot(Workspace& ws) {
  std::vector<BufferState> out;
  for (Buffer* b : {&ws.gathered_true, &ws.gathered_pred, &ws.inv_norm_true, &ws.inv_norm_pred,
                    &ws.per_sample, &ws.result}) {
    out.push_back({b->data(), b->capacity()});
  }
  return out;
}

TEST_P(CosineSimilarityTest, RepeatedCallsDoNotReallocate) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  std::mt19937_64 rng = cossim_test::CaseRng(seed, 9);
  const HostTensor a = Random({64, 33}, rng);
  const HostTensor b = Random({64, 33}, rng);
  const HostTensor w = Random({64}, rng);
  const HostTensor col = Random({64, 1}, rng);
  const HostTensor pm = Random({8, 1, 33}, rng);
  const HostTensor pn = Random({1, 8, 33}, rng);
  const std::vector<std::function<void()>> calls = {
      [&] { Values(a, b, &w, {-1}, Reduction::kAuto); },         // fused, no gather
      [&] { Values(a, b, nullptr, {0}, Reduction::kNone); },     // fused with a gather
      [&] { Values(col, b, nullptr, {-1}, Reduction::kSum); },   // general path
      [&] { Values(pm, pn, nullptr, {-1}, Reduction::kNone); },  // pairwise
  };
  // The same call again and again keeps every buffer.
  for (const auto& call : calls) {
    call();
    const std::vector<BufferState> first = Snapshot(ws_);
    for (int i = 0; i < 5; ++i) {
      call();
      ASSERT_TRUE(Snapshot(ws_) == first) << "call repeated " << i + 1 << " times";
    }
  }
  // Once every shape has been seen, cycling through them keeps every buffer too.
  const std::vector<BufferState> warm = Snapshot(ws_);
  for (int round = 0; round < 3; ++round) {
    for (std::size_t i = 0; i < calls.size(); ++i) {
      calls[i]();
      ASSERT_TRUE(Snapshot(ws_) == warm) << "round " << round << " call " << i;
    }
  }
  EXPECT_GT(ws_.per_sample.capacity() + ws_.result.capacity(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Core, CosineSimilarityTest, ::testing::ValuesIn(CoreParams()), ParamName);

// ---------------------------------------------------------------------------------------------
// Reduction keys (§4, ReductionV2.validate).

TEST(ParseReduction, AcceptsTheFourKerasKeys) {
  const std::pair<const char*, Reduction> keys[] = {
      {"auto", Reduction::kAuto},
      {"none", Reduction::kNone},
      {"sum", Reduction::kSum},
      {"sum_over_batch_size", Reduction::kSumOverBatchSize},
  };
  for (const auto& [key, want] : keys) {
    Reduction got = want == Reduction::kNone ? Reduction::kSum : Reduction::kNone;
    const Status s = parse_reduction(key, &got);
    ASSERT_TRUE(s.ok()) << key << ": " << s.message();
    EXPECT_EQ(got, want) << key;
    EXPECT_STREQ(reduction_key(want), key);
  }
}

TEST(ParseReduction, RejectsOtherKeysWithTheExactKerasMessage) {
  for (const char* key : {"bogus", "AUTO", "mean", "sum_over_batch", "", " none"}) {
    Reduction got = Reduction::kAuto;
    const Status s = parse_reduction(key, &got);
    ASSERT_FALSE(s.ok()) << "'" << key << "'";
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), std::string("Invalid Reduction Key: ") + key +
                               ". Expected keys are \"('auto', 'none', 'sum', "
                               "'sum_over_batch_size')\"");
  }
  Reduction got = Reduction::kAuto;
  EXPECT_EQ(parse_reduction("bogus", &got).message(),
            "Invalid Reduction Key: bogus. Expected keys are \"('auto', 'none', 'sum', "
            "'sum_over_batch_size')\"");
}

TEST(CosineSimilarityClass, DefaultsAreKerasDefaults) {
  const CosineSimilarity loss;
  EXPECT_EQ(loss.axes(), (Axes{-1}));
  EXPECT_EQ(loss.reduction(), Reduction::kAuto);
}

}  // namespace
}  // namespace cossim

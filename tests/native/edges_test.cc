// Regressions at the edges of memory (issue 8, core side): every one of these failed on the code
// before its fix.
// * Empty-batch gradients are written (zeros), never left stale from the previous call.
// * Every size is computed in checked 64-bit arithmetic and a call whose buffers cannot fit in a
//   32-bit address space is refused with Status::TooLarge naming the shapes and the bytes, before
//   anything is allocated (Buffer::reserve's rounding no longer wraps).
// * Empty shapes cost O(rank) whatever their other dims (no loop over 2^31 empty rows, no
//   per-row norms of an empty operand), and planning them has no signed overflow (UBSan).
// * Keras's function form skips the loss class's squeeze rule (Form::kFunction).
// * Error statuses carry the code the JS wrapper maps to an error class.
// No timing assertions: a regression of the O(rank) rule makes these tests take minutes (or
// never end) and allocate gigabytes, which ctest's timeout and ASan report.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cossim/buffer.h"
#include "cossim/cosine_similarity.h"
#include "cossim/metric.h"
#include "cossim/search.h"
#include "cossim/shape_engine.h"
#include "cossim/status.h"
#include "cossim/tensor.h"
#include "reference.h"
#include "test_support.h"

namespace cossim {
namespace {

const KernelSet& scalar_set() { return *find_kernel_set("scalar"); }
const KernelSet& simd128_set() { return *find_kernel_set("simd128"); }

constexpr std::int64_t kBig = 2147483647;  // INT32_MAX: a dim JS can pass

struct KernelParam {
  const char* name;
  const KernelSet& (*kernels)();
  DType dtype;
};

constexpr KernelParam kParams[] = {
    {"scalar_float32", &scalar_set, DType::kFloat32},
    {"scalar_float64", &scalar_set, DType::kFloat64},
    {"simd128_float32", &simd128_set, DType::kFloat32},
    {"simd128_float64", &simd128_set, DType::kFloat64},
};

std::string ParamName(const ::testing::TestParamInfo<KernelParam>& info) { return info.param.name; }

// Host data in one dtype: the shared test reference's tensor (storage never empty, so an empty
// view still has a pointer).
using Data = reference::HostTensor;

// `count` copies of `value`, for operands with a real (large) element count.
Data Filled(DType dtype, Shape shape, double value) {
  const auto n = static_cast<std::size_t>(num_elements(shape));
  return Data(dtype, std::move(shape), std::vector<double>(n, value));
}

double At(const void* data, DType dtype, std::size_t i) {
  return dtype == DType::kFloat32 ? static_cast<const float*>(data)[i]
                                  : static_cast<const double*>(data)[i];
}

// Every buffer of the workspace stays small: nothing was allocated in proportion to the dims.
void ExpectSmall(const Workspace& ws) {
  const Buffer* buffers[] = {&ws.gathered_true, &ws.gathered_pred,  &ws.inv_norm_true,
                             &ws.inv_norm_pred, &ws.per_sample,     &ws.result,
                             &ws.metric_values, &ws.metric_weights, &ws.metric_weight_in,
                             &ws.upstream,      &ws.grad_rows_true, &ws.grad_rows_pred,
                             &ws.grad_scratch,  &ws.grad_true,      &ws.grad_pred};
  for (const Buffer* b : buffers) EXPECT_LT(b->capacity(), std::size_t{1} << 20);
}

void ExpectTooLarge(const Status& s, const std::vector<std::string>& mentions) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kTooLarge) << s.message();
  EXPECT_NE(s.message().find("bytes"), std::string::npos) << s.message();
  for (const std::string& m : mentions) {
    EXPECT_NE(s.message().find(m), std::string::npos) << "'" << m << "' in: " << s.message();
  }
}

class Edges : public ::testing::TestWithParam<KernelParam> {
 protected:
  const KernelSet& kernels() const { return GetParam().kernels(); }
  DType dtype() const { return GetParam().dtype; }
  Data D(Shape shape, const std::vector<double>& values) const {
    return Data(dtype(), std::move(shape), values);
  }
  Data Empty(Shape shape) const { return Data(dtype(), std::move(shape), {}); }
  Workspace ws_;
};

// ---------------------------------------------------------------------------------------------
// Item 4: the gradient of an operand broadcast against an empty batch is zeros.

TEST_P(Edges, GradientOfAnOperandBroadcastAgainstAnEmptyBatchIsZeros) {
  for (Flavor flavor : {Flavor::kKeras2, Flavor::kKeras3}) {
    for (Reduction r : {Reduction::kNone, Reduction::kSum, Reduction::kSumOverBatchSize}) {
      SCOPED_TRACE(::testing::Message()
                   << "reduction " << reduction_key(r) << " flavour " << static_cast<int>(flavor));
      const CosineSimilarity loss({-1}, r, flavor);
      Result value;
      GradientOutput g;
      // A previous call leaves non-zero gradients in the workspace.
      const Data a = D({2}, {1, 2}), b = D({2}, {3, 5});
      ASSERT_TRUE(loss.gradient(a.View(), b.View(), nullptr, nullptr, true, true, kernels(), &ws_,
                                &value, &g)
                      .ok());
      ASSERT_NE(At(g.y_true, dtype(), 0), 0.0);

      const Data one = D({1, 2}, {0.79, -0.41});
      const Data none = Empty({0, 2});
      // y_true broadcast against an empty y_pred batch (and the mirror image), fused path.
      ASSERT_TRUE(loss.gradient(one.View(), none.View(), nullptr, nullptr, true, true, kernels(),
                                &ws_, &value, &g)
                      .ok());
      ASSERT_NE(g.y_true, nullptr);
      for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(At(g.y_true, dtype(), i), 0.0) << i;
      ASSERT_TRUE(loss.gradient(a.View(), b.View(), nullptr, nullptr, true, true, kernels(), &ws_,
                                &value, &g)
                      .ok());
      ASSERT_TRUE(loss.gradient(none.View(), one.View(), nullptr, nullptr, true, true, kernels(),
                                &ws_, &value, &g)
                      .ok());
      ASSERT_NE(g.y_pred, nullptr);
      for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(At(g.y_pred, dtype(), i), 0.0) << i;

      // With a weight, and through the general path ([2,1] against [2,0]: broadcast along the
      // empty axis).
      ASSERT_TRUE(loss.gradient(a.View(), b.View(), nullptr, nullptr, true, true, kernels(), &ws_,
                                &value, &g)
                      .ok());
      const Data w = Empty({0});
      const TensorView wv = w.View();
      ASSERT_TRUE(loss.gradient(one.View(), none.View(), &wv, nullptr, true, false, kernels(), &ws_,
                                &value, &g)
                      .ok());
      for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(At(g.y_true, dtype(), i), 0.0) << i;
      const Data column = D({2, 1}, {0.5, -2});
      const Data rows = Empty({2, 0});
      ASSERT_TRUE(loss.gradient(column.View(), rows.View(), nullptr, nullptr, true, true, kernels(),
                                &ws_, &value, &g)
                      .ok());
      for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(At(g.y_true, dtype(), i), 0.0) << i;
    }
  }
}

TEST_P(Edges, WeightedGradientAgainstAnEmptyBatchIsZeros) {
  const CosineSimilarity loss({-1}, Reduction::kSum);
  Result value;
  GradientOutput g;
  const Data a = D({2}, {1, 2}), b = D({2}, {3, 5});
  ASSERT_TRUE(
      loss.gradient(a.View(), b.View(), nullptr, nullptr, true, true, kernels(), &ws_, &value, &g)
          .ok());
  const Data one = D({1, 2}, {0.79, -0.41});
  const Data none = Empty({0, 2});
  const Data w = Empty({0});
  const TensorView wv = w.View();
  ASSERT_TRUE(
      loss.gradient(one.View(), none.View(), &wv, nullptr, true, false, kernels(), &ws_, &value, &g)
          .ok());
  for (std::size_t i = 0; i < 2; ++i) EXPECT_EQ(At(g.y_true, dtype(), i), 0.0) << i;
  EXPECT_EQ(At(value.data, dtype(), 0), 0.0);
}

// ---------------------------------------------------------------------------------------------
// Item 6: sizes beyond a 32-bit address space are refused before anything is allocated.

TEST(CheckedArithmetic, MulAndAddReportOverflow) {
  std::uint64_t out = 0;
  EXPECT_TRUE(checked_mul(std::uint64_t{1} << 31, std::uint64_t{1} << 32, &out));
  EXPECT_EQ(out, std::uint64_t{1} << 63);
  EXPECT_FALSE(checked_mul(std::uint64_t{1} << 32, std::uint64_t{1} << 32, &out));
  // Both sides of the fast path for factors below 2^32.
  const std::uint64_t below = (std::uint64_t{1} << 32) - 1;
  EXPECT_TRUE(checked_mul(below, below, &out));
  EXPECT_EQ(out, below * below);
  EXPECT_TRUE(checked_mul(std::uint64_t{1} << 32, below, &out));
  EXPECT_EQ(out, (std::uint64_t{1} << 32) * below);
  EXPECT_FALSE(checked_mul(std::uint64_t{1} << 33, std::uint64_t{1} << 31 | 1, &out));
  EXPECT_TRUE(checked_mul(0, std::numeric_limits<std::uint64_t>::max(), &out));
  EXPECT_EQ(out, 0u);
  EXPECT_TRUE(checked_add(std::numeric_limits<std::uint64_t>::max() - 1, 1, &out));
  EXPECT_FALSE(checked_add(std::numeric_limits<std::uint64_t>::max(), 1, &out));
  EXPECT_EQ(kMaxBytes, std::uint64_t{1} << 32);
}

TEST(BufferReserve, RefusesSizesWhoseRoundingWouldWrap) {
  Buffer b;
  ASSERT_TRUE(b.reserve(100).ok());
  const std::size_t capacity = b.capacity();
  // [2^32 - 16, 2^32) wrapped to 0 in 32-bit arithmetic; beyond 2^32 cannot exist on wasm32.
  for (std::uint64_t bytes : {kMaxBytes - 15, kMaxBytes - 1, kMaxBytes, kMaxBytes + 1,
                              std::uint64_t{std::numeric_limits<std::size_t>::max()}}) {
    const Status s = b.reserve(static_cast<std::size_t>(bytes));
    ASSERT_FALSE(s.ok()) << bytes;
    EXPECT_EQ(s.code(), StatusCode::kTooLarge) << s.message();
    EXPECT_NE(s.message().find(std::to_string(bytes)), std::string::npos) << s.message();
    EXPECT_EQ(b.capacity(), capacity) << "the buffer is kept";
  }
}

TEST(SizeLimits, PairwiseOutputBeyondTheAddressSpace) {
  // 32767 * 32769 = 2^30 - 1 float32 outputs: 4294967292 bytes, plus the norms.
  const Data a = Filled(DType::kFloat32, {32767, 1}, 1.0);
  const Data b = Filled(DType::kFloat32, {32769, 1}, 1.0);
  SearchWorkspace ws;
  Result out;
  ExpectTooLarge(pairwise_cosine(a.View(), b.View(), default_kernel_set(), &ws, &out),
                 {"[32767,1]", "[32769,1]"});
  EXPECT_LT(ws.values.capacity(), std::size_t{1} << 20);
}

TEST(SizeLimits, TopKOutputBeyondTheAddressSpace) {
  const Data q = Filled(DType::kFloat32, {32767, 1}, 1.0);
  const Data t = Filled(DType::kFloat32, {32769, 1}, 1.0);
  SearchWorkspace ws;
  TopKResult out;
  ExpectTooLarge(top_k_cosine(q.View(), t.View(), 32769, default_kernel_set(), &ws, &out),
                 {"[32767,1]", "[32769,1]"});
  EXPECT_LT(ws.values.capacity(), std::size_t{1} << 20);
}

TEST_P(Edges, WeightedNoneLossBeyondTheAddressSpace) {
  // Losses [32767] (rows of length 1) times a weight [32769,1,1] (ranks differ by 2: kept):
  // [32769,1,32767] = 2^30 - 1 weighted losses.
  const Data rows = Filled(dtype(), {32767, 1}, 1.0);
  const Data w = Filled(dtype(), {32769, 1, 1}, 1.0);
  const TensorView wv = w.View();
  const CosineSimilarity loss({-1}, Reduction::kNone);
  Result out;
  ExpectTooLarge(loss.call(rows.View(), rows.View(), &wv, kernels(), &ws_, &out),
                 {"[32767]", "[32769,1,1]"});
  GradientOutput g;
  ExpectTooLarge(
      loss.gradient(rows.View(), rows.View(), &wv, nullptr, true, true, kernels(), &ws_, &out, &g),
      {"[32767]", "[32769,1,1]"});
  ExpectSmall(ws_);
}

TEST_P(Edges, BroadcastPerSampleOutputBeyondTheAddressSpace) {
  // [256999,1,1] x [1,2089,1] over the last axis: 536870911 per-sample values (4294967288 bytes
  // of doubles).
  const Data t = Filled(dtype(), {256999, 1, 1}, 1.0);
  const Data p = Filled(dtype(), {1, 2089, 1}, 1.0);
  for (Reduction r : {Reduction::kNone, Reduction::kSum}) {
    const CosineSimilarity loss({-1}, r);
    Result out;
    ExpectTooLarge(loss.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out),
                   {"[256999,1,1]", "[1,2089,1]"});
    ExpectTooLarge(loss.similarity(t.View(), p.View(), kernels(), &ws_, &out), {"[256999,1,1]"});
    GradientOutput g;
    ExpectTooLarge(
        loss.gradient(t.View(), p.View(), nullptr, nullptr, true, true, kernels(), &ws_, &out, &g),
        {"[256999,1,1]"});
    MetricUpdate u;
    ExpectTooLarge(cosine_metric_update(t.View(), p.View(), nullptr, {-1}, Flavor::kKeras2,
                                        kernels(), &ws_, &u),
                   {"[256999,1,1]"});
  }
  ExpectSmall(ws_);
}

TEST_P(Edges, Keras3MetricOnAnEmptyBatchOfManySamples) {
  // [536870911,0,3]: 536870911 samples whose per-sample mean is over nothing (NaN, as
  // reduce_mean gives), counted; nothing is materialised.
  const Data e = Empty({536870911, 0, 3});
  MetricUpdate u;
  ASSERT_TRUE(
      cosine_metric_update(e.View(), e.View(), nullptr, {-1}, Flavor::kKeras3, kernels(), &ws_, &u)
          .ok());
  EXPECT_TRUE(std::isnan(u.total));
  EXPECT_EQ(u.count, 536870911.0);
  ExpectSmall(ws_);
}

// ---------------------------------------------------------------------------------------------
// Item 7: empty shapes cost O(rank).

TEST_P(Edges, EmptyBatchesWithHugeOtherDimsReturnAtOnce) {
  for (Flavor flavor : {Flavor::kKeras2, Flavor::kKeras3}) {
    for (const Shape& shape : {Shape{kBig, 0, 3}, Shape{kBig, kBig, 0, 3}, Shape{0, kBig, kBig, 3},
                               Shape{kBig, kBig, kBig, 0}}) {
      SCOPED_TRACE(shape_to_string(shape));
      const Data e = Empty(shape);
      Shape per_sample(shape.begin(), shape.end() - 1);
      if (num_elements(per_sample) > (std::int64_t{1} << 32)) {
        // The reduced axis is the empty one: 2^93 per-sample zeros cannot be returned.
        const CosineSimilarity loss({-1}, Reduction::kNone, flavor);
        Result out;
        ExpectTooLarge(loss.call(e.View(), e.View(), nullptr, kernels(), &ws_, &out),
                       {shape_to_string(shape)});
        continue;
      }
      {
        const CosineSimilarity loss({-1}, Reduction::kNone, flavor);
        Result out;
        ASSERT_TRUE(loss.call(e.View(), e.View(), nullptr, kernels(), &ws_, &out).ok());
        EXPECT_EQ(out.shape, per_sample);
        ASSERT_TRUE(loss.similarity(e.View(), e.View(), kernels(), &ws_, &out).ok());
        EXPECT_EQ(out.shape, per_sample);
        GradientOutput g;
        const Status s = loss.gradient(e.View(), e.View(), nullptr, nullptr, true, true, kernels(),
                                       &ws_, &out, &g);
        ASSERT_TRUE(s.ok()) << s.message();
        EXPECT_EQ(out.shape, per_sample);
      }
      if (num_elements(per_sample) == 0) {
        // sum_over_batch_size of an empty loss is 0 (divide_no_nan); Keras 3 reduces it too
        // (rank >= 2 is not passed through).
        const CosineSimilarity loss({-1}, Reduction::kSumOverBatchSize, flavor);
        Result out;
        ASSERT_TRUE(loss.call(e.View(), e.View(), nullptr, kernels(), &ws_, &out).ok());
        EXPECT_EQ(out.shape, Shape{});
        EXPECT_EQ(At(out.data, dtype(), 0), 0.0);
        MetricUpdate u;
        ASSERT_TRUE(
            cosine_metric_update(e.View(), e.View(), nullptr, {-1}, flavor, kernels(), &ws_, &u)
                .ok());
        if (flavor == Flavor::kKeras2) {
          EXPECT_EQ(u.total, 0.0);
          EXPECT_EQ(u.count, 0.0);
        }
      }
    }
  }
  ExpectSmall(ws_);
}

TEST_P(Edges, EmptyOperandOnTheGeneralPathAllocatesNoNorms) {
  // y_pred broadcast along the axis: not fused, so the general path would normalise each
  // operand's 2^31 (empty) rows.
  const Data t = Empty({kBig, 0, 3});
  const Data p = Empty({1, 0, 1});
  const CosineSimilarity loss({-1}, Reduction::kNone);
  Result out;
  const Status s = loss.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(out.shape, (Shape{kBig, 0}));
  GradientOutput g;
  ASSERT_TRUE(
      loss.gradient(t.View(), p.View(), nullptr, nullptr, true, true, kernels(), &ws_, &out, &g)
          .ok());
  // [1,kBig,0] normalised over its empty last axis has kBig rows (16 GB of norms natively, 70 s
  // before the fix) although [0,1,1] makes the output [0,kBig] empty.
  const Data wide = Empty({1, kBig, 0});
  const Data none = Empty({0, 1, 1});
  ASSERT_TRUE(loss.call(wide.View(), none.View(), nullptr, kernels(), &ws_, &out).ok());
  EXPECT_EQ(out.shape, (Shape{0, kBig}));
  ASSERT_TRUE(loss.gradient(wide.View(), none.View(), nullptr, nullptr, true, true, kernels(), &ws_,
                            &out, &g)
                  .ok());
  // Axis 0 over an empty batch: the per-sample values exist (3 of them, each 0: a sum over
  // nothing) and the norms of [kBig,0,...] rows are not computed.
  const Data q = Empty({0, kBig, 0});
  const CosineSimilarity axis1({1}, Reduction::kNone);
  ASSERT_TRUE(axis1.call(q.View(), q.View(), nullptr, kernels(), &ws_, &out).ok());
  EXPECT_EQ(out.shape, (Shape{0, 0}));
  ExpectSmall(ws_);
}

TEST_P(Edges, EmptyReductionAxisGivesZerosOfTheOuterShape) {
  // Outer dims non-empty, the reduced axis empty: cos = 0 per sample (a sum over nothing).
  const Data e = Empty({4, 0});
  const CosineSimilarity loss({-1}, Reduction::kNone);
  Result out;
  ASSERT_TRUE(loss.call(e.View(), e.View(), nullptr, kernels(), &ws_, &out).ok());
  ASSERT_EQ(out.shape, (Shape{4}));
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(At(out.data, dtype(), i), 0.0);
    EXPECT_TRUE(std::signbit(At(out.data, dtype(), i))) << "-reduce_sum(empty) is -0.0 in Keras";
  }
}

TEST(SearchEdges, TopKOnAnEmptyRowTableIsImmediate) {
  // [kBig, 0]: every row is empty, every score is 0, ties go to the lower index.
  for (DType dtype : {DType::kFloat32, DType::kFloat64}) {
    const Data table(dtype, {kBig, 0}, {});
    const Data query(dtype, {0}, {});
    const Data queries(dtype, {3, 0}, {});
    SearchWorkspace ws;
    TopKResult out;
    ASSERT_TRUE(top_k_cosine(query.View(), table.View(), 4, default_kernel_set(), &ws, &out).ok());
    ASSERT_EQ(out.shape, (Shape{4}));
    for (std::size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(out.indices[i], static_cast<std::int32_t>(i));
      EXPECT_EQ(At(out.values, dtype, i), 0.0);
    }
    ASSERT_TRUE(
        top_k_cosine(queries.View(), table.View(), 2, default_kernel_set(), &ws, &out).ok());
    ASSERT_EQ(out.shape, (Shape{3, 2}));
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(out.indices[i], static_cast<std::int32_t>(i % 2));
    ASSERT_TRUE(top_k_cosine(query.View(), table.View(), 0, default_kernel_set(), &ws, &out).ok());
    EXPECT_EQ(out.shape, (Shape{0}));
    EXPECT_LT(ws.candidates.capacity(), std::size_t{1} << 20);
  }
}

TEST(SearchEdges, PairwiseWithAnEmptyOperandIsImmediate) {
  const Data a(DType::kFloat32, {0, 0}, {});
  const Data b(DType::kFloat32, {kBig, 0}, {});
  SearchWorkspace ws;
  Result out;
  ASSERT_TRUE(pairwise_cosine(a.View(), b.View(), default_kernel_set(), &ws, &out).ok());
  EXPECT_EQ(out.shape, (Shape{0, kBig}));
  EXPECT_LT(ws.inv_norm_b.capacity(), std::size_t{1} << 20);
}

// ---------------------------------------------------------------------------------------------
// Item 10: planning empty shapes with large dims has no signed overflow (UBSan aborts on it) and
// no wrapped count reaches a message.

TEST(EmptyPlans, RowLayoutOfAnEmptyShapeDoesNotOverflow) {
  std::vector<int> perm;
  // The factor without the 0 saturates instead of wrapping (UBSan aborts on a signed overflow).
  const RowLayout a = row_layout({kBig, kBig, kBig, 0}, {3}, &perm);
  EXPECT_EQ(a.rows, INT64_MAX);
  EXPECT_EQ(a.row_length, 0);
  const RowLayout b = row_layout({0, kBig, kBig, kBig}, {1, 2, 3}, &perm);
  EXPECT_EQ(b.rows, 0);
  EXPECT_EQ(b.row_length, INT64_MAX);
  CosinePlan plan;
  ASSERT_TRUE(plan_cosine({0, kBig, kBig, kBig}, {0, kBig, kBig, kBig}, {1, 2, 3}, &plan).ok());
  EXPECT_EQ(plan.per_sample_shape, (Shape{0}));
  ASSERT_TRUE(plan_cosine({kBig, kBig, kBig, 0}, {1, kBig, kBig, 0}, {0}, &plan).ok());
  EXPECT_EQ(plan.per_sample_shape, (Shape{kBig, kBig, 0}));
  EXPECT_EQ(num_elements({kBig, kBig, kBig, 0}), 0);
}

TEST_P(Edges, EmptyShapesWithLargeDimsGiveNoWrappedCount) {
  for (const Shape& t_shape : {Shape{kBig, kBig, kBig, 0}, Shape{kBig, kBig, 1, 0}}) {
    const Data t = Empty(t_shape);
    const Data p = Empty({1, kBig, kBig, 0});
    for (const std::vector<std::int64_t>& axes :
         {std::vector<std::int64_t>{0}, std::vector<std::int64_t>{0, 1},
          std::vector<std::int64_t>{-1}}) {
      const CosineSimilarity loss(axes, Reduction::kSum);
      Result out;
      const Status s = loss.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out);
      // OK when the per-sample shape is empty; otherwise its 2^62+ zeros are refused, with the
      // shapes (and no wrapped count) in the message.
      if (s.ok()) continue;
      EXPECT_EQ(s.code(), StatusCode::kTooLarge) << s.message();
      EXPECT_NE(s.message().find(shape_to_string(t_shape)), std::string::npos) << s.message();
      EXPECT_EQ(s.message().find(" -"), std::string::npos) << s.message();
      EXPECT_TRUE(axes[0] == -1) << shape_to_string(t_shape) << " axes " << shape_to_string(axes)
                                 << ": " << s.message();
    }
  }
  ExpectSmall(ws_);
}

// ---------------------------------------------------------------------------------------------
// Item 11: Keras 2's function form does not apply the loss class's squeeze rule.

TEST_P(Edges, FunctionFormSkipsTheSqueezeRule) {
  const Data t = D({3}, {1, 2, 3});
  const Data p = D({3, 1}, {1, 2, 3});
  Result out;
  // The class: y_pred [3,1] is squeezed to [3]: one cosine over the batch axis, -1.
  const CosineSimilarity cls({-1}, Reduction::kNone, Flavor::kKeras2, Form::kLossClass);
  ASSERT_TRUE(cls.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out).ok());
  EXPECT_EQ(out.shape, Shape{});
  EXPECT_NEAR(At(out.data, dtype(), 0), -1.0, 1e-6);
  // The function: [3] * [3,1] broadcasts to [3,3]; each row is t^ . sign(p) = 6/sqrt(14).
  const CosineSimilarity fn({-1}, Reduction::kNone, Flavor::kKeras2, Form::kFunction);
  ASSERT_TRUE(fn.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out).ok());
  ASSERT_EQ(out.shape, (Shape{3}));
  const double want = -6.0 / std::sqrt(14.0);  // -1.6035674514745464
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(At(out.data, dtype(), i), want, dtype() == DType::kFloat32 ? 1e-6 : 1e-12);
  }
  // The same for y_true [3,1] against y_pred [3] (the class squeezes y_true).
  ASSERT_TRUE(fn.call(p.View(), t.View(), nullptr, kernels(), &ws_, &out).ok());
  ASSERT_EQ(out.shape, (Shape{3}));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(At(out.data, dtype(), i), want, 1e-6);
  // A cached plan of one form is not reused for the other.
  ASSERT_TRUE(cls.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out).ok());
  EXPECT_EQ(out.shape, Shape{});
  // Gradients of the function form: the gradient of sum(loss) w.r.t. y_pred [3,1]: each p_i is
  // normalised over a length-1 axis (p^ = sign p, no gradient above eps), so it is 0.
  GradientOutput g;
  ASSERT_TRUE(
      fn.gradient(t.View(), p.View(), nullptr, nullptr, true, true, kernels(), &ws_, &out, &g)
          .ok());
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(At(g.y_pred, dtype(), i), 0.0, 1e-6);
  // Keras 3's function applies squeeze_or_expand_to_same_rank as the class does: [3] is expanded
  // to [3,1], three products of signs.
  const CosineSimilarity fn3({-1}, Reduction::kNone, Flavor::kKeras3, Form::kFunction);
  const CosineSimilarity cls3({-1}, Reduction::kNone, Flavor::kKeras3, Form::kLossClass);
  Result out3;
  ASSERT_TRUE(fn3.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out).ok());
  const std::vector<double> f3 = {At(out.data, dtype(), 0), At(out.data, dtype(), 1),
                                  At(out.data, dtype(), 2)};
  ASSERT_EQ(out.shape, (Shape{3}));
  ASSERT_TRUE(cls3.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out3).ok());
  ASSERT_EQ(out3.shape, (Shape{3}));
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(f3[i], At(out3.data, dtype(), i));
}

TEST_P(Edges, FunctionFormMatchesTheReferenceWithoutTheSqueeze) {
  // Every pair of shapes the loss class would squeeze, against the shared reference with its
  // rank rule off (keras-semantics.md §2.1: the function form never squeezes).
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  const std::vector<std::pair<Shape, Shape>> pairs = {
      {{5}, {5, 1}}, {{5, 1}, {5}}, {{3, 4}, {3, 1, 1}}, {{4, 1, 1}, {3, 4}}, {{2, 1}, {2}}};
  const double k = dtype() == DType::kFloat32 ? 1e-6 : 1e-12;
  std::uint64_t i = 0;
  for (const auto& [ts, ps] : pairs) {
    std::mt19937_64 rng = cossim_test::CaseRng(seed, ++i);
    const reference::HostTensor t(dtype(), ts,
                                  reference::RandomValues(std::size_t(num_elements(ts)), rng));
    const reference::HostTensor p(dtype(), ps,
                                  reference::RandomValues(std::size_t(num_elements(ps)), rng));
    SCOPED_TRACE(shape_to_string(ts) + " vs " + shape_to_string(ps));
    const reference::RefOutput want =
        reference::RefLoss(t, p, nullptr, {-1}, Reduction::kNone, dtype(), /*squeeze=*/false);
    ASSERT_TRUE(want.ok);
    const CosineSimilarity fn({-1}, Reduction::kNone, Flavor::kKeras2, Form::kFunction);
    Result out;
    ASSERT_TRUE(fn.call(t.View(), p.View(), nullptr, kernels(), &ws_, &out).ok());
    ASSERT_EQ(out.shape, want.shape);
    for (std::size_t j = 0; j < want.values.size(); ++j) {
      EXPECT_NEAR(At(out.data, dtype(), j), static_cast<double>(want.values[j]),
                  k * static_cast<double>(1.0L + want.scales[j]))
          << "element " << j;
    }
  }
}

TEST(FunctionForm, IsAConstructorOptionDefaultingToTheClass) {
  EXPECT_EQ(CosineSimilarity().form(), Form::kLossClass);
  EXPECT_EQ(CosineSimilarity({-1}, Reduction::kNone, Flavor::kKeras2, Form::kFunction).form(),
            Form::kFunction);
}

// ---------------------------------------------------------------------------------------------
// Error classes: shapes -> kShape, sizes -> kTooLarge, options -> kInvalidArgument, kinds ->
// kType. The messages are kept (other tests match them).

TEST_P(Edges, ErrorStatusesAreClassified) {
  const CosineSimilarity loss({-1}, Reduction::kAuto);
  Result out;
  auto code_of = [&](const Data& t, const Data& p, const Data* w = nullptr) {
    TensorView wv;
    if (w) wv = w->View();
    return loss.call(t.View(), p.View(), w ? &wv : nullptr, kernels(), &ws_, &out).code();
  };
  EXPECT_EQ(code_of(D({1, 3}, {1, 2, 3}), D({2, 2}, {1, 2, 3, 4})), StatusCode::kShape);
  const Data w3 = D({2, 2}, std::vector<double>(4, 1.0));  // can not squeeze dim[1]
  EXPECT_EQ(code_of(D({2, 2}, {1, 2, 3, 4}), D({2, 2}, {1, 2, 3, 4}), &w3), StatusCode::kShape);
  const CosineSimilarity bad_axis({5});
  const Data x = D({2, 2}, {1, 2, 3, 4});
  EXPECT_EQ(bad_axis.call(x.View(), x.View(), nullptr, kernels(), &ws_, &out).code(),
            StatusCode::kShape);
  const CosineSimilarity dup_axis({1, -1});
  EXPECT_EQ(dup_axis.call(x.View(), x.View(), nullptr, kernels(), &ws_, &out).code(),
            StatusCode::kShape);
  EXPECT_EQ(validate_shape(Shape(33, 1), "y_true").code(), StatusCode::kShape);
  EXPECT_EQ(validate_shape({-1}, "y_true").code(), StatusCode::kShape);
  EXPECT_EQ(validate_shape({kBig, kBig, kBig}, "y_true").code(), StatusCode::kTooLarge);
  Reduction r;
  EXPECT_EQ(parse_reduction("mean", &r).code(), StatusCode::kInvalidArgument);
  const Data other(dtype() == DType::kFloat32 ? DType::kFloat64 : DType::kFloat32, {2, 2},
                   {1, 2, 3, 4});
  EXPECT_EQ(loss.call(x.View(), other.View(), nullptr, kernels(), &ws_, &out).code(),
            StatusCode::kType);
  const TensorView ov = other.View();
  EXPECT_EQ(loss.call(x.View(), x.View(), &ov, kernels(), &ws_, &out).code(), StatusCode::kType);
  GradientOutput g;
  const Data dy = D({3}, {1, 1, 1});
  const TensorView dyv = dy.View();
  const CosineSimilarity none({-1}, Reduction::kNone);
  EXPECT_EQ(none.gradient(x.View(), x.View(), nullptr, &dyv, true, true, kernels(), &ws_, &out, &g)
                .code(),
            StatusCode::kShape);
  EXPECT_EQ(
      none.gradient(x.View(), x.View(), nullptr, &ov, true, true, kernels(), &ws_, &out, &g).code(),
      StatusCode::kType);
}

TEST(SearchEdges, ErrorStatusesAreClassified) {
  const Data a(DType::kFloat32, {2, 3}, {1, 2, 3, 4, 5, 6});
  const Data b(DType::kFloat32, {2, 2}, {1, 2, 3, 4});
  const Data c(DType::kFloat64, {2, 3}, {1, 2, 3, 4, 5, 6});
  SearchWorkspace ws;
  Result out;
  TopKResult top;
  const KernelSet& k = default_kernel_set();
  EXPECT_EQ(pairwise_cosine(a.View(), b.View(), k, &ws, &out).code(), StatusCode::kShape);
  EXPECT_EQ(pairwise_cosine(a.View(), c.View(), k, &ws, &out).code(), StatusCode::kType);
  EXPECT_EQ(top_k_cosine(a.View(), b.View(), 1, k, &ws, &top).code(), StatusCode::kShape);
  EXPECT_EQ(top_k_cosine(a.View(), c.View(), 1, k, &ws, &top).code(), StatusCode::kType);
  EXPECT_EQ(top_k_cosine(a.View(), a.View(), -1, k, &ws, &top).code(),
            StatusCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(AllKernelSets, Edges, ::testing::ValuesIn(kParams), ParamName);

}  // namespace
}  // namespace cossim

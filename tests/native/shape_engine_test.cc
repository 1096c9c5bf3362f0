// The shape engine (shape_engine.h): table-driven tests of every Keras 2.9 shape rule, with the
// error texts of TF/Keras (keras-semantics.md §1.3, §2, §3). Messages are matched as substrings,
// because the engine may prefix the operand's name.
#include "cossim/shape_engine.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "cossim/status.h"
#include "cossim/tensor.h"

namespace cossim {
namespace {

using Axes = std::vector<std::int64_t>;
using Ints = std::vector<int>;
using Strides = std::vector<std::int64_t>;

// Shape errors are Status::Shape (JS RangeError), element counts beyond kMaxElements
// Status::TooLarge.
::testing::AssertionResult FailsWith(const Status& status, const std::string& text,
                                     StatusCode code = StatusCode::kShape) {
  if (status.ok())
    return ::testing::AssertionFailure()
           << "expected an error containing \"" << text << "\", got OK";
  if (status.code() != code) {
    return ::testing::AssertionFailure()
           << "expected code " << static_cast<int>(code) << ", got code "
           << static_cast<int>(status.code()) << ": " << status.message();
  }
  if (status.message().find(text) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "message \"" << status.message() << "\" does not contain \"" << text << "\"";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsOk(const Status& status) {
  if (status.ok()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "unexpected error: " << status.message();
}

// Checks broadcast semantics of `strides` without pinning the value used for a dim whose index
// is always 0: for every index of `target`, sum(index_k * strides_k) must be the row-major offset
// in `shape` of the same element under right-aligned NumPy broadcasting.
::testing::AssertionResult StridesAddress(const Shape& shape, const Shape& target,
                                          const Strides& strides) {
  if (strides.size() != target.size()) {
    return ::testing::AssertionFailure()
           << "got " << strides.size() << " strides for target " << shape_to_string(target);
  }
  const std::int64_t count = num_elements(target);
  const std::size_t lead = target.size() - shape.size();
  std::vector<std::int64_t> index(target.size(), 0);
  for (std::int64_t flat = 0; flat < count; ++flat) {
    std::int64_t rest = flat;
    for (std::size_t k = target.size(); k-- > 0;) {
      index[k] = rest % target[k];
      rest /= target[k];
    }
    std::int64_t got = 0;
    for (std::size_t k = 0; k < target.size(); ++k) got += index[k] * strides[k];
    std::int64_t want = 0;
    for (std::size_t k = 0; k < shape.size(); ++k) {
      const std::int64_t i = shape[k] == 1 ? 0 : index[lead + k];
      want = want * shape[k] + i;
    }
    if (got != want) {
      return ::testing::AssertionFailure()
             << "element " << flat << " of " << shape_to_string(target) << " maps to offset " << got
             << ", expected " << want << " in " << shape_to_string(shape);
    }
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------------------------
// tensor.h helpers the messages rely on.

TEST(TensorHelpers, NumElementsAndShapeToString) {
  EXPECT_EQ(num_elements({}), 1);
  EXPECT_EQ(num_elements({2, 3}), 6);
  EXPECT_EQ(num_elements({0, 5}), 0);
  EXPECT_EQ(num_elements({7}), 7);
  EXPECT_EQ(shape_to_string({}), "[]");
  EXPECT_EQ(shape_to_string({5}), "[5]");
  EXPECT_EQ(shape_to_string({2, 3}), "[2,3]");
  EXPECT_EQ(shape_to_string({0, 1, 3}), "[0,1,3]");
  EXPECT_EQ(int_to_string(0), "0");
  EXPECT_EQ(int_to_string(7), "7");
  EXPECT_EQ(int_to_string(-42), "-42");
  EXPECT_EQ(int_to_string(1234567890123), "1234567890123");
  EXPECT_EQ(int_to_string(INT64_MAX), "9223372036854775807");
  EXPECT_EQ(int_to_string(INT64_MIN), "-9223372036854775808");  // no overflow negating it
  EXPECT_EQ(dtype_size(DType::kFloat32), 4u);
  EXPECT_EQ(dtype_size(DType::kFloat64), 8u);
}

// ---------------------------------------------------------------------------------------------
// validate_shape

TEST(ValidateShape, AcceptsOrdinaryShapes) {
  for (const Shape& s : std::vector<Shape>{{}, {0}, {3}, {2, 3}, {0, 3}, {1, 1, 1, 1}}) {
    EXPECT_TRUE(IsOk(validate_shape(s, "y_true"))) << shape_to_string(s);
  }
  EXPECT_TRUE(IsOk(validate_shape(Shape(kMaxRank, 1), "y_true")));
  EXPECT_TRUE(IsOk(validate_shape({kMaxElements}, "y_true")));
}

TEST(ValidateShape, RejectsNegativeDimsTooManyDimsAndTooManyElements) {
  EXPECT_FALSE(validate_shape({-1, 3}, "y_true").ok());
  EXPECT_FALSE(validate_shape({2, -3}, "y_pred").ok());
  EXPECT_FALSE(validate_shape(Shape(kMaxRank + 1, 1), "y_true").ok());
  EXPECT_FALSE(validate_shape({std::int64_t{1} << 27, std::int64_t{1} << 27}, "y_true").ok());
  // The element count must be checked without overflowing int64 along the way (UBSan would
  // report a signed overflow; the sanitizer build runs with -fno-sanitize-recover).
  EXPECT_FALSE(validate_shape({std::int64_t{1} << 40, std::int64_t{1} << 40, 3}, "y_true").ok());
  // A zero dim makes the count 0 whatever the other dims are: accepting or rejecting is fine,
  // overflowing while finding out is not.
  (void)validate_shape({std::int64_t{1} << 40, std::int64_t{1} << 40, 0}, "y_true");
}

// The limit is exact: kMaxElements is accepted (above), one more is not. A count accumulated in
// double rounds 2^53 + 1 down to 2^53 and lets it through.
TEST(ValidateShape, RejectsOneElementOverTheLimit) {
  EXPECT_FALSE(validate_shape({kMaxElements + 1}, "y_true").ok());
  EXPECT_FALSE(validate_shape({kMaxElements / 2 + 1, 2}, "y_true").ok());
}

TEST(ValidateShape, MessageNamesTheOperand) {
  const Status s = validate_shape({-1, 3}, "sample_weight");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kShape);
  EXPECT_NE(s.message().find("sample_weight"), std::string::npos) << s.message();
}

// ---------------------------------------------------------------------------------------------
// resolve_axes (TF reduction_ops_common.cc)

struct ResolveAxesCase {
  Axes axes;
  Shape shape;
  Ints want;
};

TEST(ResolveAxes, ResolvesNegativeAndListAxesSorted) {
  const ResolveAxesCase cases[] = {
      {{-1}, {2, 3}, {1}},
      {{1}, {2, 3}, {1}},
      {{0}, {2, 3}, {0}},
      {{-2}, {2, 3}, {0}},
      {{1, 0}, {2, 3}, {0, 1}},
      {{-1, 0}, {2, 3, 4}, {0, 2}},
      {{2, -3}, {2, 3, 4}, {0, 2}},
      {{0, 1}, {2, 3, 4}, {0, 1}},
      {{-1}, {5}, {0}},
      {{0}, {5}, {0}},
      {{-1}, {0, 3}, {1}},  // zero-sized dims are ordinary dims
      {{}, {2, 3}, {}},     // reduce_sum(axis=[]) reduces nothing
  };
  for (const ResolveAxesCase& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << "axes=" << shape_to_string(c.axes) << " shape=" << shape_to_string(c.shape));
    Ints got;
    ASSERT_TRUE(IsOk(resolve_axes(c.axes, c.shape, "y_true", &got)));
    EXPECT_EQ(got, c.want);
  }
}

struct ResolveAxesErrorCase {
  Axes axes;
  Shape shape;
  std::string message;
};

TEST(ResolveAxes, RejectsOutOfRangeAndDuplicateAxesWithTfMessages) {
  const ResolveAxesErrorCase cases[] = {
      {{2}, {2, 3}, "Invalid reduction dimension (2 for input with 2 dimension(s)"},
      // TF prints the axis as given, before wrapping.
      {{-3}, {2, 3}, "Invalid reduction dimension (-3 for input with 2 dimension(s)"},
      {{0, 5}, {2, 3, 4}, "Invalid reduction dimension (5 for input with 3 dimension(s)"},
      {{1}, {7}, "Invalid reduction dimension (1 for input with 1 dimension(s)"},
      // Rank 0: Keras 2.9 raises for the default axis -1.
      {{-1}, {}, "Invalid reduction dimension (-1 for input with 0 dimension(s)"},
      {{0}, {}, "Invalid reduction dimension (0 for input with 0 dimension(s)"},
      // TF reports the wrapped index of the repeated axis.
      {{1, 1}, {2, 3}, "Invalid reduction arguments: Axes contains duplicate dimension: 1"},
      {{1, -1}, {2, 3}, "Invalid reduction arguments: Axes contains duplicate dimension: 1"},
      {{-3, 0, 1}, {2, 3, 4}, "Invalid reduction arguments: Axes contains duplicate dimension: 0"},
  };
  for (const ResolveAxesErrorCase& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << "axes=" << shape_to_string(c.axes) << " shape=" << shape_to_string(c.shape));
    Ints got;
    EXPECT_TRUE(FailsWith(resolve_axes(c.axes, c.shape, "y_true", &got), c.message));
  }
}

// ---------------------------------------------------------------------------------------------
// apply_squeeze_rule (§2.2): at most one trailing 1 is squeezed, nothing is ever expanded.

struct SqueezeCase {
  Shape y_true, y_pred;
  Shape want_true, want_pred;
};

TEST(ApplySqueezeRule, AllCasesOfKeras29) {
  const SqueezeCase cases[] = {
      // y_pred one rank higher with a trailing 1: y_pred squeezed.
      {{4}, {4, 1}, {4}, {4}},
      {{4, 3}, {4, 3, 1}, {4, 3}, {4, 3}},
      {{4, 1}, {4, 1, 1}, {4, 1}, {4, 1}},
      {{}, {1}, {}, {}},
      {{0}, {0, 1}, {0}, {0}},
      // y_true one rank higher with a trailing 1: y_true squeezed.
      {{4, 1}, {4}, {4}, {4}},
      {{4, 3, 1}, {4, 3}, {4, 3}, {4, 3}},
      {{1}, {}, {}, {}},
      // The dims need not match for the rule itself (broadcasting is decided later).
      {{5}, {4, 1}, {5}, {4}},
      // Rank difference 1 but the last dim is not 1: unchanged.
      {{4}, {4, 2}, {4}, {4, 2}},
      {{4, 2}, {4}, {4, 2}, {4}},
      {{4, 3}, {4, 3, 2}, {4, 3}, {4, 3, 2}},
      // The lower-rank operand is never expanded.
      {{4, 3}, {4}, {4, 3}, {4}},
      {{}, {3}, {}, {3}},
      // Same rank: unchanged, even with trailing 1s.
      {{4, 1}, {4, 1}, {4, 1}, {4, 1}},
      {{4, 3}, {4, 3}, {4, 3}, {4, 3}},
      {{1}, {1}, {1}, {1}},
      // Rank difference 2: unchanged.
      {{4}, {4, 1, 1}, {4}, {4, 1, 1}},
      {{4, 1, 1}, {4}, {4, 1, 1}, {4}},
      // Broadcasting shapes are left to broadcasting.
      {{1, 3}, {4, 3}, {1, 3}, {4, 3}},
      {{3, 1, 5}, {1, 4, 5}, {3, 1, 5}, {1, 4, 5}},
  };
  for (const SqueezeCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "y_true=" << shape_to_string(c.y_true)
                                      << " y_pred=" << shape_to_string(c.y_pred));
    Shape t = c.y_true;
    Shape p = c.y_pred;
    apply_squeeze_rule(&t, &p);
    EXPECT_EQ(t, c.want_true);
    EXPECT_EQ(p, c.want_pred);
  }
}

// ---------------------------------------------------------------------------------------------
// broadcast_shapes (§2.3)

struct BroadcastCase {
  Shape a, b, want;
};

TEST(BroadcastShapes, NumpyRules) {
  const BroadcastCase cases[] = {
      {{1, 8}, {5, 8}, {5, 8}},
      {{3, 1, 8}, {1, 5, 8}, {3, 5, 8}},
      {{8}, {5, 8}, {5, 8}},
      {{}, {2, 3}, {2, 3}},
      {{}, {}, {}},
      {{2, 3}, {2, 3}, {2, 3}},
      {{2, 1}, {1, 3}, {2, 3}},
      {{1}, {2, 3}, {2, 3}},
      {{4, 1, 1}, {5, 6}, {4, 5, 6}},
      // Zero-sized dims: 0 pairs with 0 or 1, and the result keeps the 0.
      {{0, 3}, {1, 3}, {0, 3}},
      {{0, 3}, {0, 3}, {0, 3}},
      {{0}, {1}, {0}},
      {{1}, {0}, {0}},
      {{3}, {0, 3}, {0, 3}},
      {{0, 1, 3}, {1, 4, 3}, {0, 4, 3}},
  };
  for (const BroadcastCase& c : cases) {
    for (bool swapped : {false, true}) {
      const Shape& a = swapped ? c.b : c.a;
      const Shape& b = swapped ? c.a : c.b;
      SCOPED_TRACE(::testing::Message() << shape_to_string(a) << " x " << shape_to_string(b));
      Shape got{99};
      ASSERT_TRUE(IsOk(broadcast_shapes(a, b, &got)));
      EXPECT_EQ(got, c.want);
    }
  }
}

TEST(BroadcastShapes, IncompatibleShapesUseTfMessage) {
  struct Case {
    Shape a, b;
    std::string message;
  };
  const Case cases[] = {
      {{1, 3}, {2, 2}, "Incompatible shapes: [1,3] vs. [2,2]"},
      {{2, 2}, {1, 3}, "Incompatible shapes: [2,2] vs. [1,3]"},
      {{2}, {3}, "Incompatible shapes: [2] vs. [3]"},
      {{0}, {2}, "Incompatible shapes: [0] vs. [2]"},
      {{4, 3}, {5, 2, 3}, "Incompatible shapes: [4,3] vs. [5,2,3]"},
  };
  for (const Case& c : cases) {
    Shape got;
    EXPECT_TRUE(FailsWith(broadcast_shapes(c.a, c.b, &got), c.message));
  }
}

// ---------------------------------------------------------------------------------------------
// broadcast_strides

TEST(BroadcastStrides, UnambiguousCasesExactly) {
  EXPECT_EQ(broadcast_strides({2, 3}, {2, 3}), (Strides{3, 1}));
  EXPECT_EQ(broadcast_strides({1, 3}, {2, 3}), (Strides{0, 1}));
  EXPECT_EQ(broadcast_strides({3}, {2, 3}), (Strides{0, 1}));
  EXPECT_EQ(broadcast_strides({2, 1}, {2, 3}), (Strides{1, 0}));
  EXPECT_EQ(broadcast_strides({}, {2, 3}), (Strides{0, 0}));
  EXPECT_EQ(broadcast_strides({4, 1, 6}, {4, 5, 6}), (Strides{6, 0, 1}));
  EXPECT_EQ(broadcast_strides({1, 5, 6}, {4, 5, 6}), (Strides{0, 6, 1}));
  EXPECT_EQ(broadcast_strides({4, 1, 1}, {4, 5, 6}), (Strides{1, 0, 0}));
  EXPECT_EQ(broadcast_strides({5, 6}, {4, 5, 6}), (Strides{0, 6, 1}));
  EXPECT_EQ(broadcast_strides({}, {}), (Strides{}));
}

TEST(BroadcastStrides, AddressTheBroadcastElement) {
  struct Case {
    Shape shape, target;
  };
  const Case cases[] = {
      {{2, 3}, {2, 3}},
      {{1, 3}, {4, 3}},
      {{3}, {4, 3}},
      {{}, {2, 2}},
      {{1}, {5}},
      {{1, 1}, {1, 1}},
      {{3, 1, 4}, {3, 5, 4}},
      {{1, 5, 4}, {3, 5, 4}},
      {{2, 1, 1, 3}, {2, 4, 5, 3}},
      {{0, 3}, {0, 3}},
      {{1, 3}, {0, 3}},
      {{6, 1}, {2, 6, 7}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << shape_to_string(c.shape) << " in " << shape_to_string(c.target));
    EXPECT_TRUE(StridesAddress(c.shape, c.target, broadcast_strides(c.shape, c.target)));
  }
}

// ---------------------------------------------------------------------------------------------
// adjust_weight_rank (§3.2, examples from §3.4)

struct WeightRankCase {
  const char* what;
  Shape losses, weight, want;
};

TEST(AdjustWeightRank, Keras29Examples) {
  const WeightRankCase cases[] = {
      {"scalar is kept", {4}, {}, {}},
      {"scalar on scalar loss", {}, {}, {}},
      {"scalar on [b,t]", {4, 3}, {}, {}},
      {"[b] on [b]", {4}, {4}, {4}},
      {"[b,1] squeezed", {4}, {4, 1}, {4}},
      {"[1] kept (broadcasts)", {4}, {1}, {1}},
      {"[b] on [b,t] expanded", {4, 3}, {4}, {4, 1}},
      {"[t] on [b,t] expanded too (fails later)", {4, 3}, {3}, {3, 1}},
      {"[b,t] kept", {4, 3}, {4, 3}, {4, 3}},
      {"[b,t,1] squeezed", {4, 3}, {4, 3, 1}, {4, 3}},
      {"[1] on scalar loss squeezed", {}, {1}, {}},
      {"rank difference 2 kept", {2}, {3, 1, 2}, {3, 1, 2}},
      {"rank difference 2 kept (other way)", {4, 3, 2}, {4}, {4}},
      {"[b+1] kept (fails later)", {4}, {5}, {5}},
      {"empty batch", {0}, {0}, {0}},
      {"empty batch, [0,1] squeezed", {0}, {0, 1}, {0}},
  };
  for (const WeightRankCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << c.what << ": losses=" << shape_to_string(c.losses)
                                      << " weight=" << shape_to_string(c.weight));
    Shape w = c.weight;
    ASSERT_TRUE(IsOk(adjust_weight_rank(c.losses, &w)));
    EXPECT_EQ(w, c.want);
  }
}

TEST(AdjustWeightRank, SqueezeOfANonUnitDimFailsWithTfMessage) {
  struct Case {
    Shape losses, weight;
    std::string message;
  };
  const Case cases[] = {
      {{4}, {4, 2}, "Can not squeeze dim[1], expected a dimension of 1, got 2"},
      {{4, 3}, {4, 3, 5}, "Can not squeeze dim[2], expected a dimension of 1, got 5"},
      {{}, {2}, "Can not squeeze dim[0], expected a dimension of 1, got 2"},
  };
  for (const Case& c : cases) {
    Shape w = c.weight;
    EXPECT_TRUE(FailsWith(adjust_weight_rank(c.losses, &w), c.message))
        << shape_to_string(c.losses) << " " << shape_to_string(c.weight);
  }
}

// ---------------------------------------------------------------------------------------------
// plan_weights (§3.3): losses * weight with ordinary broadcasting; the result may be bigger.

struct WeightPlanCase {
  Shape losses, weight;
  Shape want_weight, want_result;
};

TEST(PlanWeights, ShapesAndStrides) {
  const WeightPlanCase cases[] = {
      {{4}, {}, {}, {4}},
      {{4}, {4}, {4}, {4}},
      {{4}, {4, 1}, {4}, {4}},
      {{4}, {1}, {1}, {4}},
      {{4, 3}, {4}, {4, 1}, {4, 3}},
      {{4, 3}, {4, 3}, {4, 3}, {4, 3}},
      {{4, 3}, {4, 3, 1}, {4, 3}, {4, 3}},
      {{4, 3}, {1, 3}, {1, 3}, {4, 3}},
      {{2}, {3, 1, 2}, {3, 1, 2}, {3, 1, 2}},
      {{2}, {2, 1}, {2}, {2}},
      {{}, {}, {}, {}},
      {{}, {1}, {}, {}},
      {{0}, {}, {}, {0}},
      {{0}, {0}, {0}, {0}},
      {{0}, {1}, {1}, {0}},
      {{0, 3}, {0}, {0, 1}, {0, 3}},
  };
  for (const WeightPlanCase& c : cases) {
    SCOPED_TRACE(::testing::Message() << "losses=" << shape_to_string(c.losses)
                                      << " weight=" << shape_to_string(c.weight));
    WeightPlan plan;
    ASSERT_TRUE(IsOk(plan_weights(c.losses, c.weight, &plan)));
    EXPECT_EQ(plan.weight, c.want_weight);
    EXPECT_EQ(plan.result, c.want_result);
    EXPECT_TRUE(StridesAddress(c.losses, plan.result, plan.loss_strides));
    EXPECT_TRUE(StridesAddress(plan.weight, plan.result, plan.weight_strides));
  }
}

TEST(PlanWeights, ErrorsFollowKeras) {
  struct Case {
    Shape losses, weight;
    std::string message;
  };
  const Case cases[] = {
      // [b,2] on [b]: the squeeze fails.
      {{4}, {4, 2}, "Can not squeeze dim[1], expected a dimension of 1, got 2"},
      // [b+1] on [b]: losses * w is incompatible; TF prints losses first.
      {{4}, {5}, "Incompatible shapes: [4] vs. [5]"},
      // [t] on [b,t], t != b: expanded to [t,1], then [b,t] x [t,1] is incompatible.
      {{4, 3}, {3}, "Incompatible shapes: [4,3] vs. [3,1]"},
      {{2}, {3, 1}, "Incompatible shapes: [2] vs. [3]"},
  };
  for (const Case& c : cases) {
    WeightPlan plan;
    EXPECT_TRUE(FailsWith(plan_weights(c.losses, c.weight, &plan), c.message))
        << shape_to_string(c.losses) << " " << shape_to_string(c.weight);
  }
}

// ---------------------------------------------------------------------------------------------
// row_layout: the operand's own outer dims are the rows, its axes the contiguous row elements.

TEST(RowLayout, RowsRowLengthAndGather) {
  struct Case {
    Shape shape;
    Ints axes;
    bool needs_gather;
    std::int64_t rows, row_length;
    Ints perm;  // when needs_gather
  };
  const Case cases[] = {
      {{5, 8}, {1}, false, 5, 8, {}},
      {{8}, {0}, false, 1, 8, {}},
      {{}, {}, false, 1, 1, {}},
      {{3, 4, 8}, {2}, false, 12, 8, {}},
      {{2, 3, 4}, {1, 2}, false, 2, 12, {}},
      {{2, 3, 4}, {0, 1, 2}, false, 1, 24, {}},
      {{8, 5}, {0}, true, 5, 8, {1, 0}},
      {{2, 3, 4}, {0, 1}, true, 4, 6, {2, 0, 1}},
      {{2, 3, 4}, {0, 2}, true, 3, 8, {1, 0, 2}},
      {{2, 3, 4}, {1}, true, 8, 3, {0, 2, 1}},
      // Dims of size 1 may move freely: no copy needed.
      {{1, 8}, {0}, false, 8, 1, {}},
      {{8, 1}, {0}, false, 1, 8, {}},
      {{5, 1, 8}, {1, 2}, false, 5, 8, {}},
      {{5, 8, 1}, {1}, false, 5, 8, {}},
      {{1, 5, 8}, {0, 2}, false, 5, 8, {}},
      // Empty operands.
      {{0, 3}, {1}, false, 0, 3, {}},
      {{3, 0}, {1}, false, 3, 0, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << shape_to_string(c.shape) << " axes " << ::testing::PrintToString(c.axes));
    Ints perm{42};
    const RowLayout layout = row_layout(c.shape, c.axes, &perm);
    EXPECT_EQ(layout.needs_gather, c.needs_gather);
    EXPECT_EQ(layout.rows, c.rows);
    EXPECT_EQ(layout.row_length, c.row_length);
    if (c.needs_gather) {
      EXPECT_EQ(perm, c.perm);
    } else {
      EXPECT_TRUE(perm.empty()) << ::testing::PrintToString(perm);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// plan_cosine

// The operand's outer dims: its own shape without its normalisation axes, in order.
Shape OuterOf(const Shape& shape, const Ints& axes) {
  Shape outer;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    bool reduced = false;
    for (int a : axes) reduced = reduced || a == static_cast<int>(k);
    if (!reduced) outer.push_back(shape[k]);
  }
  return outer;
}

struct PlanCase {
  const char* what;
  Shape y_true, y_pred;
  Axes axes;
  // Expectations
  Shape squeezed_true, squeezed_pred, broadcast;
  Ints axes_true, axes_pred, axes_broadcast;
  Shape per_sample;
  std::int64_t row_length;
  bool fused;
};

TEST(PlanCosine, FusedAndGeneralPaths) {
  // clang-format off
  const PlanCase cases[] = {
      // what, y_true, y_pred, axes,
      //   squeezed y_true, squeezed y_pred, broadcast, axes_true, axes_pred, axes_broadcast,
      //   per_sample, row_length, fused
      {"[n,d] vs [n,d], axis -1", {5, 8}, {5, 8}, {-1},
       {5, 8}, {5, 8}, {5, 8}, {1}, {1}, {1}, {5}, 8, true},
      {"[1,d] vs [n,d]", {1, 8}, {5, 8}, {-1},
       {1, 8}, {5, 8}, {5, 8}, {1}, {1}, {1}, {5}, 8, true},
      {"[n,d] vs [1,d]", {5, 8}, {1, 8}, {-1},
       {5, 8}, {1, 8}, {5, 8}, {1}, {1}, {1}, {5}, 8, true},
      {"[m,1,d] vs [1,n,d] pairwise", {3, 1, 8}, {1, 5, 8}, {-1},
       {3, 1, 8}, {1, 5, 8}, {3, 5, 8}, {2}, {2}, {2}, {3, 5}, 8, true},
      {"[d] vs [n,d]", {8}, {5, 8}, {-1},
       {8}, {5, 8}, {5, 8}, {0}, {1}, {1}, {5}, 8, true},
      {"axis 0 on [d,n] (gather)", {8, 5}, {8, 5}, {0},
       {8, 5}, {8, 5}, {8, 5}, {0}, {0}, {0}, {5}, 8, true},
      {"axis -2 on [d,n]", {8, 5}, {8, 5}, {-2},
       {8, 5}, {8, 5}, {8, 5}, {0}, {0}, {0}, {5}, 8, true},
      {"axis list [0,1] on rank 3", {2, 3, 4}, {2, 3, 4}, {0, 1},
       {2, 3, 4}, {2, 3, 4}, {2, 3, 4}, {0, 1}, {0, 1}, {0, 1}, {4}, 6, true},
      {"axis list [-1,0] on rank 3", {2, 3, 4}, {2, 3, 4}, {-1, 0},
       {2, 3, 4}, {2, 3, 4}, {2, 3, 4}, {0, 2}, {0, 2}, {0, 2}, {3}, 8, true},
      {"rank 1", {8}, {8}, {-1},
       {8}, {8}, {8}, {0}, {0}, {0}, {}, 8, true},
      {"[n] vs [n,1]: squeezed to one cosine over the batch", {6}, {6, 1}, {-1},
       {6}, {6}, {6}, {0}, {0}, {0}, {}, 6, true},
      {"[n,d,1] vs [n,d]: y_true squeezed", {5, 8, 1}, {5, 8}, {-1},
       {5, 8}, {5, 8}, {5, 8}, {1}, {1}, {1}, {5}, 8, true},
      {"empty batch", {0, 3}, {0, 3}, {-1},
       {0, 3}, {0, 3}, {0, 3}, {1}, {1}, {1}, {0}, 3, true},
      // General path: y_true is broadcast along the axis (|loss| can exceed 1).
      {"[n,1] vs [n,d]", {5, 1}, {5, 8}, {-1},
       {5, 1}, {5, 8}, {5, 8}, {1}, {1}, {1}, {5}, 8, false},
      {"[n,d] vs [n,1]", {5, 8}, {5, 1}, {-1},
       {5, 8}, {5, 1}, {5, 8}, {1}, {1}, {1}, {5}, 8, false},
      // General path: axis 1 means d for y_true but n for y_pred (§1.3).
      {"axis 1 with [n,d] vs [1,n,d]", {5, 8}, {1, 5, 8}, {1},
       {5, 8}, {1, 5, 8}, {1, 5, 8}, {1}, {1}, {1}, {1, 8}, 5, false},
      // General path: axis 0 means d for y_true [d] but n for y_pred [n,d].
      {"axis 0 with [d] vs [n,d]", {8}, {5, 8}, {0},
       {8}, {5, 8}, {5, 8}, {0}, {0}, {0}, {8}, 5, false},
  };
  // clang-format on
  for (const PlanCase& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << c.what << ": y_true=" << shape_to_string(c.y_true)
                 << " y_pred=" << shape_to_string(c.y_pred) << " axes=" << shape_to_string(c.axes));
    CosinePlan plan;
    ASSERT_TRUE(IsOk(plan_cosine(c.y_true, c.y_pred, c.axes, &plan)));
    EXPECT_EQ(plan.y_true, c.squeezed_true);
    EXPECT_EQ(plan.y_pred, c.squeezed_pred);
    EXPECT_EQ(plan.broadcast, c.broadcast);
    EXPECT_EQ(plan.axes_true, c.axes_true);
    EXPECT_EQ(plan.axes_pred, c.axes_pred);
    EXPECT_EQ(plan.axes_broadcast, c.axes_broadcast);
    EXPECT_EQ(plan.per_sample_shape, c.per_sample);
    EXPECT_EQ(plan.per_sample_count, num_elements(c.per_sample));
    EXPECT_EQ(plan.outer, c.per_sample);
    EXPECT_EQ(plan.row_length, c.row_length);
    EXPECT_EQ(plan.fused, c.fused);
    if (plan.fused && c.fused) {
      // Each operand's rows (its own outer dims, row-major) are addressed from the outer
      // coordinates of the broadcast with right-aligned broadcasting.
      EXPECT_TRUE(StridesAddress(OuterOf(plan.y_true, plan.axes_true), plan.outer,
                                 plan.rows_true.outer_row_strides));
      EXPECT_TRUE(StridesAddress(OuterOf(plan.y_pred, plan.axes_pred), plan.outer,
                                 plan.rows_pred.outer_row_strides));
    }
  }
}

TEST(PlanCosine, GatherPermutations) {
  struct Case {
    Shape shape;
    Axes axes;
    Ints perm;  // empty: already rows
  };
  const Case cases[] = {
      {{5, 8}, {-1}, {}},          {{3, 4, 8}, {-1}, {}},          {{2, 3, 4}, {1, 2}, {}},
      {{8, 5}, {0}, {1, 0}},       {{2, 3, 4}, {0, 1}, {2, 0, 1}}, {{2, 3, 4}, {0, 2}, {1, 0, 2}},
      {{2, 3, 4}, {1}, {0, 2, 1}}, {{2, 3, 4}, {0}, {1, 2, 0}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << shape_to_string(c.shape) << " axes=" << shape_to_string(c.axes));
    CosinePlan plan;
    ASSERT_TRUE(IsOk(plan_cosine(c.shape, c.shape, c.axes, &plan)));
    ASSERT_TRUE(plan.fused);
    EXPECT_EQ(plan.rows_true.gather_perm, c.perm);
    EXPECT_EQ(plan.rows_pred.gather_perm, c.perm);
  }
}

TEST(PlanCosine, PairwiseOuterRowStrides) {
  CosinePlan plan;
  ASSERT_TRUE(IsOk(plan_cosine({3, 1, 8}, {1, 5, 8}, {-1}, &plan)));
  ASSERT_TRUE(plan.fused);
  EXPECT_EQ(plan.rows_true.outer_row_strides, (Strides{1, 0}));
  EXPECT_EQ(plan.rows_pred.outer_row_strides, (Strides{0, 1}));
  ASSERT_TRUE(IsOk(plan_cosine({8}, {5, 8}, {-1}, &plan)));
  EXPECT_EQ(plan.rows_true.outer_row_strides, (Strides{0}));
  EXPECT_EQ(plan.rows_pred.outer_row_strides, (Strides{1}));
}

TEST(PlanCosine, Errors) {
  struct Case {
    Shape y_true, y_pred;
    Axes axes;
    std::string message;
  };
  const Case cases[] = {
      {{1, 3}, {2, 2}, {-1}, "Incompatible shapes: [1,3] vs. [2,2]"},
      {{2, 3}, {2, 3}, {2}, "Invalid reduction dimension (2 for input with 2 dimension(s)"},
      {{2, 3}, {2, 3}, {1, -1}, "duplicate dimension: 1"},
      {{}, {}, {-1}, "Invalid reduction dimension (-1 for input with 0 dimension(s)"},
      // axis 1 is valid for y_pred [2,3] but not for y_true [3] (own rank).
      {{3}, {2, 3}, {1}, "Invalid reduction dimension (1 for input with 1 dimension(s)"},
      // [n] vs [n,1] squeezes to rank 1, where axis 1 no longer exists.
      {{4}, {4, 1}, {1}, "Invalid reduction dimension (1 for input with 1 dimension(s)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << shape_to_string(c.y_true) << " vs " << shape_to_string(c.y_pred)
                 << " axes=" << shape_to_string(c.axes));
    CosinePlan plan;
    EXPECT_TRUE(FailsWith(plan_cosine(c.y_true, c.y_pred, c.axes, &plan), c.message));
  }
}

TEST(PlanCosine, RejectsInvalidShapes) {
  CosinePlan plan;
  EXPECT_FALSE(plan_cosine({-1, 3}, {2, 3}, {-1}, &plan).ok());
  EXPECT_FALSE(plan_cosine({2, 3}, Shape(kMaxRank + 1, 1), {-1}, &plan).ok());
  EXPECT_FALSE(
      plan_cosine({std::int64_t{1} << 27, std::int64_t{1} << 27}, {1, 1}, {-1}, &plan).ok());
}

}  // namespace
}  // namespace cossim

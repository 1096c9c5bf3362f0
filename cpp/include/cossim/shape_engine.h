// The shape engine: every rule of Keras 2.9 about shapes, axes, broadcasting and weights, as pure
// functions over shapes. Kernels and data never appear here, so each rule is tested on its own.
//
// Sources (see shared/keras-semantics.md): axis resolution and its errors follow TF's
// reduction_ops_common.cc; the y_true/y_pred squeeze rule is losses_utils.squeeze_or_expand_
// dimensions with static ranks (§2.2); broadcasting is NumPy's (BinaryOpShared, §2.3); the weight
// rank adjustment is squeeze_or_expand_dimensions(losses, None, w) (§3).
#pragma once

#include <cstdint>
#include <vector>

#include "cossim/status.h"
#include "cossim/tensor.h"

namespace cossim {

// Which Keras's rules apply: tf.keras 2.9 (the default) or Keras 3 (keras-semantics.md §9).
enum class Flavor : int { kKeras2 = 0, kKeras3 = 1 };

// Which Keras entry point: the loss class (tf.keras.losses.CosineSimilarity, whose
// LossFunctionWrapper applies the y_true/y_pred squeeze rule of §2.2 to tensors) or the function
// tf.keras.losses.cosine_similarity, which does not (§1.1 vs §2.1). Keras 3's function applies
// squeeze_or_expand_to_same_rank itself, so there both forms plan the same.
enum class Form : int { kLossClass = 0, kFunction = 1 };

// Largest rank accepted (TF's own limit for most kernels is far lower in practice).
inline constexpr int kMaxRank = 32;
// Largest element count of any shape the engine plans for (keeps every index in int64 and
// every double-valued count exact).
inline constexpr std::int64_t kMaxElements = std::int64_t{1} << 53;

// Checks dims (non-negative, rank <= kMaxRank: Status::Shape; element count <= kMaxElements:
// Status::TooLarge). `what` names the operand in the message ("y_true", "sample_weight", ...).
// An empty shape passes whatever its other dims.
Status validate_shape(const Shape& shape, const char* what);

// Resolves user axes against `rank`: negative axes count from the end. Out of range:
// "Invalid reduction dimension (A for input with R dimension(s))"; a repeated axis:
// "Invalid reduction arguments: Axes contains duplicate dimension: K". Output is sorted.
Status resolve_axes(const std::vector<std::int64_t>& axes, const Shape& shape, const char* what,
                    std::vector<int>* resolved);

// Keras 2.9 §2.2: if rank(y_pred) == rank(y_true)+1 and y_pred's last dim is 1, squeeze y_pred;
// else if rank(y_true) == rank(y_pred)+1 and y_true's last dim is 1, squeeze y_true.
void apply_squeeze_rule(Shape* y_true, Shape* y_pred);

// Keras 3's squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True): when one tensor has
// exactly one more dim and that dim is 1, the *other* is expanded if it has rank 1, else the
// bigger one is squeezed.
void squeeze_or_expand_to_same_rank(Shape* x1, Shape* x2);

// NumPy broadcasting; "Incompatible shapes: [a] vs. [b]" when two aligned dims differ and
// neither is 1. `out` must not alias `a` or `b`.
Status broadcast_shapes(const Shape& a, const Shape& b, Shape* out);

// Element strides of `shape` (row-major) seen from `target`'s coordinates: aligned on the right,
// 0 for dims that are broadcast (size 1) or missing. `target` must be a broadcast of `shape`.
std::vector<std::int64_t> broadcast_strides(const Shape& shape, const Shape& target);

// Keras 2.9 §3.2: a scalar weight is kept; rank(w) == rank(losses)+1 squeezes w's last dim
// ("Can not squeeze dim[k], expected a dimension of 1, got n"); rank(losses) == rank(w)+1
// appends a dim of 1 to w; any other rank difference leaves w alone.
Status adjust_weight_rank(const Shape& losses, Shape* weight);

// How one operand is read as rows: its own dims not in `own_axes` (in order) are the rows, the
// axes (sorted) are the contiguous elements of a row.
struct RowLayout {
  bool needs_gather = false;  // false: already laid out so (dims of size 1 may move freely)
  std::int64_t rows = 1;
  std::int64_t row_length = 1;
};

// `*gather_perm` receives the permutation of the operand's dims (outer dims, then axes) to
// gather it into, or is left empty when no copy is needed. rows and row_length saturate at
// INT64_MAX (only possible for an empty `x`, whose other factor is then 0).
RowLayout row_layout(const Shape& x, const std::vector<int>& own_axes,
                     std::vector<int>* gather_perm);

// How the loss reads one operand when the normalisation axes and the reduction axes coincide
// (the fused path): rows of `row_length` contiguous elements after an optional gather.
struct OperandRows {
  // Permutation of the operand's own dims (outer dims in order, then the reduction axes) to
  // gather it into; empty when the operand is already laid out that way (no copy needed).
  std::vector<int> gather_perm;
  // For each outer dim of the broadcast shape, the operand's stride in rows (0 when broadcast).
  std::vector<std::int64_t> outer_row_strides;
};

// Everything the loss needs to know about shapes, decided once per call before touching data.
struct CosinePlan {
  Shape y_true;                                           // after the squeeze rule
  Shape y_pred;                                           // after the squeeze rule
  Shape broadcast;                                        // shape of y_true * y_pred
  std::vector<int> axes_true, axes_pred, axes_broadcast;  // resolved, each against its own rank
  Shape outer;             // broadcast dims that are not reduced, in order
  Shape per_sample_shape;  // == outer: the shape of reduce_sum(..., axes) (keepdims=False)
  std::int64_t per_sample_count = 1;  // num_elements(per_sample_shape), read on every call
  std::int64_t row_length = 1;  // product of the reduced broadcast dims (saturated when empty)
  // Some operand has a 0 dim, so the broadcast has no elements: every per-sample value is a sum
  // over nothing (0), there are none when per_sample_shape has a 0 dim too, and no row of either
  // operand is read (callers check `empty` first; rows_* strides may be saturated then).
  bool empty = false;

  // Fused path: both operands' normalisation axes line up with the reduction axes and neither
  // is broadcast along them, so cos = dot * rsqrt(ss_t) * rsqrt(ss_p) per row. Otherwise the
  // general path normalises each operand over its own axes, then reduces the broadcast product.
  bool fused = false;
  OperandRows rows_true, rows_pred;  // fused path only
};

// Applies the squeeze rule, resolves axes (y_true first, then y_pred, as Keras evaluates them)
// and broadcasts. Errors name the operand and the shapes.
// Keras 3: the rank rule is squeeze_or_expand_to_same_rank, and a rank-0 operand is normalised as
// shape [1] (ops.nn._normalize expands it), so the per-sample result of two scalars is [].
// Form::kFunction skips Keras 2's squeeze rule (Keras 3 applies its rank rule in both forms).
Status plan_cosine(const Shape& y_true, const Shape& y_pred, const std::vector<std::int64_t>& axes,
                   CosinePlan* plan, Flavor flavor = Flavor::kKeras2, Form form = Form::kLossClass);

// Shapes of losses * sample_weight, after the rank adjustment.
struct WeightPlan {
  Shape losses;                              // after the rank adjustment (Keras 3 may reshape it)
  Shape weight;                              // after the rank adjustment
  Shape result;                              // broadcast(losses, weight)
  std::vector<std::int64_t> loss_strides;    // in `result` coordinates
  std::vector<std::int64_t> weight_strides;  // in `result` coordinates
};

// Keras 2: adjust_weight_rank; Keras 3: squeeze_or_expand_to_same_rank(losses, weight). Either
// only adds or removes dims of size 1, so the data layouts are unchanged.
Status plan_weights(const Shape& losses, const Shape& weight, WeightPlan* plan,
                    Flavor flavor = Flavor::kKeras2);

}  // namespace cossim

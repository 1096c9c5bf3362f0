// Internal: what the loss and its gradient share, written once so that they cannot disagree.
// * The reduction plan: whether the weighted losses pass through (Keras 'none'; Keras 3's
//   reduce_values on a loss of shape [] or [0]), the output shape, and the divisor of the
//   reduced sum ('sum': 1; 'sum_over_batch_size'/'mean'/'auto': numel, Keras 3
//   'mean_with_sample_weight': Σw), 0 / 0 giving 0 (divide_no_nan).
// * The weight broadcast walk: every (loss, weight) pair of losses * sample_weight, in order.
// * Row norms: Σx² and 1/sqrt(max(Σx², eps)) of every row of an operand over its own axes, from
//   the kernel set's row sums. The forward pass keeps them (and, on the fused path of a gradient
//   call, every row's {dot, Σt², Σp²}) in the workspace and the gradient reads them: the value's
//   clamp and the gradient's mask [Σx² >= eps] are decided on the same number.
// * The general path's broadcast walk (outer dims first, reduced axes last).
// * The byte budget of a call, in checked 64-bit arithmetic, refused before anything is
//   allocated when it reaches kMaxBytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cossim/cosine_similarity.h"
#include "internal.h"
#include "strided.h"

namespace cossim {
namespace internal {

// ---------------------------------------------------------------------------------------------
// Reduction plan.

struct ReductionPlan {
  bool pass_through = false;  // the weighted losses are the output, unreduced
  bool weighted = false;
  bool divide_by_weight_sum = false;  // Keras 3 'mean_with_sample_weight' with a weight
  bool divide_by_count = false;  // 'auto', 'sum_over_batch_size', 'mean' (or m.w.s.w. unweighted)
  const Shape* full = nullptr;   // shape of losses * w (the per-sample shape unweighted)
  std::int64_t count = 0;        // numel(*full)
  // The output's shape is *full when passed through, [] when reduced: the plan holds no shape of
  // its own, so making one per call allocates, copies and frees nothing.
};

// `weight_plan` is null without a weight. The plan points into `plan`/`weight_plan`.
ReductionPlan plan_reduction(Reduction reduction, Flavor flavor, const CosinePlan& plan,
                             const WeightPlan* weight_plan);

// x / divisor (divide_no_nan: 0 when the divisor is 0): the reduced loss is
// divided_by_divisor(Σ weighted losses) and the gradient's upstream factor is
// divided_by_divisor(dy), so both use the same divisor, rounded the same way. Pass-through and
// 'sum' plans have no divisor (x itself).
template <typename T>
double divided_by_divisor(const ReductionPlan& rp, const WeightPlan* wp, const T* w, double x) {
  if (rp.divide_by_weight_sum) {
    CompensatedSum sw;
    const std::int64_t nw = num_elements(wp->weight);
    for (std::int64_t i = 0; i < nw; ++i) sw.add(static_cast<double>(w[i]));
    return sw.value() == 0.0 ? 0.0 : x / sw.value();
  }
  if (rp.divide_by_count) return rp.count == 0 ? 0.0 : x / static_cast<double>(rp.count);
  return x;
}

// Calls visit(k, loss_index, weight_index) for every element k of losses * w in row-major
// order (weight_index is 0 unweighted).
template <typename Visit>
void for_each_weighted(const ReductionPlan& rp, const WeightPlan* wp, Visit&& visit) {
  if (!rp.weighted) {
    for (std::int64_t i = 0; i < rp.count; ++i) visit(i, i, std::int64_t{0});
    return;
  }
  const Shape& full = *rp.full;
  Odometer<2> it;
  for (std::size_t d = 0; d < full.size(); ++d) {
    it.add_dim(full[d], {wp->loss_strides[d], wp->weight_strides[d]});
  }
  std::int64_t k = 0;
  for (it.start(); !it.done(); it.next(), ++k) visit(k, it.offset(0), it.offset(1));
}

// ---------------------------------------------------------------------------------------------
// Row norms.

// Σx² and the inverse norm of every row of one operand over its own axes, in the operand's
// row layout (row_layout()), and the keepdims shape they broadcast from.
struct RowNorms {
  const double* ss = nullptr;
  const double* inv = nullptr;
  Shape keep;
};

// Fills `norms` from the kernel set's row sums; the rows live in `storage` (2 doubles per row).
template <typename T>
Status row_norms(const T* x, const Shape& shape, const std::vector<int>& axes,
                 const KernelSet& kernels, double eps, Buffer* gathered, Buffer* storage,
                 RowNorms* norms) {
  std::vector<int> perm;
  const RowLayout layout = row_layout(shape, axes, &perm);
  if (layout.needs_gather) COSSIM_RETURN_IF_ERROR(gather(x, shape, perm, gathered, &x));
  COSSIM_RETURN_IF_ERROR(reserve_elements(storage, 2 * layout.rows, sizeof(double)));
  double* ss = storage->as<double>();
  double* inv = ss + layout.rows;
  const auto n = static_cast<std::size_t>(layout.row_length);
  for (std::int64_t r = 0; r < layout.rows; ++r) {
    const T* row = x + r * layout.row_length;
    ss[r] = row_sums(kernels, row, row, n).ss_a;
    inv[r] = inv_norm(ss[r], eps);
  }
  norms->ss = ss;
  norms->inv = inv;
  norms->keep = shape;
  for (int a : axes) norms->keep[a] = 1;
  return Status::Ok();
}

// The mask of TF's Maximum gradient: the sum of squares gets gradient where it is >= eps.
inline double floor_mask(double ss, double eps) { return ss >= eps ? 1.0 : 0.0; }

// The general path's walk over the broadcast shape, outer dims first and the reduced axes last,
// so each run of plan.row_length consecutive steps is one output element. Offsets: 0 y_true,
// 1 y_true's norms (keepdims), 2 y_pred, 3 y_pred's norms.
inline void general_walk(const CosinePlan& plan, const Shape& keep_true, const Shape& keep_pred,
                         Odometer<4>* it) {
  const Shape& b = plan.broadcast;
  const auto st = broadcast_strides(plan.y_true, b);
  const auto sit = broadcast_strides(keep_true, b);
  const auto sp = broadcast_strides(plan.y_pred, b);
  const auto sip = broadcast_strides(keep_pred, b);
  auto push = [&](int d) { it->add_dim(b[d], {st[d], sit[d], sp[d], sip[d]}); };
  for (int d = 0; d < static_cast<int>(b.size()); ++d) {
    bool is_axis = false;
    for (int a : plan.axes_broadcast) is_axis |= (a == d);
    if (!is_axis) push(d);
  }
  for (int a : plan.axes_broadcast) push(a);
}

// ---------------------------------------------------------------------------------------------
// Byte budget.

// The bytes one call holds at once, in checked arithmetic; `fits()` is false on overflow or when
// the total reaches kMaxBytes.
class ByteBudget {
 public:
  // One buffer of `count` elements, rounded up to 16 bytes as Buffer::reserve rounds it.
  void add(std::int64_t count, std::size_t element_size) {
    std::uint64_t bytes = 0;
    ok_ = ok_ && count >= 0 &&
          checked_mul(static_cast<std::uint64_t>(count), element_size, &bytes) &&
          checked_add(bytes, 15, &bytes) && checked_add(total_, bytes / 16 * 16, &total_);
  }
  bool fits() const { return ok_ && total_ < kMaxBytes; }
  // "Too large: <what> needs N bytes ...", N saturated when it overflowed 64 bits.
  Status refuse(const std::string& what) const;

 private:
  std::uint64_t total_ = 0;
  bool ok_ = true;
};

// What the forward pass of `plan` holds for one call in dtype T: per-sample doubles, gathers,
// the general path's row norms, the fused rows' sums when `keep_row_sums`.
void add_forward_bytes(const CosinePlan& plan, std::size_t element_size, bool keep_row_sums,
                       ByteBudget* budget);

// ---------------------------------------------------------------------------------------------
// The forward pass, split so that each entry point can check its whole byte budget between
// planning and computing.

// Plans y_true x y_pred (or reuses the workspace's plan for the same shapes, axes, flavour and
// form) and checks the dtypes.
Status plan_call(const TensorView& y_true, const TensorView& y_pred,
                 const std::vector<std::int64_t>& axes, Flavor flavor, Form form, Workspace* ws);

// +cos per sample into ws->per_sample (`*values`). With `keep_row_sums` the fused path computes
// each row's sums with the row-sums kernel and keeps them in ws->row_sums for the gradient
// (the value is formed from the same sums); the general path always keeps its row norms in
// ws->inv_norm_true/pred. An empty broadcast computes nothing (zeros for an empty reduction).
Status forward(const TensorView& y_true, const TensorView& y_pred, const KernelSet& kernels,
               Flavor flavor, bool keep_row_sums, Workspace* ws, const double** values);

// The row norms the general forward pass left in `storage` for an operand.
RowNorms kept_row_norms(const Buffer& storage, const Shape& shape, const std::vector<int>& axes);

// "y_true [a] and y_pred [b]" for messages.
std::string operands_text(const Shape& y_true, const Shape& y_pred);

}  // namespace internal
}  // namespace cossim

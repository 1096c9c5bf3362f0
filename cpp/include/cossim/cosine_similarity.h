// Keras 2.9 CosineSimilarity: per-sample cosine and the loss with weights and reductions.
//
// Numerical contract
// ------------------
//   cos(t, p) = sum(l2n(t) * l2n(p)) over `axis`,   l2n(x) = x / sqrt(max(sum(x^2), eps))
//   loss      = -cos, then * sample_weight, then the reduction.
// * eps = 1e-12 in the computation dtype: (double)(float)1e-12 = 9.9999999600e-13 for float32,
//   exactly 1e-12 for float64 (Keras 3: 1e-14, see epsilon_for). It floors the *sum of squares*,
//   so a zero vector gives 0 (never NaN) and a vector with |x| < 1e-6 is scaled by 1e6 rather than
//   normalised (Keras's rule).
// * Orthogonal vectors give -0.0 in the loss (the sign Keras prints); NaN in a row, or an Inf
//   component, makes that sample NaN; a 0 weight does not mask it (0 * NaN = NaN).
// * Where the cosine is formed. Fused path (each operand's normalisation axes are the reduction
//   axes and neither is broadcast along them): the kernel set forms it per row, in
//   cosine_rows (kernels.h), as dot * inv_norm(|t|^2) * inv_norm(|p|^2) in double from the row
//   sums, with one exception: the SIMD128 float32 kernel for contiguous rows of d <= 16 sums and
//   finishes in f32x4 (sqrt, divide, clamp at fround(eps), then widened; within ~3 ulp of f32, and
//   rows whose f32 sums overflow or meet NaN/Inf are redone by the scalar kernel). fround(eps) is
//   eps itself for Keras 2's float32 eps and 9.9999998245e-15 for Keras 3's 1e-14. General path:
//   the core normalises each operand with the kernel set's sums of squares and reduces the
//   broadcast product in double, element by element, in Keras's order (t * inv_t) * (p * inv_p).
// * gradient() forms its value from the row sums it keeps for the gradient (reduction.h): on the
//   fused path with the row-sums kernel and a double finish (so at d <= 16 in the SIMD128 float32
//   build its value can differ from call()'s in the last float32 bit), on the general path from
//   the same row norms as call(). The value's clamp and the gradient's mask [sum(x^2) >= eps] are
//   therefore decided on the same number.
// * float32 sums accumulate in f32x4 lanes flushed into double (SIMD128) or in double (scalar);
//   every step after the row sums (rsqrt, products, weights, reductions) is double, and the result
//   is rounded to the computation dtype once. This is more exact than Keras's float32 arithmetic
//   (a deliberate deviation: sum(x^2) no longer overflows at |x| ~ 1.8e19) and within
//   1e-6*(1+|ref|) of a float64 reference for rows up to 1e5 elements of O(1) values; float64
//   results are within 1e-12.
// * Reductions: 'sum' = Σ(loss*w); 'sum_over_batch_size' (= 'auto') = Σ(loss*w) / numel(loss*w),
//   0 when numel is 0 (divide_no_nan). Sums are Neumaier-compensated doubles.
// * Sizes: every buffer a call needs is counted in checked 64-bit arithmetic before any is
//   allocated; a call needing kMaxBytes (2^32, tensor.h) or more is refused with
//   Status::TooLarge naming the shapes and the bytes. An empty broadcast (some operand has a 0
//   dim) computes nothing: O(rank) plus its output, whatever the other dims; the gradient of each
//   operand is then zeros.
// * Inputs (y_true, y_pred, weight) share one dtype; callers cast (the JS wrapper does).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cossim/buffer.h"
#include "cossim/kernels.h"
#include "cossim/shape_engine.h"
#include "cossim/status.h"
#include "cossim/tensor.h"

namespace cossim {

namespace internal {
struct ReductionPlan;  // cpp/core/reduction.h
}  // namespace internal

enum class Reduction : int {
  kAuto = 0,
  kNone = 1,
  kSum = 2,
  kSumOverBatchSize = 3,
  kMean = 4,                  // Keras 3 only: = sum_over_batch_size
  kMeanWithSampleWeight = 5,  // Keras 3 only: Σ(loss*w) / Σw (w after the rank adjustment)
};

// Keras 2: 'auto' | 'none' | 'sum' | 'sum_over_batch_size', else Keras's message
//   Invalid Reduction Key: K. Expected keys are "('auto', 'none', 'sum', 'sum_over_batch_size')"
// Keras 3: 'sum_over_batch_size' | 'sum' | 'none' | 'mean' | 'mean_with_sample_weight' (None is
//   'none'), else "Invalid value for argument `reduction`. Expected one of {...}. Received: ...".
Status parse_reduction(std::string_view key, Reduction* out, Flavor flavor = Flavor::kKeras2);
const char* reduction_key(Reduction r);

// The floor on the sum of squares, widened to double. Keras 2: 1e-12 in the computation dtype.
// Keras 3 normalises with x * min(rsqrt(Σx²), 1/1e-7), which is the same function as
// x * rsqrt(max(Σx², 1e-14)) (equal for every Σx² >= 0, NaN and Inf included), so it is 1e-14.
double epsilon_for(DType dtype, Flavor flavor = Flavor::kKeras2);

// Scratch and result storage reused across calls (so repeated calls do not grow the heap).
struct Workspace {
  Buffer gathered_true, gathered_pred;  // operands gathered into row layout
  Buffer inv_norm_true, inv_norm_pred;  // general path: ss, then 1/sqrt(max(ss, eps)), per row
  Buffer row_sums;                      // fused path of a gradient call: RowSums per output row
  Buffer per_sample;                    // double per-sample cosines
  Buffer result;                        // the output, in the computation dtype
  Buffer metric_values, metric_weights, metric_weight_in;  // metric.cc scratch
  Buffer upstream;                                      // gradient.cc: d output / d loss per sample
  Buffer grad_rows_true, grad_rows_pred, grad_scratch;  // gradient.cc: double accumulators
  Buffer grad_true, grad_pred;                          // gradient.cc: the gradients, output dtype
  CosinePlan plan;
  WeightPlan weight_plan;
  // What `plan` was made for: a call with the same shapes, axes and flavour reuses it (the plan
  // is most of the fixed cost of a small call).
  Shape planned_true, planned_pred;
  std::vector<std::int64_t> planned_axes;
  Flavor planned_flavor = Flavor::kKeras2;
  Form planned_form = Form::kLossClass;
  bool plan_valid = false;
};

// Gradients of a call; each points into the Workspace (null when not requested) and has the
// shape of its input (before any rank rule) and the computation dtype.
struct GradientOutput {
  const void* y_true = nullptr;
  const void* y_pred = nullptr;
};

// The output of a call; `data` points into the Workspace and stays valid until its next use.
struct Result {
  DType dtype = DType::kFloat32;
  Shape shape;
  const void* data = nullptr;
};

// +cos per sample (the metric's values; the loss negates them). On success `*values` points to
// num_elements(ws->plan.per_sample_shape) doubles in ws->per_sample.
Status cosine_per_sample(const TensorView& y_true, const TensorView& y_pred,
                         const std::vector<std::int64_t>& axes, const KernelSet& kernels,
                         Workspace* ws, const double** values, Flavor flavor = Flavor::kKeras2,
                         Form form = Form::kLossClass);

class CosineSimilarity {
 public:
  // `form`: Form::kFunction plans as Keras's function form tf.keras.losses.cosine_similarity
  // (Keras 2: no y_true/y_pred squeeze rule; shape_engine.h), Form::kLossClass as the class.
  explicit CosineSimilarity(std::vector<std::int64_t> axes = {-1},
                            Reduction reduction = Reduction::kAuto, Flavor flavor = Flavor::kKeras2,
                            Form form = Form::kLossClass)
      : axes_(std::move(axes)), reduction_(reduction), flavor_(flavor), form_(form) {}

  // `weight` may be null (Keras None). For every reduction but 'none', result->shape is [];
  // except in Keras 3, which returns the weighted values unreduced when their shape is [] or [0].
  Status call(const TensorView& y_true, const TensorView& y_pred, const TensorView* weight,
              const KernelSet& kernels, Workspace* ws, Result* result) const;

  // The loss (into `value`, as call() gives it) and its gradients with respect to y_true and/or
  // y_pred: the vector-Jacobian product with `dy`, shaped like the output (null: ones, i.e. the
  // gradient of the sum of the outputs). It is the derivative of Keras's formula as written:
  // below the epsilon floor the normalising scale is a constant (no gradient flows into the sum
  // of squares, as with TF's Maximum), so it is finite wherever the inputs are; a gradient is
  // summed over the dims its operand was broadcast along. Computed in double, rounded once.
  Status gradient(const TensorView& y_true, const TensorView& y_pred, const TensorView* weight,
                  const TensorView* dy, bool wrt_true, bool wrt_pred, const KernelSet& kernels,
                  Workspace* ws, Result* value, GradientOutput* grads) const;

  // +cos per sample in the computation dtype: the 'none' loss negated, without weights.
  Status similarity(const TensorView& y_true, const TensorView& y_pred, const KernelSet& kernels,
                    Workspace* ws, Result* result) const;

  const std::vector<std::int64_t>& axes() const { return axes_; }
  Reduction reduction() const { return reduction_; }
  Flavor flavor() const { return flavor_; }
  Form form() const { return form_; }

 private:
  // Plans the call (dtypes, shapes, weight, reduction) without touching data.
  Status prepare(const TensorView& y_true, const TensorView& y_pred, const TensorView* weight,
                 Workspace* ws, internal::ReductionPlan* rp) const;
  // The shapes of a call, for a TooLarge message.
  std::string describe(const TensorView& y_true, const TensorView& y_pred, const TensorView* weight,
                       const Workspace& ws) const;
  Status reduce(const double* values, const TensorView* weight, const internal::ReductionPlan& rp,
                DType dtype, const KernelSet& kernels, Workspace* ws, Result* result) const;

  std::vector<std::int64_t> axes_;
  Reduction reduction_;
  Flavor flavor_;
  Form form_;
};

}  // namespace cossim

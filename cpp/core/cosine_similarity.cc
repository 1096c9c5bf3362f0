#include "cossim/cosine_similarity.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "internal.h"
#include "strided.h"

namespace cossim {

using internal::CompensatedSum;
using internal::gather;
using internal::Odometer;
using internal::reserve_elements;

Status parse_reduction(std::string_view key, Reduction* out, Flavor flavor) {
  if (flavor == Flavor::kKeras3) {
    if (key == "sum_over_batch_size") {
      *out = Reduction::kSumOverBatchSize;
    } else if (key == "sum") {
      *out = Reduction::kSum;
    } else if (key == "none" || key == "None") {
      *out = Reduction::kNone;
    } else if (key == "mean") {
      *out = Reduction::kMean;
    } else if (key == "mean_with_sample_weight") {
      *out = Reduction::kMeanWithSampleWeight;
    } else {
      return Status::Invalid(
          "Invalid value for argument `reduction`. Expected one of {'sum_over_batch_size', 'sum', "
          "None, 'none', 'mean', 'mean_with_sample_weight'}. Received: reduction=" +
          std::string(key));
    }
    return Status::Ok();
  }
  if (key == "auto") {
    *out = Reduction::kAuto;
  } else if (key == "none") {
    *out = Reduction::kNone;
  } else if (key == "sum") {
    *out = Reduction::kSum;
  } else if (key == "sum_over_batch_size") {
    *out = Reduction::kSumOverBatchSize;
  } else {
    return Status::Invalid(
        "Invalid Reduction Key: " + std::string(key) +
        ". Expected keys are \"('auto', 'none', 'sum', 'sum_over_batch_size')\"");
  }
  return Status::Ok();
}

const char* reduction_key(Reduction r) {
  switch (r) {
    case Reduction::kNone:
      return "none";
    case Reduction::kSum:
      return "sum";
    case Reduction::kSumOverBatchSize:
      return "sum_over_batch_size";
    case Reduction::kMean:
      return "mean";
    case Reduction::kMeanWithSampleWeight:
      return "mean_with_sample_weight";
    case Reduction::kAuto:
      break;
  }
  return "auto";
}

double epsilon_for(DType dtype, Flavor flavor) {
  if (flavor == Flavor::kKeras3) return 1e-14;  // (1 / 1e7)^2: the cap 1e7 is exact in both dtypes
  return dtype == DType::kFloat64 ? 1e-12 : static_cast<double>(1e-12f);
}

namespace {

// Fused path: one kernel pass per output row gives dot, |t|^2, |p|^2.
template <typename T>
Status fused_cosines(const T* t, const T* p, const KernelSet& kernels, double eps, Workspace* ws,
                     double* values) {
  const CosinePlan& plan = ws->plan;
  COSSIM_RETURN_IF_ERROR(internal::rows_of(&t, &p, ws));
  // The innermost outer dim is one batch for the kernel set (contiguous or broadcast rows);
  // the odometer walks the dims above it.
  const std::int64_t k = plan.row_length;
  const std::size_t n_outer = plan.outer.size();
  std::int64_t rows = 1, stride_t = 0, stride_p = 0;
  if (n_outer > 0) {
    rows = plan.outer.back();
    stride_t = plan.rows_true.outer_row_strides.back() * k;
    stride_p = plan.rows_pred.outer_row_strides.back() * k;
  }
  Odometer<2> it;
  for (std::size_t j = 0; j + 1 < n_outer; ++j) {
    it.add_dim(plan.outer[j],
               {plan.rows_true.outer_row_strides[j] * k, plan.rows_pred.outer_row_strides[j] * k});
  }
  for (it.start(); !it.done(); it.next()) {
    cosine_rows(kernels, t + it.offset(0), static_cast<std::size_t>(stride_t), p + it.offset(1),
                static_cast<std::size_t>(stride_p), static_cast<std::size_t>(rows),
                static_cast<std::size_t>(k), eps, values);
    values += rows;
  }
  return Status::Ok();
}

// 1/norm of every row of `x` over its own axes, and the keepdims shape those norms have.
template <typename T>
Status inverse_norms(const T* x, const Shape& shape, const std::vector<int>& axes,
                     const KernelSet& kernels, double eps, Buffer* gathered, Buffer* norms,
                     Shape* norms_shape) {
  std::vector<int> perm;
  const RowLayout layout = row_layout(shape, axes, &perm);
  if (layout.needs_gather) COSSIM_RETURN_IF_ERROR(gather(x, shape, perm, gathered, &x));
  COSSIM_RETURN_IF_ERROR(reserve_elements(norms, layout.rows, sizeof(double)));
  double* inv = norms->as<double>();
  const auto n = static_cast<std::size_t>(layout.row_length);
  for (std::int64_t r = 0; r < layout.rows; ++r) {
    const T* row = x + r * layout.row_length;
    inv[r] = inv_norm(row_sums(kernels, row, row, n).ss_a, eps);
  }
  *norms_shape = shape;
  for (int a : axes) (*norms_shape)[a] = 1;
  return Status::Ok();
}

// General path: each operand normalised over its own axes, then the broadcast product reduced
// over the broadcast axes, element by element in Keras's order: (t * inv_t) * (p * inv_p).
template <typename T>
Status general_cosines(const T* t, const T* p, const KernelSet& kernels, double eps, Workspace* ws,
                       double* values) {
  const CosinePlan& plan = ws->plan;
  Shape norms_true_shape, norms_pred_shape;
  COSSIM_RETURN_IF_ERROR(inverse_norms(t, plan.y_true, plan.axes_true, kernels, eps,
                                       &ws->gathered_true, &ws->inv_norm_true, &norms_true_shape));
  COSSIM_RETURN_IF_ERROR(inverse_norms(p, plan.y_pred, plan.axes_pred, kernels, eps,
                                       &ws->gathered_pred, &ws->inv_norm_pred, &norms_pred_shape));
  const std::int64_t n_out = num_elements(plan.outer);
  if (plan.row_length == 0) {
    for (std::int64_t i = 0; i < n_out; ++i) values[i] = 0.0;
    return Status::Ok();
  }
  const double* inv_t = ws->inv_norm_true.as<double>();
  const double* inv_p = ws->inv_norm_pred.as<double>();
  const Shape& b = plan.broadcast;
  const auto st = broadcast_strides(plan.y_true, b);
  const auto sit = broadcast_strides(norms_true_shape, b);
  const auto sp = broadcast_strides(plan.y_pred, b);
  const auto sip = broadcast_strides(norms_pred_shape, b);
  // Walk the broadcast shape with the outer dims first and the reduced axes last, so each run of
  // row_length consecutive steps is one output element.
  Odometer<4> it;
  auto push = [&](int d) { it.add_dim(b[d], {st[d], sit[d], sp[d], sip[d]}); };
  for (int d = 0; d < static_cast<int>(b.size()); ++d) {
    bool is_axis = false;
    for (int a : plan.axes_broadcast) is_axis |= (a == d);
    if (!is_axis) push(d);
  }
  for (int a : plan.axes_broadcast) push(a);
  std::int64_t in_row = 0;
  double sum = 0;
  for (it.start(); !it.done(); it.next()) {
    sum += (static_cast<double>(t[it.offset(0)]) * inv_t[it.offset(1)]) *
           (static_cast<double>(p[it.offset(2)]) * inv_p[it.offset(3)]);
    if (++in_row == plan.row_length) {
      *values++ = sum;
      sum = 0;
      in_row = 0;
    }
  }
  return Status::Ok();
}

template <typename T>
Status per_sample_typed(const TensorView& y_true, const TensorView& y_pred,
                        const KernelSet& kernels, Workspace* ws, double* values, Flavor flavor) {
  const double eps = epsilon_for(y_pred.dtype, flavor);
  const T* t = static_cast<const T*>(y_true.data);
  const T* p = static_cast<const T*>(y_pred.data);
  return ws->plan.fused ? fused_cosines(t, p, kernels, eps, ws, values)
                        : general_cosines(t, p, kernels, eps, ws, values);
}

// Applies the weight and the reduction to the per-sample losses (-values) and writes the result
// in the computation dtype.
template <typename T>
Status reduce_typed(const double* values, const TensorView* weight, Reduction reduction,
                    Flavor flavor, const KernelSet& kernels, Workspace* ws, Result* result) {
  const T* w = weight ? static_cast<const T*>(weight->data) : nullptr;
  const Shape& full_shape = weight ? ws->weight_plan.result : ws->plan.per_sample_shape;
  const std::int64_t n = num_elements(full_shape);

  // Visits loss*w for every element of the (possibly broadcast) weighted tensor, in order.
  auto for_each_weighted = [&](auto&& visit) {
    if (!weight) {
      for (std::int64_t i = 0; i < n; ++i) visit(-values[i]);
      return;
    }
    Odometer<2> it;
    for (std::size_t d = 0; d < full_shape.size(); ++d) {
      it.add_dim(full_shape[d],
                 {ws->weight_plan.loss_strides[d], ws->weight_plan.weight_strides[d]});
    }
    for (it.start(); !it.done(); it.next()) {
      visit(-values[it.offset(0)] * static_cast<double>(w[it.offset(1)]));
    }
  };

  // Keras 3's reduce_values hands back values of shape [] or [0] unreduced.
  const bool pass_through =
      reduction == Reduction::kNone ||
      (flavor == Flavor::kKeras3 &&
       (full_shape.empty() || (full_shape.size() == 1 && full_shape[0] == 0)));
  if (pass_through) {
    COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->result, n, sizeof(T)));
    T* out = ws->result.as<T>();
    for_each_weighted([&](double x) { *out++ = static_cast<T>(x); });
    result->shape = full_shape;
  } else {
    CompensatedSum sum;
    if (!weight) {
      // Unweighted: SIMD sums of blocks of 1024 losses (error ~1024·2^-53 of the block's Σ|v|),
      // compensated across blocks, so the error does not grow with the batch.
      for (std::int64_t i = 0; i < n; i += 1024) {
        sum.add(
            -kernels.f64.sum(values + i, static_cast<std::size_t>(n - i < 1024 ? n - i : 1024)));
      }
    } else {
      for_each_weighted([&](double x) { sum.add(x); });
    }
    double total = sum.value();
    if (reduction == Reduction::kMeanWithSampleWeight && weight) {
      CompensatedSum weights;
      const std::int64_t nw = num_elements(ws->weight_plan.weight);
      for (std::int64_t i = 0; i < nw; ++i) weights.add(static_cast<double>(w[i]));
      total = weights.value() == 0.0 ? 0.0 : total / weights.value();  // divide_no_nan
    } else if (reduction != Reduction::kSum) {
      total = n == 0 ? 0.0 : total / static_cast<double>(n);
    }
    COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->result, 1, sizeof(T)));
    ws->result.as<T>()[0] = static_cast<T>(total);
    result->shape.clear();
  }
  result->data = ws->result.data();
  return Status::Ok();
}

template <typename T>
Status write_values(const double* values, std::int64_t n, Workspace* ws, Result* result) {
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->result, n, sizeof(T)));
  T* out = ws->result.as<T>();
  for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<T>(values[i]);
  result->data = out;
  return Status::Ok();
}

}  // namespace

Status CosineSimilarity::similarity(const TensorView& y_true, const TensorView& y_pred,
                                    const KernelSet& kernels, Workspace* ws, Result* result) const {
  const double* values = nullptr;
  COSSIM_RETURN_IF_ERROR(cosine_per_sample(y_true, y_pred, axes_, kernels, ws, &values, flavor_));
  result->dtype = y_pred.dtype;
  result->shape = ws->plan.per_sample_shape;
  const std::int64_t n = num_elements(result->shape);
  return y_pred.dtype == DType::kFloat64 ? write_values<double>(values, n, ws, result)
                                         : write_values<float>(values, n, ws, result);
}

namespace {
// Element-wise equality of two int64 vectors (std::vector's operator== is an out-of-line call
// under -Oz; this runs on every call).
bool same(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(std::int64_t)) == 0);
}
}  // namespace

Status cosine_per_sample(const TensorView& y_true, const TensorView& y_pred,
                         const std::vector<std::int64_t>& axes, const KernelSet& kernels,
                         Workspace* ws, const double** values, Flavor flavor) {
  if (y_true.dtype != y_pred.dtype) {
    return Status::Invalid("y_true and y_pred must have the same dtype (the caller casts)");
  }
  if (!(ws->plan_valid && ws->planned_flavor == flavor && same(ws->planned_true, y_true.shape) &&
        same(ws->planned_pred, y_pred.shape) && same(ws->planned_axes, axes))) {
    ws->plan_valid = false;
    COSSIM_RETURN_IF_ERROR(plan_cosine(y_true.shape, y_pred.shape, axes, &ws->plan, flavor));
    ws->planned_true = y_true.shape;
    ws->planned_pred = y_pred.shape;
    ws->planned_axes = axes;
    ws->planned_flavor = flavor;
    ws->plan_valid = true;
  }
  const std::int64_t n = num_elements(ws->plan.per_sample_shape);
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->per_sample, n, sizeof(double)));
  double* out = ws->per_sample.as<double>();
  *values = out;
  return y_pred.dtype == DType::kFloat64
             ? per_sample_typed<double>(y_true, y_pred, kernels, ws, out, flavor)
             : per_sample_typed<float>(y_true, y_pred, kernels, ws, out, flavor);
}

Status CosineSimilarity::call(const TensorView& y_true, const TensorView& y_pred,
                              const TensorView* weight, const KernelSet& kernels, Workspace* ws,
                              Result* result) const {
  if (weight && weight->dtype != y_pred.dtype) {
    return Status::Invalid("sample_weight must have y_pred's dtype (the caller casts)");
  }
  const double* values = nullptr;
  COSSIM_RETURN_IF_ERROR(cosine_per_sample(y_true, y_pred, axes_, kernels, ws, &values, flavor_));
  if (weight) {
    COSSIM_RETURN_IF_ERROR(
        plan_weights(ws->plan.per_sample_shape, weight->shape, &ws->weight_plan, flavor_));
  }
  result->dtype = y_pred.dtype;
  return y_pred.dtype == DType::kFloat64
             ? reduce_typed<double>(values, weight, reduction_, flavor_, kernels, ws, result)
             : reduce_typed<float>(values, weight, reduction_, flavor_, kernels, ws, result);
}

}  // namespace cossim

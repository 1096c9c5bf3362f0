#include "cossim/cosine_similarity.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "internal.h"
#include "reduction.h"
#include "strided.h"

namespace cossim {

using internal::CompensatedSum;
using internal::gather;
using internal::Odometer;
using internal::ReductionPlan;
using internal::reserve_elements;

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

// Fused path of a gradient call: each row's {dot, |t|^2, |p|^2} from the row-sums kernel, kept
// in ws->row_sums for the gradient, and the cosine formed from exactly those sums.
template <typename T>
Status fused_cosines_keeping_sums(const T* t, const T* p, const KernelSet& kernels, double eps,
                                  Workspace* ws, double* values) {
  const CosinePlan& plan = ws->plan;
  COSSIM_RETURN_IF_ERROR(internal::rows_of(&t, &p, ws));
  COSSIM_RETURN_IF_ERROR(
      reserve_elements(&ws->row_sums, num_elements(plan.per_sample_shape), sizeof(RowSums)));
  RowSums* sums = ws->row_sums.as<RowSums>();
  const std::int64_t k = plan.row_length;
  const auto n = static_cast<std::size_t>(k);
  Odometer<2> it = internal::row_pairs(plan);
  for (it.start(); !it.done(); it.next()) {
    const RowSums s = row_sums(kernels, t + it.offset(0), p + it.offset(1), n);
    *sums++ = s;
    *values++ = s.dot * inv_norm(s.ss_a, eps) * inv_norm(s.ss_b, eps);
  }
  return Status::Ok();
}

// General path: each operand normalised over its own axes, then the broadcast product reduced
// over the broadcast axes, element by element in Keras's order: (t * inv_t) * (p * inv_p). The
// row norms stay in ws->inv_norm_true/pred for the gradient.
template <typename T>
Status general_cosines(const T* t, const T* p, const KernelSet& kernels, double eps, Workspace* ws,
                       double* values) {
  const CosinePlan& plan = ws->plan;
  internal::RowNorms nt, np;
  COSSIM_RETURN_IF_ERROR(internal::row_norms(t, plan.y_true, plan.axes_true, kernels, eps,
                                             &ws->gathered_true, &ws->inv_norm_true, &nt));
  COSSIM_RETURN_IF_ERROR(internal::row_norms(p, plan.y_pred, plan.axes_pred, kernels, eps,
                                             &ws->gathered_pred, &ws->inv_norm_pred, &np));
  Odometer<4> it;
  internal::general_walk(plan, nt.keep, np.keep, &it);
  std::int64_t in_row = 0;
  double sum = 0;
  for (it.start(); !it.done(); it.next()) {
    sum += (static_cast<double>(t[it.offset(0)]) * nt.inv[it.offset(1)]) *
           (static_cast<double>(p[it.offset(2)]) * np.inv[it.offset(3)]);
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
                        const KernelSet& kernels, Flavor flavor, bool keep_row_sums, Workspace* ws,
                        double* values) {
  const double eps = epsilon_for(y_pred.dtype, flavor);
  const T* t = static_cast<const T*>(y_true.data);
  const T* p = static_cast<const T*>(y_pred.data);
  if (!ws->plan.fused) return general_cosines(t, p, kernels, eps, ws, values);
  return keep_row_sums ? fused_cosines_keeping_sums(t, p, kernels, eps, ws, values)
                       : fused_cosines(t, p, kernels, eps, ws, values);
}

// Applies the weight and the reduction to the per-sample losses (-values) and writes the result
// in the computation dtype.
template <typename T>
Status reduce_typed(const double* values, const TensorView* weight, const ReductionPlan& rp,
                    const KernelSet& kernels, Workspace* ws, Result* result) {
  const T* w = weight ? static_cast<const T*>(weight->data) : nullptr;
  const WeightPlan* wp = weight ? &ws->weight_plan : nullptr;
  auto weighted = [&](std::int64_t loss, std::int64_t wi) {
    return w ? -values[loss] * static_cast<double>(w[wi]) : -values[loss];
  };
  if (rp.pass_through) {
    COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->result, rp.count, sizeof(T)));
    T* out = ws->result.as<T>();
    internal::for_each_weighted(rp, wp, [&](std::int64_t k, std::int64_t loss, std::int64_t wi) {
      out[k] = static_cast<T>(weighted(loss, wi));
    });
  } else {
    CompensatedSum sum;
    if (!weight) {
      // Unweighted: SIMD sums of blocks of 1024 losses (error ~1024·2^-53 of the block's Σ|v|),
      // compensated across blocks, so the error does not grow with the batch.
      const std::int64_t n = rp.count;
      for (std::int64_t i = 0; i < n; i += 1024) {
        sum.add(
            -kernels.f64.sum(values + i, static_cast<std::size_t>(n - i < 1024 ? n - i : 1024)));
      }
    } else {
      internal::for_each_weighted(rp, wp, [&](std::int64_t, std::int64_t loss, std::int64_t wi) {
        sum.add(weighted(loss, wi));
      });
    }
    const double total = internal::divided_by_divisor(rp, wp, w, sum.value());
    COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->result, 1, sizeof(T)));
    ws->result.as<T>()[0] = static_cast<T>(total);
  }
  if (rp.pass_through) {
    result->shape = *rp.full;
  } else {
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

// Element-wise equality of two int64 vectors (std::vector's operator== is an out-of-line call
// under -Oz; this runs on every call).
bool same(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(std::int64_t)) == 0);
}

}  // namespace

namespace internal {

Status plan_call(const TensorView& y_true, const TensorView& y_pred,
                 const std::vector<std::int64_t>& axes, Flavor flavor, Form form, Workspace* ws) {
  if (y_true.dtype != y_pred.dtype) {
    return Status::Type("y_true and y_pred must have the same dtype (the caller casts)");
  }
  if (ws->plan_valid && ws->planned_flavor == flavor && ws->planned_form == form &&
      same(ws->planned_true, y_true.shape) && same(ws->planned_pred, y_pred.shape) &&
      same(ws->planned_axes, axes)) {
    return Status::Ok();
  }
  ws->plan_valid = false;
  COSSIM_RETURN_IF_ERROR(plan_cosine(y_true.shape, y_pred.shape, axes, &ws->plan, flavor, form));
  ws->planned_true = y_true.shape;
  ws->planned_pred = y_pred.shape;
  ws->planned_axes = axes;
  ws->planned_flavor = flavor;
  ws->planned_form = form;
  ws->plan_valid = true;
  return Status::Ok();
}

Status forward(const TensorView& y_true, const TensorView& y_pred, const KernelSet& kernels,
               Flavor flavor, bool keep_row_sums, Workspace* ws, const double** values) {
  const std::int64_t n = ws->plan.per_sample_count;
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->per_sample, n, sizeof(double)));
  double* out = ws->per_sample.as<double>();
  *values = out;
  if (ws->plan.empty) {  // sums over nothing: O(rank) plus the output, whatever the other dims
    for (std::int64_t i = 0; i < n; ++i) out[i] = 0.0;
    return Status::Ok();
  }
  return y_pred.dtype == DType::kFloat64
             ? per_sample_typed<double>(y_true, y_pred, kernels, flavor, keep_row_sums, ws, out)
             : per_sample_typed<float>(y_true, y_pred, kernels, flavor, keep_row_sums, ws, out);
}

}  // namespace internal

Status cosine_per_sample(const TensorView& y_true, const TensorView& y_pred,
                         const std::vector<std::int64_t>& axes, const KernelSet& kernels,
                         Workspace* ws, const double** values, Flavor flavor, Form form) {
  COSSIM_RETURN_IF_ERROR(internal::plan_call(y_true, y_pred, axes, flavor, form, ws));
  internal::ByteBudget budget;
  internal::add_forward_bytes(ws->plan, dtype_size(y_pred.dtype), false, &budget);
  if (!budget.fits()) {
    return budget.refuse(internal::operands_text(y_true.shape, y_pred.shape) +
                         " (per-sample shape " + shape_to_string(ws->plan.per_sample_shape) + ")");
  }
  return internal::forward(y_true, y_pred, kernels, flavor, false, ws, values);
}

Status CosineSimilarity::similarity(const TensorView& y_true, const TensorView& y_pred,
                                    const KernelSet& kernels, Workspace* ws, Result* result) const {
  COSSIM_RETURN_IF_ERROR(internal::plan_call(y_true, y_pred, axes_, flavor_, form_, ws));
  const std::int64_t n = num_elements(ws->plan.per_sample_shape);
  internal::ByteBudget budget;
  internal::add_forward_bytes(ws->plan, dtype_size(y_pred.dtype), false, &budget);
  budget.add(n, dtype_size(y_pred.dtype));
  if (!budget.fits()) {
    return budget.refuse(internal::operands_text(y_true.shape, y_pred.shape) +
                         " (similarity of shape " + shape_to_string(ws->plan.per_sample_shape) +
                         ")");
  }
  const double* values = nullptr;
  COSSIM_RETURN_IF_ERROR(internal::forward(y_true, y_pred, kernels, flavor_, false, ws, &values));
  result->dtype = y_pred.dtype;
  result->shape = ws->plan.per_sample_shape;
  return y_pred.dtype == DType::kFloat64 ? write_values<double>(values, n, ws, result)
                                         : write_values<float>(values, n, ws, result);
}

Status CosineSimilarity::prepare(const TensorView& y_true, const TensorView& y_pred,
                                 const TensorView* weight, Workspace* ws,
                                 internal::ReductionPlan* rp) const {
  if (weight && weight->dtype != y_pred.dtype) {
    return Status::Type("sample_weight must have y_pred's dtype (the caller casts)");
  }
  COSSIM_RETURN_IF_ERROR(internal::plan_call(y_true, y_pred, axes_, flavor_, form_, ws));
  if (weight) {
    COSSIM_RETURN_IF_ERROR(
        plan_weights(ws->plan.per_sample_shape, weight->shape, &ws->weight_plan, flavor_));
  }
  *rp =
      internal::plan_reduction(reduction_, flavor_, ws->plan, weight ? &ws->weight_plan : nullptr);
  return Status::Ok();
}

std::string CosineSimilarity::describe(const TensorView& y_true, const TensorView& y_pred,
                                       const TensorView* weight, const Workspace& ws) const {
  std::string s = internal::operands_text(y_true.shape, y_pred.shape) + " (losses of shape " +
                  shape_to_string(ws.plan.per_sample_shape);
  if (weight) {
    s += " times sample_weight " + shape_to_string(weight->shape) + ": " +
         shape_to_string(ws.weight_plan.result);
  }
  return s + ")";
}

Status CosineSimilarity::call(const TensorView& y_true, const TensorView& y_pred,
                              const TensorView* weight, const KernelSet& kernels, Workspace* ws,
                              Result* result) const {
  internal::ReductionPlan rp;
  COSSIM_RETURN_IF_ERROR(prepare(y_true, y_pred, weight, ws, &rp));
  internal::ByteBudget budget;
  internal::add_forward_bytes(ws->plan, dtype_size(y_pred.dtype), false, &budget);
  budget.add(rp.pass_through ? rp.count : 1, dtype_size(y_pred.dtype));
  if (!budget.fits()) return budget.refuse(describe(y_true, y_pred, weight, *ws));
  const double* values = nullptr;
  COSSIM_RETURN_IF_ERROR(internal::forward(y_true, y_pred, kernels, flavor_, false, ws, &values));
  result->dtype = y_pred.dtype;
  return y_pred.dtype == DType::kFloat64
             ? reduce_typed<double>(values, weight, rp, kernels, ws, result)
             : reduce_typed<float>(values, weight, rp, kernels, ws, result);
}

Status CosineSimilarity::reduce(const double* values, const TensorView* weight,
                                const internal::ReductionPlan& rp, DType dtype,
                                const KernelSet& kernels, Workspace* ws, Result* result) const {
  result->dtype = dtype;
  return dtype == DType::kFloat64 ? reduce_typed<double>(values, weight, rp, kernels, ws, result)
                                  : reduce_typed<float>(values, weight, rp, kernels, ws, result);
}

}  // namespace cossim

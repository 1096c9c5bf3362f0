// Gradients of the loss (see CosineSimilarity::gradient in cosine_similarity.h).
//
// Per sample, with t̂ = t·s_t, s_t = 1/sqrt(max(|t|², eps)) and likewise for p, the loss is
// -Σ t̂·p̂ and, for the fused path (normalisation axes = reduction axes, no broadcast along them),
//   d cos / d p = s_t s_p (t - (t·p) s_p² p [|p|² >= eps]),
//   d cos / d t = s_t s_p (p - (t·p) s_t² t [|t|² >= eps]),
// which the kernels' axpby applies row by row from the sums the forward pass kept for each row.
// The general path backpropagates through the broadcast product element by element, then through
// each operand's normalisation row by row, d x = s G - s³ x (G·x) [|x|² >= eps], with the s and
// |x|² the forward pass kept. So the value's clamp and the gradient's mask are decided on the
// same sums (reduction.h).
#include <algorithm>
#include <cmath>

#include "cossim/cosine_similarity.h"
#include "internal.h"
#include "reduction.h"
#include "strided.h"

namespace cossim {

using internal::CompensatedSum;
using internal::floor_mask;
using internal::gather;
using internal::Odometer;
using internal::ReductionPlan;
using internal::reserve_elements;
using internal::RowNorms;
using internal::scatter;

namespace {

// d(output)/d(loss) per sample, negated into d(output)/d(cos): `h`, of the per-sample shape.
template <typename T>
Status upstream_gradient(const TensorView* weight, const TensorView* dy, const ReductionPlan& rp,
                         Workspace* ws, double** h_out) {
  const std::int64_t n_losses = num_elements(ws->plan.per_sample_shape);
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->upstream, n_losses, sizeof(double)));
  double* h = ws->upstream.as<double>();
  *h_out = h;
  for (std::int64_t i = 0; i < n_losses; ++i) h[i] = 0.0;
  const T* dyv = dy ? static_cast<const T*>(dy->data) : nullptr;
  const T* w = weight ? static_cast<const T*>(weight->data) : nullptr;
  const WeightPlan* wp = weight ? &ws->weight_plan : nullptr;
  // d(reduced output)/d(each weighted loss): dy over the reduction's divisor.
  const double factor = rp.pass_through ? 1.0
                                        : internal::divided_by_divisor(
                                              rp, wp, w, dy ? static_cast<double>(dyv[0]) : 1.0);
  // loss = -cos, so d/dcos = -d/dloss.
  internal::for_each_weighted(rp, wp, [&](std::int64_t k, std::int64_t loss, std::int64_t wi) {
    const double up = rp.pass_through && dy ? static_cast<double>(dyv[k]) : factor;
    h[loss] -= w ? up * static_cast<double>(w[wi]) : up;
  });
  return Status::Ok();
}

Status zeroed(Buffer* buffer, std::int64_t n, double** out) {
  COSSIM_RETURN_IF_ERROR(reserve_elements(buffer, n, sizeof(double)));
  *out = buffer->as<double>();
  for (std::int64_t i = 0; i < n; ++i) (*out)[i] = 0.0;
  return Status::Ok();
}

// Whether every row of an operand is updated exactly once in its own layout (no gather, not
// broadcast along any batch dim): then its gradient is stored directly, with no accumulator.
bool direct_rows(const OperandRows& rows, const Shape& outer) {
  if (!rows.gather_perm.empty()) return false;
  for (std::size_t j = 0; j < outer.size(); ++j) {
    if (rows.outer_row_strides[j] == 0 && outer[j] > 1) return false;
  }
  return true;
}

// gt/gp: double accumulators in row layout (null when stored directly); dt/dp: the outputs for
// directly stored operands (null otherwise). The rows' sums are those the forward pass kept.
template <typename T>
Status fused_gradient(const T* t, const T* p, const double* h, bool wrt_t, bool wrt_p,
                      const KernelSet& kernels, double eps, Workspace* ws, double* gt, double* gp,
                      T* dt, T* dp) {
  const CosinePlan& plan = ws->plan;
  COSSIM_RETURN_IF_ERROR(internal::rows_of(&t, &p, ws));
  const RowSums* sums = ws->row_sums.as<RowSums>();
  const std::int64_t k = plan.row_length;
  const auto n = static_cast<std::size_t>(k);
  Odometer<2> it = internal::row_pairs(plan);
  for (it.start(); !it.done(); it.next(), ++h, ++sums) {
    const T* tr = t + it.offset(0);
    const T* pr = p + it.offset(1);
    const RowSums& s = *sums;
    const double st = inv_norm(s.ss_a, eps), sp = inv_norm(s.ss_b, eps);
    const double c = *h * st * sp;
    const double beta_p = -c * s.dot * sp * sp * floor_mask(s.ss_b, eps);
    const double beta_t = -c * s.dot * st * st * floor_mask(s.ss_a, eps);
    if (dp) {
      axpby_store(kernels, tr, pr, n, c, beta_p, dp + it.offset(1));
    } else if (wrt_p) {
      axpby(kernels, tr, pr, n, c, beta_p, gp + it.offset(1));
    }
    if (dt) {
      axpby_store(kernels, pr, tr, n, c, beta_t, dt + it.offset(0));
    } else if (wrt_t) {
      axpby(kernels, pr, tr, n, c, beta_t, gt + it.offset(0));
    }
  }
  return Status::Ok();
}

// Backpropagates G (d/dx̂, in x's own layout) through x̂ = x·s over x's own axes, in place, with
// the s and |x|² of `norms` (the forward pass's).
template <typename T>
Status normalisation_backward(const T* x, const Shape& shape, const std::vector<int>& axes,
                              const RowNorms& norms, double eps, Workspace* ws, double* g) {
  std::vector<int> perm;
  const RowLayout layout = row_layout(shape, axes, &perm);
  const double* gr = g;
  const T* xr = x;
  if (layout.needs_gather) {
    COSSIM_RETURN_IF_ERROR(gather(x, shape, perm, &ws->gathered_true, &xr));
    COSSIM_RETURN_IF_ERROR(
        gather(static_cast<const double*>(g), shape, perm, &ws->grad_scratch, &gr));
  }
  double* out = const_cast<double*>(gr);  // row layout, written in place
  for (std::int64_t r = 0; r < layout.rows; ++r) {
    const T* xrow = xr + r * layout.row_length;
    double* grow = out + r * layout.row_length;
    CompensatedSum gx;
    for (std::int64_t j = 0; j < layout.row_length; ++j) gx.add(grow[j] * xrow[j]);
    const double s = norms.inv[r];
    const double b = -s * s * s * gx.value() * floor_mask(norms.ss[r], eps);
    for (std::int64_t j = 0; j < layout.row_length; ++j) grow[j] = s * grow[j] + b * xrow[j];
  }
  if (layout.needs_gather) scatter(out, shape, perm, g);
  return Status::Ok();
}

template <typename T>
Status general_gradient(const T* t, const T* p, const double* h, bool wrt_t, bool wrt_p, double eps,
                        Workspace* ws, double* gt, double* gp) {
  const CosinePlan& plan = ws->plan;
  const RowNorms nt = internal::kept_row_norms(ws->inv_norm_true, plan.y_true, plan.axes_true);
  const RowNorms np = internal::kept_row_norms(ws->inv_norm_pred, plan.y_pred, plan.axes_pred);
  Odometer<4> it;
  internal::general_walk(plan, nt.keep, np.keep, &it);
  std::int64_t in_row = 0;
  for (it.start(); !it.done(); it.next()) {
    const double tn = static_cast<double>(t[it.offset(0)]) * nt.inv[it.offset(1)];
    const double pn = static_cast<double>(p[it.offset(2)]) * np.inv[it.offset(3)];
    if (wrt_t) gt[it.offset(0)] += *h * pn;
    if (wrt_p) gp[it.offset(2)] += *h * tn;
    if (++in_row == plan.row_length) {
      in_row = 0;
      ++h;
    }
  }
  if (wrt_t) {
    COSSIM_RETURN_IF_ERROR(normalisation_backward(t, plan.y_true, plan.axes_true, nt, eps, ws, gt));
  }
  if (wrt_p) {
    COSSIM_RETURN_IF_ERROR(normalisation_backward(p, plan.y_pred, plan.axes_pred, np, eps, ws, gp));
  }
  return Status::Ok();
}

template <typename T>
Status gradient_typed(const TensorView& y_true, const TensorView& y_pred, const TensorView* weight,
                      const TensorView* dy, bool wrt_t, bool wrt_p, const ReductionPlan& rp,
                      Flavor flavor, const KernelSet& kernels, Workspace* ws,
                      GradientOutput* grads) {
  const CosinePlan& plan = ws->plan;
  const std::int64_t nt = num_elements(plan.y_true), np = num_elements(plan.y_pred);
  if (wrt_t) COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->grad_true, nt, sizeof(T)));
  if (wrt_p) COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->grad_pred, np, sizeof(T)));
  grads->y_true = wrt_t ? ws->grad_true.data() : nullptr;
  grads->y_pred = wrt_p ? ws->grad_pred.data() : nullptr;
  if (plan.empty) {
    // Nothing was summed, so nothing depends on the inputs: zeros, also for an operand that is
    // not itself empty (broadcast against an empty batch).
    if (wrt_t) std::fill(ws->grad_true.as<T>(), ws->grad_true.as<T>() + nt, T(0));
    if (wrt_p) std::fill(ws->grad_pred.as<T>(), ws->grad_pred.as<T>() + np, T(0));
    return Status::Ok();
  }
  double* h = nullptr;
  COSSIM_RETURN_IF_ERROR(upstream_gradient<T>(weight, dy, rp, ws, &h));
  double* gt = nullptr;
  double* gp = nullptr;
  const double eps = epsilon_for(y_pred.dtype, flavor);
  const T* t = static_cast<const T*>(y_true.data);
  const T* p = static_cast<const T*>(y_pred.data);
  if (plan.fused) {
    const bool direct_t = wrt_t && direct_rows(plan.rows_true, plan.outer);
    const bool direct_p = wrt_p && direct_rows(plan.rows_pred, plan.outer);
    COSSIM_RETURN_IF_ERROR(zeroed(&ws->grad_rows_true, wrt_t && !direct_t ? nt : 0, &gt));
    COSSIM_RETURN_IF_ERROR(zeroed(&ws->grad_rows_pred, wrt_p && !direct_p ? np : 0, &gp));
    COSSIM_RETURN_IF_ERROR(fused_gradient(t, p, h, wrt_t, wrt_p, kernels, eps, ws, gt, gp,
                                          direct_t ? ws->grad_true.as<T>() : nullptr,
                                          direct_p ? ws->grad_pred.as<T>() : nullptr));
    // Accumulated in row layout: back to each input's own layout, in the output dtype.
    if (wrt_t && !direct_t) {
      scatter(gt, plan.y_true, plan.rows_true.gather_perm, ws->grad_true.as<T>());
    }
    if (wrt_p && !direct_p) {
      scatter(gp, plan.y_pred, plan.rows_pred.gather_perm, ws->grad_pred.as<T>());
    }
  } else {
    COSSIM_RETURN_IF_ERROR(zeroed(&ws->grad_rows_true, wrt_t ? nt : 0, &gt));
    COSSIM_RETURN_IF_ERROR(zeroed(&ws->grad_rows_pred, wrt_p ? np : 0, &gp));
    COSSIM_RETURN_IF_ERROR(general_gradient(t, p, h, wrt_t, wrt_p, eps, ws, gt, gp));
    const std::vector<int> identity;
    if (wrt_t) scatter(gt, plan.y_true, identity, ws->grad_true.as<T>());
    if (wrt_p) scatter(gp, plan.y_pred, identity, ws->grad_pred.as<T>());
  }
  return Status::Ok();
}

}  // namespace

Status CosineSimilarity::gradient(const TensorView& y_true, const TensorView& y_pred,
                                  const TensorView* weight, const TensorView* dy, bool wrt_true,
                                  bool wrt_pred, const KernelSet& kernels, Workspace* ws,
                                  Result* value, GradientOutput* grads) const {
  if (dy && dy->dtype != y_pred.dtype) {
    return Status::Type("dy must have y_pred's dtype (the caller casts)");
  }
  if (dy) COSSIM_RETURN_IF_ERROR(validate_shape(dy->shape, "dy"));
  ReductionPlan rp;
  COSSIM_RETURN_IF_ERROR(prepare(y_true, y_pred, weight, ws, &rp));
  if (dy && rp.pass_through && dy->shape != *rp.full) {
    return Status::Shape("dy must have the shape of the loss output " + shape_to_string(*rp.full) +
                         "; got " + shape_to_string(dy->shape));
  }
  if (dy && !rp.pass_through && num_elements(dy->shape) != 1) {
    return Status::Shape("dy must be a scalar like the reduced loss output; got shape " +
                         shape_to_string(dy->shape));
  }
  // Everything the call holds: the forward pass (keeping the fused rows' sums), the value, the
  // upstream gradient, and per requested operand its accumulator, output and gather scratch.
  const CosinePlan& plan = ws->plan;
  const std::size_t size = dtype_size(y_pred.dtype);
  internal::ByteBudget budget;
  internal::add_forward_bytes(plan, size, true, &budget);
  budget.add(rp.pass_through ? rp.count : 1, size);
  budget.add(num_elements(plan.per_sample_shape), sizeof(double));
  const std::int64_t nt = num_elements(plan.y_true), np = num_elements(plan.y_pred);
  if (wrt_true) budget.add(nt, 2 * sizeof(double) + 2 * size);
  if (wrt_pred) budget.add(np, 2 * sizeof(double) + 2 * size);
  if (!budget.fits())
    return budget.refuse(describe(y_true, y_pred, weight, *ws) + " with gradients");

  const double* values = nullptr;
  COSSIM_RETURN_IF_ERROR(internal::forward(y_true, y_pred, kernels, flavor_, true, ws, &values));
  COSSIM_RETURN_IF_ERROR(reduce(values, weight, rp, y_pred.dtype, kernels, ws, value));
  return y_pred.dtype == DType::kFloat64
             ? gradient_typed<double>(y_true, y_pred, weight, dy, wrt_true, wrt_pred, rp, flavor_,
                                      kernels, ws, grads)
             : gradient_typed<float>(y_true, y_pred, weight, dy, wrt_true, wrt_pred, rp, flavor_,
                                     kernels, ws, grads);
}

}  // namespace cossim

// Gradients of the loss (see CosineSimilarity::gradient in cosine_similarity.h).
//
// Per sample, with t̂ = t·s_t, s_t = 1/sqrt(max(|t|², eps)) and likewise for p, the loss is
// -Σ t̂·p̂ and, for the fused path (normalisation axes = reduction axes, no broadcast along them),
//   d cos / d p = s_t s_p (t - (t·p) s_p² p [|p|² >= eps]),
//   d cos / d t = s_t s_p (p - (t·p) s_t² t [|t|² >= eps]),
// which the kernels' axpby applies row by row after one fused pass for the row's sums. The
// general path backpropagates through the broadcast product element by element, then through
// each operand's normalisation row by row: d x = s G - s³ x (G·x) [|x|² >= eps].
#include <cmath>

#include "cossim/cosine_similarity.h"
#include "internal.h"
#include "strided.h"

namespace cossim {

using internal::CompensatedSum;
using internal::gather;
using internal::Odometer;
using internal::reserve_elements;
using internal::scatter;

namespace {

double mask(double ss, double eps) { return ss >= eps ? 1.0 : 0.0; }

// d(output)/d(loss) per sample, negated into d(output)/d(cos): `h`, of the per-sample shape.
template <typename T>
Status upstream_gradient(const TensorView* weight, const TensorView* dy, Reduction reduction,
                         Flavor flavor, Workspace* ws, double** h_out) {
  const Shape& losses = ws->plan.per_sample_shape;
  const std::int64_t n_losses = num_elements(losses);
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->upstream, n_losses, sizeof(double)));
  double* h = ws->upstream.as<double>();
  *h_out = h;
  for (std::int64_t i = 0; i < n_losses; ++i) h[i] = 0.0;

  const Shape& full = weight ? ws->weight_plan.result : losses;
  const std::int64_t n = num_elements(full);
  const bool pass_through =
      reduction == Reduction::kNone ||
      (flavor == Flavor::kKeras3 && (full.empty() || (full.size() == 1 && full[0] == 0)));
  const T* dyv = dy ? static_cast<const T*>(dy->data) : nullptr;
  double factor = 1.0;  // d(reduced output)/d(each weighted loss)
  if (pass_through) {
    if (dy && dy->shape != full) {
      return Status::Invalid("dy must have the shape of the loss output " + shape_to_string(full) +
                             "; got " + shape_to_string(dy->shape));
    }
  } else {
    if (dy && num_elements(dy->shape) != 1) {
      return Status::Invalid("dy must be a scalar like the reduced loss output; got shape " +
                             shape_to_string(dy->shape));
    }
    factor = dy ? static_cast<double>(dyv[0]) : 1.0;
    if (reduction == Reduction::kMeanWithSampleWeight && weight) {
      CompensatedSum sw;
      const T* w = static_cast<const T*>(weight->data);
      const std::int64_t nw = num_elements(ws->weight_plan.weight);
      for (std::int64_t i = 0; i < nw; ++i) sw.add(static_cast<double>(w[i]));
      factor = sw.value() == 0.0 ? 0.0 : factor / sw.value();
    } else if (reduction != Reduction::kSum) {
      factor = n == 0 ? 0.0 : factor / static_cast<double>(n);
    }
  }
  // loss = -cos, so d/dcos = -d/dloss.
  if (!weight) {
    for (std::int64_t i = 0; i < n; ++i)
      h[i] = -(pass_through && dy ? static_cast<double>(dyv[i]) : factor);
    return Status::Ok();
  }
  const T* w = static_cast<const T*>(weight->data);
  Odometer<2> it;
  for (std::size_t d = 0; d < full.size(); ++d) {
    it.add_dim(full[d], {ws->weight_plan.loss_strides[d], ws->weight_plan.weight_strides[d]});
  }
  std::int64_t k = 0;
  for (it.start(); !it.done(); it.next(), ++k) {
    const double up = pass_through && dy ? static_cast<double>(dyv[k]) : factor;
    h[it.offset(0)] -= up * static_cast<double>(w[it.offset(1)]);
  }
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
// directly stored operands (null otherwise).
template <typename T>
Status fused_gradient(const T* t, const T* p, const double* h, bool wrt_t, bool wrt_p,
                      const KernelSet& kernels, double eps, Workspace* ws, double* gt, double* gp,
                      T* dt, T* dp) {
  const CosinePlan& plan = ws->plan;
  COSSIM_RETURN_IF_ERROR(internal::rows_of(&t, &p, ws));
  const std::int64_t k = plan.row_length;
  const auto n = static_cast<std::size_t>(k);
  Odometer<2> it;
  for (std::size_t j = 0; j < plan.outer.size(); ++j) {
    it.add_dim(plan.outer[j],
               {plan.rows_true.outer_row_strides[j] * k, plan.rows_pred.outer_row_strides[j] * k});
  }
  for (it.start(); !it.done(); it.next(), ++h) {
    const T* tr = t + it.offset(0);
    const T* pr = p + it.offset(1);
    const RowSums s = row_sums(kernels, tr, pr, n);
    const double st = inv_norm(s.ss_a, eps), sp = inv_norm(s.ss_b, eps);
    const double c = *h * st * sp;
    const double beta_p = -c * s.dot * sp * sp * mask(s.ss_b, eps);
    const double beta_t = -c * s.dot * st * st * mask(s.ss_a, eps);
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

// Backpropagates G (d/dx̂, in x's own layout) through x̂ = x·s over x's own axes, in place.
template <typename T>
Status normalisation_backward(const T* x, const Shape& shape, const std::vector<int>& axes,
                              double eps, Workspace* ws, double* g) {
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
    CompensatedSum ss, gx;
    for (std::int64_t j = 0; j < layout.row_length; ++j) {
      const double xv = xrow[j];
      ss.add(xv * xv);
      gx.add(grow[j] * xv);
    }
    const double s = inv_norm(ss.value(), eps);
    const double b = -s * s * s * gx.value() * mask(ss.value(), eps);
    for (std::int64_t j = 0; j < layout.row_length; ++j) grow[j] = s * grow[j] + b * xrow[j];
  }
  if (layout.needs_gather) scatter(out, shape, perm, g);
  return Status::Ok();
}

template <typename T>
Status general_gradient(const T* t, const T* p, const double* h, bool wrt_t, bool wrt_p, double eps,
                        Workspace* ws, double* gt, double* gp) {
  const CosinePlan& plan = ws->plan;
  if (plan.row_length == 0) return Status::Ok();
  // Inverse norms of each operand over its own axes, in the keepdims layout.
  auto norms = [&](const T* x, const Shape& shape, const std::vector<int>& axes, Buffer* out,
                   Shape* keep) -> Status {
    std::vector<int> perm;
    const RowLayout layout = row_layout(shape, axes, &perm);
    const T* xr = x;
    if (layout.needs_gather)
      COSSIM_RETURN_IF_ERROR(gather(x, shape, perm, &ws->gathered_pred, &xr));
    COSSIM_RETURN_IF_ERROR(reserve_elements(out, layout.rows, sizeof(double)));
    for (std::int64_t r = 0; r < layout.rows; ++r) {
      CompensatedSum ss;
      for (std::int64_t j = 0; j < layout.row_length; ++j) {
        const double v = xr[r * layout.row_length + j];
        ss.add(v * v);
      }
      out->as<double>()[r] = inv_norm(ss.value(), eps);
    }
    *keep = shape;
    for (int a : axes) (*keep)[a] = 1;
    return Status::Ok();
  };
  Shape keep_t, keep_p;
  COSSIM_RETURN_IF_ERROR(norms(t, plan.y_true, plan.axes_true, &ws->inv_norm_true, &keep_t));
  COSSIM_RETURN_IF_ERROR(norms(p, plan.y_pred, plan.axes_pred, &ws->inv_norm_pred, &keep_p));
  const double* st = ws->inv_norm_true.as<double>();
  const double* sp = ws->inv_norm_pred.as<double>();
  const Shape& b = plan.broadcast;
  const auto a0 = broadcast_strides(plan.y_true, b), a1 = broadcast_strides(keep_t, b);
  const auto a2 = broadcast_strides(plan.y_pred, b), a3 = broadcast_strides(keep_p, b);
  Odometer<4> it;
  auto push = [&](int d) { it.add_dim(b[d], {a0[d], a1[d], a2[d], a3[d]}); };
  for (int d = 0; d < static_cast<int>(b.size()); ++d) {
    bool is_axis = false;
    for (int a : plan.axes_broadcast) is_axis |= a == d;
    if (!is_axis) push(d);
  }
  for (int a : plan.axes_broadcast) push(a);
  std::int64_t in_row = 0;
  for (it.start(); !it.done(); it.next()) {
    const double tn = static_cast<double>(t[it.offset(0)]) * st[it.offset(1)];
    const double pn = static_cast<double>(p[it.offset(2)]) * sp[it.offset(3)];
    if (wrt_t) gt[it.offset(0)] += *h * pn;
    if (wrt_p) gp[it.offset(2)] += *h * tn;
    if (++in_row == plan.row_length) {
      in_row = 0;
      ++h;
    }
  }
  if (wrt_t)
    COSSIM_RETURN_IF_ERROR(normalisation_backward(t, plan.y_true, plan.axes_true, eps, ws, gt));
  if (wrt_p)
    COSSIM_RETURN_IF_ERROR(normalisation_backward(p, plan.y_pred, plan.axes_pred, eps, ws, gp));
  return Status::Ok();
}

template <typename T>
Status gradient_typed(const TensorView& y_true, const TensorView& y_pred, const TensorView* weight,
                      const TensorView* dy, bool wrt_t, bool wrt_p, Reduction reduction,
                      Flavor flavor, const KernelSet& kernels, Workspace* ws,
                      GradientOutput* grads) {
  double* h = nullptr;
  COSSIM_RETURN_IF_ERROR(upstream_gradient<T>(weight, dy, reduction, flavor, ws, &h));
  const CosinePlan& plan = ws->plan;
  const std::int64_t nt = num_elements(plan.y_true), np = num_elements(plan.y_pred);
  double* gt = nullptr;
  double* gp = nullptr;
  const double eps = epsilon_for(y_pred.dtype, flavor);
  const T* t = static_cast<const T*>(y_true.data);
  const T* p = static_cast<const T*>(y_pred.data);
  if (wrt_t) COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->grad_true, nt, sizeof(T)));
  if (wrt_p) COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->grad_pred, np, sizeof(T)));
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
  grads->y_true = wrt_t ? ws->grad_true.data() : nullptr;
  grads->y_pred = wrt_p ? ws->grad_pred.data() : nullptr;
  return Status::Ok();
}

}  // namespace

Status CosineSimilarity::gradient(const TensorView& y_true, const TensorView& y_pred,
                                  const TensorView* weight, const TensorView* dy, bool wrt_true,
                                  bool wrt_pred, const KernelSet& kernels, Workspace* ws,
                                  Result* value, GradientOutput* grads) const {
  if (dy && dy->dtype != y_pred.dtype) {
    return Status::Invalid("dy must have y_pred's dtype (the caller casts)");
  }
  if (dy) COSSIM_RETURN_IF_ERROR(validate_shape(dy->shape, "dy"));
  COSSIM_RETURN_IF_ERROR(call(y_true, y_pred, weight, kernels, ws, value));
  return y_pred.dtype == DType::kFloat64
             ? gradient_typed<double>(y_true, y_pred, weight, dy, wrt_true, wrt_pred, reduction_,
                                      flavor_, kernels, ws, grads)
             : gradient_typed<float>(y_true, y_pred, weight, dy, wrt_true, wrt_pred, reduction_,
                                     flavor_, kernels, ws, grads);
}

}  // namespace cossim

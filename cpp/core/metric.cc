#include "cossim/metric.h"

#include <cmath>
#include <limits>

#include "internal.h"
#include "reduction.h"
#include "strided.h"

namespace cossim {

using internal::CompensatedSum;
using internal::Odometer;
using internal::reserve_elements;

namespace {

// Means of `outer` consecutive blocks of `inner` values (a mean over trailing axes). The mean of an
// empty block is NaN, as reduce_mean gives.
void mean_blocks(const double* in, std::int64_t outer, std::int64_t inner, double* out) {
  for (std::int64_t i = 0; i < outer; ++i) {
    CompensatedSum s;
    for (std::int64_t j = 0; j < inner; ++j) s.add(in[i * inner + j]);
    out[i] = s.value() / static_cast<double>(inner);
  }
}

// Product of dims [from, to) of `shape`; saturating, as num_elements is (an empty shape's other
// dims may overflow int64).
std::int64_t product(const Shape& shape, std::size_t from, std::size_t to) {
  return num_elements(shape.data() + from, shape.data() + to);
}

// Σ a[ia]·b[ib] and Σ b[ib] over the broadcast of shapes sa and sb (into `shape`).
void weighted_sums(const double* a, const Shape& sa, const double* b, const Shape& sb,
                   const Shape& shape, CompensatedSum* ab, CompensatedSum* bsum) {
  const auto stride_a = broadcast_strides(sa, shape);
  const auto stride_b = broadcast_strides(sb, shape);
  Odometer<2> it;
  for (std::size_t d = 0; d < shape.size(); ++d) it.add_dim(shape[d], {stride_a[d], stride_b[d]});
  for (it.start(); !it.done(); it.next()) {
    ab->add(a[it.offset(0)] * b[it.offset(1)]);
    if (bsum) bsum->add(b[it.offset(1)]);
  }
}

Status reserve_doubles(Buffer* buffer, std::int64_t n) {
  return reserve_elements(buffer, n, sizeof(double));
}

Status update_keras2(const double* v, const Shape& values_shape, const double* w,
                     const Shape& weight_shape, Workspace* ws, MetricUpdate* update) {
  Shape wshape = weight_shape;
  COSSIM_RETURN_IF_ERROR(adjust_weight_rank(values_shape, &wshape));
  bool broadcastable = wshape.empty();
  if (wshape.size() == values_shape.size()) {
    broadcastable = true;
    for (std::size_t i = 0; i < wshape.size(); ++i) {
      broadcastable &= wshape[i] == 1 || wshape[i] == values_shape[i];
    }
  }
  CompensatedSum total, count;
  if (broadcastable) {
    weighted_sums(v, values_shape, w, wshape, values_shape, &total, &count);
  } else {
    // Keras catches the broadcast error: values are averaged down to the weight's rank and the
    // weight is used as it is.
    Shape reduced = values_shape;
    const double* vr = v;
    if (wshape.size() < values_shape.size()) {
      reduced.resize(wshape.size());
      const std::int64_t outer = num_elements(reduced);
      COSSIM_RETURN_IF_ERROR(reserve_doubles(&ws->metric_values, outer));
      mean_blocks(v, outer, product(values_shape, wshape.size(), values_shape.size()),
                  ws->metric_values.as<double>());
      vr = ws->metric_values.as<double>();
    }
    Shape full;
    COSSIM_RETURN_IF_ERROR(broadcast_shapes(reduced, wshape, &full));
    COSSIM_RETURN_IF_ERROR(validate_shape(full, "values * sample_weight"));
    weighted_sums(vr, reduced, w, wshape, full, &total, nullptr);
    const std::int64_t nw = num_elements(wshape);
    for (std::int64_t i = 0; i < nw; ++i) count.add(w[i]);
  }
  update->total = total.value();
  update->count = count.value();
  return Status::Ok();
}

Status update_keras3(const double* v, const Shape& values_shape, const double* w,
                     const Shape& weight_shape, Workspace* ws, MetricUpdate* update) {
  Shape vshape = values_shape;
  CompensatedSum total, count;
  if (w == nullptr) {
    // Per-sample means, then their sum; count the samples.
    const std::int64_t samples = vshape.empty() ? 1 : vshape[0];
    const std::int64_t inner = product(vshape, vshape.empty() ? 0 : 1, vshape.size());
    if (vshape.size() > 1 && inner == 0) {
      // Every sample's mean is over nothing (NaN, as reduce_mean gives): O(1) for any count.
      update->total = samples > 0 ? std::numeric_limits<double>::quiet_NaN() : 0.0;
      update->count = static_cast<double>(samples);
      return Status::Ok();
    }
    if (vshape.size() > 1) {
      COSSIM_RETURN_IF_ERROR(reserve_doubles(&ws->metric_values, samples));
      mean_blocks(v, samples, inner, ws->metric_values.as<double>());
      v = ws->metric_values.as<double>();
    }
    const std::int64_t n = vshape.size() > 1 ? samples : num_elements(vshape);
    for (std::int64_t i = 0; i < n; ++i) total.add(v[i]);
    update->total = total.value();
    update->count = static_cast<double>(samples);
    return Status::Ok();
  }
  Shape wshape = weight_shape;
  squeeze_or_expand_to_same_rank(&vshape, &wshape);
  const std::size_t k = wshape.size();
  if (vshape.size() > k) {  // values averaged down to the weight's rank
    Shape reduced(vshape.begin(), vshape.begin() + static_cast<std::ptrdiff_t>(k));
    const std::int64_t outer = num_elements(reduced);
    COSSIM_RETURN_IF_ERROR(reserve_doubles(&ws->metric_values, outer));
    mean_blocks(v, outer, product(vshape, k, vshape.size()), ws->metric_values.as<double>());
    v = ws->metric_values.as<double>();
    vshape = reduced;
  }
  Shape full;
  const Status st = broadcast_shapes(wshape, vshape, &full);
  if (!st.ok() || full != vshape) {
    return Status::Shape("Incompatible shapes: sample_weight of shape " + shape_to_string(wshape) +
                         " cannot be broadcast to values of shape " + shape_to_string(vshape));
  }
  // v·w materialised in the values' shape, then the weight mean-reduced per sample (rank > 1),
  // the products mean-reduced per sample (rank > 1), and both summed.
  const std::int64_t n = num_elements(vshape);
  const std::int64_t samples = vshape.empty() ? 1 : vshape[0];
  if (n == 0) {
    // No values: the per-sample means (of the products, and of a weight of rank > 1) are over
    // nothing, NaN for each of `samples` samples; without those means the sums are over nothing.
    const double nan = std::numeric_limits<double>::quiet_NaN();
    update->total = vshape.size() > 1 && samples > 0 ? nan : 0.0;
    update->count = k > 1 && samples > 0 ? nan : 0.0;
    return Status::Ok();
  }
  const std::int64_t room = n > samples ? n : samples;  // per-sample means of empty rows need room
  COSSIM_RETURN_IF_ERROR(reserve_doubles(&ws->metric_weights, 2 * room));
  double* vw = ws->metric_weights.as<double>();
  double* wb = vw + room;
  {
    const auto sw = broadcast_strides(wshape, vshape);
    Odometer<1> it;
    for (std::size_t d = 0; d < vshape.size(); ++d) it.add_dim(vshape[d], {sw[d]});
    std::int64_t i = 0;
    for (it.start(); !it.done(); it.next(), ++i) {
      wb[i] = w[it.offset(0)];
      vw[i] = v[i] * wb[i];
    }
  }
  const std::int64_t inner = product(vshape, vshape.empty() ? 0 : 1, vshape.size());
  if (k > 1) mean_blocks(wb, samples, inner, wb);  // in place: block i only reads indices >= i
  if (vshape.size() > 1) mean_blocks(vw, samples, inner, vw);
  const std::int64_t nv = vshape.size() > 1 ? samples : n;
  const std::int64_t nc = k > 1 ? samples : n;
  for (std::int64_t i = 0; i < nv; ++i) total.add(vw[i]);
  for (std::int64_t i = 0; i < nc; ++i) count.add(wb[i]);
  update->total = total.value();
  update->count = count.value();
  return Status::Ok();
}

}  // namespace

Status cosine_metric_update(const TensorView& y_true, const TensorView& y_pred,
                            const TensorView* weight, const std::vector<std::int64_t>& axes,
                            Flavor flavor, const KernelSet& kernels, Workspace* ws,
                            MetricUpdate* update) {
  if (weight && weight->dtype != y_pred.dtype) {
    return Status::Type("sample_weight must have y_pred's dtype (the caller casts)");
  }
  if (weight) COSSIM_RETURN_IF_ERROR(validate_shape(weight->shape, "sample_weight"));
  COSSIM_RETURN_IF_ERROR(internal::plan_call(y_true, y_pred, axes, flavor, Form::kLossClass, ws));
  // The forward pass, the weight as doubles, and an upper bound of the means' scratch.
  const std::int64_t n_values = num_elements(ws->plan.per_sample_shape);
  const std::int64_t nw = weight ? num_elements(weight->shape) : 0;
  internal::ByteBudget budget;
  internal::add_forward_bytes(ws->plan, dtype_size(y_pred.dtype), false, &budget);
  budget.add(nw, sizeof(double));
  // Keras 3: per-sample means (<= n_values) and, weighted, v·w and the broadcast weight;
  // Keras 2 weighted: the values' means down to the weight's rank.
  const int scratch = flavor == Flavor::kKeras3 ? (weight ? 3 : 1) : (weight ? 1 : 0);
  for (int i = 0; i < scratch; ++i) budget.add(n_values, sizeof(double));
  if (!budget.fits()) {
    std::string what = internal::operands_text(y_true.shape, y_pred.shape) + " (values of shape " +
                       shape_to_string(ws->plan.per_sample_shape);
    if (weight) what += ", sample_weight " + shape_to_string(weight->shape);
    return budget.refuse(what + ")");
  }
  const double* values = nullptr;
  COSSIM_RETURN_IF_ERROR(internal::forward(y_true, y_pred, kernels, flavor, false, ws, &values));
  const Shape& vshape = ws->plan.per_sample_shape;
  const double* w = nullptr;
  Shape wshape;
  if (weight) {
    wshape = weight->shape;
    COSSIM_RETURN_IF_ERROR(reserve_doubles(&ws->metric_weight_in, nw));
    double* wd = ws->metric_weight_in.as<double>();
    for (std::int64_t i = 0; i < nw; ++i) {
      wd[i] = weight->dtype == DType::kFloat64 ? static_cast<const double*>(weight->data)[i]
                                               : static_cast<const float*>(weight->data)[i];
    }
    w = wd;
  }
  if (flavor == Flavor::kKeras3) return update_keras3(values, vshape, w, wshape, ws, update);
  if (!w) {
    CompensatedSum total;
    const std::int64_t n = num_elements(vshape);
    for (std::int64_t i = 0; i < n; ++i) total.add(values[i]);
    update->total = total.value();
    update->count = static_cast<double>(n);
    return Status::Ok();
  }
  return update_keras2(values, vshape, w, wshape, ws, update);
}

}  // namespace cossim

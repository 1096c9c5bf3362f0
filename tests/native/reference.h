// The native tests' independent reference (shared by every native test file): host tensors and a
// direct long-double transcription of the Keras formula that shares no code with the core:
// normalise each operand over its own axes (x * rsqrt(max(sum x^2, eps))), broadcast, multiply,
// reduce_sum over the axes resolved against the broadcast rank, negate, rank-adjust and broadcast
// the weight, then reduce; and the gradient of that formula, written out by hand. Element loops
// only, no planning.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "cossim/cosine_similarity.h"
#include "cossim/tensor.h"

namespace cossim {
namespace reference {

using LD = long double;
using Axes = std::vector<std::int64_t>;

static_assert(std::numeric_limits<long double>::digits >= 64, "reference needs a wide long double");

// ---------------------------------------------------------------------------------------------
// Host tensors.

// Owns its data; float32 tensors store the values rounded to float, and `Ref()` returns exactly
// what the core will read. Storage is never empty, so data pointers are valid even for [0, d].
class HostTensor {
 public:
  HostTensor(DType dtype, Shape shape, const std::vector<double>& values)
      : dtype_(dtype), shape_(std::move(shape)) {
    const std::size_t n = static_cast<std::size_t>(num_elements(shape_));
    EXPECT_EQ(values.size(), n) << "test bug: " << values.size() << " values for shape "
                                << shape_to_string(shape_);
    f32_.assign(n + 1, 0.0f);
    f64_.assign(n + 1, 0.0);
    for (std::size_t i = 0; i < n && i < values.size(); ++i) {
      f32_[i] = static_cast<float>(values[i]);
      f64_[i] = values[i];
    }
  }

  TensorView View() const {
    TensorView v;
    v.dtype = dtype_;
    v.shape = shape_;
    v.data = dtype_ == DType::kFloat32 ? static_cast<const void*>(f32_.data())
                                       : static_cast<const void*>(f64_.data());
    return v;
  }

  const Shape& shape() const { return shape_; }
  std::vector<LD> Ref() const {
    std::vector<LD> out(static_cast<std::size_t>(num_elements(shape_)));
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = dtype_ == DType::kFloat32 ? static_cast<LD>(f32_[i]) : static_cast<LD>(f64_[i]);
    }
    return out;
  }

 private:
  DType dtype_;
  Shape shape_;
  std::vector<float> f32_;
  std::vector<double> f64_;
};

inline std::vector<double> RandomValues(std::size_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<double> v(n);
  for (double& x : v) x = dist(rng);
  return v;
}

inline std::vector<double> ResultValues(const Result& r) {
  std::vector<double> out(static_cast<std::size_t>(num_elements(r.shape)));
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = r.dtype == DType::kFloat32 ? static_cast<const float*>(r.data)[i]
                                        : static_cast<const double*>(r.data)[i];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The long-double reference of the Keras 2.9 formula.

inline std::int64_t Numel(const Shape& s) {
  std::int64_t n = 1;
  for (std::int64_t d : s) n *= d;
  return n;
}

inline std::vector<std::int64_t> Unravel(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t k = shape.size(); k-- > 0;) {
    index[k] = flat % shape[k];
    flat /= shape[k];
  }
  return index;
}

// Row-major offset in `shape` of the element that `index` (in a broadcast of `shape`, right
// aligned) reads.
inline std::int64_t BroadcastOffset(const std::vector<std::int64_t>& index, const Shape& shape) {
  const std::size_t lead = index.size() - shape.size();
  std::int64_t offset = 0;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    offset = offset * shape[k] + (shape[k] == 1 ? 0 : index[lead + k]);
  }
  return offset;
}

inline bool RefBroadcast(const Shape& a, const Shape& b, Shape* out) {
  const std::size_t rank = std::max(a.size(), b.size());
  out->assign(rank, 1);
  for (std::size_t k = 0; k < rank; ++k) {
    const std::int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    const std::int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    (*out)[k] = da == 1 ? db : da;
  }
  return true;
}

// Marks the reduced dims; false on an out-of-range or repeated axis.
inline bool RefAxes(const Axes& axes, std::size_t rank, std::vector<bool>* reduced) {
  reduced->assign(rank, false);
  const auto r = static_cast<std::int64_t>(rank);
  for (std::int64_t a : axes) {
    if (a < -r || a >= r) return false;
    const std::size_t k = static_cast<std::size_t>(a < 0 ? a + r : a);
    if ((*reduced)[k]) return false;
    (*reduced)[k] = true;
  }
  return true;
}

// l2_normalize: x * rsqrt(max(sum(x^2 over reduced dims), eps)); max keeps a NaN sum.
inline std::vector<LD> RefNormalise(const std::vector<LD>& x, const Shape& shape,
                                    const std::vector<bool>& reduced, LD eps) {
  Shape key_shape = shape;
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (reduced[k]) key_shape[k] = 1;
  }
  std::vector<LD> ss(static_cast<std::size_t>(Numel(key_shape)), 0.0L);
  for (std::int64_t flat = 0; flat < Numel(shape); ++flat) {
    const LD v = x[static_cast<std::size_t>(flat)];
    ss[static_cast<std::size_t>(BroadcastOffset(Unravel(flat, shape), key_shape))] += v * v;
  }
  std::vector<LD> out(x.size());
  for (std::int64_t flat = 0; flat < Numel(shape); ++flat) {
    const LD s = ss[static_cast<std::size_t>(BroadcastOffset(Unravel(flat, shape), key_shape))];
    out[static_cast<std::size_t>(flat)] =
        x[static_cast<std::size_t>(flat)] * (1.0L / std::sqrt(s < eps ? eps : s));
  }
  return out;
}

struct RefOutput {
  bool ok = false;
  Shape shape;
  std::vector<LD> values;
  std::vector<LD> scales;  // the magnitude each value's tolerance is relative to
};

inline LD RefEpsilon(DType dtype) {
  return dtype == DType::kFloat32 ? static_cast<LD>(1e-12f) : static_cast<LD>(1e-12);
}

// +cos per sample, with sum|t^ p^| per sample as the scale.
// `squeeze`: the loss class's rank rule (§2.2); Keras 2's function form skips it (§2.1).
inline RefOutput RefCosine(Shape t_shape, const std::vector<LD>& t, Shape p_shape,
                           const std::vector<LD>& p, const Axes& axes, LD eps,
                           bool squeeze = true) {
  RefOutput out;
  // §2.2: squeeze a trailing 1 of the operand that is one rank higher; never expand.
  if (!squeeze) {
  } else if (p_shape.size() == t_shape.size() + 1 && p_shape.back() == 1) {
    p_shape.pop_back();
  } else if (t_shape.size() == p_shape.size() + 1 && t_shape.back() == 1) {
    t_shape.pop_back();
  }
  std::vector<bool> reduced_t, reduced_p, reduced_b;
  if (!RefAxes(axes, t_shape.size(), &reduced_t)) return out;
  if (!RefAxes(axes, p_shape.size(), &reduced_p)) return out;
  const std::vector<LD> tn = RefNormalise(t, t_shape, reduced_t, eps);
  const std::vector<LD> pn = RefNormalise(p, p_shape, reduced_p, eps);
  Shape b_shape;
  if (!RefBroadcast(t_shape, p_shape, &b_shape)) return out;
  if (!RefAxes(axes, b_shape.size(), &reduced_b)) return out;
  for (std::size_t k = 0; k < b_shape.size(); ++k) {
    if (!reduced_b[k]) out.shape.push_back(b_shape[k]);
  }
  out.values.assign(static_cast<std::size_t>(Numel(out.shape)), 0.0L);
  out.scales.assign(out.values.size(), 0.0L);
  for (std::int64_t flat = 0; flat < Numel(b_shape); ++flat) {
    const std::vector<std::int64_t> index = Unravel(flat, b_shape);
    const LD prod = tn[static_cast<std::size_t>(BroadcastOffset(index, t_shape))] *
                    pn[static_cast<std::size_t>(BroadcastOffset(index, p_shape))];
    std::int64_t o = 0;
    for (std::size_t k = 0; k < b_shape.size(); ++k) {
      if (!reduced_b[k]) o = o * b_shape[k] + index[k];
    }
    out.values[static_cast<std::size_t>(o)] += prod;
    out.scales[static_cast<std::size_t>(o)] += std::fabs(prod);
  }
  out.ok = true;
  return out;
}

// The loss: -cos * w (rank-adjusted per §3.2 and broadcast), then the reduction.
inline RefOutput RefLoss(const HostTensor& y_true, const HostTensor& y_pred,
                         const HostTensor* weight, const Axes& axes, Reduction reduction,
                         DType dtype, bool squeeze = true) {
  const RefOutput cos = RefCosine(y_true.shape(), y_true.Ref(), y_pred.shape(), y_pred.Ref(), axes,
                                  RefEpsilon(dtype), squeeze);
  RefOutput out;
  if (!cos.ok) return out;
  Shape w_shape;
  std::vector<LD> w{1.0L};
  if (weight != nullptr) {
    w_shape = weight->shape();
    w = weight->Ref();
  }
  if (!w_shape.empty()) {
    if (w_shape.size() == cos.shape.size() + 1) {
      if (w_shape.back() != 1) return out;
      w_shape.pop_back();
    } else if (cos.shape.size() == w_shape.size() + 1) {
      w_shape.push_back(1);
    }
  }
  Shape shape;
  if (!RefBroadcast(cos.shape, w_shape, &shape)) return out;
  const std::size_t count = static_cast<std::size_t>(Numel(shape));
  std::vector<LD> values(count), scales(count);
  for (std::size_t flat = 0; flat < count; ++flat) {
    const std::vector<std::int64_t> index = Unravel(static_cast<std::int64_t>(flat), shape);
    const std::size_t li = static_cast<std::size_t>(BroadcastOffset(index, cos.shape));
    const LD wi = w[static_cast<std::size_t>(BroadcastOffset(index, w_shape))];
    values[flat] = -cos.values[li] * wi;
    scales[flat] = std::fabs(wi) * (1.0L + cos.scales[li]);
  }
  out.ok = true;
  if (reduction == Reduction::kNone) {
    out.shape = shape;
    out.values = std::move(values);
    out.scales = std::move(scales);
    return out;
  }
  LD sum = 0, scale = 0;
  for (std::size_t i = 0; i < count; ++i) {
    sum += values[i];
    scale += scales[i];
  }
  if (reduction != Reduction::kSum) {  // divide_no_nan(sum, numel)
    sum = count == 0 ? 0.0L : sum / static_cast<LD>(count);
    scale = count == 0 ? 0.0L : scale / static_cast<LD>(count);
  }
  out.values = {sum};
  out.scales = {scale};
  return out;
}

// The gradient of -Σ cos (Keras 2's 'sum' of the unweighted losses, no rank rule: the shapes are
// given as the core plans them) with respect to y_true (`wrt_true`) or y_pred, of that operand's
// shape. With x̂ = x s, s = 1/sqrt(max(ss, eps)) per key of the operand's own axes and
// G = d(-Σ cos)/dx̂ = -Σ (the other operand's x̂ over the broadcast elements reading x):
//   dx = s G - s³ x (G·x)   where ss >= eps (TF's Maximum sends the gradient to ss there),
//   dx = s G                below the floor (s is a constant).
inline std::vector<LD> RefSumLossGradient(const Shape& t_shape, const std::vector<LD>& t,
                                          const Shape& p_shape, const std::vector<LD>& p,
                                          const Axes& axes, LD eps, bool wrt_true) {
  std::vector<bool> reduced_t, reduced_p, reduced_b;
  Shape b_shape;
  if (!RefAxes(axes, t_shape.size(), &reduced_t) || !RefAxes(axes, p_shape.size(), &reduced_p) ||
      !RefBroadcast(t_shape, p_shape, &b_shape) || !RefAxes(axes, b_shape.size(), &reduced_b)) {
    ADD_FAILURE() << "test bug: the reference rejects this case";
    return {};
  }
  const Shape& x_shape = wrt_true ? t_shape : p_shape;
  const std::vector<LD>& x = wrt_true ? t : p;
  const std::vector<bool>& reduced_x = wrt_true ? reduced_t : reduced_p;
  const std::vector<LD> other_hat = wrt_true ? RefNormalise(p, p_shape, reduced_p, eps)
                                             : RefNormalise(t, t_shape, reduced_t, eps);
  const Shape& other_shape = wrt_true ? p_shape : t_shape;
  std::vector<LD> g(x.size(), 0.0L);
  for (std::int64_t flat = 0; flat < Numel(b_shape); ++flat) {
    const std::vector<std::int64_t> index = Unravel(flat, b_shape);
    g[static_cast<std::size_t>(BroadcastOffset(index, x_shape))] -=
        other_hat[static_cast<std::size_t>(BroadcastOffset(index, other_shape))];
  }
  Shape key_shape = x_shape;
  for (std::size_t k = 0; k < x_shape.size(); ++k) {
    if (reduced_x[k]) key_shape[k] = 1;
  }
  std::vector<LD> ss(static_cast<std::size_t>(Numel(key_shape)), 0.0L), gx(ss.size(), 0.0L);
  for (std::int64_t flat = 0; flat < Numel(x_shape); ++flat) {
    const auto key = static_cast<std::size_t>(BroadcastOffset(Unravel(flat, x_shape), key_shape));
    const LD v = x[static_cast<std::size_t>(flat)];
    ss[key] += v * v;
    gx[key] += g[static_cast<std::size_t>(flat)] * v;
  }
  std::vector<LD> dx(x.size());
  for (std::int64_t flat = 0; flat < Numel(x_shape); ++flat) {
    const auto key = static_cast<std::size_t>(BroadcastOffset(Unravel(flat, x_shape), key_shape));
    const LD s = 1.0L / std::sqrt(ss[key] < eps ? eps : ss[key]);
    const auto i = static_cast<std::size_t>(flat);
    dx[i] = s * g[i] - (ss[key] >= eps ? s * s * s * x[i] * gx[key] : 0.0L);
  }
  return dx;
}

}  // namespace reference
}  // namespace cossim

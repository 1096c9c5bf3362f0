// A slow, plain reference of Keras's CosineSimilarity for the fuzz harness, in long double and
// written from the formula (keras-semantics.md §1-§3, §9 and the contracts in the core's headers),
// never from the core's code: every value is a loop over multi-indices of the broadcast shape.
//
// Besides each value it returns a magnitude M (the same sum with every term replaced by its
// absolute value), so the harness can bound the core's error by tol * M: a kernel's rounding error
// is relative to the sum of |terms| it adds, not to the (possibly cancelled) result.
//
// Scope: shapes of at most kMaxRefElements elements (the harness skips the reference otherwise).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "cossim/cosine_similarity.h"
#include "cossim/metric.h"

namespace cossim_fuzz {

using cossim::DType;
using cossim::Flavor;
using cossim::Reduction;
using cossim::Shape;
using LD = long double;

inline constexpr std::int64_t kMaxRefElements = 1 << 14;

// Element count; a shape with a zero dim has none, whatever its other dims (never multiplied).
inline std::int64_t count(const Shape& s) {
  for (auto d : s)
    if (d == 0) return 0;
  std::int64_t n = 1;
  for (auto d : s) n *= d;
  return n;
}

// Multi-index helpers: element `flat` of `shape` as an index, and the flat offset of that index
// in a shape that broadcasts to it (aligned on the right, dims of size 1 read index 0).
inline std::vector<std::int64_t> unflatten(std::int64_t flat, const Shape& shape) {
  std::vector<std::int64_t> idx(shape.size());
  for (std::size_t i = shape.size(); i-- > 0;) {
    idx[i] = flat % shape[i];
    flat /= shape[i];
  }
  return idx;
}
inline std::int64_t offset_in(const Shape& s, const std::vector<std::int64_t>& idx) {
  std::int64_t off = 0;
  const std::size_t shift = idx.size() - s.size();
  for (std::size_t i = 0; i < s.size(); ++i) off = off * s[i] + (s[i] == 1 ? 0 : idx[i + shift]);
  return off;
}

inline bool numpy_broadcast(const Shape& a, const Shape& b, Shape* out) {
  const std::size_t r = a.size() > b.size() ? a.size() : b.size();
  out->assign(r, 1);
  for (std::size_t j = 0; j < r; ++j) {
    const std::int64_t da = j < r - a.size() ? 1 : a[j - (r - a.size())];
    const std::int64_t db = j < r - b.size() ? 1 : b[j - (r - b.size())];
    if (da != db && da != 1 && db != 1) return false;
    (*out)[j] = da == 1 ? db : da;
  }
  return true;
}

// Axes against a rank: negatives from the end; out of range or repeated -> false.
inline bool resolve(const std::vector<std::int64_t>& axes, std::size_t rank,
                    std::vector<bool>* is) {
  is->assign(rank, false);
  for (auto a : axes) {
    const std::int64_t r = a < 0 ? a + static_cast<std::int64_t>(rank) : a;
    if (r < 0 || r >= static_cast<std::int64_t>(rank) || (*is)[r]) return false;
    (*is)[r] = true;
  }
  return true;
}

// Keras 2.9 squeeze rule (losses_utils.squeeze_or_expand_dimensions, static ranks).
inline void keras2_squeeze(Shape* t, Shape* p) {
  if (p->size() == t->size() + 1 && p->back() == 1) {
    p->pop_back();
  } else if (t->size() == p->size() + 1 && t->back() == 1) {
    t->pop_back();
  }
}
// Keras 3 squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True).
inline void keras3_same_rank(Shape* x1, Shape* x2) {
  if (x1->size() == x2->size() + 1 && x1->back() == 1) {
    if (x2->size() == 1) {
      x2->push_back(1);
    } else {
      x1->pop_back();
    }
  } else if (x2->size() == x1->size() + 1 && x2->back() == 1) {
    if (x1->size() == 1) {
      x1->push_back(1);
    } else {
      x2->pop_back();
    }
  }
}

inline LD ref_eps(DType dt, Flavor f) {
  if (f == Flavor::kKeras3) return 1e-14L;
  return dt == DType::kFloat64 ? 1e-12L : static_cast<LD>(1e-12f);
}
// rsqrt(max(ss, eps)) with TF's Maximum: NaN stays NaN.
inline LD ref_inv(LD ss, LD eps) {
  return std::isnan(ss) ? ss : 1.0L / std::sqrt(ss < eps ? eps : ss);
}

// l2 normalisation of x over `axes` (own rank): the scale of each element's row, and the row's
// sum of squares (for the gradient's mask). `near_eps` is set when some row's sum of squares is
// so close to eps that a rounding in the core could land it on the other side of the floor.
struct Normalised {
  std::vector<LD> scale, ss;
};
inline Normalised normalise(const std::vector<double>& x, const Shape& shape,
                            const std::vector<bool>& axis, LD eps, bool* near_eps) {
  Shape keep = shape;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (axis[i]) keep[i] = 1;
  const std::int64_t n = count(shape);
  std::vector<LD> row_ss(static_cast<std::size_t>(count(keep)), 0.0L);
  std::vector<std::int64_t> row(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    row[i] = offset_in(keep, unflatten(i, shape));
    row_ss[row[i]] += static_cast<LD>(x[i]) * x[i];
  }
  for (LD ss : row_ss) {
    if (std::fabs(ss - eps) <= 1e-3L * eps) *near_eps = true;
  }
  Normalised out;
  out.scale.resize(static_cast<std::size_t>(n));
  out.ss.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    out.ss[i] = row_ss[row[i]];
    out.scale[i] = ref_inv(row_ss[row[i]], eps);
  }
  return out;
}

struct RefTensor {
  Shape shape;
  std::vector<double> v;  // exact values of the dtype
};

// The per-sample cosine: shapes after the rank rule, and for each broadcast element the sample
// it adds to and its t / p element.
struct RefCosine {
  bool ok = false;
  bool covered = true;  // false: too large for the reference (not a verdict on the input)
  bool near_eps = false;
  Shape t_shape, p_shape, b_shape, per_sample;
  std::vector<LD> cos, mag;                 // per sample
  Normalised nt, np;                        // per element of t, p
  std::vector<std::int64_t> b_t, b_p, b_s;  // per broadcast element
};

inline RefCosine ref_cosine(const RefTensor& t, const RefTensor& p,
                            const std::vector<std::int64_t>& axes, DType dt, Flavor flavor) {
  RefCosine r;
  r.t_shape = t.shape;
  r.p_shape = p.shape;
  if (flavor == Flavor::kKeras3) {
    keras3_same_rank(&r.t_shape, &r.p_shape);
    if (r.t_shape.empty()) r.t_shape = {1};  // ops.nn._normalize expands a scalar
    if (r.p_shape.empty()) r.p_shape = {1};
  } else {
    keras2_squeeze(&r.t_shape, &r.p_shape);
  }
  std::vector<bool> at, ap, ab;
  if (!resolve(axes, r.t_shape.size(), &at) || !resolve(axes, r.p_shape.size(), &ap)) return r;
  if (!numpy_broadcast(r.t_shape, r.p_shape, &r.b_shape)) return r;
  if (!resolve(axes, r.b_shape.size(), &ab)) return r;
  if (count(r.b_shape) > kMaxRefElements) {
    r.covered = false;
    return r;
  }
  const LD eps = ref_eps(dt, flavor);
  r.nt = normalise(t.v, r.t_shape, at, eps, &r.near_eps);
  r.np = normalise(p.v, r.p_shape, ap, eps, &r.near_eps);
  for (std::size_t i = 0; i < r.b_shape.size(); ++i)
    if (!ab[i]) r.per_sample.push_back(r.b_shape[i]);
  Shape keep = r.b_shape;
  for (std::size_t i = 0; i < keep.size(); ++i)
    if (ab[i]) keep[i] = 1;
  const std::int64_t ns = count(r.per_sample), nb = count(r.b_shape);
  r.cos.assign(static_cast<std::size_t>(ns), 0.0L);
  r.mag.assign(static_cast<std::size_t>(ns), 0.0L);
  for (std::int64_t b = 0; b < nb; ++b) {
    const auto idx = unflatten(b, r.b_shape);
    const std::int64_t i = offset_in(r.t_shape, idx), j = offset_in(r.p_shape, idx);
    const std::int64_t s = offset_in(keep, idx);  // keep's layout equals per_sample's
    const LD term = (t.v[i] * r.nt.scale[i]) * (p.v[j] * r.np.scale[j]);
    r.cos[s] += term;
    r.mag[s] += std::fabs(term);
    r.b_t.push_back(i);
    r.b_p.push_back(j);
    r.b_s.push_back(s);
  }
  r.ok = true;
  return r;
}

// The loss output (CosineSimilarity::call) and, when asked, the gradients.
struct RefLoss {
  bool ok = false;
  bool covered = true;
  Shape shape;
  std::vector<LD> value, mag;
  bool grad_ok = false;        // dy had an acceptable shape
  bool empty_product = false;  // y_true * y_pred has no element
  std::vector<LD> gt, gt_mag, gp, gp_mag;
};

// d(loss)/dx for one operand given G = d(output)/d(x̂) per element (and |G|'s bound Ga):
// dx = s G - s^3 (G . x) x [ss >= eps] over each normalisation row.
inline void normalisation_backward(const std::vector<double>& x, const Shape& shape,
                                   const std::vector<bool>& axis, const Normalised& n, LD eps,
                                   const std::vector<LD>& G, const std::vector<LD>& Ga,
                                   std::vector<LD>* g, std::vector<LD>* gm) {
  Shape keep = shape;
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (axis[i]) keep[i] = 1;
  const std::int64_t len = count(shape);
  std::vector<LD> gx(static_cast<std::size_t>(count(keep)), 0.0L), gxa(gx.size(), 0.0L);
  std::vector<std::int64_t> row(static_cast<std::size_t>(len));
  for (std::int64_t i = 0; i < len; ++i) {
    row[i] = offset_in(keep, unflatten(i, shape));
    gx[row[i]] += G[i] * x[i];
    gxa[row[i]] += Ga[i] * std::fabs(static_cast<LD>(x[i]));
  }
  g->resize(static_cast<std::size_t>(len));
  gm->resize(static_cast<std::size_t>(len));
  for (std::int64_t i = 0; i < len; ++i) {
    const LD s = n.scale[i];
    const LD mask = n.ss[i] >= eps ? 1.0L : 0.0L;
    (*g)[i] = s * G[i] - s * s * s * gx[row[i]] * x[i] * mask;
    (*gm)[i] = std::fabs(s) * Ga[i] + std::fabs(s * s * s) * gxa[row[i]] * std::fabs(x[i]) * mask;
  }
}

inline RefLoss ref_loss(const RefTensor& t, const RefTensor& p, const RefTensor* w,
                        const RefTensor* dy, const std::vector<std::int64_t>& axes,
                        Reduction reduction, DType dt, Flavor flavor) {
  RefLoss out;
  RefCosine c = ref_cosine(t, p, axes, dt, flavor);
  out.covered = c.covered;
  if (!c.ok) return out;
  // Weight rank rule, then the broadcast of losses * weight.
  Shape losses = c.per_sample, ws, full = c.per_sample;
  if (w) {
    ws = w->shape;
    if (flavor == Flavor::kKeras3) {
      keras3_same_rank(&losses, &ws);
    } else if (!ws.empty()) {
      if (ws.size() == losses.size() + 1) {
        if (ws.back() != 1) return out;  // "Can not squeeze dim"
        ws.pop_back();
      } else if (losses.size() == ws.size() + 1) {
        ws.push_back(1);
      }
    }
    if (!numpy_broadcast(losses, ws, &full)) return out;
    if (count(full) > kMaxRefElements) {
      out.covered = false;
      return out;
    }
  }
  const std::int64_t n = count(full);
  std::vector<std::int64_t> e_loss(static_cast<std::size_t>(n)), e_w(static_cast<std::size_t>(n));
  std::vector<LD> val(static_cast<std::size_t>(n)), mag(static_cast<std::size_t>(n));
  for (std::int64_t e = 0; e < n; ++e) {
    const auto idx = unflatten(e, full);
    e_loss[e] = offset_in(losses, idx);
    e_w[e] = w ? offset_in(ws, idx) : 0;
    const LD wv = w ? static_cast<LD>(w->v[e_w[e]]) : 1.0L;
    val[e] = -c.cos[e_loss[e]] * wv;
    mag[e] = c.mag[e_loss[e]] * std::fabs(wv);
  }
  const bool pass = reduction == Reduction::kNone ||
                    (flavor == Flavor::kKeras3 && (full.empty() || full == Shape{0}));
  LD divisor = 1.0L;  // the reduction's denominator (0 -> divide_no_nan gives 0)
  if (!pass && reduction != Reduction::kSum) {
    divisor = static_cast<LD>(n);
    if (reduction == Reduction::kMeanWithSampleWeight && w) {
      divisor = 0.0L;
      for (double x : w->v) divisor += x;
    }
  }
  if (pass) {
    out.shape = full;
    out.value = val;
    out.mag = mag;
  } else {
    LD s = 0, m = 0;
    for (std::int64_t e = 0; e < n; ++e) {
      s += val[e];
      m += mag[e];
    }
    out.shape = {};
    out.value = {divisor == 0 ? 0.0L : s / divisor};
    out.mag = {divisor == 0 ? 0.0L : m / std::fabs(divisor)};
  }
  out.ok = true;

  // Gradient: h[s] = d(output . dy)/d(cos[s]).
  if (dy) {
    if (pass ? dy->shape != full : count(dy->shape) != 1) return out;
  }
  out.grad_ok = true;
  const std::int64_t ns = count(c.per_sample);
  std::vector<LD> h(static_cast<std::size_t>(ns), 0.0L), ha(h.size(), 0.0L);
  for (std::int64_t e = 0; e < n; ++e) {
    LD up = pass ? (dy ? static_cast<LD>(dy->v[e]) : 1.0L)
                 : (divisor == 0 ? 0.0L : (dy ? static_cast<LD>(dy->v[0]) : 1.0L) / divisor);
    const LD wv = w ? static_cast<LD>(w->v[e_w[e]]) : 1.0L;
    h[e_loss[e]] -= up * wv;
    ha[e_loss[e]] += std::fabs(up * wv);
  }
  const LD eps = ref_eps(dt, flavor);
  std::vector<LD> Gt(t.v.size(), 0.0L), Gta(Gt.size(), 0.0L), Gp(p.v.size(), 0.0L),
      Gpa(Gp.size(), 0.0L);
  for (std::size_t b = 0; b < c.b_s.size(); ++b) {
    const std::int64_t i = c.b_t[b], j = c.b_p[b], s = c.b_s[b];
    const LD tn = t.v[i] * c.nt.scale[i], pn = p.v[j] * c.np.scale[j];
    Gt[i] += h[s] * pn;
    Gta[i] += ha[s] * std::fabs(pn);
    Gp[j] += h[s] * tn;
    Gpa[j] += ha[s] * std::fabs(tn);
  }
  std::vector<bool> at, ap;
  resolve(axes, c.t_shape.size(), &at);
  resolve(axes, c.p_shape.size(), &ap);
  out.empty_product = c.b_s.empty();
  if (c.b_s.empty()) {
    // An empty product: no element of either operand reaches an output, so nothing flows back
    // (the gradient is a sum over no samples, 0), even where an input is NaN or Inf.
    out.gt.assign(t.v.size(), 0.0L);
    out.gt_mag.assign(t.v.size(), 0.0L);
    out.gp.assign(p.v.size(), 0.0L);
    out.gp_mag.assign(p.v.size(), 0.0L);
    return out;
  }
  normalisation_backward(t.v, c.t_shape, at, c.nt, eps, Gt, Gta, &out.gt, &out.gt_mag);
  normalisation_backward(p.v, c.p_shape, ap, c.np, eps, Gp, Gpa, &out.gp, &out.gp_mag);
  if (c.near_eps) out.grad_ok = false;  // the mask could flip on a rounding
  return out;
}

// The metric's (Δtotal, Δcount), following metric.h's description of Keras 2.9 and Keras 3.
struct RefMetric {
  bool ok = false;
  bool covered = true;
  LD total = 0, count = 0, total_mag = 0, count_mag = 0;
};

// Means of consecutive blocks (the mean over trailing axes); an empty block's mean is NaN.
inline void block_means(std::vector<LD>* v, std::vector<LD>* m, std::int64_t outer,
                        std::int64_t inner) {
  std::vector<LD> a(static_cast<std::size_t>(outer)), b(a.size());
  for (std::int64_t i = 0; i < outer; ++i) {
    LD s = 0, sm = 0;
    for (std::int64_t j = 0; j < inner; ++j) {
      s += (*v)[i * inner + j];
      sm += (*m)[i * inner + j];
    }
    a[i] = s / static_cast<LD>(inner);
    b[i] = sm / static_cast<LD>(inner);
  }
  *v = a;
  *m = b;
}

inline RefMetric ref_metric(const RefTensor& t, const RefTensor& p, const RefTensor* w,
                            const std::vector<std::int64_t>& axes, DType dt, Flavor flavor) {
  RefMetric out;
  RefCosine c = ref_cosine(t, p, axes, dt, flavor);
  out.covered = c.covered;
  if (!c.ok) return out;
  std::vector<LD> v = c.cos, vm = c.mag;
  Shape vs = c.per_sample;
  auto product = [](const Shape& s, std::size_t from) {
    std::int64_t n = 1;
    for (std::size_t i = from; i < s.size(); ++i) n *= s[i];
    return n;
  };
  if (flavor == Flavor::kKeras2) {
    if (!w) {
      for (std::size_t i = 0; i < v.size(); ++i) {
        out.total += v[i];
        out.total_mag += vm[i];
      }
      out.count = static_cast<LD>(v.size());
      out.ok = true;
      return out;
    }
    Shape ws = w->shape;
    if (!ws.empty()) {
      if (ws.size() == vs.size() + 1) {
        if (ws.back() != 1) return out;
        ws.pop_back();
      } else if (vs.size() == ws.size() + 1) {
        ws.push_back(1);
      }
    }
    bool plain = ws.empty();
    if (ws.size() == vs.size()) {
      plain = true;
      for (std::size_t i = 0; i < ws.size(); ++i) plain = plain && (ws[i] == 1 || ws[i] == vs[i]);
    }
    if (plain) {  // weights materialised to the values' shape
      for (std::int64_t e = 0; e < count(vs); ++e) {
        const LD wv = w->v[offset_in(ws, unflatten(e, vs))];
        out.total += v[e] * wv;
        out.total_mag += vm[e] * std::fabs(wv);
        out.count += wv;
        out.count_mag += std::fabs(wv);
      }
      out.ok = true;
      return out;
    }
    if (ws.size() < vs.size()) {
      Shape reduced(vs.begin(), vs.begin() + static_cast<std::ptrdiff_t>(ws.size()));
      block_means(&v, &vm, count(reduced), product(vs, ws.size()));
      vs = reduced;
    }
    Shape full;
    if (!numpy_broadcast(vs, ws, &full)) return out;
    if (count(full) > kMaxRefElements) {
      out.covered = false;
      return out;
    }
    for (std::int64_t e = 0; e < count(full); ++e) {
      const auto idx = unflatten(e, full);
      const LD wv = w->v[offset_in(ws, idx)];
      out.total += v[offset_in(vs, idx)] * wv;
      out.total_mag += vm[offset_in(vs, idx)] * std::fabs(wv);
    }
    for (double x : w->v) {
      out.count += x;
      out.count_mag += std::fabs(x);
    }
    out.ok = true;
    return out;
  }
  // Keras 3.
  if (!w) {
    const std::int64_t samples = vs.empty() ? 1 : vs[0];
    if (vs.size() > 1) block_means(&v, &vm, samples, product(vs, 1));
    for (std::size_t i = 0; i < v.size(); ++i) {
      out.total += v[i];
      out.total_mag += vm[i];
    }
    out.count = static_cast<LD>(samples);
    out.ok = true;
    return out;
  }
  Shape ws = w->shape;
  keras3_same_rank(&vs, &ws);
  const std::size_t k = ws.size();
  if (vs.size() > k) {
    Shape reduced(vs.begin(), vs.begin() + static_cast<std::ptrdiff_t>(k));
    block_means(&v, &vm, count(reduced), product(vs, k));
    vs = reduced;
  }
  Shape full;
  if (!numpy_broadcast(ws, vs, &full) || full != vs) return out;
  const std::int64_t n = count(vs);
  std::vector<LD> vw(static_cast<std::size_t>(n)), vwm(vw.size()), wb(vw.size()), wbm(vw.size());
  for (std::int64_t e = 0; e < n; ++e) {
    const LD wv = w->v[offset_in(ws, unflatten(e, vs))];
    vw[e] = v[e] * wv;
    vwm[e] = vm[e] * std::fabs(wv);
    wb[e] = wv;
    wbm[e] = std::fabs(wv);
  }
  const std::int64_t samples = vs.empty() ? 1 : vs[0];
  if (k > 1) block_means(&wb, &wbm, samples, product(vs, 1));
  if (vs.size() > 1) block_means(&vw, &vwm, samples, product(vs, 1));
  for (std::size_t i = 0; i < vw.size(); ++i) {
    out.total += vw[i];
    out.total_mag += vwm[i];
  }
  for (std::size_t i = 0; i < wb.size(); ++i) {
    out.count += wb[i];
    out.count_mag += wbm[i];
  }
  out.ok = true;
  return out;
}

// cos(a, b) of two rows with the loss's Keras 2 epsilon, and its magnitude.
inline void ref_row_cosine(const double* a, const double* b, std::int64_t d, DType dt, LD* cos,
                           LD* mag) {
  LD dot = 0, dabs = 0, sa = 0, sb = 0;
  for (std::int64_t i = 0; i < d; ++i) {
    dot += static_cast<LD>(a[i]) * b[i];
    dabs += std::fabs(static_cast<LD>(a[i]) * b[i]);
    sa += static_cast<LD>(a[i]) * a[i];
    sb += static_cast<LD>(b[i]) * b[i];
  }
  const LD eps = ref_eps(dt, Flavor::kKeras2);
  const LD ia = ref_inv(sa, eps), ib = ref_inv(sb, eps);
  *cos = dot * ia * ib;
  *mag = dabs * ia * ib;
}

}  // namespace cossim_fuzz

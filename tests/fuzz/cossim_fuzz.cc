// libFuzzer harness over the core's public entry points: CosineSimilarity::call, ::gradient,
// ::similarity, cosine_metric_update (both flavours), pairwise_cosine, top_k_cosine and
// parse_reduction. Built with -fsanitize=fuzzer,address,undefined (CMake option COSSIM_FUZZ).
//
// Invariants, per input:
// * no crash, no sanitizer report; every workspace allocation starts filled with 0xFF bytes (NaN
//   as float and double, see __asan_default_options), so an output the core never writes shows up
//   as NaN instead of as a plausible stale value;
// * every kernel set returns the same status (code and message) and output shape, and values
//   within tol * M of the reference (so within 2 tol * M of each other);
// * on cases the reference covers (every operand at most kMaxRefElements, no huge dim), the core
//   succeeds exactly when the reference does, and every value is within tol * M, where M is the
//   sum of the absolute values of the terms (reference.h) and tol is derived from the kernels'
//   contracts (kernels.h, search.h): float32 SIMD128 sums carry at most 64 * 2^-24 relative error
//   of their Σ|terms| (f32x4 lanes flushed every 256 elements), the rsqrt of a sum half of that,
//   and a value is a product of at most three such factors (gradients: c·t + β·p with
//   β = c·dot·s², ≤ 192 * 2^-24 * M ≈ 1.1e-5 M): tol = 2e-5 for float32; float64 sums carry
//   about (d + 16) * 2^-53 relative: tol = 1e-12 (rows up to ~1e3 elements here). Results are
//   rounded to the dtype once: + 2^-24 |ref| (float32) or 2^-52 |ref| (float64).
// * repeating the call on the same workspace returns bitwise the same outputs (the plan cache).
//
// Environment (read once):
//   COSSIM_FUZZ_HUGE_DIMS=1   also generate dims up to INT64_MAX (in empty or over-large shapes).
//   COSSIM_FUZZ_AVOID_KNOWN=1 skip the checks that today's core fails for the known defects of
//                             issue 8 (item 4: the gradient of an operand broadcast against an
//                             empty batch is never written).
// The CI run (scripts/test.mjs) sets COSSIM_FUZZ_AVOID_KNOWN=1 and leaves huge dims off until the
// core's fixes for items 4, 6, 7 and 10 are merged; see tests/fuzz/README.md.
#include <cinttypes>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "cossim/cosine_similarity.h"
#include "cossim/kernels.h"
#include "cossim/metric.h"
#include "cossim/search.h"
#include "fuzz_input.h"
#include "reference.h"

using namespace cossim;       // NOLINT: a test harness over one namespace
using namespace cossim_fuzz;  // NOLINT

extern "C" const char* __asan_default_options() {
  // Fresh allocations filled with 0xFF (NaN); an allocation over 1 GiB returns null (the core
  // reports OutOfMemory) instead of aborting, so only sizes the output does not justify fail.
  return "malloc_fill_byte=255:max_malloc_fill_size=16777216:allocator_may_return_null=1:"
         "max_allocation_size_mb=1024";
}

namespace {

// The kernel sets under test: every registered set, baseline first (the one registry).
struct KernelsUnderTest {
  const char* name;
  const KernelSet* loss;
  const KernelSet* search;
};
const std::vector<KernelsUnderTest>& kernel_sets() {
  static const std::vector<KernelsUnderTest> sets = [] {
    std::vector<KernelsUnderTest> v;
    for (const KernelSet* k : all_kernel_sets()) v.push_back({k->name, k, k});
    return v;
  }();
  return sets;
}

Options g_options;
bool g_avoid_known = false;

std::string shape_text(const Shape& s) { return shape_to_string(s); }

std::string describe(const Case& c) {
  static const char* const kOps[] = {"call",     "gradient", "similarity",     "metric",
                                     "pairwise", "top_k",    "parse_reduction"};
  std::string s = std::string("op=") + kOps[static_cast<int>(c.op)] +
                  " dtype=" + (c.dtype == DType::kFloat64 ? "float64" : "float32") +
                  " flavor=" + (c.flavor == Flavor::kKeras3 ? "keras3" : "keras2");
  if (c.op == Op::kParseReduction) return s + " key='" + c.reduction_key + "'";
  s += " t=" + shape_text(c.t.shape) + " p=" + shape_text(c.p.shape);
  if (c.op == Op::kPairwise || c.op == Op::kTopK) return s + " k=" + int_to_string(c.k);
  s += std::string(" reduction=") + reduction_key(c.reduction) + " axes=" + shape_text(c.axes);
  if (c.has_w) s += " w=" + shape_text(c.w.shape);
  if (c.op == Op::kGradient) {
    s += std::string(" wrt=") + (c.wrt_t ? "t" : "") + (c.wrt_p ? "p" : "");
    if (c.has_dy) s += " dy=" + shape_text(c.dy.shape);
  }
  return s;
}

const Case* g_case = nullptr;

void print_values(const Case& c) {
  const std::pair<const char*, const Operand*> ops[] = {{"t", &c.t},
                                                        {"p", &c.p},
                                                        {"w", c.has_w ? &c.w : nullptr},
                                                        {"dy", c.has_dy ? &c.dy : nullptr}};
  for (const auto& [name, o] : ops) {
    if (!o) continue;
    std::fprintf(stderr, "***   %s =", name);
    for (std::size_t i = 0; i < o->v.size() && i < 24; ++i) std::fprintf(stderr, " %.9g", o->v[i]);
    std::fprintf(stderr, "%s\n", o->v.size() > 24 ? " ..." : "");
  }
}

[[noreturn]] __attribute__((format(printf, 1, 2))) void fail(const char* fmt, ...) {
  std::fprintf(stderr, "\n*** cossim_fuzz invariant violated: ");
  va_list args;
  va_start(args, fmt);
  std::vfprintf(stderr, fmt, args);
  va_end(args);
  std::fprintf(stderr, "\n*** case: %s\n", g_case ? describe(*g_case).c_str() : "?");
  if (g_case) print_values(*g_case);
  std::abort();
}

// An operand's data at exactly its size (a zero-size allocation for an empty one, or null).
struct Storage {
  std::unique_ptr<float[]> f;
  std::unique_ptr<double[]> d;
  TensorView view;
};
std::unique_ptr<Storage> store(const Operand& o, DType dtype) {
  auto s = std::make_unique<Storage>();
  s->view.dtype = dtype;
  s->view.shape = o.shape;
  const std::size_t n = o.v.size();
  if (dtype == DType::kFloat32) {
    s->f.reset(new float[n]);
    for (std::size_t i = 0; i < n; ++i) s->f[i] = static_cast<float>(o.v[i]);
    s->view.data = s->f.get();
  } else {
    s->d.reset(new double[n]);
    for (std::size_t i = 0; i < n; ++i) s->d[i] = o.v[i];
    s->view.data = s->d.get();
  }
  if (o.null_data) s->view.data = nullptr;
  return s;
}

// Outputs are copied out up to this many elements (larger ones, legitimately allocated for huge
// shapes, are compared by shape only: the reference never covers them).
constexpr std::int64_t kMaxReadElements = std::int64_t{1} << 22;

std::vector<double> read(const void* data, const Shape& shape, DType dtype) {
  const std::int64_t n = saturating_count(shape);
  if (n > kMaxReadElements) return {};
  std::vector<double> v(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    v[i] = dtype == DType::kFloat64 ? static_cast<const double*>(data)[i]
                                    : static_cast<const float*>(data)[i];
  }
  return v;
}

LD tolerance(DType dt) { return dt == DType::kFloat64 ? 1e-12L : 2e-5L; }

// |got - ref| <= tol * mag + rounding to the dtype; NaN only where the reference is NaN, Inf only
// where it is the same Inf.
// Where an infinite term entered (an Inf weight, dy or value), which of NaN and ±Inf comes out
// depends on the order of the arithmetic (Inf - Inf), so only "not finite" is required then.
bool close(double got, LD ref, LD mag, DType dt) {
  if (!std::isfinite(mag) && !std::isfinite(ref)) return !std::isfinite(got);
  if (std::isnan(ref)) return std::isnan(got);
  if (std::isinf(ref)) return got == static_cast<double>(ref);
  if (!std::isfinite(got)) return false;
  const LD unit = dt == DType::kFloat64 ? 0x1p-52L : 0x1p-24L;
  const LD floor = dt == DType::kFloat64 ? 1e-300L : 1e-44L;
  return std::fabs(static_cast<LD>(got) - ref) <=
         tolerance(dt) * mag + unit * std::fabs(ref) + floor;
}

void expect_values(const char* what, const char* set, const std::vector<double>& got,
                   const std::vector<LD>& ref, const std::vector<LD>& mag, DType dt) {
  if (got.size() != ref.size()) {
    fail("%s (%s): %zu values, reference %zu", what, set, got.size(), ref.size());
  }
  for (std::size_t i = 0; i < got.size(); ++i) {
    if (!close(got[i], ref[i], mag[i], dt)) {
      fail("%s (%s)[%zu] = %.17g, reference %.17Lg (|terms| %.3Lg, bound %.3Lg)", what, set, i,
           got[i], ref[i], mag[i], tolerance(dt) * mag[i]);
    }
  }
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0);
}

// One run of an entry point with one kernel set: its status and its outputs, copied out.
struct Outcome {
  StatusCode code = StatusCode::kOk;
  std::string message;
  Shape shape;
  std::vector<double> values, grad_t, grad_p, extra;  // extra: metric count, top-k indices
};

void expect_same_status(const Outcome& a, const Outcome& b, const char* set_b) {
  if (a.code != b.code || a.message != b.message) {
    fail("kernel sets disagree on the status: scalar %d '%s', %s %d '%s'", static_cast<int>(a.code),
         a.message.c_str(), set_b, static_cast<int>(b.code), b.message.c_str());
  }
  if (a.code == StatusCode::kOk && a.shape != b.shape) {
    fail("kernel sets disagree on the shape: %s vs %s", shape_text(a.shape).c_str(),
         shape_text(b.shape).c_str());
  }
}

void expect_status_matches_reference(const Outcome& o, bool ref_ok, const char* set) {
  if (o.code == StatusCode::kOutOfMemory || o.code == StatusCode::kTooLarge) return;
  if (ref_ok != (o.code == StatusCode::kOk)) {
    fail("%s: status %d '%s' but the reference %s", set, static_cast<int>(o.code),
         o.message.c_str(), ref_ok ? "succeeds" : "refuses the input");
  }
  if (o.code != StatusCode::kOk && o.message.empty()) fail("%s: an error without a message", set);
}

bool reference_covers(const Case& c) {
  for (const Operand* o : {&c.t, &c.p, &c.w, &c.dy}) {
    if (o->huge || saturating_count(o->shape) > kMaxRefElements) return false;
  }
  return true;
}

RefTensor ref_tensor(const Operand& o) { return RefTensor{o.shape, o.v}; }

// How many elements the outputs of a valid call have, from the shapes alone (saturating; -1 when
// the shapes are invalid). A call that runs out of memory although this is small spends memory
// on something other than its output (issue 8 item 7: empty shapes costing O(their dims)).
std::int64_t output_elements(const Case& c) {
  auto mul = [](std::int64_t a, std::int64_t b) { return saturating_count(Shape{a, b}); };
  auto add = [](std::int64_t a, std::int64_t b) {
    return std::min(a + std::min(b, std::int64_t{1} << 61), std::int64_t{1} << 62);
  };
  // The inputs count too: a shape beyond what memory holds is refused whatever the output.
  std::int64_t inputs = add(saturating_count(c.t.shape), saturating_count(c.p.shape));
  if (c.has_w) inputs = add(inputs, saturating_count(c.w.shape));
  if (c.has_dy) inputs = add(inputs, saturating_count(c.dy.shape));
  const Shape& sa = c.t.shape;
  const Shape& sb = c.p.shape;
  if (c.op == Op::kPairwise) {
    return sa.size() == 2 && sb.size() == 2 ? add(inputs, mul(sa[0], sb[0])) : -1;
  }
  if (c.op == Op::kTopK) {
    if (sb.size() != 2 || sa.empty() || c.k < 0) return -1;
    return add(inputs, mul(sa.size() == 2 ? sa[0] : 1, std::min(c.k, sb[0])));
  }
  Shape t = sa, p = sb, b;
  if (c.flavor == Flavor::kKeras3) {
    keras3_same_rank(&t, &p);
    if (t.empty()) t = {1};
    if (p.empty()) p = {1};
  } else {
    keras2_squeeze(&t, &p);
  }
  std::vector<bool> ab;
  if (!numpy_broadcast(t, p, &b) || !resolve(c.axes, b.size(), &ab)) return -1;
  Shape out;
  for (std::size_t i = 0; i < b.size(); ++i)
    if (!ab[i]) out.push_back(b[i]);
  std::int64_t n = saturating_count(out);
  if (c.has_w && c.op != Op::kMetric) {
    n = mul(n, std::max<std::int64_t>(1, saturating_count(c.w.shape)));
  }
  if (c.has_w && c.op == Op::kMetric) {
    // Both flavours average the values down to the weight's rank (after its rank rule) before
    // broadcasting, and Keras computes those means even when the broadcast then fails: the
    // largest such intermediate (a prefix of the per-sample shape) counts too.
    for (std::size_t k = 1; k <= out.size(); ++k) {
      n = std::max(
          n, saturating_count(Shape(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(k))));
    }
  }
  return add(inputs, n);
}

void expect_memory_justified(const Case& c, const Outcome& o, const char* set) {
  if (o.code != StatusCode::kOutOfMemory && o.code != StatusCode::kTooLarge) return;
  const std::int64_t n = output_elements(c);
  if (n >= 0 && n <= (std::int64_t{1} << 24)) {
    fail("%s: '%s' although inputs and outputs have %" PRId64 " elements", set, o.message.c_str(),
         n);
  }
}

// ---- loss, gradient, similarity, metric ----

Outcome run_loss(const Case& c, const KernelsUnderTest& ks, Workspace* ws, const Storage& t,
                 const Storage& p, const Storage* w, const Storage* dy) {
  const CosineSimilarity loss(c.axes, c.reduction, c.flavor);
  Outcome o;
  Status st;
  const TensorView* wv = w ? &w->view : nullptr;
  if (c.op == Op::kCall || c.op == Op::kSimilarity) {
    Result r;
    st = c.op == Op::kCall ? loss.call(t.view, p.view, wv, *ks.loss, ws, &r)
                           : loss.similarity(t.view, p.view, *ks.loss, ws, &r);
    if (st.ok()) {
      o.shape = r.shape;
      o.values = read(r.data, r.shape, r.dtype);
    }
  } else if (c.op == Op::kGradient) {
    Result r;
    GradientOutput g;
    st = loss.gradient(t.view, p.view, wv, dy ? &dy->view : nullptr, c.wrt_t, c.wrt_p, *ks.loss, ws,
                       &r, &g);
    if (st.ok()) {
      o.shape = r.shape;
      o.values = read(r.data, r.shape, r.dtype);
      if ((g.y_true != nullptr) != c.wrt_t || (g.y_pred != nullptr) != c.wrt_p) {
        fail("%s: gradient pointers do not match wrt", ks.name);
      }
      if (g.y_true) o.grad_t = read(g.y_true, c.t.shape, c.dtype);
      if (g.y_pred) o.grad_p = read(g.y_pred, c.p.shape, c.dtype);
    }
  } else {
    MetricUpdate u;
    st = cosine_metric_update(t.view, p.view, wv, c.axes, c.flavor, *ks.loss, ws, &u);
    if (st.ok()) o.values = {u.total, u.count};
  }
  o.code = st.code();
  o.message = st.message();
  return o;
}

void check_loss(Case& c, Decoder* decoder) {
  auto t = store(c.t, c.dtype), p = store(c.p, c.dtype);
  std::unique_ptr<Storage> w = c.has_w ? store(c.w, c.dtype) : nullptr;
  if (c.op == Op::kGradient && c.has_dy && c.dy_matches) {
    // dy shaped like the loss output (found by a plain call; only the shape is used).
    Workspace probe;
    Result r;
    const CosineSimilarity loss(c.axes, c.reduction, c.flavor);
    if (loss.call(t->view, p->view, w ? &w->view : nullptr, *kernel_sets().front().loss, &probe, &r)
            .ok() &&
        saturating_count(r.shape) <= kMaxDataElements) {
      c.dy.shape = r.shape;
      decoder->fill_dy(&c.dy);
    } else {
      c.has_dy = false;
    }
  }
  std::unique_ptr<Storage> dy = c.has_dy ? store(c.dy, c.dtype) : nullptr;

  std::vector<Outcome> outcomes;
  for (const auto& ks : kernel_sets()) {
    Workspace ws;
    outcomes.push_back(run_loss(c, ks, &ws, *t, *p, w.get(), dy.get()));
    // The same call again on the warm workspace (cached plan, reused buffers): the same bits.
    const Outcome again = run_loss(c, ks, &ws, *t, *p, w.get(), dy.get());
    const Outcome& first = outcomes.back();
    if (again.code != first.code || !same_bits(again.values, first.values) ||
        !same_bits(again.grad_t, first.grad_t) || !same_bits(again.grad_p, first.grad_p)) {
      fail("%s: a repeated call on the same workspace returned something else", ks.name);
    }
  }
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (i > 0) expect_same_status(outcomes[0], outcomes[i], kernel_sets()[i].name);
    expect_memory_justified(c, outcomes[i], kernel_sets()[i].name);
  }
  if (!reference_covers(c)) return;

  const RefTensor rt = ref_tensor(c.t), rp = ref_tensor(c.p), rw = ref_tensor(c.w),
                  rdy = ref_tensor(c.dy);
  const RefTensor* rwp = c.has_w ? &rw : nullptr;
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    const char* set = kernel_sets()[i].name;
    if (c.op == Op::kSimilarity) {
      const RefCosine r = ref_cosine(rt, rp, c.axes, c.dtype, c.flavor);
      if (!r.covered) return;
      expect_status_matches_reference(o, r.ok, set);
      if (!o.values.empty() || r.ok) {
        if (o.shape != r.per_sample)
          fail("similarity shape %s, reference %s", shape_text(o.shape).c_str(),
               shape_text(r.per_sample).c_str());
        expect_values("similarity", set, o.values, r.cos, r.mag, c.dtype);
      }
    } else if (c.op == Op::kMetric) {
      const RefMetric r = ref_metric(rt, rp, rwp, c.axes, c.dtype, c.flavor);
      if (!r.covered) return;
      expect_status_matches_reference(o, r.ok, set);
      if (o.code == StatusCode::kOk) {
        // The core sums in double: its count is within 2^-52 of Σ|w| (compensated sums).
        if (!close(o.values[0], r.total, r.total_mag, c.dtype)) {
          fail("metric total (%s) %.17g, reference %.17Lg (|terms| %.3Lg)", set, o.values[0],
               r.total, r.total_mag);
        }
        if (!close(o.values[1], r.count, r.count_mag, DType::kFloat64)) {
          fail("metric count (%s) %.17g, reference %.17Lg", set, o.values[1], r.count);
        }
      }
    } else {
      const RefLoss r =
          ref_loss(rt, rp, rwp, c.has_dy ? &rdy : nullptr, c.axes, c.reduction, c.dtype, c.flavor);
      if (!r.covered) return;
      const bool ref_ok = c.op == Op::kGradient ? r.ok && r.grad_ok : r.ok;
      // A gradient whose row sits on the epsilon floor is not compared (see reference.h), nor is
      // its status when only the mask rule disqualified it.
      if (c.op == Op::kGradient && r.ok && !r.grad_ok && o.code == StatusCode::kOk) continue;
      expect_status_matches_reference(o, ref_ok, set);
      if (o.code != StatusCode::kOk) continue;
      if (o.shape != r.shape) {
        fail("loss shape (%s) %s, reference %s", set, shape_text(o.shape).c_str(),
             shape_text(r.shape).c_str());
      }
      expect_values("loss", set, o.values, r.value, r.mag, c.dtype);
      if (c.op != Op::kGradient) continue;
      // Known defect (issue 8 item 4): an operand broadcast against an empty batch keeps an
      // unwritten gradient.
      const bool empty_batch = r.empty_product;
      if (c.wrt_t && !(g_avoid_known && empty_batch)) {
        expect_values("d/dy_true", set, o.grad_t, r.gt, r.gt_mag, c.dtype);
      }
      if (c.wrt_p && !(g_avoid_known && empty_batch)) {
        expect_values("d/dy_pred", set, o.grad_p, r.gp, r.gp_mag, c.dtype);
      }
    }
  }
}

// ---- pairwise and top-k ----

Outcome run_search(const Case& c, const KernelsUnderTest& ks, SearchWorkspace* ws, const Storage& a,
                   const Storage& b) {
  Outcome o;
  Status st;
  if (c.op == Op::kPairwise) {
    Result r;
    st = pairwise_cosine(a.view, b.view, *ks.search, ws, &r);
    if (st.ok()) {
      o.shape = r.shape;
      o.values = read(r.data, r.shape, r.dtype);
    }
  } else {
    TopKResult r;
    st = top_k_cosine(a.view, b.view, c.k, *ks.search, ws, &r);
    if (st.ok()) {
      o.shape = r.shape;
      o.values = read(r.values, r.shape, r.dtype);
      for (std::size_t i = 0; i < o.values.size(); ++i) o.extra.push_back(r.indices[i]);
    }
  }
  o.code = st.code();
  o.message = st.message();
  return o;
}

void check_top_k(const Case& c, const Outcome& o, const char* set) {
  const bool batched = c.t.shape.size() == 2;
  const std::int64_t nq = batched ? c.t.shape[0] : 1, n = c.p.shape[0], d = c.p.shape[1];
  const std::int64_t kk = std::min(c.k, n);
  const Shape want = batched ? Shape{nq, kk} : Shape{kk};
  if (o.shape != want) fail("top_k shape (%s) %s", set, shape_text(o.shape).c_str());
  for (std::int64_t q = 0; q < nq; ++q) {
    std::vector<LD> score(static_cast<std::size_t>(n)), mag(score.size());
    for (std::int64_t r = 0; r < n; ++r) {
      ref_row_cosine(c.t.v.data() + q * d, c.p.v.data() + r * d, d, c.dtype, &score[r], &mag[r]);
    }
    std::vector<bool> taken(static_cast<std::size_t>(n), false);
    for (std::int64_t j = 0; j < kk; ++j) {
      const double v = o.values[q * kk + j];
      const auto idx = static_cast<std::int64_t>(o.extra[q * kk + j]);
      if (idx < 0 || idx >= n || taken[idx]) fail("top_k (%s): index %" PRId64, set, idx);
      taken[idx] = true;
      if (!close(v, score[idx], mag[idx], c.dtype)) {
        fail("top_k (%s) q%" PRId64 " #%" PRId64 ": row %" PRId64 " value %.17g, reference %.17Lg",
             set, q, j, idx, v, score[idx]);
      }
      if (j > 0) {  // order: value descending, NaN last, ties by lower index
        const double prev = o.values[q * kk + j - 1];
        const auto pidx = static_cast<std::int64_t>(o.extra[q * kk + j - 1]);
        const bool ordered = std::isnan(v)
                                 ? (!std::isnan(prev) || pidx < idx)
                                 : (!std::isnan(prev) && (prev > v || (prev == v && pidx < idx)));
        if (!ordered) fail("top_k (%s) q%" PRId64 ": #%" PRId64 " out of order", set, q, j);
      }
    }
    // Completeness: no row left out scores above the last one kept (beyond the bounds).
    if (kk == 0) continue;
    const double last = o.values[q * kk + kk - 1];
    const std::int64_t last_idx = o.extra[q * kk + kk - 1];
    for (std::int64_t r = 0; r < n; ++r) {
      if (taken[r] || std::isnan(score[r])) continue;
      if (std::isnan(last)) fail("top_k (%s) q%" PRId64 ": NaN kept over row %" PRId64, set, q, r);
      const LD slack = 2 * tolerance(c.dtype) * (mag[r] + mag[last_idx]);
      if (score[r] > static_cast<LD>(last) + slack + 0x1p-23L * std::fabs(score[r])) {
        fail("top_k (%s) q%" PRId64 ": row %" PRId64 " (%.17Lg) left out, last kept %.17g", set, q,
             r, score[r], last);
      }
    }
  }
}

void check_search(const Case& c) {
  auto a = store(c.t, c.dtype), b = store(c.p, c.dtype);
  std::vector<Outcome> outcomes;
  for (const auto& ks : kernel_sets()) {
    SearchWorkspace ws;
    outcomes.push_back(run_search(c, ks, &ws, *a, *b));
    const Outcome again = run_search(c, ks, &ws, *a, *b);
    if (again.code != outcomes.back().code || !same_bits(again.values, outcomes.back().values) ||
        !same_bits(again.extra, outcomes.back().extra)) {
      fail("%s: a repeated search on the same workspace returned something else", ks.name);
    }
  }
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    if (i > 0) expect_same_status(outcomes[0], outcomes[i], kernel_sets()[i].name);
    expect_memory_justified(c, outcomes[i], kernel_sets()[i].name);
  }
  if (!reference_covers(c)) return;
  const Shape& sa = c.t.shape;
  const Shape& sb = c.p.shape;
  bool ok;
  if (c.op == Op::kPairwise) {
    ok = sa.size() == 2 && sb.size() == 2 && sa[1] == sb[1];
  } else {
    ok = (sa.size() == 1 || sa.size() == 2) && sb.size() == 2 && sa.back() == sb[1] && c.k >= 0;
  }
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    const Outcome& o = outcomes[i];
    const char* set = kernel_sets()[i].name;
    expect_status_matches_reference(o, ok, set);
    if (o.code != StatusCode::kOk) continue;
    if (c.op == Op::kTopK) {
      check_top_k(c, o, set);
      continue;
    }
    const std::int64_t m = sa[0], n = sb[0], d = sa[1];
    if (o.shape != Shape{m, n}) fail("pairwise shape (%s) %s", set, shape_text(o.shape).c_str());
    std::vector<LD> ref(static_cast<std::size_t>(m * n)), mag(ref.size());
    for (std::int64_t r = 0; r < m; ++r) {
      for (std::int64_t s = 0; s < n; ++s) {
        ref_row_cosine(c.t.v.data() + r * d, c.p.v.data() + s * d, d, c.dtype, &ref[r * n + s],
                       &mag[r * n + s]);
      }
    }
    expect_values("pairwise", set, o.values, ref, mag, c.dtype);
  }
}

// ---- parse_reduction ----

void check_parse_reduction(const Case& c) {
  static const char* const kKeras2[] = {"auto", "none", "sum", "sum_over_batch_size"};
  static const char* const kKeras3[] = {"sum_over_batch_size",    "sum", "none", "None", "mean",
                                        "mean_with_sample_weight"};
  bool valid = false;
  if (c.flavor == Flavor::kKeras3) {
    for (const char* k : kKeras3) valid |= c.reduction_key == k;
  } else {
    for (const char* k : kKeras2) valid |= c.reduction_key == k;
  }
  Reduction r = Reduction::kAuto;
  const Status st = parse_reduction(c.reduction_key, &r, c.flavor);
  if (st.ok() != valid) fail("parse_reduction: ok=%d", st.ok());
  if (!st.ok()) {
    if (st.code() != StatusCode::kInvalidArgument ||
        st.message().find(c.reduction_key) == std::string::npos) {
      fail("parse_reduction: message '%s'", st.message().c_str());
    }
    return;
  }
  const std::string back = reduction_key(r);
  if (back != (c.reduction_key == "None" ? "none" : c.reduction_key)) {
    fail("parse_reduction: '%s' -> '%s'", c.reduction_key.c_str(), back.c_str());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const char* huge = std::getenv("COSSIM_FUZZ_HUGE_DIMS");
  g_options.huge_dims = huge != nullptr && std::strcmp(huge, "1") == 0;
  const char* avoid = std::getenv("COSSIM_FUZZ_AVOID_KNOWN");
  g_avoid_known = avoid != nullptr && std::strcmp(avoid, "1") == 0;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Decoder decoder(data, size, g_options);
  Case c = decoder.decode();
  g_case = &c;
  if (std::getenv("COSSIM_FUZZ_PRINT") != nullptr) {
    std::fprintf(stderr, "%s\n", describe(c).c_str());
  }
  switch (c.op) {
    case Op::kPairwise:
    case Op::kTopK:
      check_search(c);
      break;
    case Op::kParseReduction:
      check_parse_reduction(c);
      break;
    default:
      check_loss(c, &decoder);
      break;
  }
  g_case = nullptr;
  return 0;
}

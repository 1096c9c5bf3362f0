// Pairwise cosine and top-k search (search.h) against an independent long-double brute force, for
// both kernel sets (scalar and SIMD128 through SIMDe) and both dtypes.
//
// Reference: every cosine is (sum x*y) / (sqrt(max(sum x^2, eps)) * sqrt(max(sum y^2, eps))) in
// x87 long double (64-bit mantissa) over the values the core reads (float32 inputs are rounded to
// float first). Products of floats are exact in long double; plain long-double sums of d <= 4099
// terms add <= d * 2^-64 relative to sum|terms| (< 2.3e-16): far below every bound below.
//
// Tolerance per element (Tolerance()): the smaller of a rigorous bound and the contract's number,
// so a pass means both hold. With S = sum|x_i y_i| * inv(x) * inv(y) (S <= 1 unless a norm is
// clamped by eps; Cauchy-Schwarz) and u32 = 2^-24, u64 = 2^-53:
// * float32: the dot has <= 64 u32 * sum|x y| error (search.h: each f32x4 lane adds at most
//   kFlushBlock / 4 = 64 products per block, the flush is exact in f64), each sum of squares
//   <= 64 u32 relative, so each inverse norm <= 32 u32 relative; the f32 rounding of the result
//   adds u32 |ref|: 64 u32 S + 66 u32 |ref| (+ d u64 for the f64 block sums). The contract's
//   number is 1e-6 * (1 + |ref|) (cosine_similarity.h) for O(1) data; measured errors are ~1e-8.
// * float64: (d + 16) u64 (S + |ref|) (d/2 + 4 roundings per partial sum, see kernels_test.cc, for
//   the dot and each norm, plus the final products), and at most 1e-12.
// Zero rows must give exactly 0 (S = 0 makes the bound 0) and NaN rows NaN.
//
// Seeds: each case draws from CaseRng(BaseSeed(), ...) and prints the base seed (test_support.h);
// replay with COSSIM_SEED=<seed>.
#include "cossim/search.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "cossim/cosine_similarity.h"
#include "test_support.h"

namespace cossim {
namespace {

using LD = long double;
static_assert(std::numeric_limits<long double>::digits >= 64, "reference needs a wide long double");

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------------------------------------
// Host matrices: exactly sized allocations (so ASan sees a read one element past the end),
// optionally starting one element into the allocation (misaligned rows for every d).

class Matrix {
 public:
  Matrix(DType dtype, std::int64_t rows, std::int64_t cols, bool misalign = false)
      : dtype_(dtype), rows_(rows), cols_(cols), offset_(misalign ? 1 : 0) {
    const std::size_t n = static_cast<std::size_t>(rows * cols) + offset_;
    if (dtype == DType::kFloat32) {
      f32_.reset(new float[n == 0 ? 1 : n]());
    } else {
      f64_.reset(new double[n == 0 ? 1 : n]());
    }
  }

  void Set(std::int64_t r, std::int64_t c, double v) {
    const std::size_t i = offset_ + static_cast<std::size_t>(r * cols_ + c);
    if (f32_) {
      f32_[i] = static_cast<float>(v);
    } else {
      f64_[i] = v;
    }
  }
  // What the core reads (float32 values already rounded).
  double At(std::int64_t r, std::int64_t c) const {
    const std::size_t i = offset_ + static_cast<std::size_t>(r * cols_ + c);
    return f32_ ? static_cast<double>(f32_[i]) : f64_[i];
  }
  void CopyRow(std::int64_t from, std::int64_t to) {
    for (std::int64_t c = 0; c < cols_; ++c) Set(to, c, At(from, c));
  }

  TensorView View() const { return ViewAs({rows_, cols_}); }
  TensorView ViewAs(Shape shape) const {
    TensorView v;
    v.dtype = dtype_;
    v.shape = std::move(shape);
    v.data = f32_ ? static_cast<const void*>(f32_.get() + offset_)
                  : static_cast<const void*>(f64_.get() + offset_);
    return v;
  }

  std::int64_t rows() const { return rows_; }
  std::int64_t cols() const { return cols_; }
  DType dtype() const { return dtype_; }

 private:
  DType dtype_;
  std::int64_t rows_, cols_;
  std::size_t offset_;
  std::unique_ptr<float[]> f32_;
  std::unique_ptr<double[]> f64_;
};

// Random rows in U[-1, 1] with special rows mixed in: zero rows, rows with one NaN, exact
// duplicates of an earlier row, and rows scaled by 2^k, k in [-30, 30] (tiny ones fall under the
// eps clamp). `group[r]` is the first row that r is a bitwise copy of (zero rows form one group).
struct RandomRows {
  Matrix m;
  std::vector<std::int64_t> group;
};

RandomRows MakeRandomRows(std::mt19937_64& rng, DType dtype, std::int64_t rows, std::int64_t cols,
                          bool special = true, bool misalign = false) {
  RandomRows out{Matrix(dtype, rows, cols, misalign), std::vector<std::int64_t>(rows)};
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  std::uniform_int_distribution<int> pct(0, 99);
  std::int64_t first_zero = -1;
  for (std::int64_t r = 0; r < rows; ++r) {
    out.group[r] = r;
    const int kind = special ? pct(rng) : 99;
    if (kind < 8) {  // zero row
      if (first_zero < 0) first_zero = r;
      out.group[r] = first_zero;
    } else if (kind < 18 && r > 0) {  // duplicate
      const std::int64_t from = std::uniform_int_distribution<std::int64_t>(0, r - 1)(rng);
      out.m.CopyRow(from, r);
      out.group[r] = out.group[from];
    } else {
      const double scale =
          kind < 23 ? std::ldexp(1.0, std::uniform_int_distribution<int>(-30, 30)(rng)) : 1.0;
      for (std::int64_t c = 0; c < cols; ++c) out.m.Set(r, c, scale * u(rng));
      if (kind >= 23 && kind < 28 && cols > 0) {  // one NaN
        out.m.Set(r, std::uniform_int_distribution<std::int64_t>(0, cols - 1)(rng), kNaN);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reference and tolerance.

struct Ref {
  LD cos;
  LD scale;  // S = sum|x y| * inv(x) * inv(y)
};

LD RefSumSquares(const Matrix& x, std::int64_t r) {
  LD s = 0;
  for (std::int64_t c = 0; c < x.cols(); ++c) s += static_cast<LD>(x.At(r, c)) * x.At(r, c);
  return s;
}

LD RefInvNorm(LD ss, DType dtype) {
  const LD eps = epsilon_for(dtype);
  return 1.0L / std::sqrt(ss < eps ? eps : ss);  // NaN stays NaN
}

// inv() of every row.
std::vector<LD> RefInvNorms(const Matrix& x) {
  std::vector<LD> inv(x.rows());
  for (std::int64_t r = 0; r < x.rows(); ++r) inv[r] = RefInvNorm(RefSumSquares(x, r), x.dtype());
  return inv;
}

Ref RefCos(const Matrix& a, std::int64_t i, LD inv_a, const Matrix& b, std::int64_t j, LD inv_b) {
  LD dot = 0, abs_dot = 0;
  for (std::int64_t c = 0; c < a.cols(); ++c) {
    const LD p = static_cast<LD>(a.At(i, c)) * b.At(j, c);
    dot += p;
    abs_dot += std::fabs(p);
  }
  return {dot * inv_a * inv_b, abs_dot * inv_a * inv_b};
}

LD Tolerance(DType dtype, std::int64_t d, const Ref& ref) {
  const LD u32 = std::ldexp(1.0L, -24), u64 = std::ldexp(1.0L, -53);
  const LD mag = std::fabs(ref.cos);
  if (dtype == DType::kFloat32) {
    const LD rigorous = 64 * u32 * ref.scale + 66 * u32 * mag + d * u64 * ref.scale;
    return std::min<LD>(rigorous, 1e-6L * (1 + mag));
  }
  return std::min<LD>((d + 16) * u64 * (ref.scale + mag), 1e-12L);
}

// got within tolerance of ref (NaN exactly where the reference is NaN).
bool Close(double got, const Ref& ref, DType dtype, std::int64_t d, std::string* why) {
  if (std::isnan(ref.cos) || std::isnan(got)) {
    if (std::isnan(ref.cos) && std::isnan(got)) return true;
  } else {
    const LD err = std::fabs(static_cast<LD>(got) - ref.cos);
    const LD tol = Tolerance(dtype, d, ref);
    if (err <= tol) return true;
    std::ostringstream os;
    os.precision(12);
    os << "got " << got << ", reference " << static_cast<double>(ref.cos) << ", |err| "
       << static_cast<double>(err) << " > tol " << static_cast<double>(tol);
    *why = os.str();
    return false;
  }
  *why =
      "got " + std::to_string(got) + ", reference " + std::to_string(static_cast<double>(ref.cos));
  return false;
}

// ---------------------------------------------------------------------------------------------
// Parameters: kernel set x dtype.

struct Param {
  const KernelSet* kernels;
  DType dtype;
};

std::string Name(const Param& p) {
  return std::string(p.kernels->name) + (p.dtype == DType::kFloat32 ? "_f32" : "_f64");
}
std::string ParamName(const ::testing::TestParamInfo<Param>& info) { return Name(info.param); }
void PrintTo(const Param& p, std::ostream* os) { *os << Name(p); }

// Every registered kernel set in both dtypes.
std::vector<Param> Params() {
  std::vector<Param> params;
  for (const KernelSet* k : all_kernel_sets()) {
    params.push_back({k, DType::kFloat32});
    params.push_back({k, DType::kFloat64});
  }
  return params;
}

class SearchTest : public ::testing::TestWithParam<Param> {
 protected:
  const KernelSet& kernels() const { return *GetParam().kernels; }
  DType dtype() const { return GetParam().dtype; }
  std::uint64_t seed_ = cossim_test::BaseSeed();
};

double ValueAt(const void* data, DType dtype, std::int64_t i) {
  return dtype == DType::kFloat32 ? static_cast<double>(static_cast<const float*>(data)[i])
                                  : static_cast<const double*>(data)[i];
}

const std::vector<std::int64_t> kSizes = {0, 1, 2, 3, 4, 5, 7, 8, 9, 31, 64, 100, 768};

// ---------------------------------------------------------------------------------------------
// Pairwise.

::testing::AssertionResult PairwiseMatches(const Matrix& a, const Matrix& b, const Result& got) {
  const std::int64_t m = a.rows(), n = b.rows(), d = a.cols();
  if (got.shape != Shape{m, n} || got.dtype != a.dtype()) {
    return ::testing::AssertionFailure() << "shape " << shape_to_string(got.shape);
  }
  const std::vector<LD> inv_a = RefInvNorms(a), inv_b = RefInvNorms(b);
  for (std::int64_t i = 0; i < m; ++i) {
    for (std::int64_t j = 0; j < n; ++j) {
      std::string why;
      const Ref ref = RefCos(a, i, inv_a[i], b, j, inv_b[j]);
      if (!Close(ValueAt(got.data, got.dtype, i * n + j), ref, a.dtype(), d, &why)) {
        return ::testing::AssertionFailure() << "[" << m << "," << d << "] x [" << n << "," << d
                                             << "] at (" << i << "," << j << "): " << why;
      }
    }
  }
  return ::testing::AssertionSuccess();
}

TEST_P(SearchTest, PairwiseMatchesReferenceOverShapeSweep) {
  SCOPED_TRACE(cossim_test::SeedTrace(seed_));
  SearchWorkspace ws;
  int cases = 0;
  for (std::int64_t m : kSizes) {
    for (std::int64_t n : kSizes) {
      for (std::int64_t d : kSizes) {
        if (m * n * d > 2'000'000) continue;  // keeps the brute force affordable
        auto rng = cossim_test::CaseRng(
            seed_, static_cast<std::uint64_t>(m), static_cast<std::uint64_t>(n),
            static_cast<std::uint64_t>(d), static_cast<std::uint64_t>(dtype()));
        const bool misalign = (m + n + d) % 2 == 1;
        const RandomRows a = MakeRandomRows(rng, dtype(), m, d, true, misalign);
        const RandomRows b = MakeRandomRows(rng, dtype(), n, d, true, !misalign);
        Result out;
        const Status s = pairwise_cosine(a.m.View(), b.m.View(), kernels(), &ws, &out);
        ASSERT_TRUE(s.ok()) << s.message();
        ASSERT_TRUE(PairwiseMatches(a.m, b.m, out));
        ++cases;
      }
    }
  }
  EXPECT_GT(cases, 2100);
}

// d beyond one depth chunk (1024 f32 / 512 f64 elements) and many flush blocks, with ragged tails.
TEST_P(SearchTest, PairwiseLongRowsAcrossDepthChunks) {
  SCOPED_TRACE(cossim_test::SeedTrace(seed_));
  SearchWorkspace ws;
  for (std::int64_t d : {511, 512, 513, 1023, 1024, 1025, 2053, 4099}) {
    auto rng = cossim_test::CaseRng(seed_, 1, static_cast<std::uint64_t>(d));
    const RandomRows a = MakeRandomRows(rng, dtype(), 6, d);
    const RandomRows b = MakeRandomRows(rng, dtype(), 5, d, true, true);
    Result out;
    ASSERT_TRUE(pairwise_cosine(a.m.View(), b.m.View(), kernels(), &ws, &out).ok());
    ASSERT_TRUE(PairwiseMatches(a.m, b.m, out)) << "d = " << d;
  }
}

TEST_P(SearchTest, PairwiseKnownValuesZeroAndNaNRows) {
  Matrix a(dtype(), 3, 2), b(dtype(), 3, 2);
  const double av[3][2] = {{0, 1}, {1, 1}, {0, 0}};
  const double bv[3][2] = {{1, 0}, {-2, -2}, {kNaN, 1}};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 2; ++c) {
      a.Set(r, c, av[r][c]);
      b.Set(r, c, bv[r][c]);
    }
  }
  SearchWorkspace ws;
  Result out;
  ASSERT_TRUE(pairwise_cosine(a.View(), b.View(), kernels(), &ws, &out).ok());
  const double tol = dtype() == DType::kFloat32 ? 1e-7 : 1e-15;
  auto at = [&](int i, int j) { return ValueAt(out.data, out.dtype, i * 3 + j); };
  EXPECT_EQ(at(0, 0), 0.0);
  EXPECT_NEAR(at(0, 1), -std::sqrt(0.5), tol);
  EXPECT_NEAR(at(1, 0), std::sqrt(0.5), tol);
  EXPECT_NEAR(at(1, 1), -1.0, tol);
  for (int j = 0; j < 2; ++j) EXPECT_EQ(at(2, j), 0.0) << "a zero row scores 0, not NaN";
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isnan(at(i, 2))) << "a NaN row scores NaN";
}

// |x| ~ 2^70: float32 products overflow, so the SIMD kernels must fall back to exact products.
TEST_P(SearchTest, LargeValuesDoNotOverflow) {
  SCOPED_TRACE(cossim_test::SeedTrace(seed_));
  auto rng = cossim_test::CaseRng(seed_, 2);
  RandomRows a = MakeRandomRows(rng, dtype(), 9, 37, false);
  RandomRows b = MakeRandomRows(rng, dtype(), 7, 37, false);
  for (Matrix* x : {&a.m, &b.m}) {
    for (std::int64_t r = 0; r < x->rows(); r += 2) {
      for (std::int64_t c = 0; c < x->cols(); ++c) x->Set(r, c, std::ldexp(x->At(r, c), 70));
    }
  }
  SearchWorkspace ws;
  Result out;
  ASSERT_TRUE(pairwise_cosine(a.m.View(), b.m.View(), kernels(), &ws, &out).ok());
  EXPECT_TRUE(PairwiseMatches(a.m, b.m, out));
  TopKResult top;
  ASSERT_TRUE(top_k_cosine(a.m.View(), b.m.View(), 7, kernels(), &ws, &top).ok());
  for (std::int64_t i = 0; i < a.m.rows(); ++i) {
    for (std::int64_t p = 0; p < 7; ++p) {
      const std::int32_t j = top.indices[i * 7 + p];
      std::string why;
      const Ref ref = RefCos(a.m, i, RefInvNorm(RefSumSquares(a.m, i), dtype()), b.m, j,
                             RefInvNorm(RefSumSquares(b.m, j), dtype()));
      EXPECT_TRUE(Close(ValueAt(top.values, top.dtype, i * 7 + p), ref, dtype(), 37, &why)) << why;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Top-k.

// A candidate in the documented order: value descending, NaN last, ties by lower index.
bool OutputRanksBefore(double v0, std::int32_t i0, double v1, std::int32_t i1) {
  if (std::isnan(v0) || std::isnan(v1)) return std::isnan(v1) && (!std::isnan(v0) || i0 < i1);
  return v0 > v1 || (v0 == v1 && i0 < i1);
}

// Checks one query's results without assuming the kernel's rounding: indices valid and distinct,
// values within tolerance of the reference, the output in the documented order, bitwise copies
// giving equal values and entering by lower index first, NaN rows only after every numeric row
// and by index, and no unselected row whose reference score is clearly (beyond the tolerances)
// above a selected one.
// Reference scores of every table row for query row qi.
std::vector<Ref> RefScores(const Matrix& queries, std::int64_t qi, const Matrix& t) {
  const LD inv_q = RefInvNorm(RefSumSquares(queries, qi), t.dtype());
  std::vector<Ref> ref(t.rows());
  for (std::int64_t r = 0; r < t.rows(); ++r) {
    ref[r] = RefCos(queries, qi, inv_q, t, r, RefInvNorm(RefSumSquares(t, r), t.dtype()));
  }
  return ref;
}

::testing::AssertionResult TopKMatches(const std::vector<Ref>& ref, const RandomRows& table,
                                       std::int64_t k, const std::int32_t* idx, const void* values,
                                       DType dtype) {
  const std::int64_t n = table.m.rows(), d = table.m.cols();
  const std::int64_t kk = std::min(k, n);
  std::vector<char> selected(n, 0);
  std::vector<double> value_of(n, 0);
  for (std::int64_t p = 0; p < kk; ++p) {
    const std::int32_t r = idx[p];
    const double v = ValueAt(values, dtype, p);
    if (r < 0 || r >= n || selected[r]) {
      return ::testing::AssertionFailure() << "bad or repeated index " << r << " at " << p;
    }
    selected[r] = 1;
    value_of[r] = v;
    std::string why;
    if (!Close(v, ref[r], dtype, d, &why)) {
      return ::testing::AssertionFailure() << "row " << r << " at " << p << ": " << why;
    }
    if (p > 0 && !OutputRanksBefore(ValueAt(values, dtype, p - 1), idx[p - 1], v, r)) {
      return ::testing::AssertionFailure() << "out of order at " << p;
    }
  }
  // Rows a selected row is a bitwise copy of: equal values, and no lower unselected copy.
  std::vector<std::int64_t> first_selected_value_row(n, -1), lowest_unselected(n, n);
  for (std::int64_t r = 0; r < n; ++r) {
    const std::int64_t g = table.group[r];
    if (!selected[r]) {
      lowest_unselected[g] = std::min(lowest_unselected[g], r);
    } else if (first_selected_value_row[g] < 0) {
      first_selected_value_row[g] = r;
    } else {
      const double v0 = value_of[first_selected_value_row[g]], v1 = value_of[r];
      if (!(v0 == v1 || (std::isnan(v0) && std::isnan(v1)))) {
        return ::testing::AssertionFailure()
               << "copies " << first_selected_value_row[g] << " and " << r << " scored differently";
      }
    }
  }
  // Highest lower bound of an unselected score vs. lowest upper bound of a selected one.
  LD min_selected = std::numeric_limits<LD>::infinity(), max_unselected = -min_selected;
  bool nan_selected = false, number_unselected = false;
  std::int64_t lowest_unselected_nan = n;
  for (std::int64_t r = 0; r < n; ++r) {
    const bool nan = std::isnan(ref[r].cos);
    if (selected[r]) {
      if (lowest_unselected[table.group[r]] < r) {
        return ::testing::AssertionFailure() << "row " << r << " selected before its lower copy "
                                             << lowest_unselected[table.group[r]];
      }
      nan_selected |= nan;
      if (!nan) min_selected = std::min(min_selected, ref[r].cos + Tolerance(dtype, d, ref[r]));
      if (nan && lowest_unselected_nan < r) {
        return ::testing::AssertionFailure()
               << "NaN row " << r << " selected before NaN row " << lowest_unselected_nan;
      }
    } else if (nan) {
      lowest_unselected_nan = std::min(lowest_unselected_nan, r);
    } else {
      number_unselected = true;
      max_unselected = std::max(max_unselected, ref[r].cos - Tolerance(dtype, d, ref[r]));
    }
  }
  if (nan_selected && number_unselected) {
    return ::testing::AssertionFailure() << "a NaN row was selected over a numeric row";
  }
  if (max_unselected > min_selected) {
    return ::testing::AssertionFailure()
           << "an unselected row scores " << static_cast<double>(max_unselected) << " > a selected "
           << static_cast<double>(min_selected) << " beyond the tolerances";
  }
  return ::testing::AssertionSuccess();
}

TEST_P(SearchTest, TopKMatchesReferenceOverShapeSweep) {
  SCOPED_TRACE(cossim_test::SeedTrace(seed_));
  SearchWorkspace ws;
  for (std::int64_t n : kSizes) {
    for (std::int64_t d : kSizes) {
      for (std::int64_t nq : {-1, 1, 3, 17}) {  // -1: a rank-1 query [d]
        const std::int64_t rows_q = nq < 0 ? 1 : nq;
        if (n * d * rows_q > 2'000'000) continue;
        auto rng = cossim_test::CaseRng(
            seed_, static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(d),
            static_cast<std::uint64_t>(nq), static_cast<std::uint64_t>(dtype()) + 10);
        const RandomRows q = MakeRandomRows(rng, dtype(), rows_q, d, true, n % 2 == 1);
        const RandomRows t = MakeRandomRows(rng, dtype(), n, d, true, d % 2 == 1);
        const TensorView qv = nq < 0 ? q.m.ViewAs({d}) : q.m.View();
        std::vector<std::vector<Ref>> ref(rows_q);
        for (std::int64_t i = 0; i < rows_q; ++i) ref[i] = RefScores(q.m, i, t.m);
        for (std::int64_t k :
             {std::int64_t{0}, std::int64_t{1}, std::int64_t{3}, n - 1, n, n + 5}) {
          if (k < 0) continue;
          TopKResult out;
          const Status s = top_k_cosine(qv, t.m.View(), k, kernels(), &ws, &out);
          ASSERT_TRUE(s.ok()) << s.message();
          const std::int64_t kk = std::min(k, n);
          ASSERT_EQ(out.shape, (nq < 0 ? Shape{kk} : Shape{rows_q, kk}));
          ASSERT_EQ(out.dtype, dtype());
          for (std::int64_t i = 0; i < rows_q; ++i) {
            const void* values = static_cast<const char*>(out.values) +
                                 i * kk * static_cast<std::int64_t>(dtype_size(dtype()));
            ASSERT_TRUE(TopKMatches(ref[i], t, k, out.indices + i * kk, values, dtype()))
                << "n " << n << " d " << d << " nq " << nq << " k " << k << " query " << i;
          }
        }
      }
    }
  }
}

// Tables built from a few prototype rows whose scores are well apart for every query, repeated at
// random positions, with zero and NaN rows: the exact expected result is known (ties are exact,
// since copies are bitwise equal).
TEST_P(SearchTest, TopKExactOrderWithTiesZerosAndNaN) {
  SCOPED_TRACE(cossim_test::SeedTrace(seed_));
  SearchWorkspace ws;
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (std::int64_t d : {1, 2, 3, 8, 31, 768}) {
    for (std::int64_t n : {1, 5, 64, 300, 1000}) {
      for (std::int64_t nq : {1, 2, 5, 20}) {
        auto rng =
            cossim_test::CaseRng(seed_, static_cast<std::uint64_t>(d),
                                 static_cast<std::uint64_t>(n), static_cast<std::uint64_t>(nq), 3);
        Matrix q(dtype(), nq, d), protos(dtype(), 4, d);
        // Resample until every query separates the prototypes (and 0) by more than 2e-5: twice
        // the worst-case float32 error (7.8e-6, search.h), so the kernels' order is the
        // reference's. In d = 1 the prototypes are +-2^k, whose cosines are exactly +-1.
        std::vector<std::vector<LD>> score(nq, std::vector<LD>(4));
        for (int attempt = 0;; ++attempt) {
          ASSERT_LT(attempt, 100) << "could not separate the prototypes";
          for (std::int64_t c = 0; c < d; ++c) {
            for (std::int64_t i = 0; i < nq; ++i) q.Set(i, c, u(rng));
            for (int p = 0; p < 4; ++p)
              protos.Set(p, c, d == 1 ? (p % 2 ? -1.0 : 1.0) * (1 << p) : u(rng));
          }
          const int used = d == 1 ? 2 : 4;
          bool separated = true;
          for (std::int64_t i = 0; i < nq; ++i) {
            const LD inv_q = RefInvNorm(RefSumSquares(q, i), dtype());
            std::vector<LD> s = {0};
            for (int p = 0; p < used; ++p) {
              score[i][p] =
                  RefCos(q, i, inv_q, protos, p, RefInvNorm(RefSumSquares(protos, p), dtype())).cos;
              s.push_back(score[i][p]);
            }
            std::sort(s.begin(), s.end());
            for (std::size_t j = 1; j < s.size(); ++j) separated &= s[j] - s[j - 1] > 2e-5L;
          }
          if (separated) break;
        }
        const int used = d == 1 ? 2 : 4;
        RandomRows t{Matrix(dtype(), n, d, true), std::vector<std::int64_t>(n)};
        std::vector<int> kind(n);  // prototype p, or 4 = zero row, 5 = NaN row
        std::uniform_int_distribution<int> pick(0, used + 1);
        for (std::int64_t r = 0; r < n; ++r) {
          kind[r] = pick(rng);
          if (kind[r] >= used) kind[r] += 4 - used;
          for (std::int64_t c = 0; c < d; ++c) {
            t.m.Set(r, c, kind[r] < 4 ? protos.At(kind[r], c) : kind[r] == 4 || c > 0 ? 0.0 : kNaN);
          }
        }
        for (std::int64_t k : {std::int64_t{0}, std::int64_t{1}, std::int64_t{3}, n, n + 2}) {
          TopKResult out;
          ASSERT_TRUE(top_k_cosine(q.View(), t.m.View(), k, kernels(), &ws, &out).ok());
          const std::int64_t kk = std::min(k, n);
          ASSERT_EQ(out.shape, (Shape{nq, kk}));
          for (std::int64_t i = 0; i < nq; ++i) {
            // Expected: every row ordered by its prototype's reference score (zero rows: 0, NaN
            // rows last), ties by index; the first kk.
            std::vector<std::int32_t> expected(n);
            for (std::int64_t r = 0; r < n; ++r) expected[r] = static_cast<std::int32_t>(r);
            auto key = [&](std::int32_t r) { return kind[r] < 4 ? score[i][kind[r]] : 0.0L; };
            std::stable_sort(expected.begin(), expected.end(), [&](std::int32_t x, std::int32_t y) {
              if ((kind[x] == 5) != (kind[y] == 5)) return kind[y] == 5;
              return kind[x] != 5 && key(x) > key(y);
            });
            for (std::int64_t p = 0; p < kk; ++p) {
              ASSERT_EQ(out.indices[i * kk + p], expected[p])
                  << "d " << d << " n " << n << " nq " << nq << " k " << k << " query " << i
                  << " at " << p;
              const double v = ValueAt(out.values, dtype(), i * kk + p);
              const std::int32_t r = expected[p];
              if (kind[r] == 5) {
                EXPECT_TRUE(std::isnan(v));
              } else if (kind[r] == 4) {
                EXPECT_EQ(v, 0.0);
              } else {
                const double want = static_cast<double>(key(r));
                EXPECT_NEAR(v, want,
                            dtype() == DType::kFloat32 ? 1e-6 * (1 + std::fabs(want)) : 1e-12);
              }
            }
          }
        }
      }
    }
  }
}

// k larger than the candidate budget of one pass allows for 16 queries (one query per pass), with
// exact ties: d = 1 and values +-2^k, 0 and NaN give scores exactly +1, -1, 0 and NaN.
TEST_P(SearchTest, TopKLargeKOneQueryPerPass) {
  SCOPED_TRACE(cossim_test::SeedTrace(seed_));
  auto rng = cossim_test::CaseRng(seed_, 4);
  const std::int64_t n = 300'000;
  Matrix t(dtype(), n, 1), q(dtype(), 3, 1);
  q.Set(0, 0, 2.0);
  q.Set(1, 0, -0.5);
  q.Set(2, 0, 0.0);
  std::vector<int> kind(n);
  const double value[4] = {4.0, -0.25, 0.0, kNaN};
  for (std::int64_t r = 0; r < n; ++r) {
    kind[r] = std::uniform_int_distribution<int>(0, 3)(rng);
    t.Set(r, 0, value[kind[r]]);
  }
  SearchWorkspace ws;
  for (std::int64_t k : {n - 7, n}) {
    TopKResult out;
    ASSERT_TRUE(top_k_cosine(q.View(), t.View(), k, kernels(), &ws, &out).ok());
    ASSERT_EQ(out.shape, (Shape{3, k}));
    // Expected scores per kind, for each query (a zero query scores 0 everywhere but NaN rows).
    const double expected_score[3][4] = {{1, -1, 0, kNaN}, {-1, 1, 0, kNaN}, {0, 0, 0, kNaN}};
    for (int i = 0; i < 3; ++i) {
      std::vector<std::int32_t> expected(n);
      for (std::int64_t r = 0; r < n; ++r) expected[r] = static_cast<std::int32_t>(r);
      std::stable_sort(expected.begin(), expected.end(), [&](std::int32_t x, std::int32_t y) {
        const double sx = expected_score[i][kind[x]], sy = expected_score[i][kind[y]];
        if (std::isnan(sx) || std::isnan(sy)) return !std::isnan(sx) && std::isnan(sy);
        return sx > sy;
      });
      for (std::int64_t p = 0; p < k; ++p) {
        ASSERT_EQ(out.indices[i * k + p], expected[p]) << "query " << i << " at " << p;
        const double v = ValueAt(out.values, dtype(), i * k + p);
        const double e = expected_score[i][kind[expected[p]]];
        ASSERT_TRUE(v == e || (std::isnan(v) && std::isnan(e))) << v << " vs " << e;
      }
    }
  }
}

// Order is decided on the returned values: two float32 scores that differ in double but round to
// the same float are a tie, broken by index (otherwise the output would list equal values out of
// index order). cos(q, (1, y)) = 1 / sqrt(1 + y^2): 1 - 2e-8 and 1 - 5e-9 both round to 1.0f.
TEST_P(SearchTest, TopKTiesAreJudgedOnTheReturnedValues) {
  Matrix q(dtype(), 1, 2), t(dtype(), 2, 2);
  q.Set(0, 0, 1.0);
  t.Set(0, 0, 1.0);
  t.Set(0, 1, 2e-4);
  t.Set(1, 0, 1.0);
  t.Set(1, 1, 1e-4);
  SearchWorkspace ws;
  TopKResult out;
  ASSERT_TRUE(top_k_cosine(q.ViewAs({2}), t.View(), 2, kernels(), &ws, &out).ok());
  const std::vector<std::int32_t> got(out.indices, out.indices + 2);
  if (dtype() == DType::kFloat32) {
    EXPECT_EQ(ValueAt(out.values, dtype(), 0), 1.0);
    EXPECT_EQ(ValueAt(out.values, dtype(), 1), 1.0);
    EXPECT_EQ(got, (std::vector<std::int32_t>{0, 1}));
  } else {
    EXPECT_EQ(got, (std::vector<std::int32_t>{1, 0}));
  }
}

TEST_P(SearchTest, TopKEmptyShapes) {
  SearchWorkspace ws;
  Matrix t(dtype(), 0, 4), q(dtype(), 2, 4), q0(dtype(), 0, 4);
  TopKResult out;
  ASSERT_TRUE(top_k_cosine(q.ViewAs({4}), t.View(), 5, kernels(), &ws, &out).ok());
  EXPECT_EQ(out.shape, Shape{0});
  ASSERT_TRUE(top_k_cosine(q.View(), t.View(), 5, kernels(), &ws, &out).ok());
  EXPECT_EQ(out.shape, (Shape{2, 0}));
  ASSERT_TRUE(top_k_cosine(q0.View(), q.View(), 1, kernels(), &ws, &out).ok());
  EXPECT_EQ(out.shape, (Shape{0, 1}));
  Result pw;
  ASSERT_TRUE(pairwise_cosine(q0.View(), q.View(), kernels(), &ws, &pw).ok());
  EXPECT_EQ(pw.shape, (Shape{0, 2}));
}

// ---------------------------------------------------------------------------------------------
// Workspace reuse and errors.

struct Capacities {
  std::vector<std::size_t> bytes;
  std::vector<const void*> data;
  bool operator==(const Capacities& o) const { return bytes == o.bytes && data == o.data; }
};

Capacities Snapshot(SearchWorkspace& ws) {
  Capacities c;
  for (Buffer* b : {&ws.inv_norm_a, &ws.inv_norm_b, &ws.block_dots, &ws.row_dots, &ws.candidates,
                    &ws.values, &ws.indices}) {
    c.bytes.push_back(b->capacity());
    c.data.push_back(b->data());
  }
  return c;
}

TEST_P(SearchTest, RepeatedCallsDoNotReallocate) {
  SCOPED_TRACE(cossim_test::SeedTrace(seed_));
  auto rng = cossim_test::CaseRng(seed_, 5);
  const RandomRows a = MakeRandomRows(rng, dtype(), 100, 768);
  const RandomRows b = MakeRandomRows(rng, dtype(), 64, 768);
  SearchWorkspace ws;
  Result pw;
  TopKResult top;
  auto run = [&](std::int64_t k) {
    ASSERT_TRUE(pairwise_cosine(a.m.View(), b.m.View(), kernels(), &ws, &pw).ok());
    ASSERT_TRUE(top_k_cosine(a.m.View(), b.m.View(), k, kernels(), &ws, &top).ok());
  };
  run(10);
  const Capacities first = Snapshot(ws);
  for (int rep = 0; rep < 5; ++rep) {
    run(10);
    run(3);  // smaller requests reuse the same buffers
    ASSERT_EQ(Snapshot(ws), first) << "repetition " << rep;
  }
}

Status Pairwise(const TensorView& a, const TensorView& b) {
  SearchWorkspace ws;
  Result out;
  return pairwise_cosine(a, b, default_kernel_set(), &ws, &out);
}

Status TopK(const TensorView& q, const TensorView& t, std::int64_t k) {
  SearchWorkspace ws;
  TopKResult out;
  return top_k_cosine(q, t, k, default_kernel_set(), &ws, &out);
}

TensorView ShapeOnly(Shape shape, DType dtype = DType::kFloat32) {
  static const double storage[64] = {};
  TensorView v;
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.data = storage;
  return v;
}

// The message and the status class (shapes: kShape, dtypes: kType, sizes: kTooLarge, options:
// kInvalidArgument).
void ExpectError(const Status& s, StatusCode code, const std::string& message) {
  EXPECT_EQ(s.code(), code) << s.message();
  EXPECT_EQ(s.message(), message);
}

TEST(SearchErrors, PairwiseShapesAndDtypes) {
  ExpectError(Pairwise(ShapeOnly({3}), ShapeOnly({2, 3})), StatusCode::kShape,
              "pairwise: a must be rank 2 [m,d]; got shape [3]");
  ExpectError(Pairwise(ShapeOnly({2, 3}), ShapeOnly({1, 2, 3})), StatusCode::kShape,
              "pairwise: b must be rank 2 [n,d]; got shape [1,2,3]");
  ExpectError(Pairwise(ShapeOnly({2, 3}), ShapeOnly({4, 5})), StatusCode::kShape,
              "pairwise: feature dims differ: [2,3] vs. [4,5]");
  ExpectError(Pairwise(ShapeOnly({2, 3}), ShapeOnly({4, 3}, DType::kFloat64)), StatusCode::kType,
              "pairwise: a and b must have the same dtype (the caller casts)");
  ExpectError(Pairwise(ShapeOnly({-1, 3}), ShapeOnly({4, 3})), StatusCode::kShape,
              "pairwise: a has a negative dimension: shape [-1,3]");
  TensorView no_data = ShapeOnly({2, 3});
  no_data.data = nullptr;
  ExpectError(Pairwise(ShapeOnly({2, 3}), no_data), StatusCode::kInvalidArgument,
              "pairwise: b of shape [2,3] has no data");
  const std::int64_t big = std::int64_t{1} << 40;
  ExpectError(Pairwise(ShapeOnly({big, 0}), ShapeOnly({big, 0})), StatusCode::kTooLarge,
              "pairwise: the output [1099511627776,1099511627776] has too many elements");
}

TEST(SearchErrors, TopKShapesDtypesAndK) {
  ExpectError(TopK(ShapeOnly({}), ShapeOnly({2, 3}), 1), StatusCode::kShape,
              "top_k: query must be rank 1 [d] or rank 2 [q,d]; got shape []");
  ExpectError(TopK(ShapeOnly({1, 1, 3}), ShapeOnly({2, 3}), 1), StatusCode::kShape,
              "top_k: query must be rank 1 [d] or rank 2 [q,d]; got shape [1,1,3]");
  ExpectError(TopK(ShapeOnly({3}), ShapeOnly({3}), 1), StatusCode::kShape,
              "top_k: table must be rank 2 [n,d]; got shape [3]");
  ExpectError(TopK(ShapeOnly({3}), ShapeOnly({4, 5}), 1), StatusCode::kShape,
              "top_k: feature dims differ: [3] vs. [4,5]");
  ExpectError(TopK(ShapeOnly({2, 5}, DType::kFloat64), ShapeOnly({4, 5}), 1), StatusCode::kType,
              "top_k: query and table must have the same dtype (the caller casts)");
  ExpectError(TopK(ShapeOnly({5}), ShapeOnly({4, 5}), -1), StatusCode::kInvalidArgument,
              "top_k: k must be >= 0; got -1");
  ExpectError(TopK(ShapeOnly({0}), ShapeOnly({std::int64_t{1} << 31, 0}), 1), StatusCode::kShape,
              "top_k: table has 2147483648 rows; at most 2147483647 are supported (int32 indices)");
}

TEST(SearchErrors, WorkspaceKeepsWorkingAfterAnError) {
  SearchWorkspace ws;
  Result out;
  EXPECT_FALSE(
      pairwise_cosine(ShapeOnly({2, 3}), ShapeOnly({4, 5}), default_kernel_set(), &ws, &out).ok());
  Matrix a(DType::kFloat32, 1, 2), b(DType::kFloat32, 1, 2);
  a.Set(0, 0, 1);
  b.Set(0, 0, 2);
  ASSERT_TRUE(pairwise_cosine(a.View(), b.View(), default_kernel_set(), &ws, &out).ok());
  EXPECT_EQ(static_cast<const float*>(out.data)[0], 1.0f);
}

INSTANTIATE_TEST_SUITE_P(Search, SearchTest, ::testing::ValuesIn(Params()), ParamName);

}  // namespace
}  // namespace cossim

// cosine_rows of every registered set against the long-double reference, with the bounds of
// kernels.h: the double finish, and the SIMD128 f32x4 small-row finish (d <= 16) with its own.
// Contiguous, padded and broadcast (stride 0) operands, row counts around the 4-row step, every
// misalignment; the output has guards on both sides that must never be written.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "cossim/kernels.h"
#include "kernel_test_support.h"

namespace cossim {
namespace {

using namespace cossim_test;  // the kernel tests' shared helpers

class CosineRowsTest : public cossim_test::KernelSetTest {};

// float32's floor is float(1e-12) (cosine_similarity.cc's epsilon_for), float64's 1e-12.
template <typename T>
double Eps() {
  return std::is_same_v<T, float> ? static_cast<double>(1e-12f) : 1e-12;
}

enum class Layout { kContiguous, kPadded, kBroadcastA, kBroadcastB, kBroadcastBoth };

std::size_t Stride(Layout layout, bool is_a, std::size_t d) {
  switch (layout) {
    case Layout::kContiguous:
      return d;
    case Layout::kPadded:
      return d + 3;
    case Layout::kBroadcastA:
      return is_a ? 0 : d;
    case Layout::kBroadcastB:
      return is_a ? d : 0;
    case Layout::kBroadcastBoth:
      return 0;
  }
  return d;
}

// Elements an operand of `rows` rows of length d at `stride` spans.
std::size_t Span(std::size_t rows, std::size_t d, std::size_t stride) {
  return rows == 0 ? 0 : stride * (rows - 1) + d;
}

// Runs one case and checks every row against the reference and the output guards.
template <typename T>
::testing::AssertionResult CheckCase(const KernelSet& k, const T* a, std::size_t sa, const T* b,
                                     std::size_t sb, std::size_t rows, std::size_t d) {
  const double eps = Eps<T>();
  Guarded<double> out(rows, 1, kGuard, std::numeric_limits<double>::quiet_NaN());
  typed<T>(k).cosine_rows(a, sa, b, sb, rows, d, eps, out.row());
  if (!out.GuardsIntact()) return ::testing::AssertionFailure() << "wrote outside out[0, rows)";
  for (std::size_t r = 0; r < rows; ++r) {
    const T* ar = a + r * sa;
    const T* br = b + r * sb;
    const auto dot = cossim_test::ReferenceDot(ar, br, d);
    const long double inv_a =
        1 / std::sqrt(std::max<long double>(cossim_test::ReferenceDot(ar, ar, d).value, eps));
    const long double inv_b =
        1 / std::sqrt(std::max<long double>(cossim_test::ReferenceDot(br, br, d).value, eps));
    const long double cos = dot.value * inv_a * inv_b;
    const long double s = dot.abs * inv_a * inv_b;
    const bool small = cossim_test::Blocked<T>(k) && d <= 16;
    auto r_ok = cossim_test::Within<T>(k, small ? "cosine_rows(d<=16)" : "cosine_rows",
                                       out.row()[r], cos, CosineBound<T>(k, d, s, cos), s);
    if (!r_ok) return r_ok << " (row " << r << ")";
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
void Sweep(const KernelSet& k, Distribution dist, std::size_t max_d, bool all_offsets) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::size_t d : cossim_test::SweepLengths(max_d)) {
    for (std::size_t rows : {0, 1, 3, 4, 5, 8, 9}) {
      for (Layout layout : {Layout::kContiguous, Layout::kPadded, Layout::kBroadcastA,
                            Layout::kBroadcastB, Layout::kBroadcastBoth}) {
        for (std::size_t oa = 0; oa < kMisalignments<T>; ++oa) {
          for (std::size_t ob = 0; ob < kMisalignments<T>; ++ob) {
            if (!all_offsets && ob != (oa + 1) % kMisalignments<T>) continue;
            SCOPED_TRACE(::testing::Message()
                         << "d=" << d << " rows=" << rows << " layout=" << static_cast<int>(layout)
                         << " offset_a=" << oa << " offset_b=" << ob);
            const std::size_t sa = Stride(layout, true, d), sb = Stride(layout, false, d);
            const T sentinel = cossim_test::Sentinels<T>()[(oa + ob) % 2];
            Guarded<T> ga(Span(rows, d, sa), oa, kGuard, sentinel);
            Guarded<T> gb(Span(rows, d, sb), ob, kGuard, sentinel);
            std::mt19937_64 rng = cossim_test::CaseRng(
                seed, d, rows * 64 + oa * 4 + ob,
                static_cast<std::uint64_t>(layout) * 8 + static_cast<std::uint64_t>(dist),
                sizeof(T));
            cossim_test::Fill(ga.row(), Span(rows, d, sa), dist, rng);
            cossim_test::Fill(gb.row(), Span(rows, d, sb), dist, rng);
            ASSERT_TRUE(CheckCase<T>(k, ga.row(), sa, gb.row(), sb, rows, d));
          }
        }
      }
    }
  }
}

// Every misalignment pair for U[-1, 1]; one pair per offset for the other distributions (huge
// values: f32 products overflow, the row is recomputed in double and still meets the bound).
TEST_P(CosineRowsTest, RandomRowsMatchLongDoubleReference) {
  ForEachDistributionAndType([&](auto tag, Distribution d) {
    Sweep<decltype(tag)>(set(), d, 1000, d == Distribution::kUniform);
  });
}

// One long row length (many flushes, a ragged tail), a few rows, each layout.
TEST_P(CosineRowsTest, LongRows) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    const std::uint64_t seed = cossim_test::BaseSeed();
    SCOPED_TRACE(cossim_test::SeedTrace(seed));
    const std::size_t d = 100003, rows = 3;
    for (Layout layout : {Layout::kContiguous, Layout::kBroadcastA, Layout::kBroadcastB}) {
      SCOPED_TRACE(::testing::Message() << "layout=" << static_cast<int>(layout));
      const std::size_t sa = Stride(layout, true, d), sb = Stride(layout, false, d);
      Guarded<T> ga(Span(rows, d, sa), 1, kGuard, T(0)), gb(Span(rows, d, sb), 0, kGuard, T(0));
      std::mt19937_64 rng = cossim_test::CaseRng(seed, d, static_cast<std::uint64_t>(layout));
      cossim_test::Fill(ga.row(), Span(rows, d, sa), Distribution::kUniform, rng);
      cossim_test::Fill(gb.row(), Span(rows, d, sb), Distribution::kUniform, rng);
      ASSERT_TRUE(CheckCase<T>(set(), ga.row(), sa, gb.row(), sb, rows, d));
    }
  });
}

// Rows at and below the eps floor: zero rows score 0 (never NaN), tiny rows are scaled by the
// floor, in every path (small rows in the f32x4 finish too).
TEST_P(CosineRowsTest, RowsBelowTheEpsFloor) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t d : {1, 2, 3, 4, 5, 8, 15, 16, 17, 64, 300}) {
      for (double scale : {0.0, 1e-7, 3e-7, 1e-6}) {
        SCOPED_TRACE(::testing::Message() << "d=" << d << " scale=" << scale);
        const std::size_t rows = 9;
        std::vector<T> a(rows * d), b(rows * d);
        for (std::size_t i = 0; i < rows * d; ++i) {
          a[i] = static_cast<T>(scale * cossim_test::IntegerValue(i, 1));
          b[i] = static_cast<T>(cossim_test::IntegerValue(i, 2) * (i % 2 ? scale : 1.0));
        }
        ASSERT_TRUE(CheckCase<T>(set(), a.data(), d, b.data(), d, rows, d));
        ASSERT_TRUE(CheckCase<T>(set(), a.data(), 0, b.data(), d, rows, d));
      }
    }
  });
}

// NaN in a row makes that row's cosine NaN and no other.
TEST_P(CosineRowsTest, NaNStaysInItsRow) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t d : {1, 3, 4, 7, 16, 17, 300}) {
      const std::size_t rows = 9;
      for (std::size_t bad = 0; bad < rows; bad += 4) {
        SCOPED_TRACE(::testing::Message() << "d=" << d << " NaN in row " << bad);
        std::vector<T> a(rows * d, T(0.5)), b(rows * d, T(-0.25));
        a[bad * d + d / 2] = std::numeric_limits<T>::quiet_NaN();
        std::vector<double> out(rows);
        typed<T>(set()).cosine_rows(a.data(), d, b.data(), d, rows, d, Eps<T>(), out.data());
        for (std::size_t r = 0; r < rows; ++r) {
          if (r == bad) {
            EXPECT_TRUE(std::isnan(out[r])) << r;
          } else {
            EXPECT_LE(std::fabs(out[r] + 1.0), CosineBound<T>(set(), d, 1, -1)) << r;
          }
        }
      }
    }
  });
}

COSSIM_INSTANTIATE_FOR_ALL_KERNEL_SETS(CosineRowsTest);

}  // namespace
}  // namespace cossim

// The registry (kernels.h) and the row kernels row_sums / row_dot_ss of every registered set,
// against the long-double reference with the bounds of kernels.h (kernel_test_support.h).
//
// Lengths are swept around the vector widths and kFlushBlock, with every misalignment of a and b
// from a 16-byte boundary, inside buffers holding sentinels on both sides of the row: reading
// outside [0, n) fails the bound check. A second sweep uses allocations of exactly the row's
// size, so AddressSanitizer builds also catch a read of even one element past the end.
#include "cossim/kernels.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "kernel_test_support.h"

namespace cossim {
namespace {

using namespace cossim_test;  // the kernel tests' shared helpers

class RowSumsTest : public cossim_test::KernelSetTest {};

// Both row kernels: row_sums, and row_dot_ss (ss_a must be exactly 0).
enum class Which { kRowSums, kRowDotSs };

template <typename T>
RowSums Call(const KernelSet& k, Which which, const T* a, const T* b, std::size_t n) {
  return which == Which::kRowSums ? typed<T>(k).row_sums(a, b, n) : typed<T>(k).row_dot_ss(a, b, n);
}

template <typename T>
::testing::AssertionResult MatchesReference(const KernelSet& k, Which which, const T* a, const T* b,
                                            std::size_t n) {
  const RowSums got = Call(k, which, a, b, n);
  const char* name = which == Which::kRowSums ? "row_sums" : "row_dot_ss";
  ::testing::AssertionResult r = DotWithin<T>(k, name, SumKind::kRowSums, got.dot, a, b, n);
  if (!r) return r << " (dot)";
  r = DotWithin<T>(k, name, SumKind::kRowSums, got.ss_b, b, b, n);
  if (!r) return r << " (ss_b)";
  if (which == Which::kRowDotSs) {
    if (got.ss_a != 0.0) return ::testing::AssertionFailure() << "row_dot_ss: ss_a " << got.ss_a;
    return ::testing::AssertionSuccess();
  }
  r = DotWithin<T>(k, name, SumKind::kRowSums, got.ss_a, a, a, n);
  if (!r) return r << " (ss_a)";
  return r;
}

// Random rows, all lengths, all misalignments, both sentinels.
template <typename T>
void SweepRandomRows(const KernelSet& k, Distribution dist) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::size_t n : cossim_test::SweepLengths()) {
    for (std::size_t oa = 0; oa < kMisalignments<T>; ++oa) {
      for (std::size_t ob = 0; ob < kMisalignments<T>; ++ob) {
        for (T sentinel : cossim_test::Sentinels<T>()) {
          SCOPED_TRACE(::testing::Message() << "n=" << n << " offset_a=" << oa << " offset_b=" << ob
                                            << " sentinel=" << sentinel);
          std::mt19937_64 rng = cossim_test::CaseRng(seed, n, oa * 4 + ob,
                                                     static_cast<std::uint64_t>(dist), sizeof(T));
          Guarded<T> ga(n, oa, kGuard, sentinel), gb(n, ob, kGuard, sentinel);
          cossim_test::Fill(ga.row(), n, dist, rng);
          cossim_test::Fill(gb.row(), n, dist, rng);
          for (Which w : {Which::kRowSums, Which::kRowDotSs}) {
            ASSERT_TRUE(MatchesReference<T>(k, w, ga.row(), gb.row(), n));
          }
        }
      }
    }
  }
}

// Huge rows too: kernels.h, a float32 row whose f32 products overflow is recomputed in double, so
// |x| up to 2^101 (squares up to 2^202, far past FLT_MAX) still gives finite sums within the
// bound. (Keras's float32 would give Inf; a documented deviation.)
TEST_P(RowSumsTest, RandomRowsMatchLongDoubleReference) {
  ForEachDistributionAndType(
      [&](auto tag, Distribution d) { SweepRandomRows<decltype(tag)>(set(), d); });
}

// Pins the "flushed every kFlushBlock" part of the blocked contract (see AbsorptionValue).
TEST_P(RowSumsTest, AbsorptionStaysWithinBlockBound) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : cossim_test::SweepLengths()) {
      SCOPED_TRACE(::testing::Message() << "n=" << n);
      Guarded<T> ga(n, 1, kGuard, T(0)), gb(n, 0, kGuard, T(0));
      for (std::size_t i = 0; i < n; ++i) {
        ga.row()[i] = cossim_test::AbsorptionValue<T>(i, true);
        gb.row()[i] = cossim_test::AbsorptionValue<T>(i, false);
      }
      for (Which w : {Which::kRowSums, Which::kRowDotSs}) {
        ASSERT_TRUE(MatchesReference<T>(set(), w, ga.row(), gb.row(), n));
      }
    }
  });
}

// Overflow confined to one element of a long row, and a row whose products fit in f32 but whose
// lane sums do not (1.5e19^2 = 2.25e38 < FLT_MAX, two of them > FLT_MAX).
TEST_P(RowSumsTest, PartialOverflowIsRecomputed) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : {9, 16, 64, 257, 1000, 4099}) {
      for (std::size_t where : {std::size_t{0}, n / 2, n - 1}) {
        SCOPED_TRACE(::testing::Message() << "n=" << n << " huge element at " << where);
        Guarded<T> ga(n, 1, kGuard, T(0)), gb(n, 0, kGuard, T(0));
        T* a = ga.row();
        T* b = gb.row();
        for (std::size_t i = 0; i < n; ++i) {
          a[i] = static_cast<T>(0.25 + static_cast<double>(i % 3));
          b[i] = static_cast<T>(1.0 - static_cast<double>(i % 5) * 0.125);
        }
        a[where] = static_cast<T>(3e25);
        b[where] = static_cast<T>(-2e25);
        ASSERT_TRUE(MatchesReference<T>(set(), Which::kRowSums, a, b, n));
        for (std::size_t i = 0; i < n; ++i) a[i] = b[i] = static_cast<T>(1.5e19);
        ASSERT_TRUE(std::isfinite(Call<T>(set(), Which::kRowSums, a, b, n).ss_a));
        ASSERT_TRUE(MatchesReference<T>(set(), Which::kRowSums, a, b, n));
      }
    }
  });
}

TEST_P(RowSumsTest, SmallIntegerRowsAreExact) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : cossim_test::SweepLengths()) {
      for (std::size_t offset = 0; offset < kMisalignments<T>; ++offset) {
        SCOPED_TRACE(::testing::Message() << "n=" << n << " offset=" << offset);
        const T sentinel = cossim_test::Sentinels<T>()[offset % 2];
        Guarded<T> ga(n, offset, kGuard, sentinel);
        Guarded<T> gb(n, kMisalignments<T> - 1 - offset, kGuard, sentinel);
        double dot = 0, ss_a = 0, ss_b = 0;  // small integers: exact in double
        for (std::size_t i = 0; i < n; ++i) {
          const double x = cossim_test::IntegerValue(i, 1);
          const double y = cossim_test::IntegerValue(i, 2) + (i + 1 == n ? 5 : 0);
          ga.row()[i] = static_cast<T>(x);
          gb.row()[i] = static_cast<T>(y);
          dot += x * y;
          ss_a += x * x;
          ss_b += y * y;
        }
        const RowSums s = Call<T>(set(), Which::kRowSums, ga.row(), gb.row(), n);
        ASSERT_EQ(s.dot, dot);
        ASSERT_EQ(s.ss_a, ss_a);
        ASSERT_EQ(s.ss_b, ss_b);
        const RowSums t = Call<T>(set(), Which::kRowDotSs, ga.row(), gb.row(), n);
        ASSERT_EQ(t.dot, dot);
        ASSERT_EQ(t.ss_a, 0.0);
        ASSERT_EQ(t.ss_b, ss_b);
      }
    }
  });
}

// Allocations of exactly offset + n elements: under AddressSanitizer any read past a[n-1] is a
// heap-buffer-overflow report, even one that a sentinel could not reveal (a masked load).
TEST_P(RowSumsTest, ExactSizeAllocationsAreNotOverread) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    const std::uint64_t seed = cossim_test::BaseSeed();
    SCOPED_TRACE(cossim_test::SeedTrace(seed));
    for (std::size_t n : cossim_test::SweepLengths(1000)) {
      for (std::size_t offset = 0; offset < kMisalignments<T>; ++offset) {
        SCOPED_TRACE(::testing::Message() << "n=" << n << " offset=" << offset);
        std::mt19937_64 rng = cossim_test::CaseRng(seed, n, offset, 99, sizeof(T));
        const std::size_t ob = kMisalignments<T> - 1 - offset;
        std::unique_ptr<T[]> sa(new T[offset + n]), sb(new T[ob + n]);
        ASSERT_EQ(reinterpret_cast<std::uintptr_t>(sa.get()) % 16, 0u);
        T* a = sa.get() + offset;
        T* b = sb.get() + ob;
        cossim_test::Fill(a, n, Distribution::kUniform, rng);
        cossim_test::Fill(b, n, Distribution::kUniform, rng);
        for (Which w : {Which::kRowSums, Which::kRowDotSs}) {
          ASSERT_TRUE(MatchesReference<T>(set(), w, a, b, n));
        }
      }
    }
  });
}

TEST_P(RowSumsTest, ZeroLengthGivesZerosAndReadsNothing) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (T sentinel : cossim_test::Sentinels<T>()) {
      Guarded<T> ga(0, 3 % kMisalignments<T>, kGuard, sentinel), gb(0, 1, kGuard, sentinel);
      for (Which w : {Which::kRowSums, Which::kRowDotSs}) {
        const RowSums got = Call<T>(set(), w, ga.row(), gb.row(), 0);
        EXPECT_EQ(got.dot, 0.0);
        EXPECT_EQ(got.ss_a, 0.0);
        EXPECT_EQ(got.ss_b, 0.0);
        const T* null_row = nullptr;  // empty tensors may arrive with null data pointers
        const RowSums got_null = Call<T>(set(), w, null_row, null_row, 0);
        EXPECT_EQ(got_null.dot, 0.0);
        EXPECT_EQ(got_null.ss_b, 0.0);
      }
    }
  });
}

// Lengths for the special-value tests: around both vector widths, across a flush boundary.
constexpr std::size_t kSpecialLengths[] = {1,  2,  3,  4,  5,   7,   8,   9,   15,  16,
                                           17, 31, 32, 33, 255, 256, 257, 513, 1000};

// A NaN anywhere in a makes dot and ss_a NaN and leaves ss_b alone (and symmetrically for b).
TEST_P(RowSumsTest, NaNInputGivesNaN) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : kSpecialLengths) {
      for (std::size_t pos : {std::size_t{0}, n / 2, n - 1}) {
        for (bool in_a : {true, false}) {
          SCOPED_TRACE(::testing::Message()
                       << "n=" << n << " NaN at " << pos << " in " << (in_a ? "a" : "b"));
          Guarded<T> ga(n, 1, kGuard, T(0)), gb(n, 0, kGuard, T(0));
          for (std::size_t i = 0; i < n; ++i) ga.row()[i] = T(0.5), gb.row()[i] = T(-2);
          (in_a ? ga.row() : gb.row())[pos] = std::numeric_limits<T>::quiet_NaN();
          const RowSums got = Call<T>(set(), Which::kRowSums, ga.row(), gb.row(), n);
          ASSERT_TRUE(std::isnan(got.dot)) << got.dot;
          ASSERT_TRUE(std::isnan(in_a ? got.ss_a : got.ss_b));
          ASSERT_EQ(in_a ? got.ss_b : got.ss_a, in_a ? 4.0 * n : 0.25 * n);
        }
      }
    }
  });
}

// Infinities follow IEEE arithmetic: +Inf * positive -> +Inf in dot and ss; Inf * 0 -> NaN; an
// +Inf and a -Inf product in one row -> NaN.
TEST_P(RowSumsTest, InfinitiesFollowIeee) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    const T inf = std::numeric_limits<T>::infinity();
    const double dinf = std::numeric_limits<double>::infinity();
    for (std::size_t n : kSpecialLengths) {
      for (std::size_t pos : {std::size_t{0}, n / 2, n - 1}) {
        SCOPED_TRACE(::testing::Message() << "n=" << n << " Inf at " << pos);
        Guarded<T> ga(n, 2 % kMisalignments<T>, kGuard, T(0)), gb(n, 1, kGuard, T(0));
        T* a = ga.row();
        T* b = gb.row();
        for (std::size_t i = 0; i < n; ++i) a[i] = T(1), b[i] = T(3);
        a[pos] = inf;
        RowSums got = Call<T>(set(), Which::kRowSums, a, b, n);
        ASSERT_EQ(got.dot, dinf);
        ASSERT_EQ(got.ss_a, dinf);
        ASSERT_EQ(got.ss_b, 9.0 * static_cast<double>(n));
        a[pos] = -inf;
        got = Call<T>(set(), Which::kRowSums, a, b, n);
        ASSERT_EQ(got.dot, -dinf);
        b[pos] = T(0);  // -Inf * 0 = NaN
        got = Call<T>(set(), Which::kRowSums, a, b, n);
        ASSERT_TRUE(std::isnan(got.dot)) << got.dot;
        ASSERT_EQ(got.ss_b, 9.0 * static_cast<double>(n - 1));
        b[pos] = T(3);
        if (n >= 2) {  // +Inf and -Inf products in the same row
          a[pos] = inf;
          a[pos == 0 ? n - 1 : 0] = -inf;
          got = Call<T>(set(), Which::kRowSums, a, b, n);
          ASSERT_TRUE(std::isnan(got.dot)) << got.dot;
          ASSERT_EQ(got.ss_a, dinf);
        }
      }
    }
  });
}

COSSIM_INSTANTIATE_FOR_ALL_KERNEL_SETS(RowSumsTest);

// ---------------------------------------------------------------------------------------------
// The registry.

TEST(KernelRegistry, ListsEveryNativeSetOnceWithEveryKernel) {
  const KernelSetList sets = all_kernel_sets();
  ASSERT_GE(sets.size(), 2u);  // natively: scalar and SIMD128 (through SIMDe)
  std::set<std::string> names;
  for (const KernelSet* k : sets) {
    ASSERT_NE(k, nullptr);
    ASSERT_NE(k->name, nullptr);
    EXPECT_TRUE(names.insert(k->name).second) << "duplicate set " << k->name;
    EXPECT_EQ(find_kernel_set(k->name), k);
    // No kernel missing (a new kernel added to TypedKernels but not to a set would be null).
    auto all_set = [](const auto& t) {
      return t.row_sums && t.row_dot_ss && t.cosine_rows && t.axpby && t.axpby_store &&
             t.tile_dots && t.row_dots && t.sum;
    };
    EXPECT_TRUE(all_set(k->f32)) << k->name;
    EXPECT_TRUE(all_set(k->f64)) << k->name;
    EXPECT_EQ(&typed<float>(*k), &k->f32);
    EXPECT_EQ(&typed<double>(*k), &k->f64);
  }
  EXPECT_STREQ(sets.begin()[0]->name, "scalar");  // baseline first
  EXPECT_EQ(find_kernel_set("no such set"), nullptr);
}

TEST(KernelRegistry, DefaultIsSimd128WhenTheBuildHasIt) {
  EXPECT_STREQ(default_kernel_set().name, "simd128");
  EXPECT_EQ(&default_kernel_set(), all_kernel_sets().end()[-1]);
  EXPECT_EQ(default_kernel_set().f32_accumulation, F32Accumulation::kBlockedF32x4);
  EXPECT_EQ(find_kernel_set("scalar")->f32_accumulation, F32Accumulation::kExactF64);
}

}  // namespace
}  // namespace cossim

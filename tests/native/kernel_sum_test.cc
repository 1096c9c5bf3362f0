// sum of every registered set (production code: the loss's unweighted reduction uses the float64
// one) against the long-double reference, with the bounds of kernels.h.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <vector>

#include "cossim/kernels.h"
#include "kernel_test_support.h"

namespace cossim {
namespace {

using namespace cossim_test;  // the kernel tests' shared helpers

class SumTest : public cossim_test::KernelSetTest {};

template <typename T>
::testing::AssertionResult MatchesReference(const KernelSet& k, const T* x, std::size_t n) {
  cossim_test::Neumaier sum, abs;
  for (std::size_t i = 0; i < n; ++i) {
    sum.Add(x[i]);
    abs.Add(std::fabs(static_cast<long double>(x[i])));
  }
  return cossim_test::Within<T>(k, "sum", typed<T>(k).sum(x, n), sum.Value(),
                                SumBound<T>(k, SumKind::kSum, n, abs.Value()), abs.Value());
}

template <typename T>
void Sweep(const KernelSet& k, Distribution dist) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::size_t n : cossim_test::SweepLengths()) {
    for (std::size_t o = 0; o < kMisalignments<T>; ++o) {
      for (T sentinel : cossim_test::Sentinels<T>()) {
        SCOPED_TRACE(::testing::Message()
                     << "n=" << n << " offset=" << o << " sentinel=" << sentinel);
        std::mt19937_64 rng =
            cossim_test::CaseRng(seed, n, o, static_cast<std::uint64_t>(dist), sizeof(T));
        Guarded<T> g(n, o, kGuard, sentinel);
        cossim_test::Fill(g.row(), n, dist, rng);
        ASSERT_TRUE(MatchesReference<T>(k, g.row(), n));
      }
    }
  }
}

TEST_P(SumTest, RandomRowsMatchLongDoubleReference) {
  ForEachDistributionAndType([&](auto tag, Distribution d) { Sweep<decltype(tag)>(set(), d); },
                             {Distribution::kUniform, Distribution::kWideExponent});
}

// Values near FLT_MAX: f32 partial sums overflow; the set recomputes in double (finite result).
TEST_P(SumTest, PartialSumsNearFloatMaxDoNotOverflow) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : {16, 17, 64, 300, 1000}) {
      SCOPED_TRACE(::testing::Message() << "n=" << n);
      std::vector<T> x(n, static_cast<T>(3e38));
      ASSERT_TRUE(std::isfinite(typed<T>(set()).sum(x.data(), n)));
      ASSERT_TRUE(MatchesReference<T>(set(), x.data(), n));
    }
  });
}

// [A * B, 1, 1, ...]: a lane holding 2^24 (f32) absorbs every later +1, up to 15 per block.
TEST_P(SumTest, AbsorptionStaysWithinBlockBound) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : cossim_test::SweepLengths()) {
      SCOPED_TRACE(::testing::Message() << "n=" << n);
      std::vector<T> x(n, T(1));
      if (n > 0) {
        x[0] = cossim_test::AbsorptionValue<T>(0, true) * cossim_test::AbsorptionValue<T>(0, false);
      }
      ASSERT_TRUE(MatchesReference<T>(set(), x.data(), n));
    }
  });
}

TEST_P(SumTest, SmallIntegersAreExactAndZeroLengthReadsNothing) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : cossim_test::SweepLengths()) {
      for (std::size_t o = 0; o < kMisalignments<T>; ++o) {
        SCOPED_TRACE(::testing::Message() << "n=" << n << " offset=" << o);
        // Exactly o + n elements: AddressSanitizer reports any read past the end.
        std::unique_ptr<T[]> storage(new T[o + n]);
        for (std::size_t i = 0; i < o; ++i) storage[i] = std::numeric_limits<T>::quiet_NaN();
        double want = 0;
        for (std::size_t i = 0; i < n; ++i) {
          storage[o + i] = static_cast<T>(cossim_test::IntegerValue(i, 5) + (i + 1 == n ? 9 : 0));
          want += static_cast<double>(storage[o + i]);
        }
        ASSERT_EQ(typed<T>(set()).sum(storage.get() + o, n), want);
      }
    }
    const T* null_row = nullptr;
    EXPECT_EQ(typed<T>(set()).sum(null_row, 0), 0.0);
  });
}

COSSIM_INSTANTIATE_FOR_ALL_KERNEL_SETS(SumTest);

}  // namespace
}  // namespace cossim

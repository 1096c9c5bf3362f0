// axpby (out += alpha x + beta y, in double) and axpby_store (out = T(alpha x + beta y)) of every
// registered set against the long-double reference, with the bounds of kernels.h: all lengths,
// every misalignment of x, y and out, and guards around out that must never be written.
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

class AxpbyTest : public cossim_test::KernelSetTest {};

// kernels.h: |err| <= 2 v (|alpha x| + |beta y|) + v |result| (+ u_T |result| when stored).
template <typename T>
long double AxpbyBound(long double ax, long double by, long double result, bool stored) {
  const long double u_t = std::is_same_v<T, float> ? kU : kV;
  const long double second_order = 1 + 1e-6L;
  return ((2 * kV) * (std::fabs(ax) + std::fabs(by)) + kV * std::fabs(result) +
          (stored ? u_t * std::fabs(result) : 0)) *
         second_order;
}

constexpr double kCoefficients[][2] = {{0.75, -1.25}, {-3.0e-3, 7.0}, {0.0, 1.0}, {1.0, 0.0}};

template <typename T>
void Sweep(const KernelSet& k, Distribution dist) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::size_t n : cossim_test::SweepLengths()) {
    for (std::size_t ox = 0; ox < kMisalignments<T>; ++ox) {
      for (std::size_t oy = 0; oy < kMisalignments<T>; ++oy) {
        // out's misalignment: double (axpby) 0..1, T (axpby_store) 0..kMisalignments - 1
        const std::size_t oo = (ox + oy) % kMisalignments<T>;
        const double(&ab)[2] = kCoefficients[(ox * 4 + oy) % 4];
        SCOPED_TRACE(::testing::Message()
                     << "n=" << n << " offset_x=" << ox << " offset_y=" << oy
                     << " offset_out=" << oo << " alpha=" << ab[0] << " beta=" << ab[1]);
        std::mt19937_64 rng =
            cossim_test::CaseRng(seed, n, ox * 4 + oy, static_cast<std::uint64_t>(dist), sizeof(T));
        const T sentinel = cossim_test::Sentinels<T>()[(ox + oy) % 2];
        Guarded<T> gx(n, ox, kGuard, sentinel), gy(n, oy, kGuard, sentinel);
        cossim_test::Fill(gx.row(), n, dist, rng);
        cossim_test::Fill(gy.row(), n, dist, rng);
        const T* x = gx.row();
        const T* y = gy.row();

        Guarded<double> acc(n, oo % 2, kGuard, std::numeric_limits<double>::quiet_NaN());
        cossim_test::Fill(acc.row(), n, Distribution::kUniform, rng);
        const std::vector<double> before(acc.row(), acc.row() + n);
        typed<T>(k).axpby(x, y, n, ab[0], ab[1], acc.row());
        ASSERT_TRUE(acc.GuardsIntact()) << "axpby wrote outside out[0, n)";

        Guarded<T> st(n, oo, kGuard, std::numeric_limits<T>::quiet_NaN());
        typed<T>(k).axpby_store(x, y, n, ab[0], ab[1], st.row());
        ASSERT_TRUE(st.GuardsIntact()) << "axpby_store wrote outside out[0, n)";

        for (std::size_t i = 0; i < n; ++i) {
          const long double ax = static_cast<long double>(ab[0]) * x[i];
          const long double by = static_cast<long double>(ab[1]) * y[i];
          const long double sum = before[i] + ax + by;
          ASSERT_TRUE(cossim_test::Within<T>(k, "axpby", acc.row()[i], sum,
                                             AxpbyBound<T>(ax, by, sum, false),
                                             std::fabs(ax) + std::fabs(by) + std::fabs(sum)))
              << " at " << i;
          ASSERT_TRUE(cossim_test::Within<T>(k, "axpby_store", st.row()[i], ax + by,
                                             AxpbyBound<T>(ax, by, ax + by, true),
                                             std::fabs(ax) + std::fabs(by)))
              << " at " << i;
        }
      }
    }
  }
}

TEST_P(AxpbyTest, RandomRowsMatchLongDoubleReference) {
  ForEachDistributionAndType([&](auto tag, Distribution d) { Sweep<decltype(tag)>(set(), d); });
}

// Small integers and coefficients: exact in every set, so a dropped, repeated or shifted element
// (or a lost accumulation into out) is an exact mismatch.
TEST_P(AxpbyTest, SmallIntegersAreExact) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : cossim_test::SweepLengths(1000)) {
      SCOPED_TRACE(::testing::Message() << "n=" << n);
      std::vector<T> x(n), y(n), st(n);
      std::vector<double> acc(n);
      for (std::size_t i = 0; i < n; ++i) {
        x[i] = static_cast<T>(cossim_test::IntegerValue(i, 1));
        y[i] = static_cast<T>(cossim_test::IntegerValue(i, 2));
        acc[i] = cossim_test::IntegerValue(i, 3);
      }
      typed<T>(set()).axpby(x.data(), y.data(), n, 2.0, -3.0, acc.data());
      typed<T>(set()).axpby_store(x.data(), y.data(), n, -0.5, 4.0, st.data());
      for (std::size_t i = 0; i < n; ++i) {
        const double xi = cossim_test::IntegerValue(i, 1), yi = cossim_test::IntegerValue(i, 2);
        ASSERT_EQ(acc[i], cossim_test::IntegerValue(i, 3) + 2 * xi - 3 * yi) << i;
        ASSERT_EQ(static_cast<double>(st[i]), -0.5 * xi + 4 * yi) << i;
      }
    }
  });
}

// Exact-size allocations of x, y and out: under AddressSanitizer any access past element n-1
// (read or write) is reported.
TEST_P(AxpbyTest, ExactSizeAllocationsAreNotOverrun) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    const std::uint64_t seed = cossim_test::BaseSeed();
    for (std::size_t n : cossim_test::SweepLengths(1000)) {
      for (std::size_t o = 0; o < kMisalignments<T>; ++o) {
        SCOPED_TRACE(::testing::Message() << "n=" << n << " offset=" << o);
        std::mt19937_64 rng = cossim_test::CaseRng(seed, n, o, 7);
        std::unique_ptr<T[]> x(new T[o + n]), y(new T[o + n]), st(new T[o + n]);
        std::unique_ptr<double[]> acc(new double[o % 2 + n]);
        cossim_test::Fill(x.get() + o, n, Distribution::kUniform, rng);
        cossim_test::Fill(y.get() + o, n, Distribution::kUniform, rng);
        for (std::size_t i = 0; i < n; ++i) acc[o % 2 + i] = 0;
        typed<T>(set()).axpby(x.get() + o, y.get() + o, n, 0.5, 2.0, acc.get() + o % 2);
        typed<T>(set()).axpby_store(x.get() + o, y.get() + o, n, 0.5, 2.0, st.get() + o);
        for (std::size_t i = 0; i < n; ++i) {
          const long double ax = 0.5L * x[o + i], by = 2.0L * y[o + i];
          ASSERT_LE(std::fabs(acc[o % 2 + i] - (ax + by)), AxpbyBound<T>(ax, by, ax + by, false));
          ASSERT_LE(std::fabs(st[o + i] - (ax + by)), AxpbyBound<T>(ax, by, ax + by, true));
        }
      }
    }
  });
}

COSSIM_INSTANTIATE_FOR_ALL_KERNEL_SETS(AxpbyTest);

}  // namespace
}  // namespace cossim

// The search kernels of every registered set, tile_dots (the pairwise 4 x 2 micro-kernel) and
// row_dots (top-k: |row|^2 and up to kMaxQueryDots query dots per row), against the long-double
// reference with the bounds of kernels.h: all lengths, every misalignment, partial tiles (rows
// repeated, as the core passes them), nq = 0..kMaxQueryDots, guards around every output.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "cossim/kernels.h"
#include "kernel_test_support.h"

namespace cossim {
namespace {

using namespace cossim_test;  // the kernel tests' shared helpers

class SearchKernelsTest : public cossim_test::KernelSetTest {};

// Rows of length n, row i at misalignment (base + i) % kMisalignments.
template <typename T>
std::vector<std::unique_ptr<Guarded<T>>> MakeRows(std::size_t count, std::size_t n,
                                                  std::size_t base, T sentinel) {
  std::vector<std::unique_ptr<Guarded<T>>> rows;
  for (std::size_t i = 0; i < count; ++i) {
    rows.push_back(
        std::make_unique<Guarded<T>>(n, (base + i) % kMisalignments<T>, kGuard, sentinel));
  }
  return rows;
}

// One tile call with rows_a of a and rows_b of b (the rest repeat row 0, as the core's partial
// tiles do); every output checked, including the repeated ones.
template <typename T>
::testing::AssertionResult CheckTile(const KernelSet& k, const std::vector<const T*>& a_rows,
                                     const std::vector<const T*>& b_rows, int rows_a, int rows_b,
                                     std::size_t n) {
  const T* pa[kTileA];
  const T* pb[kTileB];
  for (int r = 0; r < kTileA; ++r) pa[r] = a_rows[r < rows_a ? r : 0];
  for (int c = 0; c < kTileB; ++c) pb[c] = b_rows[c < rows_b ? c : 0];
  Guarded<double> out(kTileA * kTileB, 1, kGuard, std::numeric_limits<double>::quiet_NaN());
  typed<T>(k).tile_dots(pa, pb, n, out.row());
  if (!out.GuardsIntact()) return ::testing::AssertionFailure() << "wrote outside the tile";
  for (int r = 0; r < kTileA; ++r) {
    for (int c = 0; c < kTileB; ++c) {
      auto ok = DotWithin<T>(k, "tile_dots", SumKind::kTileDots, out.row()[r * kTileB + c], pa[r],
                             pb[c], n);
      if (!ok) return ok << " (r=" << r << ", c=" << c << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
void SweepTiles(const KernelSet& k, Distribution dist) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::size_t n : cossim_test::SweepLengths()) {
    for (std::size_t base_a = 0; base_a < kMisalignments<T>; ++base_a) {
      for (std::size_t base_b = 0; base_b < kMisalignments<T>; ++base_b) {
        if (n > 1000 && base_b != (base_a + 1) % kMisalignments<T>) continue;
        SCOPED_TRACE(::testing::Message()
                     << "n=" << n << " misalignment base a=" << base_a << " b=" << base_b);
        std::mt19937_64 rng = cossim_test::CaseRng(seed, n, base_a * 4 + base_b,
                                                   static_cast<std::uint64_t>(dist), sizeof(T));
        const T sentinel = cossim_test::Sentinels<T>()[(base_a + base_b) % 2];
        auto ga = MakeRows<T>(kTileA, n, base_a, sentinel);
        auto gb = MakeRows<T>(kTileB, n, base_b, sentinel);
        std::vector<const T*> a_rows, b_rows;
        for (auto& g : ga) cossim_test::Fill(g->row(), n, dist, rng), a_rows.push_back(g->row());
        for (auto& g : gb) cossim_test::Fill(g->row(), n, dist, rng), b_rows.push_back(g->row());
        for (int rows_a = n > 1000 ? kTileA : 1; rows_a <= kTileA; ++rows_a) {
          for (int rows_b = n > 1000 ? kTileB : 1; rows_b <= kTileB; ++rows_b) {
            SCOPED_TRACE(::testing::Message() << "tile " << rows_a << " x " << rows_b);
            ASSERT_TRUE(CheckTile<T>(k, a_rows, b_rows, rows_a, rows_b, n));
          }
        }
      }
    }
  }
}

// Huge rows too: f32 products overflow, the tile is recomputed in double and meets the bound.
TEST_P(SearchKernelsTest, TileDotsMatchLongDoubleReference) {
  ForEachDistributionAndType(
      [&](auto tag, Distribution d) { SweepTiles<decltype(tag)>(set(), d); });
}

// The flush pinned (AbsorptionValue): each lane of a blocked set loses up to 63 units per block.
TEST_P(SearchKernelsTest, TileDotsAbsorptionStaysWithinBlockBound) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t n : cossim_test::SweepLengths()) {
      SCOPED_TRACE(::testing::Message() << "n=" << n);
      auto ga = MakeRows<T>(kTileA, n, 0, T(0));
      auto gb = MakeRows<T>(kTileB, n, 1, T(0));
      std::vector<const T*> a_rows, b_rows;
      for (auto& g : ga) {
        for (std::size_t i = 0; i < n; ++i) g->row()[i] = cossim_test::AbsorptionValue<T>(i, true);
        a_rows.push_back(g->row());
      }
      for (auto& g : gb) {
        for (std::size_t i = 0; i < n; ++i) g->row()[i] = cossim_test::AbsorptionValue<T>(i, false);
        b_rows.push_back(g->row());
      }
      ASSERT_TRUE(CheckTile<T>(set(), a_rows, b_rows, kTileA, kTileB, n));
    }
  });
}

// ---------------------------------------------------------------------------------------------
// row_dots

// One call over `rows` table rows with nq queries; checks ss, the nq dots per row, that the
// entries q >= nq and everything outside the outputs are untouched.
template <typename T>
::testing::AssertionResult CheckRowDots(const KernelSet& k, const T* table, std::size_t rows,
                                        std::size_t d, const std::vector<const T*>& queries, int nq,
                                        bool null_dots) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Guarded<double> dots(rows * kMaxQueryDots, 1, kGuard, nan);
  Guarded<double> ss(rows, 1, kGuard, nan);
  typed<T>(k).row_dots(table, rows, d, queries.data(), nq, null_dots ? nullptr : dots.row(),
                       ss.row());
  if (!dots.GuardsIntact() || !ss.GuardsIntact()) {
    return ::testing::AssertionFailure() << "wrote outside dots / ss";
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const T* t = table + r * d;
    auto ok = DotWithin<T>(k, "row_dots", SumKind::kRowDots, ss.row()[r], t, t, d);
    if (!ok) return ok << " (ss of row " << r << ")";
    for (int q = 0; q < kMaxQueryDots; ++q) {
      const double got = dots.row()[r * kMaxQueryDots + q];
      if (q >= nq) {
        if (std::memcmp(&got, &nan, sizeof got) != 0) {
          return ::testing::AssertionFailure() << "wrote dots[" << r << "][" << q << "], nq=" << nq;
        }
        continue;
      }
      ok = DotWithin<T>(k, "row_dots", SumKind::kRowDots, got, queries[q], t, d);
      if (!ok) return ok << " (row " << r << ", query " << q << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

template <typename T>
void SweepRowDots(const KernelSet& k, Distribution dist) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::size_t d : cossim_test::SweepLengths()) {
    for (std::size_t ot = 0; ot < kMisalignments<T>; ++ot) {
      for (std::size_t oq = 0; oq < kMisalignments<T>; ++oq) {
        if (d > 1000 && oq != (ot + 1) % kMisalignments<T>) continue;
        const std::size_t rows = d > 1000 ? 2 : 5;
        SCOPED_TRACE(::testing::Message() << "d=" << d << " rows=" << rows << " offset_table=" << ot
                                          << " query misalignment base=" << oq);
        std::mt19937_64 rng =
            cossim_test::CaseRng(seed, d, ot * 4 + oq, static_cast<std::uint64_t>(dist), sizeof(T));
        const T sentinel = cossim_test::Sentinels<T>()[(ot + oq) % 2];
        Guarded<T> table(rows * d, ot, kGuard, sentinel);
        cossim_test::Fill(table.row(), rows * d, dist, rng);
        auto gq = MakeRows<T>(kMaxQueryDots, d, oq, sentinel);
        std::vector<const T*> queries;
        for (auto& g : gq) cossim_test::Fill(g->row(), d, dist, rng), queries.push_back(g->row());
        for (int nq = 0; nq <= kMaxQueryDots; ++nq) {
          for (std::size_t r : {std::size_t{0}, std::size_t{1}, rows}) {  // 0, 1 and several rows
            SCOPED_TRACE(::testing::Message() << "nq=" << nq << " rows=" << r);
            ASSERT_TRUE(CheckRowDots<T>(k, table.row(), r, d, queries, nq, false));
          }
        }
        ASSERT_TRUE(CheckRowDots<T>(k, table.row(), rows, d, queries, 0, true));  // dots null
      }
    }
  }
}

TEST_P(SearchKernelsTest, RowDotsMatchLongDoubleReference) {
  ForEachDistributionAndType(
      [&](auto tag, Distribution d) { SweepRowDots<decltype(tag)>(set(), d); });
}

TEST_P(SearchKernelsTest, RowDotsAbsorptionStaysWithinBlockBound) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t d : cossim_test::SweepLengths()) {
      SCOPED_TRACE(::testing::Message() << "d=" << d);
      std::vector<T> table(2 * d);
      for (std::size_t i = 0; i < 2 * d; ++i) {
        table[i] = cossim_test::AbsorptionValue<T>(i % (d == 0 ? 1 : d), false);
      }
      auto gq = MakeRows<T>(kMaxQueryDots, d, 1, T(0));
      std::vector<const T*> queries;
      for (auto& g : gq) {
        for (std::size_t i = 0; i < d; ++i) g->row()[i] = cossim_test::AbsorptionValue<T>(i, true);
        queries.push_back(g->row());
      }
      for (int nq = 0; nq <= kMaxQueryDots; ++nq) {
        SCOPED_TRACE(::testing::Message() << "nq=" << nq);
        ASSERT_TRUE(CheckRowDots<T>(set(), table.data(), 2, d, queries, nq, false));
      }
    }
  });
}

// Small integers: exact in every set; a dropped, repeated or shifted element is a mismatch.
TEST_P(SearchKernelsTest, SmallIntegersAreExact) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    for (std::size_t d : cossim_test::SweepLengths(1000)) {
      SCOPED_TRACE(::testing::Message() << "d=" << d);
      std::vector<std::vector<T>> rows(kTileA + kTileB, std::vector<T>(d));
      for (std::size_t r = 0; r < rows.size(); ++r) {
        for (std::size_t i = 0; i < d; ++i) {
          rows[r][i] = static_cast<T>(cossim_test::IntegerValue(i, r) + (i + 1 == d ? 2 : 0));
        }
      }
      auto exact_dot = [&](std::size_t x, std::size_t y) {
        double s = 0;
        for (std::size_t i = 0; i < d; ++i) {
          s += static_cast<double>(rows[x][i]) * static_cast<double>(rows[y][i]);
        }
        return s;
      };
      const T* pa[kTileA];
      const T* pb[kTileB];
      for (int r = 0; r < kTileA; ++r) pa[r] = rows[r].data();
      for (int c = 0; c < kTileB; ++c) pb[c] = rows[kTileA + c].data();
      double out[kTileA * kTileB];
      typed<T>(set()).tile_dots(pa, pb, d, out);
      for (int r = 0; r < kTileA; ++r) {
        for (int c = 0; c < kTileB; ++c) ASSERT_EQ(out[r * kTileB + c], exact_dot(r, kTileA + c));
      }
      // Table = rows 0..1 laid out contiguously; queries = rows 2..5.
      std::vector<T> table(rows[0]);
      table.insert(table.end(), rows[1].begin(), rows[1].end());
      const T* queries[kMaxQueryDots];
      for (int q = 0; q < kMaxQueryDots; ++q) queries[q] = rows[2 + q].data();
      for (int nq = 0; nq <= kMaxQueryDots; ++nq) {
        double dots[2 * kMaxQueryDots], ss[2];
        typed<T>(set()).row_dots(table.data(), 2, d, queries, nq, dots, ss);
        for (std::size_t r = 0; r < 2; ++r) {
          ASSERT_EQ(ss[r], exact_dot(r, r));
          for (int q = 0; q < nq; ++q) ASSERT_EQ(dots[r * kMaxQueryDots + q], exact_dot(2 + q, r));
        }
      }
    }
  });
}

// Exact-size allocations (AddressSanitizer reports any read past element n-1).
TEST_P(SearchKernelsTest, ExactSizeAllocationsAreNotOverread) {
  ForEachType([&](auto tag) {
    using T = decltype(tag);
    const std::uint64_t seed = cossim_test::BaseSeed();
    for (std::size_t d : cossim_test::SweepLengths(1000)) {
      for (std::size_t o = 0; o < kMisalignments<T>; ++o) {
        SCOPED_TRACE(::testing::Message() << "d=" << d << " offset=" << o);
        std::mt19937_64 rng = cossim_test::CaseRng(seed, d, o, 11);
        std::vector<std::unique_ptr<T[]>> storage;
        std::vector<const T*> rows;
        for (int r = 0; r < kTileA + kTileB; ++r) {
          storage.emplace_back(new T[o + d]);
          cossim_test::Fill(storage.back().get() + o, d, Distribution::kUniform, rng);
          rows.push_back(storage.back().get() + o);
        }
        std::vector<const T*> b_rows(rows.begin() + kTileA, rows.end());
        ASSERT_TRUE(CheckTile<T>(set(), rows, b_rows, kTileA, kTileB, d));
        std::vector<const T*> queries(rows.begin(), rows.begin() + kMaxQueryDots);
        for (int nq = 0; nq <= kMaxQueryDots; ++nq) {
          ASSERT_TRUE(CheckRowDots<T>(set(), rows[kTileA], 1, d, queries, nq, false));
        }
      }
    }
  });
}

COSSIM_INSTANTIATE_FOR_ALL_KERNEL_SETS(SearchKernelsTest);

}  // namespace
}  // namespace cossim

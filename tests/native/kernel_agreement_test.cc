// Special rows give every set the same result as the baseline (scalar) set. kernels.h: a float32
// row whose f32 arithmetic overflows (|x| >~ 1.8e19) or meets NaN/Inf is recomputed by the scalar
// kernel, so for float32 rows whose every product overflows the results must agree bit for bit;
// with NaN/Inf inputs every non-finite result must be the baseline's (NaN with NaN, Inf of the
// same sign), in both types (finite results differ by rounding, which the bound tests cover).
// A test of this file fails for a set that keeps an overflowed f32 result (Inf from finite input)
// or loses a NaN.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "cossim/kernels.h"
#include "kernel_test_support.h"

namespace cossim {
namespace {

using namespace cossim_test;  // the kernel tests' shared helpers

class AgreementTest : public cossim_test::KernelSetTest {};

enum class Special { kHuge, kNaN, kPlusInf, kMinusInf };

constexpr int kRows = 5;  // > 4: the small-row path's 4-row step and its tail

// Every kernel's outputs on the same rows, in one vector.
template <typename T>
std::vector<double> AllOutputs(const KernelSet& k, const std::vector<T>& a, const std::vector<T>& b,
                               std::size_t d, bool with_sum) {
  const TypedKernels<T>& t = typed<T>(k);
  std::vector<double> out;
  for (int r = 0; r < kRows; ++r) {
    for (bool dot_ss : {false, true}) {
      const RowSums s = (dot_ss ? t.row_dot_ss : t.row_sums)(&a[r * d], &b[r * d], d);
      out.insert(out.end(), {s.dot, s.ss_a, s.ss_b});
    }
    if (with_sum) out.push_back(t.sum(&a[r * d], d));
  }
  const double eps = std::is_same_v<T, float> ? static_cast<double>(1e-12f) : 1e-12;
  for (std::size_t sa : {d, std::size_t{0}}) {  // contiguous (small rows: f32x4) and broadcast
    for (std::size_t sb : {d, std::size_t{0}}) {
      std::vector<double> c(kRows);
      t.cosine_rows(a.data(), sa, b.data(), sb, kRows, d, eps, c.data());
      out.insert(out.end(), c.begin(), c.end());
    }
  }
  const T* pa[kTileA];
  const T* pb[kTileB];
  for (int r = 0; r < kTileA; ++r) pa[r] = &a[r * d];
  for (int c = 0; c < kTileB; ++c) pb[c] = &b[(c + 1) * d];
  double tile[kTileA * kTileB];
  t.tile_dots(pa, pb, d, tile);
  out.insert(out.end(), tile, tile + kTileA * kTileB);
  const T* queries[kMaxQueryDots];
  for (int q = 0; q < kMaxQueryDots; ++q) queries[q] = &b[q * d];
  for (int nq = 0; nq <= kMaxQueryDots; ++nq) {
    std::vector<double> dots(kRows * kMaxQueryDots, 0.0), ss(kRows);
    t.row_dots(a.data(), kRows, d, queries, nq, dots.data(), ss.data());
    out.insert(out.end(), dots.begin(), dots.end());
    out.insert(out.end(), ss.begin(), ss.end());
  }
  return out;
}

template <typename T>
void CheckAgreement(const KernelSet& k, const KernelSet& baseline) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (Special special : {Special::kHuge, Special::kNaN, Special::kPlusInf, Special::kMinusInf}) {
    for (std::size_t d : {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 255, 256, 257, 1000}) {
      for (std::size_t pos : {std::size_t{0}, d / 2, d - 1}) {
        for (int in_operand = 0; in_operand < 2; ++in_operand) {
          SCOPED_TRACE(::testing::Message() << "special=" << static_cast<int>(special) << " d=" << d
                                            << " at " << pos << " in " << (in_operand ? "b" : "a"));
          std::mt19937_64 rng =
              cossim_test::CaseRng(seed, d, pos, static_cast<std::uint64_t>(special));
          std::vector<T> a(kRows * d), b(kRows * d);
          std::vector<T>& target = in_operand ? b : a;
          if (special == Special::kHuge) {
            // Every product overflows f32, so every kernel that forms products falls back. (A
            // huge element times a small one does not overflow and stays in f32, within the
            // bound; sum forms no products, so it is compared for the non-finite cases only.)
            // Rows shorter than one vector step (d < 8) never reach the f32 loops: the SIMD
            // kernels sum them in double in their tail, in another order than the scalar set.
            if (pos != 0 || in_operand != 0 || d < 8) continue;
            cossim_test::Fill(a.data(), a.size(), Distribution::kHuge, rng);
            cossim_test::Fill(b.data(), b.size(), Distribution::kHuge, rng);
          } else {
            cossim_test::Fill(a.data(), a.size(), Distribution::kUniform, rng);
            cossim_test::Fill(b.data(), b.size(), Distribution::kUniform, rng);
            const T value = special == Special::kNaN       ? std::numeric_limits<T>::quiet_NaN()
                            : special == Special::kPlusInf ? std::numeric_limits<T>::infinity()
                                                           : -std::numeric_limits<T>::infinity();
            target[1 * d + pos] = value;
            target[4 * d + pos] = value;
          }
          const bool with_sum = special != Special::kHuge;
          const std::vector<double> got = AllOutputs<T>(k, a, b, d, with_sum);
          const std::vector<double> want = AllOutputs<T>(baseline, a, b, d, with_sum);
          ASSERT_EQ(got.size(), want.size());
          for (std::size_t i = 0; i < got.size(); ++i) {
            // Huge f32 rows: every output came from the scalar kernels. NaN/Inf rows: the outputs
            // they reach (the clean rows' finite outputs differ by rounding).
            const bool all_fallback = std::is_same_v<T, float> && special == Special::kHuge;
            const bool compare = all_fallback || !std::isfinite(got[i]) || !std::isfinite(want[i]);
            if (compare) {
              ASSERT_TRUE(cossim_test::SameValue(got[i], want[i]))
                  << "output " << i << ": " << got[i] << " vs " << baseline.name << "'s "
                  << want[i];
            }
          }
        }
      }
    }
  }
}

TEST_P(AgreementTest, SpecialRowsGiveTheBaselineSetsResult) {
  const KernelSet& baseline = **all_kernel_sets().begin();
  ForEachType([&](auto tag) { CheckAgreement<decltype(tag)>(set(), baseline); });
}

COSSIM_INSTANTIATE_FOR_ALL_KERNEL_SETS(AgreementTest);

}  // namespace
}  // namespace cossim

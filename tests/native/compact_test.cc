// Compact tables (compact.h, compact_kernels.h): rounding against brute force over every
// float16/bfloat16 value, the kernels of both sets against a long-double reference (lengths,
// misalignment, end sentinels, the overflow fallback), quantisation, and the core entry points
// against a long-double cosine of the stored values.
#include "cossim/compact.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "cossim/compact_kernels.h"
#include "test_support.h"

namespace {

using cossim::CompactDType;
using cossim::KernelSet;
using cossim_test::BaseSeed;
using cossim_test::CaseRng;
using cossim_test::SeedTrace;

// Independent decoders, from the formats' definitions.
long double DecodeF16(std::uint16_t h) {
  const int e = (h >> 10) & 31, m = h & 1023;
  const long double mag = e == 0 ? std::ldexp(static_cast<long double>(m), -24)
                                 : std::ldexp(static_cast<long double>(1024 + m), e - 25);
  return (h & 0x8000) ? -mag : mag;
}
long double DecodeBF16(std::uint16_t h) {
  const int e = (h >> 7) & 255, m = h & 127;
  const long double mag = e == 0 ? std::ldexp(static_cast<long double>(m), -133)
                                 : std::ldexp(static_cast<long double>(128 + m), e - 134);
  return (h & 0x8000) ? -mag : mag;
}

// Every finite non-negative value of a format, ascending (bits 0 .. largest finite).
std::vector<long double> AllValues(bool f16) {
  std::vector<long double> v;
  const int last = f16 ? 0x7bff : 0x7f7f;
  for (int b = 0; b <= last; ++b) {
    v.push_back(f16 ? DecodeF16(static_cast<std::uint16_t>(b))
                    : DecodeBF16(static_cast<std::uint16_t>(b)));
  }
  return v;
}

// Nearest value's bits, ties to the even bit pattern; -1 when it rounds past the largest finite.
int BruteRound(const std::vector<long double>& values, long double a) {
  const auto it = std::lower_bound(values.begin(), values.end(), a);
  const int hi = static_cast<int>(it - values.begin());
  if (hi == static_cast<int>(values.size())) {
    const long double top = values.back(), ulp = top - values[values.size() - 2];
    if (a < top + ulp / 2) return hi - 1;
    return -1;  // at or past the midpoint to the next power of two: Inf
  }
  if (values[hi] == a || hi == 0) return hi;
  const long double dlo = a - values[hi - 1], dhi = values[hi] - a;
  if (dlo < dhi) return hi - 1;
  if (dhi < dlo) return hi;
  return (hi % 2 == 0) ? hi : hi - 1;
}

TEST(CompactRounding, MatchesBruteForceOverEveryValue) {
  const std::uint64_t seed = BaseSeed();
  SCOPED_TRACE(SeedTrace(seed));
  for (const bool f16 : {true, false}) {
    SCOPED_TRACE(f16 ? "float16" : "bfloat16");
    const std::vector<long double> values = AllValues(f16);
    std::vector<double> probes;
    // Every value, every midpoint (ties), and points just off them.
    for (std::size_t i = 0; i + 1 < values.size(); ++i) {
      const double v = static_cast<double>(values[i]);
      const double mid = static_cast<double>((values[i] + values[i + 1]) / 2);
      const float midf = static_cast<float>(mid);  // exact: midpoints have <= 12 (9) bits
      probes.insert(probes.end(), {v, mid, std::nextafter(mid, 0.0), std::nextafter(mid, 1e300),
                                   std::nextafter(midf, 0.0f), std::nextafter(midf, 1e30f)});
    }
    probes.push_back(static_cast<double>(values.back()));
    probes.push_back(static_cast<double>(values.back()) * 1.002);
    std::mt19937_64 rng = CaseRng(seed, f16);
    std::uniform_real_distribution<double> u(-40, 20);
    for (int i = 0; i < 20000; ++i) probes.push_back(std::exp2(u(rng)) * (i % 2 ? 1.7 : 1.0));
    for (const double p : probes) {
      for (const double x : {p, -p}) {
        std::uint16_t got = 0;
        const bool ok = f16 ? cossim::round_to_f16(x, &got) : cossim::round_to_bf16(x, &got);
        const int want = BruteRound(values, std::fabs(static_cast<long double>(x)));
        if (want < 0) {
          ASSERT_FALSE(ok) << x;
          continue;
        }
        ASSERT_TRUE(ok) << x;
        ASSERT_EQ(got & 0x7fff, want) << "x = " << x;
        ASSERT_EQ((got & 0x8000) != 0, std::signbit(x)) << x;
      }
    }
    std::uint16_t bits;
    EXPECT_FALSE(f16 ? cossim::round_to_f16(NAN, &bits) : cossim::round_to_bf16(NAN, &bits));
    EXPECT_FALSE(f16 ? cossim::round_to_f16(-INFINITY, &bits)
                     : cossim::round_to_bf16(INFINITY, &bits));
  }
}

// ---- kernels ----

// Every registered set (the one registry), so a new set is tested without editing this file.
std::vector<const KernelSet*> KernelSets() {
  const cossim::KernelSetList all = cossim::all_kernel_sets();
  return {all.begin(), all.end()};
}

std::vector<std::size_t> Lengths() {
  std::vector<std::size_t> n;
  for (std::size_t i = 0; i <= 70; ++i) n.push_back(i);
  for (std::size_t i : {127, 128, 129, 255, 256, 257, 1000, 4097}) n.push_back(i);
  return n;
}

enum class Fmt { kF16, kBF16, kI8 };

// A random stored element: finite float16/bfloat16 bits (some subnormal, some large), or int8.
std::uint16_t RandomBits(Fmt f, std::mt19937_64& rng, bool huge) {
  std::uniform_real_distribution<double> u(-1, 1);
  std::uniform_int_distribution<int> pick(0, 15);
  double x = u(rng);
  const int p = pick(rng);
  if (p == 0) x *= 1e-6;   // float16 subnormals
  if (p == 1) x *= 60000;  // near float16's top
  if (f == Fmt::kBF16 && huge) x *= 1e37;
  std::uint16_t b = 0;
  (f == Fmt::kF16 ? cossim::round_to_f16(x, &b) : cossim::round_to_bf16(x, &b));
  return b;
}

TEST(CompactKernels, MatchLongDoubleReference) {
  const std::uint64_t seed = BaseSeed();
  SCOPED_TRACE(SeedTrace(seed));
  constexpr std::size_t kRows = 3, kPad = 16;
  for (const KernelSet* k : KernelSets()) {
    SCOPED_TRACE(k->name);
    const bool simd = std::string(k->name) != "scalar";
    for (const Fmt f : {Fmt::kF16, Fmt::kBF16, Fmt::kI8}) {
      for (const std::size_t d : Lengths()) {
        const std::size_t max_off = f == Fmt::kI8 ? 16 : 8;
        for (std::size_t off = 0; off < max_off; off += (d > 300 ? 5 : 1)) {
          for (int nq = 1; nq <= cossim::kCompactMaxQueries; ++nq) {
            SCOPED_TRACE("fmt " + std::to_string(static_cast<int>(f)) + " d " + std::to_string(d) +
                         " off " + std::to_string(off) + " nq " + std::to_string(nq));
            std::mt19937_64 rng = CaseRng(seed, static_cast<int>(f), d, off, nq);
            const bool huge = f == Fmt::kBF16 && off == 1;  // f32 overflow: the scalar fallback
            // Table: [off sentinels][rows * d][kPad sentinels]; sentinels would change any dot.
            std::vector<std::uint16_t> t16(off + kRows * d + kPad, 0x7bff);  // 65504 / 1.7e38
            std::vector<std::int8_t> t8(off + kRows * d + kPad, 127);
            std::uniform_int_distribution<int> i8(-127, 127);
            for (std::size_t i = 0; i < kRows * d; ++i) {
              if (f == Fmt::kI8) {
                t8[off + i] = static_cast<std::int8_t>(i8(rng));
              } else {
                t16[off + i] = RandomBits(f, rng, huge);
              }
            }
            // Queries, each followed by sentinels and starting at a varying float offset.
            std::vector<std::vector<float>> qf(nq);
            std::vector<std::vector<std::int16_t>> qi(nq);
            std::vector<const float*> pf(nq);
            std::vector<const std::int16_t*> pi(nq);
            std::uniform_real_distribution<float> uq(-2, 2);
            std::uniform_int_distribution<int> i16(-32767, 32767);
            for (int j = 0; j < nq; ++j) {
              const std::size_t qo = static_cast<std::size_t>(j) % 4;
              qf[j].assign(qo + d + kPad, 3e38f);
              qi[j].assign(qo + d + kPad, 32767);
              for (std::size_t i = 0; i < d; ++i) {
                qf[j][qo + i] = f == Fmt::kF16 ? std::ldexp(uq(rng), 112) : uq(rng);
                qi[j][qo + i] = static_cast<std::int16_t>(i16(rng));
              }
              pf[j] = qf[j].data() + qo;
              pi[j] = qi[j].data() + qo;
            }
            std::vector<double> dots(kRows * cossim::kCompactMaxQueries, -7.0);
            if (f == Fmt::kI8) {
              k->compact.dot_i16_i8(t8.data() + off, kRows, d, pi.data(), nq, dots.data());
            } else {
              (f == Fmt::kF16 ? k->compact.dot_f32_f16 : k->compact.dot_f32_bf16)(
                  t16.data() + off, kRows, d, pf.data(), nq, dots.data());
            }
            for (std::size_t r = 0; r < kRows; ++r) {
              for (int j = 0; j < nq; ++j) {
                long double ref = 0, abs_sum = 0;
                for (std::size_t i = 0; i < d; ++i) {
                  long double p;
                  if (f == Fmt::kI8) {
                    p = static_cast<long double>(pi[j][i]) * t8[off + r * d + i];
                  } else if (f == Fmt::kF16) {
                    p = static_cast<long double>(pf[j][i]) *
                        std::ldexp(DecodeF16(t16[off + r * d + i]), -112);
                  } else {
                    p = static_cast<long double>(pf[j][i]) * DecodeBF16(t16[off + r * d + i]);
                  }
                  ref += p;
                  abs_sum += std::fabs(p);
                }
                const double got = dots[r * cossim::kCompactMaxQueries + j];
                if (f == Fmt::kI8) {
                  ASSERT_EQ(got, static_cast<double>(ref)) << "row " << r << " query " << j;
                  continue;
                }
                const long double bound =
                    ((simd ? 65.0L * std::ldexp(1.0L, -24) : 0.0L) +
                     static_cast<long double>(d + 1) * std::ldexp(1.0L, -53)) *
                    abs_sum;
                ASSERT_LE(std::fabs(static_cast<long double>(got) - ref), bound)
                    << "row " << r << " query " << j << " ref " << static_cast<double>(ref);
              }
            }
          }
        }
      }
    }
  }
}

// ---- quantisation and the core ----

struct Table {
  CompactDType dtype;
  std::int64_t rows, d;
  std::vector<std::uint64_t> storage;  // 8-byte aligned block
  cossim::CompactTable view() { return cossim::CompactTable{dtype, storage.data(), rows, d}; }
  Table(CompactDType t, std::int64_t n, std::int64_t dim) : dtype(t), rows(n), d(dim) {
    cossim::CompactLayout layout;
    EXPECT_TRUE(cossim::compact_layout(n, dim, t, &layout).ok());
    storage.assign(layout.bytes / 8 + 1, 0);
  }
};

// Clustered data: `clusters` Gaussian centres, rows near them.
std::vector<float> Clustered(std::mt19937_64& rng, std::int64_t n, std::int64_t d, int clusters) {
  std::normal_distribution<float> g(0, 1);
  std::vector<float> centres(static_cast<std::size_t>(clusters * d));
  for (float& c : centres) c = g(rng);
  std::vector<float> x(static_cast<std::size_t>(n * d));
  std::uniform_int_distribution<int> pick(0, clusters - 1);
  for (std::int64_t r = 0; r < n; ++r) {
    const int c = pick(rng);
    for (std::int64_t i = 0; i < d; ++i) {
      x[static_cast<std::size_t>(r * d + i)] =
          centres[static_cast<std::size_t>(c * d + i)] + 0.3f * g(rng);
    }
  }
  return x;
}

TEST(CompactEncode, Int8IsSymmetricPerRowQuantisation) {
  const std::uint64_t seed = BaseSeed();
  SCOPED_TRACE(SeedTrace(seed));
  std::mt19937_64 rng = CaseRng(seed, 8);
  const std::int64_t n = 40, d = 37;
  std::vector<float> x = Clustered(rng, n, d, 4);
  for (std::int64_t i = 0; i < d; ++i) x[static_cast<std::size_t>(5 * d + i)] = 0;  // a zero row
  Table t(CompactDType::kInt8, n, d);
  ASSERT_TRUE(cossim::compact_encode(t.view(), 0, n, x.data(), cossim::DType::kFloat32).ok());
  std::vector<float> back(static_cast<std::size_t>(n * d));
  ASSERT_TRUE(cossim::compact_decode(t.view(), 0, n, back.data()).ok());
  const auto* q = reinterpret_cast<const std::int8_t*>(t.storage.data());
  for (std::int64_t r = 0; r < n; ++r) {
    double max = 0;
    for (std::int64_t i = 0; i < d; ++i)
      max = std::max(max, std::fabs(double{x[static_cast<std::size_t>(r * d + i)]}));
    const float scale = static_cast<float>(max / 127);
    for (std::int64_t i = 0; i < d; ++i) {
      const std::size_t at = static_cast<std::size_t>(r * d + i);
      const double want = scale == 0 ? 0 : std::nearbyint(x[at] / static_cast<double>(scale));
      ASSERT_EQ(q[at], static_cast<std::int8_t>(want)) << r << "," << i;
      ASSERT_EQ(back[at], static_cast<float>(want * scale));
      ASSERT_LE(std::fabs(double{back[at]} - x[at]), scale * 0.5 * (1 + 1e-6) + 1e-30);
    }
  }
}

TEST(CompactEncode, RefusesNonFiniteAndOutOfRangeNamingTheIndex) {
  for (const CompactDType t :
       {CompactDType::kFloat16, CompactDType::kBFloat16, CompactDType::kInt8}) {
    Table tab(t, 2, 3);
    const double bad[] = {1, 2, 3, 4, NAN, 6};
    const cossim::Status st =
        cossim::compact_encode(tab.view(), 0, 2, bad, cossim::DType::kFloat64);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code(), cossim::StatusCode::kShape);
    EXPECT_NE(st.message().find("element 4"), std::string::npos) << st.message();
  }
  Table tab(CompactDType::kFloat16, 1, 2);
  const float big[] = {1, 70000};
  const cossim::Status st = cossim::compact_encode(tab.view(), 0, 1, big, cossim::DType::kFloat32);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("element 1"), std::string::npos) << st.message();
  EXPECT_FALSE(cossim::compact_encode(tab.view(), 1, 1, big, cossim::DType::kFloat32).ok());
}

// The core against the long-double cosine of the stored (dequantised) values; for int8 the bound
// adds the query's int16 rounding, sqrt(d) / 32767.
TEST(CompactCore, SimilarityTopKAndPairwiseMatchTheStoredValues) {
  const std::uint64_t seed = BaseSeed();
  SCOPED_TRACE(SeedTrace(seed));
  for (const KernelSet* k : KernelSets()) {
    SCOPED_TRACE(k->name);
    for (const CompactDType t :
         {CompactDType::kFloat16, CompactDType::kBFloat16, CompactDType::kInt8}) {
      for (const std::int64_t d : {1, 7, 64, 300}) {
        SCOPED_TRACE("dtype " + std::to_string(static_cast<int>(t)) + " d " + std::to_string(d));
        std::mt19937_64 rng = CaseRng(seed, static_cast<int>(t), d, 99);
        const std::int64_t n = 530, nq = 6;
        std::vector<float> x = Clustered(rng, n, d, 10);
        for (std::int64_t i = 0; i < d; ++i) x[static_cast<std::size_t>(3 * d + i)] = 0;
        Table tab(t, n, d);
        ASSERT_TRUE(
            cossim::compact_encode(tab.view(), 0, 200, x.data(), cossim::DType::kFloat32).ok());
        ASSERT_TRUE(cossim::compact_encode(tab.view(), 200, n - 200, x.data() + 200 * d,
                                           cossim::DType::kFloat32)
                        .ok());
        std::vector<float> stored(static_cast<std::size_t>(n * d));
        ASSERT_TRUE(cossim::compact_decode(tab.view(), 0, n, stored.data()).ok());
        std::vector<double> q = [&] {
          std::vector<float> qf = Clustered(rng, nq, d, 1);
          return std::vector<double>(qf.begin(), qf.end());
        }();
        const auto ref = [&](std::int64_t j, std::int64_t r) {
          long double dot = 0, qq = 0, xx = 0;
          for (std::int64_t i = 0; i < d; ++i) {
            const long double a = q[static_cast<std::size_t>(j * d + i)],
                              b = stored[static_cast<std::size_t>(r * d + i)];
            dot += a * b;
            qq += a * a;
            xx += b * b;
          }
          return static_cast<double>(dot / std::sqrt(std::max(qq, 1e-12L)) /
                                     std::sqrt(std::max(xx, 1e-12L)));
        };
        const double tol =
            (t == CompactDType::kInt8 ? std::sqrt(static_cast<double>(d)) / 32767 : 0) + 6e-6;
        cossim::CompactWorkspace ws;
        cossim::TensorView qv{cossim::DType::kFloat64, q.data(), {nq, d}};
        cossim::TopKResult top;
        ASSERT_TRUE(cossim::compact_top_k(qv, tab.view(), 10, *k, &ws, &top).ok());
        ASSERT_EQ(top.shape, (cossim::Shape{nq, 10}));
        for (std::int64_t j = 0; j < nq; ++j) {
          std::vector<double> all(static_cast<std::size_t>(n));
          for (std::int64_t r = 0; r < n; ++r) all[static_cast<std::size_t>(r)] = ref(j, r);
          std::vector<double> sorted = all;
          std::sort(sorted.rbegin(), sorted.rend());
          const float* v = static_cast<const float*>(top.values) + j * 10;
          for (int p = 0; p < 10; ++p) {
            const std::int32_t idx = top.indices[j * 10 + p];
            ASSERT_NEAR(v[p], all[static_cast<std::size_t>(idx)], tol)
                << "query " << j << " rank " << p;
            ASSERT_NEAR(v[p], sorted[static_cast<std::size_t>(p)], 2 * tol)
                << "query " << j << " rank " << p;
            if (p > 0) {
              ASSERT_GE(v[p - 1], v[p]);
            }
          }
        }
        cossim::Result sim;
        cossim::TensorView q1{cossim::DType::kFloat64, q.data(), {d}};
        ASSERT_TRUE(cossim::compact_similarity(q1, tab.view(), *k, &ws, &sim).ok());
        ASSERT_EQ(sim.shape, (cossim::Shape{n}));
        for (std::int64_t r = 0; r < n; ++r)
          ASSERT_NEAR(static_cast<const float*>(sim.data)[r], ref(0, r), tol) << r;
        EXPECT_EQ(static_cast<const float*>(sim.data)[3], 0.0f);  // the zero row
        cossim::Result pw;
        ASSERT_TRUE(cossim::compact_pairwise(qv, tab.view(), *k, &ws, &pw).ok());
        ASSERT_EQ(pw.shape, (cossim::Shape{nq, n}));
        for (std::int64_t j = 0; j < nq; ++j) {
          for (std::int64_t r = 0; r < n; ++r) {
            ASSERT_NEAR(static_cast<const float*>(pw.data)[j * n + r], ref(j, r), tol)
                << j << "," << r;
          }
        }
      }
    }
  }
}

TEST(CompactCore, NaNQueryScoresNaNAndShapesAreChecked) {
  Table tab(CompactDType::kInt8, 4, 3);
  const float x[12] = {1, 2, 3, 0, 0, 0, -1, 2, 5, 4, 4, 4};
  ASSERT_TRUE(cossim::compact_encode(tab.view(), 0, 4, x, cossim::DType::kFloat32).ok());
  cossim::CompactWorkspace ws;
  const float qn[3] = {1, NAN, 2};
  cossim::Result r;
  ASSERT_TRUE(cossim::compact_similarity({cossim::DType::kFloat32, qn, {3}}, tab.view(),
                                         cossim::default_kernel_set(), &ws, &r)
                  .ok());
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(std::isnan(static_cast<const float*>(r.data)[i]));
  const float q4[4] = {1, 2, 3, 4};
  const cossim::Status st = cossim::compact_similarity(
      {cossim::DType::kFloat32, q4, {4}}, tab.view(), cossim::default_kernel_set(), &ws, &r);
  EXPECT_EQ(st.code(), cossim::StatusCode::kShape);
  EXPECT_NE(st.message().find("feature dims differ"), std::string::npos) << st.message();
  const float q23[6] = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(cossim::compact_similarity({cossim::DType::kFloat32, q23, {2, 3}}, tab.view(),
                                       cossim::default_kernel_set(), &ws, &r)
                .code(),
            cossim::StatusCode::kShape);
  cossim::TopKResult top;
  ASSERT_TRUE(cossim::compact_top_k({cossim::DType::kFloat32, q4, {3}}, tab.view(), 9,
                                    cossim::default_kernel_set(), &ws, &top)
                  .ok());
  ASSERT_EQ(top.shape, (cossim::Shape{4}));                   // k' = min(k, n)
  EXPECT_EQ(static_cast<const float*>(top.values)[3], 0.0f);  // the zero row scores 0, last
  EXPECT_EQ(top.indices[3], 1);
  EXPECT_EQ(top.indices[0], 0);
}

}  // namespace

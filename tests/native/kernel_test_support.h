// Shared by the kernel-level tests (kernel_*_test.cc): the registry as a test parameter, the
// long-double reference, the error bounds of kernels.h, and guarded buffers.
//
// Every test is a TEST_P over all_kernel_sets(), so a newly registered set is tested without
// editing any list; each test runs both element types (ForEachType).
//
// The reference is a Neumaier-compensated sum in x87 long double (64-bit mantissa) of products
// formed in long double, so its own error is a few 2^-64 relative to the sum of magnitudes: far
// below every bound used here (the bounds add 8 * 2^-64 for it).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <iomanip>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include "cossim/kernels.h"
#include "test_support.h"

#ifndef COSSIM_HAVE_SIMD128
#error "the native tests expect COSSIM_HAVE_SIMD128=1 (SIMD128 kernels through SIMDe)"
#endif

namespace cossim_test {

using cossim::F32Accumulation;
using cossim::KernelSet;

static_assert(std::numeric_limits<long double>::digits >= 64,
              "the reference needs a long double wider than double (x87 80-bit or binary128)");

// ---------------------------------------------------------------------------------------------
// The registry as a test parameter.

class KernelSetTest : public ::testing::TestWithParam<const KernelSet*> {
 protected:
  const KernelSet& set() const { return *GetParam(); }
};

inline std::string SetName(const ::testing::TestParamInfo<const KernelSet*>& param_info) {
  return param_info.param->name;
}

#define COSSIM_INSTANTIATE_FOR_ALL_KERNEL_SETS(Fixture)                                            \
  INSTANTIATE_TEST_SUITE_P(                                                                        \
      AllSets, Fixture,                                                                            \
      ::testing::ValuesIn(::cossim::all_kernel_sets().begin(), ::cossim::all_kernel_sets().end()), \
      ::cossim_test::SetName)

// Runs f(float{}) then f(double{}), each under a trace naming the type.
template <typename F>
void ForEachType(F&& f) {
  {
    SCOPED_TRACE("float32");
    f(float{});
  }
  {
    SCOPED_TRACE("float64");
    f(double{});
  }
}

// ---------------------------------------------------------------------------------------------
// Reference.

struct Neumaier {
  long double sum = 0.0L;
  long double compensation = 0.0L;
  void Add(long double x) {
    const long double t = sum + x;
    if (std::fabs(sum) >= std::fabs(x)) {
      compensation += (sum - t) + x;
    } else {
      compensation += (x - t) + sum;
    }
    sum = t;
  }
  long double Value() const { return sum + compensation; }
};

// dot(a, b) and sum|a_i b_i| (the magnitude its error scales with).
struct RefDot {
  long double value, abs;
};

template <typename T>
RefDot ReferenceDot(const T* a, const T* b, std::size_t n) {
  Neumaier dot, abs;
  for (std::size_t i = 0; i < n; ++i) {
    const long double p = static_cast<long double>(a[i]) * static_cast<long double>(b[i]);
    dot.Add(p);
    abs.Add(std::fabs(p));
  }
  return {dot.Value(), abs.Value()};
}

// ---------------------------------------------------------------------------------------------
// The bounds of kernels.h ("Error bounds"), as coefficients of S.

inline const long double kU = std::ldexp(1.0L, -24);  // float32 unit roundoff
inline const long double kV = std::ldexp(1.0L, -53);  // float64 unit roundoff
inline const long double kRef = 8 * std::ldexp(1.0L, -64);

enum class SumKind { kRowSums, kTileDots, kRowDots, kSum };

template <typename T>
bool Blocked(const KernelSet& k) {
  return std::is_same_v<T, float> && k.f32_accumulation == F32Accumulation::kBlockedF32x4;
}

// |err| <= SumCoefficient * S (+ underflow, see SumBound).
template <typename T>
long double SumCoefficient(const KernelSet& k, SumKind kind, std::size_t n) {
  const long double nn = static_cast<long double>(n);
  if (!Blocked<T>(k)) {
    const bool one_chain = kind == SumKind::kTileDots || kind == SumKind::kRowDots;
    return (one_chain ? nn + 4 : nn / 2 + 8) * kV + kRef;
  }
  const long double u_terms = kind == SumKind::kRowSums ? 34 : kind == SumKind::kSum ? 18 : 65;
  return u_terms * kU + (nn / 64 + 16) * kV + kRef;
}

template <typename T>
long double SumBound(const KernelSet& k, SumKind kind, std::size_t n, long double abs_sum) {
  return SumCoefficient<T>(k, kind, n) * abs_sum +
         static_cast<long double>(n) * std::numeric_limits<T>::denorm_min();
}

// kernels.h, cosine_rows: s = sum|x_i y_i| inv_a inv_b, c the reference cosine.
template <typename T>
long double CosineBound(const KernelSet& k, std::size_t d, long double s, long double c) {
  const long double abs_c = std::fabs(c);
  const long double second_order = 1 + 1e-4L;  // the bounds are first order in u, v
  if (Blocked<T>(k) && d <= 16) {  // the f32x4 small-row path (it also covers the long path here)
    const long double kd = d <= 3 ? static_cast<long double>(d) : d / 4 + d % 4 + 2;
    return (kd * kU * (s + abs_c) + 4 * kU * abs_c) * second_order + 16 * kV;
  }
  const long double coef = SumCoefficient<T>(k, SumKind::kRowSums, d);
  return (coef * (s + abs_c) + 6 * kV * abs_c) * second_order + 16 * kV;
}

// The largest |err| / bound and |err| / S seen per set, type and kernel, printed at exit when
// COSSIM_ERROR_LOG is set (the measured-versus-bound figures of a report). Not an assertion.
// Keyed by the names' addresses (no allocation per check); merged by name when printed.
struct ErrorLog {
  struct Entry {
    long double of_bound = 0, of_scale = 0;
  };
  std::map<std::tuple<const char*, const char*, const char*>, Entry> entries;
  ~ErrorLog() {
    if (std::getenv("COSSIM_ERROR_LOG") == nullptr) return;
    std::map<std::string, Entry> merged;
    for (const auto& [key, e] : entries) {
      Entry& m =
          merged[std::string(std::get<0>(key)) + "/" + std::get<1>(key) + "/" + std::get<2>(key)];
      m.of_bound = std::max(m.of_bound, e.of_bound);
      m.of_scale = std::max(m.of_scale, e.of_scale);
    }
    for (const auto& [key, e] : merged) {
      std::printf("error-log %-40s max err/bound %.3Lg  max err/S %.3Lg\n", key.c_str(), e.of_bound,
                  e.of_scale);
    }
  }
  static ErrorLog& Get() {
    static ErrorLog log;
    return log;
  }
};

template <typename T>
const char* TypeName() {
  return std::is_same_v<T, float> ? "f32" : "f64";
}

// |got - want| <= bound, noted in the ErrorLog under "set/type/kernel" with scale S.
template <typename T>
::testing::AssertionResult Within(const KernelSet& k, const char* kernel, double got,
                                  long double want, long double bound, long double scale) {
  const long double err = std::fabs(static_cast<long double>(got) - want);
  ErrorLog::Entry& e = ErrorLog::Get().entries[{k.name, TypeName<T>(), kernel}];
  if (bound > 0 && err / bound > e.of_bound) e.of_bound = err / bound;
  if (scale > 0 && err / scale > e.of_scale) e.of_scale = err / scale;
  if (err <= bound) return ::testing::AssertionSuccess();  // false for NaN
  std::ostringstream os;
  os << std::setprecision(21) << kernel << ": got " << got << ", reference " << want << ", |err| "
     << err << " > bound " << bound << " (err / S = " << (scale > 0 ? err / scale : 0) << ")";
  return ::testing::AssertionFailure() << os.str();
}

// got against dot(a, b) of the reference, within the kernel's bound (SumBound).
template <typename T>
::testing::AssertionResult DotWithin(const KernelSet& k, const char* kernel, SumKind kind,
                                     double got, const T* a, const T* b, std::size_t n) {
  const RefDot ref = ReferenceDot(a, b, n);
  return Within<T>(k, kernel, got, ref.value, SumBound<T>(k, kind, n, ref.abs), ref.abs);
}

// ---------------------------------------------------------------------------------------------
// Buffers.

// Element offsets from a 16-byte boundary: every misalignment of a 16-byte vector.
template <typename T>
constexpr std::size_t kMisalignments = 16 / sizeof(T);

// n elements at element offset `offset` past a 16-byte boundary, inside storage holding
// `sentinel` in the `offset` elements before and `guard` elements after the row.
template <typename T>
class Guarded {
 public:
  Guarded(std::size_t n, std::size_t offset, std::size_t guard, T sentinel)
      : storage_(n + offset + guard + 16 / sizeof(T), sentinel), n_(n), sentinel_(sentinel) {
    const auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
    const std::size_t skip = ((16 - address % 16) % 16) / sizeof(T);
    begin_ = skip;
    row_ = skip + offset;
    end_ = row_ + n + guard;
  }
  T* row() { return storage_.data() + row_; }
  const T* row() const { return storage_.data() + row_; }
  // True when every element outside the row still holds the sentinel, bit for bit.
  bool GuardsIntact() const {
    for (std::size_t i = begin_; i < end_; ++i) {
      if (i >= row_ && i < row_ + n_) continue;
      if (std::memcmp(&storage_[i], &sentinel_, sizeof(T)) != 0) return false;
    }
    return true;
  }

 private:
  std::vector<T> storage_;
  std::size_t n_;
  T sentinel_;
  std::size_t begin_ = 0, row_ = 0, end_ = 0;
};

// More than one full step of the widest loop (16 f32) past the end.
constexpr std::size_t kGuard = 32;

// Two kinds of sentinel, because either alone can be blind: a NaN read makes the result NaN,
// unless a kernel notices non-finite sums and recomputes the row another way (the SIMD128 f32
// kernels do, for overflow), which hides the over-read; a large finite value (2^30, whose square
// cannot overflow even in f32) changes the sums far beyond any bound without triggering that.
template <typename T>
std::vector<T> Sentinels() {
  return {std::numeric_limits<T>::quiet_NaN(), static_cast<T>(1073741824.0)};
}

// Lengths 0-70 and around 128, 256 (kFlushBlock), 512, then 1000 and the prime 100003 (many
// flushes and a ragged tail). `max` drops the longest for the costlier sweeps.
inline std::vector<std::size_t> SweepLengths(std::size_t max = 100003) {
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 70; ++n) lengths.push_back(n);
  for (std::size_t n : {127, 128, 129, 255, 256, 257, 511, 512, 513, 1000, 100003}) {
    if (n <= max) lengths.push_back(n);
  }
  return lengths;
}

enum class Distribution {
  kUniform,       // U[-1, 1]
  kWideExponent,  // +-(1 + U[0,1)) * 2^k, k uniform in [-20, 20] (f32) / [-200, 200] (f64)
  kHuge,          // +-(1 + U[0,1)) * 2^k, k uniform in [65, 100]: every f32 product overflows
};

template <typename T>
T Draw(Distribution d, std::mt19937_64& rng) {
  if (d == Distribution::kUniform) {
    return static_cast<T>(std::uniform_real_distribution<double>(-1.0, 1.0)(rng));
  }
  const int range = std::is_same_v<T, float> ? 20 : 200;
  const int k = d == Distribution::kHuge ? std::uniform_int_distribution<int>(65, 100)(rng)
                                         : std::uniform_int_distribution<int>(-range, range)(rng);
  const double mantissa = 1.0 + std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  return static_cast<T>(((rng() & 1) ? -1.0 : 1.0) * std::ldexp(mantissa, k));
}

inline const char* DistributionName(Distribution d) {
  return d == Distribution::kUniform ? "uniform"
         : d == Distribution::kHuge  ? "huge"
                                     : "wide-exponent";
}

// Runs f(type tag, distribution) for every distribution (or those given) and both types.
template <typename F>
void ForEachDistributionAndType(F&& f, std::initializer_list<Distribution> distributions = {
                                           Distribution::kUniform, Distribution::kWideExponent,
                                           Distribution::kHuge}) {
  for (Distribution d : distributions) {
    SCOPED_TRACE(std::string("distribution ") + DistributionName(d));
    ForEachType([&](auto tag) { f(tag, d); });
  }
}

template <typename T>
void Fill(T* x, std::size_t n, Distribution d, std::mt19937_64& rng) {
  for (std::size_t i = 0; i < n; ++i) x[i] = Draw<T>(d, rng);
}

// Absorption rows: a = [A, 1, 1, ...], b = [B, 1, 1, ...] with A * B = 2^(mantissa bits of T)
// (2^24 for f32, 2^53 for f64): in a T-precision accumulator holding A * B each later +1 rounds
// away (ties to even), so a lane loses one unit per element it adds. Within a flush block that
// reaches the blocked bounds; without the flush (one lane for the whole row) the loss grows with
// n and exceeds them. For sum (no products) the leading element is A * B itself.
template <typename T>
T AbsorptionValue(std::size_t i, bool is_a) {
  if (i != 0) return T(1);
  if (std::is_same_v<T, float>) return T(4096);
  return is_a ? T(134217728.0) : T(67108864.0);  // 2^27 * 2^26
}

// Small integers: every set must be exact on these (all partial sums are integers far below
// 2^24), so a dropped, repeated or shifted element is an exact mismatch.
inline double IntegerValue(std::size_t i, std::size_t salt) {
  return static_cast<double>(static_cast<std::int64_t>((i * (2 * salt + 3) + salt) % 7) - 3);
}

// NaN == NaN, +0 == -0: the "same result" of two kernel sets on special rows.
inline bool SameValue(double x, double y) { return (std::isnan(x) && std::isnan(y)) || x == y; }

}  // namespace cossim_test

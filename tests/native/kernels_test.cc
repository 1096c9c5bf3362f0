// Row kernels (kernels.h) against an independent long-double reference.
//
// Every kernel variant is one row of kVariants; each TEST_P runs once per row. The reference is a
// Neumaier-compensated sum in x87 long double (64-bit mantissa) of products formed in long double,
// so its own error is a few 2^-64 relative to the sum of magnitudes: far below every bound used
// here. Lengths are swept around the vector widths (4 f32 / 2 f64 lanes, 2 accumulators -> 8 / 4
// elements per step) and around kFlushBlock, with every combination of 0..3-element misalignment
// of a and b, inside buffers that hold sentinels on both sides of the row (NaN, and a large finite
// value; see Sentinels): reading outside [0, n) fails the bound check. A second sweep uses
// allocations of exactly the row's size, so AddressSanitizer builds also catch a read of even one
// element past the end.
#include "cossim/kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <iomanip>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"

#ifndef COSSIM_HAVE_SIMD128
#error "the native tests expect COSSIM_HAVE_SIMD128=1 (SIMD128 kernels through SIMDe)"
#endif

namespace cossim {
namespace {

static_assert(std::numeric_limits<long double>::digits >= 64,
              "the reference needs a long double wider than double (x87 80-bit or binary128)");

// ---------------------------------------------------------------------------------------------
// The registry of kernel variants under test.

// Which error bound applies (derived next to ErrorBound below).
enum class Accuracy { kF32Simd, kF32Scalar, kF64 };

struct KernelVariant {
  const char* name;
  RowSumsF32Fn f32;  // exactly one of f32 / f64 is set
  RowSumsF64Fn f64;
  Accuracy accuracy;
};

constexpr KernelVariant kVariants[] = {
    {"f32_scalar", &row_sums_f32_scalar, nullptr, Accuracy::kF32Scalar},
    {"f32_simd128", &row_sums_f32_simd128, nullptr, Accuracy::kF32Simd},
    {"f64_scalar", nullptr, &row_sums_f64_scalar, Accuracy::kF64},
    {"f64_simd128", nullptr, &row_sums_f64_simd128, Accuracy::kF64},
};

void PrintTo(const KernelVariant& v, std::ostream* os) { *os << v.name; }

inline RowSums Call(const KernelVariant& v, const float* a, const float* b, std::size_t n) {
  return v.f32(a, b, n);
}
inline RowSums Call(const KernelVariant& v, const double* a, const double* b, std::size_t n) {
  return v.f64(a, b, n);
}

// ---------------------------------------------------------------------------------------------
// Reference and error bounds.

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

struct ReferenceSums {
  long double dot, ss_a, ss_b;
  long double abs_dot;  // sum |a_i b_i|, the magnitude the dot's error scales with
};

template <typename T>
ReferenceSums ReferenceRowSums(const T* a, const T* b, std::size_t n) {
  Neumaier dot, ss_a, ss_b, abs_dot;
  for (std::size_t i = 0; i < n; ++i) {
    const long double x = a[i];
    const long double y = b[i];
    dot.Add(x * y);
    ss_a.Add(x * x);
    ss_b.Add(y * y);
    abs_dot.Add(std::fabs(x * y));
  }
  return {dot.Value(), ss_a.Value(), ss_b.Value(), abs_dot.Value()};
}

// |kernel - exact| <= ErrorBound(...) * sum|terms|, where terms are the products a_i*b_i (for the
// dot) or squares (for ss). u32 = 2^-24 and u64 = 2^-53 are the unit roundoffs.
//
// * f32, SIMD128 (kernels.h): each product is rounded to f32 (1 rounding); the 2 f32x4
//   accumulators per sum are 8 lanes, so within one kFlushBlock = 256-element block each lane adds
//   256 / 8 = 32 products in f32 (<= 32 roundings); combining the 8 lanes in f32 before the flush
//   costs at most 3 more, and a scalar tail of < 8 elements at most 7 more. Any one product
//   therefore passes through <= 1 + 32 + 3 + 7 = 43 f32 roundings, so the block error is
//   <= gamma_43 * sum|terms| < 44 u32 sum|terms|; we allow 64 u32 (slack for a different but
//   equivalent lane layout). The flushed partials are summed in f64: at most n + 16 further u64
//   terms (a gross over-estimate of n/32 + 16, negligible next to 64 u32). Without the periodic
//   flush a lane would sum n/8 products and the bound would grow with n: the Absorption test
//   below is built to exceed 64 u32 in that case.
// * f32, scalar: the product of two floats is exact in double (24+24 <= 53 bits) and the sums are
//   f64; recursive summation of n terms into <= 4 partial sums: <= (n + 4) u64 sum|terms|.
// * f64 (scalar with 2 partial sums, SIMD128 with 2 f64x2 accumulators = 4 partial sums): one
//   rounding per product plus n/k - 1 additions per partial sum (k >= 2) plus <= 3 to combine the
//   partials and a tail of < 4: <= (n/2 + 4) u64 sum|terms|.
// * The reference itself: Neumaier summation in long double, <= 2 u_ld |sum| + O(n u_ld^2), plus
//   one long-double rounding per f64*f64 product: we add 8 * 2^-64 sum|terms|.
// * n * denorm_min(T) covers gradual underflow of products (the random data here never underflows,
//   but the bound should not claim it cannot).
template <typename T>
long double ErrorBound(Accuracy accuracy, std::size_t n, long double abs_sum) {
  const long double u32 = std::ldexp(1.0L, -24);
  const long double u64 = std::ldexp(1.0L, -53);
  const long double u_ref = std::ldexp(1.0L, -64);
  const long double nn = static_cast<long double>(n);
  long double c = 0;
  switch (accuracy) {
    case Accuracy::kF32Simd:
      c = 64 * u32 + (nn + 16) * u64;
      break;
    case Accuracy::kF32Scalar:
      c = (nn + 4) * u64;
      break;
    case Accuracy::kF64:
      c = (nn / 2 + 4) * u64;
      break;
  }
  return (c + 8 * u_ref) * abs_sum + nn * std::numeric_limits<T>::denorm_min();
}

std::string Describe(const char* what, long double got, long double want, long double err,
                     long double bound, long double abs_sum) {
  std::ostringstream os;
  os << std::setprecision(21) << what << ": got " << got << ", reference " << want << ", |err| "
     << err << " > bound " << bound
     << " (err / (2^-53 * sum|terms|) = " << err / (std::ldexp(1.0L, -53) * abs_sum) << ")";
  return os.str();
}

template <typename T>
::testing::AssertionResult MatchesReference(const KernelVariant& v, const T* a, const T* b,
                                            std::size_t n, const RowSums& got) {
  const ReferenceSums ref = ReferenceRowSums(a, b, n);
  struct Component {
    const char* what;
    double got;
    long double want;
    long double abs_sum;
  };
  // The squares are non-negative, so their magnitude sum is the sum itself.
  const Component components[] = {{"dot", got.dot, ref.dot, ref.abs_dot},
                                  {"ss_a", got.ss_a, ref.ss_a, ref.ss_a},
                                  {"ss_b", got.ss_b, ref.ss_b, ref.ss_b}};
  for (const Component& c : components) {
    const long double err = std::fabs(static_cast<long double>(c.got) - c.want);
    const long double bound = ErrorBound<T>(v.accuracy, n, c.abs_sum);
    if (!(err <= bound)) {  // also false when got is NaN
      return ::testing::AssertionFailure()
             << Describe(c.what, c.got, c.want, err, bound, c.abs_sum);
    }
  }
  return ::testing::AssertionSuccess();
}

// ---------------------------------------------------------------------------------------------
// Inputs.

std::vector<std::size_t> SweepLengths() {
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 70; ++n) lengths.push_back(n);
  // Around 16 f32x4 vectors, around kFlushBlock and 2 * kFlushBlock, one odd mid size and one
  // large prime length (many flushes plus a ragged tail).
  for (std::size_t n : {127, 128, 129, 255, 256, 257, 511, 512, 513, 1000, 100003}) {
    lengths.push_back(n);
  }
  return lengths;
}

enum class Distribution {
  kUniform,       // U[-1, 1]
  kWideExponent,  // +-(1 + U[0,1)) * 2^k, k uniform in [-20, 20] (f32) / [-200, 200] (f64)
  kAbsorption,    // one large leading element, then ones: see AbsorptionValue
  kHuge,          // +-(1 + U[0,1)) * 2^k, k uniform in [40, 100]: f32 products overflow
};

const char* DistributionName(Distribution d) {
  switch (d) {
    case Distribution::kUniform:
      return "uniform";
    case Distribution::kWideExponent:
      return "wide-exponent";
    case Distribution::kAbsorption:
      return "absorption";
    case Distribution::kHuge:
      return "huge";
  }
  return "?";
}

// Absorption rows: a = [A, 1, 1, ...], b = [B, 1, 1, ...] with A*B (and A^2) at 2^(mantissa bits)
// of T, so in a T-precision accumulator that holds A*B, each later +1 rounds away (ties to even).
// A kernel that keeps one lane accumulating for the whole row loses ~n/lanes units, which exceeds
// the bound for long rows; one that flushes every kFlushBlock loses at most ~31.
template <typename T>
T AbsorptionValue(std::size_t i, bool is_a) {
  if (i != 0) return T(1);
  if constexpr (std::is_same_v<T, float>) {
    return T(4096);  // 4096^2 = 2^24
  } else {
    return is_a ? T(134217728.0) : T(67108864.0);  // 2^27 * 2^26 = 2^53
  }
}

template <typename T>
T Draw(Distribution d, std::mt19937_64& rng) {
  switch (d) {
    case Distribution::kUniform:
      return static_cast<T>(std::uniform_real_distribution<double>(-1.0, 1.0)(rng));
    case Distribution::kWideExponent:
    case Distribution::kHuge: {
      const int range = std::is_same_v<T, float> ? 20 : 200;
      const int k = d == Distribution::kHuge
                        ? std::uniform_int_distribution<int>(40, 100)(rng)
                        : std::uniform_int_distribution<int>(-range, range)(rng);
      const double mantissa = 1.0 + std::uniform_real_distribution<double>(0.0, 1.0)(rng);
      const double sign = (rng() & 1) ? -1.0 : 1.0;
      return static_cast<T>(sign * std::ldexp(mantissa, k));
    }
    case Distribution::kAbsorption:
      break;
  }
  return T(0);
}

// A row of n elements at element offset `offset` inside storage that holds `sentinel` everywhere
// else: the `offset` elements before the row and `guard` elements after it.
template <typename T>
class GuardedRow {
 public:
  GuardedRow(std::size_t n, std::size_t offset, std::size_t guard,
             T sentinel = std::numeric_limits<T>::quiet_NaN())
      : storage_(offset + n + guard, sentinel), offset_(offset) {}
  T* row() { return storage_.data() + offset_; }

 private:
  std::vector<T> storage_;
  std::size_t offset_;
};

// Two kinds of sentinel, because either alone can be blind: a NaN read makes the result NaN,
// unless a kernel notices non-finite sums and recomputes the row another way (the f32 SIMD128
// kernel does, for overflow), which hides the over-read; a large finite value (2^30, whose square
// cannot overflow even in f32) changes the sums far beyond any bound without triggering that.
template <typename T>
std::vector<T> Sentinels() {
  return {std::numeric_limits<T>::quiet_NaN(), static_cast<T>(1073741824.0)};
}

// More than one full step of the widest variant (2 x f32x4 = 8 floats) past the end.
constexpr std::size_t kGuard = 32;

class RowSumsTest : public ::testing::TestWithParam<KernelVariant> {};

// ---------------------------------------------------------------------------------------------
// Random rows, all lengths, all misalignments, NaN on both sides.

template <typename T>
void SweepRandomRows(const KernelVariant& v, Distribution dist) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  SCOPED_TRACE(std::string("distribution ") + DistributionName(dist));
  for (std::size_t n : SweepLengths()) {
    for (std::size_t offset_a = 0; offset_a < 4; ++offset_a) {
      for (std::size_t offset_b = 0; offset_b < 4; ++offset_b) {
        for (T sentinel : Sentinels<T>()) {
          SCOPED_TRACE(::testing::Message() << "n=" << n << " offset_a=" << offset_a << " offset_b="
                                            << offset_b << " sentinel=" << sentinel);
          std::mt19937_64 rng = cossim_test::CaseRng(seed, n, offset_a * 4 + offset_b,
                                                     static_cast<std::uint64_t>(dist), sizeof(T));
          GuardedRow<T> ga(n, offset_a, kGuard, sentinel), gb(n, offset_b, kGuard, sentinel);
          T* a = ga.row();
          T* b = gb.row();
          for (std::size_t i = 0; i < n; ++i) {
            if (dist == Distribution::kAbsorption) {
              a[i] = AbsorptionValue<T>(i, true);
              b[i] = AbsorptionValue<T>(i, false);
            } else {
              a[i] = Draw<T>(dist, rng);
              b[i] = Draw<T>(dist, rng);
            }
          }
          const RowSums got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
          ASSERT_TRUE(MatchesReference(v, a, b, n, got));
        }
      }
    }
  }
}

template <typename F>
void WithElementType(const KernelVariant& v, F&& f) {
  if (v.f32 != nullptr) {
    f(float{});
  } else {
    f(double{});
  }
}

TEST_P(RowSumsTest, UniformRowsMatchLongDoubleReference) {
  WithElementType(GetParam(), [&](auto tag) {
    SweepRandomRows<decltype(tag)>(GetParam(), Distribution::kUniform);
  });
}

TEST_P(RowSumsTest, WideExponentRowsMatchLongDoubleReference) {
  WithElementType(GetParam(), [&](auto tag) {
    SweepRandomRows<decltype(tag)>(GetParam(), Distribution::kWideExponent);
  });
}

// Pins the "flushed every kFlushBlock" part of the f32 SIMD contract (see AbsorptionValue).
TEST_P(RowSumsTest, AbsorptionStaysWithinBlockBound) {
  WithElementType(GetParam(), [&](auto tag) {
    SweepRandomRows<decltype(tag)>(GetParam(), Distribution::kAbsorption);
  });
}

// kernels.h: a float32 row whose f32 products or partial sums overflow is recomputed by the scalar
// kernel, so |x| up to 2^101 (squares up to 2^202, far past FLT_MAX) still gives finite sums that
// meet the bound. (Keras's float32 would give Inf; a documented deviation.) The f64 variants see
// the same values without any overflow.
TEST_P(RowSumsTest, HugeFloat32ValuesDoNotOverflow) {
  WithElementType(GetParam(), [&](auto tag) {
    SweepRandomRows<decltype(tag)>(GetParam(), Distribution::kHuge);
  });
}

// Overflow confined to one block of a long row, and a row whose products fit in f32 but whose
// lane sums do not (1.5e19^2 = 2.25e38 < FLT_MAX, two of them > FLT_MAX).
template <typename T>
void CheckPartialOverflow(const KernelVariant& v) {
  for (std::size_t n : {9, 16, 64, 257, 1000, 4099}) {
    for (std::size_t where : {std::size_t{0}, n / 2, n - 1}) {
      SCOPED_TRACE(::testing::Message() << "n=" << n << " huge element at " << where);
      GuardedRow<T> ga(n, 1, kGuard), gb(n, 2, kGuard);
      T* a = ga.row();
      T* b = gb.row();
      for (std::size_t i = 0; i < n; ++i) {
        a[i] = static_cast<T>(0.25 + static_cast<double>(i % 3));
        b[i] = static_cast<T>(1.0 - static_cast<double>(i % 5) * 0.125);
      }
      a[where] = static_cast<T>(3e25);
      b[where] = static_cast<T>(-2e25);
      RowSums got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
      ASSERT_TRUE(MatchesReference(v, a, b, n, got));

      for (std::size_t i = 0; i < n; ++i) a[i] = b[i] = static_cast<T>(1.5e19);
      got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
      ASSERT_TRUE(std::isfinite(got.ss_a)) << got.ss_a;
      ASSERT_TRUE(MatchesReference(v, a, b, n, got));
    }
  }
}

TEST_P(RowSumsTest, PartialOverflowIsRecomputed) {
  WithElementType(GetParam(), [&](auto tag) { CheckPartialOverflow<decltype(tag)>(GetParam()); });
}

// ---------------------------------------------------------------------------------------------
// Small integers: every variant must be exact (all partial sums are integers far below 2^24), so
// a dropped, repeated or shifted element shows up as an exact mismatch.

template <typename T>
void CheckIntegerRows(const KernelVariant& v) {
  for (std::size_t n : SweepLengths()) {
    for (std::size_t offset = 0; offset < 4; ++offset) {
      SCOPED_TRACE(::testing::Message() << "n=" << n << " offset=" << offset);
      const T sentinel = Sentinels<T>()[offset % 2];
      GuardedRow<T> ga(n, offset, kGuard, sentinel), gb(n, 3 - offset, kGuard, sentinel);
      T* a = ga.row();
      T* b = gb.row();
      std::int64_t dot = 0, ss_a = 0, ss_b = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t x = static_cast<std::int64_t>(i % 7) - 3;
        const std::int64_t y = static_cast<std::int64_t>((i * 3) % 5) - 2 + (i == n - 1 ? 5 : 0);
        a[i] = static_cast<T>(x);
        b[i] = static_cast<T>(y);
        dot += x * y;
        ss_a += x * x;
        ss_b += y * y;
      }
      const RowSums got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
      ASSERT_EQ(got.dot, static_cast<double>(dot));
      ASSERT_EQ(got.ss_a, static_cast<double>(ss_a));
      ASSERT_EQ(got.ss_b, static_cast<double>(ss_b));
    }
  }
}

TEST_P(RowSumsTest, SmallIntegerRowsAreExact) {
  WithElementType(GetParam(), [&](auto tag) { CheckIntegerRows<decltype(tag)>(GetParam()); });
}

// ---------------------------------------------------------------------------------------------
// Allocations of exactly offset + n elements: under AddressSanitizer any read past a[n-1] is a
// heap-buffer-overflow report, even one that a NaN sentinel could not reveal (a masked load).

template <typename T>
void CheckExactAllocations(const KernelVariant& v) {
  const std::uint64_t seed = cossim_test::BaseSeed();
  SCOPED_TRACE(cossim_test::SeedTrace(seed));
  for (std::size_t n : SweepLengths()) {
    if (n > 1000) continue;
    for (std::size_t offset = 0; offset < 4; ++offset) {
      SCOPED_TRACE(::testing::Message() << "n=" << n << " offset=" << offset);
      std::mt19937_64 rng = cossim_test::CaseRng(seed, n, offset, 99, sizeof(T));
      std::unique_ptr<T[]> a_storage(new T[offset + n]);
      std::unique_ptr<T[]> b_storage(new T[(3 - offset) + n]);
      T* a = a_storage.get() + offset;
      T* b = b_storage.get() + (3 - offset);
      for (std::size_t i = 0; i < offset; ++i) a_storage[i] = std::numeric_limits<T>::quiet_NaN();
      for (std::size_t i = 0; i < 3 - offset; ++i) {
        b_storage[i] = std::numeric_limits<T>::quiet_NaN();
      }
      for (std::size_t i = 0; i < n; ++i) {
        a[i] = Draw<T>(Distribution::kUniform, rng);
        b[i] = Draw<T>(Distribution::kUniform, rng);
      }
      const RowSums got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
      ASSERT_TRUE(MatchesReference(v, a, b, n, got));
    }
  }
}

TEST_P(RowSumsTest, ExactSizeAllocationsAreNotOverread) {
  WithElementType(GetParam(), [&](auto tag) { CheckExactAllocations<decltype(tag)>(GetParam()); });
}

// ---------------------------------------------------------------------------------------------
// Edge cases.

template <typename T>
void CheckZeroLength(const KernelVariant& v) {
  // Sentinels everywhere: n == 0 must not read anything.
  for (T sentinel : Sentinels<T>()) {
    GuardedRow<T> ga(0, 3, kGuard, sentinel), gb(0, 1, kGuard, sentinel);
    const RowSums got =
        Call(v, static_cast<const T*>(ga.row()), static_cast<const T*>(gb.row()), 0);
    EXPECT_EQ(got.dot, 0.0) << sentinel;
    EXPECT_EQ(got.ss_a, 0.0) << sentinel;
    EXPECT_EQ(got.ss_b, 0.0) << sentinel;
  }
  // Empty tensors may arrive with null data pointers.
  const T* null_row = nullptr;
  const RowSums got_null = Call(v, null_row, null_row, 0);
  EXPECT_EQ(got_null.dot, 0.0);
  EXPECT_EQ(got_null.ss_a, 0.0);
  EXPECT_EQ(got_null.ss_b, 0.0);
}

TEST_P(RowSumsTest, ZeroLengthGivesZerosAndReadsNothing) {
  WithElementType(GetParam(), [&](auto tag) { CheckZeroLength<decltype(tag)>(GetParam()); });
}

template <typename T>
void CheckAllZeroRows(const KernelVariant& v) {
  for (std::size_t n : SweepLengths()) {
    SCOPED_TRACE(::testing::Message() << "n=" << n);
    GuardedRow<T> ga(n, 1, kGuard, Sentinels<T>()[1]), gb(n, 2, kGuard, Sentinels<T>()[1]);
    for (std::size_t i = 0; i < n; ++i) ga.row()[i] = gb.row()[i] = T(0);
    const RowSums got =
        Call(v, static_cast<const T*>(ga.row()), static_cast<const T*>(gb.row()), n);
    ASSERT_EQ(got.dot, 0.0);
    ASSERT_EQ(got.ss_a, 0.0);
    ASSERT_EQ(got.ss_b, 0.0);
  }
}

TEST_P(RowSumsTest, AllZeroRowsGiveZeros) {
  WithElementType(GetParam(), [&](auto tag) { CheckAllZeroRows<decltype(tag)>(GetParam()); });
}

// Lengths for the special-value tests: around both vector widths, across a flush boundary.
constexpr std::size_t kSpecialLengths[] = {1,  2,  3,  4,  5,   7,   8,   9,   15,  16,
                                           17, 31, 32, 33, 255, 256, 257, 513, 1000};

template <typename T>
void FillOnes(T* row, std::size_t n, T value) {
  for (std::size_t i = 0; i < n; ++i) row[i] = value;
}

// A NaN anywhere in a makes dot and ss_a NaN and leaves ss_b alone (and symmetrically for b).
template <typename T>
void CheckNaNPropagation(const KernelVariant& v) {
  const T nan = std::numeric_limits<T>::quiet_NaN();
  for (std::size_t n : kSpecialLengths) {
    for (std::size_t pos : {std::size_t{0}, n / 2, n - 1}) {
      for (bool in_a : {true, false}) {
        SCOPED_TRACE(::testing::Message()
                     << "n=" << n << " NaN at " << pos << " in " << (in_a ? "a" : "b"));
        GuardedRow<T> ga(n, 1, kGuard), gb(n, 0, kGuard);
        FillOnes(ga.row(), n, T(0.5));
        FillOnes(gb.row(), n, T(-2));
        (in_a ? ga.row() : gb.row())[pos] = nan;
        const RowSums got =
            Call(v, static_cast<const T*>(ga.row()), static_cast<const T*>(gb.row()), n);
        const double clean_ss = in_a ? got.ss_b : got.ss_a;
        const double expected_clean = in_a ? 4.0 * static_cast<double>(n) : 0.25 * n;
        ASSERT_TRUE(std::isnan(got.dot)) << got.dot;
        ASSERT_TRUE(std::isnan(in_a ? got.ss_a : got.ss_b));
        ASSERT_EQ(clean_ss, expected_clean);
      }
    }
  }
}

TEST_P(RowSumsTest, NaNInputGivesNaN) {
  WithElementType(GetParam(), [&](auto tag) { CheckNaNPropagation<decltype(tag)>(GetParam()); });
}

// Infinities follow IEEE arithmetic: +Inf * positive -> +Inf in dot and ss; Inf * 0 -> NaN; an
// +Inf and a -Inf product in one row -> NaN.
template <typename T>
void CheckInfinities(const KernelVariant& v) {
  const T inf = std::numeric_limits<T>::infinity();
  for (std::size_t n : kSpecialLengths) {
    for (std::size_t pos : {std::size_t{0}, n / 2, n - 1}) {
      SCOPED_TRACE(::testing::Message() << "n=" << n << " Inf at " << pos);
      GuardedRow<T> ga(n, 2, kGuard), gb(n, 3, kGuard);
      T* a = ga.row();
      T* b = gb.row();
      FillOnes(a, n, T(1));
      FillOnes(b, n, T(3));

      a[pos] = inf;
      RowSums got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
      ASSERT_EQ(got.dot, std::numeric_limits<double>::infinity());
      ASSERT_EQ(got.ss_a, std::numeric_limits<double>::infinity());
      ASSERT_EQ(got.ss_b, 9.0 * static_cast<double>(n));

      a[pos] = -inf;
      got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
      ASSERT_EQ(got.dot, -std::numeric_limits<double>::infinity());
      ASSERT_EQ(got.ss_a, std::numeric_limits<double>::infinity());

      b[pos] = T(0);  // -Inf * 0 = NaN
      got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
      ASSERT_TRUE(std::isnan(got.dot)) << got.dot;
      ASSERT_EQ(got.ss_a, std::numeric_limits<double>::infinity());
      ASSERT_EQ(got.ss_b, 9.0 * static_cast<double>(n - 1));
      b[pos] = T(3);

      if (n >= 2) {  // +Inf and -Inf products in the same row
        a[pos] = inf;
        a[pos == 0 ? n - 1 : 0] = -inf;
        got = Call(v, static_cast<const T*>(a), static_cast<const T*>(b), n);
        ASSERT_TRUE(std::isnan(got.dot)) << got.dot;
        ASSERT_EQ(got.ss_a, std::numeric_limits<double>::infinity());
      }
    }
  }
}

TEST_P(RowSumsTest, InfinitiesFollowIeee) {
  WithElementType(GetParam(), [&](auto tag) { CheckInfinities<decltype(tag)>(GetParam()); });
}

// A named function rather than a lambda: the macro's own `info` parameter would trip -Wshadow.
std::string VariantName(const ::testing::TestParamInfo<KernelVariant>& param_info) {
  return param_info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Kernels, RowSumsTest, ::testing::ValuesIn(kVariants), VariantName);

// ---------------------------------------------------------------------------------------------
// The kernel sets.

TEST(KernelSets, TablesPointAtTheRightVariants) {
  EXPECT_EQ(scalar_kernels().f32, &row_sums_f32_scalar);
  EXPECT_EQ(scalar_kernels().f64, &row_sums_f64_scalar);
  EXPECT_EQ(simd128_kernels().f32, &row_sums_f32_simd128);
  EXPECT_EQ(simd128_kernels().f64, &row_sums_f64_simd128);
  ASSERT_NE(scalar_kernels().name, nullptr);
  ASSERT_NE(simd128_kernels().name, nullptr);
  EXPECT_STRNE(scalar_kernels().name, simd128_kernels().name);
  // kernels.h: "SIMD128 when this build has it".
  EXPECT_EQ(&default_kernels(), &simd128_kernels());
}

TEST(KernelSets, TypedRowSumsDispatchesOnElementType) {
  const float af[] = {1, 2, 3};
  const float bf[] = {4, 5, 6};
  const double ad[] = {1, 2, 3};
  const double bd[] = {-4, 5, 6};
  for (const Kernels* k : {&scalar_kernels(), &simd128_kernels()}) {
    SCOPED_TRACE(k->name);
    const RowSums f = row_sums(*k, af, bf, 3);
    EXPECT_EQ(f.dot, 32.0);
    EXPECT_EQ(f.ss_a, 14.0);
    EXPECT_EQ(f.ss_b, 77.0);
    const RowSums d = row_sums(*k, ad, bd, 3);
    EXPECT_EQ(d.dot, 24.0);
    EXPECT_EQ(d.ss_a, 14.0);
    EXPECT_EQ(d.ss_b, 77.0);
  }
}

}  // namespace
}  // namespace cossim

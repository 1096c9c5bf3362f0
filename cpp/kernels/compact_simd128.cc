// SIMD128 compact-table kernels (compact_kernels.h), written against <wasm_simd128.h>; natively
// the same source compiles through SIMDe, so GoogleTest and the sanitizers run the real kernels.
//
// float16 -> f32 has no WebAssembly instruction. Per 8 elements this uses 3 integer ops and 2
// shuffles: low half = h << 13, high half = (h >>arith 3) & 0x8FFF (the sign lands on bit 15,
// the 15 exponent/mantissa bits shift down by 3), interleaved into 32-bit lanes; that is the f32
// whose bits are sign << 31 | (h & 0x7fff) << 13, i.e. value * 2^-112 exactly, subnormals
// included (the rebias is left to the query, scaled by 2^112 by the caller). bfloat16 -> f32 is
// one interleave with zero. int8 uses exact integer dots: i8 widened to i16, i32x4.dot_i16x8
// against an int16 query.
//
// Register budget (V8 gives wasm SIMD about 15 XMM registers on x64): a step converts 8 (f16,
// bf16) or 16 (int8) elements into 2 vectors and keeps 2 accumulators per query; with one query
// the step is unrolled twice (4 independent chains) so the add latency does not bound it.
#include "cossim/compact_kernels.h"
#include "cossim/search.h"

#if COSSIM_HAVE_SIMD128

#include <cstdint>

#include "wasm_simd128.h"

namespace cossim {
namespace {

constexpr std::size_t kStepsPerFlush = 64;  // products per f32 lane (or i32 lane pair) per flush

struct F16 {
  static void convert(const std::uint16_t* p, v128_t* x0, v128_t* x1) {
    const v128_t v = wasm_v128_load(p);
    const v128_t lo = wasm_i16x8_shl(v, 13);
    const v128_t hi = wasm_v128_and(wasm_i16x8_shr(v, 3), wasm_i16x8_splat(-28673));  // 0x8FFF
    *x0 = wasm_i16x8_shuffle(lo, hi, 0, 8, 1, 9, 2, 10, 3, 11);
    *x1 = wasm_i16x8_shuffle(lo, hi, 4, 12, 5, 13, 6, 14, 7, 15);
  }
  static float decode(std::uint16_t h) { return f16_kernel_value(h); }
  static constexpr CompactDotsF16Fn kScalar = dot_f32_f16_scalar;
};

struct BF16 {
  static void convert(const std::uint16_t* p, v128_t* x0, v128_t* x1) {
    const v128_t v = wasm_v128_load(p);
    const v128_t z = wasm_i32x4_splat(0);
    *x0 = wasm_i16x8_shuffle(z, v, 0, 8, 1, 9, 2, 10, 3, 11);
    *x1 = wasm_i16x8_shuffle(z, v, 4, 12, 5, 13, 6, 14, 7, 15);
  }
  static float decode(std::uint16_t h) { return bf16_value(h); }
  static constexpr CompactDotsF16Fn kScalar = dot_f32_bf16_scalar;
};

// The four f32 lanes summed in f64 (no f32 rounding of its own).
double sum_f32x4(v128_t v) {
  const v128_t high = wasm_i32x4_shuffle(v, v, 2, 3, 2, 3);
  const v128_t s =
      wasm_f64x2_add(wasm_f64x2_promote_low_f32x4(v), wasm_f64x2_promote_low_f32x4(high));
  return wasm_f64x2_extract_lane(s, 0) + wasm_f64x2_extract_lane(s, 1);
}

std::int64_t sum_i32x4(v128_t v) {
  return std::int64_t{wasm_i32x4_extract_lane(v, 0)} + wasm_i32x4_extract_lane(v, 1) +
         wasm_i32x4_extract_lane(v, 2) + wasm_i32x4_extract_lane(v, 3);
}

// NQ queries, U groups of 8 elements per step (2U accumulators per query).
template <class C, int NQ, int U>
void float_dots(const std::uint16_t* table, std::size_t rows, std::size_t d,
                const float* const* queries, double* dots) {
  constexpr std::size_t kStep = 8 * U;
  const std::size_t n_vec = d - d % kStep;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint16_t* row = table + r * d;
    double total[NQ] = {};
    std::size_t i = 0;
    while (i < n_vec) {
      const std::size_t end =
          n_vec - i > kStepsPerFlush * kStep ? i + kStepsPerFlush * kStep : n_vec;
      v128_t acc[NQ][2 * U];
      for (int j = 0; j < NQ; ++j) {
        for (int k = 0; k < 2 * U; ++k) acc[j][k] = wasm_f32x4_splat(0.0f);
      }
      for (; i < end; i += kStep) {
        v128_t x[2 * U];
        for (int u = 0; u < U; ++u) C::convert(row + i + 8 * u, &x[2 * u], &x[2 * u + 1]);
        for (int j = 0; j < NQ; ++j) {
          const float* q = queries[j] + i;
          for (int k = 0; k < 2 * U; ++k) {
            acc[j][k] = wasm_f32x4_add(acc[j][k], wasm_f32x4_mul(x[k], wasm_v128_load(q + 4 * k)));
          }
        }
      }
      for (int j = 0; j < NQ; ++j) {
        for (int k = 0; k < 2 * U; ++k) total[j] += sum_f32x4(acc[j][k]);
      }
    }
    for (; i < d; ++i) {  // the tail never reads past element d - 1
      const double x = C::decode(row[i]);
      for (int j = 0; j < NQ; ++j) total[j] += static_cast<double>(queries[j][i]) * x;
    }
    double finite = 0;
    for (int j = 0; j < NQ; ++j) finite += total[j] - total[j];
    if (finite != 0 || finite != finite) {
      // f32 overflow somewhere in the row: the scalar kernel's f64 products do not overflow.
      double exact[kCompactMaxQueries];
      C::kScalar(row, 1, d, queries, NQ, exact);
      for (int j = 0; j < NQ; ++j) total[j] = exact[j];
    }
    for (int j = 0; j < NQ; ++j) dots[r * kCompactMaxQueries + j] = total[j];
  }
}

template <class C>
void float_dispatch(const std::uint16_t* table, std::size_t rows, std::size_t d,
                    const float* const* queries, int nq, double* dots) {
  switch (nq) {
    case 1:
      return float_dots<C, 1, 2>(table, rows, d, queries, dots);
    case 2:
      return float_dots<C, 2, 1>(table, rows, d, queries, dots);
    case 3:
      return float_dots<C, 3, 1>(table, rows, d, queries, dots);
    default:
      return float_dots<C, 4, 1>(table, rows, d, queries, dots);
  }
}

// NQ int16 queries, U groups of 16 int8 elements per step (2U i32 accumulators per query).
template <int NQ, int U>
void int8_dots(const std::int8_t* table, std::size_t rows, std::size_t d,
               const std::int16_t* const* queries, double* dots) {
  constexpr std::size_t kStep = 16 * U;
  const std::size_t n_vec = d - d % kStep;
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int8_t* row = table + r * d;
    std::int64_t total[NQ] = {};
    std::size_t i = 0;
    while (i < n_vec) {
      // Each i32 lane adds 2 products of |q| <= 32767 and |x| <= 128 per step: 64 steps stay
      // below 2^29.
      const std::size_t end =
          n_vec - i > kStepsPerFlush * kStep ? i + kStepsPerFlush * kStep : n_vec;
      v128_t acc[NQ][2 * U];
      for (int j = 0; j < NQ; ++j) {
        for (int k = 0; k < 2 * U; ++k) acc[j][k] = wasm_i32x4_splat(0);
      }
      for (; i < end; i += kStep) {
        v128_t x[2 * U];
        for (int u = 0; u < U; ++u) {
          const v128_t v = wasm_v128_load(row + i + 16 * u);
          x[2 * u] = wasm_i16x8_extend_low_i8x16(v);
          x[2 * u + 1] = wasm_i16x8_extend_high_i8x16(v);
        }
        for (int j = 0; j < NQ; ++j) {
          const std::int16_t* q = queries[j] + i;
          for (int k = 0; k < 2 * U; ++k) {
            acc[j][k] =
                wasm_i32x4_add(acc[j][k], wasm_i32x4_dot_i16x8(x[k], wasm_v128_load(q + 8 * k)));
          }
        }
      }
      for (int j = 0; j < NQ; ++j) {
        for (int k = 0; k < 2 * U; ++k) total[j] += sum_i32x4(acc[j][k]);
      }
    }
    for (; i < d; ++i) {
      for (int j = 0; j < NQ; ++j) total[j] += std::int32_t{queries[j][i]} * std::int32_t{row[i]};
    }
    for (int j = 0; j < NQ; ++j) dots[r * kCompactMaxQueries + j] = static_cast<double>(total[j]);
  }
}

// Four queries against two rows per step (pairwise, batched top-k): each loaded query vector
// serves two rows and each widened row four queries. 8 i32 accumulators, each adding 4 products
// of |q| <= 32767, |x| <= 128 per lane per step: 64 steps stay below 2^30.
void int8_dots_4x2(const std::int8_t* table, std::size_t rows, std::size_t d,
                   const std::int16_t* const* queries, double* dots) {
  const std::size_t n_vec = d - d % 16;
  std::size_t r = 0;
  for (; r + 2 <= rows; r += 2) {
    const std::int8_t* row0 = table + r * d;
    const std::int8_t* row1 = row0 + d;
    std::int64_t total[4][2] = {};
    std::size_t i = 0;
    while (i < n_vec) {
      const std::size_t end = n_vec - i > kStepsPerFlush * 16 ? i + kStepsPerFlush * 16 : n_vec;
      v128_t acc[4][2];
      for (int j = 0; j < 4; ++j) acc[j][0] = acc[j][1] = wasm_i32x4_splat(0);
      for (; i < end; i += 16) {
        const v128_t a = wasm_v128_load(row0 + i);
        const v128_t b = wasm_v128_load(row1 + i);
        const v128_t al = wasm_i16x8_extend_low_i8x16(a), ah = wasm_i16x8_extend_high_i8x16(a);
        const v128_t bl = wasm_i16x8_extend_low_i8x16(b), bh = wasm_i16x8_extend_high_i8x16(b);
        for (int j = 0; j < 4; ++j) {
          const v128_t ql = wasm_v128_load(queries[j] + i);
          const v128_t qh = wasm_v128_load(queries[j] + i + 8);
          acc[j][0] = wasm_i32x4_add(acc[j][0], wasm_i32x4_add(wasm_i32x4_dot_i16x8(al, ql),
                                                               wasm_i32x4_dot_i16x8(ah, qh)));
          acc[j][1] = wasm_i32x4_add(acc[j][1], wasm_i32x4_add(wasm_i32x4_dot_i16x8(bl, ql),
                                                               wasm_i32x4_dot_i16x8(bh, qh)));
        }
      }
      for (int j = 0; j < 4; ++j) {
        total[j][0] += sum_i32x4(acc[j][0]);
        total[j][1] += sum_i32x4(acc[j][1]);
      }
    }
    for (; i < d; ++i) {
      for (int j = 0; j < 4; ++j) {
        total[j][0] += std::int32_t{queries[j][i]} * std::int32_t{row0[i]};
        total[j][1] += std::int32_t{queries[j][i]} * std::int32_t{row1[i]};
      }
    }
    for (int j = 0; j < 4; ++j) {
      dots[r * kCompactMaxQueries + j] = static_cast<double>(total[j][0]);
      dots[(r + 1) * kCompactMaxQueries + j] = static_cast<double>(total[j][1]);
    }
  }
  if (r < rows) int8_dots<4, 1>(table + r * d, rows - r, d, queries, dots + r * kCompactMaxQueries);
}

}  // namespace

void dot_f32_f16_simd128(const std::uint16_t* table, std::size_t rows, std::size_t d,
                         const float* const* queries, int nq, double* dots) {
  float_dispatch<F16>(table, rows, d, queries, nq, dots);
}

void dot_f32_bf16_simd128(const std::uint16_t* table, std::size_t rows, std::size_t d,
                          const float* const* queries, int nq, double* dots) {
  float_dispatch<BF16>(table, rows, d, queries, nq, dots);
}

void dot_i16_i8_simd128(const std::int8_t* table, std::size_t rows, std::size_t d,
                        const std::int16_t* const* queries, int nq, double* dots) {
  switch (nq) {
    case 1:
      return int8_dots<1, 2>(table, rows, d, queries, dots);
    case 2:
      return int8_dots<2, 1>(table, rows, d, queries, dots);
    case 3:
      return int8_dots<3, 1>(table, rows, d, queries, dots);
    default:
      return int8_dots_4x2(table, rows, d, queries, dots);
  }
}

}  // namespace cossim

#endif  // COSSIM_HAVE_SIMD128

// Row-dot kernels over compact tables: float16, bfloat16 and int8 rows against one to
// kCompactMaxQueries pre-scaled queries (dot_<query>_<table>_<set>). They are entries of each
// KernelSet (kernels.h: KernelSet::compact), so the one registry lists, tests and benchmarks them.
//
// Numerical contract
// ------------------
// Each kernel computes, for r < rows and j < nq (1 <= nq <= kCompactMaxQueries),
//   dots[r * kCompactMaxQueries + j] = sum_i queries[j][i] * x'(table[r * d + i])
// where x' is the element's *kernel value*:
// * float16:  x' = value * 2^-112, exactly (the f16 bits re-positioned as f32 bits: exponent
//   rebias by integer shifts, subnormals included; the caller scales the query by 2^112). The
//   encoder never stores Inf/NaN (they are refused at fill time), so the kernels do not decode
//   them.
// * bfloat16: x' = value, exactly (a 16-bit shift).
// * int8:     x' = q (the integer), queries are int16; the dot is an exact integer (as double).
// Float kernels, SIMD128: products rounded to f32, f32 partial sums per lane flushed into f64
// after at most 64 products per lane, so
//   |err(dot)| <= 65 * 2^-24 * sum_i |q_i x'_i|  (+ d * 2^-53 for the f64 totals).
// A row whose f32 arithmetic overflows (possible for bfloat16 beyond ~1e19) is recomputed by the
// scalar kernel. Float kernels, scalar: exact products in f64, f64 sums:
//   |err(dot)| <= d * 2^-53 * sum_i |q_i x'_i|.
// int8, both sets: exact (i32 lanes flushed into i64 before they can overflow: |q| <= 32767,
// |x| <= 128, 2 products per lane per step, a flush every 64 steps: |lane| < 2^29), so the two
// sets agree bit for bit.
// No kernel reads past element d - 1 of a row or of a query; pointers need only their
// element's natural alignment.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cossim {

inline constexpr int kCompactMaxQueries = 4;

using CompactDotsF16Fn = void (*)(const std::uint16_t* table, std::size_t rows, std::size_t d,
                                  const float* const* queries, int nq, double* dots);
using CompactDotsI8Fn = void (*)(const std::int8_t* table, std::size_t rows, std::size_t d,
                                 const std::int16_t* const* queries, int nq, double* dots);

void dot_f32_f16_scalar(const std::uint16_t* table, std::size_t rows, std::size_t d,
                        const float* const* queries, int nq, double* dots);
void dot_f32_bf16_scalar(const std::uint16_t* table, std::size_t rows, std::size_t d,
                         const float* const* queries, int nq, double* dots);
void dot_i16_i8_scalar(const std::int8_t* table, std::size_t rows, std::size_t d,
                       const std::int16_t* const* queries, int nq, double* dots);

#if COSSIM_HAVE_SIMD128
void dot_f32_f16_simd128(const std::uint16_t* table, std::size_t rows, std::size_t d,
                         const float* const* queries, int nq, double* dots);
void dot_f32_bf16_simd128(const std::uint16_t* table, std::size_t rows, std::size_t d,
                          const float* const* queries, int nq, double* dots);
void dot_i16_i8_simd128(const std::int8_t* table, std::size_t rows, std::size_t d,
                        const std::int16_t* const* queries, int nq, double* dots);
#endif

// SIMD128 when this build has it, scalar otherwise.

// Kernel values of single elements (scalar; also used for tails and by the core).
inline float f16_kernel_value(std::uint16_t h) {  // value * 2^-112
  const std::uint32_t bits = (static_cast<std::uint32_t>(h & 0x8000u) << 16) |
                             (static_cast<std::uint32_t>(h & 0x7fffu) << 13);
  float f;
  __builtin_memcpy(&f, &bits, 4);
  return f;
}
inline float bf16_value(std::uint16_t h) {
  const std::uint32_t bits = static_cast<std::uint32_t>(h) << 16;
  float f;
  __builtin_memcpy(&f, &bits, 4);
  return f;
}

}  // namespace cossim

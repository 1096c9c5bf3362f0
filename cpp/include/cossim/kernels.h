// Row kernels: one fused pass over two contiguous rows giving dot(a, b), |a|^2 and |b|^2.
//
// Numerical contract
// ------------------
// * Input: two rows of n elements of the same dtype, any alignment, n >= 0. Nothing past a[n-1]
//   or b[n-1] is ever read (the vector loops stop at the last full vector; a scalar tail finishes).
// * Output: RowSums{dot, ss_a, ss_b} in double. The cosine is formed by the caller (core), never
// here.
// * float32 rows, SIMD128: products and partial sums in f32x4 lanes (2 independent accumulators per
//   sum, as measured fastest under V8: 4 spill), flushed into f64 totals every kFlushBlock
//   elements. The error therefore does not grow with n beyond the f64 total: per block, |err| <=
//   ~kFlushBlock/8 * 2^-24 * sum|x_i y_i| over the block; measured ~1e-8 relative at n = 768. A row
//   whose f32 products or partial sums overflow (|x| >~ 1.8e19) is recomputed by the scalar kernel,
//   so large values never turn |x|^2 into Inf (Keras's float32 would; a documented deviation).
// * float32 rows, scalar: every product and sum in double (exact products, f64 sums).
// * float64 rows: f64 products and sums; SIMD128 uses 2 f64x2 accumulators per sum (4 partial
//   sums), scalar uses 2 partial sums. Relative error ~ sqrt(n) * 2^-53 typical.
// * NaN and Inf propagate as IEEE arithmetic does (a NaN input makes every sum it enters NaN).
//
// Both variants are compiled natively (the SIMD128 one through SIMDe) so that the same source is
// tested with GoogleTest and the sanitizers; Emscripten builds compile one of them per .wasm.
#pragma once

#include <cstddef>

namespace cossim {

struct RowSums {
  double dot;
  double ss_a;
  double ss_b;
};

using RowSumsF32Fn = RowSums (*)(const float* a, const float* b, std::size_t n);
using RowSumsF64Fn = RowSums (*)(const double* a, const double* b, std::size_t n);

// Cosines of `rows` row pairs of length d, the unit of work the core hands to a kernel set (one
// call per batch, never per row): out[r] = dot(a_r, b_r) * inv_norm(|a_r|^2) * inv_norm(|b_r|^2)
// with a_r = a + r * a_stride, b_r = b + r * b_stride. A stride of 0 is a row broadcast against
// the batch (one query against many rows): its norm is computed once, and the per-row pass reads
// only the other operand's sums (dot and one sum of squares).
using CosineRowsF32Fn = void (*)(const float* a, std::size_t a_stride, const float* b,
                                 std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                                 double* out);
using CosineRowsF64Fn = void (*)(const double* a, std::size_t a_stride, const double* b,
                                 std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                                 double* out);

// The gradient's row update: out[j] += alpha * x[j] + beta * y[j], accumulated in double (rows of
// a broadcast operand receive the sum over the rows they were broadcast to).
using AxpbyF32Fn = void (*)(const float* x, const float* y, std::size_t n, double alpha,
                            double beta, double* out);
using AxpbyF64Fn = void (*)(const double* x, const double* y, std::size_t n, double alpha,
                            double beta, double* out);

// The same, stored: out[j] = T(alpha * x[j] + beta * y[j]) (computed in double, rounded once), for
// an operand whose every row receives exactly one update (no broadcast): no accumulator needed.
using AxpbyStoreF32Fn = void (*)(const float* x, const float* y, std::size_t n, double alpha,
                                 double beta, float* out);
using AxpbyStoreF64Fn = void (*)(const double* x, const double* y, std::size_t n, double alpha,
                                 double beta, double* out);

// 1/sqrt(max(ss, eps)) with TF's Maximum semantics: a NaN sum of squares stays NaN, Inf gives 0.
inline double inv_norm(double ss, double eps) { return 1.0 / __builtin_sqrt(ss < eps ? eps : ss); }

// Elements per f32 block before the f32x4 partial sums are flushed into f64.
inline constexpr std::size_t kFlushBlock = 256;

RowSums row_sums_f32_scalar(const float* a, const float* b, std::size_t n);
RowSums row_sums_f64_scalar(const double* a, const double* b, std::size_t n);

// dot(a, b) and |b|^2 only (ss_a is 0): the per-row pass when a is a broadcast query.
RowSums row_dot_ss_f32_scalar(const float* a, const float* b, std::size_t n);
RowSums row_dot_ss_f64_scalar(const double* a, const double* b, std::size_t n);

#if COSSIM_HAVE_SIMD128
RowSums row_sums_f32_simd128(const float* a, const float* b, std::size_t n);
RowSums row_sums_f64_simd128(const double* a, const double* b, std::size_t n);
RowSums row_dot_ss_f32_simd128(const float* a, const float* b, std::size_t n);
RowSums row_dot_ss_f64_simd128(const double* a, const double* b, std::size_t n);
#endif

void cosine_rows_f32_scalar(const float* a, std::size_t a_stride, const float* b,
                            std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                            double* out);
void cosine_rows_f64_scalar(const double* a, std::size_t a_stride, const double* b,
                            std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                            double* out);
#if COSSIM_HAVE_SIMD128
void cosine_rows_f32_simd128(const float* a, std::size_t a_stride, const float* b,
                             std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                             double* out);
void cosine_rows_f64_simd128(const double* a, std::size_t a_stride, const double* b,
                             std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                             double* out);
#endif

void axpby_f32_scalar(const float* x, const float* y, std::size_t n, double alpha, double beta,
                      double* out);
void axpby_f64_scalar(const double* x, const double* y, std::size_t n, double alpha, double beta,
                      double* out);
void axpby_store_f32_scalar(const float* x, const float* y, std::size_t n, double alpha,
                            double beta, float* out);
void axpby_store_f64_scalar(const double* x, const double* y, std::size_t n, double alpha,
                            double beta, double* out);
#if COSSIM_HAVE_SIMD128
void axpby_store_f32_simd128(const float* x, const float* y, std::size_t n, double alpha,
                             double beta, float* out);
void axpby_store_f64_simd128(const double* x, const double* y, std::size_t n, double alpha,
                             double beta, double* out);
void axpby_f32_simd128(const float* x, const float* y, std::size_t n, double alpha, double beta,
                       double* out);
void axpby_f64_simd128(const double* x, const double* y, std::size_t n, double alpha, double beta,
                       double* out);
#endif

// Read-bandwidth probe for benchmarks: the sum of n elements (SIMD128 where the build has it).
double sum_f32(const float* x, std::size_t n);
double sum_f64(const double* x, std::size_t n);

// A set of kernels the core runs with; one per build flavour.
struct Kernels {
  const char* name;
  RowSumsF32Fn f32;
  RowSumsF64Fn f64;
  CosineRowsF32Fn cosine_rows_f32;
  CosineRowsF64Fn cosine_rows_f64;
  AxpbyF32Fn axpby_f32;
  AxpbyF64Fn axpby_f64;
  AxpbyStoreF32Fn axpby_store_f32;
  AxpbyStoreF64Fn axpby_store_f64;
};

const Kernels& scalar_kernels();
#if COSSIM_HAVE_SIMD128
const Kernels& simd128_kernels();
#endif
// SIMD128 when this build has it, scalar otherwise.
const Kernels& default_kernels();

// Typed access, so templated core code can pick the row kernel for its element type.
inline RowSums row_sums(const Kernels& k, const float* a, const float* b, std::size_t n) {
  return k.f32(a, b, n);
}
inline RowSums row_sums(const Kernels& k, const double* a, const double* b, std::size_t n) {
  return k.f64(a, b, n);
}
inline void axpby(const Kernels& k, const float* x, const float* y, std::size_t n, double alpha,
                  double beta, double* out) {
  k.axpby_f32(x, y, n, alpha, beta, out);
}
inline void axpby(const Kernels& k, const double* x, const double* y, std::size_t n, double alpha,
                  double beta, double* out) {
  k.axpby_f64(x, y, n, alpha, beta, out);
}
inline void axpby_store(const Kernels& k, const float* x, const float* y, std::size_t n,
                        double alpha, double beta, float* out) {
  k.axpby_store_f32(x, y, n, alpha, beta, out);
}
inline void axpby_store(const Kernels& k, const double* x, const double* y, std::size_t n,
                        double alpha, double beta, double* out) {
  k.axpby_store_f64(x, y, n, alpha, beta, out);
}
inline void cosine_rows(const Kernels& k, const float* a, std::size_t a_stride, const float* b,
                        std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                        double* out) {
  k.cosine_rows_f32(a, a_stride, b, b_stride, rows, d, eps, out);
}
inline void cosine_rows(const Kernels& k, const double* a, std::size_t a_stride, const double* b,
                        std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                        double* out) {
  k.cosine_rows_f64(a, a_stride, b, b_stride, rows, d, eps, out);
}

}  // namespace cossim

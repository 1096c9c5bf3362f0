// Scalar row kernels: the fallback for engines without SIMD128 and the readable statement of what
// every kernel computes. Kept genuinely scalar (the native build compiles this file with
// auto-vectorisation off) so SIMD-vs-scalar tests and benchmarks compare what they claim to.
#include "cosine_rows-inl.h"
#include "cossim/kernels.h"

namespace cossim {
namespace {

// Two partial sums per quantity break the add dependency chain; float inputs are widened first,
// so every product is exact and only the double sums round.
template <typename T>
RowSums row_sums_scalar(const T* a, const T* b, std::size_t n) {
  double dot0 = 0, dot1 = 0, aa0 = 0, aa1 = 0, bb0 = 0, bb1 = 0;
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const double x0 = a[i], x1 = a[i + 1];
    const double y0 = b[i], y1 = b[i + 1];
    dot0 += x0 * y0;
    dot1 += x1 * y1;
    aa0 += x0 * x0;
    aa1 += x1 * x1;
    bb0 += y0 * y0;
    bb1 += y1 * y1;
  }
  if (i < n) {
    const double x = a[i], y = b[i];
    dot0 += x * y;
    aa0 += x * x;
    bb0 += y * y;
  }
  return RowSums{dot0 + dot1, aa0 + aa1, bb0 + bb1};
}

template <typename T>
RowSums row_dot_ss_scalar(const T* a, const T* b, std::size_t n) {
  double dot0 = 0, dot1 = 0, bb0 = 0, bb1 = 0;
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    const double y0 = b[i], y1 = b[i + 1];
    dot0 += static_cast<double>(a[i]) * y0;
    dot1 += static_cast<double>(a[i + 1]) * y1;
    bb0 += y0 * y0;
    bb1 += y1 * y1;
  }
  if (i < n) {
    const double y = b[i];
    dot0 += static_cast<double>(a[i]) * y;
    bb0 += y * y;
  }
  return RowSums{dot0 + dot1, 0.0, bb0 + bb1};
}

template <typename T>
double sum_scalar(const T* x, std::size_t n) {
  double s0 = 0, s1 = 0;
  std::size_t i = 0;
  for (; i + 2 <= n; i += 2) {
    s0 += x[i];
    s1 += x[i + 1];
  }
  if (i < n) s0 += x[i];
  return s0 + s1;
}

template <typename T>
void axpby_scalar(const T* x, const T* y, std::size_t n, double alpha, double beta, double* out) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] += alpha * static_cast<double>(x[i]) + beta * static_cast<double>(y[i]);
  }
}

template <typename T>
void axpby_store_scalar(const T* x, const T* y, std::size_t n, double alpha, double beta, T* out) {
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<T>(alpha * static_cast<double>(x[i]) + beta * static_cast<double>(y[i]));
  }
}

}  // namespace

void axpby_store_f32_scalar(const float* x, const float* y, std::size_t n, double alpha,
                            double beta, float* out) {
  axpby_store_scalar(x, y, n, alpha, beta, out);
}

void axpby_store_f64_scalar(const double* x, const double* y, std::size_t n, double alpha,
                            double beta, double* out) {
  axpby_store_scalar(x, y, n, alpha, beta, out);
}

void axpby_f32_scalar(const float* x, const float* y, std::size_t n, double alpha, double beta,
                      double* out) {
  axpby_scalar(x, y, n, alpha, beta, out);
}

void axpby_f64_scalar(const double* x, const double* y, std::size_t n, double alpha, double beta,
                      double* out) {
  axpby_scalar(x, y, n, alpha, beta, out);
}

RowSums row_dot_ss_f32_scalar(const float* a, const float* b, std::size_t n) {
  return row_dot_ss_scalar(a, b, n);
}

RowSums row_dot_ss_f64_scalar(const double* a, const double* b, std::size_t n) {
  return row_dot_ss_scalar(a, b, n);
}

#if !COSSIM_HAVE_SIMD128
double sum_f32(const float* x, std::size_t n) { return sum_scalar(x, n); }
double sum_f64(const double* x, std::size_t n) { return sum_scalar(x, n); }
#endif

void cosine_rows_f32_scalar(const float* a, std::size_t a_stride, const float* b,
                            std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                            double* out) {
  internal::cosine_rows<float, row_sums_f32_scalar, row_dot_ss_f32_scalar>(a, a_stride, b, b_stride,
                                                                           rows, d, eps, out);
}

void cosine_rows_f64_scalar(const double* a, std::size_t a_stride, const double* b,
                            std::size_t b_stride, std::size_t rows, std::size_t d, double eps,
                            double* out) {
  internal::cosine_rows<double, row_sums_f64_scalar, row_dot_ss_f64_scalar>(
      a, a_stride, b, b_stride, rows, d, eps, out);
}

RowSums row_sums_f32_scalar(const float* a, const float* b, std::size_t n) {
  return row_sums_scalar(a, b, n);
}

RowSums row_sums_f64_scalar(const double* a, const double* b, std::size_t n) {
  return row_sums_scalar(a, b, n);
}

}  // namespace cossim

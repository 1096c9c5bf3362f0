// Scalar compact-table kernels (compact_kernels.h): exact products in f64 and f64 sums for the
// float formats, exact integer sums for int8. Also the reference the SIMD128 kernels fall back on.
#include <cstdint>

#include "cossim/compact_kernels.h"
#include "cossim/search.h"

namespace cossim {
namespace {

template <float (*Decode)(std::uint16_t)>
void dots_f16_like(const std::uint16_t* table, std::size_t rows, std::size_t d,
                   const float* const* queries, int nq, double* dots) {
  for (std::size_t r = 0; r < rows; ++r) {
    const std::uint16_t* row = table + r * d;
    for (int j = 0; j < nq; ++j) {
      const float* q = queries[j];
      double s = 0;
      for (std::size_t i = 0; i < d; ++i) {
        s += static_cast<double>(q[i]) * static_cast<double>(Decode(row[i]));
      }
      dots[r * kCompactMaxQueries + j] = s;
    }
  }
}

}  // namespace

void dot_f32_f16_scalar(const std::uint16_t* table, std::size_t rows, std::size_t d,
                        const float* const* queries, int nq, double* dots) {
  dots_f16_like<f16_kernel_value>(table, rows, d, queries, nq, dots);
}

void dot_f32_bf16_scalar(const std::uint16_t* table, std::size_t rows, std::size_t d,
                         const float* const* queries, int nq, double* dots) {
  dots_f16_like<bf16_value>(table, rows, d, queries, nq, dots);
}

void dot_i16_i8_scalar(const std::int8_t* table, std::size_t rows, std::size_t d,
                       const std::int16_t* const* queries, int nq, double* dots) {
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int8_t* row = table + r * d;
    for (int j = 0; j < nq; ++j) {
      const std::int16_t* q = queries[j];
      std::int64_t s = 0;
      for (std::size_t i = 0; i < d; ++i) s += std::int32_t{q[i]} * std::int32_t{row[i]};
      dots[r * kCompactMaxQueries + j] = static_cast<double>(s);
    }
  }
}

}  // namespace cossim

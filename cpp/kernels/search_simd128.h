// The SIMD128 search kernels (search_simd128.cc), for the SIMD128 set (simd128.cc).
#pragma once

#include "cossim/kernels.h"

#if COSSIM_HAVE_SIMD128

namespace cossim {
namespace simd128 {

void tile_dots(const float* const* a, const float* const* b, std::size_t n, double* out);
void tile_dots(const double* const* a, const double* const* b, std::size_t n, double* out);
void row_dots(const float* table, std::size_t rows, std::size_t d, const float* const* queries,
              int nq, double* dots, double* ss);
void row_dots(const double* table, std::size_t rows, std::size_t d, const double* const* queries,
              int nq, double* dots, double* ss);

}  // namespace simd128
}  // namespace cossim

#endif  // COSSIM_HAVE_SIMD128

#include "cossim/cosine_pair.h"

#include "cossim/cosine_similarity.h"

namespace cossim {

namespace {
template <typename T>
double cosine_pair_typed(const T* a, const T* b, std::size_t n, const KernelSet& kernels, DType d) {
  const double eps = epsilon_for(d);
  const RowSums s = row_sums(kernels, a, b, n);
  return s.dot * inv_norm(s.ss_a, eps) * inv_norm(s.ss_b, eps);
}
}  // namespace

double cosine_pair(const float* a, const float* b, std::size_t n, const KernelSet& kernels) {
  return cosine_pair_typed(a, b, n, kernels, DType::kFloat32);
}

double cosine_pair(const double* a, const double* b, std::size_t n, const KernelSet& kernels) {
  return cosine_pair_typed(a, b, n, kernels, DType::kFloat64);
}

}  // namespace cossim

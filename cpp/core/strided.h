// Internal: walking a multi-dimensional index space with several strided operands at once.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace cossim {
namespace internal {

// Visits every index of `dims` in row-major order while keeping one element offset per operand.
// Usage: for (Odometer<2> it(dims, strides); !it.done(); it.next()) use(it.offset(0), ...).
template <int N>
class Odometer {
 public:
  Odometer(std::vector<std::int64_t> dims, std::vector<std::array<std::int64_t, N>> strides)
      : dims_(std::move(dims)), strides_(std::move(strides)), index_(dims_.size(), 0) {
    for (std::int64_t d : dims_) {
      if (d == 0) done_ = true;
    }
  }

  bool done() const { return done_; }
  std::int64_t offset(int operand) const { return offset_[operand]; }

  void next() {
    for (std::size_t d = dims_.size(); d-- > 0;) {
      for (int k = 0; k < N; ++k) offset_[k] += strides_[d][k];
      if (++index_[d] < dims_[d]) return;
      for (int k = 0; k < N; ++k) offset_[k] -= strides_[d][k] * dims_[d];
      index_[d] = 0;
    }
    done_ = true;  // wrapped around: every index was visited (a rank-0 space has one)
  }

 private:
  std::vector<std::int64_t> dims_;
  std::vector<std::array<std::int64_t, N>> strides_;
  std::vector<std::int64_t> index_;
  std::array<std::int64_t, N> offset_{};
  bool done_ = false;
};

// Neumaier-compensated sum: reductions add no error of their own at any length.
class CompensatedSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    if (std::abs(sum_) >= std::abs(x)) {
      compensation_ += (sum_ - t) + x;
    } else {
      compensation_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  // A non-finite running sum makes the compensation NaN (Inf - Inf); report the plain sum then.
  double value() const { return std::isfinite(sum_) ? sum_ + compensation_ : sum_; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

}  // namespace internal
}  // namespace cossim

// Internal: walking a multi-dimensional index space with several strided operands at once.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "cossim/shape_engine.h"

namespace cossim {
namespace internal {

// Visits every index of a shape in row-major order while keeping one element offset per operand.
// Fixed-capacity storage: constructing one allocates nothing, so per-call bookkeeping stays off
// the heap. Usage:
//   Odometer<2> it;  it.add_dim(n, {stride_a, stride_b});  ...
//   for (it.start(); !it.done(); it.next()) use(it.offset(0), it.offset(1));
template <int N>
class Odometer {
 public:
  static constexpr int kCapacity = 2 * kMaxRank;

  void add_dim(std::int64_t size, const std::array<std::int64_t, N>& strides) {
    dims_[rank_] = size;
    strides_[rank_] = strides;
    ++rank_;
  }

  void start() {
    done_ = false;
    for (int d = 0; d < rank_; ++d) {
      index_[d] = 0;
      if (dims_[d] == 0) done_ = true;
    }
    offset_.fill(0);
  }

  bool done() const { return done_; }
  std::int64_t offset(int operand) const { return offset_[operand]; }

  void next() {
    for (int d = rank_; d-- > 0;) {
      for (int k = 0; k < N; ++k) offset_[k] += strides_[d][k];
      if (++index_[d] < dims_[d]) return;
      for (int k = 0; k < N; ++k) offset_[k] -= strides_[d][k] * dims_[d];
      index_[d] = 0;
    }
    done_ = true;  // wrapped around: every index was visited (a rank-0 space has one)
  }

 private:
  int rank_ = 0;
  std::array<std::int64_t, kCapacity> dims_;
  std::array<std::array<std::int64_t, N>, kCapacity> strides_;
  std::array<std::int64_t, kCapacity> index_;
  std::array<std::int64_t, N> offset_{};
  bool done_ = true;
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

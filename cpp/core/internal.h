// Internal helpers shared by the core's translation units: buffer sizing and the gather
// (transpose) that lays reduction axes out as contiguous rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cossim/buffer.h"
#include "cossim/shape_engine.h"
#include "cossim/tensor.h"
#include "strided.h"

namespace cossim {
namespace internal {

// Room for `count` elements of `element_size` bytes. Entry points check their whole byte budget
// first (reduction.h), so this refusal is defence in depth: the product is checked, never wraps.
inline Status reserve_elements(Buffer* buffer, std::int64_t count, std::size_t element_size) {
  std::uint64_t bytes = 0;
  if (count < 0 || !checked_mul(static_cast<std::uint64_t>(count), element_size, &bytes) ||
      bytes >= kMaxBytes) {
    return Status::TooLarge("Too large: " + int_to_string(count) + " elements of " +
                            uint_to_string(element_size) + " bytes; at most " +
                            uint_to_string(kMaxBytes - 1) + " bytes fit in a 32-bit address space");
  }
  return buffer->reserve(static_cast<std::size_t>(bytes));
}

inline std::vector<std::int64_t> row_major_strides(const Shape& shape) {
  std::vector<std::int64_t> strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t i = shape.size(); i-- > 0;) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

// Copies `src` (shape `shape`) into `buffer` with its dims permuted by `perm` (a transpose), so
// that reduction axes become contiguous rows for the row kernels.
template <typename T>
Status gather(const T* src, const Shape& shape, const std::vector<int>& perm, Buffer* buffer,
              const T** out) {
  const std::int64_t n = num_elements(shape);
  COSSIM_RETURN_IF_ERROR(reserve_elements(buffer, n, sizeof(T)));
  T* dst = buffer->as<T>();
  *out = dst;
  if (n == 0) return Status::Ok();
  const std::vector<std::int64_t> src_strides = row_major_strides(shape);
  const std::int64_t inner_len = shape[perm.back()];
  const std::int64_t inner_stride = src_strides[perm.back()];
  Odometer<1> it;
  for (std::size_t k = 0; k + 1 < perm.size(); ++k)
    it.add_dim(shape[perm[k]], {src_strides[perm[k]]});
  for (it.start(); !it.done(); it.next()) {
    const T* s = src + it.offset(0);
    for (std::int64_t j = 0; j < inner_len; ++j) *dst++ = s[j * inner_stride];
  }
  return Status::Ok();
}

// The fused path's operands laid out as rows (gathered into the workspace where the plan says
// so); `*t` and `*p` are replaced by the row-layout pointers.
template <typename T, typename Workspace>
Status rows_of(const T** t, const T** p, Workspace* ws) {
  const auto& plan = ws->plan;
  if (!plan.rows_true.gather_perm.empty()) {
    COSSIM_RETURN_IF_ERROR(
        gather(*t, plan.y_true, plan.rows_true.gather_perm, &ws->gathered_true, t));
  }
  if (!plan.rows_pred.gather_perm.empty()) {
    COSSIM_RETURN_IF_ERROR(
        gather(*p, plan.y_pred, plan.rows_pred.gather_perm, &ws->gathered_pred, p));
  }
  return Status::Ok();
}

// The fused path's walk over every row pair: offset(0) into y_true's rows and offset(1) into
// y_pred's (elements), one step per per-sample value, in output order.
template <typename Plan>
Odometer<2> row_pairs(const Plan& plan) {
  const std::int64_t k = plan.row_length;
  Odometer<2> it;
  for (std::size_t j = 0; j < plan.outer.size(); ++j) {
    it.add_dim(plan.outer[j],
               {plan.rows_true.outer_row_strides[j] * k, plan.rows_pred.outer_row_strides[j] * k});
  }
  return it;
}

// The inverse of gather: writes the row-layout `rows` back into `dst` in the original layout of
// `shape`, converting to the output type.
template <typename From, typename To>
void scatter(const From* rows, const Shape& shape, const std::vector<int>& perm, To* dst) {
  const std::int64_t n = num_elements(shape);
  if (n == 0) return;
  if (perm.empty()) {
    for (std::int64_t i = 0; i < n; ++i) dst[i] = static_cast<To>(rows[i]);
    return;
  }
  const std::vector<std::int64_t> strides = row_major_strides(shape);
  const std::int64_t inner_len = shape[perm.back()];
  const std::int64_t inner_stride = strides[perm.back()];
  Odometer<1> it;
  for (std::size_t k = 0; k + 1 < perm.size(); ++k) it.add_dim(shape[perm[k]], {strides[perm[k]]});
  for (it.start(); !it.done(); it.next()) {
    To* d = dst + it.offset(0);
    for (std::int64_t j = 0; j < inner_len; ++j) d[j * inner_stride] = static_cast<To>(*rows++);
  }
}

}  // namespace internal
}  // namespace cossim

// The top-k order and the per-query candidate heap, shared by the search core (search.cc) and the
// compact-table search (compact.cc), so both return the same order.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace cossim {
namespace internal {

struct Candidate {
  double
      score;  // the score rounded to the output dtype, so the order is that of the returned values
  std::int32_t index;
};

// The result order: higher score first, NaN after every number, ties by lower index. A strict
// weak order (a total order on distinct indices), as the heap algorithms need.
inline bool ranks_before(const Candidate& x, const Candidate& y) {
  const bool x_nan = std::isnan(x.score), y_nan = std::isnan(y.score);
  if (x_nan || y_nan) return x_nan == y_nan ? x.index < y.index : y_nan;
  if (x.score != y.score) return x.score > y.score;
  return x.index < y.index;
}

// The k candidates of one query so far: a heap whose top ranks last, so a new row enters only if
// it ranks before the top. Rows arrive in index order, so a tie with the top never enters.
struct TopK {
  Candidate* heap;
  std::int64_t size;

  void offer(const Candidate& c, std::int64_t k) {
    if (size < k) {
      heap[size++] = c;
      std::push_heap(heap, heap + size, ranks_before);
    } else if (ranks_before(c, heap[0])) {
      std::pop_heap(heap, heap + k, ranks_before);
      heap[k - 1] = c;
      std::push_heap(heap, heap + k, ranks_before);
    }
  }
};

}  // namespace internal
}  // namespace cossim

#include "cossim/search.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "cossim/kernels.h"
#include "cossim/shape_engine.h"
#include "internal.h"
#include "reduction.h"
#include "top_k_heap.h"

namespace cossim {

namespace {

// Pairwise cache tiles. A d chunk of 4 KB per row keeps the kTileA rows of a (16 KB) in L1 while
// the b rows of a block (<= 256 KB) come from L2; a chunk of f32 is a whole number of flush
// blocks, so chunking does not change the rounding.
constexpr std::size_t kDepthChunkBytes = 4096;
constexpr std::size_t kBBlockBytes = 256 * 1024;
constexpr std::int64_t kMaxBBlockRows = 256;
constexpr std::int64_t kABlockRows = 64;
static_assert(kDepthChunkBytes / sizeof(float) % kFlushBlock == 0, "chunks of whole blocks");
static_assert(kABlockRows % kTileA == 0, "whole tiles per a block");

// Top-k: table rows per kernel call (a chunk stays in L2 while each group of kMaxQueryDots
// queries of the pass reads it), and queries per pass over the table (bounded so the heaps of a
// pass stay within kCandidateBudgetBytes when k is large).
constexpr std::size_t kTableChunkBytes = 128 * 1024;
constexpr std::int64_t kMaxChunkRows = 256;
constexpr std::int64_t kMaxQueriesPerPass = 16;
constexpr std::size_t kCandidateBudgetBytes = 8 << 20;

// 1/sqrt(max(ss, eps)), with TF's Maximum semantics: a NaN sum of squares stays NaN.
inline double inv_norm(double ss, double eps) { return 1.0 / std::sqrt(ss < eps ? eps : ss); }

using internal::ByteBudget;
using internal::reserve_elements;

// validate_shape's checks, then the rank and a data pointer for a non-empty view.
Status check_operand(const TensorView& v, const std::string& what, std::size_t min_rank,
                     const char* expected) {
  COSSIM_RETURN_IF_ERROR(validate_shape(v.shape, what.c_str()));
  if (v.shape.size() < min_rank || v.shape.size() > 2) {
    return Status::Shape(what + " must be " + expected + "; got shape " + shape_to_string(v.shape));
  }
  if (v.data == nullptr && num_elements(v.shape) != 0) {
    return Status::Invalid(what + " of shape " + shape_to_string(v.shape) + " has no data");
  }
  return Status::Ok();
}

// inv[r] = inv_norm(|x_r|^2) for `rows` rows of length d; the sums come from the row-dots kernel
// with no queries, in chunks (short calls let V8 tier the kernel up).
template <typename T>
void inverse_norms(const T* x, std::int64_t rows, std::size_t d, RowDotsFn<T> kernel, double eps,
                   double* inv) {
  for (std::int64_t r0 = 0; r0 < rows; r0 += kMaxChunkRows) {
    const auto count = static_cast<std::size_t>(std::min(kMaxChunkRows, rows - r0));
    kernel(x + static_cast<std::size_t>(r0) * d, count, d, nullptr, 0, nullptr, inv + r0);
  }
  for (std::int64_t r = 0; r < rows; ++r) inv[r] = inv_norm(inv[r], eps);
}

// ---------------------------------------------------------------------------------------------
// Pairwise.

struct PairwiseBlock {
  std::int64_t i0, mb;  // rows [i0, i0 + mb) of a
  std::int64_t j0, nb;  // rows [j0, j0 + nb) of b
};

// Row `first + i` of x (rows of length d), with i clamped to the block's last row `count - 1`.
template <typename T>
const T* row_of(const T* x, std::int64_t first, std::int64_t i, std::int64_t count, std::size_t d) {
  return x + static_cast<std::size_t>(first + std::min(i, count - 1)) * d;
}

// One block of the output: dots accumulated over d chunks in `acc` (f64, mb x nb), then scaled by
// the inverse norms and rounded to T. Partial tiles repeat their last row, so the kernel always
// reads valid rows and only the valid part of its output is kept.
template <typename T>
void pairwise_block(const T* a, const T* b, std::size_t d, std::int64_t n, const PairwiseBlock& blk,
                    TileDotsFn<T> tile, const double* inv_a, const double* inv_b, double* acc,
                    T* out) {
  const std::int64_t mb = blk.mb, nb = blk.nb;
  std::fill(acc, acc + mb * nb, 0.0);
  const std::size_t chunk = kDepthChunkBytes / sizeof(T);
  for (std::size_t k0 = 0; k0 < d; k0 += chunk) {
    const std::size_t len = std::min(chunk, d - k0);
    for (std::int64_t ir = 0; ir < mb; ir += kTileA) {
      const T* ra[kTileA];
      for (int r = 0; r < kTileA; ++r) ra[r] = row_of(a, blk.i0, ir + r, mb, d) + k0;
      const int rows_a = static_cast<int>(std::min<std::int64_t>(kTileA, mb - ir));
      for (std::int64_t jr = 0; jr < nb; jr += kTileB) {
        const T* rb[kTileB];
        for (int c = 0; c < kTileB; ++c) rb[c] = row_of(b, blk.j0, jr + c, nb, d) + k0;
        const int rows_b = static_cast<int>(std::min<std::int64_t>(kTileB, nb - jr));
        double dots[kTileA * kTileB];
        tile(ra, rb, len, dots);
        for (int r = 0; r < rows_a; ++r) {
          for (int c = 0; c < rows_b; ++c) acc[(ir + r) * nb + jr + c] += dots[r * kTileB + c];
        }
      }
    }
  }
  for (std::int64_t i = 0; i < mb; ++i) {
    T* row = out + (blk.i0 + i) * n + blk.j0;
    const double ia = inv_a[blk.i0 + i];
    for (std::int64_t j = 0; j < nb; ++j) {
      row[j] = static_cast<T>((acc[i * nb + j] * ia) * inv_b[blk.j0 + j]);
    }
  }
}

template <typename T>
Status pairwise_typed(const TensorView& a, const TensorView& b, const KernelSet& kernels,
                      SearchWorkspace* ws, Result* out) {
  const std::int64_t m = a.shape[0], n = b.shape[0];
  const auto d = static_cast<std::size_t>(a.shape[1]);
  const T* pa = static_cast<const T*>(a.data);
  const T* pb = static_cast<const T*>(b.data);
  const double eps = epsilon_for(a.dtype);

  const std::size_t row_bytes = std::max<std::size_t>(1, std::min(d * sizeof(T), kDepthChunkBytes));
  std::int64_t nb_max = static_cast<std::int64_t>(kBBlockBytes / row_bytes);
  nb_max = std::min(kMaxBBlockRows, std::max<std::int64_t>(kTileB, nb_max / kTileB * kTileB));
  // Every buffer of the call, checked before any is allocated (m * n <= kMaxElements here).
  // An empty output, or rows of length 0, read nothing and need no norms.
  const bool trivial = m == 0 || n == 0 || d == 0;
  ByteBudget budget;
  budget.add(m * n, sizeof(T));
  if (!trivial) {
    budget.add(m, sizeof(double));
    budget.add(n, sizeof(double));
    budget.add(kABlockRows * nb_max, sizeof(double));
  }
  if (!budget.fits()) {
    return budget.refuse("pairwise: a " + shape_to_string(a.shape) + " and b " +
                         shape_to_string(b.shape) + " (output [" + int_to_string(m) + "," +
                         int_to_string(n) + "])");
  }
  out->dtype = a.dtype;
  out->shape = {m, n};
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->values, m * n, sizeof(T)));
  out->data = ws->values.data();
  if (trivial) {
    // Nothing to read: an empty output, or rows of length 0 whose every cosine is 0 (a dot over
    // nothing times finite norms), in O(output) whatever the other operand's row count.
    std::fill(ws->values.as<T>(), ws->values.as<T>() + m * n, T(0));
    return Status::Ok();
  }
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->inv_norm_a, m, sizeof(double)));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->inv_norm_b, n, sizeof(double)));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->block_dots, kABlockRows * nb_max, sizeof(double)));

  double* inv_a = ws->inv_norm_a.as<double>();
  double* inv_b = ws->inv_norm_b.as<double>();
  const RowDotsFn<T> norms = row_dots(kernels, pa);
  inverse_norms(pa, m, d, norms, eps, inv_a);
  inverse_norms(pb, n, d, norms, eps, inv_b);
  T* result = ws->values.as<T>();
  const TileDotsFn<T> tile = tile_dots(kernels, pa);
  for (std::int64_t i0 = 0; i0 < m; i0 += kABlockRows) {
    for (std::int64_t j0 = 0; j0 < n; j0 += nb_max) {
      const PairwiseBlock blk{i0, std::min(kABlockRows, m - i0), j0, std::min(nb_max, n - j0)};
      pairwise_block(pa, pb, d, n, blk, tile, inv_a, inv_b, ws->block_dots.as<double>(), result);
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Top-k.

using internal::Candidate;
using internal::ranks_before;
using internal::TopK;

struct QueryPass {
  const void* queries[kMaxQueriesPerPass];  // const T*, one per query of the pass
  double inv_norm[kMaxQueriesPerPass];
  TopK top[kMaxQueriesPerPass];
  int count;
};

// Queries per pass: up to kMaxQueriesPerPass, fewer when their heaps of k' candidates would
// exceed kCandidateBudgetBytes, at least 1.
std::int64_t queries_per_pass(std::int64_t kk) {
  const auto budget = static_cast<std::int64_t>(kCandidateBudgetBytes / sizeof(Candidate));
  return std::max<std::int64_t>(
      1, std::min(kMaxQueriesPerPass, budget / std::max<std::int64_t>(kk, 1)));
}

// Table rows per kernel call: about kTableChunkBytes, between 1 and kMaxChunkRows rows.
std::size_t table_chunk_rows(std::size_t row_bytes) {
  const std::size_t rows = kTableChunkBytes / std::max<std::size_t>(1, row_bytes);
  return std::max<std::size_t>(1, std::min<std::size_t>(kMaxChunkRows, rows));
}

// One chunk of table rows [r0, r0 + rows) against every query of the pass: one fused kernel call
// (dots and |row|^2) per group of kMaxQueryDots queries, then the scores go to the heaps. With
// several groups, each call recomputes |row|^2 (bitwise the same): 1 of ng + 1 sums of extra
// arithmetic on data already in L2, for a single kernel shape.
template <typename T>
void scan_chunk(const T* rows_data, std::int64_t r0, std::size_t rows, std::size_t d,
                RowDotsFn<T> kernel, double eps, std::int64_t k, double* dots, double* ss,
                QueryPass* pass) {
  for (int g = 0; g < pass->count; g += kMaxQueryDots) {
    const int ng = std::min(kMaxQueryDots, pass->count - g);
    const T* qs[kMaxQueryDots];
    for (int j = 0; j < ng; ++j) qs[j] = static_cast<const T*>(pass->queries[g + j]);
    kernel(rows_data, rows, d, qs, ng, dots, ss);
    for (std::size_t r = 0; r < rows; ++r) {
      const double inv_r = inv_norm(ss[r], eps);
      const auto index = static_cast<std::int32_t>(r0 + static_cast<std::int64_t>(r));
      for (int j = 0; j < ng; ++j) {
        const T score =
            static_cast<T>((dots[r * kMaxQueryDots + j] * pass->inv_norm[g + j]) * inv_r);
        pass->top[g + j].offer(Candidate{score, index}, k);
      }
    }
  }
}

template <typename T>
Status top_k_typed(const TensorView& query, const TensorView& table, std::int64_t k,
                   const KernelSet& kernels, SearchWorkspace* ws, TopKResult* out) {
  const bool batched = query.shape.size() == 2;
  const std::int64_t nq = batched ? query.shape[0] : 1;
  const std::int64_t n = table.shape[0];
  const auto d = static_cast<std::size_t>(table.shape[1]);
  const std::int64_t kk = std::min(k, n);
  if (kk != 0 && nq > kMaxElements / kk) {
    return Status::TooLarge("top_k: the output [" + int_to_string(nq) + "," + int_to_string(kk) +
                            "] has too many elements");
  }
  const T* q = static_cast<const T*>(query.data);
  const T* x = static_cast<const T*>(table.data);
  const double eps = epsilon_for(table.dtype);

  const std::int64_t per_pass = queries_per_pass(kk);
  const std::size_t chunk_rows = table_chunk_rows(d * sizeof(T));
  // Every buffer of the call, checked before any is allocated (nq * kk <= kMaxElements here).
  ByteBudget budget;
  budget.add(nq * kk, sizeof(T));
  budget.add(nq * kk, sizeof(std::int32_t));
  budget.add(std::min(nq, per_pass) * kk, sizeof(Candidate));
  budget.add(static_cast<std::int64_t>(chunk_rows) * (kMaxQueryDots + 1), sizeof(double));
  if (!budget.fits()) {
    return budget.refuse("top_k: query " + shape_to_string(query.shape) + " and table " +
                         shape_to_string(table.shape) + " with k = " + int_to_string(k) +
                         " (output [" + int_to_string(nq) + "," + int_to_string(kk) + "])");
  }
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->values, nq * kk, sizeof(T)));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->indices, nq * kk, sizeof(std::int32_t)));
  COSSIM_RETURN_IF_ERROR(
      reserve_elements(&ws->candidates, std::min(nq, per_pass) * kk, sizeof(Candidate)));
  COSSIM_RETURN_IF_ERROR(reserve_elements(
      &ws->row_dots, static_cast<std::int64_t>(chunk_rows) * (kMaxQueryDots + 1), sizeof(double)));

  T* values = ws->values.as<T>();
  std::int32_t* indices = ws->indices.as<std::int32_t>();
  double* dots = ws->row_dots.as<double>();
  double* ss = dots + chunk_rows * kMaxQueryDots;
  const RowDotsFn<T> kernel = row_dots(kernels, q);
  // Rows of length 0 all score 0 (a dot over nothing): the first k' rows, in index order, without
  // reading the table, so an empty [2^31 - 1, 0] table costs O(q k').
  const bool empty_rows = d == 0;
  for (std::int64_t i = 0; empty_rows && i < nq * kk; ++i) {
    values[i] = T(0);
    indices[i] = static_cast<std::int32_t>(i % kk);
  }
  for (std::int64_t q0 = 0; !empty_rows && kk > 0 && q0 < nq; q0 += per_pass) {
    QueryPass pass;
    pass.count = static_cast<int>(std::min(per_pass, nq - q0));
    for (int j = 0; j < pass.count; ++j) {
      const T* qj = q + static_cast<std::size_t>(q0 + j) * d;
      double qss = 0;
      kernel(qj, 1, d, nullptr, 0, nullptr, &qss);  // the query's norm, once
      pass.queries[j] = qj;
      pass.inv_norm[j] = inv_norm(qss, eps);
      pass.top[j] = TopK{ws->candidates.as<Candidate>() + j * kk, 0};
    }
    for (std::int64_t r0 = 0; r0 < n; r0 += static_cast<std::int64_t>(chunk_rows)) {
      const auto rows = static_cast<std::size_t>(std::min<std::int64_t>(chunk_rows, n - r0));
      scan_chunk(x + static_cast<std::size_t>(r0) * d, r0, rows, d, kernel, eps, kk, dots, ss,
                 &pass);
    }
    for (int j = 0; j < pass.count; ++j) {
      Candidate* heap = pass.top[j].heap;
      std::sort_heap(heap, heap + kk, ranks_before);  // best first
      const std::int64_t base = (q0 + j) * kk;
      for (std::int64_t p = 0; p < kk; ++p) {
        values[base + p] = static_cast<T>(heap[p].score);
        indices[base + p] = heap[p].index;
      }
    }
  }
  out->dtype = table.dtype;
  if (batched) {
    out->shape = {nq, kk};
  } else {
    out->shape = {kk};
  }
  out->values = values;
  out->indices = indices;
  return Status::Ok();
}

}  // namespace

Status pairwise_cosine(const TensorView& a, const TensorView& b, const KernelSet& kernels,
                       SearchWorkspace* ws, Result* out) {
  COSSIM_RETURN_IF_ERROR(check_operand(a, "pairwise: a", 2, "rank 2 [m,d]"));
  COSSIM_RETURN_IF_ERROR(check_operand(b, "pairwise: b", 2, "rank 2 [n,d]"));
  if (a.shape[1] != b.shape[1]) {
    return Status::Shape("pairwise: feature dims differ: " + shape_to_string(a.shape) + " vs. " +
                         shape_to_string(b.shape));
  }
  if (a.dtype != b.dtype) {
    return Status::Type("pairwise: a and b must have the same dtype (the caller casts)");
  }
  if (b.shape[0] != 0 && a.shape[0] > kMaxElements / b.shape[0]) {
    return Status::TooLarge("pairwise: the output [" + int_to_string(a.shape[0]) + "," +
                            int_to_string(b.shape[0]) + "] has too many elements");
  }
  return a.dtype == DType::kFloat64 ? pairwise_typed<double>(a, b, kernels, ws, out)
                                    : pairwise_typed<float>(a, b, kernels, ws, out);
}

Status top_k_cosine(const TensorView& query, const TensorView& table, std::int64_t k,
                    const KernelSet& kernels, SearchWorkspace* ws, TopKResult* out) {
  COSSIM_RETURN_IF_ERROR(check_operand(query, "top_k: query", 1, "rank 1 [d] or rank 2 [q,d]"));
  COSSIM_RETURN_IF_ERROR(check_operand(table, "top_k: table", 2, "rank 2 [n,d]"));
  if (query.shape.back() != table.shape[1]) {
    return Status::Shape("top_k: feature dims differ: " + shape_to_string(query.shape) + " vs. " +
                         shape_to_string(table.shape));
  }
  if (query.dtype != table.dtype) {
    return Status::Type("top_k: query and table must have the same dtype (the caller casts)");
  }
  if (k < 0) return Status::Invalid("top_k: k must be >= 0; got " + int_to_string(k));
  if (table.shape[0] > INT32_MAX) {
    return Status::Shape("top_k: table has " + int_to_string(table.shape[0]) +
                         " rows; at most 2147483647 are supported (int32 indices)");
  }
  return table.dtype == DType::kFloat64 ? top_k_typed<double>(query, table, k, kernels, ws, out)
                                        : top_k_typed<float>(query, table, k, kernels, ws, out);
}

}  // namespace cossim

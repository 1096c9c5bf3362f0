// Pairwise cosine similarity and exact top-k cosine search over the rows of a table.
//
// Numerical contract
// ------------------
//   cos(x, y) = (dot(x, y) * inv(x)) * inv(y),   inv(x) = 1 / sqrt(max(sum(x^2), eps))
// * eps = epsilon_for(dtype) (cosine_similarity.h): the same floor on the sum of squares as the
//   loss, so a zero row scores 0 (never NaN), a row with a NaN scores NaN, and a row with an Inf
//   component scores NaN (Inf * 0), as Keras's l2_normalize would give.
// * Each row's inverse norm is computed once (pairwise: every row of a and b; top-k: the query).
//   The products and the formula above are evaluated in double and rounded to the dtype once.
// * float32, SIMD128: f32x4 partial sums per (row, row) pair, flushed into f64 totals every
//   kFlushBlock elements (tile_dots, row_dots: kernels.h, whose bounds the kernel tests check):
//   |err(dot)| <= 65 * 2^-24 * sum|x_i y_i| (+ (d/64 + 16) * 2^-53 for the f64 totals) and each
//   sum of squares is within 65 * 2^-24 relative. With S = sum|x_i y_i| * inv(x) * inv(y) <= 1:
//   |err(cos)| <= 65 * 2^-24 * S + 67 * 2^-24 * |cos| (<= 7.9e-6) in the worst case; measured on
//   random data 2.5e-8 at d = 768, i.e. within cosine_similarity.h's 1e-6 * (1 + |ref|). A pair
//   or row whose f32 products or partial sums overflow (|x| >~ 1.8e19), or that meets a NaN or
//   Inf, is recomputed by the scalar kernel, so the result does not depend on the kernel set.
// * float32, scalar: exact products, f64 sums. float64: f64 products and sums (SIMD128: 2 lanes),
//   |err| <= ~(d + 16) * 2^-53 * (S + |cos|).
// * A NaN query scores NaN against every row.
//
// Top-k order: by the returned value (the score rounded to the dtype) descending, ties by lower
// row index, so equal returned values always appear in index order; NaN scores rank after every
// number (ties among NaN by index). Zero rows (score 0) and negative scores are kept.
// k' = min(k, n) results per query.
//
// Streaming: top-k reads the table once per pass of up to 16 queries (fewer when k is so large
// that their heaps would exceed 8 MB), in chunks that stay in L2, computing each row's |row|^2
// fused with up to 4 query dots per kernel call; it keeps a heap of k' candidates per query and
// never stores or sorts all n scores. Pairwise never materialises m x n x d: a register-blocked
// 4 x 2 micro-kernel runs over cache tiles of a (64 rows), b (<= 256 KB) and d (4 KB per row).
//
// Errors are Status::Invalid with TF-style shape messages (OutOfMemory when a buffer cannot be
// had); nothing aborts on bad input. Outputs point into the SearchWorkspace and stay valid until
// its next use; a workspace reused for calls of the same or smaller size allocates no data-sized
// memory.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cossim/buffer.h"
#include "cossim/cosine_similarity.h"
#include "cossim/kernels.h"
#include "cossim/status.h"
#include "cossim/tensor.h"

namespace cossim {

// Scratch and output storage, reused across calls.
struct SearchWorkspace {
  Buffer inv_norm_a, inv_norm_b;  // pairwise: inv() of every row of a and b (double)
  Buffer block_dots;              // pairwise: f64 dots of one (a block x b block), over d chunks
  Buffer row_dots;                // top-k: dots and |row|^2 of one table chunk (double)
  Buffer candidates;              // top-k: a heap of k' candidates per query of a pass
  Buffer values;                  // the output values, in the dtype
  Buffer indices;                 // top-k: the output row indices (int32)
};

struct TopKResult {
  Shape shape;                            // [k'] for a rank-1 query, [q, k'] for rank 2
  const std::int32_t* indices = nullptr;  // row indices into the table
  const void* values = nullptr;           // the scores, in `dtype`
  DType dtype = DType::kFloat32;
};

// a [m, d] and b [n, d] of one dtype -> out [m, n], out[i][j] = cos(a_i, b_j).
Status pairwise_cosine(const TensorView& a, const TensorView& b, const KernelSet& kernels,
                       SearchWorkspace* ws, Result* out);

// query [d] or [q, d] and table [n, d] of one dtype, k >= 0 -> for each query the k' = min(k, n)
// rows of highest cos, in the order above. The table may have at most INT32_MAX rows.
Status top_k_cosine(const TensorView& query, const TensorView& table, std::int64_t k,
                    const KernelSet& kernels, SearchWorkspace* ws, TopKResult* out);

}  // namespace cossim

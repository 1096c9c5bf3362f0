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
//   kFlushBlock elements as the row kernels do (kernels.h). Each lane adds at most
//   kFlushBlock / 4 = 64 products per block and the flush widens lanes exactly, so
//   |err(dot)| <= 64 * 2^-24 * sum|x_i y_i| (+ d * 2^-53 for the f64 totals) and each sum of
//   squares is within 64 * 2^-24 relative. With S = sum|x_i y_i| * inv(x) * inv(y) <= 1:
//   |err(cos)| <= 64 * 2^-24 * S + 66 * 2^-24 * |cos| (<= 7.8e-6) in the worst case; measured on
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
#include "cossim/status.h"
#include "cossim/tensor.h"

namespace cossim {

// The pairwise micro-kernel's tile: kTileA rows of a against kTileB rows of b.
inline constexpr int kTileA = 4;
inline constexpr int kTileB = 2;
// The row-dots kernel computes up to this many query dots per table row in one pass.
inline constexpr int kMaxQueryDots = 4;

// out[r * kTileB + c] = dot(a[r][0..n), b[c][0..n)) for r < kTileA, c < kTileB. Callers pass
// valid row pointers only (repeating a row to fill a partial tile).
template <typename T>
using TileDotsFn = void (*)(const T* const* a, const T* const* b, std::size_t n, double* out);

// For each of `rows` rows t_r = table + r * d (r < rows): ss[r] = |t_r|^2 and, for q < nq
// (0 <= nq <= kMaxQueryDots), dots[r * kMaxQueryDots + q] = dot(queries[q], t_r). One pass over
// each table row.
template <typename T>
using RowDotsFn = void (*)(const T* table, std::size_t rows, std::size_t d, const T* const* queries,
                           int nq, double* dots, double* ss);

struct SearchKernels {
  const char* name;
  TileDotsFn<float> tile_f32;
  TileDotsFn<double> tile_f64;
  RowDotsFn<float> row_dots_f32;
  RowDotsFn<double> row_dots_f64;
};

void tile_dots_f32_scalar(const float* const* a, const float* const* b, std::size_t n, double* out);
void tile_dots_f64_scalar(const double* const* a, const double* const* b, std::size_t n,
                          double* out);
void row_dots_f32_scalar(const float* table, std::size_t rows, std::size_t d,
                         const float* const* queries, int nq, double* dots, double* ss);
void row_dots_f64_scalar(const double* table, std::size_t rows, std::size_t d,
                         const double* const* queries, int nq, double* dots, double* ss);
const SearchKernels& scalar_search_kernels();

#if COSSIM_HAVE_SIMD128
void tile_dots_f32_simd128(const float* const* a, const float* const* b, std::size_t n,
                           double* out);
void tile_dots_f64_simd128(const double* const* a, const double* const* b, std::size_t n,
                           double* out);
void row_dots_f32_simd128(const float* table, std::size_t rows, std::size_t d,
                          const float* const* queries, int nq, double* dots, double* ss);
void row_dots_f64_simd128(const double* table, std::size_t rows, std::size_t d,
                          const double* const* queries, int nq, double* dots, double* ss);
const SearchKernels& simd128_search_kernels();
#endif

// SIMD128 when this build has it, scalar otherwise.
const SearchKernels& default_search_kernels();

// Typed access for templated core code.
inline TileDotsFn<float> tile_dots(const SearchKernels& k, const float*) { return k.tile_f32; }
inline TileDotsFn<double> tile_dots(const SearchKernels& k, const double*) { return k.tile_f64; }
inline RowDotsFn<float> row_dots(const SearchKernels& k, const float*) { return k.row_dots_f32; }
inline RowDotsFn<double> row_dots(const SearchKernels& k, const double*) { return k.row_dots_f64; }

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
Status pairwise_cosine(const TensorView& a, const TensorView& b, const SearchKernels& kernels,
                       SearchWorkspace* ws, Result* out);

// query [d] or [q, d] and table [n, d] of one dtype, k >= 0 -> for each query the k' = min(k, n)
// rows of highest cos, in the order above. The table may have at most INT32_MAX rows.
Status top_k_cosine(const TensorView& query, const TensorView& table, std::int64_t k,
                    const SearchKernels& kernels, SearchWorkspace* ws, TopKResult* out);

}  // namespace cossim

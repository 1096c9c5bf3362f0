// Compact search tables: float16, bfloat16 and int8 rows, filled from float32/float64 values and
// searched with a float32 or float64 query (similarity, top-k, pairwise).
//
// Storage (one block per table, layout from compact_layout()):
//   [rows * d elements][pad to 16][factor: rows doubles][scale: rows floats]
// factor[r] turns the kernel's dot with row r into its share of the cosine (see below); scale[r]
// is int8's dequantisation scale (1 for the float formats). Both are written by compact_encode, so
// a table is only ever filled through it (JS: set()); a zeroed block reads as zero rows.
//
// Formats and numerical contract
// ------------------------------
// * float16: each value rounded to nearest, ties to even (from f64 directly: no double rounding).
//   |x| >= 65520 (which would round to Inf), Inf and NaN are refused (Status::Shape naming the
//   element's index); nothing in the table is then guaranteed about the rows of that call.
//   Relative rounding error <= 2^-11 for |x| >= 2^-14 (subnormals below: absolute <= 2^-25).
// * bfloat16: the same, with bfloat16's range (|x| >= (2 - 2^-8) * 2^127 refused); relative
//   rounding error <= 2^-8.
// * int8: symmetric per-row quantisation along the last axis: scale = fl32(max_i |x_i| / 127),
//   q_i = round_half_even(x_i / scale) clamped to [-127, 127] (0 for a zero row, scale 0); the
//   dequantised value is q_i * scale. |x_i - q_i * scale| <= scale / 2 (+ the f32 rounding of
//   scale). Inf/NaN refused, as is a row whose scale overflows float32.
// The kernels compute exactly on the stored (dequantised) values, so every score is the cosine of
// the stored row and the query (int8: the query rounded to int16, see below), up to:
//   cos = (dot' * A_q) * B_r,   B_r = factor[r] = s_r / sqrt(max(|x~_r|^2, eps)),
//   A_q = u_q / sqrt(max(|q~|^2, eps)), eps = epsilon_for(float32) = 1e-12 (Keras's floor, on the
// stored values: a zero row or query scores 0, never NaN). dot' is the kernel's dot
// (compact_kernels.h) of the query pre-scaled by a power of two (u_q; float16 adds 2^112) or, for
// int8, rounded to int16 with u_q = max|q| / 32767 (|q - q~| <= u_q / 2 per element, so the
// cosine moves by at most ~sqrt(d) / 32767 in the worst case, typically 100x less).
// Errors against the long-double cosine of the stored values: float formats, SIMD128
//   |err| <= 65 * 2^-24 * S + 4 * 2^-24 (S = sum|q_i x_i| / (|q| |x|) <= 1) before the final
// rounding to float32 (2^-24 relative); scalar d * 2^-53 * S; int8 exact up to that final rounding
// (against the int16 query). Against the float64 cosine of the *original* data the format's
// rounding dominates; measured on clustered data (README "Compact tables").
// A query with a NaN or Inf scores NaN against every row (as the float32 tables do).
// Results are float32 for either query dtype; a float64 query is read in float64 (its norm and
// scaling) and rounded once to the kernel's query format.
//
// Shapes: the table is [n, d]; a query [d] or [q, d]. similarity: [d] or [1, d] -> [n] (one query
// against every row); [n, d] -> [n] (row-paired, as similarity() pairs samples). top_k: as
// search.h (order, ties, NaN last, k' = min(k, n)). pairwise: a [m, d] -> [m, n]; against a
// float16/bfloat16 table it decodes blocks of rows to float32 (exactly) and runs search.h's float32
// pairwise (register-blocked tiles, its float32 bound) on them, with `a` rounded to float32; int8
// uses the integer kernel as above.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cossim/buffer.h"
#include "cossim/compact_kernels.h"
#include "cossim/cosine_similarity.h"
#include "cossim/search.h"
#include "cossim/status.h"
#include "cossim/tensor.h"

namespace cossim {

// Same values as the interface's slot dtype codes (io_block.h checks it).
enum class CompactDType : std::int32_t { kFloat16 = 3, kBFloat16 = 4, kInt8 = 5 };

inline bool is_compact_dtype(std::int32_t code) { return code >= 3 && code <= 5; }
inline std::size_t compact_element_size(CompactDType t) { return t == CompactDType::kInt8 ? 1 : 2; }

struct CompactLayout {
  std::uint64_t bytes = 0;          // the whole block
  std::uint64_t factor_offset = 0;  // rows doubles
  std::uint64_t scale_offset = 0;   // rows floats
};

// The block of a table of `rows` rows of d elements. TooLarge beyond 2^53 bytes.
Status compact_layout(std::int64_t rows, std::int64_t d, CompactDType dtype, CompactLayout* out);

// A table's block (from compact_layout) and its geometry.
struct CompactTable {
  CompactDType dtype = CompactDType::kFloat16;
  void* block = nullptr;
  std::int64_t rows = 0;
  std::int64_t d = 0;
};

// Encodes rows [first_row, first_row + count) from src (count * d values of src_dtype). A refused
// element is named by index_base + its index in src (callers that fill in pieces pass the piece's
// offset, so the message names the index in the caller's values).
Status compact_encode(const CompactTable& table, std::int64_t first_row, std::int64_t count,
                      const void* src, DType src_dtype, std::int64_t index_base = 0);
// Decodes (dequantises) rows [first_row, first_row + count) into dst (count * d floats).
Status compact_decode(const CompactTable& table, std::int64_t first_row, std::int64_t count,
                      float* dst);

// Scratch and outputs, reused across calls.
struct CompactWorkspace {
  Buffer queries;       // the queries in the kernel's format (f32 or int16), d each
  Buffer query_factor;  // A_q per query (double)
  Buffer dots;          // one chunk of kernel dots
  Buffer candidates;    // top-k heaps
  Buffer values;        // float32 outputs
  Buffer indices;       // int32 top-k indices
  Buffer decoded;       // pairwise, float16/bfloat16: one block of table rows as float32
  Buffer a32;           // pairwise, float16/bfloat16: a float64 `a` rounded to float32
  SearchWorkspace search;
};

Status compact_similarity(const TensorView& query, const CompactTable& table,
                          const KernelSet& kernels, CompactWorkspace* ws, Result* out);
Status compact_top_k(const TensorView& query, const CompactTable& table, std::int64_t k,
                     const KernelSet& kernels, CompactWorkspace* ws, TopKResult* out);
Status compact_pairwise(const TensorView& a, const CompactTable& table,
                        const KernelSet& kernels, CompactWorkspace* ws, Result* out);

// Single values, RNE (exposed for tests). false when the value is not representable (overflow,
// Inf, NaN).
bool round_to_f16(double x, std::uint16_t* out);
bool round_to_bf16(double x, std::uint16_t* out);
double f16_to_double(std::uint16_t h);

}  // namespace cossim

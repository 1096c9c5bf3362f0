// The kernels: every inner loop the core runs (loss rows, gradient updates, search tiles and
// dots, sums), gathered per instruction set into one KernelSet, and the registry of the sets this
// build has. This header includes no core header: kernels see raw pointers and lengths only.
//
// What each kernel computes
// -------------------------
// * row_sums(a, b, n) -> RowSums{dot(a, b), |a|^2, |b|^2}; row_dot_ss(a, b, n) the same with ss_a
//   = 0 (the per-row pass when a is a broadcast query, whose norm is already known).
// * cosine_rows(a, a_stride, b, b_stride, rows, d, eps, out): out[r] = cos(a_r, b_r) =
//   dot * inv_norm(|a_r|^2, eps) * inv_norm(|b_r|^2, eps), a_r = a + r * a_stride (the kernels
//   do form the cosine). A stride of 0 broadcasts that row: its norm is computed once and the
//   per-row pass uses row_dot_ss. SIMD128, float32, d <= 16 with both strides == d: four rows per
//   step with the whole finish (sqrt, divide) in f32x4; every other case finishes in double.
// * axpby(x, y, n, alpha, beta, out): out[j] += alpha * x[j] + beta * y[j] in double (the
//   gradient of a broadcast operand accumulates); axpby_store: out[j] = T(alpha * x[j] + beta *
//   y[j]), computed in double and rounded once (an operand whose rows get exactly one update).
// * tile_dots(a, b, n, out): out[r * kTileB + c] = dot(a[r], b[c]) for the kTileA x kTileB
//   rows given (the pairwise micro-kernel). row_dots(table, rows, d, queries, nq, dots, ss):
//   ss[r] = |t_r|^2 and dots[r * kMaxQueryDots + q] = dot(queries[q], t_r), q < nq <= 4 (top-k);
//   the entries q >= nq are left untouched.
// * sum(x, n): the sum of n elements. Production code: the loss's unweighted reduction sums the
//   per-sample values (float64) with it, in blocks of 1024, compensated across blocks
//   (cosine_similarity.cc); the JS benchmarks also use it as a read-bandwidth probe (the float32
//   one serves only that probe, so the default WebAssembly module leaves it null, as a search
//   entry).
// Nothing past element n-1 of any row is read, nothing past out[n-1] / out[rows-1] written (the
// vector loops stop at the last full vector, a scalar tail finishes); rows may have any
// alignment; n = 0 reads nothing and gives 0. NaN and Inf propagate as IEEE arithmetic does.
//
// Error bounds (u = 2^-24, v = 2^-53 the unit roundoffs; S = the sum of |terms| the quantity adds
// up: |x_i y_i| for a dot, x_i^2 for a sum of squares, |x_i| for sum; first order in u and v).
// The native tests (tests/native/kernel_*_test.cc) check every set against a long-double
// reference with exactly these bounds, which every set must meet (a set whose algorithm needs a
// looser bound adds an F32Accumulation kind and its bounds here).
// * float64, every set: f64 products and sums into >= 1 partial sums per quantity (the scalar
//   set's row_sums and sum use 2, its tile_dots/row_dots 1; the SIMD128 set 2 to 8 lanes):
//   row_sums, row_dot_ss, sum: |err| <= (n/2 + 8) v S;  tile_dots, row_dots: (n + 4) v S.
// * float32, F32Accumulation::kExactF64 (scalar set): float products are exact in double, so the
//   same f64 bounds hold.
// * float32, F32Accumulation::kBlockedF32x4 (SIMD128 set): products rounded to f32 and summed in
//   f32x4 lanes, the lanes widened exactly into f64 totals every kFlushBlock = 256 elements, so a
//   term meets at most the f32 roundings of its own block and the error does not grow with n
//   beyond the f64 totals' (n/64 + 16) v S:
//     row_sums, row_dot_ss: 2 accumulators = 8 lanes, 32 products per lane per block, 1 product
//       + 31 adds + 1 add joining the accumulators before the flush: <= 34 u S + (n/64 + 16) v S;
//     tile_dots: 1 accumulator = 4 lanes per pair, 64 products per lane: <= 65 u S + (..) v S;
//     row_dots: 2 accumulators for nq <= 2 (32 per lane), 1 for nq = 3, 4 (64 per lane): <= 65 u S;
//     sum: 4 accumulators = 16 lanes, 16 elements per lane, 2 adds joining them: <= 18 u S.
//   The tests' absorption rows (one large leading product, then ones) reach 0.91 (row_sums), 0.97
//   (tile_dots, row_dots) and 0.83 (sum) of these bounds; without the flush they exceed them.
//   A row whose f32 products or partial sums overflow (|x| >~ 1.8e19) or that meets NaN/Inf is
//   recomputed by the scalar kernel, so such rows give the scalar set's result exactly (no
//   Inf from a finite input; Keras's float32 would overflow: a documented deviation). Rows
//   shorter than one vector step are summed in double by the SIMD tail already.
// * cosine_rows, finishing in double: with c the row_sums coefficient of u and v above, each
//   sum of squares is within relative c, so the inverse norms within c/2 each, and the finish
//   (sqrt, divide, 2 multiplies) adds <= 6 v: |err(cos)| <= c (S + |cos|) + 6 v |cos|, where
//   here S = sum|x_i y_i| inv_a inv_b <= 1 (Cauchy-Schwarz, for rows above the eps floor).
// * cosine_rows, SIMD128 float32 small rows (d <= 16, contiguous): a row's sums are in f32 with
//   k(d) = d/4 + d%4 + 2 <= 8 roundings per term (1 product, d/4 - 1 lane adds, 2 adds of the
//   lane transpose, d%4 adds of the tail gathered one row per lane; d <= 3: d roundings), and the
//   f32x4 finish (2 sqrt, 1 multiply, 1 divide, correctly rounded) adds <= 4 u:
//   |err(cos)| <= k(d) u (S + |cos|) + 4 u |cos|   (<= 8 u S + 12 u |cos| <= 1.2e-6).
//   Measured in the tests: at most 0.33 of this bound, 0.06 of the double-finish one.
//   eps enters as float(eps) there: a row at the floor gets u/2 more when eps is not a float.
// * axpby: double products and sums: |err| <= 2 v (|alpha x| + |beta y|) + v |result|.
//   axpby_store adds one rounding to the dtype: + u_T |result| (u_T = u for float32, v float64).
// Products that underflow (|x_i y_i| < 2^-126 in f32) lose up to n * denorm_min absolutely; the
// bounds above are for inputs whose products are normal.
//
// Both sets are compiled natively (SIMD128 through SIMDe) so the same source is tested with
// GoogleTest and the sanitizers; a .wasm is built with one set (WebAssembly has no runtime feature
// detection inside a module; js/ picks the module at load time).
#pragma once

#include <cstddef>

#include "cossim/compact_kernels.h"

namespace cossim {

struct RowSums {
  double dot;
  double ss_a;
  double ss_b;
};

// Elements per f32 block before the f32x4 partial sums are flushed into f64.
inline constexpr std::size_t kFlushBlock = 256;
// The pairwise micro-kernel's tile: kTileA rows of a against kTileB rows of b.
inline constexpr int kTileA = 4;
inline constexpr int kTileB = 2;
// The row-dots kernel computes up to this many query dots per table row in one pass.
inline constexpr int kMaxQueryDots = 4;

template <typename T>
using RowSumsFn = RowSums (*)(const T* a, const T* b, std::size_t n);
template <typename T>
using CosineRowsFn = void (*)(const T* a, std::size_t a_stride, const T* b, std::size_t b_stride,
                              std::size_t rows, std::size_t d, double eps, double* out);
template <typename T>
using AxpbyFn = void (*)(const T* x, const T* y, std::size_t n, double alpha, double beta,
                         double* out);
template <typename T>
using AxpbyStoreFn = void (*)(const T* x, const T* y, std::size_t n, double alpha, double beta,
                              T* out);
// Callers pass valid row pointers only (repeating a row to fill a partial tile).
template <typename T>
using TileDotsFn = void (*)(const T* const* a, const T* const* b, std::size_t n, double* out);
// dots may be null when nq is 0.
template <typename T>
using RowDotsFn = void (*)(const T* table, std::size_t rows, std::size_t d, const T* const* queries,
                           int nq, double* dots, double* ss);
template <typename T>
using SumFn = double (*)(const T* x, std::size_t n);

// Every kernel for one element type.
template <typename T>
struct TypedKernels {
  RowSumsFn<T> row_sums;
  RowSumsFn<T> row_dot_ss;
  CosineRowsFn<T> cosine_rows;
  AxpbyFn<T> axpby;
  AxpbyStoreFn<T> axpby_store;
  TileDotsFn<T> tile_dots;
  RowDotsFn<T> row_dots;
  SumFn<T> sum;
};

// How a set sums float32 rows, which fixes its float32 error bounds (above).
enum class F32Accumulation { kExactF64, kBlockedF32x4 };

// One instruction set's kernels.
// A WebAssembly module built without a part (the default module has neither search nor the
// gradient: CMakeLists.txt, ready({ full: true })) leaves that part's entries null, so the linker
// drops their code; natively, and in the full module, every entry is set.
#if defined(COSSIM_WITH_SEARCH) && !COSSIM_WITH_SEARCH
#define COSSIM_SEARCH_KERNEL(f) (false ? (f) : nullptr)  // f stays referenced: no unused warning
#else
#define COSSIM_SEARCH_KERNEL(f) f
#endif
#if defined(COSSIM_WITH_GRADIENT) && !COSSIM_WITH_GRADIENT
#define COSSIM_GRADIENT_KERNEL(f) (false ? (f) : nullptr)
#else
#define COSSIM_GRADIENT_KERNEL(f) f
#endif

// Row dots over compact (float16, bfloat16, int8) search tables: compact_kernels.h.
struct CompactKernels {
  CompactDotsF16Fn dot_f32_f16;
  CompactDotsF16Fn dot_f32_bf16;
  CompactDotsI8Fn dot_i16_i8;
};

struct KernelSet {
  const char* name;
  F32Accumulation f32_accumulation;
  TypedKernels<float> f32;
  TypedKernels<double> f64;
  CompactKernels compact;
};

// The sets this build has, baseline first: natively every set, in a .wasm its flavour's only.
struct KernelSetList {
  const KernelSet* const* first;
  std::size_t count;
  const KernelSet* const* begin() const { return first; }
  const KernelSet* const* end() const { return first + count; }
  std::size_t size() const { return count; }
};
KernelSetList all_kernel_sets();
// The last (best) registered set: SIMD128 when the build has it, scalar otherwise.
const KernelSet& default_kernel_set();
// The registered set of that name, or nullptr (benchmarks and tests that need one set).
const KernelSet* find_kernel_set(const char* name);

// Typed access, so templated core code picks the kernels of its element type.
template <typename T>
const TypedKernels<T>& typed(const KernelSet& k);
template <>
inline const TypedKernels<float>& typed<float>(const KernelSet& k) {
  return k.f32;
}
template <>
inline const TypedKernels<double>& typed<double>(const KernelSet& k) {
  return k.f64;
}

// 1/sqrt(max(ss, eps)) with TF's Maximum semantics: a NaN sum of squares stays NaN, Inf gives 0.
inline double inv_norm(double ss, double eps) { return 1.0 / __builtin_sqrt(ss < eps ? eps : ss); }

template <typename T>
RowSums row_sums(const KernelSet& k, const T* a, const T* b, std::size_t n) {
  return typed<T>(k).row_sums(a, b, n);
}
template <typename T>
void axpby(const KernelSet& k, const T* x, const T* y, std::size_t n, double alpha, double beta,
           double* out) {
  typed<T>(k).axpby(x, y, n, alpha, beta, out);
}
template <typename T>
void axpby_store(const KernelSet& k, const T* x, const T* y, std::size_t n, double alpha,
                 double beta, T* out) {
  typed<T>(k).axpby_store(x, y, n, alpha, beta, out);
}
template <typename T>
void cosine_rows(const KernelSet& k, const T* a, std::size_t a_stride, const T* b,
                 std::size_t b_stride, std::size_t rows, std::size_t d, double eps, double* out) {
  typed<T>(k).cosine_rows(a, a_stride, b, b_stride, rows, d, eps, out);
}
template <typename T>
TileDotsFn<T> tile_dots(const KernelSet& k, const T*) {
  return typed<T>(k).tile_dots;
}
template <typename T>
RowDotsFn<T> row_dots(const KernelSet& k, const T*) {
  return typed<T>(k).row_dots;
}

}  // namespace cossim

#include "cossim/compact.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "cossim/shape_engine.h"
#include "top_k_heap.h"

namespace cossim {

namespace {

constexpr std::int64_t kChunkRows = 256;  // table rows per kernel call
constexpr std::int64_t kMaxLayoutBytes = std::int64_t{1} << 53;

inline double inv_norm(double ss, double eps) { return 1.0 / std::sqrt(ss < eps ? eps : ss); }

Status reserve_elements(Buffer* buffer, std::int64_t count, std::size_t element_size) {
  if (count < 0 || static_cast<std::uint64_t>(count) > SIZE_MAX / element_size) {
    return Status::OutOfMemory("Out of memory: " + int_to_string(count) +
                               " elements do not fit in this address space");
  }
  return buffer->reserve(static_cast<std::size_t>(count) * element_size);
}

double* factors_of(const CompactTable& t) {
  CompactLayout layout;
  (void)compact_layout(t.rows, t.d, t.dtype, &layout);  // checked when the block was made
  return reinterpret_cast<double*>(static_cast<char*>(t.block) + layout.factor_offset);
}
float* scales_of(const CompactTable& t) {
  CompactLayout layout;
  (void)compact_layout(t.rows, t.d, t.dtype, &layout);
  return reinterpret_cast<float*>(static_cast<char*>(t.block) + layout.scale_offset);
}

const char* dtype_name(CompactDType t) {
  switch (t) {
    case CompactDType::kFloat16:
      return "float16";
    case CompactDType::kBFloat16:
      return "bfloat16";
    default:
      return "int8";
  }
}

// The value as stored (dequantised), in double.
double stored_value(const CompactTable& t, std::size_t index, float scale) {
  switch (t.dtype) {
    case CompactDType::kFloat16:
      return f16_to_double(static_cast<const std::uint16_t*>(t.block)[index]);
    case CompactDType::kBFloat16:
      return bf16_value(static_cast<const std::uint16_t*>(t.block)[index]);
    default:
      return static_cast<double>(static_cast<const std::int8_t*>(t.block)[index]) * scale;
  }
}

// Rounds |x| (a >= 0) to nearest even with `mant` fraction bits, minimum normal exponent `emin`;
// -> (biased exponent << mant) | fraction, or > max_bits on overflow.
std::uint32_t round_magnitude(double a, int mant, int emin, int bias) {
  if (a < std::ldexp(1.0, emin)) {  // subnormal: a multiple of 2^(emin - mant)
    return static_cast<std::uint32_t>(std::nearbyint(std::ldexp(a, mant - emin)));
  }
  int k;
  std::frexp(a, &k);
  int e = k - 1;  // a in [2^e, 2^(e+1))
  double m = std::nearbyint(std::ldexp(a, mant - e));
  if (m == std::ldexp(1.0, mant + 1)) {
    m = std::ldexp(1.0, mant);
    ++e;
  }
  return (static_cast<std::uint32_t>(e + bias) << mant) |
         (static_cast<std::uint32_t>(m) - (1u << mant));
}

Status refuse(const CompactTable& t, std::int64_t index, double x, const char* why) {
  return Status::Shape(std::string("set(): element ") + int_to_string(index) + " (" +
                       (std::isnan(x) ? std::string("NaN") : std::to_string(x)) + ") " + why +
                       " for " + dtype_name(t.dtype));
}

template <typename S>
Status encode_rows(const CompactTable& t, std::int64_t first_row, std::int64_t count, const S* src,
                   std::int64_t index_base) {
  const auto d = static_cast<std::size_t>(t.d);
  const double eps = epsilon_for(DType::kFloat32);
  double* factor = factors_of(t);
  float* scale = scales_of(t);
  for (std::int64_t r = 0; r < count; ++r) {
    const std::int64_t row = first_row + r;
    const S* x = src + static_cast<std::size_t>(r) * d;
    const std::size_t base = static_cast<std::size_t>(row) * d;
    const std::int64_t index0 = index_base + r * t.d;  // the index in the caller's values
    double ss = 0;
    if (t.dtype == CompactDType::kInt8) {
      double max = 0;
      std::size_t at = 0;
      for (std::size_t i = 0; i < d; ++i) {
        const double a = std::fabs(static_cast<double>(x[i]));
        if (!(a <= max)) {
          if (!std::isfinite(a))
            return refuse(t, index0 + static_cast<std::int64_t>(i), x[i], "is not finite");
          max = a;
          at = i;
        }
      }
      const float s = static_cast<float>(max / 127.0);
      if (!std::isfinite(s)) {
        return refuse(t, index0 + static_cast<std::int64_t>(at), x[at],
                      "makes the row's scale overflow float32");
      }
      std::int8_t* q = static_cast<std::int8_t*>(t.block) + base;
      std::int64_t sum_q2 = 0;
      for (std::size_t i = 0; i < d; ++i) {
        double v = s == 0 ? 0.0 : std::nearbyint(static_cast<double>(x[i]) / s);
        v = std::min(127.0, std::max(-127.0, v));
        q[i] = static_cast<std::int8_t>(v);
        sum_q2 += static_cast<std::int64_t>(v * v);
      }
      ss = static_cast<double>(s) * s * static_cast<double>(sum_q2);
      scale[row] = s;
      factor[row] = static_cast<double>(s) * inv_norm(ss, eps);
      continue;
    }
    std::uint16_t* out = static_cast<std::uint16_t*>(t.block) + base;
    const bool f16 = t.dtype == CompactDType::kFloat16;
    for (std::size_t i = 0; i < d; ++i) {
      const double v = static_cast<double>(x[i]);
      std::uint16_t bits;
      const bool ok = f16 ? round_to_f16(v, &bits) : round_to_bf16(v, &bits);
      if (!ok) {
        return refuse(t, index0 + static_cast<std::int64_t>(i), v,
                      std::isfinite(v) ? "is out of range" : "is not finite");
      }
      out[i] = bits;
      const double stored = f16 ? static_cast<double>(f16_kernel_value(bits)) * 0x1p112
                                : static_cast<double>(bf16_value(bits));
      ss += stored * stored;
    }
    scale[row] = 1.0f;
    factor[row] = inv_norm(ss, eps);
  }
  return Status::Ok();
}

Status check_rows(const CompactTable& t, std::int64_t first_row, std::int64_t count) {
  if (t.block == nullptr || t.rows < 0 || t.d < 0 || first_row < 0 || count < 0 ||
      first_row > t.rows || count > t.rows - first_row) {
    return Status::Shape("rows [" + int_to_string(first_row) + ", " +
                         int_to_string(first_row + count) + ") are outside the table's " +
                         int_to_string(t.rows) + " rows");
  }
  return Status::Ok();
}

// ---- queries in the kernel's format ----

// Converts `nq` queries (rows of d elements of T) for the table's kernel; A_q into factor.
template <typename T>
void prepare_queries(const T* q, std::int64_t nq, std::size_t d, CompactDType dtype, void* dst,
                     double* factor) {
  const double eps = epsilon_for(DType::kFloat32);
  for (std::int64_t j = 0; j < nq; ++j) {
    const T* x = q + static_cast<std::size_t>(j) * d;
    double max = 0;
    bool finite = true;
    for (std::size_t i = 0; i < d; ++i) {
      const double a = std::fabs(static_cast<double>(x[i]));
      finite = finite && std::isfinite(a);
      max = a > max ? a : max;
    }
    if (dtype == CompactDType::kInt8) {
      std::int16_t* out = static_cast<std::int16_t*>(dst) + static_cast<std::size_t>(j) * d;
      const double s = max / 32767.0;
      std::int64_t sum = 0;
      for (std::size_t i = 0; i < d; ++i) {
        double v = (!finite || s == 0) ? 0.0 : std::nearbyint(static_cast<double>(x[i]) / s);
        v = std::min(32767.0, std::max(-32767.0, v));
        out[i] = static_cast<std::int16_t>(v);
        sum += static_cast<std::int64_t>(v * v);
      }
      factor[j] = finite ? s * inv_norm(s * s * static_cast<double>(sum), eps) : NAN;
      continue;
    }
    // A power-of-two scaling (exact) to max|q'| in [1, 2); float16 also carries 2^112 (its
    // kernel values are value * 2^-112).
    const int e = (finite && max > 0) ? std::ilogb(max) : 0;
    const int shift = (dtype == CompactDType::kFloat16 ? 112 : 0) - e;
    float* out = static_cast<float*>(dst) + static_cast<std::size_t>(j) * d;
    double ss = 0;
    for (std::size_t i = 0; i < d; ++i) {
      const double v = static_cast<double>(x[i]);
      ss += v * v;
      out[i] = finite ? static_cast<float>(std::ldexp(v, shift)) : 0.0f;
    }
    factor[j] = finite ? std::ldexp(1.0, e) * inv_norm(ss, eps) : NAN;
  }
}

Status prepare(const TensorView& q, std::int64_t nq, const CompactTable& t, CompactWorkspace* ws) {
  const auto d = static_cast<std::size_t>(t.d);
  const std::size_t esize = t.dtype == CompactDType::kInt8 ? 2 : 4;
  // Round each query up to whole 16 bytes so every query starts aligned (not needed, but cheap).
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->queries, nq * t.d + 8, esize));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->query_factor, nq, sizeof(double)));
  if (q.dtype == DType::kFloat64) {
    prepare_queries(static_cast<const double*>(q.data), nq, d, t.dtype, ws->queries.data(),
                    ws->query_factor.as<double>());
  } else {
    prepare_queries(static_cast<const float*>(q.data), nq, d, t.dtype, ws->queries.data(),
                    ws->query_factor.as<double>());
  }
  return Status::Ok();
}

// Kernel dots of table rows [r0, r0 + rows) against queries [q0, q0 + nq) (nq <= 4).
void run_kernel(const CompactTable& t, const KernelSet& k, CompactWorkspace* ws, std::int64_t q0,
                int nq, std::int64_t r0, std::size_t rows, double* dots) {
  const auto d = static_cast<std::size_t>(t.d);
  const std::size_t base = static_cast<std::size_t>(r0) * d;
  if (t.dtype == CompactDType::kInt8) {
    const std::int16_t* qs[kCompactMaxQueries];
    for (int j = 0; j < nq; ++j)
      qs[j] = ws->queries.as<std::int16_t>() + static_cast<std::size_t>(q0 + j) * d;
    k.compact.dot_i16_i8(static_cast<const std::int8_t*>(t.block) + base, rows, d, qs, nq, dots);
    return;
  }
  const float* qs[kCompactMaxQueries];
  for (int j = 0; j < nq; ++j)
    qs[j] = ws->queries.as<float>() + static_cast<std::size_t>(q0 + j) * d;
  const auto* table = static_cast<const std::uint16_t*>(t.block) + base;
  (t.dtype == CompactDType::kFloat16 ? k.compact.dot_f32_f16 : k.compact.dot_f32_bf16)(
      table, rows, d, qs, nq, dots);
}

Status check_table(const CompactTable& t, const char* what) {
  if (t.rows < 0 || t.d < 0 || (t.block == nullptr && t.rows * t.d != 0)) {
    return Status::Shape(std::string(what) + ": the table has no data");
  }
  if (t.rows > INT32_MAX) {
    return Status::Shape(std::string(what) + ": table has " + int_to_string(t.rows) +
                         " rows; at most 2147483647 are supported (int32 indices)");
  }
  return Status::Ok();
}

Status check_query(const TensorView& q, const CompactTable& t, const char* what, const char* name,
                   std::size_t min_rank) {
  COSSIM_RETURN_IF_ERROR(validate_shape(q.shape, name));
  if (q.shape.size() < min_rank || q.shape.size() > 2) {
    return Status::Shape(std::string(what) + ": " + name + " must be " +
                         (min_rank == 1 ? "rank 1 [d] or rank 2 [q,d]" : "rank 2 [m,d]") +
                         "; got shape " + shape_to_string(q.shape));
  }
  if (q.shape.back() != t.d) {
    return Status::Shape(std::string(what) + ": feature dims differ: " + shape_to_string(q.shape) +
                         " vs. " + shape_to_string(Shape{t.rows, t.d}));
  }
  if (q.data == nullptr && num_elements(q.shape) != 0) {
    return Status::Shape(std::string(what) + ": " + name + " has no data");
  }
  return check_table(t, what);
}

// ---- top-k: search.cc's order and heap (top_k_heap.h) ----

using internal::Candidate;
using internal::ranks_before;
using internal::TopK;

// pairwise against a float16/bfloat16 table: blocks of rows decoded to float32 (exact: both
// formats are subsets of float32) once, then the float32 pairwise core, whose register-blocked
// tiles reuse every loaded row 4-8 times (the per-row kernels above reuse a row for 4 queries).
Status pairwise_decoded(const TensorView& a, const CompactTable& t, const KernelSet& kernels,
                        CompactWorkspace* ws, Result* out) {
  const std::int64_t m = a.shape[0], n = t.rows;
  const auto d = static_cast<std::size_t>(t.d);
  TensorView av{DType::kFloat32, a.data, a.shape};
  if (a.dtype == DType::kFloat64) {
    COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->a32, m * t.d, sizeof(float)));
    const auto* src = static_cast<const double*>(a.data);
    float* dst = ws->a32.as<float>();
    for (std::size_t i = 0; i < static_cast<std::size_t>(m) * d; ++i)
      dst[i] = static_cast<float>(src[i]);
    av.data = dst;
  }
  constexpr std::int64_t kBlockBytes = 8 << 20;
  const std::int64_t block = std::max<std::int64_t>(
      1, std::min<std::int64_t>(n, kBlockBytes / std::max<std::int64_t>(1, t.d * 4)));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->values, m * n, sizeof(float)));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->decoded, block * t.d, sizeof(float)));
  float* values = ws->values.as<float>();
  for (std::int64_t r0 = 0; r0 < n; r0 += block) {
    const std::int64_t nb = std::min(block, n - r0);
    COSSIM_RETURN_IF_ERROR(compact_decode(t, r0, nb, ws->decoded.as<float>()));
    const TensorView bv{DType::kFloat32, ws->decoded.data(), Shape{nb, t.d}};
    Result part;
    COSSIM_RETURN_IF_ERROR(pairwise_cosine(av, bv, kernels, &ws->search, &part));
    const auto* p = static_cast<const float*>(part.data);
    for (std::int64_t i = 0; i < m; ++i)
      std::copy(p + i * nb, p + (i + 1) * nb, values + i * n + r0);
  }
  out->dtype = DType::kFloat32;
  out->shape = {m, n};
  out->data = values;
  return Status::Ok();
}

}  // namespace

double f16_to_double(std::uint16_t h) {
  return std::ldexp(static_cast<double>(f16_kernel_value(h)), 112);
}

// From float32 bits, round to nearest even by integer arithmetic (the common case: every float32
// input, and float64 inputs that are float32 values). Normal results: rebias the exponent by
// -112 and add half an f16 ulp minus one, plus the kept mantissa's lowest bit (ties to even);
// the carry propagates into the exponent exactly as rounding up does. Subnormal results: an
// exact power-of-two scaling and nearbyint (the current mode: nearest even).
std::uint16_t f16_from_f32_bits(std::uint32_t u, float f) {
  const std::uint32_t sign = (u >> 16) & 0x8000u;
  const std::uint32_t a = u & 0x7fffffffu;
  if (a < 0x38800000u) {  // |f| < 2^-14
    return static_cast<std::uint16_t>(
        sign | static_cast<std::uint32_t>(std::nearbyint(std::fabs(f) * 0x1p24f)));
  }
  const std::uint32_t odd = (a >> 13) & 1u;
  return static_cast<std::uint16_t>(sign | ((a - (112u << 23) + 0xfffu + odd) >> 13));
}

bool round_to_f16(double x, std::uint16_t* out) {
  const double a = std::fabs(x);
  if (!(a < 65520.0)) return false;  // would round to Inf (or is Inf/NaN)
  const float f = static_cast<float>(x);
  if (static_cast<double>(f) == x) {
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    *out = f16_from_f32_bits(u, f);
    return true;
  }
  *out = static_cast<std::uint16_t>((std::signbit(x) ? 0x8000u : 0u) |
                                    round_magnitude(a, 10, -14, 15));
  return true;
}

bool round_to_bf16(double x, std::uint16_t* out) {
  const double a = std::fabs(x);
  if (!(a < std::ldexp(2.0 - std::ldexp(1.0, -8), 127))) return false;
  const float f = static_cast<float>(x);
  if (static_cast<double>(f) == x) {
    // bfloat16 is float32's top half: add half an ulp minus one plus the kept lowest bit.
    std::uint32_t u;
    std::memcpy(&u, &f, 4);
    *out = static_cast<std::uint16_t>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    return true;
  }
  *out = static_cast<std::uint16_t>((std::signbit(x) ? 0x8000u : 0u) |
                                    round_magnitude(a, 7, -126, 127));
  return true;
}

Status compact_layout(std::int64_t rows, std::int64_t d, CompactDType dtype, CompactLayout* out) {
  if (rows < 0 || d < 0) return Status::Shape("compact table: negative dimension");
  const auto esize = static_cast<std::int64_t>(compact_element_size(dtype));
  if (d != 0 && rows > kMaxLayoutBytes / 16 / d) {
    return Status::TooLarge("compact table [" + int_to_string(rows) + "," + int_to_string(d) +
                            "] is too large");
  }
  const std::int64_t data = rows * d * esize;
  const std::int64_t padded = (data + 15) / 16 * 16;
  out->factor_offset = static_cast<std::uint64_t>(padded);
  out->scale_offset = static_cast<std::uint64_t>(padded + 8 * rows);
  out->bytes = static_cast<std::uint64_t>(padded + 12 * rows);
  return Status::Ok();
}

Status compact_encode(const CompactTable& table, std::int64_t first_row, std::int64_t count,
                      const void* src, DType src_dtype, std::int64_t index_base) {
  COSSIM_RETURN_IF_ERROR(check_rows(table, first_row, count));
  if (src == nullptr && count * table.d != 0) return Status::Shape("set(): no values");
  return src_dtype == DType::kFloat64
             ? encode_rows(table, first_row, count, static_cast<const double*>(src), index_base)
             : encode_rows(table, first_row, count, static_cast<const float*>(src), index_base);
}

Status compact_decode(const CompactTable& table, std::int64_t first_row, std::int64_t count,
                      float* dst) {
  COSSIM_RETURN_IF_ERROR(check_rows(table, first_row, count));
  const auto d = static_cast<std::size_t>(table.d);
  const float* scale = scales_of(table);
  for (std::int64_t r = 0; r < count; ++r) {
    const std::int64_t row = first_row + r;
    const std::size_t base = static_cast<std::size_t>(row) * d;
    for (std::size_t i = 0; i < d; ++i) {
      dst[static_cast<std::size_t>(r) * d + i] =
          static_cast<float>(stored_value(table, base + i, scale[row]));
    }
  }
  return Status::Ok();
}

Status compact_similarity(const TensorView& query, const CompactTable& t, const KernelSet& kernels,
                          CompactWorkspace* ws, Result* out) {
  COSSIM_RETURN_IF_ERROR(check_query(query, t, "similarity", "a", 1));
  const bool paired = query.shape.size() == 2 && query.shape[0] != 1;
  if (paired && query.shape[0] != t.rows) {
    return Status::Shape("similarity: a " + shape_to_string(query.shape) + " and the table " +
                         shape_to_string(Shape{t.rows, t.d}) +
                         ": a must be [d] or [1,d] (one query against every row) or [n,d] "
                         "(row-paired)");
  }
  const std::int64_t nq = paired ? t.rows : 1;
  COSSIM_RETURN_IF_ERROR(prepare(query, nq, t, ws));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->values, t.rows, sizeof(float)));
  COSSIM_RETURN_IF_ERROR(
      reserve_elements(&ws->dots, kChunkRows * kCompactMaxQueries, sizeof(double)));
  float* values = ws->values.as<float>();
  double* dots = ws->dots.as<double>();
  const double* factor = factors_of(t);
  const double* a = ws->query_factor.as<double>();
  if (!paired) {
    for (std::int64_t r0 = 0; r0 < t.rows; r0 += kChunkRows) {
      const auto rows = static_cast<std::size_t>(std::min(kChunkRows, t.rows - r0));
      run_kernel(t, kernels, ws, 0, 1, r0, rows, dots);
      for (std::size_t r = 0; r < rows; ++r) {
        values[r0 + static_cast<std::int64_t>(r)] = static_cast<float>(
            (dots[r * kCompactMaxQueries] * a[0]) * factor[r0 + static_cast<std::int64_t>(r)]);
      }
    }
  } else {
    for (std::int64_t r = 0; r < t.rows; ++r) {
      run_kernel(t, kernels, ws, r, 1, r, 1, dots);
      values[r] = static_cast<float>((dots[0] * a[r]) * factor[r]);
    }
  }
  out->dtype = DType::kFloat32;
  out->shape = {t.rows};
  out->data = values;
  return Status::Ok();
}

Status compact_top_k(const TensorView& query, const CompactTable& t, std::int64_t k,
                     const KernelSet& kernels, CompactWorkspace* ws, TopKResult* out) {
  COSSIM_RETURN_IF_ERROR(check_query(query, t, "top_k", "query", 1));
  if (k < 0) return Status::Shape("top_k: k must be >= 0; got " + int_to_string(k));
  const bool batched = query.shape.size() == 2;
  const std::int64_t nq = batched ? query.shape[0] : 1;
  const std::int64_t kk = std::min(k, t.rows);
  if (kk != 0 && nq > kMaxElements / kk) {
    return Status::Shape("top_k: the output [" + int_to_string(nq) + "," + int_to_string(kk) +
                         "] has too many elements");
  }
  COSSIM_RETURN_IF_ERROR(prepare(query, nq, t, ws));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->values, nq * kk, sizeof(float)));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->indices, nq * kk, sizeof(std::int32_t)));
  COSSIM_RETURN_IF_ERROR(reserve_elements(
      &ws->candidates, std::min<std::int64_t>(nq, kCompactMaxQueries) * kk, sizeof(Candidate)));
  COSSIM_RETURN_IF_ERROR(
      reserve_elements(&ws->dots, kChunkRows * kCompactMaxQueries, sizeof(double)));
  float* values = ws->values.as<float>();
  std::int32_t* indices = ws->indices.as<std::int32_t>();
  double* dots = ws->dots.as<double>();
  const double* factor = factors_of(t);
  const double* a = ws->query_factor.as<double>();
  for (std::int64_t q0 = 0; kk > 0 && q0 < nq; q0 += kCompactMaxQueries) {
    const int count = static_cast<int>(std::min<std::int64_t>(kCompactMaxQueries, nq - q0));
    Candidate* heaps = ws->candidates.as<Candidate>();
    TopK top[kCompactMaxQueries];
    for (int j = 0; j < count; ++j) top[j] = TopK{heaps + j * kk, 0};
    for (std::int64_t r0 = 0; r0 < t.rows; r0 += kChunkRows) {
      const auto rows = static_cast<std::size_t>(std::min(kChunkRows, t.rows - r0));
      run_kernel(t, kernels, ws, q0, count, r0, rows, dots);
      for (std::size_t r = 0; r < rows; ++r) {
        const std::int64_t row = r0 + static_cast<std::int64_t>(r);
        for (int j = 0; j < count; ++j) {
          const float score =
              static_cast<float>((dots[r * kCompactMaxQueries + j] * a[q0 + j]) * factor[row]);
          top[j].offer(Candidate{score, static_cast<std::int32_t>(row)}, kk);
        }
      }
    }
    for (int j = 0; j < count; ++j) {
      Candidate* heap = heaps + j * kk;
      std::sort_heap(heap, heap + kk, ranks_before);
      const std::int64_t base = (q0 + j) * kk;
      for (std::int64_t p = 0; p < kk; ++p) {
        values[base + p] = static_cast<float>(heap[p].score);
        indices[base + p] = heap[p].index;
      }
    }
  }
  out->dtype = DType::kFloat32;
  out->shape = batched ? Shape{nq, kk} : Shape{kk};
  out->values = values;
  out->indices = indices;
  return Status::Ok();
}

Status compact_pairwise(const TensorView& a, const CompactTable& t, const KernelSet& kernels,
                        CompactWorkspace* ws, Result* out) {
  COSSIM_RETURN_IF_ERROR(check_query(a, t, "pairwise", "a", 2));
  const std::int64_t m = a.shape[0], n = t.rows;
  if (n != 0 && m > kMaxElements / n) {
    return Status::Shape("pairwise: the output [" + int_to_string(m) + "," + int_to_string(n) +
                         "] has too many elements");
  }
  if (t.dtype != CompactDType::kInt8) return pairwise_decoded(a, t, kernels, ws, out);
  COSSIM_RETURN_IF_ERROR(prepare(a, m, t, ws));
  COSSIM_RETURN_IF_ERROR(reserve_elements(&ws->values, m * n, sizeof(float)));
  COSSIM_RETURN_IF_ERROR(
      reserve_elements(&ws->dots, kChunkRows * kCompactMaxQueries, sizeof(double)));
  float* values = ws->values.as<float>();
  double* dots = ws->dots.as<double>();
  const double* factor = factors_of(t);
  const double* qa = ws->query_factor.as<double>();
  // A chunk of table rows (<= 384 KB) stays in L2 while every group of 4 rows of a reads it.
  for (std::int64_t r0 = 0; r0 < n; r0 += kChunkRows) {
    const auto rows = static_cast<std::size_t>(std::min(kChunkRows, n - r0));
    for (std::int64_t q0 = 0; q0 < m; q0 += kCompactMaxQueries) {
      const int count = static_cast<int>(std::min<std::int64_t>(kCompactMaxQueries, m - q0));
      run_kernel(t, kernels, ws, q0, count, r0, rows, dots);
      for (int j = 0; j < count; ++j) {
        float* row_out = values + (q0 + j) * n + r0;
        for (std::size_t r = 0; r < rows; ++r) {
          row_out[r] = static_cast<float>((dots[r * kCompactMaxQueries + j] * qa[q0 + j]) *
                                          factor[r0 + static_cast<std::int64_t>(r)]);
        }
      }
    }
  }
  out->dtype = DType::kFloat32;
  out->shape = {m, n};
  out->data = values;
  return Status::Ok();
}

}  // namespace cossim

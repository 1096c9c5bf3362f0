// Tensor views: a dtype, a data pointer and a row-major shape. The core reads views and never
// owns their data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cossim {

enum class DType : int { kFloat32 = 0, kFloat64 = 1 };

using Shape = std::vector<std::int64_t>;

struct TensorView {
  DType dtype = DType::kFloat32;
  const void* data = nullptr;
  Shape shape;
};

// Product of the dims (1 for rank 0): 0 when any dim is 0 (whatever the others), saturated at
// INT64_MAX when the product overflows or a dim is negative (validate_shape rejects both), so it
// never overflows.
std::int64_t num_elements(const Shape& shape);
// The same over dims [begin, end) (a part of a shape, without copying it).
std::int64_t num_elements(const std::int64_t* begin, const std::int64_t* end);

// Decimal text of an integer (std::to_string would pull printf, ~7 KB of WebAssembly, into the
// module).
std::string int_to_string(std::int64_t value);
std::string uint_to_string(std::uint64_t value);

// "[2,3]" — the format of TF's error messages.
std::string shape_to_string(const Shape& shape);

inline std::size_t dtype_size(DType d) { return d == DType::kFloat64 ? 8 : 4; }

// The most bytes one call may need: what a 32-bit address space holds (2^32 on wasm32, where
// anything of 2^32 bytes or more cannot exist). Native builds use the same limit, so that native
// tests exercise what the WebAssembly module does.
inline constexpr std::uint64_t kMaxBytes = std::uint64_t{1} << 32;

// Checked unsigned 64-bit arithmetic: false (and *out unspecified) on overflow.
inline bool checked_mul(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  // Factors below 2^32 cannot overflow. The general check is a 128-bit multiply in 32-bit halves
  // (with a stack frame, on wasm32), and every call's byte budget and buffer sizes come here.
  if (((a | b) >> 32) == 0) {
    *out = a * b;
    return true;
  }
  return !__builtin_mul_overflow(a, b, out);
}
inline bool checked_add(std::uint64_t a, std::uint64_t b, std::uint64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

}  // namespace cossim

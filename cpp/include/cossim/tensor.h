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

// Product of the dims (1 for rank 0). Callers validate dims before (non-negative, bounded).
std::int64_t num_elements(const Shape& shape);

// Decimal text of an integer (std::to_string would pull printf, ~7 KB of WebAssembly, into the
// module).
std::string int_to_string(std::int64_t value);

// "[2,3]" — the format of TF's error messages.
std::string shape_to_string(const Shape& shape);

inline std::size_t dtype_size(DType d) { return d == DType::kFloat64 ? 8 : 4; }

}  // namespace cossim

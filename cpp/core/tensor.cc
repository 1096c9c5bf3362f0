#include "cossim/tensor.h"

namespace cossim {

std::int64_t num_elements(const std::int64_t* begin, const std::int64_t* end) {
  for (const std::int64_t* d = begin; d != end; ++d) {
    if (*d == 0) return 0;  // before any product: [2^31-1, 2^31-1, 2^31-1, 0] has no overflow
  }
  std::uint64_t n = 1;
  for (const std::int64_t* d = begin; d != end; ++d) {
    if (*d < 0 || !checked_mul(n, static_cast<std::uint64_t>(*d), &n) || n > INT64_MAX) {
      return INT64_MAX;
    }
  }
  return static_cast<std::int64_t>(n);
}

std::int64_t num_elements(const Shape& shape) {
  return num_elements(shape.data(), shape.data() + shape.size());
}

std::string uint_to_string(std::uint64_t magnitude) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  std::string s;
  while (n > 0) s += digits[--n];
  return s;
}

std::string int_to_string(std::int64_t value) {
  // The magnitude as unsigned, so that INT64_MIN has no overflow.
  const std::uint64_t magnitude =
      value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  return (value < 0 ? "-" : "") + uint_to_string(magnitude);
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ',';
    s += int_to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace cossim

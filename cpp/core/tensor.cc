#include "cossim/tensor.h"

namespace cossim {

std::int64_t num_elements(const Shape& shape) {
  std::int64_t n = 1;
  for (std::int64_t d : shape) n *= d;
  return n;
}

std::string int_to_string(std::int64_t value) {
  char digits[24];
  int n = 0;
  // Work with the magnitude as unsigned so that INT64_MIN has no overflow.
  std::uint64_t magnitude =
      value < 0 ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  do {
    digits[n++] = static_cast<char>('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  std::string s = value < 0 ? "-" : "";
  while (n > 0) s += digits[--n];
  return s;
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

// Buffer: a reusable, growable, 16-byte aligned byte buffer that reports allocation failure as a
// status instead of aborting (std::vector would abort under -fno-exceptions). Capacity is kept
// between calls, so a steady stream of calls does not grow the heap.
#pragma once

#include <cstddef>

#include "cossim/status.h"

namespace cossim {

// 16-byte aligned storage of `bytes` bytes (a multiple of 16), or null; free it with std::free.
// Under Emscripten a block is handed out only if it lies wholly inside the memory.
void* allocate_block(std::size_t bytes);

class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer();

  // Ensures room for `bytes` bytes; the contents are not preserved when it grows. A size whose
  // 16-byte rounding would reach kMaxBytes (tensor.h) is refused with Status::TooLarge, and the
  // buffer is left as it was (the rounding is computed in 64 bits, so it never wraps).
  Status reserve(std::size_t bytes);
  void release();

  template <typename T>
  T* as() {
    return static_cast<T*>(data_);
  }
  void* data() { return data_; }
  const void* data() const { return data_; }
  std::size_t capacity() const { return capacity_; }

 private:
  void* data_ = nullptr;
  std::size_t capacity_ = 0;
};

}  // namespace cossim

#include "cossim/buffer.h"

#include <cstdint>
#include <cstdlib>
#include <string>

#include "cossim/tensor.h"

#ifdef __EMSCRIPTEN__
#include <emscripten/heap.h>
#endif

namespace cossim {

namespace {
constexpr std::size_t kAlignment = 16;  // one v128
}

void* allocate_block(std::size_t bytes) {
  void* p = std::aligned_alloc(kAlignment, bytes);
#ifdef __EMSCRIPTEN__
  // emmalloc (Emscripten 3.1.6) was seen handing out blocks that end past the memory when it is
  // filled close to 4 GiB (its 32-bit arithmetic there); a write into one traps. Refuse them.
  const std::uint64_t end = static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(p)) + bytes;
  if (p != nullptr && end > static_cast<std::uint64_t>(emscripten_get_heap_size())) {
    std::free(p);
    return nullptr;
  }
#endif
  return p;
}

Buffer::~Buffer() { release(); }

void Buffer::release() {
  std::free(data_);
  data_ = nullptr;
  capacity_ = 0;
}

Status Buffer::reserve(std::size_t bytes) {
  if (bytes < kAlignment) bytes = kAlignment;  // never hand out a null pointer
  if (bytes <= capacity_) return Status::Ok();
  // In 64 bits: (want + 15) / 16 * 16 wrapped to 0 for want in [2^32 - 16, 2^32) on wasm32.
  const std::uint64_t limit = kMaxBytes - kAlignment;  // the largest rounded size that fits
  const auto need = static_cast<std::uint64_t>(bytes);
  if (need > limit) {
    return Status::TooLarge("Too large: " + uint_to_string(need) +
                            " bytes of working memory; at most " + uint_to_string(limit) +
                            " bytes fit in a 32-bit address space");
  }
  auto round_up = [](std::uint64_t n) { return (n + kAlignment - 1) / kAlignment * kAlignment; };
  // Grow geometrically so that a slowly rising size does not reallocate on every call.
  std::uint64_t want = static_cast<std::uint64_t>(capacity_) + capacity_ / 2;
  if (want < need || want > limit) want = need;
  want = round_up(want);
  release();
  data_ = allocate_block(static_cast<std::size_t>(want));
  if (data_ == nullptr && want != round_up(need)) {
    want = round_up(need);
    data_ = allocate_block(static_cast<std::size_t>(want));
  }
  if (data_ == nullptr) {
    return Status::OutOfMemory("Out of memory: could not allocate " + uint_to_string(need) +
                               " bytes of working memory");
  }
  capacity_ = static_cast<std::size_t>(want);
  return Status::Ok();
}

}  // namespace cossim

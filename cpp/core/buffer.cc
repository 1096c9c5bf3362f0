#include "cossim/buffer.h"

#include <cstdlib>
#include <string>

#include "cossim/tensor.h"

namespace cossim {

namespace {
constexpr std::size_t kAlignment = 16;  // one v128
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
  // Grow geometrically so that a slowly rising size does not reallocate on every call.
  std::size_t want = capacity_ + capacity_ / 2;
  if (want < bytes || want < capacity_) want = bytes;
  want = (want + kAlignment - 1) / kAlignment * kAlignment;
  release();
  data_ = std::aligned_alloc(kAlignment, want);
  if (data_ == nullptr && want != bytes) {
    want = (bytes + kAlignment - 1) / kAlignment * kAlignment;
    data_ = std::aligned_alloc(kAlignment, want);
  }
  if (data_ == nullptr) {
    return Status::OutOfMemory("Out of memory: could not allocate " +
                               int_to_string(static_cast<std::int64_t>(bytes)) +
                               " bytes of working memory");
  }
  capacity_ = want;
  return Status::Ok();
}

}  // namespace cossim

// The block of WebAssembly memory through which js/native.mjs passes tensor descriptors to the
// core and reads results back: plain int32 fields at fixed offsets, so a call costs one Embind
// call with one integer argument instead of marshalling arrays (copying through emscripten::val
// costs ~0.3-1 us per array; an integer argument ~ nothing). Offsets are mirrored in js/native.mjs;
// the static_asserts below pin them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "cossim/shape_engine.h"

namespace cossim {
namespace binding {

struct TensorSlot {
  std::uint32_t data;  // address of the first element in WebAssembly memory
  std::int32_t rank;
  std::int32_t dims[kMaxRank];
};

enum Slot : int { kYTrue = 0, kYPred = 1, kWeight = 2, kDy = 3 };

struct IoBlock {
  std::int32_t dtype;       // in: 0 float32, 1 float64 (every tensor has it)
  std::int32_t has_weight;  // in: 0 = no sample_weight (Keras None)
  TensorSlot tensors[3];    // in: y_true, y_pred, sample_weight
  std::int32_t n_axes;      // in, for the constructor: the axis list
  std::int32_t axes[kMaxRank];
  TensorSlot out;  // out: the result (data points into the core's workspace)
  // Gradients: the upstream gradient and what to differentiate with respect to.
  TensorSlot dy;              // in: shaped like the loss output
  std::int32_t has_dy;        // in: 0 = ones (the sum of the outputs)
  std::int32_t wrt;           // in: bit 0 = y_true, bit 1 = y_pred
  std::uint32_t grad_true;    // out: d/dy_true, y_true's shape and the computation dtype
  std::uint32_t grad_pred;    // out: d/dy_pred
  std::uint32_t out_indices;  // out: top-k row indices (int32), shaped like `out`
};

inline constexpr std::size_t kSlotWords = 2 + kMaxRank;
static_assert(sizeof(TensorSlot) == kSlotWords * 4, "TensorSlot must be packed int32 words");
static_assert(offsetof(IoBlock, tensors) == 8, "layout mirrored in js/native.mjs");
static_assert(offsetof(IoBlock, n_axes) == 8 + 3 * kSlotWords * 4,
              "layout mirrored in js/native.mjs");
static_assert(offsetof(IoBlock, out) == 8 + 3 * kSlotWords * 4 + 4 + kMaxRank * 4,
              "layout mirrored in js/native.mjs");
static_assert(offsetof(IoBlock, dy) == offsetof(IoBlock, out) + kSlotWords * 4,
              "layout mirrored in js/native.mjs");
static_assert(offsetof(IoBlock, grad_pred) == offsetof(IoBlock, dy) + kSlotWords * 4 + 12,
              "layout mirrored in js/native.mjs");

}  // namespace binding
}  // namespace cossim

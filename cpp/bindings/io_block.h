// The block of WebAssembly memory through which js/native.mjs passes tensor descriptors to the
// core and reads every result back: plain int32 words, so a call costs one Embind call with at
// most one number argument instead of marshalling arrays (copying through emscripten::val costs
// ~0.3-1 us per array; an integer argument ~ nothing).
//
// This header is the one definition of the JS<->C++ interface: interface_layout() (embind.cc)
// exports every offset, limit and code below as JSON, and js/native.mjs derives its constants from
// that at load time (and refuses to run on a version or field it does not know).
#pragma once

#include <cstddef>
#include <cstdint>

#include "cossim/shape_engine.h"

namespace cossim {
namespace binding {

// Bumped whenever a field below changes meaning; js/native.mjs checks it.
inline constexpr int kInterfaceVersion = 2;

// Element types a slot can carry. float32/float64 are tensor dtypes (cossim::DType has the same
// values); int32 is the top-k index output; float16, bfloat16 and int8 are the compact storage
// dtypes of search tables (int8 rows carry no scale: cosine is invariant to a per-row scale).
enum SlotDtype : std::int32_t {
  kSlotFloat32 = 0,
  kSlotFloat64 = 1,
  kSlotInt32 = 2,
  kSlotFloat16 = 3,
  kSlotBFloat16 = 4,
  kSlotInt8 = 5,
};

struct TensorSlot {
  std::uint32_t data;  // address of the first element in WebAssembly memory (0: no tensor)
  std::int32_t dtype;  // SlotDtype: every slot has its own
  std::int32_t rank;
  std::int32_t dims[kMaxRank];
};

// Inputs, in the order the entry points read them (pairwise: a, b; topK: query, table).
enum InSlot : int { kYTrue = 0, kYPred = 1, kWeight = 2, kDy = 3, kInSlots = 4 };
// Outputs: the value (loss, per-sample values, scores, the metric's [Δtotal, Δcount]) and up to
// two more (top-k indices; the gradients with respect to y_true and y_pred).
enum OutSlot : int { kOutValue = 0, kOutGradTrue = 1, kOutGradPred = 2, kOutSlots = 3 };
inline constexpr int kOutIndices = kOutGradTrue;  // topK reuses the second output slot

struct IoBlock {
  std::int32_t present;  // in: bit s set when input slot s holds a tensor (weight/dy optional)
  std::int32_t wrt;      // in, gradient(): bit 0 = y_true, bit 1 = y_pred
  std::int32_t n_axes;   // in, for the constructor: the axis list
  std::int32_t axes[kMaxRank];
  std::int32_t n_out;  // out: how many output slots the call filled (slots past it are stale)
  TensorSlot in[kInSlots];
  TensorSlot out[kOutSlots];
};

inline constexpr std::size_t kSlotWords = sizeof(TensorSlot) / 4;
static_assert(sizeof(TensorSlot) == (3 + kMaxRank) * 4, "TensorSlot must be packed int32 words");
static_assert(sizeof(IoBlock) % 4 == 0, "IoBlock must be whole int32 words");

}  // namespace binding
}  // namespace cossim

// The kernel sets defined by the kernel files, for the registry (registry.cc). Adding a set: one
// kernel file defining it, one line here and one in registry.cc, one build flavour in
// CMakeLists.txt.
#pragma once

#include "cossim/kernels.h"

namespace cossim {

extern const KernelSet kScalarKernelSet;  // scalar.cc
#if COSSIM_HAVE_SIMD128
extern const KernelSet kSimd128KernelSet;  // simd128.cc
#endif

}  // namespace cossim

// The registry of kernel sets, and which one a build runs by default. WebAssembly has no runtime
// feature detection inside a module (a module with SIMD opcodes does not validate on an engine
// without them), so a .wasm registers its flavour's set only and JS picks the .wasm at load time;
// natively every set is registered, so tests and benchmarks iterate them all.
#include <cstring>

#include "cossim/kernels.h"
#include "sets.h"

// The scalar set is its own .wasm; COSSIM_ALL_KERNEL_SETS=1 registers it beside the SIMD one
// anyway (the wasm benchmarks compare the two in one module).
#if !defined(__EMSCRIPTEN__) || !COSSIM_HAVE_SIMD128 || COSSIM_ALL_KERNEL_SETS
#define COSSIM_REGISTER_SCALAR 1
#else
#define COSSIM_REGISTER_SCALAR 0
#endif

namespace cossim {
namespace {

// Baseline first, best last (default_kernel_set() is the last).
const KernelSet* const kAllKernelSets[] = {
#if COSSIM_REGISTER_SCALAR
    &kScalarKernelSet,
#endif
#if COSSIM_HAVE_SIMD128
    &kSimd128KernelSet,
#endif
};

constexpr std::size_t kCount = sizeof(kAllKernelSets) / sizeof(kAllKernelSets[0]);

}  // namespace

KernelSetList all_kernel_sets() { return {kAllKernelSets, kCount}; }

const KernelSet& default_kernel_set() { return *kAllKernelSets[kCount - 1]; }

const KernelSet* find_kernel_set(const char* name) {
  for (const KernelSet* k : kAllKernelSets) {
    if (std::strcmp(k->name, name) == 0) return k;
  }
  return nullptr;
}

}  // namespace cossim

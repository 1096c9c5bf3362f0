// Embind layer: thin by design. It reads tensor descriptors from the IoBlock, calls the core, and
// reports a status code; the JS wrapper turns a non-zero code into an Error with lastError().
// Nothing here throws or aborts: C++ exceptions cannot cross Embind usefully in emscripten 3.1.6
// (they arrive as bare pointers), and an abort() would leave the module unusable.
#include <emscripten/bind.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cossim/cosine_similarity.h"
#include "cossim/metric.h"
#include "io_block.h"

// The core module (loss, similarity, metric) leaves out the search and gradient bindings, so that
// the linker drops their code; the full module has both (CMakeLists.txt, ready({ full: true })).
#ifndef COSSIM_WITH_SEARCH
#define COSSIM_WITH_SEARCH 1
#endif
#ifndef COSSIM_WITH_GRADIENT
#define COSSIM_WITH_GRADIENT 1
#endif
#if COSSIM_WITH_SEARCH
#include "cossim/search.h"
#endif

namespace cossim {
namespace binding {
namespace {

// One module instance runs one call at a time (WebAssembly here is single-threaded), so the
// scratch memory is shared by every loss object: a loss object is just its configuration.
IoBlock g_io;
Buffer g_staging;
Workspace g_workspace;
std::string g_last_error;
double g_metric_update[2];  // Δtotal, Δcount of the last metric() call
Result g_result;
#if COSSIM_WITH_SEARCH
SearchWorkspace g_search_workspace;
#endif

int fail(const Status& status) {
  g_last_error = status.message();
  return static_cast<int>(status.code());
}

// Views live as long as the module so that their shapes reuse capacity across calls.
TensorView g_views[4];
#if COSSIM_WITH_GRADIENT
GradientOutput g_grads;
#endif

const TensorView& view_of(Slot s, DType dtype) {
  const TensorSlot& slot = s == kDy ? g_io.dy : g_io.tensors[s];
  TensorView& v = g_views[s];
  v.dtype = dtype;
  v.data = reinterpret_cast<const void*>(static_cast<std::uintptr_t>(slot.data));
  v.shape.assign(slot.dims, slot.dims + slot.rank);
  return v;
}

Status check_slot(const TensorSlot& slot, const char* what) {
  if (slot.rank < 0 || slot.rank > kMaxRank) {
    return Status::Invalid(std::string(what) + ": rank " + int_to_string(slot.rank) +
                           " is outside 0.." + int_to_string(kMaxRank));
  }
  return Status::Ok();
}

Flavor to_flavor(int flavor) { return flavor == 1 ? Flavor::kKeras3 : Flavor::kKeras2; }

void write_result(const Result& result) {
  g_io.out.data = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(result.data));
  g_io.out.rank = static_cast<std::int32_t>(result.shape.size());
  for (std::size_t i = 0; i < result.shape.size(); ++i) {
    g_io.out.dims[i] = static_cast<std::int32_t>(result.shape[i]);
  }
}

}  // namespace

class LossBinding {
 public:
  // Reads the axis list from the IoBlock (n_axes, axes); `reduction` comes from parseReduction.
  LossBinding(int reduction, int flavor)
      : loss_(std::vector<std::int64_t>(g_io.axes, g_io.axes + clamp_axes(g_io.n_axes)),
              static_cast<Reduction>(reduction), to_flavor(flavor)) {}

  // The loss (weights and reduction). Returns a status code; the result is in the IoBlock.
  int call() const {
    const Status st = read_inputs();
    if (!st.ok()) return fail(st);
    const DType dtype = g_views[kYPred].dtype;
    const TensorView* weight = g_io.has_weight ? &view_of(kWeight, dtype) : nullptr;
    return finish(loss_.call(g_views[kYTrue], g_views[kYPred], weight, default_kernels(),
                             &g_workspace, &g_result));
  }

#if COSSIM_WITH_GRADIENT
  // The loss (as call()) and the gradients selected by the IoBlock's wrt bits.
  int gradient() const {
    const Status st = read_inputs();
    if (!st.ok()) return fail(st);
    const DType dtype = g_views[kYPred].dtype;
    const TensorView* weight = g_io.has_weight ? &view_of(kWeight, dtype) : nullptr;
    if (g_io.has_dy) {
      const Status dy_ok = check_slot(g_io.dy, "dy");
      if (!dy_ok.ok()) return fail(dy_ok);
    }
    const TensorView* dy = g_io.has_dy ? &view_of(kDy, dtype) : nullptr;
    const int code = finish(loss_.gradient(g_views[kYTrue], g_views[kYPred], weight, dy,
                                           (g_io.wrt & 1) != 0, (g_io.wrt & 2) != 0,
                                           default_kernels(), &g_workspace, &g_result, &g_grads));
    if (code == 0) {
      g_io.grad_true = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(g_grads.y_true));
      g_io.grad_pred = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(g_grads.y_pred));
    }
    return code;
  }
#endif  // COSSIM_WITH_GRADIENT

  // The metric's state increments, written to metricUpdate() as two doubles.
  int metric() const {
    const Status st = read_inputs();
    if (!st.ok()) return fail(st);
    const DType dtype = g_views[kYPred].dtype;
    const TensorView* weight = g_io.has_weight ? &view_of(kWeight, dtype) : nullptr;
    MetricUpdate update;
    const Status done =
        cosine_metric_update(g_views[kYTrue], g_views[kYPred], weight, loss_.axes(), loss_.flavor(),
                             default_kernels(), &g_workspace, &update);
    if (!done.ok()) return fail(done);
    g_metric_update[0] = update.total;
    g_metric_update[1] = update.count;
    return 0;
  }

  // +cos per sample (no weight, no reduction).
  int similarity() const {
    const Status st = read_inputs();
    if (!st.ok()) return fail(st);
    return finish(loss_.similarity(g_views[kYTrue], g_views[kYPred], default_kernels(),
                                   &g_workspace, &g_result));
  }

 private:
  static Status read_inputs() {
    const DType dtype = g_io.dtype == 1 ? DType::kFloat64 : DType::kFloat32;
    static const char* const kNames[3] = {"y_true", "y_pred", "sample_weight"};
    for (int s = 0; s < (g_io.has_weight ? 3 : 2); ++s) {
      COSSIM_RETURN_IF_ERROR(check_slot(g_io.tensors[s], kNames[s]));
    }
    view_of(kYTrue, dtype);
    view_of(kYPred, dtype);
    return Status::Ok();
  }

  static int finish(const Status& st) {
    if (!st.ok()) return fail(st);
    write_result(g_result);
    return 0;
  }

  static int clamp_axes(int n) { return n < 0 ? 0 : (n > kMaxRank ? kMaxRank : n); }
  CosineSimilarity loss_;
};

std::uintptr_t io_block() { return reinterpret_cast<std::uintptr_t>(&g_io); }

// Room for the call's inputs; 0 when the memory cannot grow that far (see lastError()).
std::uintptr_t stage(double bytes) {
  if (!(bytes >= 0) || bytes > 4294967295.0) {
    g_last_error = "Out of memory: the inputs need more than 4 GiB of WebAssembly memory";
    return 0;
  }
  const Status st = g_staging.reserve(static_cast<std::size_t>(bytes));
  if (!st.ok()) {
    fail(st);
    return 0;
  }
  return reinterpret_cast<std::uintptr_t>(g_staging.data());
}

#if COSSIM_WITH_SEARCH
// pairwise(a, b): IoBlock slots y_true = a [m,d], y_pred = b [n,d]; result [m,n] in `out`.
int pairwise() {
  const DType dtype = g_io.dtype == 1 ? DType::kFloat64 : DType::kFloat32;
  for (int s = 0; s < 2; ++s) {
    const Status st = check_slot(g_io.tensors[s], s == 0 ? "a" : "b");
    if (!st.ok()) return fail(st);
  }
  const Status st = pairwise_cosine(view_of(kYTrue, dtype), view_of(kYPred, dtype),
                                    default_search_kernels(), &g_search_workspace, &g_result);
  if (!st.ok()) return fail(st);
  write_result(g_result);
  return 0;
}

// topK(k): IoBlock slots y_true = query [d] or [q,d], y_pred = table [n,d]; values in `out`,
// indices at out_indices.
int top_k(double k) {
  if (!(k >= 0) || k != static_cast<double>(static_cast<std::int64_t>(k))) {
    return fail(Status::Invalid("topK: k must be a non-negative integer"));
  }
  const DType dtype = g_io.dtype == 1 ? DType::kFloat64 : DType::kFloat32;
  for (int s = 0; s < 2; ++s) {
    const Status st = check_slot(g_io.tensors[s], s == 0 ? "query" : "table");
    if (!st.ok()) return fail(st);
  }
  TopKResult r;
  const Status st =
      top_k_cosine(view_of(kYTrue, dtype), view_of(kYPred, dtype), static_cast<std::int64_t>(k),
                   default_search_kernels(), &g_search_workspace, &r);
  if (!st.ok()) return fail(st);
  g_result.dtype = r.dtype;
  g_result.shape = r.shape;
  g_result.data = r.values;
  write_result(g_result);
  g_io.out_indices = static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(r.indices));
  return 0;
}
#endif  // COSSIM_WITH_SEARCH

// Heap tensors (alloc() in JS): 16-byte aligned blocks the user fills in place; 0 on failure.
std::uintptr_t alloc_bytes(double bytes) {
  if (!(bytes >= 0) || bytes > 4294967295.0) return 0;
  const std::size_t n = static_cast<std::size_t>(bytes);
  return reinterpret_cast<std::uintptr_t>(std::aligned_alloc(16, n < 16 ? 16 : (n + 15) / 16 * 16));
}

void free_bytes(std::uintptr_t address) { std::free(reinterpret_cast<void*>(address)); }

// Benchmark probe: the SIMD128 (or scalar) sum of a heap tensor's elements.
double sum_elements(std::uintptr_t address, double count, int dtype) {
  const auto n = static_cast<std::size_t>(count);
  return dtype == 1 ? sum_f64(reinterpret_cast<const double*>(address), n)
                    : sum_f32(reinterpret_cast<const float*>(address), n);
}

// Reduction code, or -1 with the Keras message in lastError().
int parse_reduction_key(const std::string& key, int flavor) {
  Reduction r;
  const Status st = parse_reduction(key, &r, to_flavor(flavor));
  if (!st.ok()) {
    fail(st);
    return -1;
  }
  return static_cast<int>(r);
}

std::string last_error() { return g_last_error; }
std::uintptr_t metric_update_address() { return reinterpret_cast<std::uintptr_t>(g_metric_update); }
std::string kernels_name() { return default_kernels().name; }

EMSCRIPTEN_BINDINGS(cossim) {
  auto loss = emscripten::class_<LossBinding>("CosineSimilarity")
                  .constructor<int, int>()
                  .function("call", &LossBinding::call)
                  .function("similarity", &LossBinding::similarity)
                  .function("metric", &LossBinding::metric);
#if COSSIM_WITH_GRADIENT
  loss.function("gradient", &LossBinding::gradient);
#else
  static_cast<void>(loss);
#endif
  emscripten::function("metricUpdate", &metric_update_address);
#if COSSIM_WITH_SEARCH
  emscripten::function("pairwise", &pairwise);
  emscripten::function("topK", &top_k);
#endif
  emscripten::function("alloc", &alloc_bytes);
  emscripten::function("free", &free_bytes);
  emscripten::function("sum", &sum_elements);
  emscripten::function("ioBlock", &io_block);
  emscripten::function("stage", &stage);
  emscripten::function("parseReduction", &parse_reduction_key);
  emscripten::function("lastError", &last_error);
  emscripten::function("kernels", &kernels_name);
}

}  // namespace binding
}  // namespace cossim

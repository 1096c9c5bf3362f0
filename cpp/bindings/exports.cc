// The module's exports: thin by design. Each reads tensor descriptors from the IoBlock
// (io_block.h), calls the core, writes the results' descriptors back, and returns the core's
// status code; js/native.mjs turns a non-zero code into a typed JS error carrying
// cossim_last_error().
//
// Plain C exports rather than Embind: with the dynamic code generation that a strict
// Content-Security-Policy forbids turned off (-sDYNAMIC_EXECUTION=0), an Embind call costs
// ~130-160 ns more than a raw export, a large share of a small call, and Embind's runtime is ~6 KB
// gzip of glue and ~11 KB of wasm (its demangler pulls in printf) on a path budgeted at 30 KB.
// Every argument and result is a number (addresses as uint32, sizes as double so that JS numbers
// up to 2^53 arrive unwrapped); strings cross as NUL-terminated UTF-8 in memory.
// Nothing here throws or aborts: an abort() would leave the module unusable.
//
// The default module leaves out the search and gradient exports, so that the linker drops their
// code; the full module has both (CMakeLists.txt, ready({ full: true })).
#include <emscripten/em_macros.h>
#include <emscripten/heap.h>

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#ifndef COSSIM_WITH_SEARCH
#define COSSIM_WITH_SEARCH 1
#endif
#ifndef COSSIM_WITH_GRADIENT
#define COSSIM_WITH_GRADIENT 1
#endif

#include "cossim/cosine_pair.h"
#include "cossim/cosine_similarity.h"
#include "cossim/metric.h"
#if COSSIM_WITH_SEARCH
#include "cossim/compact.h"
#include "cossim/search.h"
#endif
#include "io_block.h"

namespace cossim {
namespace binding {
namespace {

// One module instance runs one call at a time (WebAssembly here is single-threaded), so the
// scratch memory is shared by every loss object: a loss object is just its configuration.
IoBlock g_io;
Buffer g_staging;
Workspace g_workspace;
std::string g_last_error;
double g_metric_update[2];  // the metric's [Δtotal, Δcount], returned through out[kOutValue]
Result g_result;
#if COSSIM_WITH_SEARCH
SearchWorkspace g_search_workspace;
#endif
#if COSSIM_WITH_GRADIENT
GradientOutput g_grads;
#endif
// Views live as long as the module so that their shapes reuse capacity across calls.
TensorView g_views[kInSlots];

constexpr const char* kSlotNames[kInSlots] = {"y_true", "y_pred", "sample_weight", "dy"};

bool present(InSlot s) { return (g_io.present >> s) & 1; }

int fail(const Status& status) {
  g_last_error = status.message();
  // Working memory that could not be had is reported by the buffer that asked for it, which does
  // not know the call's shapes: name them here.
  if (status.code() == StatusCode::kOutOfMemory) {
    g_last_error += " (inputs";
    for (int s = 0; s < kInSlots; ++s) {
      if (s < 2 || present(static_cast<InSlot>(s))) {
        g_last_error += std::string(" ") + kSlotNames[s] + " " + shape_to_string(g_views[s].shape);
      }
    }
    g_last_error += ")";
  }
  return static_cast<int>(status.code());
}

std::uint32_t address_of(const void* p) {
  return static_cast<std::uint32_t>(reinterpret_cast<std::uintptr_t>(p));
}

// Reads input slot `s` into g_views[s]; `name` names it in messages.
Status read_slot(InSlot s, const char* name) {
  const TensorSlot& slot = g_io.in[s];
  if (slot.rank < 0 || slot.rank > kMaxRank) {
    return Status::Shape(std::string(name) + ": rank " + int_to_string(slot.rank) +
                         " is outside 0.." + int_to_string(kMaxRank));
  }
  if (slot.dtype != kSlotFloat32 && slot.dtype != kSlotFloat64) {
    return Status::Type(std::string(name) + ": dtype code " + int_to_string(slot.dtype) +
                        " is not float32 or float64");
  }
  TensorView& v = g_views[s];
  v.dtype = static_cast<DType>(slot.dtype);
  v.data = reinterpret_cast<const void*>(static_cast<std::uintptr_t>(slot.data));
  v.shape.assign(slot.dims, slot.dims + slot.rank);
  return Status::Ok();
}

// Reads the two operands, and the optional slots that are present.
Status read_inputs(const char* first = kSlotNames[0], const char* second = kSlotNames[1]) {
  COSSIM_RETURN_IF_ERROR(read_slot(kYTrue, first));
  COSSIM_RETURN_IF_ERROR(read_slot(kYPred, second));
  for (InSlot s : {kWeight, kDy}) {
    if (present(s)) COSSIM_RETURN_IF_ERROR(read_slot(s, kSlotNames[s]));
  }
  return Status::Ok();
}

const TensorView* optional_view(InSlot s) { return present(s) ? &g_views[s] : nullptr; }

void write_out(int s, std::int32_t dtype, const void* data, const Shape& shape) {
  TensorSlot& out = g_io.out[s];
  out.data = address_of(data);
  out.dtype = dtype;
  out.rank = static_cast<std::int32_t>(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) out.dims[i] = static_cast<std::int32_t>(shape[i]);
}

int finish(const Status& st, int n_out) {
  if (!st.ok()) return fail(st);
  write_out(kOutValue, static_cast<std::int32_t>(g_result.dtype), g_result.data, g_result.shape);
  g_io.n_out = n_out;
  return 0;
}

Flavor to_flavor(int flavor) { return flavor == 1 ? Flavor::kKeras3 : Flavor::kKeras2; }
int clamp_axes(int n) { return n < 0 ? 0 : (n > kMaxRank ? kMaxRank : n); }
const void* pointer(std::uint32_t address) {
  return reinterpret_cast<const void*>(static_cast<std::uintptr_t>(address));
}

// A loss configuration (axes, reduction, flavour); the handle JS holds is its address.
struct Loss {
  CosineSimilarity loss;
};
const CosineSimilarity& loss_at(std::uint32_t handle) {
  return static_cast<const Loss*>(pointer(handle))->loss;
}

#if COSSIM_WITH_SEARCH
// ---- Compact tables (float16, bfloat16, int8; cossim/compact.h) ---------------------------------
// A compact heap tensor is one block (compact_layout) that JS fills only through compactEncode.
// Search calls read the query from in[0] (float32/float64, staged as usual) and the table from
// in[1] (its own dtype code, rank 2, in place).
static_assert(static_cast<int>(CompactDType::kFloat16) == kSlotFloat16 &&
                  static_cast<int>(CompactDType::kBFloat16) == kSlotBFloat16 &&
                  static_cast<int>(CompactDType::kInt8) == kSlotInt8,
              "compact dtype codes are the slot codes");

CompactWorkspace g_compact_workspace;

bool compact_geometry(std::uintptr_t block, int dtype, double rows, double d, CompactTable* t) {
  if (!is_compact_dtype(dtype) || !(rows >= 0) || !(d >= 0) || rows > 9007199254740991.0 ||
      d > 9007199254740991.0) {
    g_last_error = "compact table: dtype code " + int_to_string(dtype) + " or its shape is invalid";
    return false;
  }
  *t = CompactTable{static_cast<CompactDType>(dtype), reinterpret_cast<void*>(block),
                    static_cast<std::int64_t>(rows), static_cast<std::int64_t>(d)};
  return true;
}

// in[0] -> g_views[kYTrue] (float32/float64), in[1] -> the compact table.
Status read_compact(const char* first, CompactTable* t) {
  COSSIM_RETURN_IF_ERROR(read_slot(kYTrue, first));
  const TensorSlot& slot = g_io.in[kYPred];
  if (!is_compact_dtype(slot.dtype)) {
    return Status::Type("the table's dtype code " + int_to_string(slot.dtype) +
                        " is not float16, bfloat16 or int8");
  }
  if (slot.rank != 2) {
    return Status::Shape("a compact table must be rank 2 [n,d]; got rank " +
                         int_to_string(slot.rank));
  }
  *t = CompactTable{static_cast<CompactDType>(slot.dtype),
                    reinterpret_cast<void*>(static_cast<std::uintptr_t>(slot.data)), slot.dims[0],
                    slot.dims[1]};
  return Status::Ok();
}

#endif  // COSSIM_WITH_SEARCH

// The interface, single-sourced: every offset (bytes), limit and code js/native.mjs uses.
std::string interface_layout() {
  std::string s = "{";
  const auto field = [&s](const char* name, std::int64_t value) {
    if (s.size() > 1 && s.back() != '{') s += ',';
    s += '"';
    s += name;
    s += "\":";
    s += int_to_string(value);
  };
  const auto open = [&s](const char* name) {
    if (s.back() != '{') s += ',';
    s += '"';
    s += name;
    s += "\":{";
  };
  // The module's identity; the loader checks it after instantiating (another build's bytes given as
  // wasmBinary or by locateFile).
  static const char kModuleId[] = "cossim-module:" COSSIM_MODULE_KEY ";";
  s += "\"module\":\"";
  s += kModuleId;
  s += '"';
  field("version", kInterfaceVersion);
  field("maxRank", kMaxRank);
  field("inSlots", kInSlots);
  field("outSlots", kOutSlots);
  open("io");
  field("present", offsetof(IoBlock, present));
  field("wrt", offsetof(IoBlock, wrt));
  field("nAxes", offsetof(IoBlock, n_axes));
  field("axes", offsetof(IoBlock, axes));
  field("nOut", offsetof(IoBlock, n_out));
  field("in", offsetof(IoBlock, in));
  field("out", offsetof(IoBlock, out));
  field("bytes", sizeof(IoBlock));
  s += '}';
  open("slot");
  field("data", offsetof(TensorSlot, data));
  field("dtype", offsetof(TensorSlot, dtype));
  field("rank", offsetof(TensorSlot, rank));
  field("dims", offsetof(TensorSlot, dims));
  field("bytes", sizeof(TensorSlot));
  s += '}';
  open("inSlot");
  field("yTrue", kYTrue);
  field("yPred", kYPred);
  field("weight", kWeight);
  field("dy", kDy);
  s += '}';
  open("outSlot");
  field("value", kOutValue);
  field("gradTrue", kOutGradTrue);
  field("gradPred", kOutGradPred);
  field("indices", kOutIndices);
  s += '}';
  open("dtype");
  field("float32", kSlotFloat32);
  field("float64", kSlotFloat64);
  field("int32", kSlotInt32);
  field("float16", kSlotFloat16);
  field("bfloat16", kSlotBFloat16);
  field("int8", kSlotInt8);
  s += '}';
  open("reduction");
  field("auto", static_cast<int>(Reduction::kAuto));
  field("none", static_cast<int>(Reduction::kNone));
  field("sum", static_cast<int>(Reduction::kSum));
  field("sum_over_batch_size", static_cast<int>(Reduction::kSumOverBatchSize));
  field("mean", static_cast<int>(Reduction::kMean));
  field("mean_with_sample_weight", static_cast<int>(Reduction::kMeanWithSampleWeight));
  s += '}';
  open("flavor");
  field("keras2", static_cast<int>(Flavor::kKeras2));
  field("keras3", static_cast<int>(Flavor::kKeras3));
  s += '}';
  open("form");
  field("lossClass", static_cast<int>(Form::kLossClass));
  field("function", static_cast<int>(Form::kFunction));
  s += '}';
  open("status");
  field("ok", static_cast<int>(StatusCode::kOk));
  field("invalid", static_cast<int>(StatusCode::kInvalidArgument));
  field("outOfMemory", static_cast<int>(StatusCode::kOutOfMemory));
  field("shape", static_cast<int>(StatusCode::kShape));
  field("tooLarge", static_cast<int>(StatusCode::kTooLarge));
  field("type", static_cast<int>(StatusCode::kType));
  s += "}}";
  return s;
}

}  // namespace
}  // namespace binding
}  // namespace cossim

using namespace cossim;
using namespace cossim::binding;

extern "C" {

EMSCRIPTEN_KEEPALIVE std::uint32_t cossim_io_block() { return address_of(&g_io); }

// The interface description (JSON, NUL-terminated), built once.
EMSCRIPTEN_KEEPALIVE std::uint32_t cossim_layout() {
  static const std::string layout = interface_layout();
  return address_of(layout.c_str());
}

// The message of the last failed call (NUL-terminated UTF-8).
EMSCRIPTEN_KEEPALIVE std::uint32_t cossim_last_error() { return address_of(g_last_error.c_str()); }

// A loss configuration with the axis list from the IoBlock (n_axes, axes); `reduction` from
// cossim_parse_reduction; `form` 1 for Keras's function form (no squeeze rule). 0 when it cannot
// be allocated.
EMSCRIPTEN_KEEPALIVE std::uint32_t cossim_loss_new(int reduction, int flavor, int form) {
  Loss* l = new (std::nothrow) Loss{
      CosineSimilarity(std::vector<std::int64_t>(g_io.axes, g_io.axes + clamp_axes(g_io.n_axes)),
                       static_cast<Reduction>(reduction), to_flavor(flavor),
                       form == 1 ? Form::kFunction : Form::kLossClass)};
  return address_of(l);
}

EMSCRIPTEN_KEEPALIVE void cossim_loss_delete(std::uint32_t handle) {
  delete static_cast<Loss*>(const_cast<void*>(pointer(handle)));
}

// The loss (weights and reduction) into out[value].
EMSCRIPTEN_KEEPALIVE int cossim_loss_call(std::uint32_t handle) {
  const Status st = read_inputs();
  if (!st.ok()) return fail(st);
  return finish(loss_at(handle).call(g_views[kYTrue], g_views[kYPred], optional_view(kWeight),
                                     default_kernel_set(), &g_workspace, &g_result),
                1);
}

// +cos per sample (no weight, no reduction) into out[value].
EMSCRIPTEN_KEEPALIVE int cossim_loss_similarity(std::uint32_t handle) {
  const Status st = read_inputs("a", "b");
  if (!st.ok()) return fail(st);
  return finish(loss_at(handle).similarity(g_views[kYTrue], g_views[kYPred], default_kernel_set(),
                                           &g_workspace, &g_result),
                1);
}

// The metric's state increments into out[value]: float64 [Δtotal, Δcount].
EMSCRIPTEN_KEEPALIVE int cossim_loss_metric(std::uint32_t handle) {
  const Status st = read_inputs();
  if (!st.ok()) return fail(st);
  const CosineSimilarity& loss = loss_at(handle);
  MetricUpdate update;
  const Status done =
      cosine_metric_update(g_views[kYTrue], g_views[kYPred], optional_view(kWeight), loss.axes(),
                           loss.flavor(), default_kernel_set(), &g_workspace, &update);
  if (!done.ok()) return fail(done);
  g_metric_update[0] = update.total;
  g_metric_update[1] = update.count;
  write_out(kOutValue, kSlotFloat64, g_metric_update, Shape{2});
  g_io.n_out = 1;
  return 0;
}

#if COSSIM_WITH_GRADIENT
// The loss (as cossim_loss_call) into out[value] and the gradients selected by the wrt bits into
// out[grad_true] / out[grad_pred] (data 0 when not requested), each shaped like its input.
EMSCRIPTEN_KEEPALIVE int cossim_loss_gradient(std::uint32_t handle) {
  const Status st = read_inputs();
  if (!st.ok()) return fail(st);
  const bool wrt_true = (g_io.wrt & 1) != 0, wrt_pred = (g_io.wrt & 2) != 0;
  const int code =
      finish(loss_at(handle).gradient(g_views[kYTrue], g_views[kYPred], optional_view(kWeight),
                                      optional_view(kDy), wrt_true, wrt_pred, default_kernel_set(),
                                      &g_workspace, &g_result, &g_grads),
             3);
  if (code != 0) return code;
  const auto dtype = static_cast<std::int32_t>(g_result.dtype);
  write_out(kOutGradTrue, dtype, wrt_true ? g_grads.y_true : nullptr, g_views[kYTrue].shape);
  write_out(kOutGradPred, dtype, wrt_pred ? g_grads.y_pred : nullptr, g_views[kYPred].shape);
  return 0;
}
#endif  // COSSIM_WITH_GRADIENT

#if COSSIM_WITH_SEARCH
// pairwise: in[0] = a [m,d], in[1] = b [n,d]; out[value] = [m,n].
EMSCRIPTEN_KEEPALIVE int cossim_pairwise() {
  const Status st = read_inputs("a", "b");
  if (!st.ok()) return fail(st);
  return finish(pairwise_cosine(g_views[kYTrue], g_views[kYPred], default_kernel_set(),
                                &g_search_workspace, &g_result),
                1);
}

// topK(k): in[0] = query [d] or [q,d], in[1] = table [n,d]; out[value] = scores,
// out[indices] = int32 row indices, both [k'] or [q,k'].
EMSCRIPTEN_KEEPALIVE int cossim_top_k(double k) {
  if (!(k >= 0) || k > 9007199254740991.0 ||
      k != static_cast<double>(static_cast<std::int64_t>(k))) {
    return fail(Status::Shape("topK: k must be a non-negative integer"));
  }
  const Status st = read_inputs("query", "table");
  if (!st.ok()) return fail(st);
  TopKResult r;
  const Status done = top_k_cosine(g_views[kYTrue], g_views[kYPred], static_cast<std::int64_t>(k),
                                   default_kernel_set(), &g_search_workspace, &r);
  if (!done.ok()) return fail(done);
  write_out(kOutValue, static_cast<std::int32_t>(r.dtype), r.values, r.shape);
  write_out(kOutIndices, kSlotInt32, r.indices, r.shape);
  g_io.n_out = 2;
  return 0;
}
#endif  // COSSIM_WITH_SEARCH

#if COSSIM_WITH_SEARCH
// Bytes of the block of a [rows, d] table of `dtype`; -1 (lastError) when too large.
EMSCRIPTEN_KEEPALIVE double cossim_compact_bytes(double rows, double d, int dtype) {
  CompactTable t;
  if (!compact_geometry(0, dtype, rows, d, &t)) return -1;
  CompactLayout layout;
  const Status st = compact_layout(t.rows, t.d, t.dtype, &layout);
  if (!st.ok()) {
    fail(st);
    return -1;
  }
  return static_cast<double>(layout.bytes);
}

// Encodes `count` rows of values at `src` (src_dtype float32/float64) into rows
// [first_row, first_row + count) of the table at `block` (a refused element is named by
// index_base + its index at src). Returns a status code.
EMSCRIPTEN_KEEPALIVE int cossim_compact_encode(std::uint32_t block, int dtype, double rows,
                                               double d, double first_row, double count,
                                               std::uint32_t src, int src_dtype,
                                               double index_base) {
  CompactTable t;
  if (!compact_geometry(block, dtype, rows, d, &t)) return static_cast<int>(StatusCode::kType);
  const Status st = compact_encode(t, static_cast<std::int64_t>(first_row),
                                   static_cast<std::int64_t>(count), reinterpret_cast<void*>(src),
                                   src_dtype == kSlotFloat64 ? DType::kFloat64 : DType::kFloat32,
                                   static_cast<std::int64_t>(index_base));
  return st.ok() ? 0 : fail(st);
}

// Decodes rows [first_row, first_row + count) into float32 at `dst`. Returns a status code.
EMSCRIPTEN_KEEPALIVE int cossim_compact_decode(std::uint32_t block, int dtype, double rows,
                                               double d, double first_row, double count,
                                               std::uint32_t dst) {
  CompactTable t;
  if (!compact_geometry(block, dtype, rows, d, &t)) return static_cast<int>(StatusCode::kType);
  const Status st = compact_decode(t, static_cast<std::int64_t>(first_row),
                                   static_cast<std::int64_t>(count), reinterpret_cast<float*>(dst));
  return st.ok() ? 0 : fail(st);
}

EMSCRIPTEN_KEEPALIVE int cossim_compact_similarity() {
  CompactTable t;
  const Status st = read_compact("a", &t);
  if (!st.ok()) return fail(st);
  return finish(
      compact_similarity(g_views[kYTrue], t, default_kernel_set(), &g_compact_workspace, &g_result),
      1);
}

EMSCRIPTEN_KEEPALIVE int cossim_compact_pairwise() {
  CompactTable t;
  const Status st = read_compact("a", &t);
  if (!st.ok()) return fail(st);
  return finish(
      compact_pairwise(g_views[kYTrue], t, default_kernel_set(), &g_compact_workspace, &g_result),
      1);
}

EMSCRIPTEN_KEEPALIVE int cossim_compact_top_k(double k) {
  if (!(k >= 0) || k > 9007199254740991.0 ||
      k != static_cast<double>(static_cast<std::int64_t>(k))) {
    return fail(Status::Shape("topK: k must be a non-negative integer"));
  }
  CompactTable t;
  const Status st = read_compact("query", &t);
  if (!st.ok()) return fail(st);
  TopKResult r;
  const Status done = compact_top_k(g_views[kYTrue], t, static_cast<std::int64_t>(k),
                                    default_kernel_set(), &g_compact_workspace, &r);
  if (!done.ok()) return fail(done);
  write_out(kOutValue, static_cast<std::int32_t>(r.dtype), r.values, r.shape);
  write_out(kOutIndices, kSlotInt32, r.indices, r.shape);
  g_io.n_out = 2;
  return 0;
}
#endif  // COSSIM_WITH_SEARCH

// cosine(a, b): +cos of two vectors of n elements of dtype code `dtype` at addresses a and b.
EMSCRIPTEN_KEEPALIVE double cossim_cosine(std::uint32_t a, std::uint32_t b, std::uint32_t n,
                                          std::int32_t dtype) {
  return dtype == kSlotFloat64
             ? cosine_pair(static_cast<const double*>(pointer(a)),
                           static_cast<const double*>(pointer(b)), n, default_kernel_set())
             : cosine_pair(static_cast<const float*>(pointer(a)),
                           static_cast<const float*>(pointer(b)), n, default_kernel_set());
}

// Room for the call's inputs; 0 when the memory cannot grow that far (see cossim_last_error).
EMSCRIPTEN_KEEPALIVE std::uint32_t cossim_stage(double bytes) {
  if (!(bytes >= 0) || bytes > 4294967295.0) {
    g_last_error = "Out of memory: the inputs need " +
                   int_to_string(static_cast<std::int64_t>(bytes)) +
                   " bytes, more than the 4 GiB of WebAssembly memory";
    return 0;
  }
  const Status st = g_staging.reserve(static_cast<std::size_t>(bytes));
  if (!st.ok()) {
    fail(st);
    return 0;
  }
  return address_of(g_staging.data());
}

// Heap tensors (alloc() in JS): 16-byte aligned blocks the user fills in place. 0 on failure,
// with the reason in cossim_last_error. Sizes are checked in 64 bits before anything is
// allocated, and a block is handed out only if it lies wholly inside the memory (allocate_block,
// buffer.h).
EMSCRIPTEN_KEEPALIVE std::uint32_t cossim_alloc(double bytes) {
  constexpr double kMaxBlock = 4294967296.0 - 65536.0;  // never all of the 4 GiB address space
  if (!(bytes >= 0) || bytes > kMaxBlock) {
    g_last_error = "Out of memory: " + int_to_string(static_cast<std::int64_t>(bytes)) +
                   " bytes cannot fit in the 4 GiB of WebAssembly memory";
    return 0;
  }
  const std::uint64_t n = static_cast<std::uint64_t>(bytes);
  const std::uint64_t rounded = n < 16 ? 16 : (n + 15) / 16 * 16;
  void* p = allocate_block(static_cast<std::size_t>(rounded));
  if (p == nullptr) {
    g_last_error = "Out of memory: could not allocate " +
                   int_to_string(static_cast<std::int64_t>(n)) + " bytes of WebAssembly memory (" +
                   int_to_string(static_cast<std::int64_t>(emscripten_get_heap_size())) +
                   " bytes in use or reserved; the limit is 4 GiB)";
    return 0;
  }
  return address_of(p);
}

EMSCRIPTEN_KEEPALIVE void cossim_free(std::uint32_t address) {
  std::free(const_cast<void*>(pointer(address)));
}

#if COSSIM_WITH_SEARCH
// Benchmark probe: the kernel set's sum of a heap tensor's elements (the full module only: the
// default one has no float32 sum, kernels.h).
EMSCRIPTEN_KEEPALIVE double cossim_sum(std::uint32_t address, double count, int dtype) {
  const auto n = static_cast<std::size_t>(count);
  return dtype == kSlotFloat64
             ? default_kernel_set().f64.sum(static_cast<const double*>(pointer(address)), n)
             : default_kernel_set().f32.sum(static_cast<const float*>(pointer(address)), n);
}
#endif

// Reduction code (>= 0) of the UTF-8 key of `length` bytes at `key`, or -(status code) with the
// Keras message in cossim_last_error.
EMSCRIPTEN_KEEPALIVE int cossim_parse_reduction(std::uint32_t key, double length, int flavor) {
  Reduction r;
  const Status st = parse_reduction(
      std::string_view(static_cast<const char*>(pointer(key)), static_cast<std::size_t>(length)),
      &r, to_flavor(flavor));
  if (!st.ok()) return -fail(st);
  return static_cast<int>(r);
}

// For the trap guard's tests: a deliberate WebAssembly trap (RuntimeError: unreachable).
EMSCRIPTEN_KEEPALIVE void cossim_trap_for_testing() { __builtin_trap(); }

}  // extern "C"

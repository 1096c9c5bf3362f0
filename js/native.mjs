// The only file that touches WebAssembly memory or calls into the module. It stages inputs into
// the core's heap, writes their descriptors into the IoBlock, calls the module's exports
// (cpp/bindings/exports.cc: plain C functions over numbers, on the instance that loader.mjs
// made), turns a status code into a typed Error, and copies results out.
//
// The IoBlock's layout is not written here: it is defined once in cpp/bindings/io_block.h and
// exported by the module (cossim_layout()); this file derives every offset and code from that export at
// load time and refuses a module whose interface version or fields it does not know.
//
// Memory rules: heap views are re-derived after anything that may grow the memory (growth
// detaches old views), and no element count is ever read from a view that may have detached.
// If the instance ever traps (WebAssembly.RuntimeError), it is marked unusable: its heap may be
// corrupt, so every later call throws instead of returning a value computed on it.

import { missingPart } from './state.mjs';

const INTERFACE_VERSION = 2;
const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

// The NUL-terminated UTF-8 string at `address` of the instance's memory.
function cString(exports, address) {
  const heap = new Uint8Array(exports.memory.buffer);
  const start = address >>> 0;
  const end = heap.indexOf(0, start);
  return utf8.decode(heap.subarray(start, end < 0 ? heap.length : end));
}
export const MAX_BYTES = 4294967296;  // 32-bit WebAssembly memory
// Views of the module's memory up to this many elements are copied on the lean path (leanArray).
const LEAN_COPY_LIMIT = 4096;

// Sizes may exceed 2^31, so no bitwise ops.
export const align16 = (n) => (n % 16 === 0 ? n : n + 16 - (n % 16));

// Reads and checks the module's interface description (cpp/bindings/io_block.h).
function readLayout(exports) {
  if (typeof exports.cossim_layout !== 'function') {
    throw new Error('cossim: the WebAssembly module has no interface description; js/ and dist/ are ' +
      'from different builds (rebuild with npm run build)');
  }
  const layout = JSON.parse(cString(exports, exports.cossim_layout()));
  const need = {
    '': ['version', 'maxRank', 'inSlots', 'outSlots'],
    io: ['present', 'wrt', 'nAxes', 'axes', 'nOut', 'in', 'out', 'bytes'],
    slot: ['data', 'dtype', 'rank', 'dims', 'bytes'],
    inSlot: ['yTrue', 'yPred', 'weight', 'dy'],
    outSlot: ['value', 'gradTrue', 'gradPred', 'indices'],
    dtype: ['float32', 'float64', 'int32'],
    reduction: ['auto', 'none', 'sum', 'sum_over_batch_size', 'mean', 'mean_with_sample_weight'],
    flavor: ['keras2', 'keras3'],
    form: ['lossClass', 'function'],
    status: ['ok', 'invalid', 'outOfMemory', 'shape', 'tooLarge', 'type'],
  };
  for (const [group, keys] of Object.entries(need)) {
    const table = group === '' ? layout : layout[group];
    for (const key of keys) {
      if (typeof table?.[key] !== 'number') {
        throw new Error(`cossim: the WebAssembly module's interface lacks ${group ? `${group}.` : ''}${key}; ` +
          'js/ and dist/ are from different builds (rebuild with npm run build)');
      }
    }
  }
  if (layout.version !== INTERFACE_VERSION) {
    throw new Error(`cossim: the WebAssembly module has interface version ${layout.version}, this ` +
      `wrapper expects ${INTERFACE_VERSION} (js/ and dist/ are from different builds)`);
  }
  return layout;
}

export class Native {
  // exports: a cossim instance's exports (its memory and the cossim_* functions); backend: 'simd'
  // or 'scalar'; full: whether it is the full module.
  constructor(exports, backend, full = false) {
    this.x = exports;
    this.memory = exports.memory;
    this.backend = backend;
    this.full = full;
    const L = readLayout(exports);
    this.layout = L;
    this.maxRank = L.maxRank;
    this.F32 = L.dtype.float32;
    this.F64 = L.dtype.float64;
    this.I32 = L.dtype.int32;
    // Compact table dtypes (heap tensors only; native-compact.mjs).
    this.compactCode = { float16: L.dtype.float16, bfloat16: L.dtype.bfloat16, int8: L.dtype.int8 };
    this.REDUCTION_NONE = L.reduction.none;
    this.arrayOf = { [this.F32]: Float32Array, [this.F64]: Float64Array, [this.I32]: Int32Array };
    this.dtypeName = { [this.F32]: 'float32', [this.F64]: 'float64', [this.I32]: 'int32' };
    this.errorOf = {
      [L.status.shape]: RangeError, [L.status.tooLarge]: RangeError,
      [L.status.outOfMemory]: RangeError, [L.status.type]: TypeError,
    };
    // Word indices (int32) of each field.
    const slotWords = L.slot.bytes / 4;
    this.w = {
      present: L.io.present / 4, wrt: L.io.wrt / 4, nAxes: L.io.nAxes / 4, axes: L.io.axes / 4,
      nOut: L.io.nOut / 4, data: L.slot.data / 4, dtype: L.slot.dtype / 4, rank: L.slot.rank / 4,
      dims: L.slot.dims / 4,
    };
    // Input slots in the order callers pass tensors: y_true, y_pred, sample_weight, dy.
    this.inAt = [L.inSlot.yTrue, L.inSlot.yPred, L.inSlot.weight, L.inSlot.dy]
      .map((s) => L.io.in / 4 + s * slotWords);
    this.inBit = [L.inSlot.yTrue, L.inSlot.yPred, L.inSlot.weight, L.inSlot.dy].map((s) => 2 ** s);
    this.outAt = (s) => L.io.out / 4 + s * slotWords;
    this.outValue = this.outAt(L.outSlot.value);
    this.outGrad = [this.outAt(L.outSlot.gradTrue), this.outAt(L.outSlot.gradPred)];
    this.outIndices = this.outAt(L.outSlot.indices);
    this.ioWords = L.io.bytes / 4;
    this.dead = null;  // the RuntimeError that made the instance unusable
    // The status-returning exports by method name; those of the full module are absent from the
    // default one (see loader.mjs).
    const x = exports;
    const has = (name) => typeof x[name] === 'function';
    this.calls = {
      call: x.cossim_loss_call,
      similarity: x.cossim_loss_similarity,
      metric: x.cossim_loss_metric,
      gradient: has('cossim_loss_gradient') ? x.cossim_loss_gradient : null,
      pairwise: has('cossim_pairwise') ? () => x.cossim_pairwise() : null,
      topK: has('cossim_top_k') ? (h, k) => x.cossim_top_k(k) : null,
      compactSimilarity: has('cossim_compact_similarity') ? () => x.cossim_compact_similarity() : null,
      compactPairwise: has('cossim_compact_pairwise') ? () => x.cossim_compact_pairwise() : null,
      compactTopK: has('cossim_compact_top_k') ? (h, k) => x.cossim_compact_top_k(k) : null,
    };
    this.ioAddress = this.enter(() => x.cossim_io_block() >>> 0);
    this.stageAddress = 0;  // the staging buffer only moves when it grows
    this.stageBytes = 0;
    this.refreshViews();
  }

  // ---- the trap guard: every call into the module goes through enter() ----

  // Runs fn (a call into the module); a trap marks the instance unusable.
  enter(fn) {
    if (this.dead !== null) throw this.deadError();
    try {
      return fn();
    } catch (error) {
      throw this.trapped(error);
    }
  }

  // What to throw for an error raised inside the module: a trap marks the instance unusable.
  trapped(error) {
    if (!(error instanceof WebAssembly.RuntimeError)) return error;
    this.dead = error;
    return this.deadError();
  }

  // Calls the export of `method` on the loss handle `bound` (null for pairwise/topK) with the
  // number argument `arg`, and turns a non-zero status into a typed Error.
  run(bound, method, arg) {
    let status;
    try {
      status = this.calls[method](bound, arg);
    } catch (error) {
      throw this.trapped(error);
    }
    if (status !== 0) throw this.error(status);
  }

  deadError() {
    return new Error(`cossim: the WebAssembly instance trapped (${this.dead.message}) and is unusable: ` +
      'its memory may be corrupt, so no further call can return a value. Reload the page or restart ' +
      'the process (this is a bug in cossim; please report the call that trapped).');
  }

  // ---- views ----

  // Heap views are replaced when the memory grows (the old ones detach): re-derive them then.
  refreshViews() {
    const buffer = this.memory.buffer;
    this.buffer = buffer;
    this.u8 = new Uint8Array(buffer);
    this.heap = { [this.F32]: new Float32Array(buffer), [this.F64]: new Float64Array(buffer),
      [this.I32]: new Int32Array(buffer) };
    this.io = new Int32Array(buffer, this.ioAddress, this.ioWords);
  }

  // Whether the memory grew since refreshViews(): growth replaces a (non-shared) memory's buffer
  // and detaches the old one, so the IoBlock view reads as empty. Reading a view's length is
  // inlined by the JIT; WebAssembly.Memory's buffer getter is a runtime call (~7% of a small call).
  grown() {
    return this.io.length === 0;
  }

  views() {
    if (this.grown()) this.refreshViews();
    return this;
  }

  heapBytes() {
    return this.memory.buffer.byteLength;
  }

  // A view of `length` elements of dtype code `dtype` at `address` (heap tensors).
  view(address, dtype, length) {
    if (this.dead !== null) throw this.deadError();
    return new this.arrayOf[dtype](this.views().buffer, address, length);
  }

  // The error for a failed call: the class the status code picks, the core's message.
  error(status) {
    const ErrorType = this.errorOf[status] ?? Error;
    return new ErrorType(this.lastError());
  }

  lastError() {
    return cString(this.x, this.enter(() => this.x.cossim_last_error()));
  }

  // ---- memory ----

  // A 16-byte aligned block of `bytes` bytes (heap tensors); throws a RangeError naming `what`.
  alloc(bytes, what) {
    if (bytes > MAX_BYTES) {
      throw new RangeError(`${what}: ${bytes} bytes cannot fit in the 4 GiB of WebAssembly memory`);
    }
    const address = this.enter(() => this.x.cossim_alloc(bytes) >>> 0);
    if (address === 0) throw new RangeError(`${what}: ${this.lastError()}`);
    return address;
  }

  free(address) {
    if (this.dead === null) this.enter(() => this.x.cossim_free(address));
  }

  // Room for `bytes` bytes of inputs; calls into the module only when the buffer must grow.
  stage(bytes) {
    if (bytes > this.stageBytes) {
      const address = this.enter(() => this.x.cossim_stage(bytes) >>> 0);
      if (address === 0) throw new RangeError(this.lastError());
      this.stageAddress = address;
      this.stageBytes = bytes;
    }
    return this.stageAddress;
  }

  // ---- calls ----

  // -> reduction code; throws Keras's message for an invalid key.
  parseReduction(key, flavor) {
    const bytes = utf8Encoder.encode(key);
    const at = this.stage(bytes.length + 1);
    this.views().u8.set(bytes, at);
    const code = this.enter(() => this.x.cossim_parse_reduction(at, bytes.length, flavor));
    if (code < 0) throw this.error(-code);
    return code;
  }

  // A loss configuration in the module: its handle (an address), freed with deleteLoss(). `form`:
  // the layout's form code (the loss class, or Keras's function form without the squeeze rule).
  newLoss(reductionCode, flavor, axes, form = this.layout.form.lossClass) {
    const { io } = this.views();
    io[this.w.nAxes] = axes.length;
    for (let i = 0; i < axes.length; i++) io[this.w.axes + i] = axes[i];
    const handle = this.enter(() => this.x.cossim_loss_new(reductionCode, flavor, form) >>> 0);
    if (handle === 0) throw new RangeError('CosineSimilarity: out of WebAssembly memory');
    return handle;
  }

  deleteLoss(handle) {
    if (this.dead === null) this.enter(() => this.x.cossim_loss_delete(handle));
  }

  // Where a tensor's elements are read from: { address } when they are already in the heap in
  // dtype code `dtype` (a heap tensor, or a typed-array view of this memory), else null (copy).
  inPlace(t, dtype) {
    if (t.heap !== undefined) return t.heap.dtypeCode === dtype ? t.heap.address : null;
    const d = t.data;
    if (d.buffer === this.buffer && d.constructor === this.arrayOf[dtype]) return d.byteOffset;
    return null;
  }

  // The elements of a tensor that must be copied, read afresh after staging (which may have grown
  // the memory and detached any view of it).
  source(t) {
    if (t.heap !== undefined) return t.heap.data;
    if (t.byteOffset !== undefined && t.data.buffer !== this.buffer) {
      // A view of this module's memory from before a growth: re-derive it at the same place.
      return new t.data.constructor(this.buffer, t.byteOffset, t.length);
    }
    return t.data;
  }

  // Runs `method` ('call' | 'similarity' | 'metric' | 'gradient' on the loss handle `bound`, or
  // 'pairwise' | 'topK' with `bound` null) on tensors = [yTrue, yPred, weight | null, dy | null]
  // ({ data, shape, length, heap? } from toTensor). Inputs are cast to dtype code `dtype`
  // (copied into the staging buffer), except those already in the heap in that dtype, which are
  // passed by address. `wrt` is the gradient's bit set (1: y_true, 2: y_pred); `arg` the
  // method's number argument. Throws the core's message as a typed Error.
  invoke(bound, method, tensors, dtype, wrt = 0, arg = undefined) {
    if (this.dead !== null) throw this.deadError();
    if (this.calls[method] === null) throw missingPart(`${method}()`);
    const size = dtype === this.F64 ? 8 : 4;
    const count = tensors.length;
    let total = 0;
    for (let s = 0; s < count; s++) {
      const t = tensors[s];
      if (t) {
        // A heap view's offset is remembered before staging may detach it.
        if (t.heap === undefined && t.data.buffer === this.buffer) t.byteOffset = t.data.byteOffset;
        if (this.inPlace(t, dtype) === null) total += align16(t.length * size);
      }
    }
    if (total >= MAX_BYTES) {
      throw new RangeError(`the inputs ${tensors.filter(Boolean).map((t) => `[${t.shape.join(',')}]`).join(', ')} ` +
        `need ${total} bytes as ${this.dtypeName[dtype]}, more than the 4 GiB of WebAssembly memory`);
    }
    const base = total > this.stageBytes ? this.stage(total) : this.stageAddress;
    const { io } = this.views();  // stage() may have grown the memory
    const typed = this.heap[dtype];
    let present = 0;
    let address = base;
    for (let s = 0; s < count; s++) {
      const t = tensors[s];
      if (!t) continue;
      present += this.inBit[s];
      const w = this.inAt[s];
      const at = this.inPlace(t, dtype);
      if (at !== null) {
        io[w] = at;  // in place: no copy
      } else {
        typed.set(this.source(t), address / size);  // the cast to `dtype`
        io[w] = address;
        address += align16(t.length * size);
      }
      io[w + this.w.dtype] = dtype;
      const shape = t.shape;
      io[w + this.w.rank] = shape.length;
      for (let i = 0; i < shape.length; i++) io[w + this.w.dims + i] = shape[i];
    }
    io[this.w.present] = present;
    io[this.w.wrt] = wrt;
    this.run(bound, method, arg);
  }

  // ---- the lean path of the most common calls: two vectors, nothing else ----

  // Puts two vectors in the heap as dtype code `dtype` and leaves their addresses in this.pairA
  // and this.pairB. `a`, `b`: heap tensors (used in place when their dtype is `dtype`), or JS
  // arrays / typed arrays that are not views of this module's memory (copied, cast by set()).
  stagePair(a, b, dtype, lengthA, lengthB) {
    if (this.dead !== null) throw this.deadError();
    const size = dtype === this.F64 ? 8 : 4;
    const heapA = a.dtypeCode !== undefined;  // a HeapTensor
    const heapB = b.dtypeCode !== undefined;
    const copyA = !(heapA && a.dtypeCode === dtype);
    const copyB = !(heapB && b.dtypeCode === dtype);
    const bytesA = copyA ? align16(lengthA * size) : 0;
    const total = bytesA + (copyB ? align16(lengthB * size) : 0);
    if (total >= MAX_BYTES) {
      throw new RangeError(`the inputs [${lengthA}], [${lengthB}] need ${total} bytes as ` +
        `${this.dtypeName[dtype]}, more than the 4 GiB of WebAssembly memory`);
    }
    const base = total > this.stageBytes ? this.stage(total) : this.stageAddress;
    if (this.grown()) this.refreshViews();  // stage() may grow memory
    const typed = this.heap[dtype];
    if (copyA) typed.set(heapA ? a.data : a, base / size);
    if (copyB) typed.set(heapB ? b.data : b, (base + bytesA) / size);
    this.pairA = copyA ? base : a.address;
    this.pairB = copyB ? base + bytesA : b.address;
  }

  // +cos of two Float32Arrays or two Float64Arrays of one length (`dtype` their code) that are
  // not views of this module's memory: stagePair() without its generality.
  cosineArrays(a, b, dtype) {
    if (this.dead !== null) throw this.deadError();
    const n = a.length;
    const shift = dtype === this.F64 ? 3 : 2;
    const bytes = align16(n * (1 << shift));  // < 2^33: n is a JS array length
    if (2 * bytes > this.stageBytes) {
      if (2 * bytes >= MAX_BYTES) return this.cosine(a, b, n, dtype);  // refuses it
      this.stage(2 * bytes);
    }
    if (this.grown()) this.refreshViews();
    const typed = this.heap[dtype];
    const at = this.stageAddress;
    typed.set(a, at / (1 << shift));
    typed.set(b, (at + bytes) / (1 << shift));
    try {
      return this.x.cossim_cosine(at, at + bytes, n, dtype);
    } catch (error) {
      throw this.trapped(error);
    }
  }

  // +cos of two vectors of n elements (see stagePair), as a double.
  cosine(a, b, n, dtype) {
    this.stagePair(a, b, dtype, n, n);
    try {
      return this.x.cossim_cosine(this.pairA, this.pairB, n, dtype);
    } catch (error) {
      throw this.trapped(error);
    }
  }

  // `method` of a bound loss on two rank-1 float typed arrays that passed leanArray(), cast to
  // dtype code `dtype` into the staging buffer, and nothing else: invoke() without its
  // generality. Throws the core's message as a typed Error.
  invokePair(bound, method, a, b, dtype) {
    const na = a.length;  // read now: staging may detach a view of the memory
    const nb = b.length;
    const size = dtype === this.F64 ? 8 : 4;
    const bytesA = align16(na * size);
    if (this.dead !== null || bytesA + align16(nb * size) > this.stageBytes) {
      // Staging grows, which may grow the memory and detach views of it: those (the small ones
      // leanArray() lets through) are copied first. stagePair() refuses what cannot fit, and a
      // dead instance.
      const buffer = this.views().buffer;
      this.stagePair(a.buffer === buffer ? a.slice() : a, b.buffer === buffer ? b.slice() : b,
        dtype, na, nb);
    } else {
      if (this.grown()) this.refreshViews();
      const typed = this.heap[dtype];
      typed.set(a, this.stageAddress / size);
      typed.set(b, (this.stageAddress + bytesA) / size);
    }
    const at = this.stageAddress;  // stagePair() too puts a there and b at + bytesA
    const io = this.io;
    const wa = this.inAt[0];
    const wb = this.inAt[1];
    const { dtype: wd, rank: wr, dims: wn } = this.w;
    io[wa] = at;
    io[wa + wd] = dtype;
    io[wa + wr] = 1;
    io[wa + wn] = na;
    io[wb] = at + bytesA;
    io[wb + wd] = dtype;
    io[wb + wr] = 1;
    io[wb + wn] = nb;
    io[this.w.present] = 3;
    io[this.w.wrt] = 0;
    this.run(bound, method);
  }

  // Whether x can take the lean path (invokePair): a non-empty Float32Array or Float64Array. A
  // view of this module's memory is staged like any array when it is small (reading a typed
  // array's buffer costs ~20 ns, a tenth of a small call); a large one goes to invoke(), which
  // reads it in place instead of copying it.
  leanArray(x) {
    return (x instanceof Float32Array || x instanceof Float64Array) && x.length > 0 &&
      (x.length <= LEAN_COPY_LIMIT || x.buffer !== this.buffer);
  }

  // ---- results: every output comes back through the IoBlock's out slots ----

  // Output slot at word `w` of the last call, copied out: { data, shape }, or null when the call
  // left it empty (a gradient that was not requested).
  out(w) {
    const io = this.views().io;  // computing may have grown the memory
    const address = io[w + this.w.data] >>> 0;
    if (address === 0) return null;
    const rank = io[w + this.w.rank];
    const shape = new Array(rank);
    let n = 1;
    for (let i = 0; i < rank; i++) n *= shape[i] = io[w + this.w.dims + i];
    const Array_ = this.arrayOf[io[w + this.w.dtype]];
    const first = address / Array_.BYTES_PER_ELEMENT;
    return { data: this.heap[io[w + this.w.dtype]].slice(first, first + n), shape };
  }

  // The value of the last call: { data, shape }.
  result() {
    return this.out(this.outValue);
  }

  // The value of the last call when it is a scalar (rank 0), read in place; undefined otherwise.
  scalarResult() {
    const io = this.views().io;
    const w = this.outValue;
    if (io[w + this.w.rank] !== 0) return undefined;
    const dtype = io[w + this.w.dtype];
    return this.heap[dtype][(io[w + this.w.data] >>> 0) / this.arrayOf[dtype].BYTES_PER_ELEMENT];
  }

  // The value of the last call as a short list of numbers, read in place (the metric's
  // [Δtotal, Δcount]).
  numbers() {
    const io = this.views().io;
    const w = this.outValue;
    const dtype = io[w + this.w.dtype];
    const first = (io[w + this.w.data] >>> 0) / this.arrayOf[dtype].BYTES_PER_ELEMENT;
    return Array.from(this.heap[dtype].subarray(first, first + io[w + this.w.dims]));
  }

  // The gradients of the last gradient() call: [d/dy_true | null, d/dy_pred | null].
  gradients() {
    return [this.out(this.outGrad[0]), this.out(this.outGrad[1])];
  }

  // The top-k indices of the last topK() call: { data: Int32Array, shape }.
  indices() {
    return this.out(this.outIndices);
  }

  // For benchmarks (full module): the kernel set's sum over a heap tensor's elements.
  sum(address, length, dtype) {
    return this.enter(() => this.x.cossim_sum(address, length, dtype));
  }

  trapForTesting() {
    return this.enter(() => this.x.cossim_trap_for_testing());
  }
}

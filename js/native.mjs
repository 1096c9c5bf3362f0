// The only file that touches WebAssembly memory. It stages inputs into the core's heap, writes
// their descriptors into the IoBlock (layout: cpp/bindings/io_block.h), calls the bound C++
// object, and copies the result out. Heap views are re-derived after every call that may grow
// memory (growth detaches old views).

import { missingPart } from './loader.mjs';  // [pack]

const MAX_RANK = 32;
const SLOT_WORDS = 2 + MAX_RANK;
const W_DTYPE = 0;
const W_HAS_WEIGHT = 1;
const W_TENSORS = 2;
const W_N_AXES = W_TENSORS + 3 * SLOT_WORDS;
const W_AXES = W_N_AXES + 1;
const W_OUT = W_AXES + MAX_RANK;
const W_DY = W_OUT + SLOT_WORDS;
const W_HAS_DY = W_DY + SLOT_WORDS;
const W_WRT = W_HAS_DY + 1;
const W_GRAD_TRUE = W_WRT + 1;
const W_GRAD_PRED = W_GRAD_TRUE + 1;
const W_OUT_INDICES = W_GRAD_PRED + 1;
const IO_WORDS = W_OUT_INDICES + 1;
// Where each input tensor's descriptor goes: y_true, y_pred, sample_weight, dy.
const SLOT_AT = [W_TENSORS, W_TENSORS + SLOT_WORDS, W_TENSORS + 2 * SLOT_WORDS, W_DY];

export const DTYPE_F32 = 0;
export const DTYPE_F64 = 1;
const DTYPE_NAMES = ['float32', 'float64'];

// Sizes may exceed 2^31, so no bitwise ops.
const align16 = (n) => (n % 16 === 0 ? n : n + 16 - (n % 16));

export class Native {
  constructor(module, backend) {
    this.module = module;
    this.backend = backend;
    this.ioAddress = module.ioBlock();
    this.metricAddress = module.metricUpdate();
    this.stageAddress = 0;  // the staging buffer only moves when it grows
    this.stageBytes = 0;
    this.refreshViews();
  }

  // Heap views are replaced when the memory grows (the old ones detach): re-derive them then.
  refreshViews() {
    const buffer = this.module.HEAPU8.buffer;
    this.buffer = buffer;
    this.heap = [new Float32Array(buffer), new Float64Array(buffer)];
    this.io = new Int32Array(buffer, this.ioAddress, IO_WORDS);
  }

  views() {
    if (this.module.HEAPU8.buffer !== this.buffer) this.refreshViews();
    return this;
  }

  heapBytes() {
    return this.module.HEAPU8.buffer.byteLength;
  }

  fail(ErrorType = Error) {
    return new ErrorType(this.module.lastError());
  }

  // -> reduction code; throws Keras's message for an invalid key.
  parseReduction(key, flavor) {
    const code = this.module.parseReduction(key, flavor);
    if (code < 0) throw this.fail(Error);
    return code;
  }

  newLoss(reductionCode, flavor, axes) {
    const { io } = this.views();
    io[W_N_AXES] = axes.length;
    for (let i = 0; i < axes.length; i++) io[W_AXES + i] = axes[i];
    return new this.module.CosineSimilarity(reductionCode, flavor);
  }

  // Room for `bytes` bytes of inputs; calls into the module only when the buffer must grow.
  stage(bytes) {
    if (bytes > this.stageBytes) {
      const address = this.module.stage(bytes);
      if (address === 0) throw this.fail(RangeError);
      this.stageAddress = address;
      this.stageBytes = bytes;
    }
    return this.stageAddress;
  }

  // Runs `method` ('call' | 'similarity' | 'metric' | 'gradient') of a bound C++
  // CosineSimilarity on tensors = [yTrue, yPred, weight | null, dy | null] ({ data, shape, heap? }
  // from toTensor); `wrt` is the gradient's bit set (1: y_true, 2: y_pred). Inputs are
  // staged into the heap and cast to `dtype` here, except heap tensors of that dtype, which are
  // passed by address. Throws the core's message on error.
  invoke(bound, method, tensors, dtype, wrt = 0, arg = undefined) {
    // [pack] a method of the full module that this core module does not have (see loader.mjs).
    if (typeof bound[method] !== 'function') throw missingPart(`${method}()`);
    const size = dtype === DTYPE_F64 ? 8 : 4;
    const dtypeName = DTYPE_NAMES[dtype];
    const count = tensors.length;
    let total = 0;
    for (let s = 0; s < count; s++) {
      const t = tensors[s];
      if (t && (t.heap === undefined || t.heap.dtype !== dtypeName)) total += align16(t.data.length * size);
    }
    const base = total > this.stageBytes ? this.stage(total) : this.stageAddress;
    if (this.module.HEAPU8.buffer !== this.buffer) this.refreshViews();  // stage() may grow memory
    const io = this.io;
    const typed = this.heap[dtype];
    io[W_DTYPE] = dtype;
    io[W_HAS_WEIGHT] = tensors[2] ? 1 : 0;
    io[W_HAS_DY] = count > 3 && tensors[3] ? 1 : 0;
    io[W_WRT] = wrt;
    let address = base;
    for (let s = 0; s < count; s++) {
      const t = tensors[s];
      if (!t) continue;
      const w = SLOT_AT[s];
      if (t.heap !== undefined && t.heap.dtype === dtypeName) {
        io[w] = t.heap.address;  // in place: no copy
      } else {
        // A heap tensor's own view may have been detached by stage(): read it afresh.
        typed.set(t.heap ? t.heap.data : t.data, address / size);  // the cast to `dtype`
        io[w] = address;
        address += align16(t.data.length * size);
      }
      const shape = t.shape;
      io[w + 1] = shape.length;
      for (let i = 0; i < shape.length; i++) io[w + 2 + i] = shape[i];
    }
    const status = arg === undefined ? bound[method]() : bound[method](arg);  // Embind checks arity
    if (status !== 0) throw this.fail(Error);
  }

  // The result of the last call, copied out: { data: Float32Array | Float64Array, shape }.
  result(dtype) {
    const out = this.views().io;  // computing may have grown the memory
    const rank = out[W_OUT + 1];
    const shape = new Array(rank);
    let n = 1;
    for (let i = 0; i < rank; i++) n *= shape[i] = out[W_OUT + 2 + i];
    const first = (out[W_OUT] >>> 0) / (dtype === DTYPE_F64 ? 8 : 4);
    return { data: this.heap[dtype].slice(first, first + n), shape };
  }

  run(bound, method, tensors, dtype) {
    this.invoke(bound, method, tensors, dtype);
    return this.result(dtype);
  }

  // Top-k row indices of the last topK() call, copied out (`n` of them).
  indices(n) {
    const io = this.views().io;
    const first = (io[W_OUT_INDICES] >>> 0) / 4;
    return new Int32Array(this.buffer, 0).slice(first, first + n);
  }

  // The last call's result when it is a scalar (rank 0), read in place; undefined otherwise.
  scalarResult(dtype) {
    const io = this.views().io;  // computing may have grown the memory
    if (io[W_OUT + 1] !== 0) return undefined;
    return this.heap[dtype][(io[W_OUT] >>> 0) / (dtype === DTYPE_F64 ? 8 : 4)];
  }

  // The gradients of the last gradient() call, copied out: [d/dy_true | null, d/dy_pred | null],
  // each with the length of its input.
  gradients(lengths, dtype) {
    const io = this.views().io;
    const heap = this.heap[dtype];
    const size = dtype === DTYPE_F64 ? 8 : 4;
    return [W_GRAD_TRUE, W_GRAD_PRED].map((word, i) => {
      if (lengths[i] === null) return null;
      const first = (io[word] >>> 0) / size;
      return heap.slice(first, first + lengths[i]);
    });
  }

  // The metric's (Δtotal, Δcount) from the last metric() call.
  metricUpdate() {
    const f64 = this.views().heap[DTYPE_F64];
    const at = this.metricAddress / 8;
    return [f64[at], f64[at + 1]];
  }
}

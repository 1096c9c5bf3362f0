// The only file that touches WebAssembly memory. It stages inputs into the core's heap, writes
// their descriptors into the IoBlock (layout: cpp/bindings/io_block.h), calls the bound C++
// object, and copies the result out. Heap views are re-derived after every call that may grow
// memory (growth detaches old views).

const MAX_RANK = 32;
const SLOT_WORDS = 2 + MAX_RANK;
const W_DTYPE = 0;
const W_HAS_WEIGHT = 1;
const W_TENSORS = 2;
const W_N_AXES = W_TENSORS + 3 * SLOT_WORDS;
const W_AXES = W_N_AXES + 1;
const W_OUT = W_AXES + MAX_RANK;
const IO_WORDS = W_OUT + SLOT_WORDS;

export const DTYPE_F32 = 0;
export const DTYPE_F64 = 1;
const ARRAY_OF = [Float32Array, Float64Array];

const align16 = (n) => (n + 15) & ~15;

export class Native {
  constructor(module, backend) {
    this.module = module;
    this.backend = backend;
    this.ioAddress = module.ioBlock();
  }

  heapBytes() {
    return this.module.HEAPU8.buffer.byteLength;
  }

  io() {
    return new Int32Array(this.module.HEAPU8.buffer, this.ioAddress, IO_WORDS);
  }

  fail(ErrorType = Error) {
    return new ErrorType(this.module.lastError());
  }

  // -> reduction code; throws Keras's message for an invalid key.
  parseReduction(key) {
    const code = this.module.parseReduction(key);
    if (code < 0) throw this.fail(Error);
    return code;
  }

  newLoss(reductionCode, axes) {
    const io = this.io();
    io[W_N_AXES] = axes.length;
    for (let i = 0; i < axes.length; i++) io[W_AXES + i] = axes[i];
    return new this.module.CosineSimilarity(reductionCode);
  }

  // tensors: [yTrue, yPred, weight | null] as { data, shape }, cast here to `dtype`.
  // Returns { data: Float32Array | Float64Array (a copy), shape }.
  callLoss(loss, tensors, dtype) {
    const Arr = ARRAY_OF[dtype];
    const size = Arr.BYTES_PER_ELEMENT;
    const offsets = [];
    let total = 0;
    for (const t of tensors) {
      offsets.push(total);
      if (t) total += align16(t.data.length * size);
    }
    const base = this.module.stage(total);
    if (base === 0) throw this.fail(RangeError);
    const buffer = this.module.HEAPU8.buffer;  // after stage(): memory may have grown
    const io = new Int32Array(buffer, this.ioAddress, IO_WORDS);
    io[W_DTYPE] = dtype;
    io[W_HAS_WEIGHT] = tensors[2] ? 1 : 0;
    for (let s = 0; s < 3; s++) {
      const t = tensors[s];
      if (!t) continue;
      const address = base + offsets[s];
      new Arr(buffer, address, t.data.length).set(t.data);  // the cast to the computation dtype
      const w = W_TENSORS + s * SLOT_WORDS;
      io[w] = address;
      io[w + 1] = t.shape.length;
      for (let i = 0; i < t.shape.length; i++) io[w + 2 + i] = t.shape[i];
    }
    if (loss.call() !== 0) throw this.fail(Error);
    const out = this.io();  // results may have grown memory too
    const rank = out[W_OUT + 1];
    const shape = Array.from(out.subarray(W_OUT + 2, W_OUT + 2 + rank));
    let n = 1;
    for (const d of shape) n *= d;
    const data = new Arr(this.module.HEAPU8.buffer, out[W_OUT] >>> 0, n).slice();
    return { data, shape };
  }
}

// Heap tensors: tensors that live in WebAssembly memory, filled once by the user and passed to
// any call without a copy. `data` is re-derived on every access (memory growth replaces the
// buffer). dispose() frees the memory; a FinalizationRegistry frees forgotten ones eventually.
import { shapeString } from './tensor.mjs';

const DTYPES = { float32: Float32Array, float64: Float64Array };
const MAX_DIM = 2 ** 31 - 1;

let native = null;
export function bindHeap(n) {
  native = n;
}

const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((address) => native?.module.free(address))
  : null;

export class HeapTensor {
  constructor(shape, dtype) {
    // Frozen: the allocation's size is fixed, so its shape is too.
    Object.defineProperty(this, 'shape', { value: Object.freeze(shape), enumerable: true });
    Object.defineProperty(this, 'dtype', { value: dtype, enumerable: true });
    this.length = shape.reduce((a, d) => a * d, 1);
    const bytes = this.length * DTYPES[dtype].BYTES_PER_ELEMENT;
    this.address = native.module.alloc(bytes);
    if (this.address === 0) {
      throw new RangeError(`alloc(${shapeString(shape)}, '${dtype}'): out of WebAssembly memory (${bytes} bytes)`);
    }
    this.view = null;
    registry?.register(this, this.address, this);
  }

  get data() {
    if (this.address === 0) throw new Error(`heap tensor ${shapeString(this.shape)} ${this.dtype} was disposed`);
    const buffer = native.module.HEAPU8.buffer;
    if (this.view === null || this.view.buffer !== buffer) {
      this.view = new DTYPES[this.dtype](buffer, this.address, this.length);
    }
    return this.view;
  }

  get disposed() {
    return this.address === 0;
  }

  dispose() {
    if (this.address === 0) return;
    registry?.unregister(this);
    native.module.free(this.address);
    this.address = 0;
    this.view = null;
  }
}

// alloc(shape, dtype = 'float32') -> HeapTensor (contents are unspecified until filled).
export function alloc(shape, dtype = 'float32') {
  if (!native) throw new Error('cossim: alloc() needs the WebAssembly module: await ready() first');
  if (!(dtype in DTYPES)) throw new TypeError(`alloc(): dtype must be 'float32' or 'float64'; got ${String(dtype)}`);
  if (typeof shape === 'number') shape = [shape];
  if (!Array.isArray(shape) || shape.length > 32 ||
      !shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0 && d <= MAX_DIM)) {
    throw new RangeError(`alloc(): shape must be an array of at most 32 non-negative integer dims; got ${
      Array.isArray(shape) ? `[${shape.join(',')}]` : String(shape)}`);
  }
  return new HeapTensor([...shape], dtype);
}

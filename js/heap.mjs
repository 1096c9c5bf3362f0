// Heap tensors: tensors that live in WebAssembly memory, filled once by the user and passed to
// any call without a copy.
//
// Lifetime: `data` is a view re-derived on every access (memory growth replaces the buffer), and
// every view handed out holds a reference to its tensor, so while a view is reachable its tensor
// is too and the FinalizationRegistry cannot free the block under it. dispose() frees the block
// explicitly: views obtained before it must not be used afterwards (the block may be reused).
import { describe, shapeString } from './format.mjs';
import { loadedNative, native } from './state.mjs';

const ELEMENT_BYTES = { float32: 4, float64: 8 };
const MAX_DIM = 2 ** 31 - 1;
const OWNER = Symbol('cossim.heapTensor');  // view -> its tensor (keeps the tensor alive)

const registry = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry((address) => loadedNative()?.free(address))
  : null;

export class HeapTensor {
  #address;
  #view = null;

  constructor(shape, dtype) {
    const n = native('alloc()');
    // Frozen: the allocation's size is fixed, so its shape is too.
    Object.defineProperty(this, 'shape', { value: Object.freeze(shape), enumerable: true });
    Object.defineProperty(this, 'dtype', { value: dtype, enumerable: true });
    Object.defineProperty(this, 'length', { value: shape.reduce((a, d) => a * d, 1), enumerable: true });
    Object.defineProperty(this, 'dtypeCode', { value: dtype === 'float64' ? n.F64 : n.F32 });
    const bytes = this.length * ELEMENT_BYTES[dtype];
    this.#address = n.alloc(bytes, `alloc(${shapeString(shape)}, '${dtype}')`);
    registry?.register(this, this.#address, this);
  }

  // The block's address in WebAssembly memory (read-only; 0 once disposed).
  get address() {
    return this.#address;
  }

  get data() {
    if (this.#address === 0) throw new Error(`heap tensor ${shapeString(this.shape)} ${this.dtype} was disposed`);
    const n = native('a heap tensor');
    const view = this.#view;
    if (n.dead !== null || view === null || view.buffer !== n.views().buffer) {
      this.#view = n.view(this.#address, this.dtypeCode, this.length);  // throws once trapped
      Object.defineProperty(this.#view, OWNER, { value: this });
    }
    return this.#view;
  }

  get disposed() {
    return this.#address === 0;
  }

  dispose() {
    if (this.#address === 0) return;
    registry?.unregister(this);
    loadedNative()?.free(this.#address);
    this.#address = 0;
    this.#view = null;
  }
}

// alloc(shape, dtype = 'float32') -> HeapTensor (contents are unspecified until filled).
export function alloc(shape, dtype = 'float32') {
  native('alloc()');
  if (typeof dtype !== 'string' || !Object.hasOwn(ELEMENT_BYTES, dtype)) {
    throw new TypeError(`alloc(): dtype must be 'float32' or 'float64'; got ${describe(dtype)}`);
  }
  if (typeof shape === 'number') shape = [shape];
  if (!Array.isArray(shape)) {
    throw new TypeError(`alloc(): shape must be an array of non-negative integers; got ${describe(shape)}`);
  }
  if (!shape.every((d) => typeof d === 'number')) {
    throw new TypeError(`alloc(): shape must be an array of numbers; got ${shapeString(shape)}`);
  }
  if (shape.length > 32 || !shape.every((d) => Number.isInteger(d) && d >= 0 && d <= MAX_DIM)) {
    throw new RangeError(`alloc(): shape must be an array of at most 32 integer dims in [0, ${MAX_DIM}]; ` +
      `got ${shapeString(shape)}`);
  }
  const length = shape.reduce((a, d) => a * d, 1);
  const bytes = length * ELEMENT_BYTES[dtype];
  if (bytes >= 2 ** 32) {
    throw new RangeError(`alloc(${shapeString(shape)}, '${dtype}'): ${bytes} bytes cannot fit in the ` +
      '4 GiB of WebAssembly memory');
  }
  return new HeapTensor([...shape], dtype);
}

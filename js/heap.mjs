// Heap tensors: tensors that live in WebAssembly memory, filled once by the user and passed to
// any call without a copy.
//
// Lifetime: `data` is a view re-derived on every access (memory growth replaces the buffer), and
// every view handed out holds a reference to its tensor, so while a view is reachable its tensor
// is too and the FinalizationRegistry cannot free the block under it. dispose() frees the block
// explicitly: views obtained before it must not be used afterwards (the block may be reused).
//
// Compact tables ('float16', 'bfloat16', 'int8'; README "Compact tables"): the block's layout
// (the elements, then per-row factors and int8 scales) belongs to the C++ core, so such a tensor
// has no `data` view: it is filled with set()/setRows() (rounding or quantising in C++) and read
// back with toFloat32(). It is accepted by similarity(), topK() and pairwise() as the table.
import { describe, shapeString } from './format.mjs';
import { full, loadedNative, native } from './state.mjs';

const ELEMENT_BYTES = { float32: 4, float64: 8, float16: 2, bfloat16: 2, int8: 1 };
const COMPACT = new Set(['float16', 'bfloat16', 'int8']);
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
    const compact = COMPACT.has(dtype);
    const code = compact ? n.compactCode[dtype] : dtype === 'float64' ? n.F64 : n.F32;
    Object.defineProperty(this, 'dtypeCode', { value: code });
    Object.defineProperty(this, 'compact', { value: compact });
    // Rows along the last axis (int8 quantises each row with its own scale).
    const d = shape.length === 0 ? 1 : shape[shape.length - 1];
    Object.defineProperty(this, 'rowLength', { value: d });
    Object.defineProperty(this, 'rows', { value: d === 0 ? shape.slice(0, -1).reduce((a, x) => a * x, 1) : this.length / d });
    const what = `alloc(${shapeString(shape)}, '${dtype}')`;
    const part = compact ? full(what) : null;  // the compact tables are in the full part
    const bytes = compact ? part.compactBytes(n, this.rows, d, code, what) : this.length * ELEMENT_BYTES[dtype];
    this.#address = n.alloc(bytes, what);
    registry?.register(this, this.#address, this);
    if (compact) part.zero(n, this.#address, bytes);  // zero rows (score 0) until filled
  }

  #live(what) {
    if (this.#address === 0) throw new Error(`${what}: heap tensor ${shapeString(this.shape)} ${this.dtype} was disposed`);
    return native(what);
  }

  // Fills the whole tensor from `values` (Float32Array, Float64Array or an array of numbers, one
  // per element, row-major). float32/float64: a plain cast (JS rounding to nearest even). float16/
  // bfloat16: rounded to nearest even from the given precision; int8: symmetric per-row
  // quantisation along the last axis (scale = max|x| / 127, q = round(x / scale)). For the
  // compact dtypes NaN, Inf and values beyond the format's range are refused with a RangeError
  // naming the element's index (rows before that one may already be written). Returns this.
  set(values) {
    this.#fill(values, 0, 'set()');
    if (values.length !== this.length) {
      throw new RangeError(`set(): the tensor ${shapeString(this.shape)} has ${this.length} elements but ` +
        `the values have ${values.length}`);
    }
    return this.#write(values, 0, this.rows);
  }

  // Fills rows [firstRow, firstRow + values.length / rowLength) (rows along the last axis), as
  // set() does; for tables too large to pass at once. Returns this.
  setRows(firstRow, values) {
    this.#fill(values, firstRow, 'setRows()');
    const d = this.rowLength;
    const count = d === 0 ? 0 : values.length / d;
    if (!Number.isInteger(count) || firstRow + count > this.rows) {
      throw new RangeError(`setRows(): ${values.length} values are not a whole number of rows of ${d} ` +
        `that fit from row ${firstRow} of ${this.rows}`);
    }
    return this.#write(values, firstRow, count);
  }

  #fill(values, firstRow, what) {
    this.#live(what);
    if (!(values instanceof Float32Array || values instanceof Float64Array || Array.isArray(values))) {
      throw new TypeError(`${what}: values must be a Float32Array, a Float64Array or an array of numbers; got ${describe(values)}`);
    }
    if (Array.isArray(values)) {
      for (let i = 0; i < values.length; i++) {
        if (typeof values[i] !== 'number') throw new TypeError(`${what}: values[${i}] is ${describe(values[i])}, not a number`);
      }
    }
    if (!Number.isInteger(firstRow) || firstRow < 0 || firstRow > this.rows) {
      throw new RangeError(`${what}: first row ${describe(firstRow)} is not a row index in [0, ${this.rows}]`);
    }
  }

  #write(values, firstRow, count) {
    const n = native('set()');
    if (!this.compact) {
      this.data.set(values, firstRow * this.rowLength);
    } else {
      full('set()').compactEncode(n, this, values, firstRow, count);
    }
    return this;
  }

  // The values as a new Float32Array (float16/bfloat16 exactly; int8 dequantised: q * scale;
  // float64 rounded to float32).
  toFloat32() {
    const n = this.#live('toFloat32()');
    if (!this.compact) return new Float32Array(this.data);
    return full('toFloat32()').compactDecode(n, this, 0, this.rows);
  }

  // The block's address in WebAssembly memory (read-only; 0 once disposed).
  get address() {
    return this.#address;
  }

  get data() {
    if (this.compact) {
      throw new TypeError(`heap tensor ${shapeString(this.shape)} ${this.dtype} is a compact table: only ` +
        'similarity(), topK() and pairwise() take it (as the table, the second operand); loss, metric, ' +
        'gradient and cosine() take float32/float64 only. Fill it with set(), read it with toFloat32()');
    }
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

// Whether x is a compact table (a float16/bfloat16/int8 heap tensor).
export function isCompact(x) {
  return x instanceof HeapTensor && x.compact;
}

// alloc(shape, dtype = 'float32') -> HeapTensor (contents are unspecified until filled).
export function alloc(shape, dtype = 'float32') {
  native('alloc()');
  if (typeof dtype !== 'string' || !Object.hasOwn(ELEMENT_BYTES, dtype)) {
    throw new TypeError(`alloc(): dtype must be 'float32', 'float64', 'float16', 'bfloat16' or 'int8'; got ${describe(dtype)}`);
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

// Tensor-likes in, { data, shape } out. This file only converts and checks the *form* of inputs
// (kinds, raggedness, data/shape agreement); every rule about shapes versus each other (axes,
// squeezing, broadcasting, weights) lives in the C++ core.

import { describe, shapeString } from './format.mjs';
import { HeapTensor } from './heap.mjs';

export { describe, shapeString };

const MAX_DIM = 2 ** 31 - 1;  // dims travel as int32 into WebAssembly (whose memory is < 4 GiB)
const MAX_RANK = 32;          // the core's kMaxRank (checked against the module's layout at load)

export function isNumericTypedArray(x) {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

// A view whose buffer was detached (transferred, or WebAssembly memory that grew since) reads as
// empty: refuse it rather than compute on no data. Only empty views can be detached.
export function checkAttached(data, what) {
  if (data.length !== 0) return;
  try {
    new Uint8Array(data.buffer, 0, 0);
  } catch {
    throw new TypeError(`${what}: the ${data.constructor.name}'s ArrayBuffer is detached (transferred, ` +
      'or a view of WebAssembly memory from before it grew): take a fresh view');
  }
}

export function checkNotBigInt(data, what) {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new TypeError(`${what}: ${data.constructor.name} is not supported (BigInt data); ` +
      'convert it to a Float32Array or Float64Array');
  }
}

function checkShape(shape, what) {
  if (!Array.isArray(shape) && !isNumericTypedArray(shape)) {
    throw new TypeError(`${what}: shape must be an array of non-negative integers; got ${describe(shape)}`);
  }
  if (shape.length > MAX_RANK) {
    throw new RangeError(`${what}: rank ${shape.length} exceeds the supported maximum of ${MAX_RANK}`);
  }
  const out = new Array(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new (typeof d === 'number' ? RangeError : TypeError)(`${what}: shape ${shapeString(shape)} has an ` +
        `invalid dimension ${describe(d)} at index ${i} (dimensions are non-negative integers)`);
    }
    if (d > MAX_DIM) {
      throw new RangeError(`${what}: dimension ${d} at index ${i} exceeds ${MAX_DIM}`);
    }
    out[i] = d;
  }
  return out;
}

export function checkNumberArray(data, what) {
  for (let i = 0; i < data.length; i++) {
    if (typeof data[i] !== 'number') {
      throw new TypeError(`${what}: data[${i}] is ${describe(data[i])}, not a number`);
    }
  }
}

function numElements(shape) {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function fromDataAndShape(data, shape, what) {
  if (isNumericTypedArray(data)) {
    checkNotBigInt(data, what);
    checkAttached(data, what);
  } else if (Array.isArray(data)) {
    checkNumberArray(data, what);
  } else {
    throw new TypeError(`${what}: data must be a typed array or an array of numbers; got ${describe(data)}`);
  }
  const dims = checkShape(shape, what);
  const n = numElements(dims);
  if (n !== data.length) {
    throw new RangeError(`${what}: shape ${shapeString(dims)} has ${n} elements but data has ${data.length}`);
  }
  return { data, shape: dims, length: n };
}

function fromNested(array, what) {
  const shape = [];
  for (let cur = array; Array.isArray(cur); cur = cur[0]) {
    shape.push(cur.length);
    if (cur.length === 0) break;
  }
  if (shape.length > MAX_RANK) {
    throw new RangeError(`${what}: nesting depth ${shape.length} exceeds the supported maximum of ${MAX_RANK}`);
  }
  const data = new Array(numElements(shape));
  let k = 0;
  const walk = (node, depth, path) => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        throw new TypeError(`${what}: element at [${path.join(',')}] is ${describe(node)}, not a number` +
          (Array.isArray(node) ? ' (ragged nested array)' : ''));
      }
      data[k++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new RangeError(`${what}: ragged nested array: expected ${shape[depth]} elements at ` +
        `[${path.join(',')}] (shape ${shapeString(shape)} from the first elements) but found ` +
        (Array.isArray(node) ? `${node.length}` : describe(node)));
    }
    for (let i = 0; i < node.length; i++) {
      path.push(i);
      walk(node[i], depth + 1, path);
      path.pop();
    }
  };
  walk(array, 0, []);
  return { data, shape, length: data.length };
}

// Any tensor-like -> { data: TypedArray | number[], shape: number[], heap?: HeapTensor }; `what`
// names the argument in error messages. A heap tensor keeps a reference so that callers can pass
// its address instead of copying it.
export function toTensor(x, what) {
  if (typeof x === 'number') return { data: [x], shape: [], length: 1 };
  if (x instanceof HeapTensor) {
    if (x.disposed) throw new Error(`${what}: heap tensor ${shapeString(x.shape)} ${x.dtype} was disposed`);
    // No view is taken here: staging may grow the memory; native.mjs reads the tensor afresh.
    return { data: null, shape: x.shape, length: x.length, heap: x };
  }
  if (isNumericTypedArray(x)) {
    checkNotBigInt(x, what);
    checkAttached(x, what);
    return { data: x, shape: [x.length], length: x.length };
  }
  if (Array.isArray(x)) return fromNested(x, what);
  if (x !== null && typeof x === 'object') {
    if (typeof x.dataSync === 'function' && x.shape !== undefined) {  // a TF.js tensor
      return fromDataAndShape(x.dataSync(), x.shape, what);
    }
    if ('data' in x && 'shape' in x) return fromDataAndShape(x.data, x.shape, what);
  }
  throw new TypeError(`${what} must be a number, a nested number array, a typed array, ` +
    `{ data, shape } or a TF.js tensor; got ${describe(x)}`);
}

// Public: builds a validated { data, shape } tensor-like.
export function tensor(data, shape) {
  if (shape === undefined) return toTensor(data, 'tensor()');
  return fromDataAndShape(data, shape, 'tensor()');
}

// The one dtype rule of every entry point (README "Dtypes"): an explicit dtype option wins; else
// the computation runs in float64 when the second operand (y_pred, b, the table) is float64 — a
// Float64Array or a float64 heap tensor — and in float32 otherwise, as Keras casts y_true to
// y_pred's dtype. `second` is a toTensor() record or a raw Float32Array/Float64Array (the lean
// path); `n` is the Native (for the codes). A compact table (float16/bfloat16/int8 heap tensor)
// as the second operand decides too: float32 results, the query read in its own precision
// (search.mjs queryDtype); it never reaches this function.
export function computationDtype(n, explicitCode, second) {
  if (explicitCode !== undefined) return explicitCode;
  if (second instanceof Float32Array) return n.F32;  // the common case, without two property misses
  const f64 = second instanceof Float64Array ||
    (second.heap !== undefined ? second.heap.dtype === 'float64' : second.data instanceof Float64Array);
  return f64 ? n.F64 : n.F32;
}

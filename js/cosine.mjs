// cosine(a, b): +cos of two vectors as a JS number — the call most users make most often, on the
// lean path (no shape planning: two vectors have no shape rules to apply).
import { describe, shapeString } from './format.mjs';
import { HeapTensor } from './heap.mjs';
import { native } from './state.mjs';
import { checkAttached, checkNotBigInt, checkNumberArray, isNumericTypedArray } from './tensor.mjs';

// -> [source for Native.cosine, length, float32?] for one operand; `what` names it in messages.
function vector(n, x, what) {
  if (x instanceof HeapTensor) {
    if (x.disposed) throw new Error(`cosine(): ${what} (heap tensor ${shapeString(x.shape)}) was disposed`);
    if (x.shape.length !== 1) {
      throw new RangeError(`cosine(): ${what} must be a vector; got a heap tensor of shape ${shapeString(x.shape)}`);
    }
    return [x, x.length, x.dtype === 'float32'];
  }
  if (isNumericTypedArray(x)) {
    checkNotBigInt(x, `cosine(): ${what}`);
    checkAttached(x, `cosine(): ${what}`);
    // A view of the module's own memory could detach while staging grows it: copy it first.
    return [x.buffer === n.buffer ? x.slice() : x, x.length, x instanceof Float32Array];
  }
  if (Array.isArray(x)) {
    checkNumberArray(x, `cosine(): ${what}`);
    return [x, x.length, false];
  }
  throw new TypeError(`cosine(): ${what} must be a typed array, an array of numbers or a rank-1 heap ` +
    `tensor; got ${describe(x)}`);
}

// +cos(a, b) with Keras's normalisation (the 1e-12 floor on each sum of squares: a zero vector
// gives 0). Computed by the float32 kernels when both are float32 (Float32Array or float32 heap
// tensors), in float64 otherwise; returned unrounded.
export function cosine(a, b) {
  const n = native('cosine()');
  // The common case first, with only the checks it needs (detached views have length 0).
  if (a.constructor === b.constructor && (a instanceof Float32Array || a instanceof Float64Array) &&
      a.length === b.length && a.length > 0 && a.buffer !== n.buffer && b.buffer !== n.buffer) {
    return n.cosineArrays(a, b, a instanceof Float32Array ? n.F32 : n.F64);
  }
  const [sa, la, fa] = vector(n, a, 'a');
  const [sb, lb, fb] = vector(n, b, 'b');
  if (la !== lb) {
    throw new RangeError(`cosine(): a has ${la} elements and b has ${lb}: the vectors must have equal lengths`);
  }
  return n.cosine(sa, sb, la, fa && fb ? n.F32 : n.F64);
}

// pairwise(A, B) and topK(query, X, k): +cos of many rows against many rows, from the C++ search
// core (cpp/include/cossim/search.h). float64 when either input is float64, float32 otherwise.
import { DTYPE_F32, DTYPE_F64 } from './native.mjs';
import { describe, toTensor } from './tensor.mjs';

let native = null;
export function bindSearch(n) {
  native = n;
}

function requireNative(what) {
  if (!native) throw new Error(`cossim: ${what} needs the WebAssembly module: await ready() first`);
  return native;
}

const dtypeOf = (...tensors) =>
  tensors.some((t) => t.data instanceof Float64Array) ? DTYPE_F64 : DTYPE_F32;

// [m,d] x [n,d] -> { data, shape: [m, n] } of +cos (Keras's normalisation: zero rows give 0).
export function pairwise(a, b) {
  const n = requireNative('pairwise()');
  const ta = toTensor(a, 'pairwise(): a');
  const tb = toTensor(b, 'pairwise(): b');
  const dtype = dtypeOf(ta, tb);
  return n.run(n.module, 'pairwise', [ta, tb, null], dtype);
}

// query [d] or [q,d] against the rows of table [n,d] -> the k' = min(k, n) highest +cos per query,
// sorted descending, ties by lower row index, NaN scores last:
// { indices: Int32Array, values, shape: [k'] or [q, k'] }.
export function topK(query, table, k) {
  const n = requireNative('topK()');
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) {
    throw new TypeError(`topK(): k must be a non-negative integer; got ${describe(k)}`);
  }
  const tq = toTensor(query, 'topK(): query');
  const tt = toTensor(table, 'topK(): table');
  const dtype = dtypeOf(tq, tt);
  n.invoke(n.module, 'topK', [tq, tt, null], dtype, 0, k);
  const { data: values, shape } = n.result(dtype);
  return { indices: n.indices(values.length), values, shape };
}

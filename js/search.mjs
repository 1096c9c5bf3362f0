// pairwise(A, B) and topK(query, X, k): +cos of many rows against many rows, from the C++ search
// core (cpp/include/cossim/search.h). The dtype rule is every entry point's (tensor.mjs): the
// second operand (B, the table) decides. A compact table (a float16/bfloat16/int8 heap tensor,
// cpp/include/cossim/compact.h) decides too: the results are float32, and the query is read in
// its own precision (float64 for a Float64Array or float64 heap tensor, float32 otherwise) and
// rounded once to the kernel's query format in C++.
import { describe } from './format.mjs';
import { isCompact } from './heap.mjs';
import { invokeCompact } from './native-compact.mjs';
import { native } from './state.mjs';
import { computationDtype, toTensor } from './tensor.mjs';

// [m,d] x [n,d] -> { data, shape: [m, n] } of +cos (Keras's normalisation: zero rows give 0).
export function pairwise(a, b) {
  const n = native('pairwise()');
  const ta = toTensor(a, 'pairwise(): a');
  const tb = toTensor(b, 'pairwise(): b');
  if (isCompact(b)) {
    invokeCompact(n, 'compactPairwise', ta, b, queryDtype(n, ta));
    return n.result();
  }
  n.invoke(null, 'pairwise', [ta, tb], computationDtype(n, undefined, tb));
  return n.result();
}

// query [d] or [q,d] against the rows of table [n,d] -> the k' = min(k, n) highest +cos per query,
// sorted descending, ties by lower row index, NaN scores last:
// { indices: Int32Array, values, shape: [k'] or [q, k'] }.
export function topK(query, table, k) {
  const n = native('topK()');
  if (typeof k !== 'number' || !Number.isInteger(k) || k < 0) {
    throw new TypeError(`topK(): k must be a non-negative integer; got ${describe(k)}`);
  }
  if (k > 2 ** 31 - 1) {
    throw new RangeError(`topK(): k = ${k} exceeds the largest table (2147483647 rows)`);
  }
  const tq = toTensor(query, 'topK(): query');
  const tt = toTensor(table, 'topK(): table');
  if (isCompact(table)) {
    invokeCompact(n, 'compactTopK', tq, table, queryDtype(n, tq), k);
  } else {
    n.invoke(null, 'topK', [tq, tt], computationDtype(n, undefined, tt), 0, k);
  }
  const { data: values, shape } = n.result();
  return { indices: n.indices().data, values, shape };
}

// ---- compact tables ----

// The query's own precision against a compact table (see the top of this file).
function queryDtype(n, t) {
  const f64 = t.heap !== undefined ? t.heap.dtype === 'float64' : t.data instanceof Float64Array || Array.isArray(t.data);
  return f64 ? n.F64 : n.F32;
}

// similarity(a, X) with a compact table X [n,d]: a [d] or [1,d] -> [n] (a against every row), or
// a [n,d] -> [n] (row-paired); float32 values. Only the last axis.
export function compactSimilarity(a, table, axis) {
  const n = native('similarity()');
  if (axis !== -1 && axis !== table.shape.length - 1) {
    throw new RangeError(`similarity(): a compact table is compared along its last axis; got axis ${describe(axis)}`);
  }
  const ta = toTensor(a, 'a');
  invokeCompact(n, 'compactSimilarity', ta, table, queryDtype(n, ta));
  return n.result();
}

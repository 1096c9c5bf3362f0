// pairwise(A, B) and topK(query, X, k): +cos of many rows against many rows, from the C++ search
// core (cpp/include/cossim/search.h). The dtype rule is every entry point's (tensor.mjs): the
// second operand (B, the table) decides.
import { describe } from './format.mjs';
import { native } from './state.mjs';
import { computationDtype, toTensor } from './tensor.mjs';

// [m,d] x [n,d] -> { data, shape: [m, n] } of +cos (Keras's normalisation: zero rows give 0).
export function pairwise(a, b) {
  const n = native('pairwise()');
  const ta = toTensor(a, 'pairwise(): a');
  const tb = toTensor(b, 'pairwise(): b');
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
  n.invoke(null, 'topK', [tq, tt], computationDtype(n, undefined, tt), 0, k);
  const { data: values, shape } = n.result();
  return { indices: n.indices().data, values, shape };
}

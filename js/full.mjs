// The full part's JavaScript: what only the full module can run (pairwise, topK, compact tables,
// the TF.js adapters, the benchmarks' sum). ready({ full: true }) imports it with the full
// module; index.mjs's functions of the same names reach it through state.mjs's full(), so the
// default download (entry, ready(), one loss call) carries none of it.
import { HeapTensor } from './heap.mjs';
import { native } from './state.mjs';

export { compactSimilarity, pairwise, topK } from './search.mjs';
export { tfjsLoss, tfjsMetric } from './tfjs.mjs';
export { compactBytes, compactDecode, compactEncode, zero } from './native-compact.mjs';

// internal.sum(heapTensor): the benchmarks' read-bandwidth probe (the float32 sum kernel is in the
// full module only).
export function sum(heapTensor) {
  if (!(heapTensor instanceof HeapTensor)) {
    throw new TypeError('internal.sum() takes a heap tensor from alloc()');
  }
  if (heapTensor.disposed) throw new Error('internal.sum(): the heap tensor was disposed');
  return native('internal.sum()').sum(heapTensor.address, heapTensor.length, heapTensor.dtypeCode);
}

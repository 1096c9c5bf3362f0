// cossim: Keras's CosineSimilarity loss, computed by a C++ core compiled to WebAssembly.
// Public entry point; see README.md for the API.
import { load } from './loader.mjs';
import { Native } from './native.mjs';
import { bindNative, CosineSimilarity, Reduction, cosineSimilarity } from './losses.mjs';
import { alloc, bindHeap, HeapTensor } from './heap.mjs';
import { bindSimilarity, similarity } from './similarity.mjs';
import { bindSearch, pairwise, topK } from './search.mjs';
export { metrics } from './metrics.mjs';
export { tfjsLoss } from './tfjs.mjs';

export { tensor } from './tensor.mjs';
export { CosineSimilarity, Reduction, alloc, HeapTensor, similarity, pairwise, topK };
export const losses = Object.freeze({ CosineSimilarity, cosineSimilarity });

let native = null;

// Loads the WebAssembly once (idempotent); every other call is synchronous after it resolves.
// options: { backend: 'simd' | 'scalar' | 'auto', full: boolean, wasmBinary, locateFile }
export async function ready(options) {
  const { module, backend } = await load(options ?? {});  // checks a conflicting { full }
  if (!native) {
    native = new Native(module, backend);
    bindNative(native);
    bindHeap(native);
    bindSimilarity(native);
    bindSearch(native);
  }
}

function requireNative(what) {
  if (!native) throw new Error(`cossim: ${what} needs the WebAssembly module: await ready() first`);
  return native;
}

// 'simd' or 'scalar': which WebAssembly build is running.
export function backend() {
  return requireNative('backend()').backend;
}

// The current size of the WebAssembly memory in bytes (grows, never shrinks).
export function heapBytes() {
  return requireNative('heapBytes()').heapBytes();
}

// For benchmarks: the read-bandwidth roofline, a SIMD128 sum over a heap tensor's bytes inside
// the same module.
export const internal = Object.freeze({
  sum(heapTensor) {
    if (!(heapTensor instanceof HeapTensor)) {
      throw new TypeError('internal.sum() takes a heap tensor from alloc()');
    }
    if (heapTensor.disposed) throw new Error('internal.sum(): the heap tensor was disposed');
    return requireNative('internal.sum()').module.sum(heapTensor.address, heapTensor.length,
      heapTensor.dtype === 'float64' ? 1 : 0);
  },
});

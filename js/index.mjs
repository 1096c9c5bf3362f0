// cossim: Keras's CosineSimilarity loss, computed by a C++ core compiled to WebAssembly.
// Public entry point; see README.md for the API.
import { load } from './loader.mjs';
import { CosineSimilarity, Reduction, cosineSimilarity } from './losses.mjs';
import { alloc, HeapTensor } from './heap.mjs';
import { similarity } from './similarity.mjs';
import { cosine } from './cosine.mjs';
import { full, loadedNative, native, setFull, setNative } from './state.mjs';
export { metrics } from './metrics.mjs';

export { tensor } from './tensor.mjs';
export { CosineSimilarity, Reduction, alloc, HeapTensor, cosine, similarity };
export const losses = Object.freeze({ CosineSimilarity, cosineSimilarity });

// The full part (full.mjs; README, "Two parts"), synchronous once ready({ full: true }) resolved.
export function pairwise(a, b) {
  return full('pairwise()').pairwise(a, b);
}
export function topK(query, table, k) {
  return full('topK()').topK(query, table, k);
}
export function tfjsLoss(tf, options) {
  return full('tfjsLoss()').tfjsLoss(tf, options);
}
export function tfjsMetric(tf, options) {
  return full('tfjsMetric()').tfjsMetric(tf, options);
}

// Loads the WebAssembly once; every other call is synchronous after it resolves. A later call
// returns at once, but one that asks for another backend than the loaded one throws (the module
// cannot be swapped: heap tensors live in its memory).
// options: { backend: 'simd' | 'scalar' | 'auto', full: boolean, wasmBinary, locateFile }
export async function ready(options) {
  const loaded = await load(options ?? {});
  // The full part's JavaScript comes with the full module (the import is cached after the first).
  if (loaded.full) setFull(await import('./full.mjs'));
  if (loadedNative() === null) setNative(loaded);
  const asked = options?.backend;
  if (asked !== undefined && asked !== null && asked !== 'auto' && asked !== loaded.backend) {
    throw new Error(`ready(): the ${loaded.backend} build is already loaded; ready({ backend: '${String(asked)}' }) ` +
      'cannot swap it (heap tensors live in its memory): choose the backend in the first ready() call');
  }
}

// 'simd' or 'scalar': which WebAssembly build is running.
export function backend() {
  return native('backend()').backend;
}

// The current size of the WebAssembly memory in bytes (grows, never shrinks).
export function heapBytes() {
  return native('heapBytes()').heapBytes();
}

export const internal = Object.freeze({
  // For benchmarks: the read-bandwidth roofline, the kernel set's sum over a heap tensor's bytes
  // inside the same module.
  sum(heapTensor) {
    return full('internal.sum()').sum(heapTensor);
  },
  // For tests of the trap guard: makes the instance trap; every later call then throws.
  trapForTesting() {
    return native('internal.trapForTesting()').trapForTesting();
  },
});

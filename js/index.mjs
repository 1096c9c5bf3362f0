// cossim: Keras's CosineSimilarity loss, computed by a C++ core compiled to WebAssembly.
// Public entry point; see README.md for the API.
import { load } from './loader.mjs';
import { Native } from './native.mjs';
import { bindNative, CosineSimilarity, Reduction, cosineSimilarity } from './losses.mjs';

export { tensor } from './tensor.mjs';
export { CosineSimilarity, Reduction };
export const losses = Object.freeze({ CosineSimilarity, cosineSimilarity });

let native = null;

// Loads the WebAssembly once (idempotent); every other call is synchronous after it resolves.
// options: { backend: 'simd' | 'scalar' | 'auto', wasmBinary, locateFile }
export async function ready(options) {
  if (native) return;
  const { module, backend } = await load(options ?? {});
  if (!native) {
    native = new Native(module, backend);
    bindNative(native);
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

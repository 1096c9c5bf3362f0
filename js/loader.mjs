// Loads one of the two WebAssembly builds, once. SIMD128 when the engine validates a tiny SIMD
// module, the scalar build otherwise (a module containing SIMD opcodes does not even validate on
// an engine without them, so the choice has to be made between two files, before loading).

// (func (result v128) i32.const 0 i32x4.splat)
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 17, 11,
]);

export function simdSupported() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

const isNode =
  typeof process === 'object' && process !== null && typeof process.versions?.node === 'string' &&
  typeof window === 'undefined';

let loading = null;  // Promise<{ module, backend }>

async function instantiate(backend, options) {
  // Static specifiers so that bundlers see (and copy) both builds.
  const glue = backend === 'simd'
    ? await import('../dist/cossim_simd.mjs')
    : await import('../dist/cossim_scalar.mjs');
  const wasmName = backend === 'simd' ? 'cossim_simd.wasm' : 'cossim_scalar.wasm';
  const settings = {};
  if (options.wasmBinary) {
    settings.wasmBinary = options.wasmBinary;
  } else if (isNode) {
    // Emscripten 3.1.6's web loader would fetch() a file path in Node: hand it the bytes instead.
    const fs = await import(/* @vite-ignore */ 'node:fs/promises');
    settings.wasmBinary = await fs.readFile(new URL(`../dist/${wasmName}`, import.meta.url));
  } else {
    settings.locateFile = options.locateFile ??
      ((name) => new URL(`../dist/${name}`, import.meta.url).href);
  }
  return glue.default(settings);
}

// options.backend: 'simd' | 'scalar' | undefined (auto). Later calls return the first load.
export function load(options = {}) {
  if (loading) return loading;
  let backend = options.backend;
  if (backend === undefined || backend === null || backend === 'auto') {
    backend = simdSupported() ? 'simd' : 'scalar';
  } else if (backend !== 'simd' && backend !== 'scalar') {
    return Promise.reject(new TypeError(
      `ready(): backend must be 'simd', 'scalar' or 'auto'; got ${String(backend)}`));
  }
  if (backend === 'simd' && !simdSupported()) {
    return Promise.reject(new Error('ready(): this engine does not support WebAssembly SIMD128; use the scalar backend'));
  }
  loading = instantiate(backend, options).then(
    (module) => ({ module, backend }),
    (error) => {
      loading = null;  // let a later ready() try again
      throw error;
    });
  return loading;
}

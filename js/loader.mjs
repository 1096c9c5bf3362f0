// Loads one WebAssembly module, once, and only that module's .wasm is ever downloaded:
//  * the build: SIMD128 when the engine validates a tiny SIMD module, scalar otherwise (a module
//    with SIMD opcodes does not even validate without them, so the choice is made before loading);
//  * the part: the core module (loss, similarity, metric) by default, the full one (plus gradient,
//    pairwise, topK) with ready({ full: true }). There is one memory, so the first ready() decides.
//
// Every .wasm is named by a literal `new URL('../dist/<file>', import.meta.url)`: bundlers (Vite,
// webpack, esbuild's file loader) copy exactly those files, and Vite's dependency optimizer
// rewrites literal URLs when it moves this file into node_modules/.vite/deps.
//
// There is no Emscripten JS glue: the modules are standalone WebAssembly (-sSTANDALONE_WASM,
// CMakeLists.txt) whose only imports are the two functions below, instantiated here. Memory
// growth needs no notification (js/native.mjs re-derives its views when the old ones detach), and
// the C library's exit (an abort) becomes a trap, which marks the instance unusable.
import { Native } from './native.mjs';

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

// Literal URLs, one per build, so that bundlers see each file by name.
const BUILDS = {
  simd: { file: 'cossim_simd.wasm', url: () => new URL('../dist/cossim_simd.wasm', import.meta.url) },
  scalar: { file: 'cossim_scalar.wasm', url: () => new URL('../dist/cossim_scalar.wasm', import.meta.url) },
  full_simd: { file: 'cossim_full_simd.wasm', url: () => new URL('../dist/cossim_full_simd.wasm', import.meta.url) },
  full_scalar: {
    file: 'cossim_full_scalar.wasm', url: () => new URL('../dist/cossim_full_scalar.wasm', import.meta.url),
  },
};

// The URL next to this file, or null when there is none (a CommonJS bundle has no import.meta).
function urlOf(build) {
  try {
    return build.url();
  } catch {
    return null;
  }
}

async function fetchInBrowser(url, imports) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`cossim: fetching ${url} failed (HTTP ${response.status}); serve ` +
      "node_modules/cossim/dist/*.wasm and pass ready({ locateFile: (file) => '<its URL>' })");
  }
  // Streaming compilation needs the application/wasm type; fall back to the bytes otherwise.
  if (typeof WebAssembly.instantiateStreaming === 'function' &&
      response.headers.get('content-type')?.split(';')[0].trim() === 'application/wasm') {
    return WebAssembly.instantiateStreaming(response, imports);
  }
  return WebAssembly.instantiate(await response.arrayBuffer(), imports);
}

const IMPORTS = {
  env: { emscripten_notify_memory_growth() {} },
  wasi_snapshot_preview1: {
    proc_exit(code) {
      throw new WebAssembly.RuntimeError(`cossim: the module called exit(${code}) (an abort)`);
    },
  },
};

// -> the Native (native.mjs) of build `key`'s instance, its static constructors run.
async function instantiate(key, options) {
  const build = BUILDS[key];
  let source;  // bytes or a URL
  if (options.wasmBinary) {
    source = options.wasmBinary;
  } else if (options.locateFile) {
    source = String(options.locateFile(build.file, ''));
    // Node's fetch() reads no files: a path or a file: URL is read by node.mjs.
    if (isNode && !/^https?:/.test(source)) source = await (await import('./node.mjs')).readPath(source);
  } else if (isNode) {
    source = await (await import('./node.mjs')).readInNode(build, urlOf(build));
  } else {
    source = urlOf(build);
    if (source === null) throw new Error(`cossim: no URL for ${build.file}: pass ready({ locateFile })`);
  }
  // A failure here (a LinkError, a missing export, another module's identity) usually means that
  // wasmBinary or locateFile gave the bytes of another module.
  const wrong = (why, cause) => new Error(`cossim: instantiating ${build.file} failed (${why}); with ` +
    `wasmBinary or locateFile, pass the bytes of ${build.file}`, { cause });
  let instance;
  try {
    instance = (typeof source === 'string' || source instanceof URL
      ? await fetchInBrowser(source, IMPORTS) : await WebAssembly.instantiate(source, IMPORTS)).instance;
  } catch (error) {
    throw error instanceof Error && error.message.startsWith('cossim:') ? error : wrong(error?.message, error);
  }
  const { exports } = instance;
  if (typeof exports._initialize !== 'function' || typeof exports.cossim_layout !== 'function' ||
      !(exports.memory instanceof WebAssembly.Memory)) {
    throw wrong('the bytes are not a cossim module');
  }
  exports._initialize();  // the C++ static constructors
  const native = new Native(exports, key.endsWith('simd') ? 'simd' : 'scalar', key.startsWith('full_'));
  if (native.layout.module !== `cossim-module:${key};`) throw wrong(`the bytes are ${native.layout.module}`);
  return native;
}

let loading = null;  // Promise<Native>
let loadedFull = false;

function describeLoaded() {
  return loadedFull ? 'the full module' : 'the core module (loss, similarity, metric)';
}

// options.backend: 'simd' | 'scalar' | undefined (auto); options.full: load gradient, pairwise and
// topK too. Later calls return the first load; asking for the full module after the core one
// was loaded throws (the modules share nothing and the first one holds every heap tensor).
export function load(options = {}) {
  const full = options.full === true;
  if (options.full !== undefined && typeof options.full !== 'boolean') {
    return Promise.reject(new TypeError(`ready(): full must be a boolean; got ${String(options.full)}`));
  }
  if (loading) {
    if (full && !loadedFull) {
      return Promise.reject(new Error('cossim: ready({ full: true }) after ready() loaded ' +
        `${describeLoaded()}; the module cannot be swapped: pass { full: true } to the first ready()`));
    }
    return loading;
  }
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
  loadedFull = full;
  loading = instantiate(full ? `full_${backend}` : backend, options).catch(
    (error) => {
      loading = null;  // let a later ready() try again
      loadedFull = false;
      throw error;
    });
  return loading;
}

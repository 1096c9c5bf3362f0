// Loads one WebAssembly module, once, and only that module's .wasm is ever downloaded:
//  * the build: SIMD128 when the engine validates a tiny SIMD module, scalar otherwise (a module
//    with SIMD opcodes does not even validate without them, so the choice is made before loading);
//  * the part: the core module (loss, similarity, metric) by default, the full one (plus gradient,
//    pairwise, topK) with ready({ full: true }). There is one memory, so the first ready() decides.
//
// Every .wasm is named by a literal `new URL('../dist/<file>', import.meta.url)`: bundlers (Vite,
// webpack, esbuild's file loader) copy exactly those files, and Vite's dependency optimizer
// rewrites literal URLs when it moves this file into node_modules/.vite/deps. The glue's own
// lookup is bypassed (instantiateWasm), so the glue may be moved or bundled freely.

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

// Static specifiers and literal URLs, one per build, so that bundlers see each file by name.
const BUILDS = {
  simd: {
    file: 'cossim_simd.wasm',
    glue: () => import('../dist/cossim_simd.mjs'),
    url: () => new URL('../dist/cossim_simd.wasm', import.meta.url),
  },
  scalar: {
    file: 'cossim_scalar.wasm',
    glue: () => import('../dist/cossim_scalar.mjs'),
    url: () => new URL('../dist/cossim_scalar.wasm', import.meta.url),
  },
  full_simd: {
    file: 'cossim_full_simd.wasm',
    glue: () => import('../dist/cossim_full_simd.mjs'),
    url: () => new URL('../dist/cossim_full_simd.wasm', import.meta.url),
  },
  full_scalar: {
    file: 'cossim_full_scalar.wasm',
    glue: () => import('../dist/cossim_full_scalar.mjs'),
    url: () => new URL('../dist/cossim_full_scalar.wasm', import.meta.url),
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

// Node: the bytes of the .wasm. Next to this file first; then the installed package as the
// application's entry script (or the working directory) resolves it, which finds the file when a
// bundler (esbuild --platform=node, webpack target node) moved the JS away from node_modules.
async function readInNode(build) {
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
  const tried = [];
  const here = urlOf(build);
  if (here !== null && here.protocol === 'file:') {
    try {
      return await fs.readFile(here);
    } catch (error) {
      if (error?.code !== 'ENOENT') throw error;
      tried.push(here.pathname);
    }
  }
  const { createRequire } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:module');
  const bases = [process.argv[1], `${process.cwd()}/index.js`].filter((b) => typeof b === 'string');
  for (const base of bases) {
    try {
      const file = createRequire(base).resolve(`cossim/wasm/${build.file}`);
      return await fs.readFile(file);
    } catch {
      tried.push(`cossim/wasm/${build.file} from ${base}`);
    }
  }
  throw new Error(`cossim: cannot find ${build.file} (tried ${tried.join(', ')}). If a bundler ` +
    `moved cossim's JavaScript, pass the bytes: ready({ wasmBinary: fs.readFileSync(` +
    `'node_modules/cossim/dist/${build.file}') }), or copy node_modules/cossim/dist/*.wasm next ` +
    'to the bundle');
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

// Whether the bytes of a .wasm contain the identity string of build `key` (exports.cc).
function carriesId(binary, key) {
  const bytes = binary instanceof ArrayBuffer ? new Uint8Array(binary)
    : new Uint8Array(binary.buffer, binary.byteOffset, binary.byteLength);
  const id = new TextEncoder().encode(`cossim-module:${key};`);
  for (let i = bytes.indexOf(id[0]); i >= 0 && i + id.length <= bytes.length; i = bytes.indexOf(id[0], i + 1)) {
    let j = 1;
    while (j < id.length && bytes[i + j] === id[j]) j++;
    if (j === id.length) return true;
  }
  return false;
}

async function instantiate(key, options) {
  const build = BUILDS[key];
  const glue = await build.glue();
  let source;  // bytes or a URL
  if (options.wasmBinary) {
    source = options.wasmBinary;
  } else if (options.locateFile) {
    source = String(options.locateFile(build.file, ''));
    if (isNode && !/^https?:/.test(source)) {
      // Node's fetch() reads no files: a path or a file: URL is read here.
      const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
      source = await fs.readFile(source.startsWith('file:') ? new URL(source) : source);
    }
  } else if (isNode) {
    source = await readInNode(build);
  } else {
    source = urlOf(build);
    if (source === null) throw new Error(`cossim: no URL for ${build.file}: pass ready({ locateFile })`);
  }
  // The glue binds the module's exports by their minified names, so another module's bytes would
  // run the wrong functions: a wasmBinary must carry this build's identity (exports.cc).
  if (options.wasmBinary && !carriesId(options.wasmBinary, key)) {
    throw new Error(`cossim: instantiating ${build.file} failed (the bytes given as wasmBinary are ` +
      `not that module's); with wasmBinary, pass the bytes of ${build.file}`);
  }
  return glue.default({
    // Given so that the glue skips its own new URL(…, import.meta.url), which throws where
    // import.meta is empty (CommonJS bundles); instantiateWasm below does the loading.
    locateFile: (file) => file,
    // Our own instantiation: one code path for bytes and URLs, and errors that name the file.
    instantiateWasm(imports, done) {
      const started = typeof source === 'string' || source instanceof URL
        ? fetchInBrowser(source, imports)
        : WebAssembly.instantiate(source, imports);
      // A failure here (a LinkError, or an abort while the module starts) usually means that
      // wasmBinary holds the bytes of another of the four modules.
      const failed = (error) => glueFailed(error instanceof Error && !error.message.startsWith('cossim:')
        ? new Error(`cossim: instantiating ${build.file} failed (${error.message}); with wasmBinary, ` +
          `pass the bytes of ${build.file}`, { cause: error })
        : error);
      started.then((r) => {
        try {
          done(r.instance, r.module);
        } catch (error) {
          failed(error);
        }
      }, failed);
      return {};
    },
  });
}

// instantiateWasm cannot reject the glue's promise (it would wait forever): load() races it
// against this one.
let rejectPending = null;
function glueFailed(error) {
  rejectPending?.(error);
}

let loading = null;  // Promise<{ module, backend, full }>
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
  const failed = new Promise((_, reject) => { rejectPending = reject; });
  loading = Promise.race([instantiate(full ? `full_${backend}` : backend, options), failed]).then(
    (module) => ({ module, backend, full }),
    (error) => {
      loading = null;  // let a later ready() try again
      loadedFull = false;
      throw error;
    });
  return loading;
}

// Which ready() option loads the part that has `what`; used in "not loaded" errors.
export function missingPart(what) {
  return new Error(`cossim: ${what} is in the full module, which this page did not load: ` +
    `call ready({ full: true }) (at the first ready(); now loaded: ${describeLoaded()})`);
}

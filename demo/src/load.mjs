// The one place where the demo loads cossim, so that packaging changes touch only this file.
// The page (through its import map) and the benchmark Workers (which have no import map) import
// the package entry the way a user imports 'cossim', then call ready() with the build the URL asks
// for: ?backend=simd | scalar (default: auto, SIMD128 where the engine has it).
// In the page, 'cossim' resolves through the import map in demo/index.html; Workers get the same
// file by URL.
const ENTRY = typeof document === 'undefined' ? new URL('../../js/index.mjs', import.meta.url).href : 'cossim';

// 'simd' | 'scalar' | undefined (auto) from a query string such as location.search.
export function backendFromQuery(search) {
  const b = new URLSearchParams(search).get('backend');
  return b === 'simd' || b === 'scalar' ? b : undefined;
}

// Loads the package and its WebAssembly; resolves to the module namespace (what `import * as
// cossim from 'cossim'` gives). Every panel needs the whole API (gradients, pairwise, topK): any
// ready() option that packaging adds for those belongs in this call.
export async function loadCossim(backend) {
  const cossim = await import(ENTRY);
  await cossim.ready({ backend, full: true });  // gradients, pairwise and topK: the full module
  return cossim;
}

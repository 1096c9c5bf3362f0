// The one module state: the loaded WebAssembly instance (a Native from native.mjs), set once by
// ready() in index.mjs. Every entry point reaches the module through native().
let current = null;

export function setNative(n) {
  current = n;
}

export function loadedNative() {
  return current;
}

// The Native, or an Error naming the call that needs it.
export function native(what) {
  if (current === null) throw new Error(`cossim: ${what} needs the WebAssembly module: await ready() first`);
  return current;
}

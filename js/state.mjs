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

// The Error for `what` when it is in the full module and the core module was loaded: it names
// the ready() option that loads it.
export function missingPart(what) {
  return new Error(`cossim: ${what} is in the full module, which this page did not load: ` +
    'call ready({ full: true }) (at the first ready(); now loaded: ' +
    `${current?.full ? 'the full module' : 'the core module (loss, similarity, metric)'})`);
}

// The full part's JavaScript (full.mjs), set by ready({ full: true }) with the full module.
let fullPart = null;

export function setFull(part) {
  fullPart = part;
}

// The full part, or an Error naming `what` and the ready() option that loads it.
export function full(what) {
  native(what);
  if (fullPart === null) throw missingPart(what);
  return fullPart;
}

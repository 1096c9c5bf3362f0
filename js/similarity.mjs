// similarity(a, b, { axis }): +cos per sample with the loss's rules (the 'none' loss negated,
// without weights), through the same C++ core.
import { DTYPE_F32, DTYPE_F64 } from './native.mjs';
import { nativeKey, nativeLoss, normalizeAxis } from './losses.mjs';
import { describe, toTensor } from './tensor.mjs';

let native = null;
export function bindSimilarity(n) {
  native = n;
}

const REDUCTION_NONE = 1;  // cossim::Reduction::kNone

export function similarity(a, b, options = {}) {
  if (!native) throw new Error('cossim: similarity() needs the WebAssembly module: await ready() first');
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`similarity(): options must be an object; got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (key !== 'axis') throw new TypeError(`similarity(): unknown option '${key}' (expected axis)`);
  }
  const axes = normalizeAxis(options.axis ?? -1);
  const t = toTensor(a, 'a');
  const p = toTensor(b, 'b');
  const dtype = p.data instanceof Float64Array ? DTYPE_F64 : DTYPE_F32;
  const bound = nativeLoss(nativeKey(REDUCTION_NONE, 0, axes), REDUCTION_NONE, 0, axes);
  return native.run(bound, 'similarity', [t, p, null], dtype);
}

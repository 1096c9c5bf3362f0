// similarity(a, b, { axis }): +cos per sample with the loss's rules (the 'none' loss negated,
// without weights), through the same C++ core.
import { checkOptions, normalizeAxis, unreducedLoss } from './losses.mjs';
import { isCompact } from './heap.mjs';
import { full, native } from './state.mjs';
import { computationDtype, toTensor } from './tensor.mjs';

export function similarity(a, b, options) {
  const n = native('similarity()');
  const { axis = -1 } = checkOptions(options, ['axis'], 'similarity()');
  if (isCompact(b)) return full('similarity() of a compact table').compactSimilarity(a, b, axis);  // a float16/bfloat16/int8 table
  const axes = normalizeAxis(axis, 'similarity()');
  const bound = unreducedLoss(n, 'keras2', axes);
  if (n.leanArray(a) && n.leanArray(b)) {
    n.invokePair(bound, 'similarity', a, b, computationDtype(n, undefined, b));
  } else {
    const p = toTensor(b, 'b');
    n.invoke(bound, 'similarity', [toTensor(a, 'a'), p], computationDtype(n, undefined, p));
  }
  return n.result();
}

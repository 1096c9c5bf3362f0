// The full part's JavaScript: what only the full module can run (pairwise, topK, compact tables,
// the TF.js adapters). ready({ full: true }) imports it with the full module; index.mjs's
// functions of the same names reach it through state.mjs's full(), so the default download
// (entry, ready(), one loss call) carries none of it.
export { compactSimilarity, pairwise, topK } from './search.mjs';
export { tfjsLoss, tfjsMetric } from './tfjs.mjs';
export { compactBytes, compactDecode, compactEncode, zero } from './native-compact.mjs';

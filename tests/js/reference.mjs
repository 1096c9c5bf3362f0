// Independent float64 reference implementation of Keras 2.9's
// tf.keras.losses.CosineSimilarity (see /work/shared/keras-semantics.md).
//
// Written for clarity, not speed, and never calls cossim. It follows the Keras
// source literally:
//   1. squeeze rule (§2.2): if rank(yPred) = rank(yTrue)+1 and yPred's last dim
//      is 1, squeeze yPred; otherwise if rank(yTrue) = rank(yPred)+1 and
//      yTrue's last dim is 1, squeeze yTrue. Nothing is ever expanded.
//   2. t = l2_normalize(yTrue, axis), p = l2_normalize(yPred, axis), each over
//      its OWN resolved axes: x * 1/sqrt(max(sum(x^2), eps)), eps = 1e-12
//      (Math.fround(1e-12) for float32 computation).
//   3. loss = -reduce_sum(t * p, axis): NumPy broadcasting of the product, axis
//      resolved against the broadcast rank.
//   4. sample weight (§3): None -> 1; rank adjustment (squeeze last dim if
//      rank(w) = rank(loss)+1, raising if it is not 1; expand_dims(w, -1) if
//      rank(loss) = rank(w)+1; scalar untouched); weighted = loss * w with
//      ordinary broadcasting (the result may be bigger than the loss).
//   5. reduction (§4): 'none' -> weighted tensor; 'sum' -> sum;
//      'sum_over_batch_size' and 'auto' -> sum / numel(weighted) (0 if empty).
//
// Float32 computation is modelled by rounding every input (y_true, y_pred,
// weights) with Math.fround and using eps = Math.fround(1e-12); the arithmetic
// itself stays in float64 (cossim accumulates in float64 and rounds once).
//
// Errors are RefError instances with .kind in {'axis', 'broadcast', 'squeeze',
// 'reduction'} and .expect = a substring the implementation's message must
// contain.

export const EPS64 = 1e-12;
export const EPS32 = Math.fround(1e-12);
export const REDUCTIONS = ['auto', 'none', 'sum', 'sum_over_batch_size'];

export class RefError extends Error {
  constructor(kind, message, expect) {
    super(message);
    this.name = 'RefError';
    this.kind = kind;
    this.expect = expect ?? message;
  }
}

// ---------------------------------------------------------------- tensors --

export function numel(shape) {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function fmtShape(shape) {
  return '[' + shape.join(',') + ']';
}

function rowMajorStrides(shape) {
  const s = new Array(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

// Multi-index of flat position `flat` in `shape` (row-major).
function unravel(flat, shape) {
  const idx = new Array(shape.length);
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i];
    idx[i] = d === 0 ? 0 : flat % d;
    flat = d === 0 ? 0 : Math.floor(flat / d);
  }
  return idx;
}

function ravel(idx, shape) {
  const st = rowMajorStrides(shape);
  let f = 0;
  for (let i = 0; i < idx.length; i++) f += idx[i] * st[i];
  return f;
}

function inferNestedShape(x) {
  const shape = [];
  let cur = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flattenNested(x, shape, depth, out) {
  if (depth === shape.length) {
    if (typeof x !== 'number') throw new TypeError('reference: non-number leaf');
    out.push(x);
    return;
  }
  if (!Array.isArray(x) || x.length !== shape[depth]) {
    throw new TypeError('reference: ragged nested array');
  }
  for (const e of x) flattenNested(e, shape, depth + 1, out);
}

/**
 * Converts any tensor-like accepted by cossim into a reference tensor
 * { data: Float64Array, shape: number[] } (values converted exactly).
 */
export function asTensor(x) {
  if (typeof x === 'number') return { data: Float64Array.of(x), shape: [] };
  if (Array.isArray(x)) {
    const shape = inferNestedShape(x);
    const out = [];
    flattenNested(x, shape, 0, out);
    return { data: Float64Array.from(out), shape };
  }
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    return { data: Float64Array.from(x, Number), shape: [x.length] };
  }
  if (x && typeof x === 'object' && typeof x.dataSync === 'function') {
    return { data: Float64Array.from(x.dataSync(), Number), shape: [...x.shape] };
  }
  if (x && typeof x === 'object' && 'data' in x && 'shape' in x) {
    const data = Array.isArray(x.data) ? x.data : Array.from(x.data, Number);
    if (data.length !== numel(x.shape)) throw new TypeError('reference: data/shape mismatch');
    return { data: Float64Array.from(data), shape: [...x.shape] };
  }
  throw new TypeError('reference: not a tensor-like');
}

export function float32ify(t) {
  if (typeof t === 'number') return Math.fround(t);
  const r = asTensor(t);
  return { data: r.data.map(Math.fround), shape: r.shape };
}

function squeezeLast(t) {
  return { data: t.data, shape: t.shape.slice(0, -1) };
}

function expandLast(t) {
  return { data: t.data, shape: [...t.shape, 1] };
}

// ------------------------------------------------------------------- axes --

/** Resolves `axis` (int or int[]) against `rank`, like TF's ReductionHelper. */
export function resolveAxes(axis, rank) {
  const list = Array.isArray(axis) ? axis : [axis];
  const out = [];
  for (const a of list) {
    if (!Number.isInteger(a)) throw new TypeError(`reference: axis must be an integer, got ${a}`);
    if (a < -rank || a >= rank) {
      throw new RefError(
        'axis',
        `Invalid reduction dimension (${a} for input with ${rank} dimension(s)`,
        'Invalid reduction dimension',
      );
    }
    const r = a < 0 ? a + rank : a;
    if (out.includes(r)) {
      throw new RefError(
        'axis',
        `Invalid reduction arguments: Axes contains duplicate dimension: ${r}`,
        'duplicate',
      );
    }
    out.push(r);
  }
  return out;
}

// Sum over the resolved `axes`; keepdims keeps them as size-1 dims.
// Every output starts at +0 and adds its elements in row-major order
// (so an all-zero sum is +0, as in Eigen's SumReducer).
function reduceSum(t, axes, keepdims) {
  const keptShape = t.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const out = new Float64Array(numel(keptShape)); // all +0
  const n = t.data.length;
  for (let f = 0; f < n; f++) {
    const idx = unravel(f, t.shape);
    for (const a of axes) idx[a] = 0;
    out[ravel(idx, keptShape)] += t.data[f];
  }
  const shape = keepdims ? keptShape : t.shape.filter((_, i) => !axes.includes(i));
  return { data: out, shape };
}

/** tf.linalg.l2_normalize(x, axis, epsilon): x * 1/sqrt(max(sum(x^2, axis), eps)). */
export function l2Normalize(t, axis, eps) {
  const axes = resolveAxes(axis, t.shape.length);
  const sq = { data: t.data.map((v) => v * v), shape: t.shape };
  const ss = reduceSum(sq, axes, true);
  const out = new Float64Array(t.data.length);
  for (let f = 0; f < t.data.length; f++) {
    const idx = unravel(f, t.shape);
    for (const a of axes) idx[a] = 0;
    const s = ss.data[ravel(idx, ss.shape)];
    // Math.max propagates NaN, like TF's Maximum.
    const scale = 1 / Math.sqrt(Math.max(s, eps));
    out[f] = t.data[f] * scale;
  }
  return { data: out, shape: t.shape };
}

// -------------------------------------------------------------- broadcast --

/** NumPy broadcasting of two shapes; throws RefError('broadcast') like TF's BinaryOpShared. */
export function broadcastShapes(a, b) {
  const r = Math.max(a.length, b.length);
  const out = new Array(r);
  for (let i = 0; i < r; i++) {
    const da = i < r - a.length ? 1 : a[i - (r - a.length)];
    const db = i < r - b.length ? 1 : b[i - (r - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else {
      const msg = `Incompatible shapes: ${fmtShape(a)} vs. ${fmtShape(b)}`;
      throw new RefError('broadcast', msg, msg);
    }
  }
  return out;
}

function broadcastMul(a, b) {
  const shape = broadcastShapes(a.shape, b.shape);
  const r = shape.length;
  const out = new Float64Array(numel(shape));
  for (let f = 0; f < out.length; f++) {
    const idx = unravel(f, shape);
    const ia = a.shape.map((d, i) => (d === 1 ? 0 : idx[i + r - a.shape.length]));
    const ib = b.shape.map((d, i) => (d === 1 ? 0 : idx[i + r - b.shape.length]));
    out[f] = a.data[ravel(ia, a.shape)] * b.data[ravel(ib, b.shape)];
  }
  return { data: out, shape };
}

// ------------------------------------------------------------------- loss --

function prepare(x, dtype) {
  const t = asTensor(x);
  return dtype === 'float32' ? { data: t.data.map(Math.fround), shape: t.shape } : t;
}

/**
 * The §2.2 squeeze rule followed by keras.losses.cosine_similarity.
 * Returns the per-sample loss tensor { data: Float64Array, shape }.
 */
export function refPerSample({ yTrue, yPred, axis = -1, dtype = 'float64', squeeze = true }) {
  let t = prepare(yTrue, dtype);
  let p = prepare(yPred, dtype);
  const eps = dtype === 'float32' ? EPS32 : EPS64;
  if (squeeze) {
    const rt = t.shape.length;
    const rp = p.shape.length;
    if (rp === rt + 1 && p.shape[rp - 1] === 1) p = squeezeLast(p);
    else if (rt === rp + 1 && t.shape[rt - 1] === 1) t = squeezeLast(t);
  }
  const tn = l2Normalize(t, axis, eps);
  const pn = l2Normalize(p, axis, eps);
  const prod = broadcastMul(tn, pn);
  const axes = resolveAxes(axis, prod.shape.length);
  const s = reduceSum(prod, axes, false);
  return { data: s.data.map((v) => -v), shape: s.shape };
}

/** ReductionV2.validate. */
export function validateReduction(reduction) {
  if (!REDUCTIONS.includes(reduction)) {
    const msg =
      `Invalid Reduction Key: ${reduction}. Expected keys are ` +
      `"('auto', 'none', 'sum', 'sum_over_batch_size')"`;
    throw new RefError('reduction', msg, msg);
  }
}

/**
 * Keras 2.9's weight rank adjustment (squeeze_or_expand_dimensions(values, None, w)) against
 * values of rank `rank`: a scalar is kept; one rank higher squeezes the last dim (an error unless
 * it is 1); one rank lower appends a dim of 1.
 */
function adjustWeightRankK2(w, rank) {
  const rw = w.shape.length;
  if (rw === 0) return w;
  if (rw - rank === 1) {
    const last = w.shape[rw - 1];
    if (last !== 1) {
      throw new RefError(
        'squeeze',
        `Can not squeeze dim[${rw - 1}], expected a dimension of 1, got ${last}`,
        'Can not squeeze dim[',
      );
    }
    return squeezeLast(w);
  }
  return rank - rw === 1 ? expandLast(w) : w;
}

/** losses_utils.compute_weighted_loss (rank adjustment + multiply + reduce). */
export function refWeighted(loss, sampleWeight, reduction = 'auto', dtype = 'float64') {
  validateReduction(reduction);
  let w = sampleWeight == null ? { data: Float64Array.of(1), shape: [] } : prepare(sampleWeight, dtype);
  w = adjustWeightRankK2(w, loss.shape.length);
  const weighted = broadcastMul(loss, w);
  if (reduction === 'none') return weighted;
  let sum = 0;
  for (const v of weighted.data) sum += v;
  if (reduction === 'sum') return sum;
  const n = weighted.data.length;
  return n === 0 ? 0 : sum / n; // divide_no_nan
}

/**
 * Keras 2.9 CosineSimilarity(axis, reduction)(yTrue, yPred, sampleWeight).
 * dtype: 'float32' | 'float64' (computation dtype; default: 'float64' iff the
 * y_pred data is a Float64Array, else 'float32', like cossim).
 * Returns { data: Float64Array, shape } for 'none', a number otherwise.
 */
export function refLoss({ yTrue, yPred, sampleWeight, axis = -1, reduction = 'auto', dtype }) {
  validateReduction(reduction);
  dtype ??= computeDtype(yPred);
  const loss = refPerSample({ yTrue, yPred, axis, dtype });
  return refWeighted(loss, sampleWeight, reduction, dtype);
}

/** cossim's rule: float64 iff y_pred's data is a Float64Array. */
export function computeDtype(yPred) {
  if (yPred instanceof Float64Array) return 'float64';
  if (yPred && typeof yPred === 'object' && !ArrayBuffer.isView(yPred) && yPred.data instanceof Float64Array) {
    return 'float64';
  }
  return 'float32';
}

// ------------------------------------------------------------ randomness --

/** The master seed of a test file: env COSSIM_SEED (an integer) or `fallback`; printed once. */
export function masterSeed(file, fallback) {
  const env = process.env.COSSIM_SEED;
  const seed = env !== undefined && env !== '' ? Number(env) >>> 0 : fallback;
  console.log(`# ${file}: COSSIM_SEED=${seed}`);
  return seed;
}

/** mulberry32: small seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function rng() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes a master seed and a case index into a 32-bit seed. */
export function caseSeed(master, index) {
  let h = (master ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

export function randInt(rng, lo, hi) {
  // inclusive bounds
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** A shuffled copy of `arr` (Fisher–Yates with `rng`). */
export function shuffle(rng, arr) {
  const a = [...arr];
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(rng, 0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

export function pick(rng, arr) {
  return arr[Math.floor(rng() * arr.length)];
}

export function chance(rng, p) {
  return rng() < p;
}

/**
 * A well-conditioned random value: sign * U[0.05, 1] * scale, so that no
 * ordinary vector lands near the epsilon threshold (sum of squares ~1e-12).
 */
export function randValue(rng, scale = 1) {
  const m = 0.05 + 0.95 * rng();
  return (rng() < 0.5 ? -m : m) * scale;
}

/** Random tensor { data: Float64Array, shape } with values from randValue. */
export function randomTensor(rng, shape, { scale } = {}) {
  const n = numel(shape);
  const s = scale ?? 10 ** (rng() * 4 - 2); // 1e-2 .. 1e2
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = randValue(rng, s);
  return { data, shape: [...shape] };
}

/**
 * Applies `mode(flatIndexList)` per "vector": groups the elements of t that
 * share the same coordinates outside `axes` (resolved). Used to make whole
 * vectors zero or tiny.
 */
export function forEachVector(t, axes, fn) {
  const groups = new Map();
  for (let f = 0; f < t.data.length; f++) {
    const idx = unravel(f, t.shape);
    for (const a of axes) idx[a] = 0;
    const key = idx.join(',');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(f);
  }
  for (const list of groups.values()) fn(list);
}

export function randomShape(rng, rank, maxDim = 4) {
  const s = [];
  for (let i = 0; i < rank; i++) s.push(randInt(rng, 1, maxDim));
  return s;
}

// ======================================================================
// Extensions (Keras 3 loss, K2/K3 metric, finite-difference gradients).
// Still independent of cossim; everything below follows the Keras source
// literally (see keras-semantics.md §6, §9 and keras/src/losses/loss.py,
// keras/src/losses/losses.py, keras/src/ops/nn.py::_normalize,
// keras/src/metrics/reduction_metrics.py at v3.15.1).
// ======================================================================

// --------------------------------------------------------- shared helpers --

/** Sum of a Float64Array (left to right). */
export function sumAll(data) {
  let s = 0;
  for (const v of data) s += v;
  return s;
}

/** reduce_mean over the resolved `axes` (keepdims false). Empty axes: identity. */
export function reduceMean(t, axes) {
  if (axes.length === 0) return { data: Float64Array.from(t.data), shape: [...t.shape] };
  let n = 1;
  for (const a of axes) n *= t.shape[a];
  const s = reduceSum(t, axes, false);
  return { data: s.data.map((v) => v / n), shape: s.shape };
}

/** Element-wise product with NumPy broadcasting (throws RefError('broadcast')). */
export function refBroadcastMul(a, b) {
  return broadcastMul(asTensor(a), asTensor(b));
}

/**
 * np.broadcast_to(w, shape): w right-aligned, rank(w) <= len(shape), every
 * dim of w equal to the target's or 1. Throws RefError('broadcast_to').
 */
export function broadcastTo(w, shape) {
  const rw = w.shape.length;
  const r = shape.length;
  const fail = () => {
    throw new RefError(
      'broadcast_to',
      `Unable to broadcast tensor of shape ${fmtShape(w.shape)} to ${fmtShape(shape)}`,
      null,
    );
  };
  if (rw > r) fail();
  for (let i = 0; i < rw; i++) {
    const dw = w.shape[i];
    const dt = shape[i + r - rw];
    if (dw !== dt && dw !== 1) fail();
  }
  const ones = { data: new Float64Array(numel(shape)).fill(1), shape: [...shape] };
  return broadcastMul(w, ones);
}

// --------------------------------------------------------------- Keras 3 --

export const K3_REDUCTIONS = ['sum_over_batch_size', 'sum', null, 'none', 'mean', 'mean_with_sample_weight'];
/** 1.0 / backend.epsilon() (epsilon = 1e-7). Exactly representable in float32 too. */
export const K3_INV_EPS = 1e7;

/** keras/src/losses/loss.py::standardize_reduction. */
export function validateReductionK3(reduction) {
  if (!K3_REDUCTIONS.includes(reduction)) {
    const msg =
      "Invalid value for argument `reduction`. Expected one of {'sum_over_batch_size', 'sum', None, 'none', " +
      `'mean', 'mean_with_sample_weight'}. Received: reduction=${reduction}`;
    throw new RefError('reduction', msg, 'Invalid value for argument `reduction`. Expected one of');
  }
}

/**
 * keras/src/losses/loss.py::squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True).
 * Returns [x1', x2'] (reshaped views; data shared).
 */
export function squeezeOrExpandToSameRank(x1, x2, expandRank1 = true) {
  const r1 = x1.shape.length;
  const r2 = x2.shape.length;
  if (r1 === r2) return [x1, x2];
  if (r1 === r2 + 1 && x1.shape[r1 - 1] === 1) {
    if (r2 === 1 && expandRank1) x2 = expandLast(x2);
    else x1 = squeezeLast(x1);
  }
  if (r2 === r1 + 1 && x2.shape[r2 - 1] === 1) {
    if (r1 === 1 && expandRank1) x1 = expandLast(x1);
    else x2 = squeezeLast(x2);
  }
  return [x1, x2];
}

/**
 * keras/src/ops/nn.py::_normalize, order 2 (Keras >= 3.6):
 * rank 0 is expanded to [1]; x * minimum(rsqrt(sum(x^2, axis, keepdims)), 1/epsilon).
 * Math.min propagates NaN; 1/sqrt(0) = Inf -> 1e7.
 */
export function l2NormalizeK3(t, axis) {
  if (t.shape.length === 0) t = { data: t.data, shape: [1] };
  const axes = resolveAxes(axis, t.shape.length);
  const sq = { data: t.data.map((v) => v * v), shape: t.shape };
  const ss = reduceSum(sq, axes, true);
  const out = new Float64Array(t.data.length);
  for (let f = 0; f < t.data.length; f++) {
    const idx = unravel(f, t.shape);
    for (const a of axes) idx[a] = 0;
    const s = ss.data[ravel(idx, ss.shape)];
    const scale = Math.min(1 / Math.sqrt(s), K3_INV_EPS);
    out[f] = t.data[f] * scale;
  }
  return { data: out, shape: t.shape };
}

/**
 * keras/src/losses/losses.py::cosine_similarity (Keras 3): cast to dtype,
 * squeeze_or_expand_to_same_rank(y_true, y_pred), normalise each over its own
 * resolved axes, sum(t*p, axis) (axis resolved against the broadcast rank).
 * sign -1 = the loss, +1 = the metric (keras/src/metrics/regression_metrics.py).
 */
export function refPerSampleK3({ yTrue, yPred, axis = -1, dtype = 'float64', sign = -1 }) {
  let t = prepare(yTrue, dtype);
  let p = prepare(yPred, dtype);
  [t, p] = squeezeOrExpandToSameRank(t, p);
  const pn = l2NormalizeK3(p, axis);
  const tn = l2NormalizeK3(t, axis);
  const prod = broadcastMul(tn, pn);
  const axes = resolveAxes(axis, prod.shape.length);
  const s = reduceSum(prod, axes, false);
  return { data: s.data.map((v) => sign * v), shape: s.shape };
}

/**
 * keras/src/losses/loss.py::reduce_weighted_values + reduce_values.
 * Returns a number for a reduced result, or the tensor { data, shape } for
 * 'none'/null and for the unreduced pass-through (weighted shape [] or [0]).
 * opts.abs: reduce |weighted| instead (an error-magnitude estimate).
 */
export function refWeightedK3(loss, sampleWeight, reduction = 'sum_over_batch_size', dtype = 'float64', opts = {}) {
  validateReductionK3(reduction);
  let values = loss;
  let w = null;
  if (sampleWeight !== undefined && sampleWeight !== null) {
    w = prepare(sampleWeight, dtype);
    [values, w] = squeezeOrExpandToSameRank(values, w);
    values = broadcastMul(values, w);
  }
  if (opts.abs) values = { data: values.data.map(Math.abs), shape: values.shape };
  const passThrough = values.shape.length === 0 || (values.shape.length === 1 && values.shape[0] === 0);
  if (reduction === null || reduction === 'none' || passThrough) return values;
  const sum = sumAll(values.data);
  if (reduction === 'sum') return sum;
  if (reduction === 'mean_with_sample_weight' && w !== null) {
    const d = sumAll(w.data);
    return d === 0 ? 0 : sum / (opts.abs ? Math.abs(d) : d); // divide_no_nan: x/0 -> 0 even for x NaN
  }
  const n = values.data.length;
  return n === 0 ? 0 : sum / n;
}

/**
 * keras.losses.CosineSimilarity(axis, reduction, dtype) (Keras 3.15).
 * dtype: computation dtype (default: float64 iff y_pred data is a Float64Array).
 */
export function refLossK3({ yTrue, yPred, sampleWeight, axis = -1, reduction = 'sum_over_batch_size', dtype, abs = false }) {
  validateReductionK3(reduction);
  dtype ??= computeDtype(yPred);
  const loss = refPerSampleK3({ yTrue, yPred, axis, dtype, sign: -1 });
  return refWeightedK3(loss, sampleWeight, reduction, dtype, { abs });
}

// ---------------------------------------------------------------- metrics --

/**
 * Keras 2.9 metric values: cast both inputs to dtype, the §2.2 squeeze rule,
 * then +cos (metrics.py::cosine_similarity).
 */
export function refMetricValuesK2({ yTrue, yPred, axis = -1, dtype = 'float32' }) {
  const r = refPerSample({ yTrue, yPred, axis, dtype, squeeze: true });
  return { data: r.data.map((v) => -v), shape: r.shape };
}

/**
 * Keras 2.9 Reduce.update_state (WEIGHTED_MEAN) for values v and weights:
 * returns the increments { total, count } (plus totalAbs/countAbs, magnitudes
 * for error estimates). Throws RefError on squeeze/broadcast errors.
 */
export function refMetricIncrementK2(v, sampleWeight, dtype = 'float32') {
  if (sampleWeight === undefined || sampleWeight === null) {
    return {
      total: sumAll(v.data), count: v.data.length,
      totalAbs: sumAll(v.data.map(Math.abs)), countAbs: v.data.length,
    };
  }
  let w = prepare(sampleWeight, dtype);
  const rv = v.shape.length;
  w = adjustWeightRankK2(w, rv);  // losses_utils.squeeze_or_expand_dimensions(values, None, w)
  // weights_broadcast_ops.broadcast_weights (static checks), else the fallback.
  const r2w = w.shape.length;
  const broadcastable = r2w === 0 || (r2w === rv && w.shape.every((d, i) => d === 1 || d === v.shape[i]));
  let values = v;
  if (broadcastable) {
    w = broadcastMul(w, { data: new Float64Array(numel(v.shape)).fill(1), shape: v.shape });
  } else {
    const axes = [];
    for (let i = r2w; i < rv; i++) axes.push(i);
    values = reduceMean(v, axes);
  }
  const prod = broadcastMul(values, w); // may throw 'Incompatible shapes'
  const absW = { data: w.data.map(Math.abs), shape: w.shape };
  const absV = { data: values.data.map(Math.abs), shape: values.shape };
  return {
    total: sumAll(prod.data),
    count: sumAll(w.data),
    totalAbs: sumAll(broadcastMul(absV, absW).data),
    countAbs: sumAll(absW.data),
  };
}

/** Keras 3 metric values: cast to dtype, then +cos with the Keras 3 rules. */
export function refMetricValuesK3({ yTrue, yPred, axis = -1, dtype = 'float32' }) {
  return refPerSampleK3({ yTrue, yPred, axis, dtype, sign: +1 });
}

/**
 * keras/src/metrics/reduction_metrics.py: Mean.update_state with
 * reduce_to_samplewise_values(reduce_fn=ops.mean). Returns the increments.
 * Throws RefError('broadcast_to') when the weight cannot be broadcast to the
 * (reduced) values.
 */
export function refMetricIncrementK3(v, sampleWeight, dtype = 'float32') {
  const range = (a, b) => Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i);
  if (sampleWeight === undefined || sampleWeight === null) {
    let values = v;
    if (values.shape.length > 1) values = reduceMean(values, range(1, values.shape.length));
    const n = values.shape.length >= 1 ? values.shape[0] : 1;
    return {
      total: sumAll(values.data), count: n,
      totalAbs: sumAll(values.data.map(Math.abs)), countAbs: n,
    };
  }
  let w = prepare(sampleWeight, dtype);
  let values = v;
  [values, w] = squeezeOrExpandToSameRank(values, w);
  const wr = w.shape.length;
  const vr = values.shape.length;
  if (vr > wr) values = reduceMean(values, range(wr, vr));
  w = broadcastTo(w, values.shape);
  const absV = { data: values.data.map(Math.abs), shape: values.shape };
  values = broadcastMul(values, w);
  let absProd = broadcastMul(absV, { data: w.data.map(Math.abs), shape: w.shape });
  let absW = { data: w.data.map(Math.abs), shape: w.shape };
  if (wr > 1) {
    w = reduceMean(w, range(1, wr));
    absW = reduceMean(absW, range(1, wr));
  }
  if (values.shape.length > 1) {
    absProd = reduceMean(absProd, range(1, values.shape.length));
    values = reduceMean(values, range(1, values.shape.length));
  }
  return {
    total: sumAll(values.data), count: sumAll(w.data),
    totalAbs: sumAll(absProd.data), countAbs: sumAll(absW.data),
  };
}

/**
 * Streaming reference metric (Keras 2.9 tf.keras.metrics.CosineSimilarity or
 * Keras 3 keras.metrics.CosineSimilarity). State accumulated in float64.
 */
export class RefMetric {
  constructor({ axis = -1, dtype = 'float32', flavor = 'keras2' } = {}) {
    this.axis = axis;
    this.dtype = dtype;
    this.flavor = flavor;
    this.resetState();
  }

  resetState() {
    this.total = 0;
    this.count = 0;
    this.totalAbs = 0;
    this.countAbs = 0;
  }

  /** Throws RefError like Keras; the state is only changed on success. */
  updateState(yTrue, yPred, sampleWeight) {
    const k3 = this.flavor === 'keras3';
    const v = k3
      ? refMetricValuesK3({ yTrue, yPred, axis: this.axis, dtype: this.dtype })
      : refMetricValuesK2({ yTrue, yPred, axis: this.axis, dtype: this.dtype });
    const inc = k3 ? refMetricIncrementK3(v, sampleWeight, this.dtype) : refMetricIncrementK2(v, sampleWeight, this.dtype);
    this.total += inc.total;
    this.count += inc.count;
    this.totalAbs += inc.totalAbs;
    this.countAbs += inc.countAbs;
  }

  /** divide_no_nan(total, count). */
  result() {
    return this.count === 0 ? 0 : this.total / this.count;
  }

  /** A magnitude for error estimates: (sum |v w|) / |count|. */
  magnitude() {
    if (this.count === 0) return 0;
    return this.totalAbs / Math.abs(this.count);
  }
}

// -------------------------------------------------------------- gradients --

/**
 * The loss output of cossim's API computed by the reference in float64:
 * a number (reduced) or a tensor { data, shape }.
 * flavor: 'keras2' | 'keras3'.
 */
export function refLossAny({ flavor = 'keras2', yTrue, yPred, sampleWeight, axis = -1, reduction, dtype = 'float64' }) {
  if (flavor === 'keras3') {
    return refLossK3({
      yTrue, yPred, sampleWeight, axis, reduction: reduction === undefined ? 'sum_over_batch_size' : reduction, dtype,
    });
  }
  return refLoss({ yTrue, yPred, sampleWeight, axis, reduction: reduction ?? 'auto', dtype });
}

/** <dy, out>: out a number -> (dy ?? 1) * out; out a tensor -> sum(dy * out) (dy default ones). */
export function contractDy(out, dy) {
  if (typeof out === 'number') return (dy ?? 1) * out;
  if (dy === undefined || dy === null) return sumAll(out.data);
  const d = asTensor(dy);
  if (d.data.length !== out.data.length) throw new Error('reference: dy does not match the output');
  let s = 0;
  for (let i = 0; i < out.data.length; i++) s += d.data[i] * out.data[i];
  return s;
}

/**
 * Central finite differences of f at x (a reference tensor), float64.
 * Step h_i = rel * (|x_i| + mean|x|). Returns { data, shape, noise } where
 * noise[i] estimates the rounding error of each component.
 */
export function fdGradient(f, x, { rel = 1e-6 } = {}) {
  const t = asTensor(x);
  const n = t.data.length;
  let meanAbs = 0;
  for (const v of t.data) meanAbs += Math.abs(v);
  meanAbs = n ? meanAbs / n : 1;
  if (meanAbs === 0) meanAbs = 1;
  const g = new Float64Array(n);
  const noise = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const xi = t.data[i];
    const h0 = rel * (Math.abs(xi) + meanAbs);
    const plus = Float64Array.from(t.data);
    const minus = Float64Array.from(t.data);
    plus[i] = xi + h0;
    minus[i] = xi - h0;
    const fp = f({ data: plus, shape: t.shape });
    const fm = f({ data: minus, shape: t.shape });
    const h2 = plus[i] - minus[i];
    g[i] = (fp - fm) / h2;
    noise[i] = (4e-16 * (Math.abs(fp) + Math.abs(fm) + 1)) / h2;
  }
  return { data: g, shape: [...t.shape], noise };
}

/**
 * Float64 reference gradient of <dy, loss output> by central finite
 * differences of the reference (never cossim). wrt: 'yPred' | 'yTrue'.
 * opts: { flavor, yTrue, yPred, sampleWeight, axis, reduction, dy }.
 * The scalarised objective also carries an |.|-sum for the noise estimate.
 */
export function refGradientFD(opts, wrt = 'yPred', { rel = 1e-6 } = {}) {
  const yTrue = asTensor(opts.yTrue);
  const yPred = asTensor(opts.yPred);
  const objective = (yt, yp) => contractDy(refLossAny({ ...opts, yTrue: yt, yPred: yp, dtype: 'float64' }), opts.dy);
  if (wrt === 'yTrue') return fdGradient((x) => objective(x, yPred), yTrue, { rel });
  return fdGradient((x) => objective(yTrue, x), yPred, { rel });
}

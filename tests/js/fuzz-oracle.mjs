// Oracles and comparisons for the JS property fuzz (fuzz.test.mjs), built on the suite's
// independent float64 reference (reference.mjs); nothing here calls cossim.
//
// Tolerances (derived from the numerical contracts in cpp/include/cossim/cosine_similarity.h and
// search.h, then doubled): with u the unit roundoff of the computation dtype (2^-24 for float32,
// 2^-53 for float64) and d the number of elements reduced per sample,
//   |got - ref| <= u * |ref|                (the result is rounded to the dtype once)
//                + 2 * c(d) * u * A         (the error of each per-sample cosine, times |w|)
// where c(d) = d/4 + 4 for float32 (SIMD128 lanes add d/4 float32 products before widening to
// double; the rest is double arithmetic: a few roundings) and c(d) = d + 8 for float64, and A is
// the same reduction applied to |w| over the weighted output instead of the values (the weight
// mass the per-sample errors are multiplied by; for a 'none' output it is |w_i| per element).
// Every |cos| <= 1, so a per-sample error bound is an absolute one. Inputs are kept away from
// the eps floor (values are 0 exactly or at least 5e-4 in magnitude), where the loss is not
// continuous.
import {
  asTensor, refPerSample, refWeighted, refWeightedK3, numel,
} from './reference.mjs';

export const UNIT = { float32: 2 ** -24, float64: 2 ** -53 };

export function perSampleErrorCoeff(dtype, d) {
  return dtype === 'float32' ? d / 4 + 4 : d + 8;
}

/** Normalises a result to { data: number[] | TypedArray, shape } (a number is a scalar). */
export function asResult(x) {
  if (typeof x === 'number') return { data: [x], shape: [] };
  return x;
}

const ones = (shape) => ({ data: new Float64Array(numel(shape)).fill(1), shape: [...shape] });
const absT = (t) => ({ data: Float64Array.from(t.data, Math.abs), shape: [...t.shape] });

/**
 * The weight mass A of a loss output (see the header): the reduction applied to ones * |w|.
 * loss: the per-sample reference tensor; returns a number or a tensor like the output.
 */
export function weightMass({ flavor, loss, sampleWeight, reduction, dtype }) {
  const w = sampleWeight === undefined || sampleWeight === null ? null : absT(asTensor(sampleWeight));
  if (flavor === 'keras3') {
    return refWeightedK3(ones(loss.shape), w, reduction, dtype, { abs: true });
  }
  return refWeighted(ones(loss.shape), w, reduction, dtype);
}

/** Per-element tolerance of a result against its reference (both as asResult). */
export function tolerances(ref, mass, dtype, d) {
  const u = UNIT[dtype];
  const c = 2 * perSampleErrorCoeff(dtype, d) * u;
  const m = asResult(mass);
  return Array.from(ref.data, (r, i) => u * Math.abs(r) + c * Math.abs(m.data.length === 1 ? m.data[0] : m.data[i]) + 1e-300);
}

/**
 * Compares got with ref element by element (NaN matches NaN, infinities exactly); returns null
 * or a description of the first mismatch.
 */
export function compareResult(got, ref, tol, { allowScalarForRank0 = true } = {}) {
  if (got === null || got === undefined) return `got ${got}`;
  const g = asResult(got);
  const r = asResult(ref);
  if (typeof got === 'number' && !(allowScalarForRank0 && r.shape.length === 0)) {
    return `got the number ${got}, reference shape [${r.shape}]`;
  }
  if (typeof got !== 'number') {
    if (!g.shape || g.shape.length !== r.shape.length || g.shape.some((d, i) => d !== r.shape[i])) {
      return `shape [${g.shape}] vs reference [${r.shape}]`;
    }
    if (!g.data || g.data.length !== r.data.length) return `data length ${g.data?.length} vs ${r.data.length}`;
  }
  for (let i = 0; i < r.data.length; i++) {
    const a = g.data[i];
    const b = r.data[i];
    if (typeof a !== 'number') return `element ${i}: ${a} is not a number`;
    if (Number.isNaN(b)) {
      if (!Number.isNaN(a)) return `element ${i}: ${a}, reference NaN`;
      continue;
    }
    if (!Number.isFinite(b)) {
      if (a !== b) return `element ${i}: ${a}, reference ${b}`;
      continue;
    }
    if (!(Math.abs(a - b) <= tol[i])) {
      return `element ${i}: ${a}, reference ${b} (|diff| ${Math.abs(a - b).toExponential(3)} > tol ${tol[i].toExponential(3)})`;
    }
  }
  return null;
}

/** +cos of every row of a [m,d] against every row of b [n,d]: the reference's [m,1,d] x [1,n,d]. */
export function refPairwise(a, b, dtype) {
  const ta = asTensor(a);
  const tb = asTensor(b);
  const [m, d] = ta.shape;
  const [n] = tb.shape;
  const s = refPerSample({
    yTrue: { data: ta.data, shape: [m, 1, d] },
    yPred: { data: tb.data, shape: [1, n, d] },
    dtype,
    squeeze: false,
  });
  return { data: s.data.map((v) => -v), shape: [m, n] };
}

/**
 * Checks a topK result against the reference scores of each query (an array of Float64Array
 * rows of n scores, NaN allowed) with per-value tolerance `tol`; returns null or a description.
 */
export function checkTopK(got, scores, n, k, queryIsMatrix, tol) {
  const kk = Math.min(k, n);
  const wantShape = queryIsMatrix ? [scores.length, kk] : [kk];
  if (!got || !got.indices || !got.values || !Array.isArray(got.shape)) return 'not a {indices, values, shape} result';
  if (got.shape.length !== wantShape.length || got.shape.some((d, i) => d !== wantShape[i])) {
    return `shape [${got.shape}] vs [${wantShape}]`;
  }
  if (got.indices.length !== scores.length * kk || got.values.length !== scores.length * kk) return 'lengths';
  for (let q = 0; q < scores.length; q++) {
    const ref = scores[q];
    const idx = Array.from(got.indices.subarray(q * kk, (q + 1) * kk));
    const val = Array.from(got.values.subarray(q * kk, (q + 1) * kk));
    const seen = new Set();
    for (let j = 0; j < kk; j++) {
      const i = idx[j];
      if (!Number.isInteger(i) || i < 0 || i >= n || seen.has(i)) return `query ${q}: bad or repeated index ${i}`;
      seen.add(i);
      const r = ref[i];
      if (Number.isNaN(r) !== Number.isNaN(val[j])) return `query ${q}: value ${val[j]} at row ${i}, reference ${r}`;
      if (!Number.isNaN(r) && !(Math.abs(val[j] - r) <= tol)) return `query ${q}: value ${val[j]} at row ${i}, reference ${r} (tol ${tol})`;
      if (j > 0) {
        const a = val[j - 1];
        const b = val[j];
        if (Number.isNaN(a) && !Number.isNaN(b)) return `query ${q}: a number after NaN at ${j}`;
        if (!Number.isNaN(b) && b > a) return `query ${q}: not sorted descending at ${j} (${a}, ${b})`;
        if (a === b && idx[j - 1] > idx[j]) return `query ${q}: a tie not in index order at ${j}`;
        if (Number.isNaN(a) && Number.isNaN(b) && idx[j - 1] > idx[j]) return `query ${q}: NaN ties not in index order`;
      }
    }
    const numbers = ref.filter((x) => !Number.isNaN(x)).length;
    const returnedNumbers = val.filter((x) => !Number.isNaN(x)).length;
    if (returnedNumbers !== Math.min(kk, numbers)) return `query ${q}: ${returnedNumbers} numbers returned, ${numbers} rows score a number`;
    const last = returnedNumbers ? val[returnedNumbers - 1] : Infinity;
    for (let i = 0; i < n; i++) {
      if (!seen.has(i) && !Number.isNaN(ref[i]) && ref[i] > last + 2 * tol) {
        return `query ${q}: row ${i} (reference ${ref[i]}) beats the last returned value ${last}`;
      }
    }
  }
  return null;
}

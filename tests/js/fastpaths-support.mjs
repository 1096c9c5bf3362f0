// Shared by the fast-path tests (fastpaths-*.test.mjs): an independent float64 brute force of
// similarity, pairwise and the loss's broadcast paths, and input builders.
//
// Float32 computation is modelled as in reference.mjs: inputs rounded to float32, eps =
// fround(1e-12), arithmetic in float64. Tolerances: float32 1e-6·(1+|ref|), float64 1e-12·(1+|ref|).
//
// Seed: COSSIM_SEED (default below); every test name that uses random data prints it.
import assert from 'node:assert/strict';
import { cossim, tolerance, assertClose } from './harness.mjs';

export const SEED = Number(process.env.COSSIM_SEED ?? 20261201);
console.log(`fastpaths: seed ${SEED} (COSSIM_SEED=${SEED} reproduces), backend ${cossim.backend()}`);

const { alloc, internal } = cossim;

export const EPS = { float32: Math.fround(1e-12), float64: 1e-12 };
export const ARRAY = { float32: Float32Array, float64: Float64Array };

export function requireApi(...names) {
  for (const name of names) {
    const v = name === 'internal.sum' ? internal?.sum : cossim[name];
    assert.equal(typeof v, 'function', `cossim.${name} is not exported (yet)`);
  }
}

// ------------------------------------------------------------------ brute force --

/** Values as the computation sees them: float32 computation rounds every input once. */
export function asComputed(data, dtype) {
  const out = new Float64Array(data.length);
  if (dtype === 'float32') for (let i = 0; i < out.length; i++) out[i] = Math.fround(data[i]);
  else for (let i = 0; i < out.length; i++) out[i] = data[i];
  return out;
}

/**
 * +cos of the vectors a[ao + i*as] and b[bo + i*bs], i < d, Keras style:
 * dot · 1/√max(Σa², eps) · 1/√max(Σb², eps), all in float64 (NaN propagates through max).
 */
export function bfCos(a, ao, as, b, bo, bs, d, dtype) {
  let dot = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < d; i++) {
    const x = a[ao + i * as];
    const y = b[bo + i * bs];
    dot += x * y;
    sa += x * x;
    sb += y * y;
  }
  const eps = EPS[dtype];
  return dot * (1 / Math.sqrt(Math.max(sa, eps))) * (1 / Math.sqrt(Math.max(sb, eps)));
}

/** Row-wise +cos of a [na,d] and b [nb,d] with na, nb ∈ {1, n} (row broadcasting): Float64Array(n). */
export function bfRows(a, na, b, nb, d, dtype) {
  const A = asComputed(a, dtype);
  const B = asComputed(b, dtype);
  const n = Math.max(na, nb);
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    out[r] = bfCos(A, na === 1 ? 0 : r * d, 1, B, nb === 1 ? 0 : r * d, 1, d, dtype);
  }
  return out;
}

/** [m,n] matrix of +cos between the rows of A [m,d] and B [n,d]. */
export function bfPairwise(a, m, b, n, d, dtype) {
  const A = asComputed(a, dtype);
  const B = asComputed(b, dtype);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = bfCos(A, i * d, 1, B, j * d, 1, d, dtype);
  }
  return out;
}

/** Weighted reduction of per-row values, as Keras's compute_weighted_loss for [n] losses. */
export function bfReduce(values, weights, reduction) {
  let sum = 0;
  const none = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    none[i] = values[i] * (weights ? weights[i] : 1);
    sum += none[i];
  }
  if (reduction === 'none') return none;
  if (reduction === 'sum') return sum;
  return values.length === 0 ? 0 : sum / values.length;
}

// ------------------------------------------------------------------ data --

export function randArray(rng, n, dtype, scale = 1) {
  const a = new ARRAY[dtype](n);
  for (let i = 0; i < n; i++) a[i] = (rng() * 2 - 1) * scale;
  return a;
}

/**
 * Random [n,d] rows with special rows sprinkled at every position modulo 4 (the small-d kernels
 * work on 4 rows per step): zero rows, tiny rows (Σx² < eps: scale 1e6, not scale-invariant),
 * rows whose float32 squares overflow, scaled rows, and optionally a NaN row.
 */
export function specialRows(rng, n, d, dtype, { nan = false } = {}) {
  const a = randArray(rng, n * d, dtype);
  const setRow = (r, f) => { for (let i = 0; i < d; i++) a[r * d + i] = f(i, a[r * d + i]); };
  const at = (k) => Math.min(n - 1, k);
  if (n > 8) {
    setRow(at(1), () => 0);
    setRow(at(6), () => 0);
    setRow(at(3), (i, v) => v * 1e-8);        // Σx² ≈ d·1e-16 < 1e-12
    setRow(at(4), (i, v) => v * 3e19);        // squares overflow float32
    setRow(at(9), (i, v) => v * 1e5);
    setRow(at(n - 1), (i, v) => v * 1e-3);
    if (nan) a[at(7) * d + (d > 1 ? 1 : 0)] = NaN;
  }
  return a;
}

export const shapeOf = (x) => [...x.shape];

/** Copies `src` into a new heap tensor of `shape`/`dtype`. */
export function heapFrom(src, shape, dtype) {
  const t = alloc(shape, dtype);
  t.data.set(src);
  return t;
}

/** Element-wise comparison (fast loop; the detailed message is built only for the first failure). */
export function assertVecClose(got, ref, dtype, msg) {
  assert.ok(got && typeof got === 'object', `${msg}: no result`);
  assert.ok(got.data instanceof ARRAY[dtype], `${msg}: data should be ${ARRAY[dtype].name}, got ${got.data?.constructor?.name}`);
  assert.equal(got.data.length, ref.length, `${msg}: length`);
  const tol = dtype === 'float64' ? 1e-12 : 1e-6;
  const data = got.data;
  for (let i = 0; i < ref.length; i++) {
    const g = data[i];
    const r = ref[i];
    const ok = Number.isNaN(r) ? Number.isNaN(g) : Number.isFinite(r) ? Math.abs(g - r) <= tol * (1 + Math.abs(r)) : g === r;
    if (!ok) assertClose(g, r, dtype, `${msg} [${i}]`);
  }
}

export const negate = (t) => ({ data: t.data.map((v) => -v), shape: t.shape });

// ================================================================== heap tensors ==

/** Brute-force order: descending, ties by lower index, NaN after every number (then by index). */
export function bfOrder(scores) {
  const idx = Array.from(scores, (_, i) => i);
  idx.sort((i, j) => {
    const a = scores[i];
    const b = scores[j];
    const an = Number.isNaN(a);
    const bn = Number.isNaN(b);
    if (an !== bn) return an ? 1 : -1;
    if (!an && a !== b) return b - a;
    return i - j;
  });
  return idx;
}

/**
 * Checks one query's topK slice against brute-force scores, tolerating reorderings of values
 * within the tolerance: every value matches its row's score; the returned values are sorted by
 * cossim's own values (ties by lower index, NaN last); and no row left out beats the worst row kept.
 */
export function checkTopKSlice(indices, values, scores, k, dtype, msg) {
  const n = scores.length;
  const kk = Math.min(k, n);
  assert.equal(indices.length, kk, `${msg}: ${kk} results`);
  const seen = new Set();
  for (let j = 0; j < kk; j++) {
    const i = indices[j];
    assert.ok(Number.isInteger(i) && i >= 0 && i < n, `${msg}: index ${i} out of range`);
    assert.ok(!seen.has(i), `${msg}: index ${i} returned twice`);
    seen.add(i);
    assertClose(values[j], scores[i], dtype, `${msg}: value ${j} (row ${i})`);
  }
  for (let j = 1; j < kk; j++) {
    const a = values[j - 1];
    const b = values[j];
    const where = `${msg}: order at ${j - 1},${j} (rows ${indices[j - 1]}: ${a}, ${indices[j]}: ${b})`;
    if (Number.isNaN(a)) {
      assert.ok(Number.isNaN(b), `${where}: a number after NaN`);
      assert.ok(indices[j - 1] < indices[j], `${where}: NaN rows should come by index`);
    } else if (!Number.isNaN(b)) {
      assert.ok(a > b || (a === b && indices[j - 1] < indices[j]), `${where}: not descending / ties not by index`);
    }
  }
  const numeric = scores.filter((v) => !Number.isNaN(v)).length;
  const nanKept = Array.from(values).filter((v) => Number.isNaN(v)).length;
  assert.equal(nanKept, Math.max(0, kk - numeric), `${msg}: NaN scores only when fewer than k numbers`);
  let worst = Infinity;
  for (let j = 0; j < kk; j++) if (!Number.isNaN(scores[indices[j]])) worst = Math.min(worst, scores[indices[j]]);
  for (let i = 0; i < n; i++) {
    if (seen.has(i) || Number.isNaN(scores[i])) continue;
    assert.ok(scores[i] <= worst + 2 * tolerance(dtype, worst),
      `${msg}: row ${i} (score ${scores[i]}) left out but beats the worst kept score ${worst}`);
  }
}

export function checkTopK(res, q, nq, x, n, d, k, dtype, msg, { queryRank1 = false } = {}) {
  const kk = Math.min(k, n);
  assert.ok(res.indices instanceof Int32Array, `${msg}: indices should be an Int32Array, got ${res.indices?.constructor?.name}`);
  assert.ok(res.values instanceof ARRAY[dtype], `${msg}: values should be ${ARRAY[dtype].name}, got ${res.values?.constructor?.name}`);
  assert.deepEqual(shapeOf(res), queryRank1 ? [kk] : [nq, kk], `${msg}: shape`);
  assert.equal(res.values.length, nq * kk, `${msg}: values length`);
  for (let r = 0; r < nq; r++) {
    const scores = bfRows(q.subarray(r * d, (r + 1) * d), 1, x, n, d, dtype);
    checkTopKSlice(res.indices.subarray(r * kk, (r + 1) * kk), res.values.subarray(r * kk, (r + 1) * kk),
      scores, k, dtype, `${msg} query ${r}`);
  }
}


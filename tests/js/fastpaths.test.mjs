// Fast paths: heap tensors (alloc), similarity(), pairwise(), topK(), the query-broadcast path of the
// loss and the small-d kernels, each checked against an independent float64 brute force written
// here (plus the reference loss of reference.mjs for the small broadcasting cases).
//
// Float32 computation is modelled as in reference.mjs: inputs rounded to float32, eps =
// fround(1e-12), arithmetic in float64. Tolerances: float32 1e-6·(1+|ref|), float64 1e-12·(1+|ref|).
//
// Seed: COSSIM_SEED (default below); every test name that uses random data prints it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cossim, CosineSimilarity, losses, assertClose, assertTensorClose, tolerance,
} from './harness.mjs';
import { refLoss, mulberry32, caseSeed } from './reference.mjs';

const SEED = Number(process.env.COSSIM_SEED ?? 20261201);
console.log(`fastpaths: seed ${SEED} (COSSIM_SEED=${SEED} reproduces), backend ${cossim.backend()}`);

const { alloc, similarity, pairwise, topK, internal } = cossim;

const EPS = { float32: Math.fround(1e-12), float64: 1e-12 };
const ARRAY = { float32: Float32Array, float64: Float64Array };

function requireApi(...names) {
  for (const name of names) {
    const v = name === 'internal.sum' ? internal?.sum : cossim[name];
    assert.equal(typeof v, 'function', `cossim.${name} is not exported (yet)`);
  }
}

// ------------------------------------------------------------------ brute force --

/** Values as the computation sees them: float32 computation rounds every input once. */
function asComputed(data, dtype) {
  const out = new Float64Array(data.length);
  if (dtype === 'float32') for (let i = 0; i < out.length; i++) out[i] = Math.fround(data[i]);
  else for (let i = 0; i < out.length; i++) out[i] = data[i];
  return out;
}

/**
 * +cos of the vectors a[ao + i*as] and b[bo + i*bs], i < d, Keras style:
 * dot · 1/√max(Σa², eps) · 1/√max(Σb², eps), all in float64 (NaN propagates through max).
 */
function bfCos(a, ao, as, b, bo, bs, d, dtype) {
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
function bfRows(a, na, b, nb, d, dtype) {
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
function bfPairwise(a, m, b, n, d, dtype) {
  const A = asComputed(a, dtype);
  const B = asComputed(b, dtype);
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) out[i * n + j] = bfCos(A, i * d, 1, B, j * d, 1, d, dtype);
  }
  return out;
}

/** Weighted reduction of per-row values, as Keras's compute_weighted_loss for [n] losses. */
function bfReduce(values, weights, reduction) {
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

function randArray(rng, n, dtype, scale = 1) {
  const a = new ARRAY[dtype](n);
  for (let i = 0; i < n; i++) a[i] = (rng() * 2 - 1) * scale;
  return a;
}

/**
 * Random [n,d] rows with special rows sprinkled at every position modulo 4 (the small-d kernels
 * work on 4 rows per step): zero rows, tiny rows (Σx² < eps: scale 1e6, not scale-invariant),
 * rows whose float32 squares overflow, scaled rows, and optionally a NaN row.
 */
function specialRows(rng, n, d, dtype, { nan = false } = {}) {
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

const shapeOf = (x) => [...x.shape];

/** Copies `src` into a new heap tensor of `shape`/`dtype`. */
function heapFrom(src, shape, dtype) {
  const t = alloc(shape, dtype);
  t.data.set(src);
  return t;
}

/** Element-wise comparison (fast loop; the detailed message is built only for the first failure). */
function assertVecClose(got, ref, dtype, msg) {
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

const negate = (t) => ({ data: t.data.map((v) => -v), shape: t.shape });

// ================================================================== heap tensors ==

describe('heap tensors (alloc)', () => {
  // First: growing a small memory is quick.
  test('data stays valid and results unchanged after memory growth (by alloc, and by a large call)', () => {
    requireApi('alloc', 'heapBytes', 'similarity', 'pairwise', 'topK');
    const rng = mulberry32(caseSeed(SEED, 4));
    const n = 50;
    const d = 24;
    const x = specialRows(rng, n, d, 'float32');
    const x64 = randArray(rng, n * d, 'float64');
    const X = heapFrom(x, [n, d], 'float32');
    const X64 = heapFrom(x64, [n, d], 'float64');
    const q = randArray(rng, d, 'float32');
    const loss = new CosineSimilarity({ reduction: 'none' });
    const refSim = bfRows(q, 1, x, n, d, 'float32');
    const refSim64 = bfRows(q, 1, x64, n, d, 'float64');
    const check = (when) => {
      assert.equal(X.data.length, n * d, `${when}: float32 view length`);
      assert.equal(X64.data.length, n * d, `${when}: float64 view length`);
      assert.deepEqual(Array.from(X.data), Array.from(x), `${when}: float32 contents`);
      assert.deepEqual(Array.from(X64.data), Array.from(x64), `${when}: float64 contents`);
      assertVecClose(similarity(q, X), refSim, 'float32', `${when}: similarity(q, heap f32)`);
      assertVecClose(similarity(q, X64), refSim64, 'float64', `${when}: similarity(q, heap f64)`);
      assertVecClose(loss.call(q, X), refSim.map((v) => -v), 'float32', `${when}: loss(q, heap f32)`);
      assertVecClose(pairwise(X, X64), bfPairwise(x, n, x64, n, d, 'float64'), 'float64', `${when}: pairwise(f32, f64)`);
      const k = topK(q, X, 3);
      for (let j = 0; j < 3; j++) assertClose(k.values[j], refSim[k.indices[j]], 'float32', `${when}: topK value ${j}`);
    };
    let big = null;
    try {
      check('before growth');
      // 1. growth by alloc: more bytes than the whole current memory.
      const before = cossim.heapBytes();
      big = alloc([Math.ceil(before / 4) + (1 << 20)], 'float32');
      assert.ok(cossim.heapBytes() > before, 'alloc of a tensor larger than the heap should grow it');
      big.data[big.data.length - 1] = 1;  // the new tensor is usable to its last element
      check('after growth by alloc');
      // 2. growth by a call on large plain inputs (staging).
      const before2 = cossim.heapBytes();
      const rows = Math.ceil(before2 / 4 / 64) + 1024;
      const plain = new Float32Array(rows * 64).fill(1);
      assertClose(new CosineSimilarity({ reduction: 'sum' }).call({ data: plain, shape: [rows, 64] },
        { data: plain, shape: [rows, 64] }), -rows, 'float32', 'large plain call');
      assert.ok(cossim.heapBytes() > before2, 'a call larger than the heap should grow it');
      check('after growth by a large call');
    } finally {
      big?.dispose();
      X.dispose();
      X64.dispose();
    }
  });

  // Early, while the staging buffer is still small: a copy of these inputs into the staging area
  // would grow the memory by about their size.
  test('the loss reads same-dtype heap tensors in place (no staging copy)', () => {
    requireApi('alloc', 'heapBytes');
    // 2 × 32 MiB: a staging copy of both would outgrow the slack Emscripten leaves on growth
    // (at most 20% of the memory), so the heap would grow by well over 16 MiB.
    const d = 256;
    const n = 32_768;
    const T = alloc([n, d], 'float32');
    const P = alloc([n, d], 'float32');
    try {
      T.data.fill(0.5);
      P.data.fill(0.25);
      const before = cossim.heapBytes();
      const got = new CosineSimilarity({ reduction: 'sum' }).call(T, P);
      const grown = cossim.heapBytes() - before;
      assertClose(got, -n, 'float32', 'sum of -1 per row');
      assert.ok(grown < n * d * 4 / 2,
        `the heap grew by ${grown} bytes during a call on two ${n * d * 4}-byte heap tensors: were they copied?`);
    } finally {
      T.dispose();
      P.dispose();
    }
  });

  test('shape, dtype and data views (float32 and float64)', () => {
    requireApi('alloc');
    for (const dtype of ['float32', 'float64']) {
      const t = alloc([3, 5], dtype);
      try {
        assert.deepEqual(shapeOf(t), [3, 5]);
        assert.equal(t.dtype, dtype);
        assert.ok(t.data instanceof ARRAY[dtype], `${dtype}: data is ${t.data?.constructor?.name}`);
        assert.equal(t.data.length, 15);
        t.data.set(Array.from({ length: 15 }, (_, i) => i + 0.5));
        assert.equal(t.data[14], 14.5, 'writes through data persist');
      } finally {
        t.dispose();
      }
    }
  });

  for (const dtype of ['float32', 'float64']) {
    test(`${dtype} heap tensors as y_true, y_pred and weights, mixed with plain inputs (seed ${SEED})`, () => {
      requireApi('alloc');
      const rng = mulberry32(caseSeed(SEED, dtype === 'float32' ? 1 : 2));
      const other = dtype === 'float32' ? 'float64' : 'float32';
      const n = 37;
      const d = 19;
      const t = specialRows(rng, n, d, dtype);
      const p = randArray(rng, n * d, dtype);
      const w = randArray(rng, n, dtype);
      const pOther = randArray(rng, n * d, other);
      const T = heapFrom(t, [n, d], dtype);
      const P = heapFrom(p, [n, d], dtype);
      const W = heapFrom(w, [n], dtype);
      const Q = heapFrom(p.subarray(0, d), [1, d], dtype);
      try {
        const cases = [
          ['heap × heap', T, P, undefined, dtype],
          ['heap × heap, heap weights', T, P, W, dtype],
          ['plain × heap', { data: t, shape: [n, d] }, P, undefined, dtype],
          ['heap × plain', T, { data: p, shape: [n, d] }, undefined, dtype],
          ['heap × plain, heap weights', T, { data: p, shape: [n, d] }, W, dtype],
          ['plain × plain, heap weights', { data: t, shape: [n, d] }, { data: p, shape: [n, d] }, W, dtype],
          [`heap ${dtype} × plain ${other} (cast)`, T, { data: pOther, shape: [n, d] }, W, other],
          [`plain ${other} × heap ${dtype}`, { data: pOther, shape: [n, d] }, P, undefined, dtype],
          ['heap [1,d] query × heap [n,d]', Q, T, W, dtype],
          ['heap [n,d] × heap [1,d] query', T, Q, undefined, dtype],
        ];
        for (const [name, yt, yp, sw, cdt] of cases) {
          const plain = (x) => ({ data: Array.from(x.data), shape: shapeOf(x) });
          for (const reduction of ['none', 'auto', 'sum']) {
            const ref = refLoss({
              yTrue: plain(yt), yPred: plain(yp), sampleWeight: sw && plain(sw), reduction, dtype: cdt,
            });
            const got = new CosineSimilarity({ reduction }).call(yt, yp, sw);
            const msg = `${dtype}: ${name}, ${reduction}`;
            if (reduction === 'none') assertTensorClose(got, ref, cdt, msg);
            else assertClose(got, ref, cdt, msg);
          }
        }
        // The function form and similarity() take them too.
        const ref = refLoss({ yTrue: { data: t, shape: [n, d] }, yPred: { data: p, shape: [n, d] }, reduction: 'none', dtype });
        assertTensorClose(losses.cosineSimilarity(T, P), ref, dtype, `${dtype}: losses.cosineSimilarity(heap, heap)`);
        if (typeof similarity === 'function') {
          assertTensorClose(similarity(T, P), negate(ref), dtype, `${dtype}: similarity(heap, heap)`);
        }
      } finally {
        for (const x of [T, P, W, Q]) x.dispose();
      }
    });
  }

  test('results are copies, and new heap contents are seen by the next call (no stale caches)', () => {
    requireApi('alloc', 'similarity', 'topK');
    const rng = mulberry32(caseSeed(SEED, 3));
    const n = 64;
    const d = 40;
    const X = heapFrom(randArray(rng, n * d, 'float32'), [n, d], 'float32');
    const q = randArray(rng, d, 'float32');
    const Q = heapFrom(q, [d], 'float32');
    try {
      const loss = new CosineSimilarity({ reduction: 'none' });
      const r1 = loss.call(Q, X);
      const s1 = similarity(Q, X);
      const k1 = topK(Q, X, 5);
      const keep = Float32Array.from(r1.data);
      // Make row 7 the exact query and row 0 its opposite, then query again.
      X.data.set(q, 7 * d);
      X.data.set(q.map((v) => -v), 0);
      assert.deepEqual(Array.from(r1.data), Array.from(keep), 'an earlier result changed with the heap');
      const r2 = loss.call(Q, X);
      assertClose(r2.data[7], -1, 'float32', 'loss row 7 after the update');
      assertClose(r2.data[0], 1, 'float32', 'loss row 0 after the update');
      const s2 = similarity(Q, X);
      assertClose(s2.data[7], 1, 'float32', 'similarity row 7 after the update');
      assertClose(s2.data[0], -1, 'float32', 'similarity row 0 after the update');
      const k2 = topK(Q, X, 5);
      assert.equal(k2.indices[0], 7, 'topK sees the updated table');
      assert.notDeepEqual(Array.from(k1.indices), Array.from(k2.indices));
      assert.ok(s1.data.length === n && k1.indices.length === 5);
      // And a new query value in the same heap tensor.
      Q.data.set(X.data.subarray(20 * d, 21 * d));
      assert.equal(topK(Q, X, 1).indices[0], 20, 'topK sees the updated query');
      assertClose(similarity(Q, X).data[20], 1, 'float32', 'similarity after the query update');
    } finally {
      X.dispose();
      Q.dispose();
    }
  });

  test('disposed tensors are rejected with a clear Error; dispose() twice is harmless; the module still works', () => {
    requireApi('alloc', 'similarity', 'pairwise', 'topK', 'internal.sum');
    const d = 8;
    const T = alloc([4, d], 'float32');
    T.data.fill(1);
    const P = alloc([4, d], 'float32');
    P.data.fill(2);
    const D = alloc([4, d], 'float32');
    D.data.fill(3);
    const W = alloc([4], 'float32');
    W.data.fill(1);
    D.dispose();
    W.dispose();
    assert.doesNotThrow(() => D.dispose(), 'dispose() twice');
    const loss = new CosineSimilarity();
    const uses = [
      ['data access', () => D.data],
      ['loss y_true', () => loss.call(D, P), 'y_true'],
      ['loss y_pred', () => loss.call(T, D), 'y_pred'],
      ['loss sample_weight', () => loss.call(T, P, W), 'sample_weight'],
      ['losses.cosineSimilarity', () => losses.cosineSimilarity(T, D)],
      ['similarity a', () => similarity(D, P)],
      ['similarity b', () => similarity(T, D)],
      ['pairwise A', () => pairwise(D, P)],
      ['pairwise B', () => pairwise(T, D)],
      ['topK query', () => topK(D, P, 2)],
      ['topK table', () => topK(T, D, 2)],
      ['internal.sum', () => internal.sum(D)],
    ];
    // A fresh allocation may reuse the freed memory: the old handles must stay dead.
    const R = alloc([4, d], 'float32');
    R.data.fill(5);
    try {
      for (const [name, fn, argName] of uses) {
        let thrown = null;
        try {
          fn();
        } catch (e) {
          thrown = e;
        }
        assert.ok(thrown !== null, `${name}: using a disposed tensor did not throw`);
        assert.ok(thrown instanceof Error, `${name}: threw a non-Error ${String(thrown)}`);
        assert.match(thrown.message, /dispos/i, `${name}: message ${JSON.stringify(thrown.message)} should say "disposed"`);
        if (argName) {
          assert.ok(thrown.message.includes(argName) || /\[4(,8)?\]/.test(thrown.message),
            `${name}: message ${JSON.stringify(thrown.message)} should name the tensor (${argName} or its shape)`);
        }
      }
      // Still fully usable.
      assertClose(loss.call(T, P), -1, 'float32', 'loss after rejections');
      assertClose(loss.call(T, R), -1, 'float32', 'loss on a fresh allocation');
      assertClose(similarity(T, P).data[0], 1, 'float32', 'similarity after rejections');
      assert.deepEqual(Array.from(topK(T.data.subarray(0, d), P, 2).indices), [0, 1]);
      assertClose(internal.sum(T), 4 * d, 'float32', 'internal.sum after rejections');
    } finally {
      T.dispose();
      P.dispose();
      R.dispose();
      T.dispose();
    }
  });

  test('a tampered shape cannot make a call read beyond the allocation', () => {
    requireApi('alloc');
    const T = alloc([4, 8], 'float32');
    T.data.fill(1);
    try {
      try {
        T.shape[0] = 1_000_000;
      } catch {
        // a frozen shape is a fine answer
      }
      if (T.shape[0] === 4) return;
      assert.throws(() => new CosineSimilarity({ reduction: 'sum' }).call(T, T), Error,
        'a heap tensor whose shape no longer matches its allocation must be rejected');
    } finally {
      T.dispose();
    }
  });

  test('internal.sum over float32 and float64 heap tensors', () => {
    requireApi('alloc', 'internal.sum');
    const rng = mulberry32(caseSeed(SEED, 5));
    for (const dtype of ['float32', 'float64']) {
      for (const n of [0, 1, 3, 17, 1000, 100_003]) {
        const x = randArray(rng, n, dtype);
        const X = heapFrom(x, [n], dtype);
        try {
          let s = 0;
          let abs = 0;
          for (const v of x) {
            s += v;
            abs += Math.abs(v);
          }
          const got = internal.sum(X);
          assert.equal(typeof got, 'number');
          const tol = (dtype === 'float32' ? 1e-5 : 1e-12) * (1 + abs);
          assert.ok(Math.abs(got - s) <= tol, `${dtype} n=${n}: sum ${got} vs ${s}`);
        } finally {
          X.dispose();
        }
      }
    }
  });
});

// ================================================================== similarity ==

describe('similarity()', () => {
  test(`= −(reference loss 'none'): broadcasting, axis 0, float32/float64 (seed ${SEED})`, () => {
    requireApi('similarity');
    const rng = mulberry32(caseSeed(SEED, 10));
    const shapes = [
      // [a shape, b shape, axis]
      [[9, 7], [9, 7], -1],
      [[1, 7], [9, 7], -1],
      [[7], [9, 7], -1],
      [[9, 7], [1, 7], -1],
      [[9, 7], [7], -1],
      [[7], [7], -1],
      [[7, 9], [7, 9], 0],
      [[7, 1], [7, 9], 0],
      [[7, 9], [7, 1], 0],
      [[9, 7], [9, 7], 0],
      [[2, 9, 7], [2, 9, 7], -1],
      [[1, 1, 7], [2, 9, 7], -1],
      [[1, 1, 7], [2, 9, 7], 2],
      [[1, 7], [2, 9, 7], -1],
      [[2, 9, 7], [9, 1], -1],
      [[1, 64], [33, 64], -1],
      [[64], [33, 64], -1],
      [[33, 1], [33, 64], 0],
      // d = 1: Keras's squeeze rule turns these into one cosine over the batch (a scalar).
      [[1], [9, 1], -1],
      [[9, 1], [1], -1],
      [[1, 1], [9, 1], -1],
    ];
    for (const dtype of ['float32', 'float64']) {
      for (const [sa, sb, axis] of shapes) {
        const na = sa.reduce((x, y) => x * y, 1);
        const nb = sb.reduce((x, y) => x * y, 1);
        const a = { data: randArray(rng, na, dtype), shape: sa };
        const b = { data: randArray(rng, nb, dtype), shape: sb };
        if (na > 7) a.data.fill(0, 0, sa[sa.length - 1]);  // a zero vector among the rows
        const ref = negate(refLoss({ yTrue: a, yPred: b, axis, reduction: 'none', dtype }));
        const msg = `${dtype} [${sa}]×[${sb}] axis ${axis}`;
        assertTensorClose(similarity(a, b, { axis }), ref, dtype, msg);
        if (axis === -1) assertTensorClose(similarity(a, b), ref, dtype, `${msg} (no options)`);
        // Heap operands give the same.
        const A = heapFrom(a.data, sa, dtype);
        const B = heapFrom(b.data, sb, dtype);
        try {
          assertTensorClose(similarity(A, B, { axis }), ref, dtype, `${msg} (heap)`);
        } finally {
          A.dispose();
          B.dispose();
        }
      }
    }
  });

  test('computation dtype is float64 iff b is float64 (plain or heap)', () => {
    requireApi('similarity', 'alloc');
    const a32 = Float32Array.of(1, 2, 3);
    const a64 = Float64Array.of(1, 2, 3);
    const b32 = { data: Float32Array.of(1, 2, 3, 3, 2, 1), shape: [2, 3] };
    const b64 = { data: Float64Array.of(1, 2, 3, 3, 2, 1), shape: [2, 3] };
    assert.ok(similarity(a64, b32).data instanceof Float32Array, 'f64 × f32 → f32');
    assert.ok(similarity(a32, b64).data instanceof Float64Array, 'f32 × f64 → f64');
    const B = heapFrom(b64.data, [2, 3], 'float64');
    try {
      const r = similarity(a32, B);
      assert.ok(r.data instanceof Float64Array, 'f32 × heap f64 → f64');
      assertVecClose(r, bfRows(a32, 1, b64.data, 2, 3, 'float64'), 'float64', 'f32 × heap f64');
      assert.deepEqual(shapeOf(r), [2]);
    } finally {
      B.dispose();
    }
  });

  test(`one query against many rows (d = 768, n = 3000), [d] and [1,d], plain and heap (seed ${SEED})`, () => {
    requireApi('similarity', 'alloc');
    const rng = mulberry32(caseSeed(SEED, 11));
    for (const dtype of ['float32', 'float64']) {
      const n = 3000;
      const d = 768;
      const x = specialRows(rng, n, d, dtype, { nan: true });
      const q = randArray(rng, d, dtype);
      const ref = bfRows(q, 1, x, n, d, dtype);
      const X = heapFrom(x, [n, d], dtype);
      try {
        for (const [name, qq, xx] of [
          ['[d] × heap', q, X],
          ['[1,d] × heap', { data: q, shape: [1, d] }, X],
          ['[d] × plain', q, { data: x, shape: [n, d] }],
        ]) {
          const r = similarity(qq, xx);
          assert.deepEqual(shapeOf(r), [n], `${dtype} ${name}: shape`);
          assertVecClose(r, ref, dtype, `${dtype} ${name}`);
        }
        const rev = similarity(X, q);  // table first: b = the query
        assertVecClose(rev, ref, dtype, `${dtype} heap × [d]`);
        // The loss through the same path.
        const l = new CosineSimilarity({ reduction: 'none' }).call(q, X);
        assertVecClose(l, ref.map((v) => -v), dtype, `${dtype} loss [d] × heap`);
      } finally {
        X.dispose();
      }
    }
  });
});

// ================================================================== small d ==

describe('small-d paths: every d from 1 to 33, n = 1000 (and 1003)', () => {
  for (const dtype of ['float32', 'float64']) {
    test(`${dtype}: similarity and loss, [n,d]×[n,d], [1,d]×[n,d], [d]×[n,d], [n,d]×[1,d] (seed ${SEED})`, () => {
      requireApi('similarity');
      const rng = mulberry32(caseSeed(SEED, dtype === 'float32' ? 20 : 21));
      const none = new CosineSimilarity({ reduction: 'none' });
      const mean = new CosineSimilarity();
      const sum = new CosineSimilarity({ reduction: 'sum' });
      for (const n of [1000, 1003]) {
        for (let d = 1; d <= 33; d++) {
          const t = specialRows(rng, n, d, dtype, { nan: d % 4 === 1 });
          const p = specialRows(rng, n, d, dtype);
          const q = randArray(rng, d, dtype);
          const w = randArray(rng, n, dtype);
          const T = { data: t, shape: [n, d] };
          const P = { data: p, shape: [n, d] };
          const Q1 = { data: q, shape: [1, d] };
          const cases = [
            ['[n,d]×[n,d]', T, P, bfRows(t, n, p, n, d, dtype)],
            ['[1,d]×[n,d]', Q1, P, bfRows(q, 1, p, n, d, dtype)],
            ['[n,d]×[1,d]', T, Q1, bfRows(t, n, q, 1, d, dtype)],
          ];
          // At d = 1 a rank-1 query meets Keras's squeeze rule ([1] × [n,1] squeezes [n,1] to [n]):
          // another computation, covered by the reference tests.
          if (d > 1) {
            cases.push(['[d]×[n,d]', q, P, bfRows(q, 1, p, n, d, dtype)]);
            cases.push(['[n,d]×[d]', T, q, bfRows(t, n, q, 1, d, dtype)]);
          }
          for (const [name, a, b, ref] of cases) {
            const msg = `${dtype} n=${n} d=${d} ${name}`;
            const s = similarity(a, b);
            assert.deepEqual(shapeOf(s), [n], `${msg}: similarity shape`);
            assertVecClose(s, ref, dtype, `${msg}: similarity`);
            const negRef = ref.map((v) => -v);
            assertVecClose(none.call(a, b), negRef, dtype, `${msg}: loss none`);
            assertClose(mean.call(a, b), bfReduce(negRef, null, 'auto'), dtype, `${msg}: loss auto`);
            assertClose(sum.call(a, b, w), bfReduce(negRef, asComputed(w, dtype), 'sum'), dtype, `${msg}: loss sum, weights`);
          }
          // Rows free of NaN: the reductions must be finite numbers (a NaN must not leak across rows).
          if (d % 4 !== 1) {
            const clean = mean.call(q, P);
            assert.ok(Number.isFinite(clean), `${dtype} n=${n} d=${d}: mean of NaN-free rows is ${clean}`);
          }
        }
      }
    });
  }
});

describe('broadcast query: special queries (norm computed once)', () => {
  test(`zero, tiny (Σq² < eps), huge (float32 squares overflow) and NaN queries (seed ${SEED})`, () => {
    requireApi('similarity', 'topK');
    const rng = mulberry32(caseSeed(SEED, 25));
    const none = new CosineSimilarity({ reduction: 'none' });
    for (const dtype of ['float32', 'float64']) {
      for (const d of [1, 2, 3, 4, 5, 8, 15, 16, 17, 32, 33, 64, 257, 768]) {
        const n = d >= 257 ? 101 : 1001;
        const x = specialRows(rng, n, d, dtype);
        const base = randArray(rng, d, dtype);
        const queries = {
          zero: new ARRAY[dtype](d),
          tiny: base.map((v) => v * 1e-8),
          huge: base.map((v) => v * 3e19),
          nan: base.map((v, i) => (i === d - 1 ? NaN : v)),
        };
        for (const [name, q] of Object.entries(queries)) {
          const ref = bfRows(q, 1, x, n, d, dtype);
          const msg = `${dtype} d=${d} ${name} query`;
          if (d > 1) assertVecClose(similarity(q, { data: x, shape: [n, d] }), ref, dtype, `${msg}: similarity [d]×[n,d]`);
          assertVecClose(similarity({ data: q, shape: [1, d] }, { data: x, shape: [n, d] }), ref, dtype, `${msg}: similarity [1,d]×[n,d]`);
          assertVecClose(none.call({ data: x, shape: [n, d] }, { data: q, shape: [1, d] }), ref.map((v) => -v), dtype, `${msg}: loss [n,d]×[1,d]`);
          const k = topK(q, { data: x, shape: [n, d] }, 5);
          checkTopKSlice(k.indices, k.values, ref, 5, dtype, `${msg}: topK`);
        }
      }
    }
  });
});

// ================================================================== pairwise ==

describe('pairwise()', () => {
  test(`random [m,d]×[n,d] against brute force, float32/float64/mixed (seed ${SEED})`, () => {
    requireApi('pairwise');
    const rng = mulberry32(caseSeed(SEED, 30));
    const sizes = [[1, 1, 1], [3, 5, 2], [5, 3, 3], [7, 9, 4], [13, 11, 16], [37, 53, 64], [17, 19, 33], [9, 21, 768],
      [4, 4, 100], [1, 40, 10], [40, 1, 10]];
    for (const [m, n, d] of sizes) {
      for (const [da, db] of [['float32', 'float32'], ['float64', 'float64'], ['float32', 'float64'], ['float64', 'float32']]) {
        const dtype = db;  // the one dtype rule: the second operand decides (README "Dtypes")
        const a = specialRows(rng, m, d, da, { nan: m > 8 });
        const b = specialRows(rng, n, d, db);
        const ref = bfPairwise(a, m, b, n, d, dtype);
        const msg = `pairwise ${da}[${m},${d}] × ${db}[${n},${d}]`;
        const r = pairwise({ data: a, shape: [m, d] }, { data: b, shape: [n, d] });
        assert.deepEqual(shapeOf(r), [m, n], `${msg}: shape`);
        assertVecClose(r, ref, dtype, msg);
        const A = heapFrom(a, [m, d], da);
        const B = heapFrom(b, [n, d], db);
        try {
          assertVecClose(pairwise(A, B), ref, dtype, `${msg} (heap)`);
          assertVecClose(pairwise(A, { data: b, shape: [n, d] }), ref, dtype, `${msg} (heap × plain)`);
        } finally {
          A.dispose();
          B.dispose();
        }
      }
    }
  });

  test('Keras normalisation: zero rows give 0, tiny rows are scaled by 1e6, NaN rows give NaN', () => {
    requireApi('pairwise');
    const A = { data: Float64Array.of(0, 0, 3e-7, 4e-7, 1, NaN, 3, 4), shape: [4, 2] };
    const B = { data: Float64Array.of(3, 4, 0, 0, -4, 3), shape: [3, 2] };
    const r = pairwise(A, B);
    assert.deepEqual(shapeOf(r), [4, 3]);
    const want = [0, 0, 0, 0.5, 0, 0, NaN, NaN, NaN, 1, 0, 0];
    for (let i = 0; i < want.length; i++) assertClose(r.data[i], want[i], 'float64', `element ${i}`);
  });

  test('empty sides', () => {
    requireApi('pairwise');
    const r0 = pairwise({ data: new Float32Array(0), shape: [0, 4] }, { data: new Float32Array(12), shape: [3, 4] });
    assert.deepEqual(shapeOf(r0), [0, 3]);
    assert.equal(r0.data.length, 0);
    const r1 = pairwise({ data: new Float32Array(8), shape: [2, 4] }, { data: new Float32Array(0), shape: [0, 4] });
    assert.deepEqual(shapeOf(r1), [2, 0]);
    assert.equal(r1.data.length, 0);
  });
});

// ================================================================== topK ==

/** Brute-force order: descending, ties by lower index, NaN after every number (then by index). */
function bfOrder(scores) {
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
function checkTopKSlice(indices, values, scores, k, dtype, msg) {
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

function checkTopK(res, q, nq, x, n, d, k, dtype, msg, { queryRank1 = false } = {}) {
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

describe('topK()', () => {
  test(`random tables against brute force: k < n, k = n, k > n, k = 0, q > 1, f32/f64, heap (seed ${SEED})`, () => {
    requireApi('topK', 'alloc');
    const rng = mulberry32(caseSeed(SEED, 40));
    for (const dtype of ['float32', 'float64']) {
      for (const [n, d] of [[1, 5], [7, 3], [50, 16], [300, 33], [2000, 64], [500, 768]]) {
        const x = specialRows(rng, n, d, dtype, { nan: true });
        // Duplicated rows: exact ties.
        if (n >= 50) for (const r of [11, 12, 40, n - 2]) x.copyWithin(r * d, 10 * d, 11 * d);
        const nq = 3;
        const q = randArray(rng, nq * d, dtype);
        if (n >= 50) q.set(x.subarray(10 * d, 11 * d), d);  // query 1 = the duplicated row
        const X = heapFrom(x, [n, d], dtype);
        try {
          for (const k of [0, 1, 5, 10, n - 1, n, n + 3]) {
            if (k < 0) continue;
            const msg = `${dtype} n=${n} d=${d} k=${k}`;
            checkTopK(topK(q.subarray(0, d), X, k), q, 1, x, n, d, k, dtype, `${msg} [d]`, { queryRank1: true });
            checkTopK(topK({ data: q, shape: [nq, d] }, X, k), q, nq, x, n, d, k, dtype, `${msg} [q,d]`);
            checkTopK(topK({ data: q.subarray(0, d), shape: [1, d] }, { data: x, shape: [n, d] }, k),
              q, 1, x, n, d, k, dtype, `${msg} [1,d] × plain`);
          }
          if (n >= 50) {
            // The duplicated rows 10, 11, 12, 40, n-2 score exactly the same: by index.
            const r = topK(x.subarray(10 * d, 11 * d), X, 3);
            assert.deepEqual(Array.from(r.indices), [10, 11, 12], `${dtype} n=${n} d=${d}: ties by lower index`);
            const all = topK(x.subarray(10 * d, 11 * d), X, 5);
            assert.deepEqual(Array.from(all.indices), [10, 11, 12, 40, n - 2], `${dtype} n=${n} d=${d}: all ties by index`);
          }
        } finally {
          X.dispose();
        }
      }
    }
  });

  test('k = 0 gives empty results of the right shape', () => {
    requireApi('topK');
    const x = { data: Float32Array.of(1, 0, 0, 1), shape: [2, 2] };
    const r1 = topK(Float32Array.of(1, 1), x, 0);
    assert.deepEqual(shapeOf(r1), [0]);
    assert.equal(r1.indices.length, 0);
    assert.equal(r1.values.length, 0);
    const r2 = topK({ data: Float32Array.of(1, 1, 1, 0), shape: [2, 2] }, x, 0);
    assert.deepEqual(shapeOf(r2), [2, 0]);
    assert.equal(r2.indices.length, 0);
  });

  test('zero and negative scores are kept, zero vectors score 0, exact ties in index order', () => {
    requireApi('topK');
    for (const dtype of ['float32', 'float64']) {
      const A = ARRAY[dtype];
      // Rows: 0 opposite, 1 zero, 2 orthogonal, 3 zero, 4 parallel (scaled), 5 orthogonal (negative side),
      // 6 tiny parallel (Σx² < eps: score 0.5), 7 parallel.
      const x = A.of(-1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 5, 0, 0, 0, 0, -2, 3e-7, 4e-7, 0, 2, 0, 0);
      // Query [1, 0, 0]: rows 4 and 7 score 1 (tie), row 6 0.3 (tiny: scaled by 1e6, not normalised),
      // rows 1, 2, 3, 5 score 0 (ties), row 0 −1.
      const q = A.of(1, 0, 0);
      const X = { data: x, shape: [8, 3] };
      const scores = bfRows(q, 1, x, 8, 3, dtype);
      const want = bfOrder(scores);
      for (const k of [1, 3, 8, 20]) {
        const r = topK(q, X, k);
        assert.deepEqual(Array.from(r.indices), want.slice(0, k), `${dtype} k=${k}: order (scores ${Array.from(scores)})`);
        for (let j = 0; j < r.values.length; j++) assertClose(r.values[j], scores[r.indices[j]], dtype, `${dtype} k=${k} value ${j}`);
      }
      // All negative: still k results.
      const neg = topK(A.of(-1, 0, 0), { data: A.of(1, 0, 0, 2, 1, 0, 3, 0, 1), shape: [3, 3] }, 2);
      assert.deepEqual(Array.from(neg.indices).length, 2);
      assert.ok(neg.values[0] < 0 && neg.values[1] < 0 && neg.values[0] >= neg.values[1]);
      // A zero query scores 0 against everything: the first k rows, in order.
      const z = topK(A.of(0, 0, 0), X, 4);
      assert.deepEqual(Array.from(z.indices), [0, 1, 2, 3], `${dtype}: zero query`);
      for (const v of z.values) assert.ok(v === 0, `${dtype}: zero query scored ${v}`);
    }
  });

  test('NaN scores come after every number; a NaN query gives NaN for all, by index', () => {
    requireApi('topK');
    for (const dtype of ['float32', 'float64']) {
      const A = ARRAY[dtype];
      // 6 rows, rows 0, 2 and 5 contain NaN; row 4 scores the lowest number (−1).
      const x = A.of(NaN, 1, 1, 0, 1, 0, 0, NaN, 1, 0, 1, -1, -1, 0, 0, 0, 0, NaN);
      const X = { data: x, shape: [6, 3] };
      const q = A.of(1, 0, 0);
      for (const k of [1, 3, 4, 6, 9]) {
        const r = topK(q, X, k);
        checkTopKSlice(r.indices, r.values, bfRows(q, 1, x, 6, 3, dtype), k, dtype, `${dtype} NaN rows k=${k}`);
      }
      const all = topK(q, X, 6);
      assert.deepEqual(Array.from(all.indices), [1, 3, 4, 0, 2, 5], `${dtype}: numbers first, then NaN rows by index`);
      const nq = topK(A.of(NaN, 0, 0), X, 4);
      assert.deepEqual(Array.from(nq.indices), [0, 1, 2, 3], `${dtype}: NaN query`);
      for (const v of nq.values) assert.ok(Number.isNaN(v));
    }
  });
});

// ================================================================== metric ==

describe('metrics.CosineSimilarity on the fast paths', () => {
  test(`heap tensors and a broadcast query, d ∈ {1, 3, 16, 33, 768} (seed ${SEED})`, () => {
    requireApi('alloc');
    const M = cossim.metrics?.CosineSimilarity;
    assert.equal(typeof M, 'function', 'cossim.metrics.CosineSimilarity is not exported');
    const rng = mulberry32(caseSeed(SEED, 50));
    for (const dtype of ['float32', 'float64']) {
      for (const d of [1, 3, 16, 33, 768]) {
        const n = d === 768 ? 300 : 1000;
        const x = specialRows(rng, n, d, dtype);
        const q = randArray(rng, d, dtype);
        const w = randArray(rng, n, dtype).map(Math.abs);
        const X = heapFrom(x, [n, d], dtype);
        const Q = heapFrom(q, [1, d], dtype);
        const W = heapFrom(w, [n], dtype);
        try {
          const v = bfRows(q, 1, x, n, d, dtype);
          const ww = asComputed(w, dtype);
          let sw = 0;
          let swv = 0;
          for (let i = 0; i < n; i++) {
            sw += ww[i];
            swv += ww[i] * v[i];
          }
          let sv = 0;
          for (const s of v) sv += s;
          const msg = `${dtype} d=${d}`;
          const m = new M({ dtype });
          assertClose(m.call(Q, X), sv / n, dtype, `${msg}: unweighted, heap [1,d] × heap [n,d]`);
          const mw = new M({ dtype });
          assertClose(mw.call(Q, X, W), swv / sw, dtype, `${msg}: weighted (heap weights)`);
          const mp = new M({ dtype });
          assertClose(mp.call({ data: x, shape: [n, d] }, Q), sv / n, dtype, `${msg}: plain [n,d] × heap [1,d]`);
        } finally {
          X.dispose();
          Q.dispose();
          W.dispose();
        }
      }
    }
  });
});

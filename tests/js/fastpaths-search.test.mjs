// Fast paths: pairwise() and topK(), against the independent float64 brute force of fastpaths-support.mjs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cossim, CosineSimilarity, losses, assertClose, assertTensorClose, tolerance,
} from './harness.mjs';
import { refLoss, mulberry32, caseSeed } from './reference.mjs';
import {
  SEED, ARRAY, requireApi, bfRows, bfPairwise, randArray, specialRows, shapeOf, heapFrom, assertVecClose,
  bfOrder, checkTopKSlice, checkTopK,
} from './fastpaths-support.mjs';

const { alloc, similarity, pairwise, topK, internal } = cossim;

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

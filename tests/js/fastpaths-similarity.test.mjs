// Fast paths: similarity(), the small-d kernels and the broadcast query, against the independent float64 brute force of fastpaths-support.mjs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cossim, CosineSimilarity, losses, assertClose, assertTensorClose, tolerance,
} from './harness.mjs';
import { refLoss, mulberry32, caseSeed } from './reference.mjs';
import {
  SEED, ARRAY, requireApi, asComputed, bfRows, bfReduce, randArray, specialRows, shapeOf, heapFrom, assertVecClose, negate,
  checkTopKSlice,
} from './fastpaths-support.mjs';

const { alloc, similarity, pairwise, topK, internal } = cossim;

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

// Fast paths: heap tensors (alloc) on every entry point, against the independent float64 brute force of fastpaths-support.mjs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cossim, CosineSimilarity, losses, assertClose, assertTensorClose, tolerance,
} from './harness.mjs';
import { refLoss, mulberry32, caseSeed } from './reference.mjs';
import {
  SEED, ARRAY, requireApi, bfRows, bfPairwise, randArray, specialRows, shapeOf, heapFrom, assertVecClose, negate,
} from './fastpaths-support.mjs';

const { alloc, similarity, pairwise, topK, internal } = cossim;

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

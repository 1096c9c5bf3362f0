// Fast paths: the streaming metric on heap tensors and a broadcast query, against the independent float64 brute force of fastpaths-support.mjs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cossim, CosineSimilarity, losses, assertClose, assertTensorClose, tolerance,
} from './harness.mjs';
import { refLoss, mulberry32, caseSeed } from './reference.mjs';
import {
  SEED, requireApi, asComputed, bfRows, randArray, specialRows, heapFrom,
} from './fastpaths-support.mjs';

const { alloc, similarity, pairwise, topK, internal } = cossim;

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

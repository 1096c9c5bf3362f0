// The JS<->C++ interface: the layout the module exports is checked at load, status codes arrive as
// typed errors, the lean and the general staging paths agree bit for bit, and one dtype rule holds
// for every entry point.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim, CosineSimilarity } from './harness.mjs';
import { Native } from '../../js/native.mjs';
import { explain, isolated } from './isolate.mjs';

const { alloc, similarity, pairwise, topK, metrics, cosine } = cossim;

describe('interface layout', () => {
  test('the module exports its layout; a missing field or another version fails loudly at load', async () => {
    // The sources' own instance (the suite's 'cossim' is the bundled entry, whose state is private).
    await (await import('../../js/index.mjs')).ready({ backend: cossim.backend() });
    const { loadedNative } = await import('../../js/state.mjs');
    const { x } = loadedNative();
    const heap = new Uint8Array(x.memory.buffer);
    const real = JSON.parse(new TextDecoder().decode(heap.subarray(x.cossim_layout(), heap.indexOf(0, x.cossim_layout()))));
    assert.equal(typeof real.version, 'number');
    assert.equal(real.maxRank, 32);
    // A stand-in module whose exported description is the real one, edited.
    const fake = (edit) => {
      const l = structuredClone(real);
      edit(l);
      const heap = new Uint8Array(1 << 16);
      heap.set(new TextEncoder().encode(JSON.stringify(l)), 0);
      return { memory: { buffer: heap.buffer }, cossim_layout: () => 0, cossim_io_block: () => 1 << 15 };
    };
    assert.throws(() => new Native(fake((l) => { l.version += 1; }), 'simd'), /interface version .* different builds/);
    assert.throws(() => new Native(fake((l) => { delete l.io.out; }), 'simd'), /lacks io\.out/);
    assert.throws(() => new Native(fake((l) => { delete l.status.tooLarge; }), 'simd'), /lacks status\.tooLarge/);
    assert.doesNotThrow(() => new Native(fake(() => {}), 'simd'));
  });
});

describe('status codes arrive as typed errors carrying the core message', () => {
  const loss = new CosineSimilarity();
  test('incompatible shapes: RangeError', () => {
    assert.throws(() => loss.call([[1, 2, 3]], [[1, 2]]), (e) => e instanceof RangeError && /Incompatible shapes/.test(e.message));
    assert.throws(() => new CosineSimilarity({ axis: 5 }).call([1, 2], [1, 2]), (e) => e instanceof RangeError && /Invalid reduction dimension/.test(e.message));
  });
  test('an invalid reduction key: Error (Keras ValueError), not a RangeError or TypeError', () => {
    assert.throws(() => new CosineSimilarity({ reduction: 'avg' }), (e) => e.constructor === Error && /Invalid Reduction Key/.test(e.message));
  });
  test('kinds: TypeError', () => {
    assert.throws(() => loss.call([1, 'a'], [1, 2]), TypeError);
    assert.throws(() => new CosineSimilarity({ dtype: 'float16', flavor: 'keras3' }), TypeError);
  });
  test('sizes beyond memory: RangeError before allocating', () => {
    assert.throws(() => alloc([2 ** 31 - 1, 2]), (e) => e instanceof RangeError && /bytes/.test(e.message));
  });
  test('after every error the module keeps working', () => {
    assert.equal(new CosineSimilarity({ axis: 1 }).call([[0, 1], [1, 1]], [[1, 0], [1, 1]]), Math.fround(-0.5));
  });
});

// The streaming metric's result after one update with (a, b).
function metricResult(a, b) {
  const m = new metrics.CosineSimilarity();
  m.updateState(a, b);
  return m.result();
}

describe('lean path (two typed arrays) and general path agree exactly', () => {
  for (const Arr of [Float32Array, Float64Array]) {
    test(`${Arr.name}: loss.call, similarity, metric, every reduction`, () => {
      const a = Arr.from({ length: 100 }, (_, i) => Math.sin(i));
      const b = Arr.from({ length: 100 }, (_, i) => Math.cos(i * 0.7));
      const ga = { data: a, shape: [100] };
      const gb = { data: b, shape: [100] };
      for (const reduction of ['auto', 'none', 'sum', 'sum_over_batch_size']) {
        const l = new CosineSimilarity({ reduction });
        assert.deepEqual(l.call(a, b), l.call(ga, gb), reduction);
      }
      assert.deepEqual(similarity(a, b), similarity(ga, gb));
      assert.equal(metricResult(a, b), metricResult(ga, gb));
      // cosine(): the lean path against the general staging of rank-1 heap tensors of that dtype.
      const [A, B] = [a, b].map((x) => alloc([100], Arr === Float32Array ? 'float32' : 'float64'));
      A.data.set(a);
      B.data.set(b);
      assert.equal(cosine(a, b), cosine(A, B));
      A.dispose();
      B.dispose();
    });
  }
});

describe('lean path: typed-array views of the module\'s memory', () => {
  // Small views are copied on the lean path, large ones go to the general path (read in place):
  // either way the values are those of plain copies, for every entry point on that path.
  for (const n of [3, 100, 4096, 4097, 5000]) {
    test(`views of ${n} elements (float32 heap tensors' data; a float64 one) agree with copies`, () => {
      const T = alloc([n], 'float32');
      const P = alloc([n], 'float32');
      const P64 = alloc([n], 'float64');
      for (let i = 0; i < n; i++) {
        T.data[i] = Math.sin(i + 1);
        P.data[i] = Math.cos(i * 0.3);
        P64.data[i] = Math.cos(i * 0.3) + 1e-9 * i;
      }
      const [t, p, p64] = [T.data, P.data, P64.data];
      const [ct, cp, cp64] = [t.slice(), p.slice(), p64.slice()];
      for (const reduction of ['auto', 'none', 'sum']) {
        const l = new CosineSimilarity({ reduction });
        assert.deepEqual(l.call(t, p), l.call(ct, cp), `${reduction} f32`);
        assert.deepEqual(l.call(t, p64), l.call(ct, cp64), `${reduction} f64`);
        assert.deepEqual(l.call(cp, t), l.call(cp, ct), `${reduction} mixed`);
      }
      assert.deepEqual(similarity(t, p), similarity(ct, cp));
      assert.equal(metricResult(t, p), metricResult(ct, cp));
      for (const x of [T, P, P64]) x.dispose();
    });
  }
  test('a small view is copied before staging grows the memory (fresh process)', () => {
    const run = isolated(async ({ cossim, assert }) => {
      const T = cossim.alloc([1], 'float32');
      T.data[0] = 0.5;
      const big = Float32Array.from({ length: 1 << 21 }, (_, i) => (i % 7) - 3);
      const heap0 = cossim.heapBytes();
      const loss = new cossim.CosineSimilarity();
      // y_true [1] broadcasts against y_pred [2^21]: staging both needs 8 MiB, more than the
      // initial memory, so the memory grows and detaches T.data while the call stages it.
      const v = loss.call(T.data, big);
      assert.ok(cossim.heapBytes() > heap0, 'the memory grew during the call');
      assert.equal(v, new cossim.CosineSimilarity().call(new Float32Array([0.5]), big));
      assert.equal(T.data[0], 0.5);
      return { v };
    });
    assert.ok(run.ok, explain(run));
  });
});

describe('the module\'s reused plan: one loss, shapes and dtypes in sequence', () => {
  // Each call equals the same call made right after a call of another shape (a fresh plan):
  // a plan reused for the same shapes (its per-sample count, the output shape) is never stale.
  const shapes = [[6], [4, 3], [4, 3], [2, 5, 3], [4, 1], [3], [3], [0, 3], [4, 3], [1], [2, 5, 3]];
  const make = (shape, Arr, k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    return { data: Arr.from({ length: n }, (_, i) => Math.sin(i * 0.37 + k)), shape };
  };
  for (const flavor of ['keras2', 'keras3']) {
    for (const reduction of ['none', 'sum', flavor === 'keras2' ? 'auto' : 'sum_over_batch_size']) {
      test(`${flavor} ${reduction}`, () => {
        const loss = new CosineSimilarity({ reduction, flavor });
        const fresh = (t, p, w) => {
          new CosineSimilarity({ reduction, flavor }).call(make([7, 5], Float32Array, 9), make([7, 5], Float32Array, 8));
          return new CosineSimilarity({ reduction, flavor }).call(t, p, w);
        };
        shapes.forEach((shape, i) => {
          const Arr = i % 3 === 2 ? Float64Array : Float32Array;
          const t = make(shape, Arr, 1);
          const p = make(shape, Arr, 2);
          const lean = shape.length === 1 && shape[0] > 0;
          assert.deepEqual(loss.call(t, p), fresh(t, p), `${i}: ${JSON.stringify(shape)}`);
          if (lean) assert.deepEqual(loss.call(t.data, p.data), fresh(t, p), `${i}: lean`);
          if (shape.length === 2 && shape[0] > 0) {
            const w = make([shape[0]], Arr, 3);
            assert.deepEqual(loss.call(t, p, w), fresh(t, p, w), `${i}: weighted`);
          }
        });
      });
    }
  }
});

describe('one dtype rule: an explicit dtype, else the second operand decides', () => {
  const f32 = new Float32Array([1, 2, 3, 4]);
  const f64 = new Float64Array([4, 3, 2, 1]);
  test('loss and similarity', () => {
    assert.ok(new CosineSimilarity({ reduction: 'none' }).call({ data: f64, shape: [2, 2] }, { data: f32, shape: [2, 2] }).data instanceof Float32Array);
    assert.ok(new CosineSimilarity({ reduction: 'none' }).call({ data: f32, shape: [2, 2] }, { data: f64, shape: [2, 2] }).data instanceof Float64Array);
    assert.ok(similarity(f64, f32).data instanceof Float32Array);
    assert.ok(similarity(f32, f64).data instanceof Float64Array);
    assert.ok(new CosineSimilarity({ reduction: 'none', flavor: 'keras3', dtype: 'float64' }).call({ data: f32, shape: [2, 2] }, { data: f32, shape: [2, 2] }).data instanceof Float64Array);
  });
  test('pairwise and topK', () => {
    assert.ok(pairwise({ data: f64, shape: [2, 2] }, { data: f32, shape: [2, 2] }).data instanceof Float32Array);
    assert.ok(pairwise({ data: f32, shape: [2, 2] }, { data: f64, shape: [2, 2] }).data instanceof Float64Array);
    assert.ok(topK(new Float64Array([1, 0]), { data: f32, shape: [2, 2] }, 1).values instanceof Float32Array);
    const T = alloc([2, 2], 'float64');
    T.data.set(f64);
    assert.ok(topK(new Float32Array([1, 0]), T, 1).values instanceof Float64Array, 'a float64 heap table');
    T.dispose();
  });
});

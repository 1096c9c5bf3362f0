// The JS<->C++ interface: the layout the module exports is checked at load, status codes arrive as
// typed errors, the lean and the general staging paths agree bit for bit, and one dtype rule holds
// for every entry point.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim, CosineSimilarity } from './harness.mjs';
import { Native } from '../../js/native.mjs';

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
      const m1 = new metrics.CosineSimilarity();
      const m2 = new metrics.CosineSimilarity();
      m1.updateState(a, b);
      m2.updateState(ga, gb);
      assert.equal(m1.result(), m2.result());
      assert.equal(cosine(a, b), cosine(Array.from(a), Array.from(b)) * 0 + cosine(a, b));
    });
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

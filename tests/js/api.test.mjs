// Public API: config (keras-semantics.md §5), Reduction, losses namespace,
// tensor(), accepted input kinds and output dtypes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  cossim, CosineSimilarity, losses, Reduction, tensor, f32, f64,
  assertClose, assertTensorClose, checkCase,
} from './harness.mjs';
import { refLoss, refPerSample } from './reference.mjs';

const DT = [[0, 1], [1, 1]];
const DP = [[1, 0], [1, 1]];
const DOC_AUTO = -0.4999999701976776;

describe('module', () => {
  test('exports the pinned API', () => {
    for (const name of ['ready', 'backend', 'heapBytes', 'CosineSimilarity', 'losses', 'Reduction', 'tensor']) {
      assert.ok(name in cossim, `missing export ${name}`);
    }
    assert.equal(typeof cossim.ready, 'function');
    assert.equal(typeof cossim.backend, 'function');
    assert.equal(typeof cossim.heapBytes, 'function');
  });
  test('backend() is "simd" or "scalar"', () => {
    assert.ok(['simd', 'scalar'].includes(cossim.backend()), `backend() = ${cossim.backend()}`);
  });
  test('ready() is idempotent (same backend, still works)', async () => {
    const before = cossim.backend();
    await cossim.ready({ backend: process.env.COSSIM_BACKEND || undefined });
    await cossim.ready({ backend: process.env.COSSIM_BACKEND || undefined });
    assert.equal(cossim.backend(), before);
    assertClose(new CosineSimilarity({ axis: 1 }).call(DT, DP), DOC_AUTO, 'float32', 'after ready()');
  });
});

describe('config (§5)', () => {
  test('default getConfig() is Keras\'s {reduction:"auto", name:"cosine_similarity", axis:-1}', () => {
    assert.deepEqual(new CosineSimilarity().getConfig(), { reduction: 'auto', name: 'cosine_similarity', axis: -1 });
    assert.deepEqual(new CosineSimilarity({}).getConfig(), { reduction: 'auto', name: 'cosine_similarity', axis: -1 });
  });
  test('getConfig() serialises with Keras\'s key order (reduction, name, axis)', () => {
    assert.equal(JSON.stringify(new CosineSimilarity({ axis: 1 }).getConfig()),
      '{"reduction":"auto","name":"cosine_similarity","axis":1}');
  });
  test('getConfig() reflects every option', () => {
    assert.deepEqual(new CosineSimilarity({ axis: 0, reduction: 'sum', name: 'my_loss' }).getConfig(),
      { reduction: 'sum', name: 'my_loss', axis: 0 });
    assert.deepEqual(new CosineSimilarity({ axis: [0, -1] }).getConfig(),
      { reduction: 'auto', name: 'cosine_similarity', axis: [0, -1] });
    for (const reduction of ['auto', 'none', 'sum', 'sum_over_batch_size']) {
      assert.equal(new CosineSimilarity({ reduction }).getConfig().reduction, reduction);
    }
  });
  test('fromConfig(Keras JSON) builds an equivalent loss', () => {
    const cfg = JSON.parse('{"reduction":"auto","name":"cosine_similarity","axis":1}');
    const loss = CosineSimilarity.fromConfig(cfg);
    assert.ok(loss instanceof CosineSimilarity);
    assert.deepEqual(loss.getConfig(), { reduction: 'auto', name: 'cosine_similarity', axis: 1 });
    assertClose(loss.call(DT, DP), DOC_AUTO, 'float32', 'doc AUTO via fromConfig');
  });
  test('fromConfig round trip keeps axis (K2), reduction and name', () => {
    const t = [[[1, 2], [3, 4]], [[5, -6], [0, 1]]];
    const p = [[[2, 1], [3, -4]], [[1, 6], [1, 1]]];
    for (const opts of [{ axis: 0 }, { axis: [1, 2], reduction: 'none' }, { axis: -2, reduction: 'sum', name: 'x' }]) {
      const loss = new CosineSimilarity(opts);
      const back = CosineSimilarity.fromConfig(loss.getConfig());
      assert.deepEqual(back.getConfig(), loss.getConfig());
      const ref = refLoss({ yTrue: t, yPred: p, axis: opts.axis, reduction: opts.reduction ?? 'auto' });
      const got = back.call(t, p);
      if (opts.reduction === 'none') assertTensorClose(got, ref, 'float32', JSON.stringify(opts));
      else assertClose(got, ref, 'float32', JSON.stringify(opts));
    }
  });
  test('fromConfig with Keras reduction values "none" and "sum_over_batch_size"', () => {
    const n = CosineSimilarity.fromConfig({ reduction: 'none', name: 'cosine_similarity', axis: 1 });
    assertTensorClose(n.call(DT, DP), { data: Float64Array.of(-0, -0.9999999403953552), shape: [2] }, 'float32', 'none', { signOfZero: true });
    const s = CosineSimilarity.fromConfig({ reduction: 'sum_over_batch_size', name: 'cosine_similarity', axis: -1 });
    assertClose(s.call(DT, DP), DOC_AUTO, 'float32', 'sobs');
  });
  test('fromConfig with a partial config uses the defaults', () => {
    assert.deepEqual(CosineSimilarity.fromConfig({ axis: 1 }).getConfig(), { reduction: 'auto', name: 'cosine_similarity', axis: 1 });
    assert.deepEqual(CosineSimilarity.fromConfig({}).getConfig(), { reduction: 'auto', name: 'cosine_similarity', axis: -1 });
  });
  test('fromConfig rejects unknown keys with a TypeError (cls(**config))', () => {
    assert.throws(() => CosineSimilarity.fromConfig({ reduction: 'auto', name: 'cosine_similarity', axis: -1, dtype: 'float32' }), TypeError);
    assert.throws(() => CosineSimilarity.fromConfig({ bogus: 1 }), TypeError);
  });
  test('fromConfig with an invalid reduction raises the Keras message', () => {
    assert.throws(() => CosineSimilarity.fromConfig({ reduction: 'bogus', name: 'cosine_similarity', axis: -1 }),
      (e) => e instanceof Error && e.message.includes(`Invalid Reduction Key: bogus. Expected keys are "('auto', 'none', 'sum', 'sum_over_batch_size')"`));
  });
});

describe('Reduction and losses namespace', () => {
  test('Reduction constants', () => {
    assert.equal(Reduction.AUTO, 'auto');
    assert.equal(Reduction.NONE, 'none');
    assert.equal(Reduction.SUM, 'sum');
    assert.equal(Reduction.SUM_OVER_BATCH_SIZE, 'sum_over_batch_size');
  });
  test('Reduction constants are accepted by the constructor', () => {
    assertClose(new CosineSimilarity({ axis: 1, reduction: Reduction.SUM }).call(DT, DP), -0.9999999403953552, 'float32', 'SUM');
    assertClose(new CosineSimilarity({ axis: 1, reduction: Reduction.SUM_OVER_BATCH_SIZE }).call(DT, DP), DOC_AUTO, 'float32', 'SOBS');
    assert.deepEqual(new CosineSimilarity({ axis: 1, reduction: Reduction.NONE }).call(DT, DP).shape, [2]);
  });
  test('losses.CosineSimilarity === CosineSimilarity', () => {
    assert.equal(losses.CosineSimilarity, CosineSimilarity);
  });
  test('losses.cosineSimilarity: per-sample losses, default axis -1', () => {
    const t = [[1, 9, 2], [-5, -2, 6]];
    const p = [[4, 8, 12], [8, 1, 3]];
    const got = losses.cosineSimilarity(t, p);
    assertTensorClose(got, refPerSample({ yTrue: t, yPred: p, dtype: 'float32' }), 'float32', 'default axis');
    const got0 = losses.cosineSimilarity(t, p, 0);
    assertTensorClose(got0, refPerSample({ yTrue: t, yPred: p, axis: 0, dtype: 'float32' }), 'float32', 'axis 0');
    const gotl = losses.cosineSimilarity(t, p, [0, 1]);
    assertTensorClose(gotl, refPerSample({ yTrue: t, yPred: p, axis: [0, 1], dtype: 'float32' }), 'float32', 'axis [0,1]');
  });
  test('losses.cosineSimilarity: float64, rank-1 (shape []), broadcasting', () => {
    const t = f64([1, 2, 2], [3]);
    const p = f64([2, -1, 2], [3]);
    assertTensorClose(losses.cosineSimilarity(t, p), { data: Float64Array.of(-4 / 9), shape: [] }, 'float64', 'rank 1');
    const A = [[[1, 0]], [[0, 1]]];
    const B = f64([1, 0, 0, 1, 3, 4], [1, 3, 2]);
    assertTensorClose(losses.cosineSimilarity(A, B), refPerSample({ yTrue: A, yPred: B }), 'float64', 'pairwise');
  });
  test('losses.cosineSimilarity raises like the loss', () => {
    assert.throws(() => losses.cosineSimilarity([[1, 2, 3]], [[1, 2], [3, 4]]), /Incompatible shapes: \[1,3\] vs\. \[2,2\]/);
    assert.throws(() => losses.cosineSimilarity([[1, 2]], [[1, 2]], 2), /Invalid reduction dimension/);
  });
});

describe('tensor()', () => {
  test('returns {data, shape} with the given values', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    assert.deepEqual([...t.shape], [2, 3]);
    assert.deepEqual(Array.from(t.data), [1, 2, 3, 4, 5, 6]);
    const t2 = tensor(new Float64Array([1, 2]), [2, 1]);
    assert.deepEqual([...t2.shape], [2, 1]);
    assert.deepEqual(Array.from(t2.data), [1, 2]);
  });
  test('rank-0 and empty tensors', () => {
    assert.deepEqual(Array.from(tensor([7], []).data), [7]);
    assert.deepEqual([...tensor([], [0, 3]).shape], [0, 3]);
  });
  test('throws on data/shape mismatch', () => {
    assert.throws(() => tensor([1, 2, 3], [2, 2]), Error);
    assert.throws(() => tensor([1, 2, 3, 4], [4, 2]), Error);
    assert.throws(() => tensor([], []), Error);
  });
  test('throws on negative or fractional dims', () => {
    assert.throws(() => tensor([1, 2], [-1, -2]), Error);
    assert.throws(() => tensor([1, 2, 3], [1.5, 2]), Error);
  });
  test('tensors are accepted by call(); Float64Array data selects float64', () => {
    checkCase({ yTrue: tensor([1, 9, 2, -5, -2, 6], [2, 3]), yPred: tensor([4, 8, 12, 8, 1, 3], [2, 3]), reduction: 'none', msg: 'f32' });
    const yp = tensor(new Float64Array([4, 8, 12, 8, 1, 3]), [2, 3]);
    const got = new CosineSimilarity({ reduction: 'none' }).call(tensor([1, 9, 2, -5, -2, 6], [2, 3]), yp);
    assertTensorClose(got, refLoss({ yTrue: [[1, 9, 2], [-5, -2, 6]], yPred: f64([4, 8, 12, 8, 1, 3], [2, 3]), reduction: 'none' }), 'float64', 'f64');
  });
});

describe('input kinds', () => {
  test('nested arrays of rank 1..4', () => {
    checkCase({ yTrue: [3, 4], yPred: [4, 3], reduction: 'none', msg: 'rank 1' });
    checkCase({ yTrue: [[1, 2], [3, 4]], yPred: [[2, 1], [-3, 4]], reduction: 'none', msg: 'rank 2' });
    checkCase({ yTrue: [[[1, 2]], [[3, 4]]], yPred: [[[2, 1]], [[-3, 4]]], reduction: 'none', msg: 'rank 3' });
    checkCase({ yTrue: [[[[1, 2, 0]]]], yPred: [[[[2, 1, 5]]]], reduction: 'none', msg: 'rank 4' });
  });
  test('[] is shape [0]; [[]] is shape [1,0]', () => {
    assert.deepEqual([...new CosineSimilarity({ reduction: 'none' }).call([[]], [[]]).shape], [1]);
    assertTensorClose(new CosineSimilarity({ reduction: 'none' }).call([[]], [[]]), { data: Float64Array.of(-0), shape: [1] }, 'float32', '[[]]');
    assert.deepEqual([...new CosineSimilarity({ reduction: 'none' }).call([], []).shape], []);
  });
  test('a plain number is rank 0 (K2: rank-0 inputs raise; fine as weight)', () => {
    assert.throws(() => new CosineSimilarity().call(3, 4), /Invalid reduction dimension/);
    checkCase({ yTrue: [[1, 2]], yPred: [[2, 2]], sampleWeight: 2.5, reduction: 'sum', msg: 'number weight' });
  });

  const KINDS = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, Float32Array, Float64Array];
  if (typeof globalThis.Float16Array === 'function') KINDS.push(globalThis.Float16Array);
  for (const K of KINDS) {
    test(`${K.name} is read as rank 1 (y_true, y_pred, weight)`, () => {
      const t = new K([1, 2, 3]);
      const p = new K([3, 1, 2]);
      const dtype = K === Float64Array ? 'float64' : 'float32';
      // as y_true with a Float32Array y_pred
      assertClose(new CosineSimilarity().call(t, new Float32Array([3, 1, 2])), -11 / 14, 'float32', `${K.name} y_true`);
      // as y_pred: output dtype follows y_pred
      const n = new CosineSimilarity({ reduction: 'none' }).call([1, 2, 3], p);
      assertTensorClose(n, { data: Float64Array.of(-11 / 14), shape: [] }, dtype, `${K.name} y_pred`);
      // as weight
      const w = new CosineSimilarity({ reduction: 'none' }).call([[1, 0], [0, 1], [1, 1]], [[1, 0], [0, 1], [1, 1]], new K([1, 2, 3]));
      assertTensorClose(w, { data: Float64Array.of(-1, -2, -3), shape: [3] }, 'float32', `${K.name} weight`);
      // inside {data, shape}
      checkCase({ yTrue: { data: new K([1, 2, 3, 4]), shape: [2, 2] }, yPred: { data: new K([4, 3, 2, 1]), shape: [2, 2] }, reduction: 'none', msg: `${K.name} {data,shape}` });
    });
  }
  test('integer typed arrays keep their signedness (Int8 -128, Uint32 4e9)', () => {
    assertClose(new CosineSimilarity().call(new Int8Array([-128, 0]), new Float32Array([1, 0])), 1, 'float32', 'Int8 -128');
    assertClose(new CosineSimilarity().call(new Uint32Array([4000000000, 0]), new Float32Array([1, 0])), -1, 'float32', 'Uint32 4e9');
    assertClose(new CosineSimilarity().call(new Uint8Array([255, 0]), new Float32Array([-1, 0])), 1, 'float32', 'Uint8 255');
  });
  test('BigInt64Array / BigUint64Array -> TypeError (as y_true, y_pred, weight, data)', () => {
    for (const B of [BigInt64Array, BigUint64Array]) {
      const b = new B([1n, 2n]);
      assert.throws(() => new CosineSimilarity().call(b, [1, 2]), TypeError, `${B.name} y_true`);
      assert.throws(() => new CosineSimilarity().call([1, 2], b), TypeError, `${B.name} y_pred`);
      assert.throws(() => new CosineSimilarity().call([[1, 2], [3, 4]], [[1, 2], [3, 4]], b), TypeError, `${B.name} weight`);
      assert.throws(() => new CosineSimilarity().call({ data: b, shape: [2] }, [1, 2]), TypeError, `${B.name} in {data,shape}`);
    }
    assertClose(new CosineSimilarity({ axis: 1 }).call(DT, DP), DOC_AUTO, 'float32', 'still works');
  });
  test('{data, shape} with plain Array, Float32Array and Float64Array data (row-major)', () => {
    checkCase({ yTrue: { data: [1, 2, 3, 4, 5, 6], shape: [3, 2] }, yPred: { data: [1, 0, 0, 1, 1, 1], shape: [3, 2] }, reduction: 'none', msg: 'array' });
    checkCase({ yTrue: f32([1, 2, 3, 4, 5, 6], [2, 3]), yPred: f32([1, 0, 0, 1, 1, 1], [2, 3]), axis: 0, reduction: 'none', msg: 'f32 axis 0' });
    checkCase({ yTrue: f64([1, 2, 3, 4, 5, 6], [2, 3]), yPred: f64([1, 0, 0, 1, 1, 1], [2, 3]), reduction: 'none', msg: 'f64' });
    checkCase({ yTrue: { data: [5], shape: [1, 1] }, yPred: { data: new Float32Array([-2]), shape: [1, 1] }, reduction: 'none', msg: '[1,1]' });
  });
  test('TF.js-like tensors ({shape, dataSync()}) as y_true, y_pred and weight', () => {
    let calls = 0;
    const fake = (data, shape) => ({
      shape, dtype: 'float32', rank: shape.length, size: data.length,
      dataSync() { calls++; return Float32Array.from(data); },
    });
    const t = fake([1, 9, 2, -5, -2, 6], [2, 3]);
    const p = fake([4, 8, 12, 8, 1, 3], [2, 3]);
    const w = fake([1.2, 3.4], [2]);
    const got = new CosineSimilarity().call(t, p, w);
    assertClose(got, 0.1559919834648657, 'float32', 'Keras test data via fake tensors');
    assert.ok(calls >= 3, 'dataSync() was used');
    const n = new CosineSimilarity({ reduction: 'none' }).call(fake([1, 0, 0, 1], [2, 2]), [[0, 1], [0, 1]]);
    assertTensorClose(n, { data: Float64Array.of(-0, -1), shape: [2] }, 'float32', 'fake none', { signOfZero: true });
  });
  test('mixed containers in one call', () => {
    checkCase({ yTrue: [[1, 2, 3]], yPred: f32([1, 2, 3, 3, 2, 1], [2, 3]), sampleWeight: new Float64Array([0.5, 2]), reduction: 'none', msg: 'mixed' });
  });
  test('inputs are not modified', () => {
    const t = new Float32Array([1, 2, 3, 4]);
    const p = new Float64Array([4, 3, 2, 1]);
    const w = [1, 2];
    const nested = [[1, 2], [3, 4]];
    new CosineSimilarity().call({ data: t, shape: [2, 2] }, { data: p, shape: [2, 2] }, w);
    new CosineSimilarity({ reduction: 'none' }).call(nested, nested, w);
    assert.deepEqual(Array.from(t), [1, 2, 3, 4]);
    assert.deepEqual(Array.from(p), [4, 3, 2, 1]);
    assert.deepEqual(w, [1, 2]);
    assert.deepEqual(nested, [[1, 2], [3, 4]]);
  });
});

describe('output types and computation dtype', () => {
  test('reductions return a plain number', () => {
    for (const reduction of ['auto', 'sum', 'sum_over_batch_size']) {
      assert.equal(typeof new CosineSimilarity({ reduction }).call(DT, DP), 'number');
      assert.equal(typeof new CosineSimilarity({ reduction }).call(f64(DT.flat(), [2, 2]), f64(DP.flat(), [2, 2])), 'number');
    }
  });
  test("'none': Float32Array unless y_pred data is a Float64Array; shape is a plain array", () => {
    const n32 = new CosineSimilarity({ reduction: 'none' }).call(DT, DP);
    assert.ok(n32.data instanceof Float32Array);
    assert.ok(Array.isArray(n32.shape));
    const n64 = new CosineSimilarity({ reduction: 'none' }).call(DT, f64(DP.flat(), [2, 2]));
    assert.ok(n64.data instanceof Float64Array);
    const nt64 = new CosineSimilarity({ reduction: 'none' }).call(f64(DT.flat(), [2, 2]), DP);
    assert.ok(nt64.data instanceof Float32Array, 'y_true Float64Array does not select float64');
    const nw64 = new CosineSimilarity({ reduction: 'none' }).call(DT, DP, new Float64Array([1, 2]));
    assert.ok(nw64.data instanceof Float32Array, 'weight Float64Array does not select float64');
    const raw64 = new CosineSimilarity({ reduction: 'none' }).call([1, 2], new Float64Array([2, 1]));
    assert.ok(raw64.data instanceof Float64Array, 'bare Float64Array y_pred');
    assert.deepEqual(raw64.shape, []);
  });
  test("'none' of rank-1 inputs returns shape [] with one element", () => {
    const n = new CosineSimilarity({ reduction: 'none' }).call([1, 2, 2], [2, -1, 2]);
    assert.deepEqual(n.shape, []);
    assert.equal(n.data.length, 1);
  });
  test('float32 computation casts y_true to float32 (1e39 -> Inf -> NaN)', () => {
    const got = new CosineSimilarity().call(new Float64Array([1e39, 0]), new Float32Array([1, 0]));
    assertClose(got, NaN, 'float32', 'f32 cast of y_true');
    assertClose(new CosineSimilarity().call([1e39, 0], [1, 0]), NaN, 'float32', 'nested y_pred is float32');
  });
  test('float64 computation keeps y_true in float64 (1e39 is finite)', () => {
    const got = new CosineSimilarity().call([1e39, 0], new Float64Array([1, 0]));
    assertClose(got, -1, 'float64', 'f64 keeps 1e39');
  });
  test('weights are cast to the computation dtype (1e39 -> Inf in float32)', () => {
    assertClose(new CosineSimilarity({ reduction: 'sum' }).call([[1, 0]], [[1, 0]], 1e39), -Infinity, 'float32', 'f32 weight');
    assertClose(new CosineSimilarity({ reduction: 'sum' }).call([[1, 0]], f64([1, 0], [1, 2]), 1e39), -1e39, 'float64', 'f64 weight');
  });
  test('float64 computation is accurate to 1e-12 on values not representable in float32', () => {
    const t = f64([0.1, 0.2, 0.3000001, 1 / 3, Math.PI, Math.E], [2, 3]);
    const p = f64([0.7, -0.11, 0.9, 1e-3, 2 / 7, Math.SQRT2], [2, 3]);
    checkCase({ yTrue: t, yPred: p, reduction: 'none', msg: 'f64 precision' });
    checkCase({ yTrue: [[0.1, 0.2, 0.3000001], [1 / 3, Math.PI, Math.E]], yPred: p, sampleWeight: [0.1, 0.7], msg: 'f64 plain y_true' });
  });
  test('integer typed y_pred computes in float32', () => {
    const n = new CosineSimilarity({ reduction: 'none' }).call([[1, 2]], { data: new Int32Array([2, 1]), shape: [1, 2] });
    assert.ok(n.data instanceof Float32Array);
    assertTensorClose(n, { data: Float64Array.of(-0.8), shape: [1] }, 'float32', 'int32');
  });
});

describe('loss objects', () => {
  test('one object serves many calls of different shapes', () => {
    const loss = new CosineSimilarity({ reduction: 'none' });
    checkCase({ yTrue: [1, 2], yPred: [2, 1], reduction: 'none', msg: 'warm' });
    for (const [t, p] of [
      [[[1, 2, 3]], [[3, 2, 1]]],
      [[1, 2, 3, 4], [4, 3, 2, 1]],
      [[[[1], [2]]], [[[2], [1]]]],
    ]) {
      assertTensorClose(loss.call(t, p), refLoss({ yTrue: t, yPred: p, reduction: 'none' }), 'float32', JSON.stringify(t));
    }
  });
  test('sampleWeight undefined and null both mean no weight', () => {
    const loss = new CosineSimilarity({ axis: 1 });
    assertClose(loss.call(DT, DP, undefined), DOC_AUTO, 'float32', 'undefined');
    assertClose(loss.call(DT, DP, null), DOC_AUTO, 'float32', 'null');
  });
});

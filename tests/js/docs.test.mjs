// keras-semantics.md §8: the Keras documentation examples and Keras's own test data.
//
// Tolerances that tell the documented values apart. cossim computes in double and rounds the
// result to the computation dtype once, so a float32 result is the float32 rounding of the exact
// value (the float64 reference) — here asserted exactly: Math.fround(reference). Keras's float32
// arithmetic prints values one float32 step away (−0.49999997 for −0.5); those documented float32
// values are stated beside each test and are checked to lie within float32 arithmetic error
// (1e-6 relative) of the reference, not taken as the expected result. float64 results are checked
// against the documented float64 constants within 1e-12.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CosineSimilarity, losses, f64, assertClose, assertTensorClose } from './harness.mjs';

const D = { yTrue: [[0, 1], [1, 1]], yPred: [[1, 0], [1, 1]] };
const D64 = { yTrue: f64([0, 1, 1, 1], [2, 2]), yPred: f64([1, 0, 1, 1], [2, 2]) };

function none(vals) {
  return { data: Float64Array.from(vals), shape: [vals.length] };
}

// The float32 result must be the float32 rounding of the exact value `ref`; `keras` is the value
// Keras's float32 documentation prints.
function exactF32(got, ref, keras, msg) {
  assert.ok(Math.abs(keras - ref) <= 1e-6 * (1 + Math.abs(ref)), `${msg}: documented ${keras} vs reference ${ref}`);
  assert.ok(Object.is(got, Math.fround(ref)),
    `${msg}: got ${got}, expected fround(${ref}) = ${Math.fround(ref)} (Keras's float32 prints ${keras})`);
}
function exactF32Tensor(got, refs, keras, msg) {
  assert.ok(got.data instanceof Float32Array, `${msg}: Float32Array`);
  assert.equal(got.data.length, refs.length, `${msg}: length`);
  refs.forEach((r, i) => exactF32(got.data[i], r, keras[i], `${msg}[${i}]`));
}

// The documentation example: per-sample −cos = [−0, −1]; reductions of those, exactly.
describe('§8 doc examples, float32 (Keras default): the float32 rounding of the exact value', () => {
  test('AUTO = -0.5 (Keras float32 prints -0.49999997)', () => {
    exactF32(new CosineSimilarity({ axis: 1 }).call(D.yTrue, D.yPred), -0.5, -0.4999999701976776, 'AUTO');
  });
  test('SUM_OVER_BATCH_SIZE = -0.5 (Keras: -0.49999997)', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'sum_over_batch_size' }).call(D.yTrue, D.yPred);
    exactF32(got, -0.5, -0.4999999701976776, 'SOBS');
  });
  test('sample_weight=[0.8,0.2] = -(0.2f)/2 (Keras: -0.099999994)', () => {
    const got = new CosineSimilarity({ axis: 1 }).call(D.yTrue, D.yPred, [0.8, 0.2]);
    exactF32(got, -Math.fround(0.2) / 2, -0.09999999403953552, 'weighted');
  });
  test('SUM = -1 (Keras: -0.99999994)', () => {
    exactF32(new CosineSimilarity({ axis: 1, reduction: 'sum' }).call(D.yTrue, D.yPred), -1, -0.9999999403953552, 'SUM');
  });
  test('NONE = [-0.0, -1] (Float32Array, sign of zero kept; Keras: [-0., -0.99999994])', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(D.yTrue, D.yPred);
    exactF32Tensor(got, [-0, -1], [-0, -0.9999999403953552], 'NONE');
  });
  test('SUM + w = -(0.2f) (Keras: -0.19999999)', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'sum' }).call(D.yTrue, D.yPred, [0.8, 0.2]);
    exactF32(got, -Math.fround(0.2), -0.19999998807907104, 'SUM+w');
  });
  test('NONE + w = [-0.0, -(0.2f)] (Keras: [-0., -0.19999999])', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(D.yTrue, D.yPred, [0.8, 0.2]);
    exactF32Tensor(got, [-0, -Math.fround(0.2)], [-0, -0.19999998807907104], 'NONE+w');
  });
  test('function form: cosine_similarity([[0,1],[1,1],[1,1]], [[1,0],[1,1],[-1,-1]], axis=1) = [-0, -1, 1]', () => {
    const got = losses.cosineSimilarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]], 1);
    exactF32Tensor(got, [-0, -1, 1], [-0, -0.9999999403953552, 0.9999999403953552], 'fn');
  });
});

describe('§8 doc examples, float64 (Float64Array y_pred)', () => {
  test('AUTO = -0.4999999999999999', () => {
    assertClose(new CosineSimilarity({ axis: 1 }).call(D64.yTrue, D64.yPred), -0.4999999999999999, 'float64', 'AUTO');
  });
  test('sample_weight=[0.8,0.2] = -0.09999999999999998', () => {
    const got = new CosineSimilarity({ axis: 1 }).call(D64.yTrue, D64.yPred, [0.8, 0.2]);
    assertClose(got, -0.09999999999999998, 'float64', 'weighted');
  });
  test('float32 weights under float64 computation = -0.10000000149011609', () => {
    const got = new CosineSimilarity({ axis: 1 }).call(D64.yTrue, D64.yPred, new Float32Array([0.8, 0.2]));
    assertClose(got, -0.10000000149011609, 'float64', 'f32 weights');
  });
  test('SUM = -0.9999999999999998', () => {
    assertClose(new CosineSimilarity({ axis: 1, reduction: 'sum' }).call(D64.yTrue, D64.yPred), -0.9999999999999998, 'float64', 'SUM');
  });
  test('NONE = [-0, -0.9999999999999998] (Float64Array)', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(D64.yTrue, D64.yPred);
    assertTensorClose(got, none([-0, -0.9999999999999998]), 'float64', 'NONE', { signOfZero: true });
  });
  test('SUM + w = -0.19999999999999996; NONE + w = [-0, -0.19999999999999996]', () => {
    const s = new CosineSimilarity({ axis: 1, reduction: 'sum' }).call(D64.yTrue, D64.yPred, [0.8, 0.2]);
    assertClose(s, -0.19999999999999996, 'float64', 'SUM+w');
    const n = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(D64.yTrue, D64.yPred, [0.8, 0.2]);
    assertTensorClose(n, none([-0, -0.19999999999999996]), 'float64', 'NONE+w', { signOfZero: true });
  });
  test('function form, float64', () => {
    const got = losses.cosineSimilarity(
      f64([0, 1, 1, 1, 1, 1], [3, 2]), f64([1, 0, 1, 1, -1, -1], [3, 2]), 1);
    assertTensorClose(got, none([-0, -0.9999999999999998, 0.9999999999999998]), 'float64', 'fn', { signOfZero: true });
  });
});

// keras/losses_test.py CosineSimilarityTest data.
const KT = [[1, 9, 2], [-5, -2, 6]];
const KP = [[4, 8, 12], [8, 1, 3]];
const AUTO = -0.1872190708466051;
const W = 0.1559919834648657;
// The same with the weights rounded to float32 first (what a float32 computation weighs with):
// mean(-cos_i * fround(w_i)) from the per-sample cosines of the data, in float64.
const COS = KT.map((t, i) => {
  const p = KP[i];
  const dot = t.reduce((s, x, j) => s + x * p[j], 0);
  return dot / Math.sqrt(t.reduce((s, x) => s + x * x, 0) * p.reduce((s, x) => s + x * x, 0));
});
const Wf32 = (-COS[0] * Math.fround(1.2) - COS[1] * Math.fround(3.4)) / 2;

for (const dtype of ['float32', 'float64']) {
  const yT = dtype === 'float64' ? f64(KT.flat(), [2, 3]) : KT;
  const yP = dtype === 'float64' ? f64(KP.flat(), [2, 3]) : KP;
  // float32: one rounding of the result (and of the weights, which the expected values include)
  // from the float64 constants: within 2^-24 relative (+1e-15 for the double computation), 16x
  // tighter than the suite's general 1e-6.
  const close = dtype === 'float64'
    ? (got, ref, msg) => assertClose(got, ref, dtype, msg)
    : (got, ref, msg) => assert.ok(Math.abs(got - ref) <= 2 ** -24 * Math.abs(ref) + 1e-15,
      `${msg}: got ${got}, reference ${ref}, |err| ${Math.abs(got - ref)} > one float32 rounding`);
  describe(`§8 Keras test data (losses_test.py), ${dtype}`, () => {
    test('test_unweighted: -0.18721907084660510', () => {
      close(new CosineSimilarity().call(yT, yP), AUTO, 'unweighted');
    });
    test('test_axis (axis=1): same value', () => {
      close(new CosineSimilarity({ axis: 1 }).call(yT, yP), AUTO, 'axis=1');
    });
    test('test_scalar_weighted (2.3): 2.3 * unweighted', () => {
      const w = dtype === 'float32' ? Math.fround(2.3) : 2.3;
      close(new CosineSimilarity().call(yT, yP, 2.3), AUTO * w, 'scalar 2.3');
    });
    test('test_sample_weighted ([1.2,3.4]): 0.1559919834648657', () => {
      close(new CosineSimilarity().call(yT, yP, [1.2, 3.4]), dtype === 'float32' ? Wf32 : W, 'w=[1.2,3.4]');
    });
    test('test_sample_weighted with [2,1] weights: same value', () => {
      close(new CosineSimilarity().call(yT, yP, [[1.2], [3.4]]), dtype === 'float32' ? Wf32 : W, 'w=[[1.2],[3.4]]');
    });
    test('test_zero_weighted: 0', () => {
      assertClose(new CosineSimilarity().call(yT, yP, 0), 0, dtype, 'w=0');
    });
    test('test_timestep_weighted: [2,3,1] inputs, w=[[3,6,5],[0,4,2]] -> -2.0', () => {
      const t3 = dtype === 'float64' ? f64(KT.flat(), [2, 3, 1]) : KT.map((r) => r.map((v) => [v]));
      const p3 = dtype === 'float64' ? f64(KP.flat(), [2, 3, 1]) : KP.map((r) => r.map((v) => [v]));
      const got = new CosineSimilarity().call(t3, p3, [[3, 6, 5], [0, 4, 2]]);
      close(got, -2.0, 'timestep');
      const n = new CosineSimilarity({ reduction: 'none' }).call(t3, p3);
      assertTensorClose(n, { data: Float64Array.of(-1, -1, -1, 1, 1, -1), shape: [2, 3] }, dtype, 'timestep none');
    });
  });
}

test('§1.1: [[0,2,3]] against itself is about -1 (float32 may give -1.0000001)', () => {
  const got = new CosineSimilarity().call([[0, 2, 3]], [[0, 2, 3]]);
  assertClose(got, -1, 'float32', 'self');
  assert.ok(got <= -0.9999998 && got >= -1.0000002);
});

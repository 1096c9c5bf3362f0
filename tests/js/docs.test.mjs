// keras-semantics.md §8: the Keras documentation examples and Keras's own test
// data, against the documented constants (float32 column within 1e-6,
// float64 column within 1e-12).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CosineSimilarity, losses, f64, assertClose, assertTensorClose } from './harness.mjs';

const D = { yTrue: [[0, 1], [1, 1]], yPred: [[1, 0], [1, 1]] };
const D64 = { yTrue: f64([0, 1, 1, 1], [2, 2]), yPred: f64([1, 0, 1, 1], [2, 2]) };

function none(vals) {
  return { data: Float64Array.from(vals), shape: [vals.length] };
}

describe('§8 doc examples, float32 (Keras default)', () => {
  test('AUTO = -0.49999997', () => {
    const got = new CosineSimilarity({ axis: 1 }).call(D.yTrue, D.yPred);
    assertClose(got, -0.4999999701976776, 'float32', 'AUTO');
  });
  test('SUM_OVER_BATCH_SIZE = -0.49999997', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'sum_over_batch_size' }).call(D.yTrue, D.yPred);
    assertClose(got, -0.4999999701976776, 'float32', 'SOBS');
  });
  test('sample_weight=[0.8,0.2] = -0.099999994', () => {
    const got = new CosineSimilarity({ axis: 1 }).call(D.yTrue, D.yPred, [0.8, 0.2]);
    assertClose(got, -0.09999999403953552, 'float32', 'weighted');
  });
  test('SUM = -0.99999994', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'sum' }).call(D.yTrue, D.yPred);
    assertClose(got, -0.9999999403953552, 'float32', 'SUM');
  });
  test('NONE = [-0.0, -0.99999994] (Float32Array, sign of zero kept)', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(D.yTrue, D.yPred);
    assertTensorClose(got, none([-0, -0.9999999403953552]), 'float32', 'NONE', { signOfZero: true });
  });
  test('SUM + w = -0.19999999', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'sum' }).call(D.yTrue, D.yPred, [0.8, 0.2]);
    assertClose(got, -0.19999998807907104, 'float32', 'SUM+w');
  });
  test('NONE + w = [-0.0, -0.19999999]', () => {
    const got = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(D.yTrue, D.yPred, [0.8, 0.2]);
    assertTensorClose(got, none([-0, -0.19999998807907104]), 'float32', 'NONE+w', { signOfZero: true });
  });
  test('function form: cosine_similarity([[0,1],[1,1],[1,1]], [[1,0],[1,1],[-1,-1]], axis=1)', () => {
    const got = losses.cosineSimilarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]], 1);
    assertTensorClose(got, none([-0, -0.9999999403953552, 0.9999999403953552]), 'float32', 'fn', { signOfZero: true });
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

for (const dtype of ['float32', 'float64']) {
  const yT = dtype === 'float64' ? f64(KT.flat(), [2, 3]) : KT;
  const yP = dtype === 'float64' ? f64(KP.flat(), [2, 3]) : KP;
  // float32 results differ from the float64 constants by float32 rounding
  // of inputs/weights, well inside 1e-6.
  describe(`§8 Keras test data (losses_test.py), ${dtype}`, () => {
    test('test_unweighted: -0.18721907084660510', () => {
      assertClose(new CosineSimilarity().call(yT, yP), AUTO, dtype, 'unweighted');
    });
    test('test_axis (axis=1): same value', () => {
      assertClose(new CosineSimilarity({ axis: 1 }).call(yT, yP), AUTO, dtype, 'axis=1');
    });
    test('test_scalar_weighted (2.3): 2.3 * unweighted', () => {
      const w = dtype === 'float32' ? Math.fround(2.3) : 2.3;
      assertClose(new CosineSimilarity().call(yT, yP, 2.3), AUTO * w, dtype, 'scalar 2.3');
    });
    test('test_sample_weighted ([1.2,3.4]): 0.1559919834648657', () => {
      assertClose(new CosineSimilarity().call(yT, yP, [1.2, 3.4]), W, dtype, 'w=[1.2,3.4]');
    });
    test('test_sample_weighted with [2,1] weights: same value', () => {
      assertClose(new CosineSimilarity().call(yT, yP, [[1.2], [3.4]]), W, dtype, 'w=[[1.2],[3.4]]');
    });
    test('test_zero_weighted: 0', () => {
      assertClose(new CosineSimilarity().call(yT, yP, 0), 0, dtype, 'w=0');
    });
    test('test_timestep_weighted: [2,3,1] inputs, w=[[3,6,5],[0,4,2]] -> -2.0', () => {
      const t3 = dtype === 'float64' ? f64(KT.flat(), [2, 3, 1]) : KT.map((r) => r.map((v) => [v]));
      const p3 = dtype === 'float64' ? f64(KP.flat(), [2, 3, 1]) : KP.map((r) => r.map((v) => [v]));
      const got = new CosineSimilarity().call(t3, p3, [[3, 6, 5], [0, 4, 2]]);
      assertClose(got, -2.0, dtype, 'timestep');
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

// keras-semantics.md §11 checklist, items 1-10 (item 11 is the metric and
// item 12 config, covered in api.test.mjs). Values come from the documented
// constants or from the independent reference.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CosineSimilarity, f32, f64, assertClose, assertTensorClose, checkCase,
} from './harness.mjs';
import { refLoss } from './reference.mjs';

const both = ['float32', 'float64'];
const mk = (dtype) => (dtype === 'float64' ? f64 : f32);
const noneOf = (vals, shape = [vals.length]) => ({ data: Float64Array.from(vals), shape });

describe('§11.1 sign: loss = -cos', () => {
  for (const dtype of both) {
    const T = mk(dtype);
    test(`identical vectors give -1 (${dtype})`, () => {
      const got = new CosineSimilarity({ reduction: 'none' }).call(T([1, 2, 3, -4, 5, 6], [2, 3]), T([1, 2, 3, -4, 5, 6], [2, 3]));
      assertTensorClose(got, noneOf([-1, -1]), dtype, 'identical');
      assertClose(new CosineSimilarity().call(T([1, 2, 3], [1, 3]), T([2, 4, 6], [1, 3])), -1, dtype, 'parallel, scaled');
    });
    test(`opposite vectors give +1 (${dtype})`, () => {
      const got = new CosineSimilarity({ reduction: 'none' }).call(T([1, 2, 3, -4, 5, 6], [2, 3]), T([-1, -2, -3, 8, -10, -12], [2, 3]));
      assertTensorClose(got, noneOf([1, 1]), dtype, 'opposite');
    });
    test(`orthogonal vectors give -0.0 in NONE output (${dtype})`, () => {
      const got = new CosineSimilarity({ reduction: 'none' }).call(
        T([1, 0, 0, 1, 3, 4], [3, 2]), T([0, 1, -1, 0, -4, 3], [3, 2]));
      assertTensorClose(got, noneOf([-0, -0, -0]), dtype, 'orthogonal', { signOfZero: true });
    });
    test(`general value matches -dot/(|a||b|) (${dtype})`, () => {
      // [1,2,2]·[2,-1,2] = 4; norms 3, 3 -> cos 4/9
      const got = new CosineSimilarity().call(T([1, 2, 2], [1, 3]), T([2, -1, 2], [1, 3]));
      assertClose(got, -4 / 9, dtype, '-4/9');
    });
  }
});

describe('§11.2 zero and tiny vectors', () => {
  for (const dtype of both) {
    const T = mk(dtype);
    test(`zero vector on y_true gives -0.0, not NaN (${dtype})`, () => {
      const got = new CosineSimilarity({ reduction: 'none' }).call(T([0, 0, 1, 2], [2, 2]), T([3, -4, 1, 2], [2, 2]));
      assertTensorClose(got, noneOf([-0, -1]), dtype, 'zero y_true', { signOfZero: true });
    });
    test(`zero vector on y_pred gives -0.0, not NaN (${dtype})`, () => {
      const got = new CosineSimilarity({ reduction: 'none' }).call(T([3, -4, 1, 2], [2, 2]), T([0, 0, 1, 2], [2, 2]));
      assertTensorClose(got, noneOf([-0, -1]), dtype, 'zero y_pred', { signOfZero: true });
    });
    test(`zero vectors on both sides give 0; reductions are 0 (${dtype})`, () => {
      const z = T([0, 0, 0, 0], [2, 2]);
      assertTensorClose(new CosineSimilarity({ reduction: 'none' }).call(z, z), noneOf([-0, -0]), dtype, 'both zero', { signOfZero: true });
      assertClose(new CosineSimilarity().call(z, z), 0, dtype, 'auto');
      assertClose(new CosineSimilarity({ reduction: 'sum' }).call(z, z), 0, dtype, 'sum');
    });
    test(`tiny vector [3e-7,4e-7] vs [3,4] gives -0.5, not -1 (${dtype})`, () => {
      assertClose(new CosineSimilarity().call(T([3e-7, 4e-7], [1, 2]), T([3, 4], [1, 2])), -0.5, dtype, 'tiny y_true');
      assertClose(new CosineSimilarity().call(T([3, 4], [1, 2]), T([3e-7, 4e-7], [1, 2])), -0.5, dtype, 'tiny y_pred');
    });
    test(`tiny [1e-7,0] vs [1,0] gives -0.1; [1e-8,0] gives -0.01 (${dtype})`, () => {
      assertClose(new CosineSimilarity().call(T([1e-7, 0], [1, 2]), T([1, 0], [1, 2])), -0.1, dtype, '1e-7');
      assertClose(new CosineSimilarity().call(T([1e-8, 0], [1, 2]), T([1, 0], [1, 2])), -0.01, dtype, '1e-8');
    });
    test(`tiny on both sides: 1e6^2 scaling (${dtype})`, () => {
      // both scaled by 1e6: [0.3,0.4]·[0.06,0.08] = 0.05
      assertClose(new CosineSimilarity().call(T([3e-7, 4e-7], [1, 2]), T([6e-8, 8e-8], [1, 2])), -0.05, dtype, 'both tiny');
    });
    test(`just above the threshold is scale-invariant (${dtype})`, () => {
      // ss = 4e-12 > eps: normalised to unit length
      assertClose(new CosineSimilarity().call(T([2e-6, 0], [1, 2]), T([1, 0], [1, 2])), -1, dtype, '2e-6');
    });
  }
});

describe('§11.3 axis', () => {
  const a = [[1, 9, 2], [-5, -2, 6]];
  const b = [[4, 8, 12], [8, 1, 3]];
  test('default axis is -1', () => {
    checkCase({ yTrue: a, yPred: b, reduction: 'none', msg: 'default' });
    const d = new CosineSimilarity({ reduction: 'none' }).call(a, b);
    const e = refLoss({ yTrue: a, yPred: b, axis: -1, reduction: 'none' });
    assertTensorClose(d, e, 'float32', 'default == -1');
  });
  test('axis 0 (columns)', () => {
    checkCase({ yTrue: a, yPred: b, axis: 0, reduction: 'none', msg: 'axis 0' });
    // hand value for column 0: [1,-5]·[4,8] = -36; |.|=sqrt(26)*sqrt(80)
    const got = new CosineSimilarity({ axis: 0, reduction: 'none' }).call(f64(a.flat(), [2, 3]), f64(b.flat(), [2, 3]));
    assertClose(got.data[0], 36 / Math.sqrt(26 * 80), 'float64', 'column 0');
  });
  test('negative axis -2 on rank 3', () => {
    const t = [[[1, 2], [3, 4], [5, -6]], [[0, 1], [2, 0], [1, 1]]];
    const p = [[[2, 1], [-3, 4], [5, 6]], [[1, 1], [2, 2], [0, 1]]];
    checkCase({ yTrue: t, yPred: p, axis: -2, reduction: 'none', msg: 'axis -2' });
    checkCase({ yTrue: t, yPred: p, axis: -3, reduction: 'sum', msg: 'axis -3' });
  });
  test('list of axes [1,2] and [-1,0] (one cosine over several dims)', () => {
    const t = [[[1, 2], [3, 4], [5, -6]], [[0, 1], [2, 0], [1, 1]]];
    const p = [[[2, 1], [-3, 4], [5, 6]], [[1, 1], [2, 2], [0, 1]]];
    checkCase({ yTrue: t, yPred: p, axis: [1, 2], reduction: 'none', msg: 'axis [1,2]' });
    checkCase({ yTrue: t, yPred: p, axis: [-1, 0], reduction: 'none', msg: 'axis [-1,0]' });
    // hand value: all axes of a [2,2] -> a single cosine
    const got = new CosineSimilarity({ axis: [0, 1], reduction: 'none' }).call(f64([1, 2, 2, 0], [2, 2]), f64([2, -1, 2, 0], [2, 2]));
    assertTensorClose(got, noneOf([-4 / 9], []), 'float64', 'axis [0,1]');
  });
  test('out-of-range axis raises "Invalid reduction dimension"', () => {
    for (const axis of [2, -3, 5]) {
      assert.throws(() => new CosineSimilarity({ axis }).call(a, b), (e) => e instanceof Error && /Invalid reduction dimension/.test(e.message), `axis ${axis}`);
    }
    assert.throws(() => new CosineSimilarity({ axis: [0, 2] }).call(a, b), /Invalid reduction dimension/);
  });
  test('duplicate axes raise ("duplicate")', () => {
    assert.throws(() => new CosineSimilarity({ axis: [1, -1] }).call(a, b), (e) => e instanceof Error && /duplicate/.test(e.message));
    assert.throws(() => new CosineSimilarity({ axis: [0, 0] }).call(a, b), /duplicate/);
  });
  test('rank-0 inputs raise (K2)', () => {
    assert.throws(() => new CosineSimilarity().call(1, 2), (e) => e instanceof Error && /Invalid reduction dimension/.test(e.message));
    assert.throws(() => new CosineSimilarity().call({ data: [3], shape: [] }, { data: new Float64Array([2]), shape: [] }), /Invalid reduction dimension/);
    // one side rank 0 is still normalised over its own (absent) axis
    assert.throws(() => new CosineSimilarity().call(1, [1, 2]), /Invalid reduction dimension/);
  });
  test('rank-1 inputs give a scalar (rank-0) loss; every reduction returns it', () => {
    const t = [1, 2, 2];
    const p = [2, -1, 2];
    const n = new CosineSimilarity({ reduction: 'none' }).call(t, p);
    assertTensorClose(n, noneOf([-4 / 9], []), 'float32', 'none');
    for (const reduction of ['auto', 'sum', 'sum_over_batch_size']) {
      assertClose(new CosineSimilarity({ reduction }).call(t, p), -4 / 9, 'float32', reduction);
    }
    assertTensorClose(new CosineSimilarity({ reduction: 'none' }).call(f64(t, [3]), f64(p, [3])), noneOf([-4 / 9], []), 'float64', 'none f64');
  });
  test('axis [] reduces nothing (reduce_sum over no axes, Keras literal)', () => {
    checkCase({ yTrue: [[1, -2], [0, 4]], yPred: [[3, 2], [5, 0.5]], axis: [], reduction: 'none', msg: 'axis []' });
  });
  test('operands of different rank normalise over their own resolved axes', () => {
    // axis=1 with y_true [n,d] and y_pred [1,n,d]: y_true along d, y_pred along n
    const t = [[1, 2, 3], [4, 5, 6]];
    const p = [[[1, 0, 2], [3, 1, -1]]];
    checkCase({ yTrue: t, yPred: p, axis: 1, reduction: 'none', msg: 'mixed ranks' });
    checkCase({ yTrue: f64(t.flat(), [2, 3]), yPred: f64(p.flat(2), [1, 2, 3]), axis: 1, reduction: 'none', msg: 'mixed ranks f64' });
  });
});

describe('§11.4 rank rule (squeeze)', () => {
  test('y_pred [n,d,1] is squeezed against y_true [n,d]', () => {
    const t = [[1, 2, 3], [4, 5, 6]];
    const p = [[[1], [0], [2]], [[3], [1], [-1]]];
    checkCase({ yTrue: t, yPred: p, reduction: 'none', msg: 'squeeze y_pred' });
    const n = new CosineSimilarity({ reduction: 'none' }).call(t, p);
    const n2 = refLoss({ yTrue: t, yPred: [[1, 0, 2], [3, 1, -1]], reduction: 'none' });
    assertTensorClose(n, n2, 'float32', 'same as unsqueezed');
  });
  test('y_true [n,d,1] is squeezed against y_pred [n,d]', () => {
    const t = [[[1], [2], [3]], [[4], [5], [6]]];
    const p = [[1, 0, 2], [3, 1, -1]];
    checkCase({ yTrue: t, yPred: p, reduction: 'none', msg: 'squeeze y_true' });
    assert.deepEqual(new CosineSimilarity({ reduction: 'none' }).call(t, p).shape, [2]);
  });
  test('[n] with [n,1] gives one scalar cosine over the batch', () => {
    const got = new CosineSimilarity({ reduction: 'none' }).call([1, 2, 2], [[2], [-1], [2]]);
    assertTensorClose(got, noneOf([-4 / 9], []), 'float32', '[n] vs [n,1]');
    const got2 = new CosineSimilarity({ reduction: 'none' }).call([[1], [2], [2]], [2, -1, 2]);
    assertTensorClose(got2, noneOf([-4 / 9], []), 'float32', '[n,1] vs [n]');
  });
  test('nothing is expanded: [2,3] vs [2] is incompatible', () => {
    assert.throws(() => new CosineSimilarity().call([[1, 2, 3], [4, 5, 6]], [1, 2]),
      (e) => e instanceof Error && e.message.includes('Incompatible shapes: [2,3] vs. [2]'));
  });
  test('[3,1] vs [3,1,1]: y_pred squeezed, then length-1 vectors give signs', () => {
    checkCase({ yTrue: [[2], [-3], [0]], yPred: [[[5]], [[4]], [[-1]]], reduction: 'none', msg: 'signs' });
    const got = new CosineSimilarity({ reduction: 'none' }).call([[2], [-3], [0]], [[[5]], [[4]], [[-1]]]);
    assertTensorClose(got, noneOf([-1, 1, -0]), 'float32', 'signs', { signOfZero: true });
  });
});

describe('§11.5 broadcasting', () => {
  test('[1,d] x [n,d] gives n losses', () => {
    checkCase({ yTrue: [[1, 2, 3]], yPred: [[1, 2, 3], [-1, 0, 1], [3, 2, 1], [0, 0, 1]], reduction: 'none', msg: '[1,d]x[n,d]' });
    const got = new CosineSimilarity({ reduction: 'none' }).call([[1, 2, 2]], [[1, 2, 2], [2, -1, 2]]);
    assertTensorClose(got, noneOf([-1, -4 / 9]), 'float32', 'hand');
  });
  test('[m,1,d] x [1,n,d] gives an [m,n] matrix of pairwise losses', () => {
    const A = [[[1, 0]], [[0, 1]], [[1, 1]]];
    const B = [[[1, 0], [0, 1], [-1, 0], [3, 4]]];
    checkCase({ yTrue: A, yPred: B, reduction: 'none', msg: 'pairwise' });
    const got = new CosineSimilarity({ reduction: 'none' }).call(f64(A.flat(2), [3, 1, 2]), f64(B.flat(2), [1, 4, 2]));
    const s = Math.SQRT1_2;
    assertTensorClose(got, noneOf([-1, -0, 1, -0.6, -0, -1, -0, -0.8, -s, -s, s, -0.7 / s], [3, 4]), 'float64', 'pairwise hand');
  });
  test('[d] x [n,d] gives [n]', () => {
    checkCase({ yTrue: [1, 2, 3], yPred: [[1, 2, 3], [3, 2, 1]], reduction: 'none', msg: '[d]x[n,d]' });
  });
  test('incompatible shapes raise "Incompatible shapes: [1,3] vs. [2,2]"', () => {
    assert.throws(() => new CosineSimilarity().call([[1, 2, 3]], [[1, 2], [3, 4]]),
      (e) => e instanceof Error && e.message.includes('Incompatible shapes: [1,3] vs. [2,2]'));
    assert.throws(() => new CosineSimilarity().call(f64([1, 2, 3, 4, 5, 6], [2, 3]), f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3])),
      (e) => e.message.includes('Incompatible shapes: [2,3] vs. [3,3]'));
  });
  test('broadcasting along the axis gives |loss| > 1 (up to sqrt(d))', () => {
    // y_true [1,1] vs y_pred [1,4]: sign(t) * sum(p_hat) = 4 * 0.5 = 2
    assertClose(new CosineSimilarity().call([[1]], [[1, 1, 1, 1]]), -2, 'float32', 'd=4');
    assertClose(new CosineSimilarity().call(f64([-3], [1, 1]), f64([1, 1, 1, 1, 1, 1, 1, 1, 1], [1, 9])), 3, 'float64', 'd=9');
    checkCase({ yTrue: [[2], [-1]], yPred: [[1, 2, 3], [4, 5, 6]], reduction: 'none', msg: '[n,1]x[n,d]' });
  });
});

describe('§11.6 sample weights', () => {
  const t = [[1, 9, 2], [-5, -2, 6]];
  const p = [[4, 8, 12], [8, 1, 3]];
  const l = refLoss({ yTrue: t, yPred: p, reduction: 'none', dtype: 'float32' }).data; // [b]=[2]
  test('scalar weight scales everything; 0 gives 0', () => {
    assertClose(new CosineSimilarity({ reduction: 'sum' }).call(t, p, 3), 3 * (l[0] + l[1]), 'float32', 'w=3');
    assertClose(new CosineSimilarity().call(t, p, 0), 0, 'float32', 'w=0');
    assertClose(new CosineSimilarity({ reduction: 'sum' }).call(t, p, 0), 0, 'float32', 'w=0 sum');
    checkCase({ yTrue: t, yPred: p, sampleWeight: 0.5, reduction: 'none', msg: 'scalar none' });
    checkCase({ yTrue: t, yPred: p, sampleWeight: { data: [2], shape: [] }, reduction: 'sum', msg: 'rank-0 tensor weight' });
  });
  test('[b] weights each sample', () => {
    assertClose(new CosineSimilarity({ reduction: 'sum' }).call(t, p, [2, 5]), 2 * l[0] + 5 * l[1], 'float32', '[b]');
    checkCase({ yTrue: t, yPred: p, sampleWeight: [2, 5], reduction: 'none', msg: '[b] none' });
  });
  test('[b,1] is squeezed (same as [b])', () => {
    const got = new CosineSimilarity({ reduction: 'none' }).call(t, p, [[2], [5]]);
    assertTensorClose(got, noneOf([2 * l[0], 5 * l[1]]), 'float32', '[b,1]');
  });
  test('[1] broadcasts', () => {
    assertClose(new CosineSimilarity({ reduction: 'sum' }).call(t, p, [3]), 3 * (l[0] + l[1]), 'float32', '[1]');
  });
  const t3 = [[[1, 2], [3, 4], [5, 6]], [[1, 0], [0, 1], [1, 1]]];
  const p3 = [[[2, 1], [3, -4], [5, 6]], [[0, 1], [1, 1], [-1, 2]]];
  const l3 = refLoss({ yTrue: t3, yPred: p3, reduction: 'none', dtype: 'float32' }).data; // [2,3]
  test('[b] on [b,t] losses is expanded to [b,1]', () => {
    const got = new CosineSimilarity({ reduction: 'none' }).call(t3, p3, [2, 10]);
    assertTensorClose(got, noneOf([2 * l3[0], 2 * l3[1], 2 * l3[2], 10 * l3[3], 10 * l3[4], 10 * l3[5]], [2, 3]), 'float32', '[b] on [b,t]');
    checkCase({ yTrue: t3, yPred: p3, sampleWeight: [2, 10], msg: '[b] on [b,t] auto' });
  });
  test('[b,t] weights each element; [b,t,1] is squeezed', () => {
    const w = [[1, 2, 3], [4, 5, 6]];
    const want = Array.from(l3, (v, i) => v * (i + 1));
    assertTensorClose(new CosineSimilarity({ reduction: 'none' }).call(t3, p3, w), noneOf(want, [2, 3]), 'float32', '[b,t]');
    assertTensorClose(new CosineSimilarity({ reduction: 'none' }).call(t3, p3, w.map((r) => r.map((v) => [v]))), noneOf(want, [2, 3]), 'float32', '[b,t,1]');
  });
  test('a bigger broadcast weight: NONE shape and SOBS divisor follow the broadcast', () => {
    const w = { data: [1, 2, 3, 4, 5, 6], shape: [3, 1, 2] };
    const n = new CosineSimilarity({ reduction: 'none' }).call(t, p, w);
    assertTensorClose(n, noneOf([l[0], 2 * l[1], 3 * l[0], 4 * l[1], 5 * l[0], 6 * l[1]], [3, 1, 2]), 'float32', 'bigger none');
    const sobs = new CosineSimilarity().call(t, p, w);
    assertClose(sobs, (9 * l[0] + 12 * l[1]) / 6, 'float32', 'bigger SOBS divides by 6');
    checkCase({ yTrue: t, yPred: p, sampleWeight: [[1, 2], [3, 4], [5, 6], [7, 8]], reduction: 'none', msg: '[4,2] on [2]' });
  });
  test('[b,2] raises a squeeze error', () => {
    assert.throws(() => new CosineSimilarity().call(t, p, [[1, 2], [3, 4]]),
      (e) => e instanceof Error && e.message.includes('Can not squeeze dim[1], expected a dimension of 1, got 2'));
  });
  test('[b+1] raises "Incompatible shapes: [2] vs. [3]"', () => {
    assert.throws(() => new CosineSimilarity().call(t, p, [1, 2, 3]),
      (e) => e instanceof Error && e.message.includes('Incompatible shapes: [2] vs. [3]'));
  });
  test('[t] with t != b on [b,t] losses: expanded to [t,1] and fails', () => {
    const tt = { data: new Array(12).fill(1), shape: [2, 3, 2] };
    assert.throws(() => new CosineSimilarity().call(tt, tt, [1, 2, 3]),
      (e) => e instanceof Error && e.message.includes('Incompatible shapes: [2,3] vs. [3,1]'));
  });
  test('rank-1 inputs (scalar loss): weight [1] squeezed, [3] raises squeeze error', () => {
    checkCase({ yTrue: [1, 2, 2], yPred: [2, -1, 2], sampleWeight: [4], reduction: 'none', msg: '[1] on scalar loss' });
    assert.throws(() => new CosineSimilarity().call([1, 2, 2], [2, -1, 2], [1, 2, 3]), /Can not squeeze dim\[0\]/);
  });
});

describe('§11.7 SOBS divisor is the element count', () => {
  test('doc weighted value is -0.099999994, not sum(w*l)/sum(w) = -0.2', () => {
    const got = new CosineSimilarity({ axis: 1 }).call([[0, 1], [1, 1]], [[1, 0], [1, 1]], [0.8, 0.2]);
    assertClose(got, -0.09999999403953552, 'float32', 'weighted');
    assert.ok(Math.abs(got - -0.2) > 0.05);
  });
  test('AUTO equals SOBS (float32 and float64)', () => {
    const t = [[1, 9, 2], [-5, -2, 6], [0, 1, 0]];
    const p = [[4, 8, 12], [8, 1, 3], [1, 1, 1]];
    for (const w of [undefined, [1, 2, 3], 7, [[0.5], [0.25], [2]]]) {
      const a = new CosineSimilarity({ reduction: 'auto' }).call(t, p, w);
      const s = new CosineSimilarity({ reduction: 'sum_over_batch_size' }).call(t, p, w);
      const ref = refLoss({ yTrue: t, yPred: p, sampleWeight: w, dtype: 'float32' });
      assertClose(a, ref, 'float32', `auto w=${JSON.stringify(w)}`);
      assertClose(s, ref, 'float32', `sobs w=${JSON.stringify(w)}`);
    }
    const a64 = new CosineSimilarity().call(f64(t.flat(), [3, 3]), f64(p.flat(), [3, 3]), [1, 2, 3]);
    assertClose(a64, refLoss({ yTrue: t, yPred: f64(p.flat(), [3, 3]), sampleWeight: [1, 2, 3] }), 'float64', 'auto f64');
  });
  test('for [b,t] losses the divisor is b*t', () => {
    const t3 = [[[1, 2], [3, 4], [5, 6]], [[1, 0], [0, 1], [1, 1]]];
    const p3 = [[[2, 1], [3, -4], [5, 6]], [[0, 1], [1, 1], [-1, 2]]];
    const sum = new CosineSimilarity({ reduction: 'sum' }).call(t3, p3, [2, 10]);
    const sobs = new CosineSimilarity().call(t3, p3, [2, 10]);
    const refSum = refLoss({ yTrue: t3, yPred: p3, sampleWeight: [2, 10], reduction: 'sum' });
    assertClose(sum, refSum, 'float32', 'sum');
    assertClose(sobs, refSum / 6, 'float32', 'sobs = sum / 6');
  });
});

describe('§11.8 invalid reduction', () => {
  const MSG = `Invalid Reduction Key: bogus. Expected keys are "('auto', 'none', 'sum', 'sum_over_batch_size')"`;
  test('raises at construction with the exact Keras message', () => {
    assert.throws(() => new CosineSimilarity({ reduction: 'bogus' }), (e) => e instanceof Error && e.message.includes(MSG));
  });
  test('case matters: "AUTO" is invalid', () => {
    assert.throws(() => new CosineSimilarity({ reduction: 'AUTO' }),
      (e) => e.message.includes(`Invalid Reduction Key: AUTO. Expected keys are "('auto', 'none', 'sum', 'sum_over_batch_size')"`));
  });
  test('the four valid keys construct', () => {
    for (const reduction of ['auto', 'none', 'sum', 'sum_over_batch_size']) {
      assert.equal(new CosineSimilarity({ reduction }).getConfig().reduction, reduction);
    }
  });
});

describe('§11.9 empty batch', () => {
  for (const dtype of both) {
    const T = mk(dtype);
    const e = T([], [0, 3]);
    test(`[0,3]: SOBS/AUTO 0, SUM 0, NONE empty [0] (${dtype})`, () => {
      assertClose(new CosineSimilarity().call(e, e), 0, dtype, 'auto');
      assertClose(new CosineSimilarity({ reduction: 'sum_over_batch_size' }).call(e, e), 0, dtype, 'sobs');
      assertClose(new CosineSimilarity({ reduction: 'sum' }).call(e, e), 0, dtype, 'sum');
      const n = new CosineSimilarity({ reduction: 'none' }).call(e, e);
      assertTensorClose(n, noneOf([], [0]), dtype, 'none');
    });
    test(`[0,3] with [0] weights (${dtype})`, () => {
      assertClose(new CosineSimilarity().call(e, e, T([], [0])), 0, dtype, 'auto w');
      assertTensorClose(new CosineSimilarity({ reduction: 'none' }).call(e, e, T([], [0])), noneOf([], [0]), dtype, 'none w');
    });
  }
  test('nested [] input is shape [0]: [] vs [] gives a scalar -0 cosine over an empty vector', () => {
    checkCase({ yTrue: [], yPred: [], reduction: 'none', msg: '[] vs []' });
  });
  test('[0,3] x [1,3] broadcasts to an empty batch', () => {
    checkCase({ yTrue: f32([], [0, 3]), yPred: f32([1, 2, 3], [1, 3]), reduction: 'none', msg: 'empty bcast' });
    checkCase({ yTrue: f32([], [0, 3]), yPred: f32([1, 2, 3], [1, 3]), msg: 'empty bcast auto' });
  });
});

describe('§11.10 NaN / Inf', () => {
  for (const dtype of both) {
    const T = mk(dtype);
    test(`NaN component makes that sample NaN, others unaffected (${dtype})`, () => {
      const n = new CosineSimilarity({ reduction: 'none' }).call(T([NaN, 1, 1, 1], [2, 2]), T([1, 1, 1, 1], [2, 2]));
      assertTensorClose(n, noneOf([NaN, -1]), dtype, 'NaN');
      const n2 = new CosineSimilarity({ reduction: 'none' }).call(T([1, 1, 1, 1], [2, 2]), T([1, 1, 1, NaN], [2, 2]));
      assertTensorClose(n2, noneOf([-1, NaN]), dtype, 'NaN y_pred');
    });
    test(`Inf component gives NaN, not +-1 (${dtype})`, () => {
      const n = new CosineSimilarity({ reduction: 'none' }).call(T([Infinity, 1, 1, 1, -Infinity, 0], [3, 2]), T([1, 1, 1, 1, 1, 0], [3, 2]));
      assertTensorClose(n, noneOf([NaN, -1, NaN]), dtype, 'Inf');
    });
    test(`a 0 weight does not mask a NaN loss; reductions are NaN (${dtype})`, () => {
      const yt = T([NaN, 1, 1, 1], [2, 2]);
      const yp = T([1, 1, 1, 1], [2, 2]);
      assertClose(new CosineSimilarity().call(yt, yp, [0, 1]), NaN, dtype, 'auto');
      assertClose(new CosineSimilarity({ reduction: 'sum' }).call(yt, yp, [0, 1]), NaN, dtype, 'sum');
      const n = new CosineSimilarity({ reduction: 'none' }).call(yt, yp, [0, 1]);
      assertTensorClose(n, noneOf([NaN, -1]), dtype, 'none');
      assertClose(new CosineSimilarity().call(yt, yp, 0), NaN, dtype, 'scalar 0 weight');
    });
    test(`NaN weights propagate (${dtype})`, () => {
      const yt = T([1, 0, 1, 1], [2, 2]);
      assertClose(new CosineSimilarity({ reduction: 'sum' }).call(yt, yt, [1, NaN]), NaN, dtype, 'NaN weight');
      const n = new CosineSimilarity({ reduction: 'none' }).call(yt, yt, [NaN, 2]);
      assertTensorClose(n, noneOf([NaN, -2]), dtype, 'NaN weight none');
    });
  }
});

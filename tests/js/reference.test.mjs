// Self-check of the independent reference (no cossim needed):
//   node --test tests/js/reference.selftest.mjs
// Checks the float64 column of keras-semantics.md §8 and hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  refLoss, refPerSample, float32ify, mulberry32, caseSeed, asTensor, EPS32,
} from './reference.mjs';

const F64 = (data, shape) => ({ data: Float64Array.from(data), shape });
const close = (got, want, tol = 1e-15, msg) =>
  assert.ok(Math.abs(got - want) <= tol * (1 + Math.abs(want)), `${msg ?? ''} got ${got}, want ${want}`);

// §8 doc data, float64 computation.
const yTrue = F64([0, 1, 1, 1], [2, 2]);
const yPred = F64([1, 0, 1, 1], [2, 2]);

test('§8 AUTO / SOBS (float64): -0.4999999999999999', () => {
  close(refLoss({ yTrue, yPred, axis: 1 }), -0.4999999999999999);
  close(refLoss({ yTrue, yPred, axis: 1, reduction: 'sum_over_batch_size' }), -0.4999999999999999);
});

test('§8 sample_weight [0.8,0.2] (float64): -0.09999999999999998; float32 weights: -0.10000000149011609', () => {
  close(refLoss({ yTrue, yPred, axis: 1, sampleWeight: [0.8, 0.2] }), -0.09999999999999998);
  const w32 = float32ify([0.8, 0.2]);
  close(refLoss({ yTrue, yPred, axis: 1, sampleWeight: w32 }), -0.10000000149011609);
});

test('§8 SUM, NONE, SUM+w, NONE+w (float64)', () => {
  close(refLoss({ yTrue, yPred, axis: 1, reduction: 'sum' }), -0.9999999999999998);
  const none = refLoss({ yTrue, yPred, axis: 1, reduction: 'none' });
  assert.deepEqual(none.shape, [2]);
  assert.ok(Object.is(none.data[0], -0), 'orthogonal gives -0.0');
  close(none.data[1], -0.9999999999999998);
  close(refLoss({ yTrue, yPred, axis: 1, reduction: 'sum', sampleWeight: [0.8, 0.2] }), -0.19999999999999996);
  const nw = refLoss({ yTrue, yPred, axis: 1, reduction: 'none', sampleWeight: [0.8, 0.2] });
  assert.ok(Object.is(nw.data[0], -0));
  close(nw.data[1], -0.19999999999999996);
});

test('§8 function doc example (float64)', () => {
  const r = refPerSample({ yTrue: [[0, 1], [1, 1], [1, 1]], yPred: [[1, 0], [1, 1], [-1, -1]], axis: 1 });
  assert.deepEqual(r.shape, [3]);
  assert.ok(Object.is(r.data[0], -0));
  close(r.data[1], -0.9999999999999998);
  close(r.data[2], 0.9999999999999998);
});

const kt = F64([1, 9, 2, -5, -2, 6], [2, 3]);
const kp = F64([4, 8, 12, 8, 1, 3], [2, 3]);

test('§8 Keras test data (float64)', () => {
  close(refLoss({ yTrue: kt, yPred: kp }), -0.1872190708466051, 1e-15);
  close(refLoss({ yTrue: kt, yPred: kp, axis: 1 }), -0.1872190708466051, 1e-15);
  close(refLoss({ yTrue: kt, yPred: kp, sampleWeight: [1.2, 3.4] }), 0.1559919834648657, 1e-15);
  close(refLoss({ yTrue: kt, yPred: kp, sampleWeight: 0 }), 0);
  close(refLoss({ yTrue: kt, yPred: kp, sampleWeight: 2.3 }), -0.1872190708466051 * 2.3, 1e-15);
});

test('§8 Keras time-step case: [2,3,1] inputs, w=[[3,6,5],[0,4,2]] -> -2.0', () => {
  const t = F64([1, 9, 2, -5, -2, 6], [2, 3, 1]);
  const p = F64([4, 8, 12, 8, 1, 3], [2, 3, 1]);
  assert.equal(refLoss({ yTrue: t, yPred: p, sampleWeight: [[3, 6, 5], [0, 4, 2]] }), -2);
  const none = refLoss({ yTrue: t, yPred: p, reduction: 'none' });
  assert.deepEqual(none.shape, [2, 3]);
  assert.deepEqual(Array.from(none.data), [-1, -1, -1, 1, 1, -1]);
});

test('hand-computed: the direct formula for generic 2-D data', () => {
  const rng = mulberry32(caseSeed(7, 3));
  const a = Array.from({ length: 12 }, () => rng() * 2 - 1);
  const b = Array.from({ length: 12 }, () => rng() * 2 - 1);
  const got = refLoss({ yTrue: F64(a, [3, 4]), yPred: F64(b, [3, 4]), reduction: 'none' });
  for (let i = 0; i < 3; i++) {
    let dot = 0, na = 0, nb = 0;
    for (let j = 0; j < 4; j++) {
      dot += a[4 * i + j] * b[4 * i + j];
      na += a[4 * i + j] ** 2;
      nb += b[4 * i + j] ** 2;
    }
    close(got.data[i], -dot / Math.sqrt(na * nb), 1e-14);
  }
  // axis 0: columns
  const g0 = refLoss({ yTrue: F64(a, [3, 4]), yPred: F64(b, [3, 4]), reduction: 'none', axis: 0 });
  assert.deepEqual(g0.shape, [4]);
  for (let j = 0; j < 4; j++) {
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < 3; i++) {
      dot += a[4 * i + j] * b[4 * i + j];
      na += a[4 * i + j] ** 2;
      nb += b[4 * i + j] ** 2;
    }
    close(g0.data[j], -dot / Math.sqrt(na * nb), 1e-14);
  }
  // axis [0,1] (== [-1,-2]): one cosine over everything
  const gall = refLoss({ yTrue: F64(a, [3, 4]), yPred: F64(b, [3, 4]), reduction: 'none', axis: [-1, 0] });
  assert.deepEqual(gall.shape, []);
  let dot = 0, na = 0, nb = 0;
  for (let k = 0; k < 12; k++) { dot += a[k] * b[k]; na += a[k] ** 2; nb += b[k] ** 2; }
  close(gall.data[0], -dot / Math.sqrt(na * nb), 1e-14);
});

test('hand-computed: tiny and zero vectors (§1.2)', () => {
  close(refLoss({ yTrue: F64([3e-7, 4e-7], [1, 2]), yPred: F64([3, 4], [1, 2]) }), -0.5, 1e-12);
  close(refLoss({ yTrue: F64([1e-7, 0], [1, 2]), yPred: F64([1, 0], [1, 2]) }), -0.1, 1e-12);
  close(refLoss({ yTrue: F64([1, 0], [1, 2]), yPred: F64([1e-8, 0], [1, 2]) }), -0.01, 1e-12);
  const z = refLoss({ yTrue: F64([0, 0], [1, 2]), yPred: F64([-3, 4], [1, 2]), reduction: 'none' });
  assert.ok(Object.is(z.data[0], -0));
  // float32: eps = fround(1e-12), inputs rounded.
  close(refLoss({ yTrue: [[3e-7, 4e-7]], yPred: [[3, 4]], dtype: 'float32' }), -0.5, 1e-6);
  assert.equal(EPS32, 9.999999960041972e-13);
});

test('hand-computed: squeeze rule, broadcasting, |loss| > 1', () => {
  // [n] vs [n,1]: y_pred squeezed -> one cosine over the batch (scalar)
  const r = refLoss({ yTrue: F64([1, 2, 2], [3]), yPred: F64([2, 4, 4], [3, 1]), reduction: 'none' });
  assert.deepEqual(r.shape, []);
  close(r.data[0], -1, 1e-15);
  // [n,1] vs [n]: y_true squeezed
  const r2 = refLoss({ yTrue: F64([1, 0], [2, 1]), yPred: F64([0, 5], [2]), reduction: 'none' });
  assert.deepEqual(r2.shape, []);
  // [m,1,d] x [1,n,d] -> [m,n]
  const pw = refLoss({
    yTrue: F64([1, 0, 0, 1], [2, 1, 2]), yPred: F64([1, 0, 0, 1, -1, 0], [1, 3, 2]), reduction: 'none',
  });
  assert.deepEqual(pw.shape, [2, 3]);
  assert.deepEqual(Array.from(pw.data, (v) => v + 0), [-1, 0, 1, 0, -1, 0]);
  // [n,1] x [n,d] along the axis: sign(t) * sum(p_hat) -> -2 for d=4
  close(refLoss({ yTrue: F64([1], [1, 1]), yPred: F64([1, 1, 1, 1], [1, 4]) }), -2, 1e-15);
  // incompatible
  assert.throws(() => refLoss({ yTrue: F64([1, 2, 3], [1, 3]), yPred: F64([1, 2, 3, 4], [2, 2]) }),
    (e) => e.kind === 'broadcast' && e.message === 'Incompatible shapes: [1,3] vs. [2,2]');
  // [2,3] vs [2]: nothing squeezed (last dim 3), broadcast fails
  assert.throws(() => refLoss({ yTrue: F64([1, 2, 3, 4, 5, 6], [2, 3]), yPred: F64([1, 2], [2]) }),
    (e) => e.kind === 'broadcast' && e.message === 'Incompatible shapes: [2,3] vs. [2]');
});

test('hand-computed: axis errors', () => {
  const a = F64([1, 2, 3, 4], [2, 2]);
  assert.throws(() => refLoss({ yTrue: a, yPred: a, axis: 2 }), (e) => e.kind === 'axis' && /Invalid reduction dimension/.test(e.message));
  assert.throws(() => refLoss({ yTrue: a, yPred: a, axis: -3 }), (e) => e.kind === 'axis');
  assert.throws(() => refLoss({ yTrue: a, yPred: a, axis: [1, -1] }), (e) => e.kind === 'axis' && /duplicate/.test(e.message));
  assert.throws(() => refLoss({ yTrue: 1, yPred: 2 }), (e) => e.kind === 'axis');
  // axis [] is legal for reduce_sum: nothing reduced, per-element sign products
  const e = refLoss({ yTrue: a, yPred: F64([1, -2, 0, 4], [2, 2]), axis: [], reduction: 'none' });
  assert.deepEqual(e.shape, [2, 2]);
  assert.deepEqual(Array.from(e.data), [-1, 1, -0, -1]);
});

test('hand-computed: weights (§3)', () => {
  const t = F64([1, 0, 0, 1], [2, 2]);
  const p = F64([1, 0, 1, 1], [2, 2]); // losses [-1, -1/sqrt2]
  const l1 = -1 / Math.SQRT2;
  close(refLoss({ yTrue: t, yPred: p, sampleWeight: [[2], [4]], reduction: 'sum' }), -2 + 4 * l1, 1e-15);
  close(refLoss({ yTrue: t, yPred: p, sampleWeight: [1], reduction: 'sum' }), -1 + l1, 1e-15);
  assert.throws(() => refLoss({ yTrue: t, yPred: p, sampleWeight: [[1, 2], [3, 4]] }),
    (e) => e.kind === 'squeeze' && e.message === 'Can not squeeze dim[1], expected a dimension of 1, got 2');
  assert.throws(() => refLoss({ yTrue: t, yPred: p, sampleWeight: [1, 2, 3] }),
    (e) => e.kind === 'broadcast' && e.message === 'Incompatible shapes: [2] vs. [3]');
  // bigger: [3,1,2] on [2] -> [3,1,2], SOBS divides by 6
  const w = F64([1, 2, 3, 4, 5, 6], [3, 1, 2]);
  const none = refLoss({ yTrue: t, yPred: p, sampleWeight: w, reduction: 'none' });
  assert.deepEqual(none.shape, [3, 1, 2]);
  close(refLoss({ yTrue: t, yPred: p, sampleWeight: w }), (-(1 + 3 + 5) + l1 * (2 + 4 + 6)) / 6, 1e-15);
  // [b] on [b,t] losses: expanded
  const t3 = F64([1, 0, 0, 1, 1, 1, 1, 0], [2, 2, 2]);
  const r = refLoss({ yTrue: t3, yPred: t3, sampleWeight: [2, 3], reduction: 'none' });
  assert.deepEqual(r.shape, [2, 2]);
  Array.from(r.data).forEach((v, i) => close(v, [-2, -2, -3, -3][i], 1e-15));
  // [t] with t != b on [b,t]: expanded to [t,1], fails
  const t23 = F64(new Array(12).fill(1), [2, 3, 2]);
  assert.throws(() => refLoss({ yTrue: t23, yPred: t23, sampleWeight: [1, 2, 3] }),
    (e) => e.message === 'Incompatible shapes: [2,3] vs. [3,1]');
});

test('hand-computed: reductions, empty batch, NaN/Inf', () => {
  const e = F64([], [0, 3]);
  assert.equal(refLoss({ yTrue: e, yPred: e }), 0);
  assert.equal(refLoss({ yTrue: e, yPred: e, reduction: 'sum' }), 0);
  assert.deepEqual(refLoss({ yTrue: e, yPred: e, reduction: 'none' }).shape, [0]);
  const t = F64([NaN, 1, 1, 1, Infinity, 1], [3, 2]);
  const p = F64([1, 1, 1, 1, 1, 1], [3, 2]);
  const n = refLoss({ yTrue: t, yPred: p, reduction: 'none' });
  assert.ok(Number.isNaN(n.data[0]) && Number.isNaN(n.data[2]));
  close(n.data[1], -1, 1e-15);
  assert.ok(Number.isNaN(refLoss({ yTrue: t, yPred: p, sampleWeight: [0, 1, 0] })));
  assert.throws(() => refLoss({ yTrue: t, yPred: p, reduction: 'bogus' }),
    (err) => err.message === `Invalid Reduction Key: bogus. Expected keys are "('auto', 'none', 'sum', 'sum_over_batch_size')"`);
});

test('asTensor: input kinds', () => {
  assert.deepEqual(asTensor([]).shape, [0]);
  assert.deepEqual(asTensor([[]]).shape, [1, 0]);
  assert.deepEqual(asTensor(3).shape, []);
  assert.deepEqual(asTensor(new Int8Array([1, 2])).shape, [2]);
  assert.deepEqual(asTensor({ shape: [2, 1], dataSync: () => new Float32Array([1, 2]) }).shape, [2, 1]);
  assert.throws(() => asTensor([[1, 2], [3]]));
});

// Table of bad inputs. Each must throw an Error (a TypeError where the kind of
// argument is wrong) with a non-empty message naming the problem, and the next
// valid call must still return the right value.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CosineSimilarity, losses, tensor, f64, assertClose, assertTensorClose } from './harness.mjs';

const DT = [[0, 1], [1, 1]];
const DP = [[1, 0], [1, 1]];
const DOC_AUTO = -0.4999999701976776;
const GOOD = [[1, 2], [3, 4]];

/** After an error, valid calls (float32 and float64, reduced and 'none') still work. */
function stillWorks(label) {
  assertClose(new CosineSimilarity({ axis: 1 }).call(DT, DP), DOC_AUTO, 'float32', `${label}: next call`);
  const n = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(f64(DT.flat(), [2, 2]), f64(DP.flat(), [2, 2]));
  assertTensorClose(n, { data: Float64Array.of(-0, -0.9999999999999998), shape: [2] }, 'float64', `${label}: next none call`, { signOfZero: true });
  assertClose(new CosineSimilarity({ axis: 1 }).call(DT, DP, [0.8, 0.2]), -0.09999999403953552, 'float32', `${label}: next weighted call`);
}

function expectError(fn, { type = Error, includes, label }) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err !== undefined, `${label}: expected an error, nothing was thrown`);
  assert.ok(err instanceof type, `${label}: expected ${type.name}, got ${err?.constructor?.name}: ${err?.message ?? err}`);
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0, `${label}: empty error message`);
  for (const s of [].concat(includes ?? [])) {
    assert.ok(err.message.includes(s), `${label}: message ${JSON.stringify(err.message)} should contain ${JSON.stringify(s)}`);
  }
  stillWorks(label);
  return err;
}

const fakeMismatch = { shape: [2, 2], dataSync: () => new Float32Array(3) };

// Not tensor-like at all: TypeError.
const NOT_TENSORS = [
  ['string', 'abc'],
  ['undefined', undefined],
  ['null', null],
  ['boolean', true],
  ['bigint', 1n],
  ['symbol', Symbol('x')],
  ['function', () => 1],
  ['empty object', {}],
  ['object with unrelated keys', { foo: 1 }],
  ['Map', new Map()],
  ['BigInt64Array', new BigInt64Array(4)],
  ['BigUint64Array', new BigUint64Array(4)],
  ['{data: BigInt64Array, shape}', { data: new BigInt64Array(4), shape: [2, 2] }],
];

// Tensor-like but malformed: some Error.
const MALFORMED = [
  ['ragged nested [[1,2],[3]]', [[1, 2], [3]]],
  ['ragged nested [[1,2],3]', [[1, 2], 3]],
  ['ragged nested [1,[2]]', [1, [2]]],
  ['ragged depth [[[1]],[2]]', [[[1]], [2]]],
  ['non-number leaf', [['a', 1], [2, 3]]],
  ['null leaf', [[null, 1], [2, 3]]],
  ['boolean leaves', [[true, false], [false, true]]],
  ['data/shape length mismatch', { data: [1, 2, 3], shape: [2, 2] }],
  ['data/shape length mismatch (more data)', { data: [1, 2, 3, 4, 5], shape: [2, 2] }],
  ['negative dims whose product matches', { data: [1, 2], shape: [-1, -2] }],
  ['negative dim', { data: [], shape: [-1] }],
  ['fractional dims whose product matches', { data: [1, 2, 3], shape: [1.5, 2] }],
  ['NaN dim', { data: [1], shape: [NaN] }],
  ['Infinity dim', { data: [1], shape: [Infinity] }],
  ['shape not an array', { data: [1, 2], shape: '2' }],
  ['{data} without shape', { data: [1, 2] }],
  ['dataSync() length mismatch', fakeMismatch],
];

describe('bad y_true / y_pred', () => {
  for (const [label, bad] of NOT_TENSORS) {
    test(`${label} as y_true -> TypeError`, () => {
      expectError(() => new CosineSimilarity().call(bad, GOOD), { type: TypeError, label });
    });
    test(`${label} as y_pred -> TypeError`, () => {
      expectError(() => new CosineSimilarity().call(GOOD, bad), { type: TypeError, label });
    });
  }
  for (const [label, bad] of MALFORMED) {
    const other = GOOD;
    test(`${label} as y_true -> Error`, () => {
      expectError(() => new CosineSimilarity().call(bad, other), { label });
    });
    test(`${label} as y_pred -> Error`, () => {
      expectError(() => new CosineSimilarity().call(other, bad), { label });
    });
  }
  test('missing y_pred -> TypeError', () => {
    expectError(() => new CosineSimilarity().call(GOOD), { type: TypeError, label: 'missing y_pred' });
  });
  test('function form with bad input -> TypeError', () => {
    expectError(() => losses.cosineSimilarity('abc', GOOD), { type: TypeError, label: 'fn string' });
    expectError(() => losses.cosineSimilarity(GOOD, [[1, 2], [3]]), { label: 'fn ragged' });
  });
  test('tensor() with mismatched data -> Error', () => {
    expectError(() => tensor([1, 2, 3], [2, 2]), { label: 'tensor mismatch' });
    expectError(() => tensor([1, 2], [-1, -2]), { label: 'tensor negative dims' });
  });
});

describe('bad sample weights', () => {
  for (const [label, bad] of NOT_TENSORS.filter(([l]) => !['undefined', 'null'].includes(l))) {
    test(`${label} as weight -> TypeError`, () => {
      expectError(() => new CosineSimilarity().call(GOOD, GOOD, bad), { type: TypeError, label });
    });
  }
  for (const [label, bad] of MALFORMED) {
    test(`${label} as weight -> Error`, () => {
      expectError(() => new CosineSimilarity().call(GOOD, GOOD, bad), { label });
    });
  }
  test('[b,2] weight -> "Can not squeeze dim[1]"', () => {
    expectError(() => new CosineSimilarity().call(GOOD, GOOD, [[1, 2], [3, 4]]), { includes: 'Can not squeeze dim[1]', label: 'squeeze' });
  });
  test('[b+1] weight -> "Incompatible shapes: [2] vs. [3]"', () => {
    expectError(() => new CosineSimilarity().call(GOOD, GOOD, [1, 2, 3]), { includes: 'Incompatible shapes: [2] vs. [3]', label: 'weight bcast' });
  });
  test('weight [2,3] on [2,2]-shaped 3-D losses -> "Incompatible shapes: [2,2] vs. [2,3]"', () => {
    const t = [[[1, 2], [3, 4]], [[5, 6], [7, 8]]];
    expectError(() => new CosineSimilarity().call(t, t, [[1, 2, 3], [4, 5, 6]]), { includes: 'Incompatible shapes: [2,2] vs. [2,3]', label: 'weight bcast 2d' });
  });
});

describe('bad options', () => {
  const callWith = (opts) => () => new CosineSimilarity(opts).call(GOOD, GOOD);
  test('unknown option key -> TypeError', () => {
    expectError(callWith({ axis: 1, foo: 2 }), { type: TypeError, label: 'foo' });
    expectError(callWith({ Axis: 1 }), { type: TypeError, label: 'Axis' });
    expectError(callWith({ dtype: 'float32' }), { type: TypeError, label: 'dtype (Keras 3 only)' });
  });
  test('unknown option key is rejected at construction', () => {
    assert.throws(() => new CosineSimilarity({ fromLogits: true }), TypeError);
  });
  test('invalid reduction -> exact Keras message, at construction', () => {
    const msg = `Invalid Reduction Key: bogus. Expected keys are "('auto', 'none', 'sum', 'sum_over_batch_size')"`;
    expectError(() => new CosineSimilarity({ reduction: 'bogus' }), { includes: msg, label: 'bogus' });
    expectError(() => new CosineSimilarity({ reduction: 'mean' }), {
      includes: `Invalid Reduction Key: mean. Expected keys are "('auto', 'none', 'sum', 'sum_over_batch_size')"`, label: 'mean (Keras 3 only)',
    });
    expectError(() => new CosineSimilarity({ reduction: null }), { label: 'null reduction' });
  });
  test('NaN / Infinity / fractional axis -> Error', () => {
    expectError(callWith({ axis: NaN }), { label: 'NaN axis' });
    expectError(callWith({ axis: Infinity }), { label: 'Infinity axis' });
    expectError(callWith({ axis: 0.5 }), { label: '0.5 axis' });
    expectError(callWith({ axis: [0, NaN] }), { label: '[0,NaN] axis' });
  });
  test('non-number axis -> TypeError', () => {
    expectError(callWith({ axis: '1' }), { type: TypeError, label: 'string axis' });
    expectError(callWith({ axis: true }), { type: TypeError, label: 'boolean axis' });
    expectError(callWith({ axis: {} }), { type: TypeError, label: 'object axis' });
    expectError(callWith({ axis: [0, '1'] }), { type: TypeError, label: '[0,"1"] axis' });
    expectError(callWith({ axis: 1n }), { type: TypeError, label: 'bigint axis' });
  });
  test('function-form axis: non-number -> TypeError, out of range -> Error', () => {
    expectError(() => losses.cosineSimilarity(GOOD, GOOD, 'x'), { type: TypeError, label: 'fn axis string' });
    expectError(() => losses.cosineSimilarity(GOOD, GOOD, 2), { includes: 'Invalid reduction dimension', label: 'fn axis 2' });
  });
});

describe('shape errors carry the Keras texts', () => {
  test('incompatible shapes: "Incompatible shapes: [1,3] vs. [2,2]"', () => {
    expectError(() => new CosineSimilarity().call([[1, 2, 3]], [[1, 2], [3, 4]]), { includes: 'Incompatible shapes: [1,3] vs. [2,2]', label: 'bcast' });
  });
  test('incompatible shapes are reported after the squeeze rule', () => {
    // y_pred [2,2,1] is squeezed to [2,2]; y_true [3,2]
    expectError(() => new CosineSimilarity().call([[1, 2], [3, 4], [5, 6]], [[[1], [2]], [[3], [4]]]),
      { includes: 'Incompatible shapes: [3,2] vs. [2,2]', label: 'bcast after squeeze' });
  });
  test('out-of-range axis: "Invalid reduction dimension"', () => {
    expectError(() => new CosineSimilarity({ axis: 2 }).call(GOOD, GOOD), { includes: 'Invalid reduction dimension', label: 'axis 2' });
    expectError(() => new CosineSimilarity({ axis: -3 }).call(GOOD, GOOD), { includes: 'Invalid reduction dimension', label: 'axis -3' });
  });
  test('duplicate axes: "duplicate"', () => {
    expectError(() => new CosineSimilarity({ axis: [0, -2] }).call(GOOD, GOOD), { includes: 'duplicate', label: 'dup' });
  });
  test('rank-0 inputs: "Invalid reduction dimension"', () => {
    expectError(() => new CosineSimilarity().call(1, 2), { includes: 'Invalid reduction dimension', label: 'rank 0' });
  });
  test('many errors in a row, then valid calls', () => {
    for (let i = 0; i < 200; i++) {
      assert.throws(() => new CosineSimilarity().call([[1, 2, 3]], [[1, 2], [3, 4]]));
      assert.throws(() => new CosineSimilarity().call(GOOD, GOOD, [[1, 2], [3, 4]]));
      assert.throws(() => new CosineSimilarity({ axis: 5 }).call(GOOD, GOOD));
      assert.throws(() => new CosineSimilarity().call(GOOD, [[1, 2], [3]]));
    }
    stillWorks('after 800 errors');
  });
});

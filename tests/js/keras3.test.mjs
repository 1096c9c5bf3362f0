// The Keras 3 flavour of the loss: new CosineSimilarity({ flavor: 'keras3', ... })
// (keras-semantics.md §9; keras/src/losses/loss.py and losses.py, v3.15.1).
// Explicit cases against constants / the independent reference
// (reference.mjs: refLossK3), then seeded random cases against the reference.
// Seed: env COSSIM_SEED (integer) or the default below; failures print
// "[COSSIM_SEED=<seed> case <i>]".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CosineSimilarity, f32, f64, assertClose, assertTensorClose, TOL, outputArrayType } from './harness.mjs';
import {
  refLossK3, refPerSampleK3, refLoss, RefError, computeDtype, fmtShape, numel,
  mulberry32, caseSeed, randInt, pick, chance, randomTensor, resolveAxes, forEachVector, K3_REDUCTIONS, shuffle, masterSeed,
} from './reference.mjs';

const DEFAULT_SEED = 0x3ca5e3;
const MASTER = masterSeed('keras3.test.mjs', DEFAULT_SEED);

const K3 = (opts = {}) => new CosineSimilarity({ flavor: 'keras3', ...opts });
const DT = [[0, 1], [1, 1]];
const DP = [[1, 0], [1, 1]];
const DT64 = f64([0, 1, 1, 1], [2, 2]);
const DP64 = f64([1, 0, 1, 1], [2, 2]);
const F32_SOBS = -0.4999999701976776;
const F32_SUM = -0.9999999403953552;
const vec = (vals) => ({ data: Float64Array.from(vals), shape: [vals.length] });

const K3_MSG_HEAD = 'Invalid value for argument `reduction`. Expected one of';

/** Asserts the Keras 3 invalid-reduction error (message head and tail). */
function assertBadReduction(fn, value, msg) {
  let err;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, `${msg}: expected an Error for reduction=${String(value)}`);
  assert.ok(err.message.startsWith(K3_MSG_HEAD), `${msg}: message ${JSON.stringify(err.message)} should start with ${JSON.stringify(K3_MSG_HEAD)}`);
  assert.ok(err.message.endsWith(`Received: reduction=${value}`),
    `${msg}: message ${JSON.stringify(err.message)} should end with "Received: reduction=${value}"`);
}

/**
 * Runs one Keras 3 case through cossim and refLossK3.
 * opts: { yTrue, yPred, sampleWeight, axis, reduction, dtype, msg }; undefined = the option is left out
 * (reduction null is passed explicitly).
 */
function checkK3({ yTrue, yPred, sampleWeight, axis, reduction, dtype, msg = '', strictForm = false }) {
  const cdtype = dtype ?? computeDtype(yPred);
  const red = reduction === undefined ? 'sum_over_batch_size' : reduction;
  let ref;
  let mag;
  let refErr;
  try {
    ref = refLossK3({ yTrue, yPred, sampleWeight, axis: axis ?? -1, reduction: red, dtype: cdtype });
    mag = refLossK3({ yTrue, yPred, sampleWeight, axis: axis ?? -1, reduction: red, dtype: cdtype, abs: true });
  } catch (e) {
    if (!(e instanceof RefError)) throw e;
    refErr = e;
  }
  const options = { flavor: 'keras3' };
  if (axis !== undefined) options.axis = axis;
  if (reduction !== undefined) options.reduction = reduction;
  if (dtype !== undefined) options.dtype = dtype;
  if (refErr?.kind === 'reduction') {
    assertBadReduction(() => new CosineSimilarity(options), reduction, msg);
    return;
  }
  const loss = new CosineSimilarity(options);
  const run = () => loss.call(yTrue, yPred, sampleWeight);
  if (refErr) {
    // Keras 3 on TF raises TF's own errors: 'Incompatible shapes: ...', 'Invalid reduction dimension ...'.
    const want = refErr.kind === 'broadcast' ? 'Incompatible shapes' : refErr.expect;
    assert.throws(run, (e) => e instanceof Error && e.message.includes(want),
      `${msg}: expected an error containing ${JSON.stringify(want)} (reference: ${refErr.message})`);
    return;
  }
  let got = run();
  if (!strictForm && typeof ref !== 'number' && ref.shape.length === 0 && red !== 'none' && red !== null &&
      typeof got === 'number') {
    // The [] pass-through's return FORM is pinned by its own test ('pass-through [] returns {data, shape}');
    // here only the value is compared.
    got = { data: (cdtype === 'float64' ? Float64Array : Float32Array).of(got), shape: [] };
  }
  if (typeof ref === 'number') {
    assert.equal(typeof got, 'number', `${msg}: expected a number (reduced result), got ${JSON.stringify(got?.shape ?? got)}`);
    if (Number.isNaN(ref)) {
      assert.ok(Number.isNaN(got), `${msg}: expected NaN, got ${got}`);
      return;
    }
    const tol = TOL[cdtype] * (1 + Math.abs(ref) + (Number.isFinite(mag) ? mag : 0));
    assert.ok(Math.abs(got - ref) <= tol,
      `${msg}: got ${got}, reference ${ref} (|diff| ${Math.abs(got - ref).toExponential(3)} > tol ${tol.toExponential(3)}, ${cdtype})`);
  } else {
    assertTensorClose(got, ref, cdtype, msg);
  }
}

// ------------------------------------------------------------ explicit --

describe('Keras 3 loss: doc values and sign', () => {
  test('doc data, default reduction (sum_over_batch_size) = -0.49999997 (float32)', () => {
    assertClose(K3({ axis: 1 }).call(DT, DP), F32_SOBS, 'float32', 'default');
    assertClose(K3({ axis: 1, reduction: 'sum_over_batch_size' }).call(DT, DP), F32_SOBS, 'float32', 'SOBS');
  });
  test('doc data, float64 (Float64Array y_pred) = -0.4999999999999999', () => {
    assertClose(K3({ axis: 1 }).call(DT64, DP64), -0.4999999999999999, 'float64', 'float64');
  });
  test('function doc example [[0,1],[1,1],[1,1]] vs [[1,0],[1,1],[-1,-1]]: [-0., -0.99999994, 0.99999994]', () => {
    const got = K3({ reduction: 'none' }).call([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]]);
    assertTensorClose(got, vec([-0, -0.9999999403953552, 0.9999999403953552]), 'float32', 'none');
  });
  test('Keras test data [[1,9,2],[-5,-2,6]] vs [[4,8,12],[8,1,3]] = -0.1872190708466051 (as in Keras 2)', () => {
    assertClose(K3().call([[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]]), -0.1872190708466051, 'float32', 'K3 test data');
    assertClose(K3().call(f64([1, 9, 2, -5, -2, 6], [2, 3]), f64([4, 8, 12, 8, 1, 3], [2, 3])),
      -0.1872190708466051, 'float64', 'K3 test data f64');
  });
});

describe('Keras 3 normalisation: x * min(rsqrt(sum x^2), 1e7)', () => {
  for (const dtype of ['float32', 'float64']) {
    const T = dtype === 'float64' ? f64 : f32;
    test(`[3e-8,4e-8] vs [3,4] gives -0.5 (Keras 2 gives -0.05) (${dtype})`, () => {
      assertClose(K3().call(T([3e-8, 4e-8], [1, 2]), T([3, 4], [1, 2])), -0.5, dtype, 'K3 tiny');
      assertClose(new CosineSimilarity().call(T([3e-8, 4e-8], [1, 2]), T([3, 4], [1, 2])), -0.05, dtype, 'K2 tiny');
    });
    test(`[3e-7,4e-7] vs [3,4] is scale-invariant in Keras 3: -1 (Keras 2: -0.5) (${dtype})`, () => {
      assertClose(K3().call(T([3e-7, 4e-7], [1, 2]), T([3, 4], [1, 2])), -1, dtype, 'K3');
      assertClose(new CosineSimilarity().call(T([3e-7, 4e-7], [1, 2]), T([3, 4], [1, 2])), -0.5, dtype, 'K2');
    });
    test(`[1e-8,0] vs [1,0] gives -0.1; [1e-9,0] gives -0.01 (${dtype})`, () => {
      assertClose(K3().call(T([1e-8, 0], [1, 2]), T([1, 0], [1, 2])), -0.1, dtype, '1e-8');
      assertClose(K3().call(T([1, 0], [1, 2]), T([1e-9, 0], [1, 2])), -0.01, dtype, '1e-9');
    });
    test(`zero vectors give 0, never NaN (${dtype})`, () => {
      const n = K3({ reduction: 'none' }).call(T([0, 0, 3, 4, 0, 0], [3, 2]), T([3, 4, 0, 0, 0, 0], [3, 2]));
      assertTensorClose(n, vec([0, 0, 0]), dtype, 'zero rows');
      assertClose(K3().call(T([0, 0], [1, 2]), T([0, 0], [1, 2])), 0, dtype, 'both zero');
    });
  }
  test('NaN component gives a NaN sample; Inf component gives NaN (rsqrt(Inf)=0, Inf*0)', () => {
    const n = K3({ reduction: 'none' }).call([[NaN, 1], [1, 1], [Infinity, 1]], [[1, 1], [1, 1], [1, 1]]);
    assert.ok(Number.isNaN(n.data[0]), 'NaN row');
    assertClose(n.data[1], -0.9999999403953552, 'float32', 'finite row');
    assert.ok(Number.isNaN(n.data[2]), 'Inf row');
  });
});

describe('Keras 3 rank reconciliation (squeeze_or_expand_to_same_rank)', () => {
  const t = [1, -2, 0, 3];
  const p = [[3], [4], [5], [-1]];
  test('y_true [n] vs y_pred [n,1]: both become [n,1]; n per-element sign products', () => {
    const got = K3({ reduction: 'none' }).call(t, p);
    assertTensorClose(got, vec([-1, 1, 0, 1]), 'float32', '[n] vs [n,1]');
    assertClose(K3().call(t, p), 0.25, 'float32', 'SOBS');
    // Keras 2 (tensor inputs) squeezes y_pred instead: one cosine over the batch, 8/sqrt(14*51).
    assertClose(new CosineSimilarity().call(t, p), 8 / Math.sqrt(14 * 51), 'float32', 'K2 contrast');
  });
  test('y_true [n,1] vs y_pred [n]: symmetric', () => {
    assertTensorClose(K3({ reduction: 'none' }).call(p, t), vec([-1, 1, 0, 1]), 'float32', '[n,1] vs [n]');
  });
  test('[b,t,1] vs [b,t] (rank >= 2): the trailing 1 is squeezed', () => {
    const a = f64([1, 2, 3, 4, 5, 6], [2, 3, 1]);
    const b = f64([2, -1, 0.5, 3, 1, -2], [2, 3]);
    checkK3({ yTrue: a, yPred: b, reduction: 'none', msg: '[2,3,1] vs [2,3]' });
    checkK3({ yTrue: b, yPred: a, reduction: 'none', msg: '[2,3] vs [2,3,1]' });
    const got = K3({ reduction: 'none' }).call(a, b);
    assert.deepEqual(got.shape, [2]);
  });
  test('rank difference 1 without a trailing 1 is left alone: [2,3] vs [3] broadcasts', () => {
    checkK3({ yTrue: [[1, 2, 3], [4, 5, 6]], yPred: [3, 1, -2], reduction: 'none', msg: '[2,3] vs [3]' });
  });
});

const scalarOf = (got) => (typeof got === 'number' ? got : got?.data?.[0]);

describe('Keras 3 rank-0 inputs', () => {
  test('scalars: the value is -(sign * sign) for every reduction', () => {
    for (const reduction of [undefined, 'sum', 'sum_over_batch_size', 'mean', 'mean_with_sample_weight', 'none', null]) {
      const opts = reduction === undefined ? {} : { reduction };
      for (const [a, b, want] of [[2, -3, 1], [-2, -3, -1], [0, 5, 0], [4, 0.5, -1]]) {
        const got = K3(opts).call(a, b);
        assertClose(scalarOf(got), want, 'float32', `${a} vs ${b}, reduction=${String(reduction)}`);
      }
    }
  });
  test('rank 0 vs [2]: y_true expanded to [1] before normalising: 2 vs [3,4] gives -1.4', () => {
    assertClose(scalarOf(K3().call(2, [3, 4])), -1.4, 'float32', 'scalar vs [2]');
  });
  // API decision (README): a reducing reduction whose result is a scalar returns a number, also
  // when Keras 3 hands the scalar back unreduced (reduce_values' [] pass-through: a 0-d tensor, as
  // Keras 2's reduced scalar is); only 'none'/null and non-scalar outputs (the [0] pass-through)
  // return { data, shape }.
  test('pass-through [] gives a number for reducing reductions and {data, shape: []} for none/null', () => {
    for (const reduction of [undefined, 'sum', 'sum_over_batch_size', 'mean', 'mean_with_sample_weight', 'none', null]) {
      const opts = reduction === undefined ? {} : { reduction };
      const cases = [
        [() => K3(opts).call(2, -3), 1, 'rank-0 inputs'],
        [() => K3(opts).call([1, 2], [2, 1]), -0.8, 'rank-1 inputs (scalar loss)'],
        [() => K3(opts).call([[1, 2]], [[2, 1]], 2), -1.6, 'scalar weight on a [1] loss'],
      ];
      for (const [fn, want, what] of cases) {
        const msg = `${what}, reduction=${String(reduction)}`;
        if (reduction === 'none' || reduction === null) {
          assertTensorClose(fn(), { data: Float64Array.of(want), shape: [] }, 'float32', msg);
        } else {
          assertClose(fn(), want, 'float32', msg);
        }
      }
    }
  });
  test('rank 0 vs [1]: the [1] is squeezed (other rank is 0): -1', () => {
    assertTensorClose(K3({ reduction: 'none' }).call(2, [5]), { data: Float64Array.of(-1), shape: [] }, 'float32', '2 vs [5]');
  });
  test('Keras 2 still rejects rank-0 inputs', () => {
    assert.throws(() => new CosineSimilarity().call(1, 2), (e) => e instanceof Error && /Invalid reduction dimension/.test(e.message));
  });
});

describe('Keras 3 reductions', () => {
  test('sum / none / null / mean / sum_over_batch_size on the doc data', () => {
    assertClose(K3({ axis: 1, reduction: 'sum' }).call(DT, DP), F32_SUM, 'float32', 'sum');
    assertClose(K3({ axis: 1, reduction: 'mean' }).call(DT, DP), F32_SOBS, 'float32', 'mean');
    for (const reduction of ['none', null]) {
      const got = K3({ axis: 1, reduction }).call(DT, DP);
      assertTensorClose(got, vec([-0, F32_SUM]), 'float32', `reduction=${reduction}`);
    }
  });
  test('weighted: SOBS -0.099999994 (divisor numel); mean_with_sample_weight -0.2 (divisor sum w); sum -0.2', () => {
    assertClose(K3({ axis: 1 }).call(DT, DP, [0.8, 0.2]), -0.09999999403953552, 'float32', 'SOBS w');
    assertClose(K3({ axis: 1, reduction: 'mean' }).call(DT, DP, [0.8, 0.2]), -0.09999999403953552, 'float32', 'mean w');
    assertClose(K3({ axis: 1, reduction: 'mean_with_sample_weight' }).call(DT, DP, [0.8, 0.2]), -0.2, 'float32', 'mwsw');
    assertClose(K3({ axis: 1, reduction: 'sum' }).call(DT, DP, [0.8, 0.2]), -0.19999998807907104, 'float32', 'sum w');
    assertClose(K3({ axis: 1, reduction: 'mean_with_sample_weight' }).call(DT64, DP64, [0.8, 0.2]),
      -0.19999999999999996, 'float64', 'mwsw f64');
  });
  test('mean_with_sample_weight: no weight -> numel; scalar weight c -> sum of the losses (Keras quirk); zero weights -> 0', () => {
    assertClose(K3({ axis: 1, reduction: 'mean_with_sample_weight' }).call(DT, DP), F32_SOBS, 'float32', 'no weight');
    assertClose(K3({ axis: 1, reduction: 'mean_with_sample_weight' }).call(DT, DP, 2), F32_SUM, 'float32', 'scalar 2');
    assertClose(K3({ axis: 1, reduction: 'mean_with_sample_weight' }).call(DT, DP, [0, 0]), 0, 'float32', 'zero weights');
    assertClose(K3({ axis: 1, reduction: 'mean_with_sample_weight' }).call(DT, DP, 0), 0, 'float32', 'scalar 0');
  });
  test('mean_with_sample_weight divides by the weight BEFORE broadcasting ([b,1] weight on [b,t] losses)', () => {
    const t = f64([1, 2, 3, -1, 0.5, 2, 1, 1, 2, 3, -2, 1], [2, 3, 2]);
    const p = f64([2, 1, 3, 1, -0.5, 1, 1, -1, 0, 3, 2, 2], [2, 3, 2]);
    const w = f64([1, 3], [2, 1]);
    const l = refPerSampleK3({ yTrue: t, yPred: p });
    let s = 0;
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) s += l.data[i * 3 + j] * w.data[i];
    assertClose(K3({ reduction: 'mean_with_sample_weight' }).call(t, p, w), s / 4, 'float64', 'divisor 4, not 12');
    assertClose(K3({ reduction: 'sum_over_batch_size' }).call(t, p, w), s / 6, 'float64', 'SOBS divisor 6');
  });
  for (const bad of ['auto', 'AUTO', 'sum_by_nonzero_weights', '', 'Sum']) {
    test(`reduction=${JSON.stringify(bad)} is rejected at construction with Keras 3's message`, () => {
      assertBadReduction(() => K3({ reduction: bad }), bad, bad);
    });
  }
  test('Keras 2 flavour still rejects "mean" and "mean_with_sample_weight" with its own message', () => {
    for (const r of ['mean', 'mean_with_sample_weight']) {
      assert.throws(() => new CosineSimilarity({ reduction: r }),
        (e) => e instanceof Error && e.message.includes(`Invalid Reduction Key: ${r}. Expected keys are "('auto', 'none', 'sum', 'sum_over_batch_size')"`));
    }
  });
});

describe('Keras 3 empty inputs (reduce_values pass-through of shape [0])', () => {
  for (const dtype of ['float32', 'float64']) {
    const T = dtype === 'float64' ? f64 : f32;
    test(`[0,3] inputs: loss shape [0] is returned unreduced for every reduction (${dtype})`, () => {
      for (const reduction of ['sum', 'sum_over_batch_size', 'mean', 'mean_with_sample_weight', 'none', null]) {
        const got = K3({ reduction }).call(T([], [0, 3]), T([], [0, 3]));
        assert.ok(got && typeof got === 'object', `reduction=${reduction}: expected a tensor, got ${got}`);
        assert.deepEqual([...got.shape], [0], `reduction=${reduction}`);
        assert.equal(got.data.length, 0);
        assert.ok(got.data instanceof outputArrayType(dtype), `data type ${got.data?.constructor?.name}`);
        const gw = K3({ reduction }).call(T([], [0, 3]), T([], [0, 3]), T([], [0]));
        assert.deepEqual([...gw.shape], [0], `weighted, reduction=${reduction}`);
      }
    });
    test(`[0,2,3] inputs: loss [0,2] (rank 2) is reduced normally to 0; none keeps [0,2] (${dtype})`, () => {
      for (const reduction of ['sum', 'sum_over_batch_size', 'mean', 'mean_with_sample_weight']) {
        assertClose(K3({ reduction }).call(T([], [0, 2, 3]), T([], [0, 2, 3])), 0, dtype, `reduction=${reduction}`);
      }
      const n = K3({ reduction: 'none' }).call(T([], [0, 2, 3]), T([], [0, 2, 3]));
      assert.deepEqual([...n.shape], [0, 2]);
    });
  }
});

describe('Keras 3 sample weights', () => {
  const t3 = f64([1, 2, 0.5, -1, 3, 1, 2, 2, -1, 0.5, 1, 4, 2, 1, -3, 0.5, 1, 1], [3, 3, 2]);
  const p3 = f64([2, 1, 1, 1, -1, 2, 0.5, 2, 1, 1, 3, -1, 1, 1, 2, 2, -1, 0.5], [3, 3, 2]);
  test('scalar weight on a [1] loss squeezes the loss: none returns shape [], value l*c', () => {
    const got = K3({ reduction: 'none' }).call([[1, 2]], [[2, 1]], 2);
    assertTensorClose(got, { data: Float64Array.of(-0.8 * 2), shape: [] }, 'float32', 'none');
    assertClose(scalarOf(K3({ reduction: 'sum' }).call([[1, 2]], [[2, 1]], 2)), -1.6, 'float32', 'sum (pass-through [])');
    assertClose(scalarOf(K3({ reduction: 'mean_with_sample_weight' }).call([[1, 2]], [[2, 1]], 2)), -1.6, 'float32',
      'mean_with_sample_weight (pass-through [], not divided by the weight)');
  });
  test('[b,1] weight on a [b] loss expands the loss to [b,1] (Keras 2 squeezes the weight)', () => {
    const got = K3({ reduction: 'none' }).call(DT, DP, [[0.5], [2]]);
    assertTensorClose(got, { data: Float64Array.of(-0, 2 * F32_SUM), shape: [2, 1] }, 'float32', 'K3 [b,1]');
    const k2 = new CosineSimilarity({ reduction: 'none' }).call(DT, DP, [[0.5], [2]]);
    assert.deepEqual([...k2.shape], [2], 'K2 contrast');
  });
  test('[b] weight on [b,t] losses (t != b) is NOT expanded: Incompatible shapes', () => {
    const t = f64(new Array(12).fill(0).map((_, i) => (i % 5) - 2 + 0.5), [2, 3, 2]);
    assert.throws(() => K3().call(t, t, [1, 2]), (e) => e instanceof Error && e.message.includes('Incompatible shapes'));
    checkK3({ yTrue: t, yPred: t, sampleWeight: [1, 2], msg: '[2] on [2,3]' });
  });
  test('[b] weight on [b,b] losses broadcasts right-aligned (weights the t axis)', () => {
    const w = [1, 2, 5];
    const l = refPerSampleK3({ yTrue: t3, yPred: p3 }); // [3,3]
    const want = l.data.map((v, i) => v * w[i % 3]);
    assertTensorClose(K3({ reduction: 'none' }).call(t3, p3, w), { data: want, shape: [3, 3] }, 'float64', 'none');
    assertClose(K3({ reduction: 'sum' }).call(t3, p3, w), want.reduce((a, b) => a + b, 0), 'float64', 'sum');
  });
  test('weights bigger than the loss: [2,b] on [b] -> none [2,b], SOBS divisor 2b', () => {
    checkK3({ yTrue: DT64, yPred: DP64, axis: 1, sampleWeight: f64([1, 2, 3, 4], [2, 2]), reduction: 'none', msg: 'none' });
    checkK3({ yTrue: DT64, yPred: DP64, axis: 1, sampleWeight: f64([1, 2, 3, 4], [2, 2]), msg: 'SOBS' });
    checkK3({ yTrue: DT64, yPred: DP64, axis: 1, sampleWeight: f64([1, 2, 3, 4], [2, 2]), reduction: 'mean_with_sample_weight', msg: 'mwsw' });
  });
  test('[b,t] and [b,t,1] weights on [b,t] losses', () => {
    const w = f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3]);
    const w1 = f64([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1]);
    for (const reduction of ['none', 'sum', 'sum_over_batch_size', 'mean_with_sample_weight']) {
      checkK3({ yTrue: t3, yPred: p3, sampleWeight: w, reduction, msg: `[b,t] ${reduction}` });
      checkK3({ yTrue: t3, yPred: p3, sampleWeight: w1, reduction, msg: `[b,t,1] ${reduction}` });
    }
  });
});

describe('Keras 3 options, dtype and config', () => {
  test('dtype defaults: float32 for arrays / Float32Array, float64 for Float64Array y_pred', () => {
    assert.ok(K3({ reduction: 'none' }).call(DT, DP).data instanceof Float32Array);
    assert.ok(K3({ reduction: 'none' }).call(f32([0, 1, 1, 1], [2, 2]), f32([1, 0, 1, 1], [2, 2])).data instanceof Float32Array);
    assert.ok(K3({ reduction: 'none' }).call(DT, DP64).data instanceof Float64Array);
  });
  test('dtype "float64" computes in float64 whatever the inputs: -0.4999999999999999 within 1e-12', () => {
    assertClose(K3({ axis: 1, dtype: 'float64' }).call(DT, DP), -0.4999999999999999, 'float64', 'f64 option');
    const n = K3({ axis: 1, dtype: 'float64', reduction: 'none' }).call(f32([0, 1, 1, 1], [2, 2]), f32([1, 0, 1, 1], [2, 2]));
    assertTensorClose(n, vec([-0, -0.9999999999999998]), 'float64', 'f64 none');
  });
  test('dtype "float32" with Float64Array inputs returns Float32Array data', () => {
    const n = K3({ axis: 1, dtype: 'float32', reduction: 'none' }).call(DT64, DP64);
    assertTensorClose(n, vec([-0, F32_SUM]), 'float32', 'f32 none');
  });
  test('Keras 2 flavour rejects a dtype option (TypeError, unknown option)', () => {
    assert.throws(() => new CosineSimilarity({ dtype: 'float32' }), TypeError);
    assert.throws(() => new CosineSimilarity({ flavor: 'keras2', dtype: 'float64' }), TypeError);
  });
  test('explicit flavor "keras2" is the default behaviour; an unknown flavor is rejected', () => {
    assertClose(new CosineSimilarity({ flavor: 'keras2', axis: 1 }).call(DT, DP), F32_SOBS, 'float32', 'keras2');
    assert.throws(() => new CosineSimilarity({ flavor: 'keras4' }), Error);
    assert.throws(() => K3({ colour: 'red' }), TypeError);
  });
  test('getConfig() = {name, reduction, axis, flavor: "keras3"} (+ dtype when given)', () => {
    assert.deepEqual(K3().getConfig(),
      { name: 'cosine_similarity', reduction: 'sum_over_batch_size', axis: -1, flavor: 'keras3' });
    assert.deepEqual(K3({ axis: [0, -1], reduction: null, name: 'c', dtype: 'float64' }).getConfig(),
      { name: 'c', reduction: null, axis: [0, -1], flavor: 'keras3', dtype: 'float64' });
    assert.deepEqual(K3({ reduction: 'mean_with_sample_weight', dtype: 'float32', axis: 1 }).getConfig(),
      { name: 'cosine_similarity', reduction: 'mean_with_sample_weight', axis: 1, flavor: 'keras3', dtype: 'float32' });
  });
  test('fromConfig(getConfig()) round trip (through JSON) keeps flavor, axis, reduction and dtype', () => {
    const t = f32([1, 2, 3, 4, 5, -6, 0, 1], [2, 2, 2]);
    const p = f32([2, 1, 3, -4, 1, 6, 1, 1], [2, 2, 2]);
    for (const opts of [{ axis: 0 }, { axis: [1, 2], reduction: 'none' }, { axis: -2, reduction: 'mean_with_sample_weight', dtype: 'float64' },
      { reduction: null, name: 'x' }]) {
      const loss = K3(opts);
      const cfg = JSON.parse(JSON.stringify(loss.getConfig()));
      const back = CosineSimilarity.fromConfig(cfg);
      assert.deepEqual(back.getConfig(), loss.getConfig(), JSON.stringify(opts));
      const { name: _name, ...callOpts } = opts;
      checkK3({ yTrue: t, yPred: p, ...callOpts, msg: `direct ${JSON.stringify(opts)}` });
      const refW = refLossK3({
        yTrue: t, yPred: p, sampleWeight: [2, 0.5], axis: opts.axis ?? -1,
        reduction: opts.reduction === undefined ? 'sum_over_batch_size' : opts.reduction, dtype: opts.dtype ?? 'float32',
      });
      const got = back.call(t, p, [2, 0.5]);
      if (typeof refW === 'number') assertClose(got, refW, opts.dtype ?? 'float32', `fromConfig ${JSON.stringify(opts)}`);
      else assertTensorClose(got, refW, opts.dtype ?? 'float32', `fromConfig ${JSON.stringify(opts)}`);
    }
  });
});

// ------------------------------------------------------------- random --

const RANDOM_CASES = 360;

function genAxis(rng, rank) {
  const r = Math.max(rank, 1); // rank-0 inputs are normalised as [1]
  const u = rng();
  if (u < 0.25) return undefined;
  if (u < 0.55) return -randInt(rng, 1, r);
  if (u < 0.75) return randInt(rng, 0, r - 1);
  const k = randInt(rng, 1, r);
  return shuffle(rng, Array.from({ length: r }, (_, i) => -(i + 1))).slice(0, k);
}

function asKind(rng, t, dtypeHint) {
  // how the tensor is handed to cossim
  const u = rng();
  if (dtypeHint === 'float64' || u < 0.35) return { data: Float64Array.from(t.data), shape: t.shape };
  if (u < 0.75) return { data: Float32Array.from(t.data), shape: t.shape };
  return { data: Array.from(t.data), shape: t.shape };
}

function genValues(rng, shape, axisForZero) {
  const t = randomTensor(rng, shape);
  const u = rng();
  if (u < 0.1) {
    // Keras 3 tiny region: norms < 1e-7 (and far from it): scale 1e-9..1e-8
    const s = 10 ** (-9 + rng());
    for (let i = 0; i < t.data.length; i++) t.data[i] = (0.2 + 0.8 * rng()) * (rng() < 0.5 ? -s : s);
  } else if (u < 0.18) {
    // Keras 2 tiny region (norm 1e-7..1e-6): ordinary for Keras 3
    const s = 10 ** (-6.5 + 0.3 * rng());
    for (let i = 0; i < t.data.length; i++) t.data[i] = (0.3 + 0.7 * rng()) * (rng() < 0.5 ? -s : s);
  } else if (u < 0.28 && shape.length > 0 && axisForZero) {
    try {
      const axes = resolveAxes(axisForZero, shape.length);
      forEachVector(t, axes, (list) => {
        if (rng() < 0.4) for (const f of list) t.data[f] = 0;
      });
    } catch {
      /* axis not valid for this operand: no zero vectors */
    }
  } else if (u < 0.3 && t.data.length > 0) {
    t.data[randInt(rng, 0, t.data.length - 1)] = pick(rng, [NaN, Infinity, -Infinity]);
  }
  return t;
}

function genCase(rng) {
  const rank = pick(rng, [0, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4]);
  const shape = [];
  for (let i = 0; i < rank; i++) shape.push(randInt(rng, 1, 4));
  if (rank >= 2 && chance(rng, 0.04)) shape[0] = 0;
  let pShape = [...shape];
  let tShape = [...shape];
  const s = rng();
  if (s < 0.2 && rank >= 1) {
    // broadcast variant: some dims of one operand set to 1
    const target = chance(rng, 0.5) ? tShape : pShape;
    for (let i = 0; i < rank; i++) if (chance(rng, 0.4)) target[i] = 1;
  } else if (s < 0.35) {
    // squeeze/expand variants: one operand gets a trailing 1
    if (chance(rng, 0.5)) pShape = [...shape, 1];
    else tShape = [...shape, 1];
  } else if (s < 0.42 && rank >= 1) {
    // rank difference 1 without a trailing 1 (left alone)
    if (chance(rng, 0.5)) tShape = tShape.slice(1);
    else pShape = pShape.slice(1);
  } else if (s < 0.47) {
    // likely incompatible
    tShape = tShape.map((d) => (chance(rng, 0.5) ? d + 1 : d));
  } else if (s < 0.5) {
    // rank 0 on one side
    if (chance(rng, 0.5)) tShape = [];
    else pShape = [];
  }
  const axis = genAxis(rng, Math.min(tShape.length, pShape.length));
  const dtypeOpt = pick(rng, [undefined, undefined, 'float32', 'float64']);
  const yTrue = asKind(rng, genValues(rng, tShape, axis), undefined);
  const yPred = asKind(rng, genValues(rng, pShape, axis), undefined);
  const cdtype = dtypeOpt ?? computeDtype(yPred);
  // weights, from the (reference) loss shape
  let lossShape = null;
  try {
    lossShape = refPerSampleK3({ yTrue, yPred, axis: axis ?? -1, dtype: cdtype }).shape;
  } catch {
    lossShape = shape;
  }
  let sampleWeight;
  const wk = rng();
  const wv = (wShape) => {
    const n = numel(wShape);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = chance(rng, 0.1) ? 0 : 0.1 + 1.9 * rng();
    return asKind(rng, { data, shape: wShape }, undefined);
  };
  if (wk < 0.3) sampleWeight = undefined;
  else if (wk < 0.4) sampleWeight = chance(rng, 0.2) ? 0 : 0.1 + 2 * rng();
  else if (wk < 0.55) sampleWeight = wv(lossShape);
  else if (wk < 0.65) sampleWeight = wv(lossShape.length ? [lossShape[0]] : [1]);
  else if (wk < 0.72) sampleWeight = wv(lossShape.length ? [lossShape[0], 1] : [1]);
  else if (wk < 0.78) sampleWeight = wv([...lossShape, 1]);
  else if (wk < 0.84) sampleWeight = wv([1]);
  else if (wk < 0.9) sampleWeight = wv(lossShape.map((d) => (chance(rng, 0.5) ? 1 : d)));
  else if (wk < 0.95) sampleWeight = wv([randInt(rng, 1, 3), ...lossShape]);
  else sampleWeight = wv([randInt(rng, 1, 4)]);
  const rr = rng();
  const reduction = rr < 0.12 ? undefined : rr < 0.97 ? pick(rng, K3_REDUCTIONS) : pick(rng, ['auto', 'sum_by_nonzero_weights']);
  return { yTrue, yPred, sampleWeight, axis, reduction, dtype: dtypeOpt };
}

function describeCase(c) {
  const sh = (x) => (x === undefined ? 'none' : typeof x === 'number' ? `scalar ${x}` : `${fmtShape(x.shape)} ${x.data.constructor.name}`);
  return JSON.stringify({
    yTrue: sh(c.yTrue), yPred: sh(c.yPred), w: sh(c.sampleWeight), axis: c.axis, reduction: c.reduction, dtype: c.dtype,
  });
}

describe(`Keras 3 loss: ${RANDOM_CASES} seeded random cases against refLossK3`, () => {
  test('random cases', () => {
    const stats = { ok: 0, errors: 0, tensor: 0 };
    for (let i = 0; i < RANDOM_CASES; i++) {
      const rng = mulberry32(caseSeed(MASTER, i));
      const c = genCase(rng);
      const msg = `[COSSIM_SEED=${MASTER} case ${i}] ${describeCase(c)}`;
      checkK3({ ...c, msg });
      try {
        const r = refLossK3({ ...c, axis: c.axis ?? -1, reduction: c.reduction === undefined ? 'sum_over_batch_size' : c.reduction, dtype: c.dtype ?? computeDtype(c.yPred) });
        if (typeof r === 'number') stats.ok++;
        else stats.tensor++;
      } catch {
        stats.errors++;
      }
    }
    console.log(`# keras3 random: ${stats.ok} reduced, ${stats.tensor} tensor results, ${stats.errors} expected errors`);
    // the generator must exercise all three kinds of outcome
    assert.ok(stats.ok > 60 && stats.tensor > 60 && stats.errors > 20, JSON.stringify(stats));
  });
});

// The Keras 2 flavour is unchanged by the new options: a few random cases against the K2 reference.
describe('Keras 2 flavour unchanged (explicit flavor: "keras2")', () => {
  test('40 random cases vs refLoss', () => {
    for (let i = 0; i < 40; i++) {
      const rng = mulberry32(caseSeed(MASTER ^ 0x5a5a, i));
      const shape = [randInt(rng, 1, 4), randInt(rng, 1, 4)];
      const yTrue = randomTensor(rng, shape);
      const yPred = randomTensor(rng, shape);
      const reduction = pick(rng, ['auto', 'none', 'sum', 'sum_over_batch_size']);
      const w = chance(rng, 0.5) ? [...Array(shape[0])].map(() => rng()) : undefined;
      const ref = refLoss({ yTrue, yPred, sampleWeight: w, reduction, dtype: 'float64' });
      const got = new CosineSimilarity({ flavor: 'keras2', reduction }).call(yTrue, yPred, w);
      const msg = `[COSSIM_SEED=${MASTER} k2 case ${i}]`;
      if (reduction === 'none') assertTensorClose(got, ref, 'float64', msg);
      else assertClose(got, ref, 'float64', msg);
    }
  });
});

// The reference itself against constants derived by hand from the Keras 3 source (no cossim).
describe('reference self-check (refLossK3)', () => {
  const close = (a, b, tol, msg) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${msg}: ${a} vs ${b}`);
  test('doc data: SOBS -0.4999999999999999, mean_with_sample_weight w=[0.8,0.2] -0.19999999999999996, scalar 2 -> sum', () => {
    close(refLossK3({ yTrue: DT64, yPred: DP64, axis: 1 }), -0.4999999999999999, 1e-15, 'SOBS');
    close(refLossK3({ yTrue: DT64, yPred: DP64, axis: 1, reduction: 'mean_with_sample_weight', sampleWeight: [0.8, 0.2], dtype: 'float64' }),
      -0.19999999999999996, 1e-15, 'mwsw');
    close(refLossK3({ yTrue: DT64, yPred: DP64, axis: 1, reduction: 'mean_with_sample_weight', sampleWeight: 2 }), -0.9999999999999998, 1e-15, 'scalar');
  });
  test('normalisation floor: [3e-8,4e-8] vs [3,4] -> -0.5; zero -> 0; rank 0 -> -(sign*sign) of shape []', () => {
    close(refLossK3({ yTrue: f64([3e-8, 4e-8], [1, 2]), yPred: f64([3, 4], [1, 2]) }), -0.5, 1e-12, 'tiny');
    close(refLossK3({ yTrue: f64([0, 0], [1, 2]), yPred: f64([3, 4], [1, 2]) }), 0, 0, 'zero');
    const r0 = refLossK3({ yTrue: f64([2], []), yPred: f64([-3], []) });
    assert.deepEqual(r0.shape, []);
    assert.equal(r0.data[0], 1);
  });
  test('rank rule: [n] vs [n,1] -> [n] sign products; [b,1] weight on [b] loss -> [b,1]; [0,3] -> shape [0]', () => {
    assert.deepEqual(Array.from(refLossK3({ yTrue: [1, -2, 0, 3], yPred: [[3], [4], [5], [-1]], reduction: 'none' }).data, Math.abs), [1, 1, 0, 1]);
    assert.deepEqual(refLossK3({ yTrue: DT64, yPred: DP64, axis: 1, reduction: 'none', sampleWeight: [[1], [2]] }).shape, [2, 1]);
    assert.deepEqual(refLossK3({ yTrue: f64([], [0, 3]), yPred: f64([], [0, 3]), reduction: 'sum' }).shape, [0]);
    assert.equal(refLossK3({ yTrue: f64([], [0, 2, 3]), yPred: f64([], [0, 2, 3]), reduction: 'sum' }), 0);
  });
  test('invalid reduction: Keras 3 message', () => {
    assert.throws(() => refLossK3({ yTrue: DT, yPred: DP, reduction: 'auto' }),
      (e) => e instanceof RefError && e.message.startsWith(K3_MSG_HEAD) && e.message.endsWith('Received: reduction=auto'));
  });
});

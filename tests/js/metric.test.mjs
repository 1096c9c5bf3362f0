// metrics.CosineSimilarity: the streaming metric, Keras 2.9 (keras-semantics.md §6) and
// Keras 3 (§9, keras/src/metrics/reduction_metrics.py) flavours. Explicit cases against
// constants / the independent reference (reference.mjs: RefMetric), then seeded random
// streams against the reference. Seed: env COSSIM_SEED (integer) or the default below;
// failures print "[COSSIM_SEED=<seed> <flavor> case <i>]".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim, f32, f64 } from './harness.mjs';
import {
  RefMetric, RefError, fmtShape, numel, mulberry32, caseSeed, randInt, pick, chance, randomTensor,
  resolveAxes, forEachVector, refMetricValuesK2, refMetricValuesK3, shuffle, masterSeed,
} from './reference.mjs';

const DEFAULT_SEED = 0x3e7a1c;
const MASTER = masterSeed('metric.test.mjs', DEFAULT_SEED);

const metricClass = () => {
  assert.ok(cossim.metrics && typeof cossim.metrics.CosineSimilarity === 'function',
    "cossim must export metrics.CosineSimilarity (import { metrics } from 'cossim')");
  return cossim.metrics.CosineSimilarity;
};
const M = (opts) => {
  const C = metricClass();
  return opts === undefined ? new C() : new C(opts);
};

const MTOL = { float32: 2e-6, float64: 1e-12 };
const FLAVORS = ['keras2', 'keras3'];
const DT = [[0, 1], [1, 1]];
const DP = [[1, 0], [1, 1]];

function near(got, want, tol, msg) {
  assert.equal(typeof got, 'number', `${msg}: expected a number, got ${typeof got} (${JSON.stringify(got)})`);
  if (Number.isNaN(want)) {
    assert.ok(Number.isNaN(got), `${msg}: expected NaN, got ${got}`);
    return;
  }
  assert.ok(Math.abs(got - want) <= tol * (1 + Math.abs(want)),
    `${msg}: got ${got}, want ${want} (|diff| ${Math.abs(got - want).toExponential(3)}, tol ${tol.toExponential(1)} rel+abs)`);
}

const flavorOpts = (flavor, opts = {}) => (flavor === 'keras3' ? { ...opts, flavor } : opts);

// ------------------------------------------------------------- explicit --

for (const flavor of FLAVORS) {
  describe(`metric (${flavor}): documentation values`, () => {
    test('unweighted doc data, axis=1: 0.49999997 (float32 default)', () => {
      const m = M(flavorOpts(flavor, { axis: 1 }));
      m.updateState(DT, DP);
      near(m.result(), 0.4999999701976776, 1e-6, 'doc unweighted');
    });
    test('sample_weight=[0.3,0.7]: 0.6999999', () => {
      const m = M(flavorOpts(flavor, { axis: 1 }));
      m.updateState(DT, DP, [0.3, 0.7]);
      near(m.result(), 0.6999999284744263, 1e-6, 'doc weighted');
    });
    test('float64 dtype: 0.4999999999999999 and 0.6999999999999998 (1e-12)', () => {
      const m = M(flavorOpts(flavor, { axis: 1, dtype: 'float64' }));
      m.updateState(DT, DP);
      near(m.result(), 0.4999999999999999, 1e-12, 'f64 unweighted');
      const m2 = M(flavorOpts(flavor, { axis: 1, dtype: 'float64' }));
      m2.updateState(DT, DP, [0.3, 0.7]);
      near(m2.result(), 0.6999999999999998, 1e-12, 'f64 weighted');
    });
    test('Keras test data with w=[1.2,3.4]: -0.06782260150646335', () => {
      for (const dtype of ['float32', 'float64']) {
        const m = M(flavorOpts(flavor, { dtype }));
        m.updateState([[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]], [1.2, 3.4]);
        near(m.result(), -0.06782260150646335, dtype === 'float64' ? 1e-12 : 1e-6, dtype);
      }
    });
    test('the metric is +cos (identical 1, opposite -1, orthogonal 0)', () => {
      const m = M(flavorOpts(flavor));
      m.updateState([[1, 2, 3]], [[2, 4, 6]]);
      near(m.result(), 1, 1e-6, 'identical');
      m.resetState();
      m.updateState([[1, 2, 3]], [[-1, -2, -3]]);
      near(m.result(), -1, 1e-6, 'opposite');
      m.resetState();
      m.updateState([[1, 0]], [[0, 5]]);
      near(m.result(), 0, 1e-6, 'orthogonal');
    });
  });

  describe(`metric (${flavor}): state lifecycle`, () => {
    test('result() is 0 before any update and after resetState()', () => {
      const m = M(flavorOpts(flavor));
      assert.equal(m.result(), 0);
      m.updateState([[1, 2]], [[2, 1]]);
      assert.notEqual(m.result(), 0);
      m.resetState();
      assert.equal(m.result(), 0);
      assert.deepEqual(m.getState(), { total: 0, count: 0 });
    });
    test('streaming: several updates give the weighted mean over everything seen', () => {
      const m = M(flavorOpts(flavor, { dtype: 'float64' }));
      const ref = new RefMetric({ flavor, dtype: 'float64' });
      const ups = [
        [[[1, 0], [1, 1]], [[1, 0], [0, 1]], undefined],
        [[[1, 2], [3, -1], [0, 2]], [[2, 1], [1, 1], [1, -1]], [0.5, 2, 1]],
        [[[3, 4]], [[4, 3]], [[3]]],
      ];
      for (const [t, p, w] of ups) {
        m.updateState(t, p, w);
        ref.updateState(t, p, w);
        near(m.result(), ref.result(), 1e-12, 'after update');
      }
      // hand value: values 1, 1/sqrt2 | 0.8, 1/sqrt5, -1/sqrt2 (w 0.5, 2, 1) | 24/25 (w 3)
      const tot = 1 + Math.SQRT1_2 + 0.5 * 0.8 + 2 / Math.sqrt(5) - Math.SQRT1_2 + 3 * 24 / 25;
      near(m.result(), tot / (2 + 3.5 + 3), 1e-12, 'hand value');
    });
    test('null / undefined sample_weight means no weight', () => {
      const a = M(flavorOpts(flavor));
      const b = M(flavorOpts(flavor));
      a.updateState([[1, 2], [3, 1]], [[2, 1], [1, 1]], null);
      b.updateState([[1, 2], [3, 1]], [[2, 1], [1, 1]]);
      const ref = new RefMetric({ flavor });
      ref.updateState([[1, 2], [3, 1]], [[2, 1], [1, 1]]);
      near(a.result(), ref.result(), 1e-6, 'null');
      near(b.result(), ref.result(), 1e-6, 'undefined');
    });
    test('all-zero weights give 0 (divide_no_nan)', () => {
      const m = M(flavorOpts(flavor));
      m.updateState(DT, DP, [0, 0]);
      assert.equal(m.result(), 0);
      m.updateState(DT, DP, 0);
      assert.equal(m.result(), 0);
    });
    test('NaN stays in the total until reset: NaN while count != 0, 0 while count == 0', () => {
      const m = M(flavorOpts(flavor));
      m.updateState([[NaN, 1]], [[1, 1]], [0]);
      assert.equal(m.result(), 0, 'NaN total, zero count -> 0');
      assert.ok(Number.isNaN(m.getState().total), 'the NaN is in the total');
      m.updateState([[1, 1]], [[1, 1]], [1]);
      assert.ok(Number.isNaN(m.result()), 'NaN total, count 1 -> NaN');
      m.updateState([[1, 2]], [[2, 1]]);
      assert.ok(Number.isNaN(m.result()), 'still NaN');
      m.resetState();
      assert.equal(m.result(), 0);
      m.updateState([[1, 1]], [[1, 1]]);
      near(m.result(), 1, 1e-6, 'after reset');
      const n = M(flavorOpts(flavor));
      n.updateState([[Infinity, 1], [1, 1]], [[1, 1], [1, 1]]);
      assert.ok(Number.isNaN(n.result()), 'Inf component -> NaN value');
    });
    test('the computation dtype is the metric dtype, not y_pred\'s: float32 casts 1e39 to Inf (NaN value)', () => {
      const t = f64([1e39, 1], [1, 2]);
      const p = f64([1, 1], [1, 2]);
      const m32 = M(flavorOpts(flavor));
      m32.updateState(t, p);
      assert.ok(Number.isNaN(m32.result()), `float32 metric with Float64Array 1e39: expected NaN, got ${m32.result()}`);
      const m64 = M(flavorOpts(flavor, { dtype: 'float64' }));
      m64.updateState(t, p);
      near(m64.result(), Math.SQRT1_2, 1e-12, 'float64 metric');
    });
    test('state is accumulated in float64 even for a float32 metric (per-update sums and totals)', () => {
      const e = [[1, 0], [0, 1]]; // values exactly [1, 1]
      const m = M(flavorOpts(flavor));
      m.updateState(e, e, f32([2 ** 24, 1], [2])); // a float32 per-update sum would give 2^24
      assert.equal(m.getState().count, 2 ** 24 + 1, 'per-update weight sum in float64');
      const n = M(flavorOpts(flavor));
      n.updateState([[1, 0]], [[1, 0]], [1e8]);
      n.updateState([[1, 0]], [[1, 0]], [1e8]);
      n.updateState([[1, 0]], [[1, 0]], [1]);
      assert.equal(n.getState().count, 2e8 + 1, 'running count in float64 (float32 would stay at 2e8)');
      assert.equal(n.getState().total, 2e8 + 1, 'running total in float64');
    });
    test('float64 dtype computes in float64 from Float32Array inputs (1e-12 against the reference)', () => {
      const t = f32([0.1, 0.7, -0.3, 0.2, 0.9, 0.4], [2, 3]);
      const p = f32([0.3, -0.2, 0.5, 0.6, 0.1, -0.8], [2, 3]);
      const m = M(flavorOpts(flavor, { dtype: 'float64' }));
      m.updateState(t, p, f32([0.3, 0.7], [2]));
      const ref = new RefMetric({ flavor, dtype: 'float64' });
      ref.updateState(t, p, f32([0.3, 0.7], [2]));
      near(m.result(), ref.result(), 1e-12, 'float64 from float32 inputs');
    });
  });

  describe(`metric (${flavor}): getState / setState / merge`, () => {
    test('getState() is plain JSON {total, count} matching the reference state', () => {
      const m = M(flavorOpts(flavor, { dtype: 'float64' }));
      const ref = new RefMetric({ flavor, dtype: 'float64' });
      m.updateState([[1, 2], [3, 1], [0, 2]], [[2, 1], [1, 1], [1, -1]], [0.5, 2, 1]);
      ref.updateState([[1, 2], [3, 1], [0, 2]], [[2, 1], [1, 1], [1, -1]], [0.5, 2, 1]);
      const s = m.getState();
      assert.deepEqual(Object.keys(s).sort(), ['count', 'total']);
      assert.equal(typeof s.total, 'number');
      assert.equal(typeof s.count, 'number');
      assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
      near(s.total, ref.total, 1e-12, 'total');
      near(s.count, ref.count, 1e-12, 'count');
    });
    test('setState(state) sets total and count; result() = divide_no_nan(total, count)', () => {
      const m = M(flavorOpts(flavor));
      m.setState({ total: 3, count: 4 });
      assert.equal(m.result(), 0.75);
      assert.deepEqual(m.getState(), { total: 3, count: 4 });
      m.setState({ total: 1, count: 0 });
      assert.equal(m.result(), 0);
      m.setState({ total: 3, count: 4 });
      m.updateState([[1, 0]], [[1, 0]]);
      near(m.result(), 4 / 5, 1e-6, 'update after setState (float32 metric)');
      const m64 = M(flavorOpts(flavor, { dtype: 'float64' }));
      m64.setState({ total: 3, count: 4 });
      m64.updateState([[1, 0]], [[1, 0]]);
      near(m64.result(), 4 / 5, 1e-12, 'update after setState (float64 metric)');
    });
    test('setState(JSON of getState()) restores a metric exactly', () => {
      const a = M(flavorOpts(flavor));
      a.updateState([[1, 2, 3], [4, 5, 6]], [[3, 2, 1], [1, 0, 1]], [1, 2]);
      const b = M(flavorOpts(flavor));
      b.setState(JSON.parse(JSON.stringify(a.getState())));
      const ref = new RefMetric({ flavor });
      ref.updateState([[1, 2, 3], [4, 5, 6]], [[3, 2, 1], [1, 0, 1]], [1, 2]);
      near(b.result(), ref.result(), 2e-6, 'restored');
    });
    test('merge(other) adds the other metric\'s state: two halves = the whole stream (1e-12)', () => {
      const rng = mulberry32(caseSeed(MASTER, 9001));
      const parts = [];
      for (let i = 0; i < 6; i++) {
        const b = randInt(rng, 1, 4);
        const t = randomTensor(rng, [b, 3]);
        const p = randomTensor(rng, [b, 3]);
        const w = Float64Array.from({ length: b }, () => rng());
        parts.push([t, p, { data: w, shape: [b] }]);
      }
      for (const dtype of ['float32', 'float64']) {
        const whole = M(flavorOpts(flavor, { dtype }));
        const h1 = M(flavorOpts(flavor, { dtype }));
        const h2 = M(flavorOpts(flavor, { dtype }));
        const ref = new RefMetric({ flavor, dtype });
        parts.forEach(([t, p, w], i) => {
          whole.updateState(t, p, w);
          (i < 3 ? h1 : h2).updateState(t, p, w);
          ref.updateState(t, p, w);
        });
        h1.merge(h2);
        near(h1.result(), ref.result(), MTOL[dtype] * (1 + ref.magnitude()), `${dtype}: merged vs reference`);
        near(h1.result(), whole.result(), 1e-12, `${dtype}: merged vs whole`);
        near(h1.getState().total, whole.getState().total, 1e-12, `${dtype}: total`);
        near(h1.getState().count, whole.getState().count, 1e-12, `${dtype}: count`);
      }
    });
  });

  describe(`metric (${flavor}): config`, () => {
    const base = flavor === 'keras3' ? { flavor: 'keras3' } : {};
    test('default getConfig() = {name: "cosine_similarity", dtype: "float32", axis: -1}', () => {
      assert.deepEqual(M(flavorOpts(flavor)).getConfig(), { name: 'cosine_similarity', dtype: 'float32', axis: -1, ...base });
    });
    test('getConfig() reflects the options; fromConfig round trip (through JSON)', () => {
      for (const opts of [{ axis: 1 }, { axis: [0, -1], dtype: 'float64', name: 'cs' }, { dtype: 'float32', axis: 0 }]) {
        const m = M(flavorOpts(flavor, opts));
        const want = { name: opts.name ?? 'cosine_similarity', dtype: opts.dtype ?? 'float32', axis: opts.axis, ...base };
        assert.deepEqual(m.getConfig(), want, JSON.stringify(opts));
        const back = metricClass().fromConfig(JSON.parse(JSON.stringify(m.getConfig())));
        assert.deepEqual(back.getConfig(), want, `fromConfig ${JSON.stringify(opts)}`);
        const t = [[[1, 2], [3, 4]], [[5, -6], [0, 1]]];
        const p = [[[2, 1], [3, -4]], [[1, 6], [1, 1]]];
        back.updateState(t, p);
        const ref = new RefMetric({ flavor, axis: opts.axis, dtype: opts.dtype ?? 'float32' });
        ref.updateState(t, p);
        near(back.result(), ref.result(), MTOL[opts.dtype ?? 'float32'], `fromConfig result ${JSON.stringify(opts)}`);
      }
    });
    test('an unknown option is a TypeError', () => {
      assert.throws(() => M(flavorOpts(flavor, { reduction: 'sum' })), TypeError);
      assert.throws(() => M(flavorOpts(flavor, { axes: 1 })), TypeError);
    });
  });
}

describe('metric: Keras 2.9 weighting rules (§6)', () => {
  // 3-D inputs [2,3,2] -> values [2,3] = [[1,0,-1],[1,1,1]]
  const t = [[[1, 0], [1, 0], [1, 0]], [[0, 2], [3, 3], [-1, 0]]];
  const p = [[[2, 0], [0, 5], [-3, 0]], [[0, 1], [1, 1], [-7, 0]]];
  test('values are [[1,0,-1],[1,1,1]] (fixture check against the reference)', () => {
    const v = refMetricValuesK2({ yTrue: t, yPred: p, dtype: 'float64' });
    assert.deepEqual(Array.from(v.data, (x) => Math.round(x * 1e9) / 1e9), [1, 0, -1, 1, 1, 1]);
  });
  test('a [b,1] weight on [b,t] values counts t*w: 9/12', () => {
    const m = M();
    m.updateState(t, p, [[1], [3]]);
    near(m.result(), 0.75, 1e-6, '[b,1]');
    near(m.getState().count, 12, 1e-12, 'count = t * sum(w)');
  });
  test('a [b] weight on [b,t] values is expanded to [b,1]: same 9/12', () => {
    const m = M();
    m.updateState(t, p, [1, 3]);
    near(m.result(), 0.75, 1e-6, '[b]');
    near(m.getState().count, 12, 1e-12, 'count');
  });
  test('a scalar weight c counts c per element (effect cancels): count = 6c', () => {
    const m = M();
    m.updateState(t, p, 2);
    near(m.result(), 3 / 6, 1e-6, 'scalar');
    near(m.getState().count, 12, 1e-12, 'count');
  });
  test('fallback: a [b] weight on 4-D values [b,t,s] (rank difference 2) mean-reduces the values first', () => {
    const t4 = f64([1, 0, 0, 1, 1, 1, 2, 0, 0, 3, 1, 2, -1, 0, 0, -1], [2, 2, 2, 2]);
    const p4 = f64([1, 0, 1, 0, 1, -1, 0, 1, 5, 0, 2, 1, 1, 0, 0, -2], [2, 2, 2, 2]);
    const v = refMetricValuesK2({ yTrue: t4, yPred: p4, dtype: 'float64' }); // [2,2,2]
    const mean0 = (v.data[0] + v.data[1] + v.data[2] + v.data[3]) / 4;
    const mean1 = (v.data[4] + v.data[5] + v.data[6] + v.data[7]) / 4;
    const m = M({ dtype: 'float64' });
    m.updateState(t4, p4, [1, 3]);
    near(m.result(), (mean0 + 3 * mean1) / 4, 1e-12, 'fallback');
    near(m.getState().count, 4, 1e-12, 'count = sum(w), un-broadcast');
  });
  test('fallback with a weight of higher rank: [b] values, [2,1,b] weight: values*w broadcast, count = sum(w)', () => {
    const m = M({ axis: 1, dtype: 'float64' });
    m.updateState(DT, DP, f64([1, 2, 3, 4], [2, 1, 2]));
    // v = [0, 1] (float64: 0.9999999999999998); sum(v*w) = 2 + 4; count = 10
    near(m.result(), 6 * 0.9999999999999998 / 10, 1e-12, 'rank-3 weight on [2] values');
  });
  test('a [b,2] weight on [b] values raises the squeeze error', () => {
    assert.throws(() => M({ axis: 1 }).updateState(DT, DP, f64([1, 2, 3, 4, 5, 6], [2, 3])),
      (e) => e instanceof Error && e.message.includes('Can not squeeze dim['));
  });
  test('a [1,t+1] weight on [b,t] values: fallback, then "Incompatible shapes"', () => {
    assert.throws(() => M().updateState(t, p, [[1, 2, 3, 4]]),
      (e) => e instanceof Error && e.message.includes('Incompatible shapes'));
  });
  test('rank-0 inputs raise (axis -1 out of range)', () => {
    assert.throws(() => M().updateState(1, 2), (e) => e instanceof Error && /Invalid reduction dimension/.test(e.message));
  });
  test('[n] vs [n,1] (tensors): one cosine over the batch (squeeze), count 1', () => {
    const m = M({ dtype: 'float64' });
    m.updateState([1, -2, 0, 3], [[3], [4], [5], [-1]]);
    near(m.result(), -8 / Math.sqrt(14 * 51), 1e-12, 'K2 squeeze');
    near(m.getState().count, 1, 0, 'count');
  });
});

describe('metric: Keras 3 weighting rules (reduce_to_samplewise_values)', () => {
  const K3M = (opts = {}) => M({ ...opts, flavor: 'keras3' });
  test('a scalar weight weights the whole batch once: total += c*mean(v), count += c', () => {
    // update 1: values [1,1,0]; update 2: values [-1]
    const u1 = [[[1, 0], [0, 1], [1, 0]], [[2, 0], [0, 3], [0, 1]]];
    const u2 = [[[1, 0]], [[-1, 0]]];
    const k3 = K3M();
    k3.updateState(...u1, 1);
    k3.updateState(...u2, 1);
    near(k3.result(), (2 / 3 - 1) / 2, 1e-6, 'K3 scalar weights');
    near(k3.getState().count, 2, 1e-12, 'count');
    const k2 = M();
    k2.updateState(...u1, 1);
    k2.updateState(...u2, 1);
    near(k2.result(), 0.25, 1e-6, 'K2 contrast: per element');
    const un = K3M();
    un.updateState(...u1);
    un.updateState(...u2);
    near(un.result(), 0.25, 1e-6, 'K3 unweighted: per sample');
  });
  test('[b,t] values unweighted: each sample counts once (mean over t), count = b', () => {
    const t = [[[1, 0], [1, 0], [1, 0]], [[0, 2], [3, 3], [-1, 0]]];
    const p = [[[2, 0], [0, 5], [-3, 0]], [[0, 1], [1, 1], [-7, 0]]];
    const m = K3M();
    m.updateState(t, p);
    near(m.result(), (0 + 1) / 2, 1e-6, 'mean of row means');
    near(m.getState().count, 2, 1e-12, 'count = b');
    const w = K3M();
    w.updateState(t, p, [[1, 2, 3], [1, 1, 2]]);
    // v*w = [[1,0,-3],[1,1,2]] -> row means [-2/3, 4/3]; w row means [2, 4/3]
    near(w.result(), (-2 / 3 + 4 / 3) / (2 + 4 / 3), 1e-6, '[b,t] weights');
    near(w.getState().count, 2 + 4 / 3, 1e-6, 'count = sum of row-mean weights');
  });
  test('rank-0 inputs: value sign*sign, count 1', () => {
    const m = K3M();
    m.updateState(2, -3);
    near(m.result(), -1, 1e-6, 'scalar');
    near(m.getState().count, 1, 0, 'count');
    m.updateState(4, 0.5);
    near(m.result(), 0, 1e-6, '(-1 + 1)/2');
  });
  test('[n] vs [n,1]: both become [n,1]; n sign products, count n', () => {
    const m = K3M();
    m.updateState([1, -2, 0, 3], [[3], [4], [5], [-1]]);
    near(m.result(), (1 - 1 + 0 - 1) / 4, 1e-6, 'sign products');
    near(m.getState().count, 4, 0, 'count');
  });
  test('tiny vectors: Keras 3 normalisation ([3e-8,4e-8] vs [3,4] gives 0.5; Keras 2 gives 0.05)', () => {
    const m = K3M({ dtype: 'float64' });
    m.updateState(f64([3e-8, 4e-8], [1, 2]), f64([3, 4], [1, 2]));
    near(m.result(), 0.5, 1e-12, 'K3');
    const k2 = M({ dtype: 'float64' });
    k2.updateState(f64([3e-8, 4e-8], [1, 2]), f64([3, 4], [1, 2]));
    near(k2.result(), 0.05, 1e-12, 'K2');
  });
  test('a weight that cannot be broadcast to the values raises ([b,1,1] weight on [b] values)', () => {
    assert.throws(() => K3M({ axis: 1 }).updateState(DT, DP, f64([1, 2], [2, 1, 1])), Error);
    assert.throws(() => K3M({ axis: 1 }).updateState(DT, DP, [1, 2, 3]), Error);
  });
  test('empty batch [0,3]: nothing counted (result 0), then normal updates', () => {
    const m = K3M();
    m.updateState(f32([], [0, 3]), f32([], [0, 3]));
    assert.equal(m.result(), 0);
    assert.deepEqual(m.getState(), { total: 0, count: 0 });
    m.updateState([[1, 1, 0]], [[1, 1, 0]]);
    near(m.result(), 1, 1e-6, 'after');
  });
});

// ------------------------------------------------------------- random --

const STREAMS_PER_FLAVOR = 320;

function genAxis(rng, rank) {
  const r = Math.max(rank, 1);
  const u = rng();
  if (u < 0.3) return undefined;
  if (u < 0.6) return -randInt(rng, 1, r);
  if (u < 0.75) return randInt(rng, 0, r - 1);
  const k = randInt(rng, 1, r);
  return shuffle(rng, Array.from({ length: r }, (_, i) => -(i + 1))).slice(0, k);
}

function genValues(rng, shape, axis) {
  const t = randomTensor(rng, shape);
  const u = rng();
  if (u < 0.08) {
    // below both flavours' floors (norm < 8e-8): scaled results
    const s = 10 ** (-10 + 2 * rng()) * 2;
    for (let i = 0; i < t.data.length; i++) t.data[i] = (0.3 + 0.7 * rng()) * (rng() < 0.5 ? -s : s);
  } else if (u < 0.16 && shape.length > 0) {
    try {
      const axes = resolveAxes(axis ?? -1, shape.length);
      forEachVector(t, axes, (list) => {
        if (rng() < 0.4) for (const f of list) t.data[f] = 0;
      });
    } catch {
      /* axis invalid for this operand */
    }
  } else if (u < 0.18 && t.data.length > 0) {
    t.data[randInt(rng, 0, t.data.length - 1)] = pick(rng, [NaN, Infinity]);
  }
  return t;
}

function handOver(rng, t) {
  const u = rng();
  if (u < 0.4) return { data: Float64Array.from(t.data), shape: t.shape };
  if (u < 0.8) return { data: Float32Array.from(t.data), shape: t.shape };
  return { data: Array.from(t.data), shape: t.shape };
}

function genUpdate(rng, flavor, axis, baseRank) {
  const rank = baseRank;
  const shape = [];
  for (let i = 0; i < rank; i++) shape.push(randInt(rng, 1, 4));
  let tShape = [...shape];
  let pShape = [...shape];
  const s = rng();
  if (s < 0.2 && rank >= 1) {
    const target = chance(rng, 0.5) ? tShape : pShape;
    for (let i = 0; i < rank; i++) if (chance(rng, 0.4)) target[i] = 1;
  } else if (s < 0.3) {
    if (chance(rng, 0.5)) pShape = [...shape, 1];
    else tShape = [...shape, 1];
  } else if (s < 0.33) {
    tShape = tShape.map((d) => (chance(rng, 0.5) ? d + 1 : d));
  }
  const yTrue = handOver(rng, genValues(rng, tShape, axis));
  const yPred = handOver(rng, genValues(rng, pShape, axis));
  let vShape;
  try {
    const f = flavor === 'keras3' ? refMetricValuesK3 : refMetricValuesK2;
    vShape = f({ yTrue, yPred, axis: axis ?? -1, dtype: 'float64' }).shape;
  } catch {
    vShape = shape;
  }
  const wv = (wShape) => {
    const n = numel(wShape);
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) data[i] = chance(rng, 0.08) ? 0 : 0.1 + 1.9 * rng();
    return handOver(rng, { data, shape: wShape });
  };
  const b = vShape.length ? vShape[0] : 1;
  const wk = rng();
  let sampleWeight;
  if (wk < 0.25) sampleWeight = chance(rng, 0.5) ? undefined : null;
  else if (wk < 0.35) sampleWeight = chance(rng, 0.1) ? 0 : 0.1 + 2 * rng();
  else if (wk < 0.5) sampleWeight = wv(vShape);
  else if (wk < 0.6) sampleWeight = wv([b]);
  else if (wk < 0.67) sampleWeight = wv([b, 1]);
  else if (wk < 0.72) sampleWeight = wv([...vShape, 1]);
  else if (wk < 0.77) sampleWeight = wv([1]);
  else if (wk < 0.84) sampleWeight = wv(vShape.map((d) => (chance(rng, 0.5) ? 1 : d)));
  else if (wk < 0.9) sampleWeight = wv(vShape.slice(0, Math.max(0, vShape.length - 2)));
  else if (wk < 0.94) sampleWeight = wv([...vShape, 2]);
  else if (wk < 0.97) sampleWeight = wv([b, 1, 1]);
  else sampleWeight = wv([randInt(rng, 1, 4)]);
  return { yTrue, yPred, sampleWeight };
}

function describeUpdate(u) {
  const sh = (x) => (x === undefined ? 'undefined' : x === null ? 'null' : typeof x === 'number' ? `scalar ${x}` : `${fmtShape(x.shape)} ${x.data.constructor.name}`);
  return `{yTrue ${sh(u.yTrue)}, yPred ${sh(u.yPred)}, w ${sh(u.sampleWeight)}}`;
}

/** Whether the reference raises on this update (for a fresh metric). */
function refRaises(flavor, axis, dtype, u) {
  try {
    new RefMetric({ flavor, axis: axis ?? -1, dtype }).updateState(u.yTrue, u.yPred, u.sampleWeight);
    return null;
  } catch (e) {
    if (!(e instanceof RefError)) throw e;
    return e;
  }
}

for (const flavor of FLAVORS) {
  describe(`metric (${flavor}): ${STREAMS_PER_FLAVOR} seeded random streams against RefMetric`, () => {
    test('random streams (result, state, merge of two halves, setState)', () => {
      const stats = { streams: 0, updates: 0, errors: 0 };
      for (let i = 0; i < STREAMS_PER_FLAVOR; i++) {
        const rng = mulberry32(caseSeed(MASTER ^ (flavor === 'keras3' ? 0x33 : 0x22), i));
        const dtypeOpt = pick(rng, [undefined, 'float32', 'float64']);
        const dtype = dtypeOpt ?? 'float32';
        const baseRank = flavor === 'keras3' ? pick(rng, [0, 1, 2, 2, 2, 3, 3, 4]) : pick(rng, [1, 2, 2, 2, 3, 3, 4]);
        const axis = genAxis(rng, baseRank);
        const opts = { ...(axis === undefined ? {} : { axis }), ...(dtypeOpt ? { dtype: dtypeOpt } : {}) };
        const mk = () => M(flavorOpts(flavor, opts));
        const nUpdates = randInt(rng, 1, 4);
        const ups = [];
        const prefix = `[COSSIM_SEED=${MASTER} ${flavor} case ${i}] ${JSON.stringify({ axis, dtype: dtypeOpt })}`;
        for (let k = 0; k < nUpdates; k++) {
          const u = genUpdate(rng, flavor, axis, baseRank);
          const err = refRaises(flavor, axis, dtype, u);
          if (err) {
            stats.errors++;
            // the metric's messages: Keras's own texts where they are TF's ('Can not squeeze dim[',
            // 'Invalid reduction dimension', 'Incompatible shapes'); any Error for Keras 3's broadcast_to
            const want = err.kind === 'broadcast_to' ? null : err.kind === 'broadcast' ? 'Incompatible shapes' : err.expect;
            assert.throws(() => mk().updateState(u.yTrue, u.yPred, u.sampleWeight),
              (e) => e instanceof Error && (want === null || e.message.includes(want)),
              `${prefix} update ${describeUpdate(u)}: expected an error (${err.message})`);
          } else {
            ups.push(u);
          }
        }
        if (ups.length === 0) continue;
        stats.streams++;
        stats.updates += ups.length;
        const ref = new RefMetric({ flavor, axis: axis ?? -1, dtype });
        const m = mk();
        const cut = randInt(rng, 0, ups.length);
        const h1 = mk();
        const h2 = mk();
        ups.forEach((u, k) => {
          ref.updateState(u.yTrue, u.yPred, u.sampleWeight);
          m.updateState(u.yTrue, u.yPred, u.sampleWeight);
          (k < cut ? h1 : h2).updateState(u.yTrue, u.yPred, u.sampleWeight);
        });
        const msg = `${prefix} updates ${ups.map(describeUpdate).join(' ')}`;
        const tol = MTOL[dtype];
        const want = ref.result();
        const got = m.result();
        if (Number.isNaN(want)) {
          assert.ok(Number.isNaN(got), `${msg}: expected NaN, got ${got}`);
        } else {
          const mag = Number.isFinite(ref.magnitude()) ? ref.magnitude() : 0;
          assert.ok(Math.abs(got - want) <= tol * (1 + Math.abs(want) + mag),
            `${msg}: result ${got}, reference ${want} (|diff| ${Math.abs(got - want).toExponential(3)}, ${dtype})`);
        }
        const st = m.getState();
        if (!Number.isNaN(ref.total)) {
          assert.ok(Math.abs(st.total - ref.total) <= tol * (1 + ref.totalAbs), `${msg}: total ${st.total} vs reference ${ref.total}`);
        } else {
          assert.ok(Number.isNaN(st.total), `${msg}: total should be NaN, got ${st.total}`);
        }
        assert.ok(Math.abs(st.count - ref.count) <= tol * (1 + ref.countAbs), `${msg}: count ${st.count} vs reference ${ref.count}`);
        // merge: h1 (first `cut` updates) + h2 (the rest) == the whole stream, to 1e-12
        h1.merge(h2);
        const ms = h1.getState();
        if (!Number.isNaN(st.total)) {
          assert.ok(Math.abs(ms.total - st.total) <= 1e-12 * (1 + ref.totalAbs), `${msg}: merged total ${ms.total} vs whole ${st.total} (cut ${cut})`);
        }
        assert.ok(Math.abs(ms.count - st.count) <= 1e-12 * (1 + ref.countAbs), `${msg}: merged count ${ms.count} vs whole ${st.count} (cut ${cut})`);
        // setState: a fresh metric restored from JSON continues like the reference
        const r = mk();
        // (JSON has no NaN / Infinity: those states are handed over as objects)
        r.setState(Number.isFinite(st.total) && Number.isFinite(st.count) ? JSON.parse(JSON.stringify(st)) : { ...st });
        if (!Number.isNaN(want) && Number.isFinite(st.total)) {
          assert.ok(Math.abs(r.result() - want) <= tol * (1 + Math.abs(want) + (ref.magnitude() || 0)), `${msg}: restored result ${r.result()} vs ${want}`);
        }
      }
      console.log(`# metric ${flavor} random: ${stats.streams} streams, ${stats.updates} updates, ${stats.errors} expected errors`);
      assert.ok(stats.streams >= 250 && stats.errors >= 15, JSON.stringify(stats));
    });
  });
}

// The reference metric itself against hand-derived constants (no cossim).
describe('reference self-check (RefMetric)', () => {
  const close = (a, b, tol, msg) => assert.ok(Math.abs(a - b) <= tol * (1 + Math.abs(b)), `${msg}: ${a} vs ${b}`);
  test('doc and Keras test values, both flavours (float64)', () => {
    for (const flavor of FLAVORS) {
      const a = new RefMetric({ flavor, axis: 1, dtype: 'float64' });
      a.updateState(DT, DP, [0.3, 0.7]);
      close(a.result(), 0.6999999999999998, 1e-15, `${flavor} doc`);
      const b = new RefMetric({ flavor, dtype: 'float64' });
      b.updateState([[1, 9, 2], [-5, -2, 6]], [[4, 8, 12], [8, 1, 3]], [1.2, 3.4]);
      close(b.result(), -0.06782260150646335, 1e-14, `${flavor} test data`);
    }
  });
  test('scalar weights: K2 per element (0.25), K3 per update (-1/6)', () => {
    const u1 = [[[1, 0], [0, 1], [1, 0]], [[2, 0], [0, 3], [0, 1]]];
    const u2 = [[[1, 0]], [[-1, 0]]];
    for (const [flavor, want] of [['keras2', 0.25], ['keras3', -1 / 6]]) {
      const m = new RefMetric({ flavor, dtype: 'float64' });
      m.updateState(...u1, 1);
      m.updateState(...u2, 1);
      close(m.result(), want, 1e-15, flavor);
    }
  });
  test('K2 fallback and errors; K3 broadcast_to error', () => {
    const m = new RefMetric({ axis: 1, dtype: 'float64' });
    m.updateState(DT, DP, f64([1, 2, 3, 4], [2, 1, 2]));
    close(m.result(), 0.6 * 0.9999999999999998, 1e-15, 'rank-3 weight fallback');
    assert.throws(() => new RefMetric({ axis: 1 }).updateState(DT, DP, f64([1, 2, 3, 4, 5, 6], [2, 3])), (e) => e.kind === 'squeeze');
    assert.throws(() => new RefMetric({ axis: 1, flavor: 'keras3' }).updateState(DT, DP, f64([1, 2], [2, 1, 1])), (e) => e.kind === 'broadcast_to');
  });
});

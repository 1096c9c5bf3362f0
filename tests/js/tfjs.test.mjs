// tfjsLoss / tfjsMetric as TF.js sees them: values and the gradients TF.js receives, against the
// Keras formula composed from TF.js ops and differentiated by TF.js autodiff (tfjs-oracle.mjs:
// kerasObjective, ε = 1e-12 on the sum of squares for Keras 2), on the cpu and wasm backends.
// Random batches (seed printed) include zero rows and tiny rows (sum of squares < ε), on both
// sides. Both backward paths are covered: a scalar or uniform upstream gradient (a rescaling of
// the gradients computed in the forward pass) and a per-sample upstream gradient for reduction
// 'none' (a second core call with that dy). No tensor may leak.
//
// Tolerance: |got − want| ≤ 1e-5 · (|want| + M), M the largest |want| over the same slice along
// the axis (float32 ε = 1.2e-7; the composed formula sums d ≤ 16 terms in float32, ≲ 16ε of the
// slice's scale, so 1e-5 ≈ 84ε leaves a margin of 5); values: 1e-5 · (1 + |want|).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim } from './harness.mjs';
import { mulberry32 } from './reference.mjs';
import { kerasObjective, loadTfLayers, useBackend } from './tfjs-oracle.mjs';

const seed = Number(process.env.COSSIM_SEED ?? 4242);
const { tf } = await loadTfLayers();

// Random values in [-0.5, 0.5), with row 0 zero (unless noZero) and row 1 tiny (×1e-8) on the
// axis' slices.
function batch(rng, shape, axis, noZero = false) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = Float32Array.from({ length: n }, () => rng() - 0.5);
  const ax = axis < 0 ? shape.length + axis : axis;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  for (let i = 0; i < n; i++) {
    // the index of the slice this element belongs to, along the first non-axis dimension
    const other = ax === 0 ? 1 : 0;
    const k = Math.floor(i / strides[other]) % shape[other];
    if (k === 0 && !noZero) data[i] = 0;
    else if (k === 1) data[i] *= 1e-8;
  }
  return data;
}

// For each element, the largest |x| over the elements that differ from it only along `axis`.
function sliceMax(x, shape, axis) {
  const ax = axis < 0 ? shape.length + axis : axis;
  const stride = shape.slice(ax + 1).reduce((a, b) => a * b, 1);
  const len = shape[ax];
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const base = i - (Math.floor(i / stride) % len) * stride;
    let m = 0;
    for (let j = 0; j < len; j++) m = Math.max(m, Math.abs(x[base + j * stride]));
    out[i] = m;
  }
  return out;
}

function closeGrad(got, want, shape, axis, what) {
  assert.equal(got.length, want.length, `${what}: length`);
  const m = sliceMax(want, shape, axis);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    const tol = 1e-5 * (Math.abs(want[i]) + m[i]);
    assert.ok(err <= tol, `${what}[${i}]: cossim ${got[i]}, TF.js ${want[i]}, tolerance ${tol} (seed ${seed})`);
    if (m[i] > 0) worst = Math.max(worst, err / m[i]);
  }
  return worst;
}

function closeValue(got, want, what) {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])),
      `${what}[${i}]: cossim ${got[i]}, TF.js ${want[i]} (seed ${seed})`);
  }
}

// [name, loss options, shape, weight kind, upstream kind]
// upstream: 'one' (scalar 1, as in fit), 'scalar' (a random scalar), 'mean' (tf.mean of a 'none'
// output: uniform), 'random' (a random per-sample dy: the second-call path).
const CASES = [
  ['auto, axis -1', { axis: -1 }, [6, 7], null, 'one'],
  ['sum, axis 0', { axis: 0, reduction: 'sum' }, [6, 5], null, 'scalar'],
  ['sum_over_batch_size, axis 1, rank 3', { axis: 1, reduction: 'sum_over_batch_size' }, [3, 5, 4], null, 'one'],
  ['auto, weighted [n]', { axis: -1 }, [8, 4], 'n', 'one'],
  ['none, mean upstream', { axis: -1, reduction: 'none' }, [7, 9], null, 'mean'],
  ['none, per-sample upstream', { axis: -1, reduction: 'none' }, [7, 9], null, 'random'],
  ['none, weighted, per-sample upstream', { axis: -1, reduction: 'none' }, [6, 5], 'n', 'random'],
  // Keras 3 composed in TF.js ops has NaN gradients at a zero vector (minimum(rsqrt(0), 1e7):
  // 0·∞ in rsqrt's gradient), so this case has tiny rows (norm < 1e-7, clamped) but no zero row.
  ['keras3 sum_over_batch_size', { axis: -1, flavor: 'keras3' }, [6, 7], 'n', 'one'],
];

for (const backend of ['cpu', 'wasm']) {
  CASES.forEach(([name, options, shape, weightKind, upstream], caseIndex) => {
    test(`tfjsLoss gradients = tf.grads of the composed Keras formula: ${name} [${backend}]`, async (t) => {
      await useBackend(tf, backend);
      const rng = mulberry32(seed + caseIndex);
      const axis = options.axis;
      const ax = axis < 0 ? shape.length + axis : axis;
      const outShape = shape.filter((_, i) => i !== ax);
      const outSize = outShape.reduce((a, b) => a * b, 1);
      const noZero = options.flavor === 'keras3';
      const yt = tf.tensor(batch(rng, shape, axis, noZero), shape);
      const yp = tf.tensor(batch(rng, shape, axis, noZero).reverse(), shape);  // zero/tiny rows at the other end
      const weight = weightKind === 'n'
        ? { data: Float32Array.from({ length: shape[0] }, (_, i) => (i % 3 === 2 ? 0 : 2 * rng())), shape: [shape[0]] }
        : undefined;
      const wTensor = weight && tf.tensor(weight.data, weight.shape);
      const dyNone = { data: Float32Array.from({ length: outSize }, () => 2 * rng() - 1), shape: outShape };
      const dyScalar = upstream === 'scalar' ? 2 * rng() - 1 : 1;
      const dyTensor = tf.tensor(dyNone.data, dyNone.shape);
      const before = tf.memory().numTensors;

      const ours = cossim.tfjsLoss(tf, options);
      const objective = (a, b) => {
        const out = ours(a, b, wTensor);
        if (upstream === 'mean') return tf.mean(out);
        if (upstream === 'random') return tf.sum(tf.mul(out, dyTensor));
        return tf.mul(out, dyScalar);
      };
      const spec = {
        flavor: options.flavor, axis, reduction: options.reduction, sampleWeight: weight,
        dy: upstream === 'random' ? dyNone
          : upstream === 'mean' ? { data: new Float32Array(outSize).fill(1 / outSize), shape: outShape } : dyScalar,
      };
      const want = kerasObjective(tf, spec);

      tf.tidy(() => {
        closeValue(objective(yt, yp).dataSync(), want(yt, yp).dataSync(), 'objective value');
        const [gt, gp] = tf.grads(objective)([yt, yp]);
        const [rt, rp] = tf.grads(want)([yt, yp]);
        const e1 = closeGrad(gt.dataSync(), rt.dataSync(), shape, axis, 'd/dy_true');
        const e2 = closeGrad(gp.dataSync(), rp.dataSync(), shape, axis, 'd/dy_pred');
        t.diagnostic(`seed ${seed + caseIndex}: max |error| / slice scale ${Math.max(e1, e2).toExponential(2)}`);
      });
      assert.equal(tf.memory().numTensors, before, 'no tensor leaked by value, gradients and backward');
      tf.dispose([yt, yp, dyTensor, wTensor].filter(Boolean));
    });
  });

  test(`tfjsLoss forward value, reduction none, equals the composed formula [${backend}]`, async () => {
    await useBackend(tf, backend);
    const rng = mulberry32(seed + 100);
    tf.tidy(() => {
      const yt = tf.tensor(batch(rng, [5, 6], -1), [5, 6]);
      const yp = tf.tensor(batch(rng, [5, 6], -1).reverse(), [5, 6]);
      const got = cossim.tfjsLoss(tf, { reduction: 'none' })(yt, yp);
      assert.deepEqual(got.shape, [5]);
      closeValue(got.dataSync(), tf.neg(tf.sum(tf.mul(l2n(yt), l2n(yp)), -1)).dataSync(), 'per-sample loss');
    });
  });
}

const l2n = (x) => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12)));

test('tfjsMetric: +cos per sample, named after the metric', async () => {
  await useBackend(tf, 'cpu');
  const rng = mulberry32(seed + 200);
  tf.tidy(() => {
    const yt = tf.tensor(batch(rng, [6, 5], -1), [6, 5]);
    const yp = tf.tensor(batch(rng, [6, 5], -1).reverse(), [6, 5]);
    const metric = cossim.tfjsMetric(tf);
    assert.equal(metric.name, 'cosine_similarity');
    assert.equal(cossim.tfjsMetric(tf, { name: 'cos' }).name, 'cos');
    const got = metric(yt, yp);
    assert.deepEqual(got.shape, [6]);
    closeValue(got.dataSync(), tf.sum(tf.mul(l2n(yt), l2n(yp)), -1).dataSync(), '+cos');
    closeValue(cossim.tfjsMetric(tf, { axis: 0 })(yt, yp).dataSync(),
      tf.sum(tf.mul(tf.mul(yt, tf.rsqrt(tf.maximum(tf.sum(tf.square(yt), 0, true), 1e-12))),
        tf.mul(yp, tf.rsqrt(tf.maximum(tf.sum(tf.square(yp), 0, true), 1e-12)))), 0).dataSync(), '+cos axis 0');
    // Keras 3: x · minimum(rsqrt(Σx²), 1e7) (tiny rows clamped; no zero row: rsqrt(0) = ∞ · 0)
    const k3n = (x) => tf.mul(x, tf.minimum(tf.rsqrt(tf.sum(tf.square(x), -1, true)), 1e7));
    const yt3 = tf.tensor(batch(rng, [6, 5], -1, true), [6, 5]);
    const yp3 = tf.tensor(batch(rng, [6, 5], -1, true).reverse(), [6, 5]);
    closeValue(cossim.tfjsMetric(tf, { flavor: 'keras3' })(yt3, yp3).dataSync(),
      tf.sum(tf.mul(k3n(yt3), k3n(yp3)), -1).dataSync(), '+cos keras3');
    // dtype float64: computed in float64 (a float64 JS reference), returned as float32
    const [td, pd] = [yt.dataSync(), yp.dataSync()];
    const ref64 = Array.from({ length: 6 }, (_, i) => {
      let [dot, st, sp] = [0, 0, 0];
      for (let j = 0; j < 5; j++) {
        const [a, b] = [td[i * 5 + j], pd[i * 5 + j]];
        dot += a * b; st += a * a; sp += b * b;
      }
      return dot / (Math.sqrt(Math.max(st, 1e-12)) * Math.sqrt(Math.max(sp, 1e-12)));
    });
    const got64 = cossim.tfjsMetric(tf, { dtype: 'float64' })(yt, yp).dataSync();
    // within half a float32 ulp (+ 1e-4 of it for the float64 sums' own rounding): the float64
    // result rounded once, which a float32 computation would generally miss
    got64.forEach((v, i) => assert.ok(Math.abs(v - ref64[i]) <= 2 ** -24 * Math.abs(ref64[i]) * 1.0001 + 1e-300,
      `float64 metric [${i}]: ${v} vs ${ref64[i]} (seed ${seed + 200})`));
    // Keras 2.9's documentation example: [[0,1],[1,1]] vs [[1,0],[1,1]], axis 1 → mean 0.49999997
    const doc = cossim.tfjsMetric(tf, { axis: 1 })(tf.tensor([[0, 1], [1, 1]]), tf.tensor([[1, 0], [1, 1]]));
    closeValue(tf.mean(doc).dataSync(), [0.49999997], 'documentation example');
  });
});

test('tfjsLoss trains: SGD on y_pred lowers the loss towards -1', async () => {
  await useBackend(tf, 'cpu');
  const rng = mulberry32(seed + 1);
  const yt = tf.tensor(Array.from({ length: 32 }, () => rng() - 0.5), [4, 8]);
  const w = tf.variable(tf.tensor(Array.from({ length: 32 }, () => rng() - 0.5), [4, 8]));
  const loss = cossim.tfjsLoss(tf);
  const opt = tf.train.sgd(0.5);
  const first = tf.tidy(() => loss(yt, w).dataSync()[0]);
  for (let i = 0; i < 50; i++) opt.minimize(() => loss(yt, w));
  const last = tf.tidy(() => loss(yt, w).dataSync()[0]);
  assert.ok(last < first - 0.1 && last < -0.9, `loss went from ${first} to ${last}`);
  tf.dispose([yt, w]);
  opt.dispose();
});

test('tfjsLoss and tfjsMetric reject what is not TF.js', async () => {
  assert.throws(() => cossim.tfjsLoss({}), TypeError);
  assert.throws(() => cossim.tfjsMetric(null), TypeError);
  assert.throws(() => cossim.tfjsMetric(tf, { reduction: 'sum' }), TypeError);
  assert.throws(() => cossim.tfjsLoss(tf)([[1, 2]], tf.tensor([[1, 2]])), TypeError);
  assert.throws(() => cossim.tfjsMetric(tf)(tf.tensor([[1, 2]]), new Float32Array(2)), TypeError);
});

// Training with cossim in TF.js (tfjs-layers), on the cpu and wasm backends: two trainings from
// the same initial weights, one with cossim (tfjsLoss, tfjsMetric) and one with the Keras 2 formula
// composed from TF.js ops (ε = 1e-12 on the sum of squares), must agree step by step.
//   - unweighted: model.fit, loss and metric in compile;
//   - weighted: a custom loop (optimizer.minimize) with per-sample weights, as README shows it,
//     and the same with reduction 'none' and the weighting done by the caller (the backward path
//     with a per-sample upstream gradient);
//   - the metric's history equals the streaming mean of +cos (float64, from the composed formula);
//   - tf.memory().numTensors is the same before and after each training;
//   - one call into the core per training step (counted on the public API).
// The targets include zero rows and tiny rows (sum of squares < ε).
//
// Tolerances (float32, stated): the two trainings differ per step by float32 rounding of the
// loss's gradient (≲ 1e-7 relative, see tfjs.test.mjs) which SGD carries into the weights; over
// the ≤ 40 steps here it was measured at ≤ 4e-7 on either (seeds 1–4, 77, 9090); TOL_LOSS = 2e-6 on the loss and
// TOL_W = 2e-6 · (1 + |w|) on every weight. The metric against the float64 streaming mean:
// TOL_METRIC = 2e-6 (float32 per-sample values and tfjs-layers' float32 epoch average).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim } from './harness.mjs';
import { mulberry32 } from './reference.mjs';
import { loadTfLayers, useBackend } from './tfjs-oracle.mjs';

const seed = Number(process.env.COSSIM_SEED ?? 9090);
const TOL_LOSS = 2e-6;
const TOL_W = 2e-6;
const TOL_METRIC = 2e-6;
const { tf, tfl } = await loadTfLayers();

const N = 70;       // samples: batches of 16 leave a last batch of 6
const D_IN = 6;
const D_OUT = 4;
const BATCH = 16;

// The Keras 2 formula in TF.js ops: per-sample −cos, and its weighted sum-over-batch-size mean.
const l2n = (x) => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12)));
const cosines = (yTrue, yPred) => tf.sum(tf.mul(l2n(yTrue), l2n(yPred)), -1);
const composedLoss = (yTrue, yPred) => tf.mean(tf.neg(cosines(yTrue, yPred)));
const composedWeighted = (yTrue, yPred, w) => tf.div(tf.sum(tf.mul(tf.neg(cosines(yTrue, yPred)), w)), w.size);
const composedMetric = (yTrue, yPred) => cosines(yTrue, yPred);
Object.defineProperty(composedMetric, 'name', { value: 'composed_cos' });

function problem(s) {
  const rng = mulberry32(s);
  const x = Float32Array.from({ length: N * D_IN }, () => 2 * rng() - 1);
  const y = Float32Array.from({ length: N * D_OUT }, () => 2 * rng() - 1);
  for (let j = 0; j < D_OUT; j++) {
    y[3 * D_OUT + j] = 0;        // a zero target
    y[11 * D_OUT + j] *= 1e-8;   // a tiny target (sum of squares ≈ 1e-16 < ε)
  }
  // the initial weights of Dense(8, tanh) → Dense(4): kernel, bias, kernel, bias
  const init = [[D_IN, 8], [8], [8, D_OUT], [D_OUT]].map((shape) => ({
    data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() - 0.5), shape,
  }));
  const weights = Float32Array.from({ length: N }, (_, i) => (i % 5 === 4 ? 0 : 0.25 + 2 * rng()));
  return { x, y, init, weights };
}

function makeModel(init) {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 8, activation: 'tanh', inputShape: [D_IN] }),
      tfl.layers.dense({ units: D_OUT }),
    ],
  });
  const tensors = init.map(({ data, shape }) => tf.tensor(data, shape));
  model.setWeights(tensors);
  tf.dispose(tensors);
  return model;
}

const weightsOf = (model) => model.getWeights().map((w) => Array.from(w.dataSync()));

function assertSameWeights(a, b, what) {
  let worst = 0;
  a.forEach((wa, k) => wa.forEach((v, i) => {
    const err = Math.abs(v - b[k][i]);
    worst = Math.max(worst, err);
    assert.ok(err <= TOL_W * (1 + Math.abs(b[k][i])),
      `${what}: weight ${k}[${i}] cossim ${v}, composed ${b[k][i]} (seed ${seed})`);
  }));
  return worst;
}

function assertSameHistory(a, b, what) {
  assert.equal(a.length, b.length, `${what}: length`);
  let worst = 0;
  a.forEach((v, i) => {
    worst = Math.max(worst, Math.abs(v - b[i]));
    assert.ok(Math.abs(v - b[i]) <= TOL_LOSS, `${what}[${i}]: cossim ${v}, composed ${b[i]} (seed ${seed})`);
  });
  return worst;
}

for (const backend of ['cpu', 'wasm']) {
  test(`fit: tfjsLoss + tfjsMetric train as the composed Keras formula [${backend}]`, async (t) => {
    await useBackend(tf, backend);
    const { x, y, init } = problem(seed);
    const xs = tf.tensor(x, [N, D_IN]);
    const ys = tf.tensor(y, [N, D_OUT]);
    const epochs = 5;

    // The float64 streaming mean of +cos over each epoch (Keras's metric), from the composed
    // formula on the same predictions, recorded by a metric function that returns nothing new.
    const perEpoch = [];
    const batchLogs = [];
    const recorder = (yTrue, yPred) => {
      const v = composedMetric(yTrue, yPred);
      perEpoch.at(-1).push(...v.dataSync());
      return v;
    };
    Object.defineProperty(recorder, 'name', { value: 'recorder' });
    const callbacks = {
      onEpochBegin: async () => { perEpoch.push([]); },
      onBatchEnd: async (batch, logs) => { batchLogs.push({ epoch: perEpoch.length - 1, batch, logs: { ...logs } }); },
    };

    const ours = makeModel(init);
    ours.compile({ optimizer: tf.train.sgd(0.3), loss: cossim.tfjsLoss(tf), metrics: [cossim.tfjsMetric(tf), recorder] });
    const ref = makeModel(init);
    ref.compile({ optimizer: tf.train.sgd(0.3), loss: composedLoss, metrics: [composedMetric] });

    const before = tf.memory().numTensors;
    const h1 = await ours.fit(xs, ys, { epochs, batchSize: BATCH, shuffle: false, verbose: 0, callbacks });
    const h2 = await ref.fit(xs, ys, { epochs, batchSize: BATCH, shuffle: false, verbose: 0 });
    assert.equal(tf.memory().numTensors, before, 'fit leaked no tensor');

    assert.deepEqual(Object.keys(h1.history).sort(), ['cosine_similarity', 'loss', 'recorder']);
    const eLoss = assertSameHistory(h1.history.loss, h2.history.loss, 'loss history');
    const eW = assertSameWeights(weightsOf(ours), weightsOf(ref), 'final weights');
    assert.ok(h1.history.loss.at(-1) < h1.history.loss[0] - 0.05, `the loss went down: ${h1.history.loss}`);
    // the metric is −loss per sample, so its history is −(loss history) here (no regulariser)
    assertSameHistory(h1.history.cosine_similarity, h1.history.loss.map((v) => -v), 'metric vs −loss');
    assertSameHistory(h1.history.cosine_similarity, h2.history.composed_cos, 'metric vs the composed metric');

    let eMetric = 0;
    perEpoch.forEach((values, e) => {
      assert.equal(values.length, N, `epoch ${e}: every sample seen once`);
      const streaming = values.reduce((a, b) => a + b, 0) / values.length;
      const err = Math.abs(h1.history.cosine_similarity[e] - streaming);
      eMetric = Math.max(eMetric, err);
      assert.ok(err <= TOL_METRIC, `epoch ${e}: history ${h1.history.cosine_similarity[e]}, streaming mean ${streaming}`);
    });
    // What fit's onBatchEnd logs hold: the batch's own mean, not Keras's running mean.
    const last = batchLogs.filter((b) => b.epoch === 0).at(-1);
    const lastBatchMean = (() => {
      const v = perEpoch[0].slice(BATCH * last.batch);
      return v.reduce((a, b) => a + b, 0) / v.length;
    })();
    const logged = Number(last.logs.cosine_similarity);
    assert.ok(Math.abs(logged - lastBatchMean) <= TOL_METRIC, `batch log ${logged} vs batch mean ${lastBatchMean}`);
    const running = perEpoch[0].reduce((a, b) => a + b, 0) / N;
    t.diagnostic(`seed ${seed}: max |Δloss| ${eLoss.toExponential(2)}, max |Δw| ${eW.toExponential(2)}, ` +
      `max |metric − float64 streaming mean| ${eMetric.toExponential(2)}; epoch 0 last batch (${N - BATCH * last.batch} samples): ` +
      `logged ${logged.toFixed(7)}, Keras's running mean would log ${running.toFixed(7)}`);

    ours.dispose();
    ref.dispose();
    tf.dispose([xs, ys]);
  });

  test(`weighted custom loop: tfjsLoss(sample_weight) trains as the composed weighted formula [${backend}]`, async (t) => {
    await useBackend(tf, backend);
    const { x, y, init, weights } = problem(seed + 1);
    const xs = tf.tensor(x, [N, D_IN]);
    const ys = tf.tensor(y, [N, D_OUT]);
    const ws = tf.tensor(weights, [N]);
    const epochs = 6;
    const lossFn = cossim.tfjsLoss(tf);
    const lossNone = cossim.tfjsLoss(tf, { reduction: 'none' });

    // One epoch of minibatch SGD: `step(xb, yb, wb, model)` returns the scalar loss to minimise.
    async function train(model, step) {
      const optimizer = tf.train.sgd(0.3);
      const vars = model.trainableWeights.map((v) => v.read());
      const history = [];
      for (let e = 0; e < epochs; e++) {
        for (let start = 0; start < N; start += BATCH) {
          const size = Math.min(BATCH, N - start);
          const [xb, yb, wb] = [tf.slice(xs, [start, 0], [size, -1]), tf.slice(ys, [start, 0], [size, -1]), tf.slice(ws, [start], [size])];
          const cost = optimizer.minimize(() => step(xb, yb, wb, model), true, vars);
          history.push((await cost.data())[0]);
          tf.dispose([cost, xb, yb, wb]);
        }
      }
      optimizer.dispose();
      return history;
    }

    const models = [makeModel(init), makeModel(init), makeModel(init)];
    const before = tf.memory().numTensors;
    // As README shows it: Keras's weighted metric (Σ w·cos / Σ w) kept by cossim's streaming
    // metric inside the step, checked against the same sums from the composed formula.
    const metric = new cossim.metrics.CosineSimilarity();
    let [sumWC, sumW] = [0, 0];
    const h1 = await train(models[0], (xb, yb, wb, m) => {
      const p = m.apply(xb);
      metric.updateState(yb, p, wb);
      const [c, wv] = [cosines(yb, p).dataSync(), wb.dataSync()];
      c.forEach((v, i) => { sumWC += wv[i] * v; sumW += wv[i]; });
      return lossFn(yb, p, wb);
    });
    assert.ok(Math.abs(metric.result() - sumWC / sumW) <= TOL_METRIC,
      `weighted metric ${metric.result()} vs Σw·cos/Σw ${sumWC / sumW} (seed ${seed + 1})`);
    const h2 = await train(models[1], (xb, yb, wb, m) => composedWeighted(yb, m.apply(xb), wb));
    // reduction 'none', weighted by the caller: per-sample upstream gradients w_i / n
    const h3 = await train(models[2], (xb, yb, wb, m) => tf.div(tf.sum(tf.mul(lossNone(yb, m.apply(xb)), wb)), wb.size));
    assert.equal(tf.memory().numTensors, before, 'the loops leaked no tensor');

    const eLoss = assertSameHistory(h1, h2, 'weighted loss history');
    const eW = assertSameWeights(weightsOf(models[0]), weightsOf(models[1]), 'final weights');
    const eLoss3 = assertSameHistory(h3, h2, "reduction 'none' weighted by the caller: loss history");
    const eW3 = assertSameWeights(weightsOf(models[2]), weightsOf(models[1]), "reduction 'none': final weights");
    assert.ok(h1.at(-1) < h1[0] - 0.05, `the weighted loss went down: ${h1[0]} → ${h1.at(-1)}`);
    t.diagnostic(`seed ${seed + 1}: ${h1.length} steps; sample_weight: max |Δloss| ${eLoss.toExponential(2)}, ` +
      `max |Δw| ${eW.toExponential(2)}; 'none' + caller weights: ${eLoss3.toExponential(2)}, ${eW3.toExponential(2)}`);

    // The weighting matters: without it the same loop reaches different weights.
    const unweighted = makeModel(init);
    await train(unweighted, (xb, yb, wb, m) => lossFn(yb, m.apply(xb)));
    const diff = Math.max(...weightsOf(unweighted).flat().map((v, i) => Math.abs(v - weightsOf(models[0]).flat()[i])));
    assert.ok(diff > 1e-3, `weighted and unweighted trainings differ (max |Δw| ${diff})`);

    [...models, unweighted].forEach((m) => m.dispose());
    tf.dispose([xs, ys, ws]);
  });
}

test('fit history names the metric after its name option, and evaluate reports it', async () => {
  await useBackend(tf, 'cpu');
  const { x, y, init } = problem(seed + 2);
  const xs = tf.tensor(x, [N, D_IN]);
  const ys = tf.tensor(y, [N, D_OUT]);
  const model = makeModel(init);
  model.compile({ optimizer: 'sgd', loss: cossim.tfjsLoss(tf), metrics: [cossim.tfjsMetric(tf, { name: 'cos' })] });
  const h = await model.fit(xs, ys, { epochs: 1, batchSize: N, verbose: 0 });
  assert.deepEqual(Object.keys(h.history).sort(), ['cos', 'loss']);
  const [loss, cos] = model.evaluate(xs, ys, { batchSize: N });
  const want = tf.tidy(() => tf.mean(cosines(ys, model.predict(xs))).dataSync()[0]);
  assert.ok(Math.abs(cos.dataSync()[0] - want) <= TOL_METRIC, `evaluate: ${cos.dataSync()[0]} vs ${want}`);
  assert.ok(Math.abs(loss.dataSync()[0] + want) <= TOL_METRIC, `evaluate loss: ${loss.dataSync()[0]} vs ${-want}`);
  tf.dispose([loss, cos, xs, ys]);
  model.dispose();
});

test('one core call per training step: fit and the custom loops count the calls into the core', async () => {
  await useBackend(tf, 'cpu');
  const { x, y, init, weights } = problem(seed + 3);
  const xs = tf.tensor(x, [N, D_IN]);
  const ys = tf.tensor(y, [N, D_OUT]);
  const ws = tf.tensor(weights, [N]);
  const proto = cossim.CosineSimilarity.prototype;
  const original = { call: proto.call, valueAndGradient: proto.valueAndGradient };
  const descriptors = Object.getOwnPropertyDescriptors(proto);
  const count = { call: 0, valueAndGradient: 0 };
  proto.call = function (...a) { count.call++; return original.call.apply(this, a); };
  proto.valueAndGradient = function (...a) { count.valueAndGradient++; return original.valueAndGradient.apply(this, a); };
  const steps = Math.ceil(N / BATCH);
  const reset = () => { count.call = 0; count.valueAndGradient = 0; };
  try {
    const model = makeModel(init);
    model.compile({ optimizer: tf.train.sgd(0.1), loss: cossim.tfjsLoss(tf), metrics: [cossim.tfjsMetric(tf)] });
    reset();
    await model.fit(xs, ys, { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0 });
    assert.deepEqual(count, { call: steps, valueAndGradient: steps }, `fit, ${steps} steps: one valueAndGradient (loss) and one call (metric) per step`);

    const vars = model.trainableWeights.map((v) => v.read());
    const optimizer = tf.train.sgd(0.1);
    const loop = (lossOf) => {
      reset();
      for (let start = 0; start < N; start += BATCH) {
        const size = Math.min(BATCH, N - start);
        tf.tidy(() => {
          const [xb, yb, wb] = [tf.slice(xs, [start, 0], [size, -1]), tf.slice(ys, [start, 0], [size, -1]), tf.slice(ws, [start], [size])];
          optimizer.minimize(() => lossOf(yb, model.apply(xb), wb), false, vars);
        });
      }
      return { ...count };
    };
    const weighted = cossim.tfjsLoss(tf);
    assert.deepEqual(loop((yb, p, wb) => weighted(yb, p, wb)), { call: 0, valueAndGradient: steps }, 'weighted loop');
    const none = cossim.tfjsLoss(tf, { reduction: 'none' });
    assert.deepEqual(loop((yb, p) => tf.mean(none(yb, p))), { call: 0, valueAndGradient: steps }, "'none' under tf.mean");
    assert.deepEqual(loop((yb, p, wb) => tf.sum(tf.mul(none(yb, p), wb))), { call: 0, valueAndGradient: 2 * steps },
      "'none' with a per-sample upstream gradient: the second call");
    optimizer.dispose();
    model.optimizer.dispose();
    model.dispose();
  } finally {
    for (const k of ['call', 'valueAndGradient']) Object.defineProperty(proto, k, descriptors[k]);
    tf.dispose([xs, ys, ws]);
  }
});

// Runs in Chromium: a short training of a Dense(8, tanh) → Dense(3) model on TF.js's cpu and
// wasm backends with cossim's loss and metric in compile, against the same model (same initial
// weights) trained with the Keras 2 formula composed from TF.js ops; then a weighted custom loop.
// Everything is served from this checkout (cossim's js/ and dist/, TF.js from node_modules).
import * as cossim from '../../js/index.mjs';
import * as tf from '../../build/tfjs-browser/tf.mjs';

const { tfl } = tf;
const TOL = 2e-6;  // as tests/js/tfjs-training.test.mjs: float32 rounding carried over ≤ 24 steps
const checks = [];
const check = (name, ok, got, want) => checks.push({ name, ok: Boolean(ok), got, want });
const maxDiff = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const l2n = (x) => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12)));
const cosines = (t, p) => tf.sum(tf.mul(l2n(t), l2n(p)), -1);
const composedLoss = (t, p) => tf.mean(tf.neg(cosines(t, p)));

async function run(backend, seed) {
  if (backend === 'wasm') tf.setWasmPaths(new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).href);
  check(`${backend}: setBackend`, await tf.setBackend(backend), tf.getBackend(), backend);
  await tf.ready();
  const before = tf.memory().numTensors;
  const rng = mulberry32(seed);
  const n = 48;
  const x = tf.tensor(Float32Array.from({ length: n * 5 }, () => 2 * rng() - 1), [n, 5]);
  const yData = Float32Array.from({ length: n * 3 }, () => 2 * rng() - 1);
  yData.fill(0, 6, 9);  // a zero target
  const y = tf.tensor(yData, [n, 3]);
  const w = tf.tensor(Float32Array.from({ length: n }, (_, i) => (i % 4 === 3 ? 0 : 2 * rng())), [n]);
  const init = [[5, 8], [8], [8, 3], [3]].map((s) => Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rng() - 0.5));
  const model = (loss, metrics) => {
    const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 8, activation: 'tanh', inputShape: [5] }), tfl.layers.dense({ units: 3 })] });
    const ws = init.map((d, i) => tf.tensor(d, [[5, 8], [8], [8, 3], [3]][i]));
    m.setWeights(ws);
    tf.dispose(ws);
    if (loss) m.compile({ optimizer: tf.train.sgd(0.3), loss, metrics });
    return m;
  };
  const weightsOf = (m) => m.getWeights().flatMap((t) => Array.from(t.dataSync()));

  const a = model(cossim.tfjsLoss(tf), [cossim.tfjsMetric(tf)]);
  const b = model(composedLoss, []);
  const fitArgs = { epochs: 4, batchSize: 16, shuffle: false, verbose: 0 };
  const ha = await a.fit(x, y, fitArgs);
  const hb = await b.fit(x, y, fitArgs);
  check(`${backend}: fit history keys`, Object.keys(ha.history).sort().join() === 'cosine_similarity,loss', Object.keys(ha.history).sort().join(), 'cosine_similarity,loss');
  const dl = maxDiff(ha.history.loss, hb.history.loss);
  check(`${backend}: fit loss history = composed formula (max |Δ|)`, dl <= TOL, dl, `≤ ${TOL}`);
  check(`${backend}: the loss went down`, ha.history.loss[3] < ha.history.loss[0], ha.history.loss.map((v) => v.toFixed(4)).join(' → '));
  const dm = maxDiff(ha.history.cosine_similarity, ha.history.loss.map((v) => -v));
  check(`${backend}: metric history = −loss history (max |Δ|)`, dm <= TOL, dm, `≤ ${TOL}`);
  const dw = maxDiff(weightsOf(a), weightsOf(b));
  check(`${backend}: final weights (max |Δ|)`, dw <= TOL, dw, `≤ ${TOL}`);

  // The weighted custom loop of the README, against the composed weighted formula.
  const loop = async (m, lossOf) => {
    const opt = tf.train.sgd(0.3);
    const vars = m.trainableWeights.map((v) => v.read());
    const hist = [];
    for (let e = 0; e < 3; e++) {
      for (let s = 0; s < n; s += 16) {
        const [xb, yb, wb] = [tf.slice(x, [s, 0], [16, -1]), tf.slice(y, [s, 0], [16, -1]), tf.slice(w, [s], [16])];
        const cost = opt.minimize(() => lossOf(yb, m.apply(xb), wb), true, vars);
        hist.push((await cost.data())[0]);
        tf.dispose([cost, xb, yb, wb]);
      }
    }
    opt.dispose();
    return hist;
  };
  const c = model();
  const d = model();
  const lossFn = cossim.tfjsLoss(tf);
  const hc = await loop(c, (t, p, wb) => lossFn(t, p, wb));
  const hd = await loop(d, (t, p, wb) => tf.div(tf.sum(tf.mul(tf.neg(cosines(t, p)), wb)), wb.size));
  const dlw = maxDiff(hc, hd);
  check(`${backend}: weighted loop loss history (max |Δ|)`, dlw <= TOL, dlw, `≤ ${TOL}`);
  const dww = maxDiff(weightsOf(c), weightsOf(d));
  check(`${backend}: weighted loop final weights (max |Δ|)`, dww <= TOL, dww, `≤ ${TOL}`);

  [a, b].forEach((m) => m.optimizer.dispose());  // the optimizers passed to compile are the caller's
  [a, b, c, d].forEach((m) => m.dispose());
  tf.dispose([x, y, w]);
  check(`${backend}: no tensor leaked`, tf.memory().numTensors === before, tf.memory().numTensors, before);
}

try {
  await cossim.ready({ full: true });  // tfjsLoss needs the gradient (the full module)
  await run('cpu', 31);
  await run('wasm', 32);
  window.__result = { backend: cossim.backend(), checks };
} catch (e) {
  window.__result = { error: `${e.name}: ${e.message}`, checks };
}

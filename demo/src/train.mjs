// Panel 2: training in the browser. A linear map W (d×d) is fitted so that X·W points the same way
// as Y (synthetic embeddings: Y = X·W* + noise), minimising cossim's loss with Adam. cossim gives the
// loss and ∂L/∂P for P = X·W (valueAndGradient); the chain rule through the matmul is plain JS.
// Steps run in requestAnimationFrame slices of about 12 ms, so the page stays responsive.
import { $, duration } from './format.mjs';
import { lineChart } from './plot.mjs';
import { rng } from './random.mjs';

const D = 32, N = 2048, BATCH = 128, STEPS_PER_EPOCH = N / BATCH, NOISE = 0.1, SLICE_MS = 12;

function makeData() {
  const r = rng(7);
  const X = new Float32Array(N * D), Y = new Float32Array(N * D), Wstar = new Float32Array(D * D);
  for (let i = 0; i < X.length; i++) X[i] = r.normal();
  for (let i = 0; i < Wstar.length; i++) Wstar[i] = r.normal() / Math.sqrt(D);
  matmul(X, Wstar, Y, N);
  for (let i = 0; i < Y.length; i++) Y[i] += NOISE * r.normal();
  return { X, Y };
}

// out[rows×D] = A[rows×D] · B[D×D]
function matmul(A, B, out, rows, aOffset = 0) {
  for (let r = 0; r < rows; r++) {
    const o = r * D, a = aOffset + r * D;
    for (let j = 0; j < D; j++) out[o + j] = 0;
    for (let k = 0; k < D; k++) {
      const x = A[a + k], b = k * D;
      for (let j = 0; j < D; j++) out[o + j] += x * B[b + j];
    }
  }
}

// At most about `max` evenly spaced points of `points`.
function thin(points, max) {
  if (points.length <= max) return points;
  const k = Math.ceil(points.length / max);
  return points.filter((_, i) => i % k === 0);
}

export function initTraining(cossim, state) {
  const { CosineSimilarity, metrics } = cossim;
  const loss = new CosineSimilarity({ axis: -1 });      // reduction 'auto': the batch mean of −cos
  const metric = new metrics.CosineSimilarity({ axis: -1 });
  const { X, Y } = makeData();
  const P = new Float32Array(BATCH * D);
  const dW = new Float32Array(D * D);
  // `early` keeps the first EARLY losses exactly; `curve` keeps [step, loss] points for the plot,
  // halved whenever it passes CURVE_MAX so that a long run stays small.
  const EARLY = 1000, CURVE_MAX = 4000;
  let W, m, v, step, early, curve, curveStride, last, epochs, running = false, cossimMs, rateWindow, lr;
  $('tr-dims').textContent = `${D}×${D}; ${N} pairs of ${D}-d embeddings, batches of ${BATCH}`;

  function reset() {
    const r = rng(11);
    W = new Float32Array(D * D);
    for (let i = 0; i < W.length; i++) W[i] = r.normal() / Math.sqrt(D);
    m = new Float64Array(D * D); v = new Float64Array(D * D);
    step = 0; early = []; curve = []; curveStride = 1; last = undefined; epochs = []; cossimMs = 0; rateWindow = [];
    metric.resetState();
    publish(); draw();
    $('tr-loss').textContent = '–'; $('tr-metric').textContent = '–'; $('tr-rate').textContent = '–';
    $('tr-cossim-time').textContent = '–';
    $('tr-summary').textContent = 'Press Start: W begins random, so cos ≈ 0 (1 − cos ≈ 1).';
  }

  function trainStep() {
    const b = step % STEPS_PER_EPOCH;
    const off = b * BATCH * D;
    matmul(X, W, P, BATCH, off);
    const yTrue = { data: Y.subarray(off, off + BATCH * D), shape: [BATCH, D] };
    const yPred = { data: P, shape: [BATCH, D] };
    const t0 = performance.now();
    const { value, gradient } = loss.valueAndGradient(yTrue, yPred);
    metric.updateState(yTrue, yPred);
    cossimMs += performance.now() - t0;
    const G = gradient.data;
    // ∂L/∂W = Xbᵀ · ∂L/∂P
    dW.fill(0);
    for (let r = 0; r < BATCH; r++) {
      const xr = off + r * D, gr = r * D;
      for (let i = 0; i < D; i++) {
        const x = X[xr + i], row = i * D;
        for (let j = 0; j < D; j++) dW[row + j] += x * G[gr + j];
      }
    }
    step++;
    const b1 = 0.9, b2 = 0.999, c1 = 1 - b1 ** step, c2 = 1 - b2 ** step;
    for (let i = 0; i < W.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * dW[i];
      v[i] = b2 * v[i] + (1 - b2) * dW[i] * dW[i];
      W[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + 1e-8);
    }
    last = value;
    if (early.length < EARLY) early.push(value);
    if ((step - 1) % curveStride === 0) curve.push([step, 1 + value]);
    if (curve.length > CURVE_MAX) {
      curve = curve.filter((_, i) => i % 2 === 0);
      curveStride *= 2;
    }
    if (step % STEPS_PER_EPOCH === 0) {
      epochs.push([step, metric.result()]);
      metric.resetState();
    }
  }

  function frame() {
    if (!running) return;
    const t0 = performance.now();
    let n = 0;
    do { trainStep(); n++; } while (performance.now() - t0 < SLICE_MS);
    const now = performance.now();
    rateWindow.push([now, n]);
    while (rateWindow.length > 2 && now - rateWindow[0][0] > 1000) rateWindow.shift();
    const span = now - rateWindow[0][0];
    const stepsInSpan = rateWindow.slice(1).reduce((s, [, k]) => s + k, 0);
    if (span > 0 && rateWindow.length > 1) state.train.stepsPerSecond = (stepsInSpan / span) * 1000;
    publish(); draw();
    requestAnimationFrame(frame);
  }

  function publish() {
    const first = early[0];
    state.train = {
      ...(state.train ?? {}),
      step, running, losses: early.slice(), lastLoss: last, epochMetric: epochs.slice(-50).map(([, y]) => y),
      metric: metric.getState().count > 0 ? metric.result() : (epochs.at(-1)?.[1] ?? null),
      cossimMsPerStep: step ? cossimMs / step : null,
    };
    if (step === 0) state.train.stepsPerSecond = null;
    $('tr-step').textContent = String(step);
    if (last !== undefined) {
      $('tr-loss').textContent = last.toFixed(4);
      $('tr-metric').textContent = state.train.metric.toFixed(4);
      $('tr-cossim-time').textContent = duration(cossimMs / step);
      const at = Math.min(300, early.length);
      $('tr-summary').textContent = `1 − cos: ${(1 + first).toFixed(3)} at step 1 → ${(1 + early[at - 1]).toPrecision(2)} at step ${at}` +
        ` (${((1 + first) / (1 + early[at - 1])).toFixed(0)}× lower) → ${(1 + last).toPrecision(2)} now; the noise in Y sets the floor.`;
    }
    if (state.train.stepsPerSecond) $('tr-rate').textContent = Math.round(state.train.stepsPerSecond).toLocaleString('en');
  }

  function draw() {
    // 1 − cos on a log scale: the loss is −cos, so 1 + loss; the metric is +cos, so 1 − metric.
    lineChart($('tr-canvas'), [
      { label: '1 + loss  (loss = −cos, each batch)', color: '#2f5bd3', points: curve },
      { label: '1 − metric  (metric = mean +cos over an epoch)', color: '#d9572b', points: thin(epochs, 2000).map(([x, y]) => [x, 1 - y]) },
    ], { xLabel: 'training step', yLabel: '1 − cos  (log scale)', xMax: Math.max(500, step), yMin: 1e-3, yMax: 2, yLog: true,
      yTicks: [0.001, 0.01, 0.1, 1] });
  }

  const setButtons = () => {
    $('tr-start').disabled = running; $('tr-stop').disabled = !running;
  };
  $('tr-start').addEventListener('click', () => {
    if (running) return;
    running = true; rateWindow = []; setButtons(); requestAnimationFrame(frame);
  });
  $('tr-stop').addEventListener('click', () => { running = false; setButtons(); publish(); });
  $('tr-reset').addEventListener('click', () => { running = false; setButtons(); reset(); });
  $('tr-lr').addEventListener('change', () => { lr = Number($('tr-lr').value); });
  lr = Number($('tr-lr').value);
  addEventListener('resize', () => draw());
  reset();
}

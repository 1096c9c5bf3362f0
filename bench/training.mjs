// cossim benchmark: the cost of a TF.js training step with cossim's loss (tfjsLoss) against the
// same model trained with the Keras formula composed from TF.js ops and with TF.js's own
// tf.metrics.cosineProximity as the loss, on TF.js's cpu and wasm backends (Node).
//
// Model: Dense(64, relu) → Dense(32) on 128 inputs, SGD, batch 256, model.fit over `steps`
// batches per sample (shuffle off, yieldEvery 'never'); time per step = sample time / steps.
// For each backend the three losses are interleaved inside every repetition (rotating order);
// medians over the repetitions. Also measured per step: the read-back of y_true and y_pred
// (dataSync, and data() for comparison) and cossim's core call alone (valueAndGradient).
//
//   node bench/training.mjs           11 repetitions of 8 steps
//   node bench/training.mjs --quick   5 repetitions
//   node bench/training.mjs --smoke   1 repetition of 2 steps at batch 32 (CI; a few seconds)
//   options: --reps=N --steps=N --out=DIR
//
// Writes bench/results/training.json and training.md (smoke: smoke.training.json / .md).
import { mkdirSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cossim from 'cossim';
// tfjs-core's gradients (needed by fit) load through the test oracle's resolve hook.
import { loadTfLayers, useBackend } from '../tests/js/tfjs-oracle.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const mode = flag('smoke') ? 'smoke' : flag('quick') ? 'quick' : 'full';
const reps = Number(opt('reps') ?? { smoke: 1, quick: 5, full: 11 }[mode]);
const steps = Number(opt('steps') ?? (mode === 'smoke' ? 2 : 8));
const BATCH = mode === 'smoke' ? 32 : 256;
const [D_IN, HIDDEN, D_OUT] = [128, 64, 32];
const outDir = path.resolve(opt('out') ?? path.join(here, 'results'));
const outBase = mode === 'smoke' ? 'smoke.training' : 'training';
const SEED = Number(process.env.COSSIM_SEED ?? 20261202);

const log = (...a) => console.log(...a);
const t0All = performance.now();
await cossim.ready({ full: true });  // search and the gradient are in the full module
const { tf, tfl } = await loadTfLayers();

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const rng = mulberry32(SEED);
const rand = (n, scale = 1) => Float32Array.from({ length: n }, () => scale * (2 * rng() - 1));
const N = BATCH * steps;
const data = { x: rand(N * D_IN), y: rand(N * D_OUT) };
const init = [[D_IN, HIDDEN], [HIDDEN], [HIDDEN, D_OUT], [D_OUT]]
  .map((shape) => ({ data: rand(shape.reduce((a, b) => a * b, 1), 0.1), shape }));

// The three losses. Composed: Keras 2's formula, x·rsqrt(max(Σx², 1e-12)), from TF.js ops.
const l2n = (x) => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-12)));
const LOSSES = {
  cossim: () => cossim.tfjsLoss(tf),
  composed: () => (t, p) => tf.mean(tf.neg(tf.sum(tf.mul(l2n(t), l2n(p)), -1))),
  cosineProximity: () => tfl.metrics.cosineProximity,
};
const NAMES = {
  cossim: 'cossim tfjsLoss',
  composed: 'Keras formula composed from TF.js ops',
  cosineProximity: 'tf.metrics.cosineProximity as the loss',
};

function makeModel(loss) {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: HIDDEN, activation: 'relu', inputShape: [D_IN] }), tfl.layers.dense({ units: D_OUT })],
  });
  const w = init.map(({ data: d, shape }) => tf.tensor(d, shape));
  model.setWeights(w);
  tf.dispose(w);
  model.compile({ optimizer: tf.train.sgd(0.05), loss });
  return model;
}

// Median of `iters` timings of fn() (ms), after a warm-up.
async function timeEach(fn, iters) {
  const times = [];
  for (let i = 0; i < iters + 3; i++) {
    const t = await fn();
    if (i >= 3) times.push(t);
  }
  return median(times);
}

const results = [];
for (const backend of ['cpu', 'wasm']) {
  await useBackend(tf, backend);
  const x = tf.tensor(data.x, [N, D_IN]);
  const y = tf.tensor(data.y, [N, D_OUT]);
  const models = Object.fromEntries(Object.entries(LOSSES).map(([k, make]) => [k, makeModel(make())]));
  const fitArgs = { epochs: 1, batchSize: BATCH, shuffle: false, verbose: 0, yieldEvery: 'never' };

  // Check: cossim's loss and the composed formula agree on this model's output (a broken path
  // is flagged instead of looking fast).
  const check = tf.tidy(() => {
    const p = models.cossim.predict(x);
    const a = LOSSES.cossim()(y, p).dataSync()[0];
    const b = LOSSES.composed()(y, p).dataSync()[0];
    return { cossim: a, composed: b, ok: Math.abs(a - b) <= 1e-5 * (1 + Math.abs(b)) };
  });
  for (const m of Object.values(models)) await m.fit(x, y, fitArgs);  // warm-up

  const samples = Object.fromEntries(Object.keys(LOSSES).map((k) => [k, []]));
  const cpuSamples = Object.fromEntries(Object.keys(LOSSES).map((k) => [k, []]));
  const keys = Object.keys(LOSSES);
  const tensorsBefore = tf.memory().numTensors;
  for (let r = 0; r < reps; r++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(r + j) % keys.length];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await models[k].fit(x, y, fitArgs);
      samples[k].push((performance.now() - t0) / steps);
      const c = process.cpuUsage(c0);
      cpuSamples[k].push((c.user + c.system) / 1000 / steps);
    }
  }
  const leaked = tf.memory().numTensors - tensorsBefore;

  // Per step: reading y_true and y_pred [BATCH, D_OUT] back (what tfjsLoss's forward does), and
  // the core call alone on the same data.
  const fresh = () => [tf.add(tf.tensor(data.y.subarray(0, BATCH * D_OUT), [BATCH, D_OUT]), 0),
    tf.add(tf.tensor(data.y.subarray(BATCH * D_OUT, 2 * BATCH * D_OUT), [BATCH, D_OUT]), 1)];
  const iters = mode === 'smoke' ? 5 : 200;
  const readSync = await timeEach(() => {
    const ts = fresh();
    const t0 = performance.now();
    for (const t of ts) t.dataSync();
    const dt = performance.now() - t0;
    tf.dispose(ts);
    return dt;
  }, iters);
  const readAsync = await timeEach(async () => {
    const ts = fresh();
    const t0 = performance.now();
    for (const t of ts) await t.data();
    const dt = performance.now() - t0;
    tf.dispose(ts);
    return dt;
  }, iters);
  // The loss alone, forward and backward (d loss / d y_pred, as fit's step needs it), per loss,
  // interleaved.
  const [lt, lp] = fresh();
  const lossOnly = Object.fromEntries(keys.map((k) => [k, []]));
  const lossOnlyCpu = Object.fromEntries(keys.map((k) => [k, []]));
  const lossFns = Object.fromEntries(keys.map((k) => [k, LOSSES[k]()]));
  const gradOf = Object.fromEntries(keys.map((k) => [k, tf.grad((p) => tf.mean(lossFns[k](lt, p)))]));
  for (let i = 0; i < 3 + iters / 4; i++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(i + j) % keys.length];
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      tf.tidy(() => gradOf[k](lp).dataSync());
      const dt = performance.now() - t0;
      const c = process.cpuUsage(c0);
      if (i >= 3) {
        lossOnly[k].push(dt);
        lossOnlyCpu[k].push((c.user + c.system) / 1000);
      }
    }
  }
  tf.dispose([lt, lp]);
  const lossMs = Object.fromEntries(keys.map((k) => [k, median(lossOnly[k])]));
  const lossCpuMs = Object.fromEntries(keys.map((k) => [k, median(lossOnlyCpu[k])]));
  const loss = new cossim.CosineSimilarity();
  const yt = { data: data.y.subarray(0, BATCH * D_OUT), shape: [BATCH, D_OUT] };
  const yp = { data: data.y.subarray(BATCH * D_OUT, 2 * BATCH * D_OUT), shape: [BATCH, D_OUT] };
  const core = await timeEach(() => {
    const t0 = performance.now();
    loss.valueAndGradient(yt, yp, undefined, { wrt: 'both' });
    return performance.now() - t0;
  }, iters);

  const med = Object.fromEntries(keys.map((k) => [k, median(samples[k])]));
  const cpuMed = Object.fromEntries(keys.map((k) => [k, median(cpuSamples[k])]));
  results.push({
    backend, check, leakedTensors: leaked,
    stepMs: med,
    stepCpuMs: cpuMed,
    samplesMs: samples,
    ratio: { composedOverCossim: med.composed / med.cossim, proximityOverCossim: med.cosineProximity / med.cossim },
    cpuRatio: { composedOverCossim: cpuMed.composed / cpuMed.cossim, proximityOverCossim: cpuMed.cosineProximity / cpuMed.cossim },
    perStepMs: { readBackDataSync: readSync, readBackData: readAsync, coreValueAndGradient: core },
    lossForwardBackwardMs: lossMs,
    lossForwardBackwardCpuMs: lossCpuMs,
  });
  log(`${backend}: ${keys.map((k) => `${k} ${med[k].toFixed(3)} ms/step`).join(', ')}; ` +
    `read-back ${(readSync * 1000).toFixed(1)} µs (data(): ${(readAsync * 1000).toFixed(1)} µs), core ${(core * 1000).toFixed(1)} µs; ` +
    `check ${check.ok ? 'ok' : 'FAILED'} (${check.cossim} vs ${check.composed}); leaked ${leaked}`);
  for (const m of Object.values(models)) m.dispose();
  tf.dispose([x, y]);
}

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version,
  tfjs: tf.version_core, tfjsWasmSimd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
  date: new Date().toISOString(),
};
const report = {
  tool: 'cossim bench/training.mjs', mode, reps, steps, batch: BATCH,
  loadavg: os.loadavg(),
  model: `Dense(${HIDDEN}, relu) → Dense(${D_OUT}) on ${D_IN} inputs, SGD, model.fit`, seed: SEED, machine,
  totalSeconds: +((performance.now() - t0All) / 1000).toFixed(1), results,
};

const fmt = (ms) => (ms >= 1 ? `${ms.toFixed(2)} ms` : `${(ms * 1000).toFixed(0)} µs`);
const md = [
  `# TF.js training step (${mode}): ${report.model}, batch ${BATCH}`,
  '',
  `${reps} repetitions × ${steps} steps per loss, interleaved; medians. ${machine.cpu}, ${machine.cores} cores, ` +
    `Node ${machine.node}, TF.js ${machine.tfjs} (wasm SIMD ${machine.tfjsWasmSimd}), ${machine.date}.`,
  '',
  `Load average at the end: ${os.loadavg().map((v) => v.toFixed(1)).join(', ')} (wall time suffers from other processes; ` +
    'process CPU time per step is shown too).',
  '',
  '| backend | loss | wall time per fit step | CPU time per step | wall: composed / cossim | wall: cosineProximity / cossim | CPU: composed / cossim | CPU: cosineProximity / cossim |',
  '|---|---|---|---|---|---|---|---|',
  ...results.flatMap((r) => Object.keys(LOSSES).map((k) => `| ${r.backend} | ${NAMES[k]} | ${fmt(r.stepMs[k])} | ${fmt(r.stepCpuMs[k])} | ${
    k === 'cossim' ? [r.ratio.composedOverCossim, r.ratio.proximityOverCossim, r.cpuRatio.composedOverCossim, r.cpuRatio.proximityOverCossim]
      .map((v) => `${v.toFixed(2)}×`).join(' | ') : ' | | | '} |`)),
  '',
  `The loss alone, forward and backward (tf.grad of the mean loss w.r.t. y_pred [${BATCH},${D_OUT}], read with dataSync), interleaved, medians:`,
  '',
  '| backend | time | cossim tfjsLoss | composed from TF.js ops | cosineProximity | composed / cossim | cosineProximity / cossim |',
  '|---|---|---|---|---|---|---|',
  ...results.flatMap((r) => [['wall', r.lossForwardBackwardMs], ['CPU', r.lossForwardBackwardCpuMs]].map(([what, l]) =>
    `| ${r.backend} | ${what} | ${fmt(l.cossim)} | ${fmt(l.composed)} | ${fmt(l.cosineProximity)} | ${(l.composed / l.cossim).toFixed(2)}× | ${(l.cosineProximity / l.cossim).toFixed(2)}× |`)),
  '',
  `| backend | read-back of y_true + y_pred [${BATCH},${D_OUT}] (dataSync) | the same with await data() | cossim core call (value + both gradients) |`,
  '|---|---|---|---|',
  ...results.map((r) => `| ${r.backend} | ${fmt(r.perStepMs.readBackDataSync)} | ${fmt(r.perStepMs.readBackData)} | ${fmt(r.perStepMs.coreValueAndGradient)} |`),
  '',
].join('\n');

mkdirSync(outDir, { recursive: true });
const write = (file, text) => {
  const full = path.join(outDir, file);
  writeFileSync(`${full}.tmp`, text);
  renameSync(`${full}.tmp`, full);
  return full;
};
write(`${outBase}.json`, JSON.stringify(report, null, 1) + '\n');
const mdPath = write(`${outBase}.md`, md);
log(md);
log(`wrote ${path.relative(process.cwd(), mdPath)} in ${report.totalSeconds} s`);
const broken = results.some((r) => !r.check.ok || r.leakedTensors !== 0);
process.exitCode = broken ? 1 : 0;

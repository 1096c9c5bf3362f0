// cossim benchmark: cossim side by side with its peers (TF.js wasm/cpu, hand-written JS loops,
// compute-cosine-similarity, ml-distance, the simsimd native addon) and the read-bandwidth roofline
// (internal.sum over the same bytes), on the workloads and targets of the performance issue.
//
//   node bench/run.mjs            full run (11 interleaved repetitions, ≥ 50 ms per sample)
//   node bench/run.mjs --quick    5 repetitions, ≥ 20 ms per sample
//   node bench/run.mjs --smoke    every workload once at tiny sizes (CI; < 20 s); targets not judged
//   options: --only=id1,id2  --reps=N  --min-sample-ms=N  --out=DIR
//
// Writes bench/results/latest.json and latest.md (smoke: smoke.json / smoke.md). See bench/README.md.
import { createRequire } from 'node:module';
import { readFileSync, mkdirSync, writeFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as cossim from 'cossim';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import computeCosineSimilarity from 'compute-cosine-similarity';
import { similarity as mlSimilarity } from 'ml-distance';
import * as js from './lib/jsloops.mjs';
import { measure, scalarCheck, vectorCheck, topKCheck } from './lib/harness.mjs';
import { printWorkload, markdownReport, evaluateTargets, fmtTime } from './lib/report.mjs';

// A second instance of the loops for float64 data, so that their type feedback stays monomorphic.
const js64 = await import('./lib/jsloops.mjs?float64');

const require = createRequire(import.meta.url);
const simsimd = require('simsimd');

const here = path.dirname(fileURLToPath(import.meta.url));

// ------------------------------------------------------------------ options --

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name) => argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const mode = flag('smoke') ? 'smoke' : flag('quick') ? 'quick' : 'full';
const reps = Number(opt('reps') ?? { smoke: 1, quick: 5, full: 11 }[mode]);
const minSampleMs = Number(opt('min-sample-ms') ?? { smoke: 0, quick: 20, full: 50 }[mode]);
const budgetMs = Number(opt('budget-ms') ?? { smoke: Infinity, quick: 4000, full: 8000 }[mode]);
const only = opt('only')?.split(',');
const outDir = path.resolve(opt('out') ?? path.join(here, 'results'));
const outBase = mode === 'smoke' ? 'smoke' : 'latest';
const SEED = Number(process.env.COSSIM_SEED ?? 20261201);

const S = mode === 'smoke'
  ? { loss: [64, 96], batch: [8, 96], pairD: 768, pairDs: [3, 768], small: 1000, table: [2000, 96], pw: [20, 96, 30], k: 10 }
  : { loss: [4096, 768], batch: [32, 768], pairD: 768, pairDs: [3, 16, 128, 768, 1536], small: 100_000, table: [100_000, 768], pw: [1000, 768, 1000], k: 10 };

// ------------------------------------------------------------------ setup --

const log = (...a) => console.log(...a);
const t0All = performance.now();
await cossim.ready({ full: true });
await tf.setBackend('cpu');
await tf.setBackend('wasm');
await tf.ready();
const TFWASM_SIMD = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
const TFWASM_MT = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');

const machine = {
  cpu: (() => {
    try {
      const info = readFileSync('/proc/cpuinfo', 'utf8');
      const field = (k) => info.match(new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm'))?.[1]?.trim();
      const flags = ` ${field('flags') ?? ''} `;
      const isa = ['avx512f', 'avx2'].find((f) => flags.includes(` ${f} `));
      return `${field('model name') ?? os.cpus()[0]?.model} (family ${field('cpu family')}, model ${field('model')}${isa ? `, ${isa}` : ''})`;
    } catch {
      return os.cpus()[0]?.model ?? 'unknown';
    }
  })(),
  cores: os.cpus().length,
  memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
  node: process.version,
  v8: process.versions.v8,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  date: new Date().toISOString(),
  loadAverage: os.loadavg().map((x) => +x.toFixed(2)),
  cossimBackend: cossim.backend(),
  tfjs: `${tf.version_core} (wasm: SIMD ${TFWASM_SIMD}, threads ${TFWASM_MT})`,
  simsimd: JSON.parse(readFileSync(path.join(path.dirname(require.resolve('simsimd')), '..', '..', '..', 'package.json'), 'utf8')).version,
};

// ------------------------------------------------------------------ helpers --

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let seedCounter = 0;
const nextRng = () => mulberry32((SEED + 0x9e3779b1 * ++seedCounter) >>> 0);

function uniform(n, Arr = Float32Array, rng = nextRng()) {
  const a = new Arr(n);
  for (let i = 0; i < n; i++) a[i] = rng() * 2 - 1;
  return a;
}

/** b = a + 0.5·noise: cosines around 0.9, so a wrong sign or scale shows. */
function correlated(a, rng = nextRng()) {
  const b = new a.constructor(a.length);
  for (let i = 0; i < a.length; i++) b[i] = a[i] + (rng() - 0.5);
  return b;
}

/** float64 +cos of rows, Keras formula; bRows = 1 broadcasts b. */
function refCosRows(a, b, n, d, bRows = n) {
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const ao = r * d;
    const bo = bRows === 1 ? 0 : r * d;
    let dot = 0, na = 0, nb = 0;
    for (let i = 0; i < d; i++) {
      const x = a[ao + i], y = b[bo + i];
      dot += x * y; na += x * x; nb += y * y;
    }
    out[r] = dot * (1 / Math.sqrt(Math.max(na, 1e-12))) * (1 / Math.sqrt(Math.max(nb, 1e-12)));
  }
  return out;
}

const meanNeg = (v) => {
  let s = 0;
  for (const x of v) s -= x;
  return v.length ? s / v.length : 0;
};

function refSums(...arrays) {
  let s = 0, abs = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) { s += a[i]; abs += Math.abs(a[i]); }
  return { s, abs };
}

function sumCheck(ref, tol) {
  return (got) => {
    const err = Math.abs(got - ref.s);
    return { ok: err <= tol * (1 + ref.abs), err, detail: `|err| ${err.toExponential(1)} (Σ|x| ${ref.abs.toExponential(1)})` };
  };
}

const rowsOf = (x, n, d) => Array.from({ length: n }, (_, r) => x.subarray(r * d, (r + 1) * d));
const numberRowsOf = (x, n, d) => Array.from({ length: n }, (_, r) => Array.from(x.subarray(r * d, (r + 1) * d)));

function heap(data, shape, dtype) {
  const t = cossim.alloc(shape, dtype);
  t.data.set(data);
  return t;
}

// TF.js: the Keras formula composed from its ops (square, sum keepDims, maximum eps, rsqrt, mul, sum, neg, mean).
const EPS = 1e-12;
const tfL2n = (x) => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), EPS)));
const tfMeanLoss = (t, p) => tf.mean(tf.neg(tf.sum(tf.mul(tfL2n(t), tfL2n(p)), -1)));
function tfScalar(fn) {
  const r = tf.tidy(fn);
  const v = r.dataSync()[0];
  r.dispose();
  return v;
}
function tfArray(fn) {
  const r = tf.tidy(fn);
  const v = r.dataSync();
  r.dispose();
  return v;
}
async function onBackend(name, fn) {
  await tf.setBackend(name);
  return fn();
}
const use = (name) => () => tf.setBackend(name);

const TOL = { cossim32: 1e-6, cossim64: 1e-12, peer32: 1e-4, peer64: 1e-9, roof32: 1e-4, roof64: 1e-12 };

// Per-row peers shared by the loss workloads: mean of −cos over rows.
function perRowPeers(t, p, n, d, ref, { numberArrays = true } = {}) {
  const rt = rowsOf(t, n, d);
  const rp = rowsOf(p, n, d);
  const out = [
    {
      name: 'simsimd (per row)', role: 'peer', check: scalarCheck(ref, TOL.peer32),
      run: () => {
        let s = 0;
        for (let r = 0; r < n; r++) s -= 1 - simsimd.cosine(rt[r], rp[r]);
        return s / n;
      },
    },
    {
      name: 'ml-distance (per row)', role: 'peer', check: scalarCheck(ref, TOL.peer32),
      run: () => {
        let s = 0;
        for (let r = 0; r < n; r++) s -= mlSimilarity.cosine(rt[r], rp[r]);
        return s / n;
      },
    },
  ];
  if (numberArrays) {
    const nt = numberRowsOf(t, n, d);
    const np = numberRowsOf(p, n, d);
    out.push({
      name: 'compute-cosine-similarity (per row)', role: 'peer', check: scalarCheck(ref, TOL.peer32),
      note: 'takes number arrays only: rows converted beforehand (untimed)',
      run: () => {
        let s = 0;
        for (let r = 0; r < n; r++) s -= computeCosineSimilarity(nt[r], np[r]);
        return s / n;
      },
    });
  }
  return out;
}

function jsLoopVariants(t, p, n, d, ref, lib = js, tol = TOL.peer32) {
  const v = [
    { name: 'JS loop: 1 acc/sum', fn: lib.meanLossAcc1 },
    { name: 'JS loop: 2 acc/sum', fn: lib.meanLossAcc2 },
    { name: 'JS loop: 4 acc/sum', fn: lib.meanLossAcc4 },
  ];
  if (d === 3) v.push({ name: 'JS loop: d=3 unrolled', fn: (a, b, nn) => lib.meanLossD3(a, b, nn) });
  if (d === 16) v.push({ name: 'JS loop: d=16 unrolled', fn: (a, b, nn) => lib.meanLossD16(a, b, nn) });
  return v.map(({ name, fn }) => ({
    name, role: 'peer', group: 'JS loop', check: scalarCheck(ref, tol), run: () => fn(t, p, n, d),
  }));
}

async function tfLossPeers(t, p, shape, ref, { copied = false } = {}) {
  const out = [];
  for (const backend of ['wasm', 'cpu']) {
    const name = `tfjs-${backend} (Keras ops${copied ? ', tensors from arrays per call' : ''})`;
    if (copied) {
      out.push({
        name, role: 'peer', before: use(backend), check: scalarCheck(ref, TOL.peer32),
        run: () => tfScalar(() => tfMeanLoss(tf.tensor(t, shape), tf.tensor(p, shape))),
      });
    } else {
      const [T, P] = await onBackend(backend, () => [tf.tensor(t, shape), tf.tensor(p, shape)]);
      out.push({
        name, role: 'peer', before: use(backend), check: scalarCheck(ref, TOL.peer32),
        run: () => tfScalar(() => tfMeanLoss(T, P)),
        dispose: () => { T.dispose(); P.dispose(); },
      });
    }
  }
  return out;
}

// ------------------------------------------------------------------ workloads --

const loss = new cossim.CosineSimilarity();  // reduction 'auto' = mean
const workloads = [];

// 1. [4096,768] float32 mean loss, heap tensors.
workloads.push({
  id: 'loss-heap-f32',
  title: `mean loss, heap tensors, float32 [${S.loss}]`,
  async setup() {
    const [n, d] = S.loss;
    const t = uniform(n * d);
    const p = correlated(t);
    const ref = meanNeg(refCosRows(t, p, n, d));
    const T = heap(t, [n, d], 'float32');
    const P = heap(p, [n, d], 'float32');
    const sums = refSums(t, p);
    const tfPeers = await tfLossPeers(t, p, [n, d], ref);
    return {
      contenders: [
        { name: 'cossim', role: 'cossim', run: () => loss.call(T, P), check: scalarCheck(ref, TOL.cossim32) },
        { name: 'roofline: internal.sum (same bytes)', role: 'roofline', run: () => cossim.internal.sum(T) + cossim.internal.sum(P), check: sumCheck(sums, TOL.roof32) },
        ...tfPeers,
        ...jsLoopVariants(t, p, n, d, ref),
        ...perRowPeers(t, p, n, d, ref),
      ],
      dispose() { T.dispose(); P.dispose(); for (const c of tfPeers) c.dispose?.(); },
    };
  },
  targets: [
    { desc: 'cossim ≤ 1.5× roofline', kind: 'roofline', of: 'roofline: internal.sum (same bytes)', op: '<=', threshold: 1.5 },
    { desc: '≥ 20× TF.js-wasm', kind: 'speedup', of: 'tfjs-wasm (Keras ops)', op: '>=', threshold: 20 },
    { desc: '≥ 8× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 8 },
  ],
});

// 2. Same with plain Float32Array inputs (copied into the heap per call), at [4096,768] and [32,768],
// next to the same call on heap tensors and the floor of a copied call: copying both inputs into
// the heap (TypedArray.set) plus the heap call.
for (const shape of [S.loss, S.batch]) {
  const big = shape === S.loss;
  workloads.push({
    id: big ? 'loss-copied-f32' : 'loss-copied-f32-small',
    title: `mean loss, plain Float32Arrays (copied per call), float32 [${shape}]`,
    async setup() {
      const [n, d] = shape;
      const t = uniform(n * d);
      const p = correlated(t);
      const ref = meanNeg(refCosRows(t, p, n, d));
      const tt = { data: t, shape: [n, d] };
      const pp = { data: p, shape: [n, d] };
      const T = heap(t, [n, d], 'float32');
      const P = heap(p, [n, d], 'float32');
      return {
        contenders: [
          { name: 'cossim', role: 'cossim', run: () => loss.call(tt, pp), check: scalarCheck(ref, TOL.cossim32) },
          { name: 'cossim on heap tensors (no copy)', role: 'baseline', run: () => loss.call(T, P), check: scalarCheck(ref, TOL.cossim32) },
          { name: 'floor: copy both into the heap + heap call', role: 'roofline', run: () => { T.data.set(t); P.data.set(p); return loss.call(T, P); }, check: scalarCheck(ref, TOL.cossim32) },
          ...(big ? await tfLossPeers(t, p, [n, d], ref, { copied: true }) : []),
          ...jsLoopVariants(t, p, n, d, ref),
        ],
        dispose() { T.dispose(); P.dispose(); },
      };
    },
    targets: big ? [
      { desc: '≥ 6× TF.js-wasm', kind: 'speedup', of: 'tfjs-wasm (Keras ops, tensors from arrays per call)', op: '>=', threshold: 6 },
      { desc: '≥ 3× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 3 },
      { desc: '≤ 1.15× its floor (copy + heap call)', kind: 'roofline', of: 'floor: copy both into the heap + heap call', op: '<=', threshold: 1.15 },
    ] : [
      { desc: '≥ 3× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 3 },
    ],
  });
}

// 2b. Small calls at their cost floor: one pair of Float32Arrays through cosine() and loss.call(),
// against the best JS loop and the floor of such a call: TypedArray.set of both inputs into the
// heap plus one raw export that runs the kernel on them (no validation, no staging logic).
// The floor runs on a second instance of the module, loaded from the sources (the 'cossim' entry
// is a bundle whose module state is private).
await (await import('../js/index.mjs')).ready({ backend: cossim.backend() });
const { native: loadedModule } = await import('../js/state.mjs');
const align16 = (x) => Math.ceil(x / 16) * 16;
for (const d of S.pairDs) {
  for (const via of ['cosine', 'loss.call']) {
    workloads.push({
      id: `small-${via === 'cosine' ? 'cosine' : 'call'}-d${d}`,
      title: `one pair d=${d}: ${via}(Float32Array, Float32Array), per call`,
      async setup() {
        const a = uniform(d);
        const b = correlated(a);
        const cos = refCosRows(a, b, 1, d)[0];
        const sign = via === 'cosine' ? 1 : -1;  // cosine() is +cos, the loss −cos
        const check = (tol) => scalarCheck(sign * cos, tol);
        const n = loadedModule('bench');
        const base = n.stage(2 * align16(4 * d));
        const off = align16(4 * d);
        const floor = () => {
          const h = n.views().heap[n.F32];
          h.set(a, base / 4);
          h.set(b, (base + off) / 4);
          return sign * n.x.cossim_cosine(base, base + off, d, n.F32);
        };
        const jsl = (f) => () => -sign * f(a, b, 1, d);  // the loops return the mean loss
        return {
          contenders: [
            { name: 'cossim', role: 'cossim', run: via === 'cosine' ? () => cossim.cosine(a, b) : () => loss.call(a, b), check: check(TOL.cossim32) },
            { name: 'floor: set both + raw kernel export', role: 'roofline', run: floor, check: check(TOL.cossim32) },
            { name: 'JS loop: 1 acc/sum', role: 'peer', group: 'JS loop', run: jsl(js.meanLossAcc1), check: check(TOL.peer32) },
            { name: 'JS loop: 2 acc/sum', role: 'peer', group: 'JS loop', run: jsl(js.meanLossAcc2), check: check(TOL.peer32) },
            { name: 'JS loop: 4 acc/sum', role: 'peer', group: 'JS loop', run: jsl(js.meanLossAcc4), check: check(TOL.peer32) },
          ],
        };
      },
      targets: [
        ...(d === 768 && via === 'cosine' ? [{ desc: '≥ 3× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 3 }] : []),
        ...(d === 768 && via === 'loss.call' ? [{ desc: '≥ 2× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 2 }] : []),
        ...(d === 128 && via === 'cosine' ? [{ desc: '≥ 2× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 2 }] : []),
      ],
    });
  }
}

// 3. One pair, d = 768, loss.call with plain Float32Arrays (a loop of many calls).
workloads.push({
  id: 'pair-768',
  title: `one pair d=${S.pairD}: loss.call(Float32Array, Float32Array), per call`,
  async setup() {
    const d = S.pairD;
    const a = uniform(d);
    const b = correlated(a);
    const ref = meanNeg(refCosRows(a, b, 1, d));
    const na = Array.from(a);
    const nb = Array.from(b);
    const check = (tol) => scalarCheck(ref, tol);
    return {
      contenders: [
        { name: 'cossim', role: 'cossim', run: () => loss.call(a, b), check: check(TOL.cossim32) },
        { name: 'JS loop: 1 acc/sum', role: 'peer', group: 'JS loop', run: () => js.meanLossAcc1(a, b, 1, d), check: check(TOL.peer32) },
        { name: 'JS loop: 2 acc/sum', role: 'peer', group: 'JS loop', run: () => js.meanLossAcc2(a, b, 1, d), check: check(TOL.peer32) },
        { name: 'JS loop: 4 acc/sum', role: 'peer', group: 'JS loop', run: () => js.meanLossAcc4(a, b, 1, d), check: check(TOL.peer32) },
        { name: 'simsimd', role: 'peer', run: () => simsimd.cosine(a, b) - 1, check: check(TOL.peer32) },
        { name: 'ml-distance', role: 'peer', run: () => -mlSimilarity.cosine(a, b), check: check(TOL.peer32) },
        { name: 'compute-cosine-similarity (number arrays)', role: 'peer', run: () => -computeCosineSimilarity(na, nb), check: check(TOL.peer32) },
        { name: 'tfjs-wasm (Keras ops, tensors per call)', role: 'peer', before: use('wasm'), run: () => tfScalar(() => tfMeanLoss(tf.tensor1d(a), tf.tensor1d(b))), check: check(TOL.peer32) },
        { name: 'tfjs-cpu (Keras ops, tensors per call)', role: 'peer', before: use('cpu'), run: () => tfScalar(() => tfMeanLoss(tf.tensor1d(a), tf.tensor1d(b))), check: check(TOL.peer32) },
      ],
    };
  },
  targets: [
    { desc: '≥ 2× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 2 },
  ],
});

// 4–5. Small d: [100000,3] and [100000,16] mean loss, heap tensors.
for (const [d, tfTarget] of [[3, 20], [16, 12]]) {
  workloads.push({
    id: `loss-heap-d${d}`,
    title: `mean loss, heap tensors, float32 [${S.small},${d}]`,
    async setup() {
      const n = S.small;
      const t = uniform(n * d);
      const p = correlated(t);
      const ref = meanNeg(refCosRows(t, p, n, d));
      const T = heap(t, [n, d], 'float32');
      const P = heap(p, [n, d], 'float32');
      const tfPeers = await tfLossPeers(t, p, [n, d], ref);
      return {
        contenders: [
          { name: 'cossim', role: 'cossim', run: () => loss.call(T, P), check: scalarCheck(ref, TOL.cossim32) },
          { name: 'roofline: internal.sum (same bytes)', role: 'roofline', run: () => cossim.internal.sum(T) + cossim.internal.sum(P), check: sumCheck(refSums(t, p), TOL.roof32) },
          ...tfPeers,
          ...jsLoopVariants(t, p, n, d, ref),
          ...perRowPeers(t, p, n, d, ref),
        ],
        dispose() { T.dispose(); P.dispose(); for (const c of tfPeers) c.dispose?.(); },
      };
    },
    targets: [
      { desc: '≥ 5× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 5 },
      { desc: `≥ ${tfTarget}× TF.js-wasm`, kind: 'speedup', of: 'tfjs-wasm (Keras ops)', op: '>=', threshold: tfTarget },
    ],
  });
}

// 6–7. One query against a [100000,768] table (307 MB): similarity and topK (shared fixture).
let tableFixture = null;
async function table() {
  if (tableFixture) return tableFixture;
  const [n, d] = S.table;
  log(`  (building the [${n},${d}] table: ${(n * d * 4 / 1e6).toFixed(0)} MB in the cossim heap, a JS copy and TF.js-wasm tensors)`);
  const x = uniform(n * d);
  const rng = nextRng();
  const q = new Float32Array(d);
  const hit = Math.floor(n / 3);
  for (let i = 0; i < d; i++) q[i] = x[hit * d + i] + 0.3 * (rng() - 0.5);
  const scores = refCosRows(x, q, n, d, 1);
  const X = heap(x, [n, d], 'float32');
  const tensors = await onBackend('wasm', () => {
    const Xt = tf.tensor2d(x, [n, d]);
    const qt = tf.tensor2d(q, [1, d]);
    const XnPre = tf.tidy(() => tfL2n(Xt));         // normalised by the user beforehand
    const XnTPre = tf.tidy(() => tf.transpose(XnPre));  // ... and stored transposed
    return { Xt, qt, XnPre, XnTPre };
  });
  const users = workloads.filter((w) => w.usesTable && (!only || only.includes(w.id))).length;
  tableFixture = { n, d, x, q, X, scores, rows: rowsOf(x, n, d), ...tensors, users };
  return tableFixture;
}
function releaseTable() {
  if (tableFixture && --tableFixture.users === 0) {
    const f = tableFixture;
    f.X.dispose();
    for (const t of [f.Xt, f.qt, f.XnPre, f.XnTPre]) t.dispose();
    tableFixture = null;
  }
}

function tfOneVsManyVariants(f) {
  const { n, d, Xt, qt, XnPre, XnTPre } = f;
  const ck = vectorCheck(f.scores, TOL.peer32);
  const w = use('wasm');
  return {
    perCall: [
      { name: 'tfjs-wasm: normalise, transpose X, matMul(q, Xᵀ)', run: () => tfArray(() => tf.matMul(tfL2n(qt), tf.transpose(tfL2n(Xt)))) },
      { name: 'tfjs-wasm: normalise, matMul(X, qᵀ)', run: () => tfArray(() => tf.reshape(tf.matMul(tfL2n(Xt), tf.reshape(tfL2n(qt), [d, 1])), [n])) },
      { name: 'tfjs-wasm: matMul(X, q̂ᵀ)·rsqrt(max(ΣX², ε))', run: () => tfArray(() => tf.mul(tf.reshape(tf.matMul(Xt, tf.reshape(tfL2n(qt), [d, 1])), [n]), tf.rsqrt(tf.maximum(tf.sum(tf.square(Xt), -1), EPS)))) },
    ].map((c) => ({ ...c, role: 'peer', group: 'tfjs-wasm per call (fastest of 3)', before: w, check: ck })),
    pre: [
      { name: 'tfjs-wasm pre-normalised: matMul(q̂, X̂ᵀ stored)', run: () => tfArray(() => tf.matMul(tfL2n(qt), XnTPre)) },
      { name: 'tfjs-wasm pre-normalised: matMul(X̂, q̂ᵀ)', run: () => tfArray(() => tf.reshape(tf.matMul(XnPre, tf.reshape(tfL2n(qt), [d, 1])), [n])) },
    ].map((c) => ({ ...c, role: 'peer', group: 'tfjs-wasm pre-normalised table (fastest of 2)', before: w, check: ck })),
  };
}

workloads.push({
  id: 'one-vs-many',
  usesTable: true,
  title: `similarity(): one query vs a heap table [${S.table}] float32`,
  async setup() {
    const f = await table();
    const { n, d, x, q, X, rows, scores } = f;
    const out = new Float32Array(n);
    const tfv = tfOneVsManyVariants(f);
    const ck = vectorCheck(scores, TOL.peer32);
    return {
      contenders: [
        { name: 'cossim', role: 'cossim', run: () => cossim.similarity(q, X), check: vectorCheck(scores, 2 * TOL.cossim32) },
        { name: 'roofline: internal.sum (same bytes)', role: 'roofline', run: () => cossim.internal.sum(X), check: sumCheck(refSums(x), TOL.roof32) },
        ...tfv.perCall,
        ...tfv.pre,
        { name: 'JS loop: 2 acc/sum', role: 'peer', group: 'JS loop', run: () => js.oneVsManyAcc2(q, x, n, d, out), check: ck },
        { name: 'JS loop: 4 acc/sum', role: 'peer', group: 'JS loop', run: () => js.oneVsManyAcc4(q, x, n, d, out), check: ck },
        {
          name: 'simsimd (per row)', role: 'peer', check: ck,
          run: () => { for (let r = 0; r < n; r++) out[r] = 1 - simsimd.cosine(q, rows[r]); return out; },
        },
        {
          name: 'ml-distance (per row)', role: 'peer', check: ck,
          run: () => { for (let r = 0; r < n; r++) out[r] = mlSimilarity.cosine(q, rows[r]); return out; },
        },
      ],
      dispose: releaseTable,
    };
  },
  targets: [
    { desc: 'cossim ≤ 1.3× roofline', kind: 'roofline', of: 'roofline: internal.sum (same bytes)', op: '<=', threshold: 1.3 },
    { desc: '≥ 12× TF.js-wasm (normalise+transpose+matMul, fastest)', kind: 'speedup', of: 'tfjs-wasm per call (fastest of 3)', op: '>=', threshold: 12 },
    { desc: '≥ 3× TF.js-wasm on a pre-normalised table', kind: 'speedup', of: 'tfjs-wasm pre-normalised table (fastest of 2)', op: '>=', threshold: 3 },
    { desc: '≥ 8× JS loop', kind: 'speedup', of: 'JS loop', op: '>=', threshold: 8 },
    { desc: 'faster than simsimd per row', kind: 'speedup', of: 'simsimd (per row)', op: '>', threshold: 1 },
  ],
});

workloads.push({
  id: 'topk',
  usesTable: true,
  title: `topK(query, table, ${S.k}) on the same [${S.table}] table`,
  async setup() {
    const f = await table();
    const { n, d, x, q, X, scores, XnTPre, qt } = f;
    const k = S.k;
    const out = new Float32Array(n);
    return {
      contenders: [
        { name: 'cossim', role: 'cossim', run: () => cossim.topK(q, X, k), check: topKCheck(scores, k, 2 * TOL.cossim32) },
        { name: 'cossim similarity() (same query)', role: 'baseline', run: () => cossim.similarity(q, X), check: vectorCheck(scores, 2 * TOL.cossim32) },
        { name: 'JS loop (4 acc/sum) + top-k selection', role: 'peer', run: () => js.selectTopK(js.oneVsManyAcc4(q, x, n, d, out), k), check: topKCheck(scores, k, TOL.peer32) },
        {
          name: 'tfjs-wasm pre-normalised + tf.topk', role: 'peer', before: use('wasm'), check: topKCheck(scores, k, TOL.peer32),
          run: () => {
            const r = tf.tidy(() => tf.topk(tf.reshape(tf.matMul(tfL2n(qt), XnTPre), [n]), k));
            const res = { indices: r.indices.dataSync(), values: r.values.dataSync() };
            r.indices.dispose();
            r.values.dispose();
            return res;
          },
        },
      ],
      dispose: releaseTable,
    };
  },
  targets: [
    { desc: 'topK ≤ 1.1× similarity', kind: 'baseline', of: 'cossim similarity() (same query)', op: '<=', threshold: 1.1 },
  ],
});

// 8. pairwise [1000,768] × [1000,768].
workloads.push({
  id: 'pairwise',
  title: `pairwise(): [${S.pw[0]},${S.pw[1]}] × [${S.pw[2]},${S.pw[1]}] float32, heap tensors`,
  async setup() {
    const [m, d, n] = S.pw;
    const a = uniform(m * d);
    const b = uniform(n * d);
    const ref = new Float64Array(m * n);
    const an = js.normaliseRows(Float64Array.from(a), m, d);
    const bn = js.normaliseRows(Float64Array.from(b), n, d);
    js64.pairwiseDotAcc4(an, m, bn, n, d, ref);
    const A = heap(a, [m, d], 'float32');
    const B = heap(b, [n, d], 'float32');
    const a32n = js.normaliseRows(a, m, d);  // the user normalised the rows beforehand
    const b32n = js.normaliseRows(b, n, d);
    const out = new Float32Array(m * n);
    const ck = vectorCheck(ref, TOL.peer32);
    const t = await onBackend('wasm', () => {
      const At = tf.tensor2d(a, [m, d]);
      const Bt = tf.tensor2d(b, [n, d]);
      const AnPre = tf.tidy(() => tfL2n(At));
      const BnTPre = tf.tidy(() => tf.transpose(tfL2n(Bt)));
      return { At, Bt, AnPre, BnTPre };
    });
    const w = use('wasm');
    return {
      contenders: [
        { name: 'cossim', role: 'cossim', run: () => cossim.pairwise(A, B), check: vectorCheck(ref, 2 * TOL.cossim32) },
        { name: 'tfjs-wasm: normalise, transpose B, matMul(A, Bᵀ)', role: 'peer', before: w, check: ck, run: () => tfArray(() => tf.matMul(tfL2n(t.At), tf.transpose(tfL2n(t.Bt)))) },
        { name: 'tfjs-wasm: normalise, matMul(A, B, false, true)', role: 'peer', before: w, check: ck, run: () => tfArray(() => tf.matMul(tfL2n(t.At), tfL2n(t.Bt), false, true)) },
        { name: 'tfjs-wasm pre-normalised: matMul(Â, B̂ᵀ stored)', role: 'peer', before: w, check: ck, run: () => tfArray(() => tf.matMul(t.AnPre, t.BnTPre)) },
        { name: 'JS loop on pre-normalised rows: 2 acc', role: 'peer', group: 'JS loop (pre-normalised rows)', check: ck, run: () => js.pairwiseDotAcc2(a32n, m, b32n, n, d, out) },
        { name: 'JS loop on pre-normalised rows: 4 acc', role: 'peer', group: 'JS loop (pre-normalised rows)', check: ck, run: () => js.pairwiseDotAcc4(a32n, m, b32n, n, d, out) },
        { name: 'JS loop on pre-normalised rows: 4 rows of B per pass', role: 'peer', group: 'JS loop (pre-normalised rows)', check: ck, run: () => js.pairwiseDotBlock4(a32n, m, b32n, n, d, out) },
      ],
      dispose() {
        A.dispose(); B.dispose();
        for (const x of Object.values(t)) x.dispose();
      },
    };
  },
  targets: [
    { desc: '≥ as fast as TF.js-wasm (normalise+transpose+matMul)', kind: 'speedup', of: 'tfjs-wasm: normalise, transpose B, matMul(A, Bᵀ)', op: '>=', threshold: 1 },
    { desc: '≥ 8× JS loop on pre-normalised rows', kind: 'speedup', of: 'JS loop (pre-normalised rows)', op: '>=', threshold: 8 },
  ],
});

// 9. float64 variant of the first row.
workloads.push({
  id: 'loss-heap-f64',
  title: `mean loss, heap tensors, float64 [${S.loss}]`,
  async setup() {
    const [n, d] = S.loss;
    const t = uniform(n * d, Float64Array);
    const p = correlated(t);
    const ref = meanNeg(refCosRows(t, p, n, d));
    const T = heap(t, [n, d], 'float64');
    const P = heap(p, [n, d], 'float64');
    const rt = rowsOf(t, n, d);
    const rp = rowsOf(p, n, d);
    const ck = scalarCheck(ref, TOL.peer64);
    return {
      contenders: [
        { name: 'cossim', role: 'cossim', run: () => loss.call(T, P), check: scalarCheck(ref, TOL.cossim64) },
        { name: 'roofline: internal.sum float64 (same bytes)', role: 'roofline', run: () => cossim.internal.sum(T) + cossim.internal.sum(P), check: sumCheck(refSums(t, p), TOL.roof64) },
        ...jsLoopVariants(t, p, n, d, ref, js64, TOL.peer64),
        {
          name: 'simsimd (per row, f64)', role: 'peer', check: ck,
          run: () => { let s = 0; for (let r = 0; r < n; r++) s -= 1 - simsimd.cosine(rt[r], rp[r]); return s / n; },
        },
        {
          name: 'ml-distance (per row)', role: 'peer', check: ck,
          run: () => { let s = 0; for (let r = 0; r < n; r++) s -= mlSimilarity.cosine(rt[r], rp[r]); return s / n; },
        },
      ],
      dispose() { T.dispose(); P.dispose(); },
      note: 'TF.js has no float64 tensors: no TF.js peer here',
    };
  },
  targets: [
    { desc: 'cossim ≤ 1.3× float64 roofline', kind: 'roofline', of: 'roofline: internal.sum float64 (same bytes)', op: '<=', threshold: 1.3 },
  ],
});

// ------------------------------------------------------------------ run --

log(`cossim benchmark — mode ${mode}: ${reps} repetition(s), ≥ ${minSampleMs} ms per sample, contenders interleaved`);
log(`machine: ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}, cossim backend ${machine.cossimBackend}, TF.js ${machine.tfjs}, simsimd ${machine.simsimd}`);
log(`seed ${SEED}`);

const results = [];
for (const w of workloads) {
  if (only && !only.includes(w.id)) continue;
  log(`\n▶ ${w.id}: ${w.title}`);
  const started = performance.now();
  let fixture;
  let contenders = [];
  let error = null;
  try {
    fixture = await w.setup();
    contenders = await measure(fixture.contenders, { reps, minSampleMs, budgetMs, log });
  } catch (e) {
    error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    log(`  ! workload failed: ${error}`);
  } finally {
    try {
      fixture?.dispose?.();
    } catch (e) {
      log(`  ! dispose: ${e.message}`);
    }
  }
  const r = {
    id: w.id, title: w.title, note: fixture?.note ?? null, error, contenders,
    seconds: +((performance.now() - started) / 1000).toFixed(1),
  };
  r.targets = evaluateTargets(r, w.targets, { judge: mode !== 'smoke' });
  printWorkload(r, log);
  results.push(r);
}

const report = {
  tool: 'cossim bench/run.mjs', mode, reps, minSampleMs, budgetMs, seed: SEED, machine,
  sizes: S, totalSeconds: +((performance.now() - t0All) / 1000).toFixed(1), workloads: results,
};
mkdirSync(outDir, { recursive: true });
const write = (file, text) => {
  const full = path.join(outDir, file);
  writeFileSync(`${full}.tmp`, text);
  renameSync(`${full}.tmp`, full);
  return full;
};
const jsonPath = write(`${outBase}.json`, JSON.stringify(report, null, 1) + '\n');
const mdPath = write(`${outBase}.md`, markdownReport(report));

const all = results.flatMap((r) => r.targets);
const met = all.filter((t) => t.status === 'met').length;
const missed = all.filter((t) => t.status === 'missed').length;
const other = all.length - met - missed;
const failedChecks = results.flatMap((r) => r.contenders.filter((c) => c.error || (c.check && !c.check.ok)).map((c) => `${r.id}: ${c.name}`));
log(`\ntargets: ${met} met, ${missed} missed${other ? `, ${other} not judged` : ''}`);
if (failedChecks.length) log(`contenders with errors or failed checks:\n  ${failedChecks.join('\n  ')}`);
log(`wrote ${path.relative(process.cwd(), jsonPath)} and ${path.relative(process.cwd(), mdPath)} in ${fmtTime(performance.now() - t0All)}`);

// In smoke mode (CI) a broken cossim path fails the run; peers' problems only warn.
const cossimBroken = results.some((r) => r.error || r.contenders.some((c) => (c.role === 'cossim' || c.role === 'roofline' || c.role === 'baseline') && (c.error || !c.check?.ok)));
process.exitCode = cossimBroken ? 1 : 0;

// The TF.js training-step benchmark runs in its own process (it loads tfjs-layers and gradients).
if (!only) {
  const { spawnSync } = await import('node:child_process');
  const training = spawnSync(process.execPath, [path.join(here, 'training.mjs'), ...(mode === 'full' ? [] : [`--${mode}`])],
    { stdio: 'inherit' });
  if (training.status !== 0) process.exitCode = 1;
}

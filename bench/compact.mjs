// Compact tables benchmark: one query against an [n, d] table in float32, float16, bfloat16 and
// int8 (similarity and topK), TF.js-wasm on a table it normalised and transposed beforehand (its
// fastest one-vs-many path), pairwise [m,d] x [n,d] in float32 and int8, and optionally a
// [1000000, 768] int8 table (alloc, fill, topK).
//
//   node bench/compact.mjs            n = 100000, d = 768, 11 interleaved repetitions
//   node bench/compact.mjs --smoke    tiny sizes, 1 repetition (CI: checks it runs; no figures)
//   node bench/compact.mjs --large    adds the [1000000, 768] int8 table (768 MB)
//
// Every sample is one call; the variants of a workload run interleaved, round-robin, and the
// median per variant is reported, so a machine shared with other work slows all of them alike.
import * as cossim from 'cossim';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';

const argv = process.argv.slice(2);
const smoke = argv.includes('--smoke');
const large = argv.includes('--large');
const reps = smoke ? 1 : Number(argv.find((a) => a.startsWith('--reps='))?.split('=')[1] ?? 11);
const [n, d] = smoke ? [2000, 96] : [100_000, 768];
const [pm, pn] = smoke ? [20, 30] : [1000, 1000];
const log = (...a) => console.log(...a);

await cossim.ready({ full: true });  // search and the gradient are in the full module
await tf.setBackend('wasm');
await tf.ready();

let seed = 20261202;
const uniform = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const randn = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());

// Clustered rows (1000 Gaussian centres, or fewer at smoke size).
function clustered(rows, dim, clusters) {
  const c = Float32Array.from({ length: clusters * dim }, randn);
  const x = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    const k = Math.floor(uniform() * clusters) * dim;
    for (let j = 0; j < dim; j++) x[i * dim + j] = c[k + j] + 0.5 * randn();
  }
  return x;
}

function median(a) {
  const s = [...a].sort((p, q) => p - q);
  return s[Math.floor(s.length / 2)];
}

// Runs each variant `reps` times, round-robin; -> Map name -> median ms.
function interleaved(variants) {
  const times = new Map(variants.map((v) => [v.name, []]));
  for (const v of variants) v.run();  // warm-up (tiers the code up, faults the pages in)
  for (let r = 0; r < reps; r++) {
    for (const v of variants) {
      const t0 = performance.now();
      v.run();
      times.get(v.name).push(performance.now() - t0);
    }
  }
  return new Map([...times].map(([k, t]) => [k, median(t)]));
}

const fmt = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)) + ' ms';
function report(title, medians, base) {
  log(`\n${title}`);
  const b = medians.get(base);
  for (const [name, ms] of medians) {
    log(`  ${name.padEnd(52)} ${fmt(ms).padStart(10)}   ${(ms / b).toFixed(2)}x ${base}`);
  }
}

const DTYPES = ['float32', 'float16', 'bfloat16', 'int8'];
log(`compact tables benchmark (${smoke ? 'smoke' : `${reps} interleaved repetitions, medians`}); node ${process.version}, cossim ${cossim.backend()}`);

// ---- one query vs [n, d] ----
const x = clustered(n, d, smoke ? 20 : 1000);
const q = new Float32Array(d);
for (let j = 0; j < d; j++) q[j] = x[(n >> 1) * d + j] + 0.3 * randn();
const tables = {};
for (const dtype of DTYPES) {
  const t0 = performance.now();
  tables[dtype] = cossim.alloc([n, d], dtype).set(x);
  log(`  alloc + set [${n},${d}] ${dtype}: ${fmt(performance.now() - t0)}`);
}
const qt = tf.tensor2d(q, [1, d]);
const EPS = 1e-12;
const l2n = (v) => tf.mul(v, tf.rsqrt(tf.maximum(tf.sum(tf.square(v), -1, true), EPS)));
const XnT = tf.tidy(() => tf.transpose(l2n(tf.tensor2d(x, [n, d]))));  // normalised + transposed by the user
const tfPre = () => {
  const r = tf.tidy(() => tf.matMul(l2n(qt), XnT));
  const v = r.dataSync();
  r.dispose();
  return v;
};
const sim = interleaved([
  ...DTYPES.map((dt) => ({ name: `cossim similarity ${dt}`, run: () => cossim.similarity(q, tables[dt]) })),
  { name: 'tfjs-wasm pre-normalised: matMul(q̂, X̂ᵀ stored)', run: tfPre },
]);
report(`similarity: one query vs [${n},${d}]`, sim, 'cossim similarity float32');
const ref = cossim.similarity(q, tables.float32).data;
for (const dt of DTYPES.slice(1)) {
  const got = cossim.similarity(q, tables[dt]).data;
  let e = 0;
  for (let i = 0; i < n; i++) e = Math.max(e, Math.abs(got[i] - ref[i]));
  log(`  ${dt}: max |score - float32 score| ${e.toExponential(2)}`);
}
const tfv = tfPre();
for (const dt of DTYPES.slice(1)) {
  log(`  speed-up of ${dt} over tfjs-wasm pre-normalised: ${(sim.get('tfjs-wasm pre-normalised: matMul(q̂, X̂ᵀ stored)') / sim.get(`cossim similarity ${dt}`)).toFixed(2)}x`);
}
if (Math.abs(tfv[n >> 1] - ref[n >> 1]) > 1e-4) throw new Error('tfjs and cossim disagree');

const top = interleaved(DTYPES.map((dt) => ({ name: `cossim topK(q, X, 10) ${dt}`, run: () => cossim.topK(q, tables[dt], 10) })));
report(`topK: one query vs [${n},${d}], k = 10`, top, 'cossim topK(q, X, 10) float32');
XnT.dispose();
qt.dispose();
for (const dt of DTYPES) tables[dt].dispose();

// ---- pairwise [pm, d] x [pn, d] ----
const a = clustered(pm, d, 10);
const b = clustered(pn, d, 10);
const A = cossim.alloc([pm, d]).set(a);
const B = Object.fromEntries(DTYPES.map((dt) => [dt, cossim.alloc([pn, d], dt).set(b)]));
const pw = interleaved(DTYPES.map((dt) => ({ name: `cossim pairwise B ${dt}`, run: () => cossim.pairwise(A, B[dt]) })));
report(`pairwise: [${pm},${d}] x [${pn},${d}]`, pw, 'cossim pairwise B float32');
A.dispose();
for (const dt of DTYPES) B[dt].dispose();

// ---- [1000000, 768] int8 ----
if (large) {
  const rows = 1_000_000, dim = 768, piece = 10_000;
  let t0 = performance.now();
  const big = cossim.alloc([rows, dim], 'int8');
  const tAlloc = performance.now() - t0;
  const chunk = clustered(piece, dim, 1000);
  t0 = performance.now();
  for (let r = 0; r < rows; r += piece) big.setRows(r, chunk);  // the same 10000 rows, 100 times
  const tFill = performance.now() - t0;
  const times = [];
  let res;
  for (let i = 0; i < Math.max(3, Math.min(reps, 5)); i++) {
    t0 = performance.now();
    res = cossim.topK(chunk.subarray(0, dim), big, 10);
    times.push(performance.now() - t0);
  }
  log(`\n[${rows},${dim}] int8 (${(rows * dim / 1e6).toFixed(0)} MB + per-row factors): alloc ${fmt(tAlloc)}, ` +
    `fill ${fmt(tFill)} (setRows, 100 pieces of 10000 rows from a Float32Array), topK(q, X, 10) median ${fmt(median(times))}; ` +
    `heap ${(cossim.heapBytes() / 2 ** 20).toFixed(0)} MiB; best ${res.values[0].toFixed(4)} at row ${res.indices[0]}`);
  big.dispose();
}

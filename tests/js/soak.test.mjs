// Soak: 100,000 mixed calls (every entry point, four sizes, float32 and float64, heap tensors,
// errors and allocation churn) with a flat WebAssembly heap: after a warm-up that has made every
// call once at its largest size, heapBytes() must not change. Every result is compared with a
// value computed once, before the loop, by the independent float64 reference (reference.mjs) or,
// for the gradient, by the closed form below; so a call that drifts, reads a stale buffer or
// leaks is caught wherever it happens in the loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim } from './harness.mjs';
import { masterSeed, mulberry32, randValue, refLoss, refLossK3, refPerSample } from './reference.mjs';
import { refPairwise } from './fuzz-oracle.mjs';
import { canary } from './edges-checks.mjs';

const { CosineSimilarity, losses, similarity, pairwise, topK, alloc, metrics } = cossim;
const CALLS = Number(process.env.COSSIM_SOAK_CALLS || 100000);
const SEED = masterSeed('soak.test.mjs', 0x50a4);
const SIZES = [[2, 3], [16, 8], [64, 96], [256, 64]];
const SIZE_SCHEDULE = [0, 0, 0, 1, 1, 2, 3];  // mostly small calls

// Tolerances: float32 1e-6 * (1 + |ref|) (cosine_similarity.h's contract for rows up to 1e5
// elements), float64 1e-12 * (1 + |ref|).
const TOL = { float32: 1e-6, float64: 1e-12 };

function fill(rng, n) {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = randValue(rng, 1);
  return a;
}

/** d/dp of the 'auto' loss (mean over rows of -cos), same-shape [rows, d] inputs, no zero rows. */
function refGradient(t, p, rows, d) {
  const g = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let tt = 0; let pp = 0; let tp = 0;
    for (let j = 0; j < d; j++) {
      const a = t[r * d + j]; const b = p[r * d + j];
      tt += a * a; pp += b * b; tp += a * b;
    }
    const nt = Math.sqrt(tt); const np = Math.sqrt(pp); const cos = tp / (nt * np);
    for (let j = 0; j < d; j++) g[r * d + j] = -(t[r * d + j] / (nt * np) - cos * p[r * d + j] / pp) / rows;
  }
  return g;
}

function close(got, want, dtype) {
  if (typeof want === 'number') return typeof got === 'number' && Math.abs(got - want) <= TOL[dtype] * (1 + Math.abs(want));
  if (!got || got.length !== want.length) return false;
  for (let i = 0; i < want.length; i++) if (!(Math.abs(got[i] - want[i]) <= TOL[dtype] * (1 + Math.abs(want[i])))) return false;
  return true;
}

// One entry per (kind, size): run() -> the value to compare, want, dtype.
function buildCalls(rng, heaps) {
  const calls = [];
  for (let s = 0; s < SIZES.length; s++) {
    const [rows, d] = SIZES[s];
    const t = fill(rng, rows * d);
    const p = fill(rng, rows * d);
    const w = Float64Array.from(fill(rng, rows), Math.abs);
    const t32 = Float32Array.from(t);
    const p32 = Float32Array.from(p);
    const T32 = { data: t32, shape: [rows, d] };
    const P32 = { data: p32, shape: [rows, d] };
    const T64 = { data: t, shape: [rows, d] };
    const P64 = { data: p, shape: [rows, d] };
    const hT = alloc([rows, d]); hT.data.set(t32);
    const hP = alloc([rows, d]); hP.data.set(p32);
    const hP64 = alloc([rows, d], 'float64'); hP64.data.set(p);
    heaps.push(hT, hP, hP64);
    const W = { data: w, shape: [rows] };
    const bRows = Math.min(rows, 32);
    const B32 = { data: p32.subarray(0, bRows * d), shape: [bRows, d] };
    const q32 = t32.subarray(0, d);
    const auto = new CosineSimilarity();
    const none = new CosineSimilarity({ reduction: 'none' });
    const k3 = new CosineSimilarity({ flavor: 'keras3', reduction: 'sum' });
    const sim = refPerSample({ yTrue: T32, yPred: P32, dtype: 'float32' }).data.map((v) => -v);
    const scores = refPairwise({ data: q32, shape: [1, d] }, T32, 'float32').data;
    const order = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 5);
    const r32 = Float64Array.from(t32);
    const rp32 = Float64Array.from(p32);
    const push = (name, run, want, dtype) => calls.push({ name: `${name} [${rows},${d}]`, run, want, dtype });
    push('loss auto f32', () => auto.call(T32, P32), refLoss({ yTrue: T32, yPred: P32, dtype: 'float32' }), 'float32');
    push('loss none f64 weighted', () => none.call(T64, P64, W).data,
      refLoss({ yTrue: T64, yPred: P64, sampleWeight: W, reduction: 'none', dtype: 'float64' }).data, 'float64');
    push('keras3 sum heap', () => k3.call(hT, hP), refLossK3({ yTrue: T32, yPred: P32, reduction: 'sum', dtype: 'float32' }), 'float32');
    push('keras3 sum heap f32 x heap f64', () => k3.call(hT, hP64),
      refLossK3({ yTrue: T32, yPred: P64, reduction: 'sum', dtype: 'float64' }), 'float64');
    push('function form', () => losses.cosineSimilarity(T32, P32).data,
      refPerSample({ yTrue: T32, yPred: P32, dtype: 'float32', squeeze: false }).data, 'float32');
    push('similarity heap', () => similarity(hT, hP).data, sim, 'float32');
    push('gradient', () => auto.gradient(T32, P32).data, refGradient(r32, rp32, rows, d), 'float32');
    push('metric', () => {
      const m = new metrics.CosineSimilarity();
      m.updateState(hT, P32);
      return m.result();
    }, Math.fround(sim.reduce((a, b) => a + b, 0) / rows), 'float32');
    push('pairwise', () => pairwise(T32, B32).data, refPairwise(T32, B32, 'float32').data, 'float32');
    push('topK', () => {
      const r = topK(q32, hT, 5);
      return [...Array.from(r.indices), ...Array.from(r.values)];
    }, [...order, ...order.map((i) => scores[i])], 'float32');
    push('errors and churn', () => {
      let refused = 0;
      for (const bad of [
        () => auto.call(T32, { data: p32.subarray(0, d), shape: [1, 1, d] }),   // [rows,d] vs [1,1,d]: fine
        () => auto.call(T32, { data: p32.subarray(0, 2 * d), shape: [2, d] }),  // rows vs 2: refused unless rows is 2
        () => new CosineSimilarity({ axis: 5 }).call(T32, P32),
        () => topK(t32.subarray(0, d + 1), hT, 3),
        () => alloc([rows], 'int16'),
      ]) {
        try { bad(); } catch (e) {
          if (e instanceof WebAssembly.RuntimeError) throw e;
          refused++;
        }
      }
      const h = alloc([rows, d]);  // allocation churn
      h.data.fill(1);
      const v = similarity(h, h).data[0];
      h.dispose();
      return refused + v;
    }, (rows === 2 ? 3 : 4) + 1, 'float32');
  }
  return calls;
}

test(`soak: ${CALLS} mixed calls with a flat WebAssembly heap`, { timeout: 300000 }, () => {
  const rng = mulberry32(SEED);
  const heaps = [];
  const calls = buildCalls(rng, heaps);
  const perSize = calls.length / SIZES.length;
  const check = (c, i) => {
    const got = c.run();
    if (!close(got, c.want, c.dtype)) {
      assert.fail(`call ${i}: ${c.name}: ${JSON.stringify(Array.isArray(got) || typeof got === 'number' ? got : Array.from(got).slice(0, 8))} vs ${JSON.stringify(typeof c.want === 'number' ? c.want : Array.from(c.want).slice(0, 8))}`);
    }
  };
  // Warm-up: every call at every size (the largest last), then a few thousand mixed ones.
  calls.forEach((c, i) => check(c, -1 - i));
  const pickCall = (i) => {
    const size = SIZE_SCHEDULE[Math.floor(rng() * SIZE_SCHEDULE.length)];
    return calls[size * perSize + (i % perSize)];
  };
  for (let i = 0; i < 3000; i++) check(pickCall(i), -1);
  const heap0 = cossim.heapBytes();
  const started = Date.now();
  let maxHeap = heap0;
  for (let i = 0; i < CALLS; i++) {
    check(pickCall(i), i);
    if (i % 1000 === 0) maxHeap = Math.max(maxHeap, cossim.heapBytes());
  }
  const seconds = (Date.now() - started) / 1000;
  const heap1 = cossim.heapBytes();
  console.log(`# soak (${cossim.backend()}): ${CALLS} calls in ${seconds.toFixed(1)} s; heapBytes ${heap0} after the warm-up, max ${maxHeap}, ${heap1} at the end`);
  assert.equal(heap1, heap0, `the WebAssembly heap grew from ${heap0} to ${heap1} bytes over ${CALLS} calls`);
  assert.equal(maxHeap, heap0);
  canary(cossim);
  for (const h of heaps) h.dispose();
});

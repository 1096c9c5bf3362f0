// The speed panel's module Worker: runs every workload for ONE contender (cossim's two builds
// cannot share a realm, so each gets its own Worker) and posts progress and median times.
// Message in: { contender, quick }; out: { type: 'info' | 'progress' | 'result' | 'done' | 'error', ... }.
import { loadCossim } from './load.mjs';
import { D, jsCos, plan, scoreChecks } from './workloads.mjs';
import { fillUniform } from './random.mjs';

const post = (m) => self.postMessage(m);

// Warm-up (at least 2 batches and 50 ms, so that V8 has tiered the hot code up), then the median
// of `samples` timings of `inner` calls each; ms per call.
function measure(fn, samples, inner) {
  let last;
  const w0 = performance.now();
  for (let b = 0; b < 2 || performance.now() - w0 < 50; b++) for (let i = 0; i < inner; i++) last = fn();
  const times = [];
  for (let s = 0; s < samples; s++) {
    const t0 = performance.now();
    for (let i = 0; i < inner; i++) last = fn();
    times.push((performance.now() - t0) / inner);
  }
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)], min: times[0], last };
}

// Each contender: setup(workload) -> { run() -> value, checks(value) -> number[], dispose() }.
async function cossimContender(backend) {
  const cossim = await loadCossim(backend);
  post({ type: 'info', text: `cossim ${cossim.backend()}` });
  const loss = new cossim.CosineSimilarity();
  const heap = (shape, seed) => {
    const t = cossim.alloc(shape);
    fillUniform(t.data, seed);
    return t;
  };
  return (w) => {
    if (w.id === 'pair') {
      const a = heap([D], 1), b = heap([D], 2);
      return { run: () => -loss.call(a, b), checks: (v) => [v], dispose: () => { a.dispose(); b.dispose(); } };
    }
    if (w.id === 'batch') {
      const t = heap([w.rows, D], 3), p = heap([w.rows, D], 4);
      return { run: () => loss.call(t, p), checks: (v) => [v], dispose: () => { t.dispose(); p.dispose(); } };
    }
    const q = heap([D], 5), x = heap([w.rows, D], 6);
    return { run: () => cossim.similarity(q, x).data, checks: scoreChecks, dispose: () => { q.dispose(); x.dispose(); } };
  };
}

function jsContender() {
  const arr = (n, seed) => fillUniform(new Float32Array(n), seed);
  return (w) => {
    if (w.id === 'pair') {
      const a = arr(D, 1), b = arr(D, 2);
      return { run: () => jsCos(a, 0, b, 0, D), checks: (v) => [v], dispose() {} };
    }
    if (w.id === 'batch') {
      const t = arr(w.rows * D, 3), p = arr(w.rows * D, 4);
      return {
        run() {
          let s = 0;
          for (let r = 0; r < w.rows; r++) s -= jsCos(t, r * D, p, r * D, D);
          return s / w.rows;
        },
        checks: (v) => [v], dispose() {},
      };
    }
    const q = arr(D, 5), x = arr(w.rows * D, 6);
    return {
      run() {
        // The query's norm once, then one pass per row (what a careful hand-written loop does).
        let nq = 0;
        for (let i = 0; i < D; i++) nq += q[i] * q[i];
        const sq = 1 / Math.sqrt(Math.max(nq, 1e-12));
        const out = new Float64Array(w.rows);
        for (let r = 0; r < w.rows; r++) {
          let dot = 0, nx = 0;
          const o = r * D;
          for (let i = 0; i < D; i++) { const v = x[o + i]; dot += q[i] * v; nx += v * v; }
          out[r] = dot * sq / Math.sqrt(Math.max(nx, 1e-12));
        }
        return out;
      },
      checks: scoreChecks, dispose() {},
    };
  };
}

// TF.js's wasm backend, on its best path: the Keras formula as row sums (no normalised copies),
// results read with dataSync() outside tf.tidy, and for the query a table normalised once
// beforehand (not timed) so that each query is one matMul.
async function tfjsContender() {
  const base = new URL('../../node_modules/@tensorflow/', import.meta.url).href;
  await import(`${base}tfjs-core/dist/tf-core.es2017.js`);
  await import(`${base}tfjs-backend-wasm/dist/tf-backend-wasm.es2017.js`);
  const tf = self.tf;
  tf.wasm.setWasmPaths(`${base}tfjs-backend-wasm/dist/`);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js: the wasm backend did not initialise');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  post({ type: 'info', text: `TF.js ${tf.version_core} wasm backend, SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'}` });
  const arr = (n, seed) => fillUniform(new Float32Array(n), seed);
  const EPS = 1e-12;
  const read = (f) => {  // compute inside tidy, read outside it (as users write it)
    const r = tf.tidy(f);
    const v = r.dataSync();
    r.dispose();
    return v;
  };
  const invNorm = (x, axis) => tf.rsqrt(tf.maximum(tf.sum(tf.square(x), axis), EPS));
  return (w) => {
    if (w.id === 'pair') {
      const a = tf.tensor1d(arr(D, 1)), b = tf.tensor1d(arr(D, 2));
      return {
        run: () => read(() => tf.mul(tf.sum(tf.mul(a, b)), tf.mul(invNorm(a), invNorm(b))))[0],
        checks: (v) => [v], dispose: () => tf.dispose([a, b]),
      };
    }
    if (w.id === 'batch') {
      const t = tf.tensor2d(arr(w.rows * D, 3), [w.rows, D]), p = tf.tensor2d(arr(w.rows * D, 4), [w.rows, D]);
      return {
        run: () => read(() => tf.neg(tf.mean(tf.mul(tf.sum(tf.mul(t, p), -1), tf.mul(invNorm(t, -1), invNorm(p, -1))))))[0],
        checks: (v) => [v], dispose: () => tf.dispose([t, p]),
      };
    }
    const q = tf.tensor2d(arr(D, 5), [D, 1]);
    let xn;
    {
      const x = tf.tensor2d(arr(w.rows * D, 6), [w.rows, D]);
      xn = tf.tidy(() => tf.mul(x, tf.reshape(invNorm(x, -1), [w.rows, 1])));
      x.dispose();
    }
    return {
      run: () => read(() => tf.mul(tf.reshape(tf.matMul(xn, q), [w.rows]), invNorm(q))),
      checks: scoreChecks, dispose: () => tf.dispose([q, xn]),
    };
  };
}

self.onmessage = async ({ data: { contender, quick } }) => {
  try {
    const setup = contender === 'tfjs' ? await tfjsContender()
      : contender === 'js' ? jsContender()
        : await cossimContender(contender === 'cossim-simd' ? 'simd' : 'scalar');
    for (const w of plan(quick)) {
      post({ type: 'progress', workload: w.id });
      const job = setup(w);
      const { ms, min, last } = measure(job.run, w.samples, w.inner);
      const checks = job.checks(last);
      job.dispose();
      post({ type: 'result', workload: w.id, ms, min, checks });
    }
    post({ type: 'done' });
  } catch (e) {
    post({ type: 'error', message: `${e?.name ?? 'Error'}: ${e?.message ?? e}` });
  }
};

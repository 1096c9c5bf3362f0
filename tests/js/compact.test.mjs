// Compact tables (float16, bfloat16, int8 heap tensors): set()/toFloat32() against an independent
// JS model of each format, similarity/topK/pairwise against a float64 reference over the stored
// values, the accuracy targets of the formats on clustered data (recall@10 against exact float64
// on the original float32 data, value errors), and the typed errors. Seeded and printed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim, CosineSimilarity } from './harness.mjs';

const SEED = Number(process.env.COSSIM_SEED ?? 0xc0ffee) >>> 0;
console.log(`compact.test.mjs: seed ${SEED} (replay with COSSIM_SEED=${SEED})`);

function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

// ---- independent models of the formats (value domain, not bit tricks) ----
const roundHalfEven = (x) => {
  const f = Math.floor(x);
  const r = x - f;
  if (r > 0.5) return f + 1;
  if (r < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
};
// Nearest value with `p` significant bits and minimum normal exponent `emin`; null past `max`.
function roundFloat(x, p, emin, max) {
  if (x === 0) return x;
  const a = Math.abs(x);
  const e = Math.max(emin, Math.floor(Math.log2(a)));
  let ulp = 2 ** (e - (p - 1));
  if (a / ulp >= 2 ** p) ulp *= 2;  // log2 rounding at the boundary
  if (a / ulp < 2 ** (p - 1) && e > emin) ulp /= 2;
  const v = roundHalfEven(a / ulp) * ulp;
  if (v > max) return null;
  return Math.sign(x) * v;
}
const F16 = (x) => roundFloat(x, 11, -14, 65504);
const BF16 = (x) => roundFloat(x, 8, -126, (2 - 2 ** -7) * 2 ** 127);
function int8Rows(x, d) {
  const out = new Float64Array(x.length);
  for (let r = 0; r * d < x.length; r++) {
    let max = 0;
    for (let i = 0; i < d; i++) max = Math.max(max, Math.abs(x[r * d + i]));
    const scale = Math.fround(max / 127);
    for (let i = 0; i < d; i++) {
      const q = scale === 0 ? 0 : Math.max(-127, Math.min(127, roundHalfEven(x[r * d + i] / scale)));
      out[r * d + i] = Math.fround(q * scale);
    }
  }
  return out;
}
const model = { float16: (x) => x.map(F16), bfloat16: (x) => x.map(BF16), int8: int8Rows };

function cos64(q, qo, x, xo, d) {
  let dot = 0, qq = 0, xx = 0;
  for (let i = 0; i < d; i++) {
    const a = q[qo + i], b = x[xo + i];
    dot += a * b;
    qq += a * a;
    xx += b * b;
  }
  return dot / Math.sqrt(Math.max(qq, 1e-12)) / Math.sqrt(Math.max(xx, 1e-12));
}

// Clustered float32 data: `clusters` Gaussian centres, rows = centre + spread * noise.
function clustered(r, n, d, clusters, spread) {
  const centres = Float32Array.from({ length: clusters * d }, () => r.normal());
  const x = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r.uniform() * clusters);
    for (let k = 0; k < d; k++) x[i * d + k] = centres[c * d + k] + spread * r.normal();
  }
  return x;
}

const DTYPES = ['float16', 'bfloat16', 'int8'];

test('set() rounds/quantises as the format model says and toFloat32() reads it back', () => {
  const r = rng(SEED);
  const d = 37, n = 11;
  const values = Float64Array.from({ length: n * d }, (_, i) => r.normal() * 10 ** ((i % 9) - 5));
  values.fill(0, 2 * d, 3 * d);  // a zero row
  values[5] = 65504; values[6] = -65519.99; values[7] = 2 ** -24 * 0.5000001; values[8] = 1 + 2 ** -11;  // f16 edges
  for (const dtype of DTYPES) {
    for (const src of [values, Float32Array.from(values), Array.from(Float32Array.from(values))]) {
      const t = cossim.alloc([n, d], dtype);
      assert.equal(t.set(src), t);
      const got = t.toFloat32();
      assert.ok(got instanceof Float32Array && got.length === n * d);
      const want = model[dtype](Float64Array.from(src), d);
      for (let i = 0; i < got.length; i++) {
        assert.equal(got[i], Math.fround(want[i]), `${dtype} ${src.constructor.name} element ${i}: ${src[i]}`);
      }
      t.dispose();
    }
  }
  for (const dtype of ['float32', 'float64']) {
    const t = cossim.alloc([n, d], dtype).set(values);
    assert.deepEqual(t.toFloat32(), Float32Array.from(values));
    assert.deepEqual(t.data, dtype === 'float32' ? Float32Array.from(values) : values);
  }
});

test('setRows() fills a table in pieces; fresh compact tables read as zeros', () => {
  const r = rng(SEED + 1);
  const d = 8, n = 10;
  const x = Float32Array.from({ length: n * d }, () => r.normal());
  for (const dtype of DTYPES) {
    const whole = cossim.alloc([n, d], dtype).set(x);
    const parts = cossim.alloc([n, d], dtype);
    assert.deepEqual(parts.toFloat32(), new Float32Array(n * d));
    parts.setRows(0, x.subarray(0, 3 * d)).setRows(3, x.subarray(3 * d));
    assert.deepEqual(parts.toFloat32(), whole.toFloat32());
    assert.throws(() => parts.setRows(9, x.subarray(0, 2 * d)), RangeError);
    assert.throws(() => parts.setRows(0, x.subarray(0, 3)), RangeError);
  }
});

test('set() refuses NaN, Inf and out-of-range values with a RangeError naming the index', () => {
  for (const dtype of DTYPES) {
    const t = cossim.alloc([3, 4], dtype);
    const v = new Float32Array(12).fill(1);
    v[7] = NaN;
    assert.throws(() => t.set(v), (e) => e instanceof RangeError && /element 7\b/.test(e.message) && e.message.includes(dtype), dtype);
    v[7] = 1; v[10] = -Infinity;
    assert.throws(() => t.set(v), (e) => e instanceof RangeError && /element 10\b/.test(e.message), dtype);
    assert.throws(() => t.set(new Float32Array(11)), RangeError);
    assert.throws(() => t.set('abc'), TypeError);
    assert.throws(() => t.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, '12']), TypeError);
    assert.throws(() => t.data, (e) => e instanceof TypeError && /compact table/.test(e.message));
  }
  assert.throws(() => cossim.alloc([2], 'float16').set([1, 65520]), (e) => e instanceof RangeError && /element 1\b/.test(e.message));
  cossim.alloc([2], 'float16').set([1, 65519.99]);  // rounds to 65504
  assert.throws(() => cossim.alloc([2], 'bfloat16').set(new Float64Array([1e39, 1])), (e) => e instanceof RangeError && /element 0\b/.test(e.message));
  assert.throws(() => cossim.alloc([2], 'int8').set(new Float64Array([1e300, 1])), RangeError);
  assert.throws(() => cossim.alloc([2], 'float8'), TypeError);
});

test('similarity, topK and pairwise match a float64 reference over the stored values', () => {
  const r = rng(SEED + 2);
  for (const dtype of DTYPES) {
    for (const d of [1, 3, 16, 77, 300]) {
      const n = 257, nq = 5;
      const x = clustered(r, n, d, 7, 0.4);
      x.fill(0, 4 * d, 5 * d);  // a zero row scores 0
      const t = cossim.alloc([n, d], dtype).set(x);
      const stored = t.toFloat32();
      const q64 = Float64Array.from({ length: nq * d }, () => r.normal());
      // int8 rounds the query to int16 (|dcos| <= sqrt(d) / 32767); the float formats round it to
      // float32 and sum in float32 blocks.
      const tol = (dtype === 'int8' ? Math.sqrt(d) / 32767 : 0) + 8e-6;
      const where = `${dtype} d=${d}`;
      for (const q of [q64, Float32Array.from(q64), { data: Array.from(q64), shape: [nq, d] }]) {
        const qd = q.data ?? q;
        const qt = q.data ? q : { data: q, shape: [nq, d] };
        const top = cossim.topK(qt, t, 10);
        assert.deepEqual(top.shape, [nq, 10]);
        assert.ok(top.values instanceof Float32Array);
        const pw = cossim.pairwise(qt, t);
        assert.deepEqual(pw.shape, [nq, n]);
        for (let j = 0; j < nq; j++) {
          const ref = Array.from({ length: n }, (_, i) => cos64(qd, j * d, stored, i * d, d));
          const sorted = [...ref].sort((a, b) => b - a);
          for (let p = 0; p < 10; p++) {
            const v = top.values[j * 10 + p];
            assert.ok(Math.abs(v - ref[top.indices[j * 10 + p]]) <= tol, `${where} topK q${j} #${p}: ${v} vs ${ref[top.indices[j * 10 + p]]}`);
            assert.ok(Math.abs(v - sorted[p]) <= 2 * tol, `${where} rank ${p}`);
            if (p > 0) assert.ok(top.values[j * 10 + p - 1] >= v);
          }
          for (let i = 0; i < n; i++) assert.ok(Math.abs(pw.data[j * n + i] - ref[i]) <= tol, `${where} pairwise ${j},${i}`);
          assert.equal(pw.data[j * n + 4], 0);
        }
        const one = cossim.similarity(q.data ? new Float64Array(qd.slice(0, d)) : qd.subarray(0, d), t);
        assert.deepEqual(one.shape, [n]);
        for (let i = 0; i < n; i++) assert.ok(Math.abs(one.data[i] - cos64(qd, 0, stored, i * d, d)) <= tol, `${where} similarity ${i}`);
        const single = cossim.topK(qd.slice(0, d), t, 3);
        assert.deepEqual(single.shape, [3]);
      }
      // Row-paired similarity: a [n,d] against the table [n,d].
      const paired = cossim.similarity({ data: x, shape: [n, d] }, t);
      for (let i = 0; i < n; i++) assert.ok(Math.abs(paired.data[i] - cos64(x, i * d, stored, i * d, d)) <= tol, `${where} paired ${i}`);
      t.dispose();
    }
  }
});

test('accuracy targets on clustered data: recall@10 and value errors vs exact float64', () => {
  const r = rng(SEED + 3);
  const n = 8000, d = 256, clusters = 400, nq = 40, k = 10;
  const x = clustered(r, n, d, clusters, 0.5);
  const queries = clustered(r, nq, d, clusters, 0.5);  // other draws near the same kind of centres
  // Queries near actual rows' clusters: perturb random rows.
  for (let j = 0; j < nq; j++) {
    const row = Math.floor(r.uniform() * n);
    for (let i = 0; i < d; i++) queries[j * d + i] = x[row * d + i] + 0.3 * r.normal();
  }
  const exact = [];
  for (let j = 0; j < nq; j++) {
    const s = new Float64Array(n);
    for (let i = 0; i < n; i++) s[i] = cos64(queries, j * d, x, i * d, d);
    exact.push(s);
  }
  const targets = { float16: [0.99, 2e-4], bfloat16: [0.99, 2e-3], int8: [0.97, 5e-3] };
  for (const dtype of DTYPES) {
    const t = cossim.alloc([n, d], dtype).set(x);
    const top = cossim.topK({ data: queries, shape: [nq, d] }, t, k);
    let hits = 0, maxErr = 0;
    for (let j = 0; j < nq; j++) {
      const truth = new Set(Array.from(exact[j].keys()).sort((a, b) => exact[j][b] - exact[j][a]).slice(0, k));
      for (let p = 0; p < k; p++) {
        const i = top.indices[j * k + p];
        if (truth.has(i)) hits++;
        maxErr = Math.max(maxErr, Math.abs(top.values[j * k + p] - exact[j][i]));
      }
    }
    const sim = cossim.similarity(queries.subarray(0, d), t);
    for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(sim.data[i] - exact[0][i]));
    const recall = hits / (nq * k);
    console.log(`compact ${dtype} [${n},${d}], ${clusters} clusters, ${nq} queries: recall@10 ${recall.toFixed(4)}, ` +
      `max |value - float64 cosine| ${maxErr.toExponential(2)} (targets ${targets[dtype][0]}, ${targets[dtype][1]})`);
    assert.ok(recall >= targets[dtype][0], `${dtype} recall ${recall}`);
    assert.ok(maxErr <= targets[dtype][1], `${dtype} max error ${maxErr}`);
    t.dispose();
  }
});

test('loss, metric, gradient and cosine() refuse a compact table with a TypeError', () => {
  const t = cossim.alloc([2, 3], 'int8').set([1, 2, 3, 4, 5, 6]);
  const a = [[1, 2, 3], [4, 5, 6]];
  const compact = (e) => e instanceof TypeError && /compact table/.test(e.message);
  const loss = new CosineSimilarity();
  assert.throws(() => loss.call(a, t), compact);
  assert.throws(() => loss.call(t, a), compact);
  assert.throws(() => loss.valueAndGradient(a, t), compact);
  assert.throws(() => new cossim.metrics.CosineSimilarity().updateState(a, t), compact);
  assert.throws(() => cossim.cosine(cossim.alloc([3], 'float16').set([1, 2, 3]), [1, 2, 3]), compact);
  assert.throws(() => cossim.cosine(new Float32Array([1, 2, 3]), cossim.alloc([3], 'bfloat16')), compact);
  assert.throws(() => cossim.similarity(t, a), compact);
  assert.throws(() => cossim.topK([1, 2, 3], t, 1.5), TypeError);
  assert.throws(() => cossim.topK([1, 2], t, 1), RangeError);
  assert.throws(() => cossim.similarity([[1, 2, 3], [1, 2, 3], [1, 2, 3]], t), RangeError);
  assert.throws(() => cossim.topK([1, 2, 3], cossim.alloc([6], 'int8'), 1), RangeError);
  assert.throws(() => cossim.similarity([1, 2, 3], t, { axis: 0 }), RangeError);
  const empty = cossim.alloc([0, 3], 'float16');
  assert.deepEqual(cossim.topK([1, 2, 3], empty, 5).shape, [0]);
  assert.deepEqual(cossim.similarity([1, 2, 3], empty).shape, [0]);
  assert.deepEqual(cossim.topK([1, 2, 3], t, 0).shape, [0]);
  const nan = cossim.similarity([1, NaN, 3], t).data;
  assert.ok(Number.isNaN(nan[0]) && Number.isNaN(nan[1]));
  assert.deepEqual(Array.from(cossim.similarity([0, 0, 0], t).data), [0, 0]);
});

// Accuracy of per-sample results against an independent float64 reference with compensated sums,
// for rows up to 100,000 elements of O(1) values, on the fused path (axis -1), the gather path
// (axis 0) and the general path (broadcast along the axis). The maximum errors are reported as
// test diagnostics (they are the figures quoted in the README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim } from './harness.mjs';
import { mulberry32 } from './reference.mjs';

const seed = Number(process.env.COSSIM_SEED ?? 20261128);


// Neumaier-compensated sum of f(i) for i < n.
function sum(n, f) {
  let s = 0, c = 0;
  for (let i = 0; i < n; i++) {
    const x = f(i), t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s;
    s = t;
  }
  return s + c;
}

// -cos of rows a[i*d .. i*d+d) and b[...] following Keras: x / sqrt(max(Σx², eps)).
function refRows(a, b, rows, d, eps) {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    const ss = (x) => sum(d, (i) => x[o + i] * x[o + i]);
    const inv = (s) => 1 / Math.sqrt(Math.max(s, eps));
    out[r] = -sum(d, (i) => a[o + i] * b[o + i]) * inv(ss(a)) * inv(ss(b));
  }
  return out;
}

const LENGTHS = [1, 3, 7, 8, 255, 256, 257, 768, 4097, 100000];
const maxErr = { float32: 0, float64: 0 };

for (const dtype of ['float32', 'float64']) {
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  const eps = dtype === 'float64' ? 1e-12 : Math.fround(1e-12);
  const tol = dtype === 'float64' ? 1e-12 : 1e-6;
  test(`${dtype}: per-sample results within ${tol}*(1+|ref|) up to length 100,000 (seed ${seed})`, (t) => {
    const rng = mulberry32(seed);
    const loss = new cossim.CosineSimilarity({ reduction: 'none' });
    const lossAxis0 = new cossim.CosineSimilarity({ axis: 0, reduction: 'none' });
    let worst = 0;
    for (const d of LENGTHS) {
      const rows = d >= 4097 ? 2 : 4;
      const a = new Arr(rows * d), b = new Arr(rows * d);
      for (let i = 0; i < a.length; i++) {
        a[i] = rng() * 2 - 1;
        // Half the rows nearly parallel (cos near ±1), half independent (cos near 0).
        b[i] = (Math.floor(i / d) % 2 === 0) ? a[i] * 0.9 + (rng() - 0.5) * 0.1 : rng() * 2 - 1;
      }
      const want = refRows(a, b, rows, d, eps);
      const check = (got, what) => {
        for (let r = 0; r < rows; r++) {
          const err = Math.abs(got[r] - want[r]);
          worst = Math.max(worst, err / (1 + Math.abs(want[r])));
          assert.ok(err <= tol * (1 + Math.abs(want[r])),
            `${what} d=${d} row ${r}: got ${got[r]}, reference ${want[r]}, |err| ${err} (seed ${seed})`);
        }
      };
      check(loss.call({ data: a, shape: [rows, d] }, { data: b, shape: [rows, d] }).data, 'axis -1');
      // Same rows stored as columns: the gather (transpose) path.
      const at = new Arr(rows * d), bt = new Arr(rows * d);
      for (let r = 0; r < rows; r++) for (let i = 0; i < d; i++) { at[i * rows + r] = a[r * d + i]; bt[i * rows + r] = b[r * d + i]; }
      check(lossAxis0.call({ data: at, shape: [d, rows] }, { data: bt, shape: [d, rows] }).data, 'axis 0');
    }
    maxErr[dtype] = Math.max(maxErr[dtype], worst);
    t.diagnostic(`max relative error ${dtype}: ${worst.toExponential(3)}`);
  });
}

test('general path (y_true broadcast along the axis) against the reference', () => {
  // y_true [n,1] against y_pred [n,d], axis -1: sign(t) * Σ p̂, |loss| up to √d.
  const rng = mulberry32(seed + 1);
  const n = 5, d = 1000;
  const t = new Float64Array(n).map(() => rng() - 0.5);
  const p = new Float64Array(n * d).map(() => rng() - 0.5);
  const got = new cossim.CosineSimilarity({ reduction: 'none' }).call({ data: t, shape: [n, 1] }, p.length ? { data: p, shape: [n, d] } : p);
  for (let r = 0; r < n; r++) {
    const norm = Math.sqrt(Math.max(sum(d, (i) => p[r * d + i] ** 2), 1e-12));
    const tn = t[r] / Math.sqrt(Math.max(t[r] * t[r], 1e-12));
    const want = -sum(d, (i) => tn * (p[r * d + i] / norm));
    assert.ok(Math.abs(got.data[r] - want) <= 1e-12 * (1 + Math.abs(want)), `row ${r}: got ${got.data[r]}, want ${want}`);
  }
});

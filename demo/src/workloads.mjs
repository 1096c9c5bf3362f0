// The speed panel's workloads, shared by the page (labels, sizes) and the benchmark Worker (the
// contenders' code). Every contender gets the same data (seeded) and returns check values that the
// page compares with the JS loop's float64 results.
export const D = 768;

export function plan(quick) {
  return [
    { id: 'pair', title: 'One pair, d = 768', what: 'cos of two 768-d vectors (per call)',
      bytes: 2 * 768 * 4, rows: 1, samples: quick ? 5 : 9, inner: quick ? 200 : 2000 },
    { id: 'batch', title: 'Mean loss, [4096, 768] × [4096, 768]', what: "CosineSimilarity().call(yTrue, yPred), reduction 'auto'",
      bytes: 2 * 4096 * 768 * 4, rows: 4096, samples: quick ? 5 : 15, inner: 1 },
    { id: 'query', title: `One query vs [${quick ? '10,000' : '100,000'}, 768]`,
      what: `+cos of a query against every row of a ${quick ? '31' : '307'} MB table`,
      bytes: (quick ? 10000 : 100000) * 768 * 4, rows: quick ? 10000 : 100000, samples: quick ? 3 : 5, inner: 1 },
  ];
}

export const CONTENDERS = [
  { id: 'cossim-simd', name: 'cossim SIMD128', css: 'c-simd' },
  { id: 'cossim-scalar', name: 'cossim scalar', css: 'c-scalar' },
  { id: 'js', name: 'plain JS loop', css: 'c-js' },
  { id: 'tfjs', name: 'TF.js wasm', css: 'c-tfjs' },
];

// The plain JS loop: float64 accumulators, the Keras formula with its epsilon floor.
export function jsCos(a, ao, b, bo, d) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < d; i++) {
    const x = a[ao + i], y = b[bo + i];
    dot += x * y; na += x * x; nb += y * y;
  }
  return dot / Math.sqrt(Math.max(na, 1e-12)) / Math.sqrt(Math.max(nb, 1e-12));
}

// Check values from a vector of per-row scores: first, last, mean.
export function scoreChecks(s) {
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i];
  return [s[0], s[s.length - 1], sum / s.length];
}

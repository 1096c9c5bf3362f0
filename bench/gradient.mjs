// The cost of valueAndGradient relative to the loss alone on a [4096, 768] float32 batch (heap
// tensors), and the largest gradient errors against central finite differences (float64) on
// random cases. Usage: node bench/gradient.mjs
import { ready, alloc, CosineSimilarity } from 'cossim';

await ready({ full: true });
const median = (f, reps = 21) => {
  for (let i = 0; i < 3; i++) f();
  const t = [];
  for (let i = 0; i < reps; i++) {
    const s = performance.now();
    f();
    t.push(performance.now() - s);
  }
  return t.sort((a, b) => a - b)[reps >> 1];
};

let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;

const [n, d] = [4096, 768];
const A = alloc([n, d]), B = alloc([n, d]);
A.data.set(Float32Array.from({ length: n * d }, rnd));
B.data.set(Float32Array.from({ length: n * d }, rnd));
const loss = new CosineSimilarity();
const tLoss = median(() => loss.call(A, B));
const tGrad = median(() => loss.valueAndGradient(A, B));
const tBoth = median(() => loss.valueAndGradient(A, B, undefined, { wrt: 'both' }));
console.log(`[${n},${d}] float32 heap: loss ${tLoss.toFixed(3)} ms, valueAndGradient(yPred) ${tGrad.toFixed(3)} ms ` +
  `(${(tGrad / tLoss).toFixed(2)}x), wrt both ${tBoth.toFixed(3)} ms (${(tBoth / tLoss).toFixed(2)}x)`);
A.dispose();
B.dispose();

// Finite differences in float64 on random cases of every reduction, broadcast and axis kind.
const cases = [
  [[6, 9], [6, 9], -1, 'auto', null], [[1, 9], [6, 9], -1, 'sum', [1, 2, 3, 4, 5, 6]],
  [[5, 4, 3], [5, 4, 3], [1, 2], 'sum', null], [[7, 5], [7, 5], 0, 'none', null],
  [[6, 1], [6, 8], -1, 'sum_over_batch_size', [[2], [1], [0], [1], [3], [1]]],
  [[4, 6], [1, 4, 6], 1, 'sum', null], [[3, 1, 5], [1, 4, 5], -1, 'none', null],
];
let worst = 0;
for (const flavor of ['keras2', 'keras3']) {
  for (const [st, sp, axis, reduction, w] of cases) {
    const L = new CosineSimilarity({ flavor, axis, reduction: flavor === 'keras3' && reduction === 'auto' ? 'sum' : reduction });
    const size = (s) => s.reduce((a, b) => a * b, 1);
    const t = Float64Array.from({ length: size(st) }, rnd), p = Float64Array.from({ length: size(sp) }, rnd);
    const total = (tt, pp) => {
      const v = L.call({ data: tt, shape: st }, { data: pp, shape: sp }, w);
      return typeof v === 'number' ? v : v.data.reduce((a, b) => a + b, 0);
    };
    const { gradient } = L.valueAndGradient({ data: t, shape: st }, { data: p, shape: sp }, w, { wrt: 'both' });
    for (const [x, g] of [[t, gradient.yTrue.data], [p, gradient.yPred.data]]) {
      for (let i = 0; i < x.length; i++) {
        const h = 1e-6, keep = x[i];
        x[i] = keep + h; const up = total(t, p);
        x[i] = keep - h; const down = total(t, p);
        x[i] = keep;
        const fd = (up - down) / (2 * h);
        worst = Math.max(worst, Math.abs(g[i] - fd) / (1 + Math.abs(fd)));
      }
    }
  }
}
console.log(`max |gradient - central difference| / (1 + |fd|), float64, ${cases.length * 2} cases: ${worst.toExponential(2)}`);

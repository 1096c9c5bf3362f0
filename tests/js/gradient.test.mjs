// Gradients: loss.gradient(yTrue, yPred, sampleWeight, { dy }) and
// loss.valueAndGradient(yTrue, yPred, sampleWeight, { wrt, dy }), both flavours.
// Oracles (never cossim itself):
//   (a) central finite differences (float64) of the independent reference
//       (reference.mjs: refGradientFD), on seeded random cases;
//   (b) TF.js autodiff (tf.grads) of the Keras formula composed from TF.js ops
//       on the CPU backend in float32 (tfjs-oracle.mjs);
//   (c) closed forms at the Keras 2 epsilon floor (zero / tiny vectors).
// Seed: env COSSIM_SEED (integer) or the default below; failures print
// "[COSSIM_SEED=<seed> ... case <i>]".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CosineSimilarity, f32, f64, outputArrayType } from './harness.mjs';
import {
  refGradientFD, refLossAny, RefError, fmtShape, numel, mulberry32, caseSeed, randInt, pick, chance,
  randomTensor, K3_REDUCTIONS, asTensor, shuffle, masterSeed,
} from './reference.mjs';
import { loadTf, tfGradients } from './tfjs-oracle.mjs';

const DEFAULT_SEED = 0x96ad;
const MASTER = masterSeed('gradient.test.mjs', DEFAULT_SEED);

const tf = await loadTf();

const K2_REDUCTIONS = ['auto', 'none', 'sum', 'sum_over_batch_size'];
const FD_CASES_PER_FLAVOR = 130;
const TF_CASES_PER_FLAVOR = 45;

function makeLoss(flavor, { axis, reduction, dtype } = {}) {
  const o = {};
  if (flavor === 'keras3') o.flavor = 'keras3';
  if (axis !== undefined) o.axis = axis;
  if (reduction !== undefined) o.reduction = reduction;
  if (dtype !== undefined) o.dtype = dtype;
  return new CosineSimilarity(o);
}

function assertGradShape(g, shape, dtype, msg) {
  assert.ok(g && typeof g === 'object' && 'data' in g && 'shape' in g, `${msg}: expected {data, shape}, got ${JSON.stringify(g)}`);
  assert.deepEqual([...g.shape], [...shape], `${msg}: gradient shape ${fmtShape(g.shape)} vs ${fmtShape(shape)}`);
  const T = outputArrayType(dtype);
  assert.ok(g.data instanceof T, `${msg}: gradient data should be a ${T.name}, got ${g.data?.constructor?.name}`);
  assert.equal(g.data.length, numel(shape), `${msg}: data length`);
}

/** |got - want| <= rel * (|want_i| + max|want|) + 10 noise_i (FD rounding estimate) + floor. */
function assertGradClose(got, want, { rel, noise, msg, floor = 0 }) {
  let maxAbs = 0;
  for (const v of want.data) maxAbs = Math.max(maxAbs, Math.abs(v));
  for (let i = 0; i < want.data.length; i++) {
    const w = want.data[i];
    const g = got.data[i];
    const tol = rel * (Math.abs(w) + maxAbs) + (noise ? 10 * noise[i] : 0) + floor + 1e-300;
    assert.ok(Number.isFinite(g) && Math.abs(g - w) <= tol,
      `${msg}: element ${i}: got ${g}, oracle ${w} (|diff| ${Math.abs(g - w).toExponential(3)} > tol ${tol.toExponential(3)}); ` +
      `got [${Array.from(got.data.slice(0, 12), (x) => x.toPrecision(6)).join(', ')}${got.data.length > 12 ? ', ...' : ''}] ` +
      `oracle [${Array.from(want.data.slice(0, 12), (x) => x.toPrecision(6)).join(', ')}${want.data.length > 12 ? ', ...' : ''}]`);
  }
}

function assertValueClose(got, ref, dtype, msg) {
  const tol = dtype === 'float64' ? 1e-12 : 1e-6;
  if (typeof ref === 'number') {
    assert.equal(typeof got, 'number', `${msg}: value should be a number, got ${JSON.stringify(got?.shape ?? got)}`);
    assert.ok(Math.abs(got - ref) <= tol * (1 + Math.abs(ref)), `${msg}: value ${got} vs reference ${ref}`);
  } else {
    const data = typeof got === 'number' ? [got] : got.data;
    if (typeof got !== 'number') assert.deepEqual([...got.shape], [...ref.shape], `${msg}: value shape`);
    assert.equal(data.length, ref.data.length);
    for (let i = 0; i < ref.data.length; i++) {
      assert.ok(Math.abs(data[i] - ref.data[i]) <= tol * (1 + Math.abs(ref.data[i])), `${msg}: value[${i}] ${data[i]} vs ${ref.data[i]}`);
    }
  }
}

// ------------------------------------------------------------ generator --

/** A random differentiable case (no zero / tiny vectors, no errors, no empty tensors). */
function genCase(rng, flavor) {
  for (let attempt = 0; attempt < 50; attempt++) {
    const rank = flavor === 'keras3' ? pick(rng, [0, 1, 2, 2, 2, 3, 3, 4]) : pick(rng, [1, 2, 2, 2, 3, 3, 4]);
    const shape = [];
    for (let i = 0; i < rank; i++) shape.push(randInt(rng, 1, rank >= 4 ? 3 : 4)); // FD cost: <= 81 elements
    let tShape = [...shape];
    let pShape = [...shape];
    const s = rng();
    if (s < 0.25 && rank >= 1) {
      // broadcast operands, e.g. [1,d] vs [n,d] or [m,1,d] vs [1,n,d]
      for (let i = 0; i < rank - 1; i++) {
        if (chance(rng, 0.5)) (chance(rng, 0.5) ? tShape : pShape)[i] = 1;
      }
      if (rank >= 1 && chance(rng, 0.15)) tShape[rank - 1] = 1; // broadcast along the axis
    } else if (s < 0.35) {
      if (chance(rng, 0.5)) pShape = [...shape, 1];
      else tShape = [...shape, 1];
    } else if (s < 0.4 && rank >= 2) {
      tShape = tShape.slice(1);
    }
    const r = Math.max(Math.min(tShape.length, pShape.length), 1);
    let axis;
    const ua = rng();
    if (ua < 0.3) axis = undefined;
    else if (ua < 0.55) axis = -randInt(rng, 1, r);
    else if (ua < 0.7) axis = randInt(rng, 0, r - 1);
    else axis = shuffle(rng, Array.from({ length: r }, (_, i) => -(i + 1))).slice(0, randInt(rng, 1, r));
    const scale = 10 ** (2 * rng() - 1);
    const yTrue = randomTensor(rng, tShape, { scale });
    const yPred = randomTensor(rng, pShape, { scale: 10 ** (2 * rng() - 1) });
    const reduction = flavor === 'keras3' ? pick(rng, [undefined, ...K3_REDUCTIONS]) : pick(rng, [undefined, ...K2_REDUCTIONS]);
    try {
      refLossAny({ flavor, yTrue, yPred, axis: axis ?? -1, reduction, dtype: 'float64' });
    } catch (e) {
      if (e instanceof RefError) continue;
      throw e;
    }
    // per-sample shape, independent of the reduction
    const per = refLossAny({ flavor, yTrue, yPred, axis: axis ?? -1, reduction: 'none', dtype: 'float64' }).shape;
    const wk = rng();
    const wv = (wShape) => {
      const d = new Float64Array(numel(wShape));
      for (let i = 0; i < d.length; i++) d[i] = 0.1 + 1.9 * rng();
      return { data: d, shape: wShape };
    };
    let sampleWeight;
    if (wk < 0.25) sampleWeight = undefined;
    else if (wk < 0.35) sampleWeight = 0.2 + 2 * rng();
    else if (wk < 0.5) sampleWeight = wv(per);
    else if (wk < 0.6) sampleWeight = wv(per.length ? [per[0]] : [1]);
    else if (wk < 0.7) sampleWeight = wv(per.length ? [per[0], 1] : [1]);
    else if (wk < 0.8) sampleWeight = wv(per.map((d) => (chance(rng, 0.5) ? 1 : d)));
    else if (wk < 0.9) sampleWeight = wv([randInt(rng, 2, 3), ...per]); // bigger than the loss (broadcast)
    else sampleWeight = wv([1]);
    let outW;
    try {
      outW = refLossAny({ flavor, yTrue, yPred, sampleWeight, axis: axis ?? -1, reduction, dtype: 'float64' });
    } catch (e) {
      if (e instanceof RefError) continue;
      throw e;
    }
    if (typeof outW !== 'number' && outW.data.length === 0) continue;
    // dy: a number for reduced outputs, a tensor-like for 'none'; none for the K3 pass-through
    const isNone = reduction === 'none' || reduction === null;
    let dy;
    if (typeof outW === 'number') dy = chance(rng, 0.3) ? undefined : 0.25 + 2 * rng() * (chance(rng, 0.3) ? -1 : 1);
    else if (isNone && chance(rng, 0.7)) {
      const d = new Float64Array(outW.data.length);
      for (let i = 0; i < d.length; i++) d[i] = 2 * rng() - 1;
      dy = { data: d, shape: [...outW.shape] };
    }
    return { flavor, yTrue, yPred, sampleWeight, axis, reduction, dy, out: outW };
  }
  throw new Error('generator: no valid case in 50 attempts');
}

function describeCase(c) {
  const sh = (x) => (x === undefined ? 'none' : typeof x === 'number' ? `scalar ${x.toPrecision(4)}` : fmtShape(x.shape));
  return JSON.stringify({
    flavor: c.flavor, yTrue: sh(c.yTrue), yPred: sh(c.yPred), w: sh(c.sampleWeight), axis: c.axis, reduction: c.reduction,
    dy: sh(c.dy),
  });
}

const withType = (T, x) => (x === undefined || typeof x === 'number' ? x : { data: T.from(x.data), shape: [...x.shape] });

// ------------------------------------------------------------- API --

describe('gradient API: shapes, dtypes, value', () => {
  test('gradient() has y_pred\'s ORIGINAL shape (K2: [n,d,1] squeezed against [n,d])', () => {
    const t = f64([1, 2, 3, 4, 5, 6], [2, 3]);
    const p = f64([2, 1, 0.5, -1, 3, 1], [2, 3, 1]);
    const g = makeLoss('keras2').gradient(t, p);
    assertGradShape(g, [2, 3, 1], 'float64', 'K2 squeezed y_pred');
    const fd = refGradientFD({ flavor: 'keras2', yTrue: t, yPred: p });
    assertGradClose(g, fd, { rel: 1e-6, noise: fd.noise, msg: 'K2 squeezed y_pred' });
  });
  test('K3: y_true [n] vs y_pred [n,1] -> gradients of shapes [n] and [n,1]; rank-0 inputs -> shape []', () => {
    const t = f64([1, -2, 3], [3]);
    const p = f64([3, 4, -5], [3, 1]);
    const { value, gradient } = makeLoss('keras3').valueAndGradient(t, p, undefined, { wrt: 'both' });
    assertValueClose(value, 1 / 3, 'float64', 'value: mean of -(sign*sign) = (-1 + 1 + 1)/3');
    assertGradShape(gradient.yTrue, [3], 'float64', 'yTrue');
    assertGradShape(gradient.yPred, [3, 1], 'float64', 'yPred');
    for (const v of [...gradient.yTrue.data, ...gradient.yPred.data]) assert.ok(Math.abs(v) < 1e-9, `sign products have zero gradient, got ${v}`);
    const g0 = makeLoss('keras3').gradient(f64([2], []), f64([-3], []));
    assertGradShape(g0, [], 'float64', 'rank 0');
  });
  test('dtype: Float32Array -> Float32Array; Float64Array -> Float64Array; K3 dtype option decides', () => {
    const t = [[1, 2], [3, 4]];
    assertGradShape(makeLoss('keras2').gradient(t, f32([1, 0, 2, 1], [2, 2])), [2, 2], 'float32', 'K2 f32');
    assertGradShape(makeLoss('keras2').gradient(t, f64([1, 0, 2, 1], [2, 2])), [2, 2], 'float64', 'K2 f64');
    assertGradShape(makeLoss('keras2').gradient(t, [[1, 0], [2, 1]]), [2, 2], 'float32', 'K2 nested');
    assertGradShape(makeLoss('keras3', { dtype: 'float64' }).gradient(t, f32([1, 0, 2, 1], [2, 2])), [2, 2], 'float64', 'K3 dtype f64');
    assertGradShape(makeLoss('keras3', { dtype: 'float32' }).gradient(t, f64([1, 0, 2, 1], [2, 2])), [2, 2], 'float32', 'K3 dtype f32');
    const vg = makeLoss('keras2').valueAndGradient(t, f32([1, 0, 2, 1], [2, 2]), undefined, { wrt: 'yTrue' });
    assertGradShape(vg.gradient, [2, 2], 'float32', 'wrt yTrue f32');
  });
  test('doc data: value -0.4999999999999999 and closed-form gradient (float64, axis 1, SOBS)', () => {
    // row 0: t=[0,1], p=[1,0]: d/dp (-cos)/2 = -(t^ - cos p^)/|p| / 2 = [0, -0.5]; row 1: t^=p^ -> 0
    const { value, gradient } = makeLoss('keras2', { axis: 1 }).valueAndGradient(f64([0, 1, 1, 1], [2, 2]), f64([1, 0, 1, 1], [2, 2]));
    assertValueClose(value, -0.4999999999999999, 'float64', 'value');
    assertGradClose(gradient, { data: Float64Array.of(0, -0.5, 0, 0) }, { rel: 1e-12, msg: 'closed form' });
  });
  test('dy scales a reduced gradient; "none" without dy differentiates the sum', () => {
    const t = f64([1, 9, 2, -5, -2, 6], [2, 3]);
    const p = f64([4, 8, 12, 8, 1, 3], [2, 3]);
    for (const flavor of ['keras2', 'keras3']) {
      const fdSum = refGradientFD({ flavor, yTrue: t, yPred: p, reduction: 'sum', dy: -2.5 });
      assertGradClose(makeLoss(flavor, { reduction: 'sum' }).gradient(t, p, undefined, { dy: -2.5 }), fdSum,
        { rel: 1e-6, noise: fdSum.noise, msg: `${flavor} sum dy=-2.5` });
      const fdNone = refGradientFD({ flavor, yTrue: t, yPred: p, reduction: 'none' });
      assertGradClose(makeLoss(flavor, { reduction: 'none' }).gradient(t, p), fdNone,
        { rel: 1e-6, noise: fdNone.noise, msg: `${flavor} none, no dy` });
      const dy = f64([0.5, -3], [2]);
      const fdDy = refGradientFD({ flavor, yTrue: t, yPred: p, reduction: 'none', dy });
      assertGradClose(makeLoss(flavor, { reduction: 'none' }).gradient(t, p, undefined, { dy }), fdDy,
        { rel: 1e-6, noise: fdDy.noise, msg: `${flavor} none, dy` });
      assertGradClose(makeLoss(flavor, { reduction: 'none' }).gradient(t, p, undefined, { dy: [0.5, -3] }), fdDy,
        { rel: 1e-6, noise: fdDy.noise, msg: `${flavor} none, dy as a nested array` });
    }
  });
  test('broadcast operand: y_true [1,d] vs y_pred [n,d] -> y_true gradient [1,d], summed over n', () => {
    const t = f64([1, -2, 0.5], [1, 3]);
    const p = f64([2, 1, 1, -1, 3, 0.5, 0.2, 0.3, -4], [3, 3]);
    for (const flavor of ['keras2', 'keras3']) {
      const { gradient } = makeLoss(flavor, { reduction: 'sum' }).valueAndGradient(t, p, [1, 2, 3], { wrt: 'both' });
      assertGradShape(gradient.yTrue, [1, 3], 'float64', `${flavor} yTrue`);
      assertGradShape(gradient.yPred, [3, 3], 'float64', `${flavor} yPred`);
      const spec = { flavor, yTrue: t, yPred: p, sampleWeight: [1, 2, 3], reduction: 'sum' };
      const ft = refGradientFD(spec, 'yTrue');
      const fp = refGradientFD(spec, 'yPred');
      assertGradClose(gradient.yTrue, ft, { rel: 1e-6, noise: ft.noise, msg: `${flavor} yTrue` });
      assertGradClose(gradient.yPred, fp, { rel: 1e-6, noise: fp.noise, msg: `${flavor} yPred` });
    }
  });
  test('errors: the call\'s shape errors are raised; an invalid wrt is rejected', () => {
    const loss = makeLoss('keras2');
    assert.throws(() => loss.gradient([[1, 2, 3]], [[1, 2], [3, 4]]), (e) => e instanceof Error && e.message.includes('Incompatible shapes'));
    assert.throws(() => loss.gradient([[1, 2]], [[1, 2]], [[1, 2]]), (e) => e instanceof Error && e.message.includes('Can not squeeze dim['));
    assert.throws(() => loss.valueAndGradient([[1, 2]], [[2, 1]], undefined, { wrt: 'weights' }), Error);
    assert.throws(() => makeLoss('keras3').gradient([[1, 2, 3], [1, 2, 3]], [[1, 2, 3], [1, 2, 3]], f64([1, 2, 3, 4], [4])),
      (e) => e instanceof Error && e.message.includes('Incompatible shapes'));
  });
  test('empty batch [0,3]: gradient of shape [0,3] (K2 SOBS; K3 pass-through [0])', () => {
    const z = f64([], [0, 3]);
    assertGradShape(makeLoss('keras2').gradient(z, z), [0, 3], 'float64', 'K2');
    assertGradShape(makeLoss('keras3', { reduction: 'sum' }).gradient(z, z), [0, 3], 'float64', 'K3');
  });
});

// ------------------------------------------------- (c) closed forms --

describe('gradient at the epsilon floor (Keras 2: constant 1e6 scale; Keras 3: constant 1e7)', () => {
  test('K2 zero y_pred row: d loss / d p = -1e6 * t^ / n (no gradient into sum x^2); zero y_true row: 0 w.r.t. y_pred', () => {
    const t = f64([3, 4, 0, 0, 1, 1], [3, 2]);
    const p = f64([0, 0, 2, 1, 1, 0], [3, 2]);
    const { gradient } = makeLoss('keras2').valueAndGradient(t, p, undefined, { wrt: 'both' });
    // row 0: p = 0 -> loss = -t^ . (1e6 p) -> grad = -1e6 t^ / 3
    assertGradClose({ data: gradient.yPred.data.slice(0, 2) }, { data: Float64Array.of(-1e6 * 0.6 / 3, -1e6 * 0.8 / 3) }, { rel: 1e-12, msg: 'zero y_pred row' });
    // row 1: t = 0 -> t^ = 0: no dependence on p
    assert.deepEqual(Array.from(gradient.yPred.data.slice(2, 4), Math.abs), [0, 0], 'zero y_true row');
    // w.r.t. y_true at the zero y_true row: -1e6 p^ / 3
    const ph = [2 / Math.sqrt(5), 1 / Math.sqrt(5)];
    assertGradClose({ data: gradient.yTrue.data.slice(2, 4) }, { data: Float64Array.of(-1e6 * ph[0] / 3, -1e6 * ph[1] / 3) }, { rel: 1e-12, msg: 'zero y_true row, d/dt' });
    for (const v of [...gradient.yTrue.data, ...gradient.yPred.data]) assert.ok(Number.isFinite(v));
  });
  test('K2 tiny y_pred [3e-7,4e-7] (sum x^2 < 1e-12): gradient -1e6 * t^ (sum reduction)', () => {
    const g = makeLoss('keras2', { reduction: 'sum' }).gradient(f64([1, 2], [1, 2]), f64([3e-7, 4e-7], [1, 2]));
    assertGradClose(g, { data: Float64Array.of(-1e6 / Math.sqrt(5), -2e6 / Math.sqrt(5)) }, { rel: 1e-12, msg: 'tiny' });
  });
  test('K3 tiny y_pred [3e-8,4e-8] (rsqrt > 1e7): gradient -1e7 * t^ (sum reduction)', () => {
    const g = makeLoss('keras3', { reduction: 'sum' }).gradient(f64([1, 2], [1, 2]), f64([3e-8, 4e-8], [1, 2]));
    assertGradClose(g, { data: Float64Array.of(-1e7 / Math.sqrt(5), -2e7 / Math.sqrt(5)) }, { rel: 1e-12, msg: 'tiny' });
  });
  for (const dtype of ['float32', 'float64']) {
    test(`K3 exact zero vectors: the gradient is finite (never NaN) (${dtype})`, () => {
      const T = dtype === 'float64' ? f64 : f32;
      const t = T([0, 0, 3, 4, 0, 0], [3, 2]);
      const p = T([1, 2, 0, 0, 0, 0], [3, 2]);
      for (const reduction of ['sum', 'none', 'mean_with_sample_weight']) {
        const { gradient } = makeLoss('keras3', { reduction }).valueAndGradient(t, p, [1, 2, 3], { wrt: 'both' });
        for (const v of [...gradient.yTrue.data, ...gradient.yPred.data]) assert.ok(Number.isFinite(v), `${reduction}: got ${v}`);
        // zero y_true row 0: t^ = 0, so nothing depends on p there
        assert.deepEqual(Array.from(gradient.yPred.data.slice(0, 2), Math.abs), [0, 0], `${reduction}: zero y_true row`);
      }
    });
  }
});

// ---------------------------------------------- (a) finite differences --

for (const flavor of ['keras2', 'keras3']) {
  describe(`gradient (${flavor}): ${FD_CASES_PER_FLAVOR} random cases vs central finite differences of the reference (float64)`, () => {
    test('random cases', () => {
      const counts = {};
      for (let i = 0; i < FD_CASES_PER_FLAVOR; i++) {
        const rng = mulberry32(caseSeed(MASTER ^ (flavor === 'keras3' ? 0x3000 : 0x2000), i));
        const c = genCase(rng, flavor);
        const msg = `[COSSIM_SEED=${MASTER} ${flavor} FD case ${i}] ${describeCase(c)}`;
        const key = String(c.reduction);
        counts[key] = (counts[key] ?? 0) + 1;
        const loss = makeLoss(flavor, { axis: c.axis, reduction: c.reduction, dtype: flavor === 'keras3' && chance(rng, 0.3) ? 'float64' : undefined });
        const mode = pick(rng, ['gradient', 'yPred', 'yTrue', 'both']);
        const spec = { flavor, yTrue: c.yTrue, yPred: c.yPred, sampleWeight: c.sampleWeight, axis: c.axis ?? -1, reduction: c.reduction, dy: c.dy };
        const yT = withType(chance(rng, 0.5) ? Float64Array : Float32Array, c.yTrue);
        const yP = withType(Float64Array, c.yPred); // float64 computation
        const yTv = asTensor(yT); // exact values seen by cossim
        const specV = { ...spec, yTrue: yTv };
        const opts = c.dy === undefined ? undefined : { dy: c.dy };
        if (mode === 'gradient') {
          const g = opts === undefined ? loss.gradient(yT, yP, c.sampleWeight) : loss.gradient(yT, yP, c.sampleWeight, opts);
          assertGradShape(g, c.yPred.shape, 'float64', msg);
          const fd = refGradientFD(specV, 'yPred');
          assertGradClose(g, fd, { rel: 1e-6, noise: fd.noise, msg });
        } else {
          const r = loss.valueAndGradient(yT, yP, c.sampleWeight, { ...(opts ?? {}), wrt: mode });
          assertValueClose(r.value, refLossAny({ ...specV, dtype: 'float64' }), 'float64', `${msg} value`);
          const parts = mode === 'both' ? ['yTrue', 'yPred'] : [mode];
          for (const which of parts) {
            const g = mode === 'both' ? r.gradient[which] : r.gradient;
            assertGradShape(g, (which === 'yTrue' ? c.yTrue : c.yPred).shape, 'float64', `${msg} wrt ${which}`);
            const fd = refGradientFD(specV, which);
            assertGradClose(g, fd, { rel: 1e-6, noise: fd.noise, msg: `${msg} wrt ${which}` });
          }
        }
      }
      console.log(`# ${flavor} FD cases by reduction: ${JSON.stringify(counts)}`);
    });
  });
}

// ------------------------------------------------------ (b) TF.js autodiff --

function tfSpec(c) {
  return {
    flavor: c.flavor,
    axis: c.axis,
    reduction: c.reduction,
    sampleWeight: c.sampleWeight === undefined ? undefined : typeof c.sampleWeight === 'number' ? Math.fround(c.sampleWeight) : c.sampleWeight,
    dy: c.dy,
  };
}

/**
 * A natural magnitude of d<dy, out>/dx: max|dy| * max|w| / divisor / min|x| (x the operand, zeros
 * skipped). float32 rounding leaves absolute errors of about 1e-7 of it even where the exact
 * gradient is 0 (e.g. length-1 vectors normalise to their sign), so the float32 comparisons allow
 * 1e-5 of it on top of the relative tolerance.
 */
function naturalScale(c, which) {
  const x = asTensor(which === 'yTrue' ? c.yTrue : c.yPred);
  let minAbs = Infinity;
  for (const v of x.data) if (v !== 0) minAbs = Math.min(minAbs, Math.abs(v));
  if (!Number.isFinite(minAbs)) minAbs = 1;
  const maxAbsOf = (u) => {
    if (u === undefined || u === null) return 1;
    if (typeof u === 'number') return Math.abs(u);
    let m = 0;
    for (const v of u.data) m = Math.max(m, Math.abs(v));
    return m;
  };
  const none = refLossAny({
    flavor: c.flavor, yTrue: c.yTrue, yPred: c.yPred, sampleWeight: c.sampleWeight, axis: c.axis ?? -1, reduction: 'none', dtype: 'float64',
  });
  const n = Math.max(1, none.data.length);
  const red = c.reduction;
  let divisor = 1;
  if (red === undefined || red === 'auto' || red === 'sum_over_batch_size' || red === 'mean') divisor = n;
  else if (red === 'mean_with_sample_weight') {
    if (c.sampleWeight === undefined) divisor = n;
    else if (typeof c.sampleWeight === 'number') divisor = Math.abs(c.sampleWeight) || 1;
    else divisor = Math.abs(Array.from(c.sampleWeight.data).reduce((a, b) => a + b, 0)) || 1;
  }
  return (maxAbsOf(c.dy) * maxAbsOf(c.sampleWeight)) / divisor / minAbs;
}

function compareWithTf(c, msg) {
  const yT = withType(Float32Array, c.yTrue);
  const yP = withType(Float32Array, c.yPred);
  const w = withType(Float32Array, c.sampleWeight);
  const oracle = tfGradients(tf, tfSpec({ ...c, sampleWeight: w }), yT, yP);
  const loss = makeLoss(c.flavor, { axis: c.axis, reduction: c.reduction });
  const r = loss.valueAndGradient(yT, yP, w, { wrt: 'both', ...(c.dy === undefined ? {} : { dy: c.dy }) });
  for (const which of ['yTrue', 'yPred']) {
    assertGradShape(r.gradient[which], oracle[which].shape, 'float32', `${msg} wrt ${which}`);
    assertGradClose(r.gradient[which], oracle[which], { rel: 1e-4, floor: 1e-5 * naturalScale(c, which), msg: `${msg} wrt ${which} (TF.js float32)` });
  }
}

for (const flavor of ['keras2', 'keras3']) {
  describe(`gradient (${flavor}): TF.js autodiff of the Keras formula (float32, CPU backend)`, () => {
    test(`${TF_CASES_PER_FLAVOR} random cases`, () => {
      for (let i = 0; i < TF_CASES_PER_FLAVOR; i++) {
        const rng = mulberry32(caseSeed(MASTER ^ (flavor === 'keras3' ? 0x3111 : 0x2111), i));
        const c = genCase(rng, flavor);
        compareWithTf(c, `[COSSIM_SEED=${MASTER} ${flavor} TF case ${i}] ${describeCase(c)}`);
      }
    });
    test('doc data with weights [0.8,0.2], every reduction', () => {
      const reds = flavor === 'keras3' ? K3_REDUCTIONS : K2_REDUCTIONS;
      for (const reduction of reds) {
        compareWithTf({
          flavor, yTrue: f64([0, 1, 1, 1], [2, 2]), yPred: f64([1, 0, 1, 1], [2, 2]), sampleWeight: f64([0.8, 0.2], [2]), axis: 1, reduction,
        }, `doc data ${reduction}`);
      }
    });
    test('axis list [0,-1] over a [2,3,2] tensor with [3] weights', () => {
      const rng = mulberry32(caseSeed(MASTER, 77));
      compareWithTf({
        flavor, yTrue: randomTensor(rng, [2, 3, 2], { scale: 1 }), yPred: randomTensor(rng, [2, 3, 2], { scale: 1 }),
        sampleWeight: f64([1, 2, 3], [3]), axis: [0, -1], reduction: 'sum',
      }, 'axis list');
    });
  });
}

describe('gradient (keras2) vs TF.js at the epsilon floor (zero and tiny vectors)', () => {
  test('zero vectors on either side (finite; 1e6 scale; no gradient through max(sum x^2, eps))', () => {
    for (const reduction of K2_REDUCTIONS) {
      compareWithTf({
        flavor: 'keras2', yTrue: f64([0, 0, 3, 4, 1, 2], [3, 2]), yPred: f64([1, 2, 0, 0, 2, -1], [3, 2]),
        sampleWeight: f64([1, 2, 0.5], [3]), reduction,
      }, `zero vectors, ${reduction}`);
    }
  });
  test('tiny vectors [3e-7,4e-7] (y_pred) and [1e-7,-2e-7] (y_true)', () => {
    for (const reduction of K2_REDUCTIONS) {
      compareWithTf({
        flavor: 'keras2', yTrue: f64([1, 2, 1e-7, -2e-7], [2, 2]), yPred: f64([3e-7, 4e-7, 1, 1], [2, 2]), reduction,
      }, `tiny vectors, ${reduction}`);
    }
  });
});

describe('gradient (keras3) vs TF.js below the norm floor (tiny, non-zero vectors)', () => {
  test('tiny vectors [3e-8,4e-8] (y_pred) and [1e-8,-2e-8] (y_true): constant 1e7 scale', () => {
    for (const reduction of ['sum', 'sum_over_batch_size', 'none']) {
      compareWithTf({
        flavor: 'keras3', yTrue: f64([1, 2, 1e-8, -2e-8], [2, 2]), yPred: f64([3e-8, 4e-8, 1, 1], [2, 2]), reduction,
      }, `K3 tiny vectors, ${reduction}`);
    }
  });
});

// The two oracles are independent derivations of the Keras formula (the reference's own code vs TF.js
// ops + autodiff); they must agree with each other before either is trusted. No cossim here.
describe('oracle self-check: TF.js autodiff (float32) agrees with finite differences of the reference (float64)', () => {
  for (const flavor of ['keras2', 'keras3']) {
    test(`${flavor}: 30 random cases, both operands`, () => {
      for (let i = 0; i < 30; i++) {
        const rng = mulberry32(caseSeed(MASTER ^ 0x5e1f ^ (flavor === 'keras3' ? 1 : 0), i));
        const c = genCase(rng, flavor);
        const msg = `[COSSIM_SEED=${MASTER} ${flavor} oracle case ${i}] ${describeCase(c)}`;
        // both oracles see the same float32-representable inputs
        const yT = withType(Float32Array, c.yTrue);
        const yP = withType(Float32Array, c.yPred);
        const w = withType(Float32Array, c.sampleWeight);
        const wv = typeof w === 'number' ? Math.fround(w) : w;
        const oracle = tfGradients(tf, tfSpec({ ...c, sampleWeight: wv }), yT, yP);
        const spec = { flavor, yTrue: asTensor(yT), yPred: asTensor(yP), sampleWeight: wv, axis: c.axis ?? -1, reduction: c.reduction, dy: c.dy };
        for (const which of ['yTrue', 'yPred']) {
          const fd = refGradientFD(spec, which);
          assert.deepEqual(oracle[which].shape, fd.shape, `${msg} ${which} shape`);
          assertGradClose(oracle[which], fd, { rel: 1e-4, noise: fd.noise, floor: 1e-5 * naturalScale(spec, which), msg: `${msg} ${which}` });
        }
      }
    });
  }
});

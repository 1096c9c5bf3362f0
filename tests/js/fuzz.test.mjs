// Seeded property fuzz of the public JS API against the suite's independent float64 reference
// (reference.mjs; oracles and tolerances in fuzz-oracle.mjs). Every call either returns the
// reference's value within the derived tolerance, or both sides reject it: cossim throws an
// Error (never a WebAssembly.RuntimeError) where the reference raises (with Keras's message text
// where the reference knows it). After every error, the documentation example (-0.5) is
// checked as a canary. Entry points: the loss (Keras 2 and 3, every reduction, weights, axes,
// dtypes), the function form, similarity(), valueAndGradient() (against central finite
// differences of the reference), the metric (update/result sequences), pairwise() and topK();
// inputs as numbers, nested arrays, Float32Array, Float64Array, {data, shape} and heap tensors.
//
// COSSIM_FUZZ_CALLS (default 50000) scales the number of calls; COSSIM_SEED replays a run;
// COSSIM_FUZZ_CASE=i runs case i alone and prints it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim } from './harness.mjs';
import {
  RefError, RefMetric, REDUCTIONS, K3_REDUCTIONS, asTensor, caseSeed, chance, masterSeed, mulberry32,
  numel, pick, randInt, randValue, refGradientFD, refLoss, refLossK3, refPerSample, refPerSampleK3,
} from './reference.mjs';
import {
  UNIT, asResult, checkTopK, compareResult, perSampleErrorCoeff, refPairwise, tolerances, weightMass,
} from './fuzz-oracle.mjs';
import { DOC } from './edges-checks.mjs';

const { CosineSimilarity, losses, similarity, pairwise, topK, alloc, metrics } = cossim;
const CALLS = Number(process.env.COSSIM_FUZZ_CALLS || 50000);
const ONLY = process.env.COSSIM_FUZZ_CASE === undefined ? null : Number(process.env.COSSIM_FUZZ_CASE);
const MASTER = masterSeed('fuzz.test.mjs', 0x5eed0008);

// ------------------------------------------------------------------ generation --

function genDim(rng) {
  return chance(rng, 0.07) ? 0 : randInt(rng, 1, 4);
}

function genShape(rng, rank) {
  return Array.from({ length: rank }, () => genDim(rng));
}

/** Values: well-conditioned (|x| >= 5e-4), sometimes all zero, rarely a NaN or an Inf. */
function genValues(rng, shape, { specials = true } = {}) {
  const n = numel(shape);
  const scale = 10 ** (rng() * 4 - 2);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = randValue(rng, scale);
  if (n && chance(rng, 0.05)) data.fill(0);
  else if (n && chance(rng, 0.15)) {  // one zero row (the last dim) when there are rows
    const d = shape[shape.length - 1] || 1;
    const r = randInt(rng, 0, Math.max(0, n / d - 1));
    data.fill(0, r * d, r * d + d);
  }
  if (specials && n && chance(rng, 0.03)) data[randInt(rng, 0, n - 1)] = pick(rng, [NaN, Infinity, -Infinity]);
  return { data, shape: [...shape] };
}

function positiveWeights(rng, shape) {
  const n = numel(shape);
  const scale = 10 ** (rng() * 2 - 1);
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = chance(rng, 0.1) ? 0 : Math.abs(randValue(rng, scale));
  return { data, shape: [...shape] };
}

function mixedWeights(rng, shape) {
  return chance(rng, 0.6) ? positiveWeights(rng, shape) : genValues(rng, shape, { specials: false });
}

function nest(data, shape) {
  if (shape.length === 0) return data[0];
  let k = 0;
  const build = (depth) => {
    const out = [];
    for (let i = 0; i < shape[depth]; i++) out.push(depth === shape.length - 1 ? data[k++] : build(depth + 1));
    return out;
  };
  return build(0);
}

/**
 * A form of the tensor t as cossim accepts it. heaps: a list that collects heap tensors (disposed
 * after the case). Returns { x, data } where data is what the reference must see (the values
 * as stored: float32 forms round them).
 */
function genForm(rng, t, heaps, { allowHeap = true } = {}) {
  const { shape } = t;
  const nestable = shape.every((d, i) => d > 0 || i === shape.length - 1);
  const forms = ['obj32', 'obj64', 'objArr'];
  if (nestable) forms.push('nested', 'nested');
  if (shape.length === 1) forms.push('typed32', 'typed64');
  if (shape.length === 0) forms.push('number');
  if (allowHeap) forms.push('heap32', 'heap64');
  const f = pick(rng, forms);
  const f32 = Float32Array.from(t.data);
  const r32 = { data: Float64Array.from(f32), shape: [...shape] };
  switch (f) {
    case 'number': return { x: t.data[0], ref: t, form: f };
    case 'nested': return { x: nest(Array.from(t.data), shape), ref: t, form: f };
    case 'objArr': return { x: { data: Array.from(t.data), shape: [...shape] }, ref: t, form: f };
    case 'obj64': return { x: { data: Float64Array.from(t.data), shape: [...shape] }, ref: t, form: f, f64: true };
    case 'typed32': return { x: f32, ref: r32, form: f };
    case 'typed64': return { x: Float64Array.from(t.data), ref: t, form: f, f64: true };
    case 'heap32':
    case 'heap64': {
      const h = alloc(shape, f === 'heap64' ? 'float64' : 'float32');
      heaps.push(h);
      h.data.set(t.data);
      return { x: h, ref: f === 'heap64' ? t : r32, form: f, f64: f === 'heap64' };
    }
    default: return { x: { data: f32, shape: [...shape] }, ref: r32, form: 'obj32' };
  }
}

/** Shapes of (y_true, y_pred): equal, broadcast, squeezable, rank-shifted or unrelated. */
function genShapePair(rng) {
  if (chance(rng, 0.05)) {  // longer rows: the kernels' blocked paths
    const s = [randInt(rng, 1, 3), randInt(rng, 5, 300)];
    return [s, [...s]];
  }
  const base = genShape(rng, randInt(rng, 0, 3));
  const v = rng();
  if (v < 0.55) return [base, [...base]];
  if (v < 0.7) {
    const a = [...base];
    const b = [...base];
    for (let i = 0; i < base.length; i++) if (chance(rng, 0.4)) (chance(rng, 0.5) ? a : b)[i] = 1;
    return [a, b];
  }
  if (v < 0.8) return chance(rng, 0.5) ? [base, [...base, 1]] : [[...base, 1], base];
  if (v < 0.88) return chance(rng, 0.5) ? [base, base.slice(1)] : [base.slice(1), base];
  return [base, genShape(rng, randInt(rng, 0, 3))];
}

function genAxis(rng, rank) {
  const v = rng();
  if (v < 0.5) return undefined;
  if (v < 0.65) return -1;
  if (v < 0.85) return randInt(rng, -rank - 1, rank);
  const n = randInt(rng, 1, 2);
  return Array.from({ length: n }, () => randInt(rng, -Math.max(rank, 1), Math.max(rank, 1) - 1));
}

/** A weight shape against the per-sample loss shape `ls`. */
function genWeightShape(rng, ls) {
  const v = rng();
  if (v < 0.4) return [...ls];
  if (v < 0.55) return ls.map((d) => (chance(rng, 0.5) ? 1 : d));
  if (v < 0.7) return [...ls, 1];
  if (v < 0.8) return ls.slice(0, -1);
  if (v < 0.85) return [...ls, 2];
  if (v < 0.9) return [];
  return genShape(rng, randInt(rng, 1, 2));
}

// ---------------------------------------------------------------- bookkeeping --

const stats = {};
const disagreements = [];
let calls = 0;
let canaries = 0;

function stat(kind) {
  stats[kind] ??= { calls: 0, values: 0, agreedErrors: 0, disagreements: 0 };
  return stats[kind];
}

function disagree(kind, index, what, input) {
  // The first few of each kind are kept for the report.
  if (stat(kind).disagreements++ < 5) disagreements.push(`case ${index} (${kind}): ${what}${input ? ` | ${input}` : ''}`);
}

function canary(index, after) {
  canaries++;
  let got;
  try {
    got = new CosineSimilarity({ axis: 1 }).call(DOC.yTrue, DOC.yPred);
  } catch (e) {
    got = e;
  }
  if (typeof got !== 'number' || Math.abs(got - DOC.value) > 1e-6) {
    disagree('canary', index, `after ${after}: the documentation example gave ${got?.message ?? got}`);
    return false;
  }
  return true;
}

// Runs cossim's side. -> { value } | { error }
function attempt(fn) {
  calls++;
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

// A rejection the reference decides without a Keras message to compare.
function refused(kind, message) {
  const e = new RefError(kind, message);
  e.expect = null;
  return e;
}

function refAttempt(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    if (error instanceof RefError) return { error };
    throw error;
  }
}

const brief = (x) => JSON.stringify(x, (k, v) => (ArrayBuffer.isView(v) ? `${v.constructor.name}(${Array.from(v).slice(0, 8)})` : v))?.slice(0, 400);

/**
 * The agreement rule. got/ref: attempt()/refAttempt() results. compare(value, refValue) returns
 * null or a mismatch. Returns true when the case agreed.
 */
function judge(kind, index, got, ref, compare, input) {
  const s = stat(kind);
  s.calls++;
  if ('error' in got) {
    const e = got.error;
    const ok = canary(index, `${kind}: ${e?.message}`);
    if (e instanceof WebAssembly.RuntimeError) {
      disagree(kind, index, `a WebAssembly trap: ${e.message}`, input);
      return false;
    }
    if (!(e instanceof Error)) {
      disagree(kind, index, `threw a non-Error ${String(e)}`, input);
      return false;
    }
    if (!('error' in ref)) {
      disagree(kind, index, `cossim threw ${e.constructor.name}: ${e.message}; the reference gives ${brief(ref.value)}`, input);
      return false;
    }
    // Keras's message where the reference knows it. When both operands have a bad axis, which one
    // is reported first is not a property: any of TF's two axis messages will do.
    const expect = ref.error.kind === 'axis' ? 'Invalid reduction' : ref.error.expect;
    if (typeof expect === 'string' && ref.error.kind !== 'broadcast_to' && !e.message.includes(expect)) {
      disagree(kind, index, `message ${JSON.stringify(e.message)} lacks the reference's ${JSON.stringify(expect)}`, input);
      return false;
    }
    s.agreedErrors++;
    return ok;
  }
  if ('error' in ref) {
    disagree(kind, index, `cossim returned ${brief(got.value)}; the reference raises ${ref.error.message}`, input);
    return false;
  }
  const why = compare(got.value, ref.value);
  if (why) {
    disagree(kind, index, why, input);
    return false;
  }
  s.values++;
  return true;
}

// ------------------------------------------------------------------ entry points --

function maxNumel(...shapes) {
  return Math.max(1, ...shapes.map(numel));
}

function lossCase(rng, index, heaps) {
  const flavor = chance(rng, 0.3) ? 'keras3' : 'keras2';
  const [st, sp] = genShapePair(rng);
  const axis = genAxis(rng, Math.max(st.length, sp.length));
  const reduction = flavor === 'keras3'
    ? (chance(rng, 0.03) ? 'auto' : pick(rng, [undefined, ...K3_REDUCTIONS]))
    : (chance(rng, 0.03) ? 'mean' : pick(rng, [undefined, ...REDUCTIONS]));
  const yt = genForm(rng, genValues(rng, st), heaps);
  const yp = genForm(rng, genValues(rng, sp), heaps);
  const explicitDtype = flavor === 'keras3' && chance(rng, 0.3) ? pick(rng, ['float32', 'float64']) : undefined;
  const dtype = explicitDtype ?? (yp.f64 ? 'float64' : 'float32');
  // The weight: none, a number, or a tensor shaped against the per-sample loss.
  let w;
  let wRef;
  const wv = rng();
  if (wv < 0.45) {
    w = undefined;
  } else {
    let ls = st;
    try {
      ls = (flavor === 'keras3' ? refPerSampleK3 : refPerSample)({ yTrue: yt.ref, yPred: yp.ref, axis: axis ?? -1, dtype }).shape;
    } catch (e) {
      if (!(e instanceof RefError)) throw e;
    }
    const positive = flavor === 'keras3' && reduction === 'mean_with_sample_weight';
    if (wv < 0.6) {
      const t = positive ? positiveWeights(rng, []) : mixedWeights(rng, []);
      w = t.data[0];
      wRef = w;
    } else {
      const t = (positive ? positiveWeights : mixedWeights)(rng, genWeightShape(rng, ls));
      const f = genForm(rng, t, heaps);
      w = f.x;
      wRef = f.ref;
    }
  }
  const options = { flavor };
  if (axis !== undefined) options.axis = axis;
  if (reduction !== undefined) options.reduction = reduction;
  if (explicitDtype) options.dtype = explicitDtype;
  if (flavor === 'keras2' && chance(rng, 0.5)) delete options.flavor;
  // undefined: the flavour's default; null is Keras 3's None (= 'none'), kept as is.
  const red = reduction === undefined ? (flavor === 'keras3' ? 'sum_over_batch_size' : 'auto') : reduction;
  const ref = refAttempt(() => (flavor === 'keras3'
    ? refLossK3({ yTrue: yt.ref, yPred: yp.ref, sampleWeight: wRef, axis: axis ?? -1, reduction: red, dtype })
    : refLoss({ yTrue: yt.ref, yPred: yp.ref, sampleWeight: wRef, axis: axis ?? -1, reduction: red, dtype })));
  const got = attempt(() => new CosineSimilarity(options).call(yt.x, yp.x, w));
  const d = maxNumel(st, sp);
  judge(`loss ${flavor}`, index, got, ref, (value, refValue) => {
    const loss = (flavor === 'keras3' ? refPerSampleK3 : refPerSample)({ yTrue: yt.ref, yPred: yp.ref, axis: axis ?? -1, dtype });
    const mass = weightMass({ flavor, loss, sampleWeight: wRef, reduction: red, dtype });
    const r = asResult(refValue);
    return compareResult(value, r, tolerances(r, mass, dtype, d));
  }, `${flavor} ${JSON.stringify(options)} y_true ${yt.form}[${st}] y_pred ${yp.form}[${sp}] w ${w === undefined ? '-' : brief(wRef)}`);
}

function functionFormCase(rng, index, heaps) {
  const [st, sp] = genShapePair(rng);
  const axis = genAxis(rng, Math.max(st.length, sp.length));
  const yt = genForm(rng, genValues(rng, st), heaps);
  const yp = genForm(rng, genValues(rng, sp), heaps);
  const dtype = yp.f64 ? 'float64' : 'float32';
  // keras.losses.cosine_similarity: no squeeze rule (keras-semantics.md §1.1).
  const ref = refAttempt(() => refPerSample({ yTrue: yt.ref, yPred: yp.ref, axis: axis ?? -1, dtype, squeeze: false }));
  const got = attempt(() => (axis === undefined ? losses.cosineSimilarity(yt.x, yp.x) : losses.cosineSimilarity(yt.x, yp.x, axis)));
  judge('function form', index, got, ref, (value, r) => compareResult(value, r, tolerances(r, 1, dtype, maxNumel(st, sp))),
    `axis ${JSON.stringify(axis)} y_true ${yt.form}[${st}] y_pred ${yp.form}[${sp}]`);
}

function similarityCase(rng, index, heaps) {
  const [st, sp] = genShapePair(rng);
  const axis = genAxis(rng, Math.max(st.length, sp.length));
  const a = genForm(rng, genValues(rng, st), heaps);
  const b = genForm(rng, genValues(rng, sp), heaps);
  const dtype = b.f64 ? 'float64' : 'float32';
  const ref = refAttempt(() => {
    const s = refPerSample({ yTrue: a.ref, yPred: b.ref, axis: axis ?? -1, dtype });
    return { data: s.data.map((v) => -v), shape: s.shape };
  });
  const got = attempt(() => (axis === undefined ? similarity(a.x, b.x) : similarity(a.x, b.x, { axis })));
  judge('similarity', index, got, ref, (value, r) => compareResult(value, r, tolerances(r, 1, dtype, maxNumel(st, sp))),
    `axis ${JSON.stringify(axis)} a ${a.form}[${st}] b ${b.form}[${sp}]`);
}

function gradientCase(rng, index, heaps) {
  const flavor = chance(rng, 0.3) ? 'keras3' : 'keras2';
  let [st, sp] = genShapePair(rng);
  if (numel(st) > 12 || numel(sp) > 12) [st, sp] = [[2, 3], [2, 3]];
  const axis = genAxis(rng, Math.max(st.length, sp.length));
  const reduction = pick(rng, flavor === 'keras3' ? [undefined, 'sum', 'none', 'mean'] : [undefined, ...REDUCTIONS]);
  const red = reduction === undefined ? (flavor === 'keras3' ? 'sum_over_batch_size' : 'auto') : reduction;
  const f64 = chance(rng, 0.5);
  // Smooth points only: no zero vectors (the eps floor is a kink), no NaN/Inf; float32 cases
  // get values that float32 holds exactly, so the FD reference sees what cossim sees.
  const vals = (shape) => {
    const t = genValues(rng, shape, { specials: false });
    for (let i = 0; i < t.data.length; i++) {
      if (t.data[i] === 0) t.data[i] = randValue(rng, 1);
      if (!f64) t.data[i] = Math.fround(t.data[i]);
    }
    return t;
  };
  const tT = vals(st);
  const tP = vals(sp);
  const mk = (t) => (f64 ? { data: Float64Array.from(t.data), shape: [...t.shape] } : { data: Float32Array.from(t.data), shape: [...t.shape] });
  const yt = mk(tT);
  const yp = mk(tP);
  const dtype = f64 ? 'float64' : 'float32';
  let w;
  if (chance(rng, 0.4)) {
    w = positiveWeights(rng, chance(rng, 0.5) ? [] : [st[0] ?? 1]);
    if (!f64) w.data = w.data.map(Math.fround);
  }
  const wrt = pick(rng, ['yPred', 'yTrue', 'both', undefined]);
  const refOpts = { flavor, yTrue: tT, yPred: tP, sampleWeight: w, axis: axis ?? -1, reduction: red };
  const value = refAttempt(() => (flavor === 'keras3'
    ? refLossK3({ ...refOpts, dtype }) : refLoss({ ...refOpts, dtype })));
  let dy;
  if (!('error' in value) && chance(rng, 0.5)) {
    const out = asResult(value.value);
    dy = typeof value.value === 'number' ? randValue(rng, 2) : { data: Float64Array.from(out.data, () => randValue(rng, 2)), shape: [...out.shape] };
    if (!f64 && typeof dy === 'number') dy = Math.fround(dy);
    else if (!f64) dy.data = dy.data.map(Math.fround);
  }
  const options = {};
  if (wrt) options.wrt = wrt;
  if (dy !== undefined) options.dy = dy;
  const lossOptions = { flavor };
  if (axis !== undefined) lossOptions.axis = axis;
  if (reduction !== undefined) lossOptions.reduction = reduction;
  const got = attempt(() => new CosineSimilarity(lossOptions).valueAndGradient(yt, yp, w === undefined ? undefined : { data: w.data, shape: w.shape }, options));
  const rel = f64 ? 1e-6 : 4e-6;
  judge(`gradient ${flavor}`, index, got, value, (res) => {
    const v = asResult(value.value);
    const mass = weightMass({
      flavor,
      loss: (flavor === 'keras3' ? refPerSampleK3 : refPerSample)({ yTrue: tT, yPred: tP, axis: axis ?? -1, dtype }),
      sampleWeight: w, reduction: red, dtype,
    });
    const whyValue = compareResult(res.value, v, tolerances(v, mass, dtype, maxNumel(st, sp)));
    if (whyValue) return `value: ${whyValue}`;
    const which = wrt === 'both' ? ['yTrue', 'yPred'] : [wrt ?? 'yPred'];
    for (const side of which) {
      const g = wrt === 'both' ? res.gradient[side] : res.gradient;
      const fd = refGradientFD({ ...refOpts, dy }, side);
      if (!g || g.data.length !== fd.data.length) return `d/d${side}: length ${g?.data?.length} vs ${fd.data.length}`;
      let maxAbs = 0;
      for (const x of fd.data) maxAbs = Math.max(maxAbs, Math.abs(x));
      for (let i = 0; i < fd.data.length; i++) {
        const tol = rel * (Math.abs(fd.data[i]) + maxAbs) + 10 * fd.noise[i] + 1e-300;
        if (!(Math.abs(g.data[i] - fd.data[i]) <= tol)) {
          return `d/d${side}[${i}]: ${g.data[i]} vs finite differences ${fd.data[i]} (tol ${tol.toExponential(3)})`;
        }
      }
    }
    return null;
  }, `${flavor} ${JSON.stringify(lossOptions)} ${JSON.stringify(options.wrt)} dy ${brief(dy)} [${st}] [${sp}] ${dtype}`);
}

function metricCase(rng, index, heaps) {
  const flavor = chance(rng, 0.3) ? 'keras3' : 'keras2';
  const dtype = chance(rng, 0.3) ? 'float64' : 'float32';
  const axisRank = randInt(rng, 1, 3);
  const axis = chance(rng, 0.7) ? undefined : genAxis(rng, axisRank) ?? -1;
  const options = {};
  if (flavor === 'keras3') options.flavor = flavor;
  if (dtype !== 'float32') options.dtype = dtype;
  if (axis !== undefined) options.axis = axis;
  const m = new metrics.CosineSimilarity(options);
  const refM = new RefMetric({ axis: axis ?? -1, dtype, flavor });
  const updates = randInt(rng, 1, 3);
  let d = 1;
  for (let u = 0; u < updates; u++) {
    const [st, sp] = genShapePair(rng);
    d = Math.max(d, maxNumel(st, sp));
    const yt = genForm(rng, genValues(rng, st), heaps);
    const yp = genForm(rng, genValues(rng, sp), heaps);
    let w;
    let wRef;
    if (chance(rng, 0.4)) {
      const wt = positiveWeights(rng, chance(rng, 0.3) ? [] : genWeightShape(rng, st.slice(0, -1)));
      const f = genForm(rng, wt, heaps);
      w = f.x;
      wRef = f.ref;
    }
    const before = m.getState();
    const got = attempt(() => m.updateState(yt.x, yp.x, w));
    const ref = refAttempt(() => refM.updateState(yt.ref, yp.ref, wRef));
    const input = `${JSON.stringify(options)} update ${u}: [${st}] [${sp}] w ${brief(wRef)}`;
    if (!judge(`metric ${flavor}`, index, got, ref, () => null, input)) return;
    if ('error' in got) {
      const after = m.getState();
      if (!Object.is(after.total, before.total) || !Object.is(after.count, before.count)) {
        disagree(`metric ${flavor}`, index, 'a rejected update changed the state', input);
        return;
      }
    }
    const r = attempt(() => m.result());
    const u0 = UNIT[dtype];
    const mag = refM.countAbs === 0 ? 0 : refM.countAbs / Math.abs(refM.count);
    const want = refM.result();
    const tol = u0 * Math.abs(want) + 2 * perSampleErrorCoeff(dtype, d) * u0 * mag + 1e-300;
    judge(`metric ${flavor} result`, index, r, { value: want }, (value) => compareResult(value, want, [tol]), input);
  }
}

function genMatrix(rng, rows, d, heaps, dupFrom = null) {
  const t = genValues(rng, [rows, d]);
  if (dupFrom && rows > 1 && d > 0 && chance(rng, 0.5)) {  // duplicate rows: exact ties
    const i = randInt(rng, 0, rows - 1);
    const j = randInt(rng, 0, rows - 1);
    t.data.copyWithin(i * d, j * d, j * d + d);
  }
  return genForm(rng, t, heaps);
}

function pairwiseCase(rng, index, heaps) {
  const m = randInt(rng, 0, 5);
  const n = randInt(rng, 0, 5);
  let d = chance(rng, 0.1) ? randInt(rng, 7, 40) : randInt(rng, 0, 6);
  const a = genMatrix(rng, m, d, heaps);
  if (chance(rng, 0.05)) d += 1;  // feature dims differ
  let b = genMatrix(rng, n, d, heaps, true);
  if (chance(rng, 0.04)) b = genForm(rng, genValues(rng, [n * d]), heaps);  // rank 1: refused
  const dtype = b.f64 ? 'float64' : 'float32';  // the one dtype rule: the second operand decides
  const shapes = [asTensor(a.ref).shape, asTensor(b.ref).shape];
  const ref = refAttempt(() => {
    if (shapes[0].length !== 2 || shapes[1].length !== 2 || shapes[0][1] !== shapes[1][1]) {
      throw refused('search', `pairwise shapes [${shapes[0]}] and [${shapes[1]}]`);
    }
    return refPairwise(a.ref, b.ref, dtype);
  });
  const got = attempt(() => pairwise(a.x, b.x));
  judge('pairwise', index, got, ref, (value, r) => compareResult(value, r, tolerances(r, 1, dtype, Math.max(d, 1))),
    `a ${a.form}[${shapes[0]}] b ${b.form}[${shapes[1]}]`);
}

function topKCase(rng, index, heaps) {
  const n = randInt(rng, 0, 8);
  let d = chance(rng, 0.1) ? randInt(rng, 7, 40) : randInt(rng, 1, 6);
  const matrix = chance(rng, 0.5);
  const q = matrix ? randInt(rng, 0, 3) : 1;
  const qt = genValues(rng, matrix ? [q, d] : [d]);
  const query = genForm(rng, qt, heaps);
  if (chance(rng, 0.05)) d += 1;
  const table = genMatrix(rng, n, d, heaps, true);
  let k = chance(rng, 0.2) ? randInt(rng, n, n + 5) : randInt(rng, 0, n);
  if (chance(rng, 0.03)) k = pick(rng, [-1, 1.5, NaN, '2']);
  const dtype = table.f64 ? 'float64' : 'float32';  // the one dtype rule: the second operand decides
  const tShape = asTensor(table.ref).shape;
  const qShape = asTensor(query.ref).shape;
  const ref = refAttempt(() => {
    if (!(typeof k === 'number' && Number.isInteger(k) && k >= 0)) throw refused('k', `k ${k}`);
    if (tShape[1] !== qShape[qShape.length - 1]) throw refused('search', 'feature dims differ');
    const q2 = matrix ? query.ref : { data: asTensor(query.ref).data, shape: [1, d] };
    const s = refPairwise(q2, table.ref, dtype);
    const rows = [];
    for (let i = 0; i < s.shape[0]; i++) rows.push(s.data.slice(i * n, i * n + n));
    return rows;
  });
  const got = attempt(() => topK(query.x, table.x, k));
  const u = UNIT[dtype];
  const tol = u + 2 * perSampleErrorCoeff(dtype, d) * u;
  judge('topK', index, got, ref, (value, rows) => checkTopK(value, rows, n, k, matrix, tol),
    `query ${query.form}[${qShape}] table ${table.form}[${tShape}] k ${k}`);
}

// Kinds and forms that must be refused by construction (TypeError or RangeError).
const BAD = [
  () => new CosineSimilarity({ axis: 1.5 }).call([1, 2], [2, 1]),
  () => new CosineSimilarity({ axis: '0' }).call([1, 2], [2, 1]),
  () => new CosineSimilarity({ reduction: 7 }),
  () => new CosineSimilarity({ fromLogits: true }),
  () => new CosineSimilarity({ flavor: 'keras4' }),
  () => new CosineSimilarity().call({ data: [1, 2], shape: [-2] }, [1, 2]),
  () => new CosineSimilarity().call({ data: [1, 2], shape: [3] }, [1, 2]),
  () => new CosineSimilarity().call({ data: [1, 2], shape: [NaN] }, [1, 2]),
  () => new CosineSimilarity().call([[1, 2], [3]], [[1, 2], [3, 4]]),
  () => new CosineSimilarity().call(['a', 2], [1, 2]),
  () => new CosineSimilarity().call([1, 2], null),
  () => new CosineSimilarity().call([1, 2], [2, 1], 'w'),
  () => losses.cosineSimilarity([1, 2], [2, 1], 0.5),
  () => similarity([1, 2], [2, 1], { foo: 1 }),
  () => pairwise(null, [[1]]),
  () => topK([1, 2], [[1, 2]], -1),
  () => topK([1, 2], [[1, 2]], 2.5),
  () => alloc([3], 'int16'),
  () => alloc([-1]),
  () => new metrics.CosineSimilarity({ dtype: 'float16' }),
  () => new metrics.CosineSimilarity().setState({ total: 'x', count: 1 }),
  () => new CosineSimilarity().valueAndGradient([1, 2], [2, 1], undefined, { wrt: 'w' }),
];

function badCase(rng, index) {
  const i = randInt(rng, 0, BAD.length - 1);
  const got = attempt(BAD[i]);
  judge('bad input', index, got, { error: refused('kind', 'refused by construction') }, () => null, `BAD[${i}]: ${BAD[i].toString()}`);
}

const KINDS = [
  [lossCase, 34], [functionFormCase, 8], [similarityCase, 10], [gradientCase, 8], [metricCase, 10],
  [pairwiseCase, 12], [topKCase, 14], [badCase, 4],
];
const TOTAL_WEIGHT = KINDS.reduce((a, [, w]) => a + w, 0);

function runCase(index) {
  const rng = mulberry32(caseSeed(MASTER, index));
  let r = rng() * TOTAL_WEIGHT;
  let fn = KINDS[0][0];
  for (const [f, w] of KINDS) {
    if ((r -= w) < 0) { fn = f; break; }
  }
  const heaps = [];
  try {
    fn(rng, index, heaps);
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) disagree('harness', index, `a trap outside a checked call: ${e.message}`);
    else disagree('harness', index, `${e?.constructor?.name}: ${e?.message}\n${e?.stack}`);
  } finally {
    for (const h of heaps) h.dispose();
  }
}

test(`property fuzz: >= ${CALLS} calls against the float64 reference`, { timeout: 600000 }, () => {
  const started = Date.now();
  if (ONLY !== null) {
    runCase(ONLY);
    console.log(`# case ${ONLY}: ${JSON.stringify(stats)}\n${disagreements.join('\n')}`);
  } else {
    let index = 0;
    while (calls < CALLS) runCase(index++);
    const seconds = (Date.now() - started) / 1000;
    console.log(`# fuzz (${cossim.backend()}): ${index} cases, ${calls} calls, ${canaries} canaries, ${seconds.toFixed(1)} s, master seed ${MASTER}`);
  }
  for (const [kind, s] of Object.entries(stats).sort()) {
    console.log(`#   ${kind.padEnd(22)} calls ${String(s.calls).padStart(6)}  values ${String(s.values).padStart(6)}  agreed errors ${String(s.agreedErrors).padStart(5)}  disagreements ${s.disagreements}`);
  }
  const total = Object.values(stats).reduce((a, s) => a + s.disagreements, 0);
  assert.equal(total, 0, `${total} disagreements with the reference (up to 5 of each kind; replay one with COSSIM_SEED=${MASTER} COSSIM_FUZZ_CASE=<case>):\n${disagreements.join('\n')}`);
});

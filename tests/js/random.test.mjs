// Seeded random cases against the independent reference (reference.mjs).
// Seed: env COSSIM_SEED (integer) or the fixed default below. Every failure
// message starts with "[COSSIM_SEED=<seed> case <i>]" and a JSON description,
// so `COSSIM_SEED=<seed> node --test --test-name-pattern="#<i> " ...` reproduces it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkCase } from './harness.mjs';
import {
  mulberry32, caseSeed, randInt, pick, chance, randValue, randomTensor, refPerSample,
  resolveAxes, forEachVector, numel, RefError, shuffle, masterSeed,
} from './reference.mjs';

const DEFAULT_SEED = 0xc05517;
const MASTER = masterSeed('random.test.mjs', DEFAULT_SEED);

const COUNTS = {
  'same-shape': 260,
  broadcast: 200,
  squeeze: 80,
  'weights-invalid': 50,
  'shapes-invalid': 60,
  'axis-invalid': 50,
  special: 60,
};

// ------------------------------------------------------------ generators --

function randShape(rng, rank, maxDim = 4) {
  const s = [];
  for (let i = 0; i < rank; i++) s.push(randInt(rng, 1, maxDim));
  return s;
}

/** A valid axis for operands of ranks rMin <= rMax (undefined = default -1). */
function genAxis(rng, rMin, rMax) {
  const u = rng();
  if (u < 0.2) return undefined;
  if (u < 0.6) {
    const a = randInt(rng, 1, rMin); // -a
    return -a;
  }
  if (u < 0.8) {
    // positive int; with different ranks it names different dims (allowed)
    return randInt(rng, 0, rMin - 1);
  }
  // list of distinct axes, negative (right-aligned) or, for equal ranks, mixed
  const k = randInt(rng, 1, rMin);
  const chosen = shuffle(rng, Array.from({ length: rMin }, (_, i) => -(i + 1))).slice(0, k);
  return chosen.map((a) => (rMin === rMax && chance(rng, 0.5) ? a + rMax : a));
}

function makeValues(rng, shape, axis) {
  const t = randomTensor(rng, shape);
  // whole "vectors" (over this operand's own axes) zero or tiny
  let axes = null;
  try {
    axes = resolveAxes(axis ?? -1, shape.length);
  } catch {
    axes = null;
  }
  if (axes && shape.length > 0) {
    forEachVector(t, axes, (idx) => {
      const u = rng();
      if (u < 0.08) for (const f of idx) t.data[f] = 0;
      else if (u < 0.13) for (const f of idx) t.data[f] = randValue(rng, 1e-8);
    });
  }
  // a few exact zeros inside vectors
  if (chance(rng, 0.2)) for (let i = 0; i < t.data.length; i++) if (chance(rng, 0.2)) t.data[i] = 0;
  return t;
}

/** Wraps reference data in one of the accepted tensor-like containers. */
function container(rng, t, kinds) {
  const kind = pick(rng, kinds);
  switch (kind) {
    case 'f32':
      return { kind, value: { data: Float32Array.from(t.data), shape: [...t.shape] } };
    case 'f64':
      return { kind, value: { data: Float64Array.from(t.data), shape: [...t.shape] } };
    case 'array':
      return { kind, value: { data: Array.from(t.data), shape: [...t.shape] } };
    case 'nested': {
      const build = (off, dim) => {
        if (dim === t.shape.length) return t.data[off];
        const stride = numel(t.shape.slice(dim + 1));
        return Array.from({ length: t.shape[dim] }, (_, i) => build(off + i * stride, dim + 1));
      };
      // nested arrays cannot express a 0-size dim followed by others; fall back
      if (t.shape.length === 0 || t.shape.slice(0, -1).some((d) => d === 0)) {
        return { kind: 'array', value: { data: Array.from(t.data), shape: [...t.shape] } };
      }
      return { kind, value: build(0, 0) };
    }
    case 'raw32':
      if (t.shape.length === 1) return { kind, value: Float32Array.from(t.data) };
      return { kind: 'f32', value: { data: Float32Array.from(t.data), shape: [...t.shape] } };
    default:
      throw new Error(kind);
  }
}

function operands(rng, dtype, tShape, pShape, axis) {
  const tv = makeValues(rng, tShape, axis);
  const pv = makeValues(rng, pShape, axis);
  // sometimes y_pred is a (scaled, possibly negated) copy of y_true
  if (tShape.join() === pShape.join() && chance(rng, 0.1)) {
    const c = (chance(rng, 0.5) ? -1 : 1) * 10 ** (rng() * 2 - 1);
    pv.data = tv.data.map((v) => v * c);
  }
  const predKinds = dtype === 'float64' ? ['f64'] : ['f32', 'array', 'nested', 'raw32'];
  const yTrue = container(rng, tv, ['f32', 'f64', 'array', 'nested', 'raw32']);
  const yPred = container(rng, pv, predKinds);
  return { yTrue, yPred };
}

function lossShapeOf(yTrue, yPred, axis) {
  try {
    return refPerSample({ yTrue, yPred, axis: axis ?? -1 }).shape;
  } catch (e) {
    if (e instanceof RefError) return null;
    throw e;
  }
}

function weightTensor(rng, shape, kinds) {
  const data = Array.from({ length: numel(shape) }, () => (chance(rng, 0.1) ? 0 : (chance(rng, 0.15) ? -1 : 1) * 2 * rng()));
  return container(rng, { data: Float64Array.from(data), shape }, kinds);
}

/** Weight for a loss of shape L. `invalid` asks for a probably-invalid one. */
function genWeight(rng, L, invalid = false) {
  const kinds = ['f32', 'f64', 'array', 'nested'];
  const rl = L ? L.length : 0;
  const b = rl > 0 ? L[0] : 1;
  if (invalid) {
    const opts = [
      () => weightTensor(rng, [b, randInt(rng, 2, 3)], kinds), // needs squeeze, last dim != 1 (if rl==1)
      () => weightTensor(rng, [b + randInt(rng, 1, 2)], kinds), // [b+1]
      () => weightTensor(rng, [...(L ?? []), randInt(rng, 2, 4)], kinds), // rank+1, bad last dim
      () => weightTensor(rng, randShape(rng, randInt(rng, 1, 3), 5), kinds), // anything
    ];
    const w = pick(rng, opts)();
    return { desc: `invalid ${w.kind}`, value: w.value };
  }
  const u = rng();
  if (u < 0.25) return { desc: 'none', value: undefined };
  if (u < 0.3) return { desc: 'null', value: null };
  if (u < 0.42) {
    const v = chance(rng, 0.15) ? 0 : 3 * rng();
    return { desc: `scalar ${v}`, value: v };
  }
  const shapes = [];
  if (rl >= 1) {
    shapes.push([b], [b, 1], [...L], [...L, 1], [1]);
    shapes.push([randInt(rng, 2, 3), 1, ...L]); // bigger: rank +2, no adjustment
  }
  if (rl >= 2) {
    shapes.push([b]); // expanded to [b,1]
    shapes.push([...L.slice(0, -1), 1]);
    shapes.push([randInt(rng, 2, 3), ...L]); // rank+1: squeeze of last dim (valid iff last dim is 1)
  }
  if (rl === 0) shapes.push([1], [1, 1], [2, 3]);
  const shape = pick(rng, shapes);
  const w = weightTensor(rng, shape, kinds);
  return { desc: `${w.kind} [${shape}]`, value: w.value };
}

const REDS = [undefined, 'auto', 'none', 'sum', 'sum_over_batch_size', 'none'];

function finish(rng, category, dtype, tShape, pShape, axis, { invalidWeight = false } = {}) {
  const { yTrue, yPred } = operands(rng, dtype, tShape, pShape, axis);
  const L = lossShapeOf(yTrue.value, yPred.value, axis);
  const w = genWeight(rng, L, invalidWeight);
  const reduction = pick(rng, REDS);
  return {
    yTrue: yTrue.value,
    yPred: yPred.value,
    sampleWeight: w.value,
    axis,
    reduction,
    desc: {
      category, dtype, yTrue: `${yTrue.kind} [${tShape}]`, yPred: `${yPred.kind} [${pShape}]`,
      axis, reduction, weight: w.desc,
    },
  };
}

const GEN = {
  'same-shape'(rng, dtype) {
    const r = randInt(rng, 1, 4);
    const s = randShape(rng, r, r >= 3 ? 4 : 6);
    return finish(rng, 'same-shape', dtype, s, s, genAxis(rng, r, r));
  },
  broadcast(rng, dtype) {
    const pattern = pick(rng, ['1d-nd', 'pairwise', 'd-nd', 'random', 'random']);
    let a;
    let b;
    let axis;
    if (pattern === '1d-nd') {
      const n = randInt(rng, 2, 6);
      const d = randInt(rng, 1, 6);
      [a, b] = [[1, d], [n, d]];
      axis = pick(rng, [undefined, -1, 1]);
    } else if (pattern === 'pairwise') {
      const m = randInt(rng, 1, 4);
      const n = randInt(rng, 1, 4);
      const d = randInt(rng, 1, 5);
      [a, b] = [[m, 1, d], [1, n, d]];
      axis = pick(rng, [undefined, -1, 2]);
    } else if (pattern === 'd-nd') {
      const n = randInt(rng, 1, 5);
      const d = randInt(rng, 2, 6);
      [a, b] = [[d], [n, d]];
      axis = pick(rng, [undefined, -1]);
    } else {
      const r = randInt(rng, 1, 4);
      const base = randShape(rng, r, 4);
      const variant = () => {
        let s = base.map((d) => (chance(rng, 0.3) ? 1 : d));
        if (chance(rng, 0.3)) s = s.slice(randInt(rng, 1, r));
        return s;
      };
      a = variant();
      b = variant();
      const rMin = Math.min(a.length, b.length);
      axis = rMin === 0 ? undefined : genAxis(rng, rMin, Math.max(a.length, b.length)); // rank 0 raises
    }
    if (chance(rng, 0.5)) [a, b] = [b, a];
    return finish(rng, `broadcast/${pattern}`, dtype, a, b, axis);
  },
  squeeze(rng, dtype) {
    const r = randInt(rng, 1, 3);
    const s = randShape(rng, r, 5);
    const big = [...s, 1];
    const [a, b] = chance(rng, 0.5) ? [s, big] : [big, s];
    return finish(rng, 'squeeze', dtype, a, b, genAxis(rng, r, r));
  },
  'weights-invalid'(rng, dtype) {
    const r = randInt(rng, 1, 3);
    const s = randShape(rng, r, 4).map((d) => Math.max(d, 2));
    return finish(rng, 'weights-invalid', dtype, s, s, pick(rng, [undefined, -1]), { invalidWeight: true });
  },
  'shapes-invalid'(rng, dtype) {
    const r = randInt(rng, 1, 4);
    const a = randShape(rng, r, 4).map((d) => Math.max(d, 2));
    const b = [...a];
    const i = randInt(rng, 0, r - 1);
    b[i] = a[i] + randInt(rng, 1, 2); // both > 1 and different
    let bb = b;
    if (chance(rng, 0.3) && r > 1) bb = b.slice(randInt(rng, 0, i)); // keep the clash
    return finish(rng, 'shapes-invalid', dtype, a, bb, chance(rng, 0.5) ? undefined : -1);
  },
  'axis-invalid'(rng, dtype) {
    const r = randInt(rng, 0, 3);
    const s = randShape(rng, r, 4);
    let axis;
    const u = rng();
    if (r === 0) axis = pick(rng, [undefined, -1, 0, [0]]);
    else if (u < 0.35) axis = chance(rng, 0.5) ? r + randInt(rng, 0, 2) : -r - randInt(rng, 1, 2);
    else if (u < 0.7) {
      const a = randInt(rng, 0, r - 1);
      axis = shuffle(rng, [a, chance(rng, 0.5) ? a : a - r]);
    } else axis = [randInt(rng, -r, r - 1), chance(rng, 0.5) ? r : -r - 1];
    return finish(rng, 'axis-invalid', dtype, s, s, axis);
  },
  special(rng, dtype) {
    // empty batches, NaN/Inf, single-element vectors
    const u = rng();
    if (u < 0.35) {
      const d = randInt(rng, 1, 4);
      const shape = chance(rng, 0.5) ? [0, d] : [randInt(rng, 1, 3), 0, d];
      const other = chance(rng, 0.5) ? shape : shape.map((x, i) => (i === 0 && x === 0 ? 1 : x));
      return finish(rng, 'special/empty', dtype, shape, other, pick(rng, [undefined, -1]));
    }
    if (u < 0.75) {
      const r = randInt(rng, 1, 3);
      const s = randShape(rng, r, 4);
      const c = finish(rng, 'special/nan-inf', dtype, s, s, pick(rng, [undefined, -1, 0]));
      const target = chance(rng, 0.5) ? c.yTrue : c.yPred;
      const data = ArrayBuffer.isView(target) ? target : Array.isArray(target) ? null : target.data;
      if (data) {
        data[randInt(rng, 0, data.length - 1)] = pick(rng, [NaN, Infinity, -Infinity]);
        c.desc.category += '+poisoned';
      }
      return c;
    }
    const r = randInt(rng, 1, 3);
    const s = [...randShape(rng, r - 1, 4), 1];
    return finish(rng, 'special/len1', dtype, s, s, undefined);
  },
};

// ----------------------------------------------------------------- tests --

let index = 0;
let total = 0;
for (const [category, count] of Object.entries(COUNTS)) {
  describe(`random: ${category}`, () => {
    for (let k = 0; k < count; k++) {
      const i = index++;
      const rng = mulberry32(caseSeed(MASTER, i));
      const dtype = chance(rng, 0.5) ? 'float32' : 'float64';
      const c = GEN[category](rng, dtype);
      const msg = `[COSSIM_SEED=${MASTER} case ${i}] ${JSON.stringify(c.desc)}`;
      total++;
      test(`#${i} ${c.desc.category} ${dtype}`, () => {
        checkCase({
          yTrue: c.yTrue, yPred: c.yPred, sampleWeight: c.sampleWeight,
          axis: c.axis, reduction: c.reduction, msg,
        });
      });
    }
  });
}

test('random case count >= 500', () => {
  assert.ok(total >= 500, `only ${total} cases`);
});

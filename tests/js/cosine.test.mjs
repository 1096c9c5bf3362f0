// cosine(a, b) -> number: against an independent float64 reference written here, over every kind of
// input, lengths from 0 to 5000 (the lean path and the general one), zero and tiny vectors, NaN and
// Inf, and its errors.
//
// Tolerances: float64 computations within 1e-12 * (1 + |cos|); float32 ones (two float32 inputs)
// within 1e-6 * (1 + |cos|), the kernels' documented bound (kernels.h), against the float64 cosine
// of the same float32 values. The float32 tolerance is still 60x below the gap between a float32
// rounding of the result and the exact value that the test of [1,2,3]·[3,2,1] checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim } from './harness.mjs';
import { caseSeed, masterSeed, mulberry32, randInt } from './reference.mjs';

const { cosine, alloc } = cossim;
const SEED = masterSeed('cosine.test.mjs', 20261202);

// float64 reference: Keras's formula with the 1e-12 floor on each sum of squares, in the
// computation dtype's epsilon (float32: fround(1e-12)).
function refCosine(a, b, eps) {
  let dot = 0, sa = 0, sb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    sa += a[i] * a[i];
    sb += b[i] * b[i];
  }
  return dot * (1 / Math.sqrt(Math.max(sa, eps))) * (1 / Math.sqrt(Math.max(sb, eps)));
}

const EPS = { float32: Math.fround(1e-12), float64: 1e-12 };
const TOL = { float32: 1e-6, float64: 1e-12 };

function near(got, ref, dtype, msg) {
  assert.equal(typeof got, 'number', `${msg}: a number`);
  if (Number.isNaN(ref)) return assert.ok(Number.isNaN(got), `${msg}: expected NaN, got ${got}`);
  const tol = TOL[dtype] * (1 + Math.abs(ref));
  assert.ok(Math.abs(got - ref) <= tol, `${msg}: got ${got}, reference ${ref}, |err| ${Math.abs(got - ref)} > ${tol}`);
}

const KINDS = ['Float32Array', 'Float64Array', 'Array', 'Int16Array', 'Uint8Array', 'heap float32', 'heap float64'];
const isF32 = (k) => k === 'Float32Array' || k === 'heap float32';

function make(kind, values) {
  switch (kind) {
    case 'Float32Array': return Float32Array.from(values);
    case 'Float64Array': return Float64Array.from(values);
    case 'Array': return Array.from(values);
    case 'Int16Array': return Int16Array.from(values, (x) => Math.round(x * 100));
    case 'Uint8Array': return Uint8Array.from(values, (x) => Math.round(Math.abs(x) * 100) % 256);
    default: {
      const t = alloc([values.length], kind === 'heap float32' ? 'float32' : 'float64');
      t.data.set(values);
      return t;
    }
  }
}
// The values an input holds, as the reference sees them.
const valuesOf = (x) => Array.from(x.data ?? x);

test(`cosine(): 600 seeded random cases, every kind of input, lengths 0..5000 (seed ${SEED})`, () => {
  for (let c = 0; c < 600; c++) {
    const rng = mulberry32(caseSeed(SEED, c));
    const n = c % 10 === 0 ? randInt(rng, 1000, 5000) : randInt(rng, 0, 300);
    const ka = KINDS[randInt(rng, 0, KINDS.length - 1)];
    const kb = rng() < 0.5 ? ka : KINDS[randInt(rng, 0, KINDS.length - 1)];
    const scale = 10 ** (rng() * 8 - 4);
    const special = rng();
    const va = Array.from({ length: n }, () => (rng() * 2 - 1) * scale);
    const vb = Array.from({ length: n }, (_, i) => (special < 0.3 ? va[i] + (rng() - 0.5) * scale : (rng() * 2 - 1) * scale));
    if (special > 0.95) va.fill(0);  // a zero vector gives 0
    const a = make(ka, va);
    const b = make(kb, vb);
    const dtype = isF32(ka) && isF32(kb) ? 'float32' : 'float64';
    const ref = refCosine(valuesOf(a), valuesOf(b), EPS[dtype]);
    near(cosine(a, b), ref, dtype, `case ${c} (COSSIM_SEED=${SEED}): ${ka}[${n}] · ${kb}[${n}], scale ${scale.toExponential(1)}`);
    for (const x of [a, b]) x.dispose?.();
  }
});

test('cosine([1,2,3], [3,2,1]) is 10/14 unrounded, and float32 arrays are not rounded to float32 either', () => {
  assert.equal(cosine([1, 2, 3], [3, 2, 1]), 10 / 14);
  assert.equal(cosine(new Float64Array([1, 2, 3]), [3, 2, 1]), 10 / 14);
  // Two Float32Arrays: the float32 kernels, but the result is a double: exact here (small integers).
  const got = cosine(new Float32Array([1, 2, 3]), new Float32Array([3, 2, 1]));
  assert.notEqual(got, Math.fround(10 / 14));
  near(got, 10 / 14, 'float32', 'float32 kernels');
});

test('cosine(): zero, tiny, huge, NaN and Inf vectors', () => {
  for (const Arr of [Float32Array, Float64Array, Array]) {
    const mk = (v) => (Arr === Array ? v : Arr.from(v));
    const dtype = Arr === Float32Array ? 'float32' : 'float64';
    assert.ok(Object.is(cosine(mk([0, 0, 0]), mk([1, 2, 3])), 0) || cosine(mk([0, 0, 0]), mk([1, 2, 3])) === 0, 'zero vector -> 0');
    assert.equal(cosine(mk([0, 0]), mk([0, 0])), 0, 'two zero vectors -> 0');
    // |x| < 1e-6: Keras scales by 1e6 instead of normalising, so the cosine is below 1.
    const tiny = mk([1e-7, 0]);
    near(cosine(tiny, mk([1, 0])), refCosine([Arr === Float32Array ? Math.fround(1e-7) : 1e-7, 0], [1, 0], EPS[dtype]), dtype, `${Arr.name} tiny`);
    assert.ok(cosine(tiny, mk([1, 0])) < 0.2, 'below the epsilon floor the vector is not normalised');
    assert.ok(Number.isNaN(cosine(mk([NaN, 1]), mk([1, 1]))), 'NaN -> NaN');
    assert.ok(Number.isNaN(cosine(mk([Infinity, 1]), mk([1, 1]))), 'Inf -> NaN (Inf * 0)');
    near(cosine(mk([1e18, 2e18]), mk([3e18, 1e18])), refCosine([1e18, 2e18], [3e18, 1e18], 1e-12), 'float32', `${Arr.name} huge`);
  }
  assert.equal(cosine([], []), 0, 'empty vectors -> 0');
  assert.equal(cosine(new Float32Array(0), new Float32Array(0)), 0);
});

test('cosine(): errors are typed and name the problem; the module keeps working', () => {
  assert.throws(() => cosine([1, 2], [1, 2, 3]), (e) => e instanceof RangeError && /2 elements and b has 3/.test(e.message));
  assert.throws(() => cosine(new Float32Array(3), new Float32Array(4)), RangeError);
  assert.throws(() => cosine([[1, 2]], [[1, 2]]), (e) => e instanceof TypeError && /not a number/.test(e.message));
  assert.throws(() => cosine({ data: [1], shape: [1] }, [1]), TypeError);
  assert.throws(() => cosine(new BigInt64Array(2), [1, 2]), (e) => e instanceof TypeError && /BigInt/.test(e.message));
  assert.throws(() => cosine(new DataView(new ArrayBuffer(8)), [1, 2]), TypeError);
  assert.throws(() => cosine(1, 2), TypeError);
  assert.throws(() => cosine(['1', 2], [1, 2]), TypeError);
  const m = alloc([2, 2]);
  assert.throws(() => cosine(m, [1, 2, 3, 4]), (e) => e instanceof RangeError && /\[2,2\]/.test(e.message));
  m.dispose();
  assert.throws(() => cosine(m, [1, 2, 3, 4]), /disposed/);
  const buf = new ArrayBuffer(16);
  const detached = new Float32Array(buf);
  structuredClone(buf, { transfer: [buf] });
  assert.throws(() => cosine(detached, new Float32Array(4)), (e) => e instanceof TypeError && /detached/.test(e.message));
  assert.equal(cosine([1, 0], [0, 1]), 0, 'still works');
});

test('cosine(): a view of the module memory, even one that growth detaches, reads the right values', () => {
  const t = alloc([64]);
  t.data.fill(1);
  const view = t.data;  // a Float32Array over the module's memory
  const big = new Float32Array(1 << 22).fill(2);  // staging these grows the memory
  near(cosine(view, new Float32Array(64).fill(3)), 1, 'float32', 'view of the heap');
  near(cosine(big, big), 1, 'float32', 'a large pair (grows the staging buffer)');
  near(cosine(t.data, new Float32Array(64).fill(-1)), -1, 'float32', 'fresh view after growth');
  t.dispose();
});

// Memory and scale: repeated calls must not grow the WASM heap, a very large
// call (forcing memory growth) must be correct and leave the module usable,
// and creating many loss objects is cheap.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim, CosineSimilarity, f32, f64, assertClose, assertTensorClose } from './harness.mjs';
import { mulberry32, refLoss } from './reference.mjs';

const DT = [[0, 1], [1, 1]];
const DP = [[1, 0], [1, 1]];
const DOC_AUTO = -0.4999999701976776;
const KT = [[1, 9, 2], [-5, -2, 6]];
const KP = [[4, 8, 12], [8, 1, 3]];
const REF_NONE_32 = refLoss({ yTrue: KT, yPred: KP, reduction: 'none', dtype: 'float32' });
const REF_NONE_64 = refLoss({ yTrue: KT, yPred: f64(KP.flat(), [2, 3]), reduction: 'none' });

function heap() {
  const h = cossim.heapBytes();
  assert.equal(typeof h, 'number');
  assert.ok(Number.isInteger(h) && h > 0, `heapBytes() = ${h}`);
  return h;
}

/** Independent row-wise expectation for 2-D same-shape inputs along the last axis. */
function rowwise(t, p, rows, cols, eps) {
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let st = 0;
    let sp = 0;
    for (let j = 0; j < cols; j++) {
      const a = t[i * cols + j];
      const b = p[i * cols + j];
      st += a * a;
      sp += b * b;
    }
    const kt = 1 / Math.sqrt(Math.max(st, eps));
    const kp = 1 / Math.sqrt(Math.max(sp, eps));
    let dot = 0;
    for (let j = 0; j < cols; j++) dot += t[i * cols + j] * kt * (p[i * cols + j] * kp);
    out[i] = -dot;
  }
  return out;
}

function fillRandom(arr, seed) {
  const rng = mulberry32(seed);
  for (let i = 0; i < arr.length; i++) arr[i] = rng() * 2 - 1;
  return arr;
}

describe('heap', () => {
  test('heapBytes() is a positive multiple of the 64 KiB WASM page', () => {
    assert.equal(heap() % 65536, 0);
  });

  test('100,000 small calls (all kinds, with some errors) do not grow the WASM heap', () => {
    const auto = new CosineSimilarity({ axis: 1 });
    const none = new CosineSimilarity({ reduction: 'none' });
    const sum = new CosineSimilarity({ reduction: 'sum' });
    const t32 = f32(KT.flat(), [2, 3]);
    const p32 = f32(KP.flat(), [2, 3]);
    const t64 = f64(KT.flat(), [2, 3]);
    const p64 = f64(KP.flat(), [2, 3]);
    const w = new Float32Array([1.2, 3.4]);
    const step = (i) => {
      switch (i % 6) {
        case 0: return auto.call(DT, DP);
        case 1: return none.call(t32, p32);
        case 2: return none.call(t64, p64, w);
        case 3: return sum.call(KT, p32, [[1], [2]]);
        case 4: return auto.call(t32, p64, 0.5);
        default:
          // error paths must free what they allocated too
          if (i % 60 === 5) {
            assert.throws(() => auto.call([[1, 2, 3]], [[1, 2], [3, 4]]));
            assert.throws(() => sum.call(KT, KP, [[1, 2], [3, 4]]));
            assert.throws(() => none.call(KT, [[1, 2], [3]]));
          }
          return none.call([1, 2, 2], [2, -1, 2]);
      }
    };
    for (let i = 0; i < 6000; i++) step(i); // warm-up: allocator pools, caches
    const before = heap();
    for (let i = 0; i < 100000; i++) {
      const r = step(i);
      if (i % 10007 === 0) {
        // spot checks during the loop
        assertClose(auto.call(DT, DP), DOC_AUTO, 'float32', `iteration ${i}`);
        assertTensorClose(none.call(t32, p32), REF_NONE_32, 'float32', `iteration ${i} none`);
        assertTensorClose(none.call(t64, p64), REF_NONE_64, 'float64', `iteration ${i} none f64`);
        assert.ok(r !== undefined);
      }
    }
    const after = heap();
    assert.ok(after <= before, `WASM heap grew from ${before} to ${after} bytes over 100,000 calls`);
  });
});

describe('large inputs', () => {
  const ROWS = 2048;
  const COLS = 4096;

  test(`[${ROWS}, ${COLS}] float32 call (forces memory growth) is correct`, () => {
    const before = heap();
    const t = fillRandom(new Float32Array(ROWS * COLS), 1);
    const p = fillRandom(new Float32Array(ROWS * COLS), 2);
    // make a few rows special: zero, identical, opposite
    t.fill(0, 0, COLS);
    p.set(t.subarray(COLS, 2 * COLS), COLS);
    for (let j = 0; j < COLS; j++) p[2 * COLS + j] = -3 * t[2 * COLS + j];
    const expected = rowwise(t, p, ROWS, COLS, Math.fround(1e-12));
    let mean = 0;
    for (const v of expected) mean += v;
    mean /= ROWS;

    const yT = { data: t, shape: [ROWS, COLS] };
    const yP = { data: p, shape: [ROWS, COLS] };
    const none = new CosineSimilarity({ reduction: 'none' }).call(yT, yP);
    assert.ok(none.data instanceof Float32Array);
    assert.deepEqual(none.shape, [ROWS]);
    for (let i = 0; i < ROWS; i++) assertClose(none.data[i], expected[i], 'float32', `row ${i}`);
    assert.ok(Object.is(none.data[0], -0), 'zero row gives -0.0');
    assertClose(none.data[1], -1, 'float32', 'identical row');
    assertClose(none.data[2], 1, 'float32', 'opposite row');
    assertClose(new CosineSimilarity().call(yT, yP), mean, 'float32', 'auto');

    const after = heap();
    console.log(`# heapBytes: ${before} -> ${after} after a [${ROWS},${COLS}] float32 call`);
    assert.ok(after >= before);
  });

  test(`[${ROWS / 2}, ${COLS}] float64 call with [b,1] weights is correct`, () => {
    const rows = ROWS / 2;
    const t = fillRandom(new Float64Array(rows * COLS), 3);
    const p = fillRandom(new Float64Array(rows * COLS), 4);
    const w = fillRandom(new Float64Array(rows), 5);
    const expected = rowwise(t, p, rows, COLS, 1e-12);
    let sum = 0;
    for (let i = 0; i < rows; i++) sum += expected[i] * w[i];
    const got = new CosineSimilarity({ reduction: 'sum' }).call(
      { data: t, shape: [rows, COLS] }, { data: p, shape: [rows, COLS] }, { data: w, shape: [rows, 1] });
    assertClose(got, sum, 'float64', 'sum');
  });

  test('small calls after the large ones are still correct and do not grow the heap', () => {
    const h0 = heap();
    for (let i = 0; i < 2000; i++) {
      assertClose(new CosineSimilarity({ axis: 1 }).call(DT, DP), DOC_AUTO, 'float32', `small ${i}`);
    }
    assertTensorClose(new CosineSimilarity({ reduction: 'none' }).call(KT, KP), REF_NONE_32, 'float32', 'none');
    assertTensorClose(new CosineSimilarity({ reduction: 'none' }).call(f64(KT.flat(), [2, 3]), f64(KP.flat(), [2, 3])), REF_NONE_64, 'float64', 'none f64');
    assert.ok(heap() <= h0, 'heap grew during small calls');
  });

  test('a long single vector (axis over 1,000,000 elements)', () => {
    const n = 1_000_000;
    const t = fillRandom(new Float32Array(n), 6);
    const p = fillRandom(new Float32Array(n), 7);
    const expected = rowwise(t, p, 1, n, Math.fround(1e-12))[0];
    const got = new CosineSimilarity({ reduction: 'none' }).call(t, p);
    assert.deepEqual(got.shape, []);
    assertClose(got.data[0], expected, 'float32', 'long vector');
  });
});

describe('many loss objects', () => {
  test('creating 1,000,000 loss objects is fine and does not touch the heap', () => {
    const before = heap();
    let last;
    const t0 = Date.now();
    for (let i = 0; i < 1_000_000; i++) {
      last = new CosineSimilarity({ axis: (i % 3) - 1, reduction: i % 2 ? 'sum' : 'auto' });
    }
    const ms = Date.now() - t0;
    assert.ok(ms < 10000, `1e6 constructions took ${ms} ms`);
    assert.ok(heap() - before <= 1 << 20, `heap grew by ${heap() - before} bytes`);
    assert.deepEqual(last.getConfig(), { reduction: 'sum', name: 'cosine_similarity', axis: -1 });
    assertClose(last.call(DT, DP), -0.9999999403953552, 'float32', 'last object works');
  });
});

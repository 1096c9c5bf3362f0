// Limits (issue 8, defects 9, 6 and 8 near a full memory): the WebAssembly memory is filled close
// to its 4 GiB maximum with 256 MiB and 1 MiB heap tensors, each of which must lie inside the
// memory, be disjoint from every other live one (checked on addresses, and by writing a distinct
// value to each and reading it back), and the next alloc must be a RangeError. Then the largest
// [n,768] float32 table that allocates and that similarity() and topK() compute correctly is
// found and printed; then the size refusals run with the memory grown.
//
// Bounded: about 4.2 GB of resident memory at the peak (the wasm memory itself), and tens of
// seconds; everything memory-heavy is in this one file, run serially.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim } from './harness.mjs';
import { mulberry32, randValue } from './reference.mjs';
import { attempt, assertSizeRefusal, canary } from './edges-checks.mjs';

const { alloc, similarity, topK, pairwise } = cossim;
const MiB = 2 ** 20;
const MAX_MEMORY = 2 ** 32;
const D = 768;

function describeBlock(t) {
  return `[${t.shape}] at ${t.address}..${t.address + t.length * 4}`;
}

test('filling the memory with 256 MiB and 1 MiB tensors: inside the memory, disjoint, then a RangeError', { timeout: 120000 }, () => {
  const live = [];
  const problems = [];
  const take = (elements, label, limit) => {
    for (let i = 0; i < limit; i++) {
      const r = attempt(() => alloc([elements]));
      if ('error' in r) return r.error;
      const t = r.value;
      live.push(t);
      const end = t.address + t.length * 4;
      if (!(end <= cossim.heapBytes() && end <= MAX_MEMORY)) {
        problems.push(`${label} ${describeBlock(t)} ends past the memory (${cossim.heapBytes()} bytes)`);
      }
    }
    return null;
  };
  const bigRefusal = take(64 * MiB, '256 MiB', 17);
  assert.ok(bigRefusal, 'more 256 MiB blocks than fit in 4 GiB were handed out');
  const smallRefusal = take(MiB / 4, '1 MiB', 4096 + 1);
  assert.ok(smallRefusal, 'more 1 MiB blocks than fit in 4 GiB were handed out');
  const big = live.filter((t) => t.length === 64 * MiB).length;
  const small = live.length - big;
  const bytes = live.reduce((a, t) => a + t.length * 4, 0);
  console.log(`# filled: ${big} x 256 MiB + ${small} x 1 MiB = ${bytes} bytes live; heapBytes ${cossim.heapBytes()}`);
  // Whatever the cap chosen for the memory, it holds at least 2 GiB of tensors.
  assert.ok(bytes >= 2 ** 31, `only ${bytes} bytes of tensors fit`);
  for (const [e, what] of [[bigRefusal, 'the 256 MiB alloc beyond the limit'], [smallRefusal, 'the 1 MiB alloc beyond the limit']]) {
    assert.ok(e instanceof RangeError && !(e instanceof WebAssembly.RuntimeError), `${what}: ${e?.constructor?.name}: ${e?.message}`);
  }
  // Disjointness on addresses.
  const sorted = [...live].sort((a, b) => a.address - b.address);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (prev.address + prev.length * 4 > sorted[i].address) {
      problems.push(`live blocks overlap: ${describeBlock(prev)} and ${describeBlock(sorted[i])}`);
    }
  }
  // Disjointness in fact: a distinct value in each, read back at both ends and every 16 KiB.
  const views = live.map((t, i) => {
    const r = attempt(() => t.data);
    if ('error' in r) {
      problems.push(`block ${i} ${describeBlock(t)}: its data is unusable: ${r.error.message}`);
      return null;
    }
    if (r.value.length !== t.length) problems.push(`block ${i}: data length ${r.value.length}, not ${t.length}`);
    r.value.fill(i + 1);
    return r.value;
  });
  views.forEach((v, i) => {
    if (!v) return;
    for (let j = 0; j < v.length; j += 4096) {
      if (v[j] !== i + 1) { problems.push(`block ${i} ${describeBlock(live[i])}: element ${j} reads ${v[j]}`); return; }
    }
    if (v[v.length - 1] !== i + 1) problems.push(`block ${i}: its last element reads ${v[v.length - 1]}`);
  });
  // Still full: the next allocation of either size is refused.
  for (const elements of [MiB / 4, 64 * MiB]) {
    const r = attempt(() => alloc([elements]));
    if ('value' in r) {
      live.push(r.value);
      problems.push(`alloc of ${elements * 4} bytes beyond the limit returned ${describeBlock(r.value)}`);
    } else if (!(r.error instanceof RangeError)) {
      problems.push(`alloc beyond the limit: ${r.error.constructor.name}: ${r.error.message}`);
    }
  }
  for (const t of live) t.dispose();
  assert.deepEqual(problems, [], problems.join('\n'));
  // After disposing everything, normal calls work, including a large allocation again.
  canary(cossim, 'after disposing the fill');
  const t = alloc([64 * MiB]);
  t.data.fill(2);
  assert.equal(t.data[64 * MiB - 1], 2);
  t.dispose();
  assert.ok(Math.abs(similarity([1, 2, 3], [2, 4, 6]).data[0] - 1) < 1e-6);
});

// Rows of the table: 101 distinct pattern rows, tiled; ten planted copies of the query (scaled)
// at spread-out rows, the first and the last among them, are the top 10.
function patternRow(r) {
  const row = new Float32Array(D);
  for (let j = 0; j < D; j++) row[j] = ((r * 7 + j * 13) % 101) - 50;
  return row;
}

function cos64(a, b) {
  let ab = 0; let aa = 0; let bb = 0;
  for (let j = 0; j < a.length; j++) { ab += a[j] * b[j]; aa += a[j] * a[j]; bb += b[j] * b[j]; }
  return ab / (Math.sqrt(Math.max(aa, Math.fround(1e-12))) * Math.sqrt(Math.max(bb, Math.fround(1e-12))));
}

function fillTable(data, n, q, planted) {
  for (let r = 0; r < Math.min(101, n); r++) data.set(patternRow(r), r * D);
  // Tile the 101 rows by doubling (memcpy speed): row r holds pattern r mod 101.
  let have = Math.min(101, n);
  while (have < n) {
    const copy = Math.min(have - (have % 101), n - have);
    data.copyWithin(have * D, 0, copy * D);
    have += copy;
  }
  planted.forEach((r, i) => {
    for (let j = 0; j < D; j++) data[r * D + j] = q[j] * (1 + i / 8);
  });
}

test('the largest [n,768] float32 table that allocates and computes correctly', { timeout: 180000 }, () => {
  const rng = mulberry32(768);
  const q = new Float32Array(D);
  for (let j = 0; j < D; j++) q[j] = randValue(rng, 1);
  // The largest n that allocates, searched downwards from 4 GiB in steps of 256 rows (768 KiB):
  // not by bisection, because emmalloc (3.1.6) does not extend a trailing free block when it
  // grows the memory, so once a smaller table has been allocated and freed a larger one can
  // fail where it would succeed on a fresh module.
  let lo = Math.floor(MAX_MEMORY / (D * 4));
  for (let tries = 0; lo > 0 && tries < 8192; tries++, lo -= 256) {
    const r = attempt(() => alloc([lo, D]));
    if ('value' in r) {
      const end = r.value.address + lo * D * 4;
      r.value.dispose();
      assert.ok(end <= cossim.heapBytes(), `alloc([${lo},${D}]) returned a tensor ending at ${end}, past the memory (${cossim.heapBytes()} bytes)`);
      break;
    }
    assert.ok(r.error instanceof RangeError, `alloc([${lo},${D}]): ${r.error.constructor.name}: ${r.error.message}`);
  }
  const nAlloc = lo;
  console.log(`# largest [n,${D}] float32 that allocates: n = ${nAlloc} (${nAlloc * D * 4} bytes); heapBytes ${cossim.heapBytes()}`);
  assert.ok(nAlloc * D * 4 >= 2 ** 31, `only ${nAlloc} rows allocate (${nAlloc * D * 4} bytes)`);
  // Down from there until similarity() and topK() have the memory they need (refusals must be
  // RangeErrors); steps of 2048 rows (6 MiB), doubling.
  const patterns = Array.from({ length: 101 }, (_, r) => cos64(q, patternRow(r)));
  let n = nAlloc;
  let step = 2048;
  for (let tries = 0; tries < 8; tries++, n -= step, step *= 2) {
    const X = alloc([n, D]);
    try {
      const planted = [0, 1, 12345, Math.floor(n / 3), Math.floor(n / 2), n - 5000, n - 4, n - 3, n - 2, n - 1];
      fillTable(X.data, n, q, planted);
      const s = attempt(() => similarity(q, X));
      if ('error' in s) {
        assertSizeRefusal(s.error, `similarity at n = ${n}`);
        continue;
      }
      const k = attempt(() => topK(q, X, 10));
      if ('error' in k) {
        assertSizeRefusal(k.error, `topK at n = ${n}`);
        continue;
      }
      // similarity: every row against its float64 cosine (float32: 1e-6 * (1 + |ref|)).
      const want = (r) => {
        const p = planted.indexOf(r);
        return p >= 0 ? cos64(q, Float32Array.from(q, (x) => x * (1 + p / 8))) : patterns[r % 101];
      };
      assert.deepEqual(s.value.shape, [n]);
      let worst = 0;
      for (let r = 0; r < n; r++) {
        const err = Math.abs(s.value.data[r] - want(r));
        if (!(err <= 1e-6 * (1 + Math.abs(want(r))))) assert.fail(`similarity row ${r}: ${s.value.data[r]} vs ${want(r)}`);
        worst = Math.max(worst, err);
      }
      // topK: the ten planted rows, each with its own value, in descending order.
      assert.deepEqual([...k.value.shape], [10]);
      assert.deepEqual(Array.from(k.value.indices).sort((a, b) => a - b), [...planted].sort((a, b) => a - b));
      for (let i = 0; i < 10; i++) {
        const r = k.value.indices[i];
        assert.ok(Math.abs(k.value.values[i] - want(r)) <= 1e-6 * 2, `topK value ${i} (row ${r}): ${k.value.values[i]} vs ${want(r)}`);
        if (i) assert.ok(k.value.values[i] <= k.value.values[i - 1]);
      }
      console.log(`# largest [n,${D}] float32 table that allocates and computes: n = ${n} (${n * D * 4} bytes, ` +
        `${nAlloc - n} rows below the allocation limit); similarity max |err| ${worst.toExponential(2)}; heapBytes ${cossim.heapBytes()}`);
      canary(cossim);
      return;
    } finally {
      X.dispose();
    }
  }
  assert.fail(`no table from ${nAlloc} rows down to ${n} computed`);
});

test('size refusals with the memory grown: alloc near 2^32 bytes, pairwise([32767,1],[32769,1])', { timeout: 60000 }, () => {
  for (const [elements, dtype] of [[2 ** 30 - 1, 'float32'], [2 ** 30 - 2, 'float32'], [2 ** 29 - 1, 'float64']]) {
    const r = attempt(() => alloc([elements], dtype));
    if ('error' in r) {
      assertSizeRefusal(r.error, `alloc([${elements}], '${dtype}')`);
    } else {
      const t = r.value;
      try {
        const bytes = elements * (dtype === 'float64' ? 8 : 4);
        assert.ok(t.address + bytes <= cossim.heapBytes(), `alloc([${elements}]) lies past the memory`);
        const v = t.data;
        assert.equal(v.length, elements);
        v[0] = 3;
        v[elements - 1] = 4;
        assert.equal(t.data[0], 3);
        assert.equal(t.data[elements - 1], 4);
      } finally {
        t.dispose();
      }
    }
    canary(cossim, `after alloc([${elements}], '${dtype}')`);
  }
  const a = { data: new Float32Array(32767).fill(1), shape: [32767, 1] };
  const b = { data: new Float32Array(32769).fill(1), shape: [32769, 1] };
  const r = attempt(() => pairwise(a, b));
  assert.ok('error' in r, 'pairwise([32767,1],[32769,1]) returned a result of 2^32 - 4 bytes');
  assertSizeRefusal(r.error, 'pairwise([32767,1],[32769,1])');
  canary(cossim, 'after the pairwise refusal');
  const p = pairwise([[1, 0], [0, 1]], [[1, 1]]);
  assert.ok(Math.abs(p.data[0] - Math.SQRT1_2) < 1e-6 && Math.abs(p.data[1] - Math.SQRT1_2) < 1e-6);
});

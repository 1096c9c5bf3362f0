// Issue 8, defect 5: a view obtained from a heap tensor's `data` must not alias freed memory
// while it is reachable. Today the FinalizationRegistry frees the block of a tensor that is no
// longer reachable even though a view of it is, and the next alloc() hands the block out again.
// Garbage collection is forced through --expose-gc set at run time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { cossim } from './harness.mjs';
import { canary } from './edges-checks.mjs';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const { alloc } = cossim;

// Several rounds of a full GC and a macrotask turn, so that FinalizationRegistry callbacks run.
async function collect(rounds = 6) {
  for (let i = 0; i < rounds; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

// Room first: a memory growth detaches every view (documented), which is not what is tested.
function makeRoom() {
  const room = alloc([1 << 22]);
  room.dispose();
}

test('a view from t.data keeps reading its values after the tensor is unreachable and GC runs', async () => {
  makeRoom();
  const heap0 = cossim.heapBytes();
  const v = (() => {
    const t = alloc([1024]);
    t.data.fill(5);
    return t.data;
  })();
  await collect();
  const others = [];
  for (let i = 0; i < 64; i++) {
    const o = alloc([1024]);
    o.data.fill(7);
    others.push(o);
  }
  assert.equal(cossim.heapBytes(), heap0, 'precondition: the memory did not grow');
  assert.equal(v.length, 1024);
  assert.equal(v[0], 5, 'v[0] reads another tensor\'s value: its block was freed while the view was reachable');
  assert.ok(v.every((x) => x === 5), 'the view was overwritten');
  for (const o of others) o.dispose();
  canary(cossim);
});

test('200 views of dropped tensors keep their own values while 400 new tensors are filled', async () => {
  makeRoom();
  const heap0 = cossim.heapBytes();
  const views = [];
  for (let i = 0; i < 200; i++) {
    const t = alloc([64 + (i % 3) * 64]);
    t.data.fill(i);
    views.push(t.data);
  }
  await collect();
  const others = [];
  for (let i = 0; i < 400; i++) {
    const o = alloc([64 + (i % 3) * 64]);
    o.data.fill(-1);
    others.push(o);
  }
  assert.equal(cossim.heapBytes(), heap0, 'precondition: the memory did not grow');
  const bad = views.findIndex((v, i) => !v.every((x) => x === i));
  assert.equal(bad, -1, `view ${bad} was overwritten (${views[bad]?.[0]})`);
  for (const o of others) o.dispose();
});

test('dispose() is explicit: the tensor refuses its data and calls afterwards', () => {
  const t = alloc([4]);
  t.data.fill(1);
  t.dispose();
  assert.ok(t.disposed);
  assert.throws(() => t.data, Error);
  assert.throws(() => cossim.similarity(t, [1, 1, 1, 1]), /disposed/);
  t.dispose();  // idempotent
  canary(cossim);
});

// Issue 8, defect 2 (defence in depth): once the instance has trapped, no later call returns a
// value computed on a possibly corrupted heap: every entry point throws an Error saying the
// instance is unusable. No input reaches a trap after the fixes, so the trap is provoked through
// internal.trapForTesting() (an out-of-bounds access inside the module whose RuntimeError
// propagates). This file poisons its module on purpose: it must stay a file of its own
// (node --test runs each file in its own process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim, CosineSimilarity, losses } from './harness.mjs';
import { canary } from './edges-checks.mjs';

const { alloc, similarity, pairwise, topK, metrics, internal } = cossim;

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return null;
}

test('after a trap, every entry point throws an Error saying the instance is unusable', () => {
  canary(cossim, 'before the trap');
  const heapTensor = alloc([4]);
  heapTensor.data.set([1, 2, 3, 4]);
  const loss = new CosineSimilarity({ axis: 1 });
  const metric = new metrics.CosineSimilarity();
  assert.equal(typeof internal.trapForTesting, 'function', 'internal.trapForTesting() is missing (issue 8)');

  const trap = thrown(() => internal.trapForTesting());
  assert.ok(trap instanceof Error, `trapForTesting() should throw; got ${trap}`);
  assert.ok(trap instanceof WebAssembly.RuntimeError || /unusable/i.test(trap.message),
    `trapForTesting(): a RuntimeError (or the unusable Error); got ${trap.constructor.name}: ${trap.message}`);

  const calls = [
    ['the documentation example', () => loss.call([[0, 1], [1, 1]], [[1, 0], [1, 1]])],
    ['a new loss object', () => new CosineSimilarity({ reduction: 'sum' }).call([1, 2], [2, 1])],
    ['the function form', () => losses.cosineSimilarity([1, 2], [2, 1])],
    ['valueAndGradient', () => loss.valueAndGradient([[0, 1]], [[1, 0]])],
    ['similarity', () => similarity([1, 2], [2, 1])],
    ['pairwise', () => pairwise([[1, 2]], [[2, 1]])],
    ['topK', () => topK([1, 2], [[2, 1], [1, 2]], 1)],
    ['metric updateState', () => metric.updateState([1, 2], [2, 1])],
    ['alloc', () => alloc([4])],
    ['a heap tensor as input', () => similarity(heapTensor, heapTensor)],
    ['internal.sum', () => internal.sum(heapTensor)],
  ];
  for (let round = 0; round < 2; round++) {
    for (const [label, fn] of calls) {
      const e = thrown(fn);
      assert.ok(e !== null, `${label} (round ${round + 1}) returned a value after a trap`);
      assert.ok(e instanceof Error && !(e instanceof WebAssembly.RuntimeError),
        `${label}: ${e.constructor.name}: ${e.message}`);
      assert.match(e.message, /unusable/i, `${label}: ${e.message}`);
    }
  }
});

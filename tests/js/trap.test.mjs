// The trap guard: once the instance traps, every later call throws instead of returning a value
// computed on a possibly corrupt heap. (Its own file: node --test runs each file in its own
// process, so the poisoned module affects no other test.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim, CosineSimilarity } from './harness.mjs';

test('after a trap no call returns a value', () => {
  const loss = new CosineSimilarity({ axis: 1 });
  const t = cossim.alloc([4]);
  t.data.fill(1);
  assert.equal(loss.call([[0, 1], [1, 1]], [[1, 0], [1, 1]]), Math.fround(-0.5));
  assert.throws(() => cossim.internal.trapForTesting(), (e) => e.constructor === Error && /trapped .* unusable/.test(e.message));
  const unusable = (e) => /unusable/.test(e.message);
  assert.throws(() => loss.call([[0, 1], [1, 1]], [[1, 0], [1, 1]]), unusable);
  assert.throws(() => loss.call(new Float32Array(4), new Float32Array(4)), unusable);
  assert.throws(() => loss.valueAndGradient([1, 2], [3, 4]), unusable);
  assert.throws(() => new CosineSimilarity({ reduction: 'sum' }), unusable);
  assert.throws(() => cossim.cosine([1, 2], [3, 4]), unusable);
  assert.throws(() => cossim.cosine(new Float32Array(2), new Float32Array(2)), unusable);
  assert.throws(() => cossim.similarity([1, 2], [3, 4]), unusable);
  assert.throws(() => cossim.pairwise([[1, 2]], [[3, 4]]), unusable);
  assert.throws(() => cossim.topK([1, 2], [[3, 4]], 1), unusable);
  assert.throws(() => new cossim.metrics.CosineSimilarity().updateState([1, 2], [3, 4]), unusable);
  assert.throws(() => cossim.alloc([4]), unusable);
  assert.throws(() => t.data, unusable);
  assert.throws(() => cossim.internal.sum(t), unusable);
});

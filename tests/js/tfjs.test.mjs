// tfjsLoss(tf): cossim as a TensorFlow.js loss. Values and gradients are checked against the Keras
// formula composed from TF.js ops and differentiated by TF.js autodiff (tfjs-oracle.mjs), and a
// few steps of gradient descent through tf.train.sgd must reduce the loss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cossim } from './harness.mjs';
import { mulberry32 } from './reference.mjs';
import { loadTf } from './tfjs-oracle.mjs';

const seed = Number(process.env.COSSIM_SEED ?? 4242);

// The Keras 2.9 formula in TF.js ops.
function kerasLoss(tf, yTrue, yPred, axis, reduction) {
  const l2n = (x) => tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), axis, true), 1e-12)));
  const losses = tf.neg(tf.sum(tf.mul(l2n(yTrue), l2n(yPred)), axis));
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return tf.sum(losses);
  return tf.div(tf.sum(losses), losses.size);
}

const close = (got, want, what, tol = 1e-4) => {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])),
      `${what}[${i}]: cossim ${got[i]}, TF.js ${want[i]} (seed ${seed})`);
  }
};

for (const [reduction, axis, shape] of [['auto', -1, [5, 7]], ['sum', 0, [6, 3]], ['none', -1, [4, 9]]]) {
  test(`tfjsLoss value and gradients match TF.js autodiff: reduction ${reduction}, axis ${axis}, [${shape}]`, async () => {
    const tf = await loadTf();
    const rng = mulberry32(seed);
    const n = shape[0] * shape[1];
    const yt = tf.tensor(Array.from({ length: n }, () => rng() - 0.5), shape);
    const yp = tf.tensor(Array.from({ length: n }, () => rng() - 0.5), shape);
    const ours = cossim.tfjsLoss(tf, { axis, reduction });
    close(ours(yt, yp).dataSync(), kerasLoss(tf, yt, yp, axis, reduction).dataSync(), 'value');
    const [gt, gp] = tf.grads((a, b) => ours(a, b))([yt, yp]);
    const [rt, rp] = tf.grads((a, b) => kerasLoss(tf, a, b, axis, reduction))([yt, yp]);
    close(gt.dataSync(), rt.dataSync(), 'd/dyTrue');
    close(gp.dataSync(), rp.dataSync(), 'd/dyPred');
  });
}

test('tfjsLoss trains: SGD on y_pred lowers the loss towards -1', async () => {
  const tf = await loadTf();
  const rng = mulberry32(seed + 1);
  const yt = tf.tensor(Array.from({ length: 32 }, () => rng() - 0.5), [4, 8]);
  const w = tf.variable(tf.tensor(Array.from({ length: 32 }, () => rng() - 0.5), [4, 8]));
  const loss = cossim.tfjsLoss(tf);
  const opt = tf.train.sgd(0.5);
  const first = loss(yt, w).dataSync()[0];
  for (let i = 0; i < 50; i++) opt.minimize(() => loss(yt, w));
  const last = loss(yt, w).dataSync()[0];
  assert.ok(last < first - 0.1 && last < -0.9, `loss went from ${first} to ${last}`);
});

test('tfjsLoss rejects something that is not the TF.js namespace', () => {
  assert.throws(() => cossim.tfjsLoss({}), TypeError);
});

// A drop-in TensorFlow.js loss: tfjsLoss(tf, options) returns (yTrue, yPred) => tf.Tensor whose
// value and gradients (through tf.customGrad) come from cossim's core, so it trains with
// model.compile({ loss: tfjsLoss(tf) }) or optimizer.minimize. cossim does not depend on TF.js:
// the caller passes its `tf` namespace.
import { CosineSimilarity } from './losses.mjs';
import { describe } from './tensor.mjs';

export function tfjsLoss(tf, options) {
  if (tf === null || typeof tf !== 'object' || typeof tf.customGrad !== 'function') {
    throw new TypeError(`tfjsLoss(): pass the TensorFlow.js namespace (with customGrad); got ${describe(tf)}`);
  }
  const loss = new CosineSimilarity(options);
  const toTf = (r) => (typeof r === 'number' ? tf.scalar(r) : tf.tensor(r.data, r.shape));
  const op = tf.customGrad((yTrue, yPred, save) => {
    save([yTrue, yPred]);
    return {
      value: toTf(loss.call(yTrue, yPred)),
      gradFunc: (dy, [t, p]) => {
        const up = dy.shape.length === 0 ? dy.dataSync()[0] : { data: dy.dataSync(), shape: dy.shape };
        const { gradient } = loss.valueAndGradient(t, p, undefined, { wrt: 'both', dy: up });
        return [toTf(gradient.yTrue), toTf(gradient.yPred)];
      },
    };
  });
  return (yTrue, yPred) => op(yTrue, yPred);
}

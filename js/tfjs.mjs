// TensorFlow.js adapters. cossim does not depend on TF.js: the caller passes its `tf` namespace.
//
// tfjsLoss(tf, options) -> (yTrue, yPred, sampleWeight?) => tf.Tensor, the Keras loss, whose value
// and gradients come from ONE call into cossim's core per training step: the forward function
// asks the core for the value and the gradients at once (upstream gradient = ones) and keeps the
// gradients as plain arrays; the backward function reads TF.js's upstream dy (one number for a
// reduced loss: cheaper than a broadcast multiply on the cpu backend) and rescales them. The one
// exception is a non-scalar output (reduction 'none') whose upstream dy is not uniform: its
// gradient is then computed by a second core call with that dy (exact, and the only correct way
// without repeating the core's shape rules here).
//
// tfjsMetric(tf, options) -> (yTrue, yPred) => tf.Tensor of +cos per sample, for
// model.compile({ metrics: [...] }); its function name is the metric's name ('cosine_similarity'),
// which is how tfjs-layers names a function metric in fit's history.
//
// Read-back: TF.js calls losses and metrics synchronously (fit, minimize, grads), so their inputs
// are read with dataSync(): free on the cpu backend (its own array), a copy out of TF.js's heap on
// wasm, a blocking GPU read on webgl. Besides them only dy is read back (one number per step for
// a reduced loss).
import { CosineSimilarity } from './losses.mjs';
import { metrics } from './metrics.mjs';
import { describe } from './tensor.mjs';

function checkTf(tf, what) {
  if (tf === null || typeof tf !== 'object' || typeof tf.customGrad !== 'function' ||
      typeof tf.tensor !== 'function' || typeof tf.mul !== 'function') {
    throw new TypeError(`${what}: pass the TensorFlow.js namespace (with customGrad, tensor, mul); got ${describe(tf)}`);
  }
}

function checkTensor(tf, x, what) {
  const isTensor = typeof tf.Tensor === 'function'
    ? x instanceof tf.Tensor : x !== null && typeof x === 'object' && typeof x.dataSync === 'function';
  if (!isTensor) throw new TypeError(`${what} must be a TF.js tensor; got ${describe(x)}`);
}

// A TF.js tensor's values and shape, read synchronously (see the read-back note above).
const read = (x) => ({ data: x.dataSync(), shape: x.shape });

const toTf = (tf, r) => (typeof r === 'number' ? tf.scalar(r) : tf.tensor(r.data, r.shape, 'float32'));

// g · c as { data, shape } (g itself for c = 1); the products rounded to g's precision, as a
// float32 multiply on the TF.js backend would round them.
function scaled(g, c) {
  if (c === 1) return g;
  const data = new g.data.constructor(g.data.length);
  for (let i = 0; i < data.length; i++) data[i] = g.data[i] * c;
  return { data, shape: g.shape };
}

// The same value at every position (NaN never matches, so it takes the exact path).
function uniformValue(data) {
  const c = data[0];
  for (let i = 1; i < data.length; i++) if (data[i] !== c) return undefined;
  return c === c ? c : undefined;
}

function named(fn, name) {
  Object.defineProperty(fn, 'name', { value: name, configurable: true });
  return fn;
}

export function tfjsLoss(tf, options) {
  checkTf(tf, 'tfjsLoss()');
  const loss = new CosineSimilarity(options);

  // sampleWeight: undefined/null, a number, a TF.js tensor or any cossim tensor-like; a constant
  // (no gradient flows into it).
  const lossFn = (yTrue, yPred, sampleWeight) => {
    checkTensor(tf, yTrue, 'tfjsLoss: y_true');
    checkTensor(tf, yPred, 'tfjsLoss: y_pred');
    const w = sampleWeight === undefined || sampleWeight === null ? undefined
      : typeof sampleWeight === 'object' && typeof sampleWeight.dataSync === 'function' ? read(sampleWeight)
        : sampleWeight;
    const op = tf.customGrad((t, p) => {
      const tIn = read(t);
      const pIn = read(p);
      const { value, gradient } = loss.valueAndGradient(tIn, pIn, w, { wrt: 'both' });
      const scalarOut = typeof value === 'number';
      return {
        value: toTf(tf, value),
        gradFunc: (dy) => {
          let c;
          if (scalarOut || dy.size === 1) {
            c = dy.dataSync()[0];  // one number: cheaper than a broadcast multiply on the backend
          } else {
            const up = dy.dataSync();
            c = uniformValue(up);
            if (c === undefined) {
              const exact = loss.valueAndGradient(tIn, pIn, w, { wrt: 'both', dy: { data: up, shape: dy.shape } }).gradient;
              return [toTf(tf, exact.yTrue), toTf(tf, exact.yPred)];
            }
          }
          return [toTf(tf, scaled(gradient.yTrue, c)), toTf(tf, scaled(gradient.yPred, c))];
        },
      };
    });
    return op(yTrue, yPred);
  };
  return named(lossFn, loss.name);
}

export function tfjsMetric(tf, options) {
  checkTf(tf, 'tfjsMetric()');
  // The metric's own option checks (keys, name, dtype, axis, flavor).
  const metric = new metrics.CosineSimilarity(options);
  const keras3 = metric.flavor === 'keras3';
  const perSample = new CosineSimilarity({
    axis: metric.axis, flavor: metric.flavor, reduction: 'none', ...(keras3 ? { dtype: metric.dtype } : {}),
  });
  const f64 = !keras3 && metric.dtype === 'float64';  // Keras 2 computes in y_pred's dtype
  const metricFn = (yTrue, yPred) => {
    checkTensor(tf, yTrue, 'tfjsMetric: y_true');
    checkTensor(tf, yPred, 'tfjsMetric: y_pred');
    const t = read(yTrue);
    const p = read(yPred);
    if (f64) p.data = Float64Array.from(p.data);
    const losses = perSample.call(t, p);
    if (typeof losses === 'number') return tf.scalar(-losses);
    const cos = new Float32Array(losses.data.length);
    for (let i = 0; i < cos.length; i++) cos[i] = -losses.data[i];
    return tf.tensor(cos, losses.shape, 'float32');
  };
  return named(metricFn, metric.name);
}

// An independent gradient oracle: Keras's CosineSimilarity formula composed
// from TF.js ops (tfjs-core + the CPU backend, float32) and differentiated by
// TF.js autodiff (tf.grads). TF.js's own cosineDistance / cosineProximity are
// NOT Keras semantics and are not used.
//
// tfjs-core's Node bundle (dist/tf-core.node.js) ships no gradient functions;
// they live in the ESM files under dist/gradients/, whose relative imports have
// no file extension. A resolve hook (registered for this process only) adds
// '.js' to those specifiers so that dist/register_all_gradients.js can be
// imported; it registers into tfjs-core's global gradient registry, which the
// CJS engine shares.
import { register } from 'node:module';

const HOOK = `
export async function resolve(specifier, context, next) {
  const parent = context.parentURL || '';
  if ((specifier.startsWith('./') || specifier.startsWith('../')) &&
      parent.includes('/@tensorflow/tfjs-core/dist/') && !/\\.(m?js|json)$/.test(specifier)) {
    try { return await next(specifier + '.js', context); } catch { return next(specifier + '/index.js', context); }
  }
  return next(specifier, context);
}`;

let tfPromise = null;

/** Loads tfjs-core + CPU backend + all gradients once; resolves to the tf namespace. */
export function loadTf() {
  tfPromise ??= (async () => {
    register('data:text/javascript,' + encodeURIComponent(HOOK), import.meta.url);
    const tf = await import('@tensorflow/tfjs-core');
    tf.env().set('PROD', true); // silences the "install tfjs-node" banner
    await import('@tensorflow/tfjs-backend-cpu');
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    await tf.setBackend('cpu');
    await tf.ready();
    return tf;
  })();
  return tfPromise;
}

let layersPromise = null;

/**
 * loadTf() plus the wasm backend and tfjs-layers (for sequential/compile/fit): resolves to
 * { tf, tfl }. The two share one tfjs-core (the CommonJS build that both packages resolve to).
 */
export function loadTfLayers() {
  layersPromise ??= (async () => {
    const tf = await loadTf();
    await import('@tensorflow/tfjs-backend-wasm');
    const tfl = await import('@tensorflow/tfjs-layers');
    return { tf, tfl };
  })();
  return layersPromise;
}

/** Switches TF.js to `name` ('cpu' | 'wasm') and waits until it is ready. */
export async function useBackend(tf, name) {
  if (!(await tf.setBackend(name))) throw new Error(`TF.js backend ${name} failed to initialise`);
  await tf.ready();
}

const squeezeLast = (tf, x) => tf.reshape(x, x.shape.slice(0, -1));
const expandLast = (tf, x) => tf.reshape(x, [...x.shape, 1]);

// Keras 2.9: x * rsqrt(max(sum(x^2, axis, keepdims), 1e-12)).
function l2nK2(tf, x, axis) {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), axis, true), 1e-12)));
}

// Keras 3: rank 0 -> [1]; x * minimum(rsqrt(sum(x^2, axis, keepdims)), 1e7).
function l2nK3(tf, x, axis) {
  if (x.rank === 0) x = tf.reshape(x, [1]);
  return tf.mul(x, tf.minimum(tf.rsqrt(tf.sum(tf.square(x), axis, true)), 1e7));
}

function squeezeOrExpandK3(tf, a, b) {
  const ra = a.rank;
  const rb = b.rank;
  if (ra === rb + 1 && a.shape[ra - 1] === 1) {
    if (rb === 1) b = expandLast(tf, b);
    else a = squeezeLast(tf, a);
  } else if (rb === ra + 1 && b.shape[rb - 1] === 1) {
    if (ra === 1) a = expandLast(tf, a);
    else b = squeezeLast(tf, b);
  }
  return [a, b];
}

/**
 * Builds (t, p) => scalar tf tensor = <dy, Keras loss output>, for tf.grads.
 * spec: { flavor: 'keras2'|'keras3', axis, reduction, sampleWeight: {data, shape} | number | undefined,
 *         dy: number | {data, shape} | undefined }
 */
export function kerasObjective(tf, spec) {
  const k3 = spec.flavor === 'keras3';
  const axis = spec.axis ?? -1;
  const reduction = spec.reduction === undefined ? (k3 ? 'sum_over_batch_size' : 'auto') : spec.reduction;
  const toT = (x) => (typeof x === 'number' ? tf.scalar(x) : tf.tensor(Array.from(x.data), x.shape, 'float32'));
  return (t, p) => {
    let out;
    if (!k3) {
      if (p.rank === t.rank + 1 && p.shape[p.rank - 1] === 1) p = squeezeLast(tf, p);
      else if (t.rank === p.rank + 1 && t.shape[t.rank - 1] === 1) t = squeezeLast(tf, t);
      const loss = tf.neg(tf.sum(tf.mul(l2nK2(tf, t, axis), l2nK2(tf, p, axis)), axis));
      let w = spec.sampleWeight === undefined ? tf.scalar(1) : toT(spec.sampleWeight);
      if (w.rank !== 0) {
        if (w.rank - loss.rank === 1) w = squeezeLast(tf, w);
        else if (loss.rank - w.rank === 1) w = expandLast(tf, w);
      }
      const weighted = tf.mul(loss, w);
      if (reduction === 'none') out = weighted;
      else if (reduction === 'sum') out = tf.sum(weighted);
      else out = weighted.size === 0 ? tf.scalar(0) : tf.div(tf.sum(weighted), weighted.size);
    } else {
      [t, p] = squeezeOrExpandK3(tf, t, p);
      let values = tf.neg(tf.sum(tf.mul(l2nK3(tf, t, axis), l2nK3(tf, p, axis)), axis));
      let w = null;
      if (spec.sampleWeight !== undefined) {
        w = toT(spec.sampleWeight);
        [values, w] = squeezeOrExpandK3(tf, values, w);
        values = tf.mul(values, w);
      }
      const pass = values.rank === 0 || (values.rank === 1 && values.shape[0] === 0);
      if (reduction === null || reduction === 'none' || pass) out = values;
      else if (reduction === 'sum') out = tf.sum(values);
      else if (reduction === 'mean_with_sample_weight' && w !== null) out = tf.div(tf.sum(values), tf.sum(w));
      else out = tf.div(tf.sum(values), values.size);
    }
    if (out.rank === 0 && typeof spec.dy !== 'object') return tf.mul(out, spec.dy ?? 1);
    const dy = spec.dy === undefined ? tf.onesLike(out) : tf.reshape(toT(spec.dy), out.shape);
    return tf.sum(tf.mul(out, dy));
  };
}

/**
 * TF.js float32 gradients of the Keras objective at (yTrue, yPred):
 * { yTrue: {data: Float32Array, shape}, yPred: {data, shape} }.
 */
export function tfGradients(tf, spec, yTrue, yPred) {
  return tf.tidy(() => {
    const t = tf.tensor(Array.from(yTrue.data), yTrue.shape, 'float32');
    const p = tf.tensor(Array.from(yPred.data), yPred.shape, 'float32');
    const [gt, gp] = tf.grads(kerasObjective(tf, spec))([t, p]);
    return {
      yTrue: { data: gt.dataSync().slice(), shape: [...gt.shape] },
      yPred: { data: gp.dataSync().slice(), shape: [...gp.shape] },
    };
  });
}

/** The Keras objective value itself (float32, TF.js). */
export function tfValue(tf, spec, yTrue, yPred) {
  return tf.tidy(() => {
    const t = tf.tensor(Array.from(yTrue.data), yTrue.shape, 'float32');
    const p = tf.tensor(Array.from(yPred.data), yPred.shape, 'float32');
    return kerasObjective(tf, spec)(t, p).dataSync()[0];
  });
}

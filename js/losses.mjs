// tf.keras.losses.CosineSimilarity: options, config and conversion; the computation is the bound
// C++ CosineSimilarity (cpp/include/cossim/cosine_similarity.h).
import { native } from './state.mjs';
import { computationDtype, describe, toTensor } from './tensor.mjs';

export const Reduction = Object.freeze({
  AUTO: 'auto',
  NONE: 'none',
  SUM: 'sum',
  SUM_OVER_BATCH_SIZE: 'sum_over_batch_size',
});

export const FLAVORS = Object.freeze(['keras2', 'keras3']);

// The bound C++ objects hold only a configuration, so identical configurations share one, kept
// in a small cache; users never dispose of anything and a million losses allocate nothing native.
const CACHE_LIMIT = 64;
const nativeLosses = new Map();

export const nativeKey = (reductionCode, flavor, axes, form = 0) =>
  `${flavor}|${reductionCode}|${axes.join(',')}|${form}`;

// The module's loss for a configuration; `key` is nativeKey(...) of it (computed once by callers);
// `form` the layout's form code (undefined: the loss class).
export function nativeLoss(key, reductionCode, flavor, axes, form) {
  let loss = nativeLosses.get(key);
  if (loss === undefined) {
    if (nativeLosses.size >= CACHE_LIMIT) {
      const [oldestKey, oldest] = nativeLosses.entries().next().value;
      nativeLosses.delete(oldestKey);
      native('CosineSimilarity').deleteLoss(oldest);
    }
    loss = native('CosineSimilarity').newLoss(reductionCode, flavor, axes, form);
    nativeLosses.set(key, loss);
  }
  return loss;
}

// The module's loss with reduction 'none' for a flavour name and an axis list: similarity, the
// metric and the function form compute their per-sample values with it. `form`: the layout's form
// code (the loss class unless given).
export function unreducedLoss(n, flavorName, axes, form = n.layout.form.lossClass) {
  const none = n.REDUCTION_NONE;
  const flavor = flavorCode(n, flavorName);
  return nativeLoss(nativeKey(none, flavor, axes, form), none, flavor, axes, form);
}

export function normalizeAxis(axis, what = 'CosineSimilarity') {
  if (axis === null || axis === undefined) {
    throw new TypeError(`${what}: axis must be an integer or an array of integers; got ${describe(axis)}`);
  }
  const list = Array.isArray(axis) ? axis : [axis];
  if (list.length > 32) throw new RangeError(`${what}: at most 32 axes; got ${list.length}`);
  for (const a of list) {
    if (typeof a !== 'number' || !Number.isInteger(a)) {
      throw new TypeError(`${what}: axis must be an integer or an array of integers; got ${
        Array.isArray(axis) ? `[${axis.map(String).join(', ')}]` : describe(axis)}`);
    }
    if (Math.abs(a) > 2 ** 31 - 1) throw new RangeError(`${what}: axis ${a} is out of range`);
  }
  return list;
}

// Checks an options object against the allowed keys; returns it (or {} for undefined).
export function checkOptions(options, allowed, what) {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${what}: options must be an object; got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      throw new TypeError(`${what}: unknown option '${key}' (expected one of ${allowed.join(', ')})`);
    }
  }
  return options;
}

// -> the flavour's code in the module's interface (names only: '__proto__' and the like are not
// flavours).
export function parseFlavor(flavor, what) {
  if (!FLAVORS.includes(flavor)) {
    throw new TypeError(`${what}: flavor must be 'keras2' or 'keras3'; got ${describe(flavor)}`);
  }
  return flavor;
}

export function parseDtype(dtype, what) {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new TypeError(`${what}: dtype must be 'float32' or 'float64'; got ${describe(dtype)}`);
  }
  return dtype;
}

// Dtype and flavour names to the module's codes.
export const dtypeCode = (n, name) => (name === undefined ? undefined : n.layout.dtype[name]);
export const flavorCode = (n, name) => n.layout.flavor[name];

const KERAS2_KEYS = ['axis', 'reduction', 'name', 'flavor'];
const KERAS3_KEYS = ['axis', 'reduction', 'name', 'flavor', 'dtype'];

export class CosineSimilarity {
  // options: { axis = -1, reduction = 'auto' ('sum_over_batch_size' for keras3),
  //            name = 'cosine_similarity', flavor = 'keras2', dtype (keras3 only) }
  constructor(options) {
    const n = native('CosineSimilarity');
    const flavorName = parseFlavor(options?.flavor ?? 'keras2', 'CosineSimilarity');
    const keras3 = flavorName === 'keras3';
    options = checkOptions(options, keras3 ? KERAS3_KEYS : KERAS2_KEYS, 'CosineSimilarity');
    const flavor = flavorCode(n, flavorName);
    const {
      axis = -1,
      reduction = keras3 ? 'sum_over_batch_size' : Reduction.AUTO,
      name = 'cosine_similarity',
    } = options;
    if (reduction !== null && typeof reduction !== 'string') {
      throw new TypeError(`CosineSimilarity: reduction must be a string; got ${describe(reduction)}`);
    }
    if (typeof name !== 'string') {
      throw new TypeError(`CosineSimilarity: name must be a string; got ${describe(name)}`);
    }
    this.axes = normalizeAxis(axis);
    this.axis = Array.isArray(axis) ? [...axis] : axis;
    this.reduction = reduction;
    this.name = name;
    this.flavor = flavorName;
    this.dtype = options.dtype;
    this.dtypeCode = options.dtype === undefined ? undefined : dtypeCode(n, parseDtype(options.dtype, 'CosineSimilarity'));
    // Python's None, as Keras would print it in its error message (Keras 3 accepts it as 'none').
    this.reductionCode = n.parseReduction(reduction === null ? 'None' : reduction, flavor);
    this.reduced = this.reductionCode !== n.REDUCTION_NONE;
    this.flavorCode = flavor;
    this.key = nativeKey(this.reductionCode, flavor, this.axes);
  }

  // -> a number, or { data, shape } for reduction 'none' (and for Keras 3's unreduced [0]
  // pass-through). sampleWeight: a number, a tensor-like, or undefined/null for none.
  call(yTrue, yPred, sampleWeight) {
    const n = native('CosineSimilarity.call()');
    const bound = nativeLoss(this.key, this.reductionCode, this.flavorCode, this.axes);
    const noWeight = sampleWeight === undefined || sampleWeight === null;
    if (noWeight && n.leanArray(yTrue) && n.leanArray(yPred)) {
      n.invokePair(bound, 'call', yTrue, yPred, computationDtype(n, this.dtypeCode, yPred));
    } else {
      const t = toTensor(yTrue, 'y_true');
      const p = toTensor(yPred, 'y_pred');
      const w = noWeight ? null : toTensor(sampleWeight, 'sample_weight');
      n.invoke(bound, 'call', [t, p, w], computationDtype(n, this.dtypeCode, p));
    }
    if (this.reduced) {
      const value = n.scalarResult();
      if (value !== undefined) return value;
    }
    return n.result();
  }

  // d(loss output)/d yPred as { data, shape } (yPred's shape, the computation dtype). options.dy:
  // the upstream gradient, shaped like the output (a number for reduced outputs); without it,
  // reduction 'none' differentiates the sum of the outputs.
  gradient(yTrue, yPred, sampleWeight, options) {
    return this.valueAndGradient(yTrue, yPred, sampleWeight, { ...options, wrt: 'yPred' }).gradient;
  }

  // { value, gradient }: value as call() returns it; gradient as gradient() for wrt 'yPred'
  // (default) or 'yTrue', or { yTrue, yPred } for wrt 'both'.
  valueAndGradient(yTrue, yPred, sampleWeight, options) {
    const { wrt = 'yPred', dy } = checkOptions(options, ['wrt', 'dy'], 'CosineSimilarity.valueAndGradient');
    const bits = { yTrue: 1, yPred: 2, both: 3 }[wrt];
    if (bits === undefined) {
      throw new TypeError(`CosineSimilarity.valueAndGradient: wrt must be 'yPred', 'yTrue' or 'both'; got ${describe(wrt)}`);
    }
    const n = native('CosineSimilarity.valueAndGradient()');
    const t = toTensor(yTrue, 'y_true');
    const p = toTensor(yPred, 'y_pred');
    const w = sampleWeight === undefined || sampleWeight === null
      ? null : toTensor(sampleWeight, 'sample_weight');
    const g = dy === undefined || dy === null ? null : toTensor(dy, 'dy');
    const dtype = computationDtype(n, this.dtypeCode, p);
    n.invoke(nativeLoss(this.key, this.reductionCode, this.flavorCode, this.axes), 'gradient', [t, p, w, g], dtype, bits);
    const result = n.result();
    const value = !this.reduced || result.shape.length > 0 ? result : result.data[0];
    const [gradYTrue, gradYPred] = n.gradients();
    return { value, gradient: bits === 3 ? { yTrue: gradYTrue, yPred: gradYPred } : (gradYPred ?? gradYTrue) };
  }

  getConfig() {
    const axis = Array.isArray(this.axis) ? [...this.axis] : this.axis;
    if (this.flavor === 'keras2') return { reduction: this.reduction, name: this.name, axis };
    const config = { name: this.name, reduction: this.reduction, axis, flavor: this.flavor };
    if (this.dtype !== undefined) config.dtype = this.dtype;
    return config;
  }

  // Accepts getConfig() output, Keras's get_config() JSON, or a serialized
  // { class_name: 'CosineSimilarity', config: {...} }.
  static fromConfig(config) {
    if (config !== null && typeof config === 'object' && 'class_name' in config && 'config' in config) {
      if (config.class_name !== 'CosineSimilarity') {
        throw new TypeError(`CosineSimilarity.fromConfig: class_name is '${config.class_name}'`);
      }
      config = config.config;
    }
    return new this(config);
  }
}

// Keras's function form tf.keras.losses.cosine_similarity: per-sample losses as { data, shape }.
// It differs from the class with reduction 'none' in one rule: no squeeze of a trailing dim of 1
// (keras-semantics.md §1.1 vs §2.1), which the core applies per form.
export function cosineSimilarity(yTrue, yPred, axis = -1) {
  const n = native('losses.cosineSimilarity()');
  const axes = normalizeAxis(axis, 'losses.cosineSimilarity()');
  const bound = unreducedLoss(n, 'keras2', axes, n.layout.form.function);
  const p = toTensor(yPred, 'y_pred');
  n.invoke(bound, 'call', [toTensor(yTrue, 'y_true'), p, null], computationDtype(n, undefined, p));
  return n.result();
}

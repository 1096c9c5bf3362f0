// tf.keras.losses.CosineSimilarity: options, config and conversion; the computation is the bound
// C++ CosineSimilarity (cpp/include/cossim/cosine_similarity.h).
import { DTYPE_F32, DTYPE_F64 } from './native.mjs';
import { describe, toTensor } from './tensor.mjs';

export const Reduction = Object.freeze({
  AUTO: 'auto',
  NONE: 'none',
  SUM: 'sum',
  SUM_OVER_BATCH_SIZE: 'sum_over_batch_size',
});

let native = null;
export function bindNative(n) {
  native = n;
}

// The bound C++ objects hold only a configuration, so identical configurations share one, kept
// in a small cache; users never dispose of anything and a million losses allocate nothing native.
const CACHE_LIMIT = 64;
const nativeLosses = new Map();

export function nativeLoss(key, reductionCode, axes) {
  let loss = nativeLosses.get(key);
  if (loss === undefined) {
    if (nativeLosses.size >= CACHE_LIMIT) {
      const [oldestKey, oldest] = nativeLosses.entries().next().value;
      nativeLosses.delete(oldestKey);
      oldest.delete();
    }
    loss = native.newLoss(reductionCode, axes);
    nativeLosses.set(key, loss);
  }
  return loss;
}

function requireNative() {
  if (!native) throw new Error('cossim: CosineSimilarity needs the WebAssembly module: await ready() first');
  return native;
}

const OPTION_KEYS = ['axis', 'reduction', 'name'];

export function normalizeAxis(axis) {
  const list = Array.isArray(axis) ? axis : [axis];
  if (list.length > 32) throw new RangeError(`CosineSimilarity: at most 32 axes; got ${list.length}`);
  for (const a of list) {
    if (typeof a !== 'number' || !Number.isInteger(a)) {
      throw new TypeError(`CosineSimilarity: axis must be an integer or an array of integers; got ${
        Array.isArray(axis) ? `[${axis.map(String).join(', ')}]` : describe(axis)}`);
    }
    if (Math.abs(a) > 2 ** 31 - 1) throw new RangeError(`CosineSimilarity: axis ${a} is out of range`);
  }
  return list;
}

export class CosineSimilarity {
  // options: { axis = -1, reduction = 'auto', name = 'cosine_similarity' }
  constructor(options = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new TypeError(`CosineSimilarity: options must be an object; got ${describe(options)}`);
    }
    for (const key of Object.keys(options)) {
      if (!OPTION_KEYS.includes(key)) {
        throw new TypeError(`CosineSimilarity: unknown option '${key}' (expected one of ${OPTION_KEYS.join(', ')})`);
      }
    }
    const { axis = -1, reduction = Reduction.AUTO, name = 'cosine_similarity' } = options;
    if (typeof reduction !== 'string') {
      throw new TypeError(`CosineSimilarity: reduction must be a string; got ${describe(reduction)}`);
    }
    if (typeof name !== 'string') {
      throw new TypeError(`CosineSimilarity: name must be a string; got ${describe(name)}`);
    }
    this.axes = normalizeAxis(axis);
    this.axis = Array.isArray(axis) ? [...axis] : axis;
    this.reduction = reduction;
    this.name = name;
    this.reductionCode = requireNative().parseReduction(reduction);
    this.nativeKey = `${this.reductionCode}|${this.axes.join(',')}`;
  }

  // -> a number, or { data, shape } for reduction 'none'. sampleWeight: a number, a tensor-like,
  // or undefined/null for none.
  call(yTrue, yPred, sampleWeight) {
    const n = requireNative();
    const t = toTensor(yTrue, 'y_true');
    const p = toTensor(yPred, 'y_pred');
    const w = sampleWeight === undefined || sampleWeight === null
      ? null : toTensor(sampleWeight, 'sample_weight');
    const dtype = p.data instanceof Float64Array ? DTYPE_F64 : DTYPE_F32;
    const result = n.run(nativeLoss(this.nativeKey, this.reductionCode, this.axes), 'call', [t, p, w], dtype);
    return this.reduction === Reduction.NONE ? result : result.data[0];
  }

  getConfig() {
    return {
      reduction: this.reduction,
      name: this.name,
      axis: Array.isArray(this.axis) ? [...this.axis] : this.axis,
    };
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
export function cosineSimilarity(yTrue, yPred, axis = -1) {
  return new CosineSimilarity({ axis, reduction: Reduction.NONE }).call(yTrue, yPred);
}

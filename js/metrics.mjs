// tf.keras.metrics.CosineSimilarity: a streaming weighted mean of +cos. The per-sample values and
// the weighting rules run in the C++ core (cpp/include/cossim/metric.h); this class keeps the
// running state, a pair of float64 numbers { total, count }, so states merge by addition and
// serialise as JSON.
import {
  checkOptions, dtypeCode, normalizeAxis, parseDtype, parseFlavor, unreducedLoss,
} from './losses.mjs';
import { native } from './state.mjs';
import { computationDtype, describe, toTensor } from './tensor.mjs';

const KEYS = ['name', 'dtype', 'axis', 'flavor'];

// States are JSON: in JSON a non-finite total (a NaN sample is kept, as Keras keeps it) is written
// as the string 'NaN', 'Infinity' or '-Infinity' (JSON.stringify would otherwise turn it into
// null), through a non-enumerable toJSON, so getState() itself holds plain numbers.
const NON_FINITE = { NaN, Infinity, '-Infinity': -Infinity };
function stateToJSON() {
  return { total: Number.isFinite(this.total) ? this.total : String(this.total), count: this.count };
}

function decodeState(state, what) {
  if (state === null || typeof state !== 'object') {
    throw new TypeError(`${what}: a state is { total: number, count: number }; got ${describe(state)}`);
  }
  let { total, count } = state;
  if (typeof total === 'string' && Object.hasOwn(NON_FINITE, total)) total = NON_FINITE[total];
  if (typeof total !== 'number' || typeof count !== 'number') {
    throw new TypeError(`${what}: a state is { total: number, count: number }; got ${describe(state)}`);
  }
  // count is Σw: a finite non-negative number (weights may be fractional), or NaN once a NaN
  // weight was seen (kept, as Keras keeps it).
  if (!(count >= 0 && count < Infinity) && !Number.isNaN(count)) {
    throw new RangeError(`${what}: count must be a finite non-negative number; got ${count}`);
  }
  return { total, count };
}

export class CosineSimilarity {
  // options: { name = 'cosine_similarity', dtype = 'float32', axis = -1, flavor = 'keras2' }
  constructor(options) {
    options = checkOptions(options, KEYS, 'metrics.CosineSimilarity');
    const { name = 'cosine_similarity', dtype = 'float32', axis = -1, flavor = 'keras2' } = options;
    if (typeof name !== 'string') {
      throw new TypeError(`metrics.CosineSimilarity: name must be a string; got ${describe(name)}`);
    }
    parseFlavor(flavor, 'metrics.CosineSimilarity');
    parseDtype(dtype, 'metrics.CosineSimilarity');
    this.axes = normalizeAxis(axis, 'metrics.CosineSimilarity');
    this.name = name;
    this.dtype = dtype;
    this.axis = Array.isArray(axis) ? [...axis] : axis;
    this.flavor = flavor;
    this.total = 0;
    this.count = 0;
  }

  // Adds a batch. sampleWeight: a number, a tensor-like, or undefined/null for none.
  updateState(yTrue, yPred, sampleWeight) {
    const n = native('metrics.CosineSimilarity.updateState()');
    const bound = unreducedLoss(n, this.flavor, this.axes);
    const dtype = dtypeCode(n, this.dtype);
    const noWeight = sampleWeight === undefined || sampleWeight === null;
    if (noWeight && n.leanArray(yTrue) && n.leanArray(yPred)) {
      n.invokePair(bound, 'metric', yTrue, yPred, dtype);
    } else {
      const t = toTensor(yTrue, 'y_true');
      const p = toTensor(yPred, 'y_pred');
      const w = noWeight ? null : toTensor(sampleWeight, 'sample_weight');
      n.invoke(bound, 'metric', [t, p, w], computationDtype(n, dtype, p));
    }
    const [total, count] = n.numbers();
    this.total += total;
    this.count += count;
  }

  // Σw·v / Σw over everything seen, in the metric's dtype; 0 when the weights sum to 0
  // (divide_no_nan).
  result() {
    const r = this.count === 0 ? 0 : this.total / this.count;
    return this.dtype === 'float32' ? Math.fround(r) : r;
  }

  resetState() {
    this.total = 0;
    this.count = 0;
  }

  // Keras's Metric.__call__: update, then the result.
  call(yTrue, yPred, sampleWeight) {
    this.updateState(yTrue, yPred, sampleWeight);
    return this.result();
  }

  merge(other) {
    if (!(other instanceof CosineSimilarity)) {
      throw new TypeError(`metrics.CosineSimilarity.merge: expected a metrics.CosineSimilarity; got ${describe(other)}`);
    }
    this.total += other.total;
    this.count += other.count;
  }

  // { total, count } as numbers; JSON.stringify of it round-trips through setState (see above).
  getState() {
    const state = { total: this.total, count: this.count };
    Object.defineProperty(state, 'toJSON', { value: stateToJSON });
    return state;
  }

  setState(state) {
    const { total, count } = decodeState(state, 'metrics.CosineSimilarity.setState');
    this.total = total;
    this.count = count;
  }

  getConfig() {
    const config = { name: this.name, dtype: this.dtype, axis: Array.isArray(this.axis) ? [...this.axis] : this.axis };
    if (this.flavor !== 'keras2') config.flavor = this.flavor;
    return config;
  }

  static fromConfig(config) {
    if (config !== null && typeof config === 'object' && 'class_name' in config && 'config' in config) {
      if (config.class_name !== 'CosineSimilarity') {
        throw new TypeError(`metrics.CosineSimilarity.fromConfig: class_name is '${config.class_name}'`);
      }
      config = config.config;
    }
    return new this(config);
  }
}

export const metrics = Object.freeze({ CosineSimilarity });


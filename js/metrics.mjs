// tf.keras.metrics.CosineSimilarity: a streaming weighted mean of +cos. The per-sample values and
// the weighting rules run in the C++ core (cpp/include/cossim/metric.h); this class keeps the
// running state, a pair of float64 numbers { total, count }, so states merge by addition and
// serialise as JSON.
import {
  checkOptions, computationDtype, nativeKey, nativeLoss, normalizeAxis, parseDtype, parseFlavor,
  requireNative,
} from './losses.mjs';
import { describe, toTensor } from './tensor.mjs';

const REDUCTION_NONE = 1;
const KEYS = ['name', 'dtype', 'axis', 'flavor'];

function checkState(state, what) {
  if (state === null || typeof state !== 'object' ||
      typeof state.total !== 'number' || typeof state.count !== 'number') {
    throw new TypeError(`${what}: a state is { total: number, count: number }; got ${describe(state)}`);
  }
}

export class CosineSimilarity {
  // options: { name = 'cosine_similarity', dtype = 'float32', axis = -1, flavor = 'keras2' }
  constructor(options) {
    options = checkOptions(options, KEYS, 'metrics.CosineSimilarity');
    const { name = 'cosine_similarity', dtype = 'float32', axis = -1, flavor = 'keras2' } = options;
    if (typeof name !== 'string') {
      throw new TypeError(`metrics.CosineSimilarity: name must be a string; got ${describe(name)}`);
    }
    this.flavorCode = parseFlavor(flavor, 'metrics.CosineSimilarity');
    this.dtypeCode = parseDtype(dtype, 'metrics.CosineSimilarity');
    this.axes = normalizeAxis(axis, 'metrics.CosineSimilarity');
    this.name = name;
    this.dtype = dtype;
    this.axis = Array.isArray(axis) ? [...axis] : axis;
    this.flavor = flavor;
    this.total = 0;
    this.count = 0;
    this.key = nativeKey(REDUCTION_NONE, this.flavorCode, this.axes);
  }

  // Adds a batch. sampleWeight: a number, a tensor-like, or undefined/null for none.
  updateState(yTrue, yPred, sampleWeight) {
    const n = requireNative('metrics.CosineSimilarity');
    const t = toTensor(yTrue, 'y_true');
    const p = toTensor(yPred, 'y_pred');
    const w = sampleWeight === undefined || sampleWeight === null
      ? null : toTensor(sampleWeight, 'sample_weight');
    n.invoke(nativeLoss(this.key, REDUCTION_NONE, this.flavorCode, this.axes), 'metric', [t, p, w],
      computationDtype(this.dtypeCode, p));
    const [total, count] = n.metricUpdate();
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

  getState() {
    return { total: this.total, count: this.count };
  }

  setState(state) {
    checkState(state, 'metrics.CosineSimilarity.setState');
    this.total = state.total;
    this.count = state.count;
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


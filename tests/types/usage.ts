// A typed tour of the public API: every export of 'cossim', type-checked (never run) by
// `npm run typecheck` (tsc -p tests/types/tsconfig.json). Lines under @ts-expect-error must NOT type-check.
import {
  ready, backend, heapBytes, tensor, Reduction, CosineSimilarity, losses, metrics, alloc, HeapTensor,
  similarity, pairwise, topK, internal, tfjsLoss, cosine,
} from 'cossim';
import type {
  AnyCosineSimilarity, Backend, CosineSimilarityOptions, Dtype, Keras2LossConfig, Keras3LossConfig,
  MetricConfig, MetricState, Result, TensorLike, TopKResult, Tensor, BothGradients, Wrt, TfLike,
} from 'cossim';

// Exact type equality, so that the checks below pin types rather than mere assignability.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T>(_value: T): void {}
function assertType<_T extends true>(): void {}

// --- Loading -------------------------------------------------------------------------------------
await ready();
await ready({ backend: 'auto' });
await ready({ backend: 'scalar', wasmBinary: new Uint8Array(8) });
await ready({ locateFile: (name) => `/static/${name}` });
// @ts-expect-error -- no such backend
await ready({ backend: 'gpu' });
// @ts-expect-error -- unknown option
await ready({ wasm: 'x.wasm' });
const which: Backend = backend();
assertType<Equal<typeof which, 'simd' | 'scalar'>>();
const bytes: number = heapBytes();

// --- Tensor-likes ---------------------------------------------------------------------------------
const yTrue = [[0, 1], [1, 1]];
const yPred = [[1, 0], [1, 1]];
const deep: TensorLike = [[[[1, 2]]], [[[3, 4]]]];
const typed: TensorLike[] = [
  new Int8Array(2), new Uint8Array(2), new Uint8ClampedArray(2), new Int16Array(2), new Uint16Array(2),
  new Int32Array(2), new Uint32Array(2), new Float32Array(2), new Float64Array(2),
];
const flat: TensorLike = { data: [1, 2, 3, 4], shape: [2, 2] };
const tfLike: TensorLike = { shape: [2, 2], dataSync: () => new Float32Array(4) };
const scalar: TensorLike = 3;
// @ts-expect-error -- BigInt data is not supported
const big: TensorLike = new BigInt64Array(2);
// @ts-expect-error -- strings are not tensors
const str: TensorLike = ['a', 'b'];
// @ts-expect-error -- { data, shape } needs a shape
const noShape: TensorLike = { data: [1, 2] };

const t1 = tensor(new Float64Array(6), [2, 3]);
expectType<Tensor<Float64Array>>(t1);
const t2 = tensor([[1, 2], [3, 4]]);
assertType<Equal<typeof t2.data, number[]>>();
const t3 = tensor(new Int16Array(3));            // keeps the array's own type
const t3data: Int16Array = t3.data;
// @ts-expect-error -- an Int16Array stays an Int16Array
const t3wrong: Float32Array = t3.data;
const t4: Tensor = tensor(tfLike);
const t5 = tensor(alloc(3, 'float64'));           // a heap tensor's own view and frozen shape
assertType<Equal<typeof t5.data, Float64Array>>();
// @ts-expect-error -- a heap tensor's shape is frozen
t5.shape.push(1);
const shape: number[] = t1.shape;
// @ts-expect-error -- with a shape, data must be flat
tensor([[1, 2]], [1, 2]);

// --- Reduction --------------------------------------------------------------------------------
assertType<Equal<typeof Reduction.SUM_OVER_BATCH_SIZE, 'sum_over_batch_size'>>();
assertType<Equal<Reduction, 'auto' | 'none' | 'sum' | 'sum_over_batch_size'>>();
// @ts-expect-error -- frozen
Reduction.AUTO = 'none';

// --- The loss (Keras 2) -----------------------------------------------------------------------------
const loss = new CosineSimilarity({ axis: 1 });
assertType<Equal<typeof loss, CosineSimilarity<'keras2', 'auto'>>>();
const v: number = loss.call(yTrue, yPred);                         // -0.5
const vw: number = loss.call(yTrue, yPred, [0.8, 0.2]);             // -0.1
loss.call(yTrue, yPred, null);
loss.call(new Float32Array([1, 2]), tensor(new Float32Array([2, 1]), [2]), 2);
const none = new CosineSimilarity({ axis: 1, reduction: 'none' }).call(yTrue, yPred);
assertType<Equal<typeof none, Result>>();
const noneData: Float32Array | Float64Array = none.data;
const summed = new CosineSimilarity({ axis: 1, reduction: Reduction.SUM }).call(yTrue, yPred);
assertType<Equal<typeof summed, number>>();
const lossR = new CosineSimilarity({ reduction: Reduction.NONE });
assertType<Equal<typeof lossR.reduction, 'none'>>();
// @ts-expect-error -- 'none' returns { data, shape }, not a number
const wrongNone: number = new CosineSimilarity({ reduction: 'none' }).call(yTrue, yPred);
// @ts-expect-error -- not a reduction
new CosineSimilarity({ reduction: 'mean_squared' });
// @ts-expect-error -- 'mean' is Keras 3 only
new CosineSimilarity({ reduction: 'mean' });
// @ts-expect-error -- null (None) is Keras 3 only
new CosineSimilarity({ reduction: null });
// @ts-expect-error -- dtype is Keras 3 only
new CosineSimilarity({ dtype: 'float64' });
// @ts-expect-error -- unknown option
new CosineSimilarity({ axes: [1] });
// @ts-expect-error -- reduction must be a key, not a number
new CosineSimilarity({ reduction: 1 });
new CosineSimilarity({ axis: [0, -1], name: 'cos' });
new CosineSimilarity();

// A reduction only known at runtime: the value type widens soundly.
declare const someReduction: Reduction;
const wide = new CosineSimilarity({ reduction: someReduction }).call(yTrue, yPred);
assertType<Equal<typeof wide, number | Result>>();

// Gradients.
const g = loss.gradient(yTrue, yPred);
assertType<Equal<typeof g, Result>>();
loss.gradient(yTrue, yPred, [0.8, 0.2], { dy: 2 });
new CosineSimilarity({ reduction: 'none' }).gradient(yTrue, yPred, undefined, { dy: [1, -1] });
const vg = loss.valueAndGradient(yTrue, yPred);
assertType<Equal<typeof vg.value, number>>();
assertType<Equal<typeof vg.gradient, Result>>();
const vgT = loss.valueAndGradient(yTrue, yPred, null, { wrt: 'yTrue', dy: 1 });
assertType<Equal<typeof vgT.gradient, Result>>();
const vgB = loss.valueAndGradient(yTrue, yPred, undefined, { wrt: 'both' });
assertType<Equal<typeof vgB.gradient, BothGradients>>();
const gTrue: Result = vgB.gradient.yTrue;
const gPred: Result = vgB.gradient.yPred;
declare const someWrt: Wrt;
const vgW = loss.valueAndGradient(yTrue, yPred, undefined, { wrt: someWrt });
assertType<Equal<typeof vgW.gradient, Result | BothGradients>>();
// @ts-expect-error -- unknown wrt
loss.valueAndGradient(yTrue, yPred, undefined, { wrt: 'weights' });
// @ts-expect-error -- gradient() has no wrt option
loss.gradient(yTrue, yPred, undefined, { wrt: 'yTrue' });
// @ts-expect-error -- a single gradient has no yTrue member
loss.valueAndGradient(yTrue, yPred).gradient.yTrue;

// Config round trips.
const cfg = loss.getConfig();
assertType<Equal<typeof cfg, Keras2LossConfig<'auto'>>>();
const again = CosineSimilarity.fromConfig(cfg);
assertType<Equal<typeof again, CosineSimilarity<'keras2', 'auto'>>>();
CosineSimilarity.fromConfig({ reduction: 'sum', name: 'cosine_similarity', axis: -1 });
CosineSimilarity.fromConfig({ class_name: 'CosineSimilarity', config: { reduction: 'none', axis: 1 } });
const fromJson = CosineSimilarity.fromConfig(JSON.parse('{"reduction": "none"}'));  // untyped JSON
assertType<Equal<typeof fromJson, AnyCosineSimilarity>>();
const fromTypedJson: AnyCosineSimilarity = CosineSimilarity.fromConfig(JSON.parse('{"axis": 1}') as CosineSimilarityOptions);
// @ts-expect-error -- untyped JSON: the reduction (so the value's type) is unknown
const fromJsonValue: number = fromJson.call(yTrue, yPred);
// @ts-expect-error -- another class's config
CosineSimilarity.fromConfig({ class_name: 'MeanSquaredError', config: {} });
const anyLoss: AnyCosineSimilarity = new CosineSimilarity({ reduction: 'none' });
const anyValue = anyLoss.call(yTrue, yPred);
assertType<Equal<typeof anyValue, number | Result>>();
const name: string = loss.name;
const axis: number | number[] = loss.axis;
const flavor: 'keras2' = loss.flavor;
// @ts-expect-error -- readonly
loss.reduction = 'sum';

// --- The loss (Keras 3) -----------------------------------------------------------------------------
const k3 = new CosineSimilarity({ flavor: 'keras3', axis: 1, dtype: 'float64' });
assertType<Equal<typeof k3, CosineSimilarity<'keras3', 'sum_over_batch_size'>>>();
// Keras 3 hands [] / [0]-shaped losses back unreduced, so a reduced call may be a Result.
const k3v = k3.call(yTrue, yPred);
assertType<Equal<typeof k3v, number | Result>>();
const k3None = new CosineSimilarity({ flavor: 'keras3', reduction: null }).call(yTrue, yPred);
assertType<Equal<typeof k3None, Result>>();
new CosineSimilarity({ flavor: 'keras3', reduction: 'mean_with_sample_weight' }).call(yTrue, yPred, [0.8, 0.2]);
new CosineSimilarity({ flavor: 'keras3', reduction: 'mean' });
// @ts-expect-error -- 'auto' is Keras 2 only
new CosineSimilarity({ flavor: 'keras3', reduction: 'auto' });
// @ts-expect-error -- no such dtype
new CosineSimilarity({ flavor: 'keras3', dtype: 'float16' });
// @ts-expect-error -- no such flavor
new CosineSimilarity({ flavor: 'keras1' });
const k3cfg = k3.getConfig();
assertType<Equal<typeof k3cfg, Keras3LossConfig<'sum_over_batch_size'>>>();
const k3dtype: Dtype | undefined = k3cfg.dtype;
const k3again = CosineSimilarity.fromConfig(k3cfg);
assertType<Equal<typeof k3again, CosineSimilarity<'keras3', 'sum_over_batch_size'>>>();
const k3vg = k3.valueAndGradient(yTrue, yPred, 1, { wrt: 'both', dy: 1 });
assertType<Equal<typeof k3vg.value, number | Result>>();
const opts: CosineSimilarityOptions = { flavor: 'keras3', reduction: null, dtype: 'float32' };
const anyK3: AnyCosineSimilarity = k3;
const fromOpts: AnyCosineSimilarity = new CosineSimilarity(opts);
// @ts-expect-error -- the union of options forbids dtype on Keras 2
const badOpts: CosineSimilarityOptions = { flavor: 'keras2', dtype: 'float32' };

// --- losses ------------------------------------------------------------------------------------------
const same: typeof CosineSimilarity = losses.CosineSimilarity;
const viaLosses: losses.CosineSimilarity<'keras2', 'sum'> = new losses.CosineSimilarity({ reduction: 'sum' });
const perSample: Result = losses.cosineSimilarity([[0, 1], [1, 1], [1, 1]], [[1, 0], [1, 1], [-1, -1]]);
losses.cosineSimilarity(yTrue, yPred, [1]);
// @ts-expect-error -- axis is a number or a list of numbers
losses.cosineSimilarity(yTrue, yPred, 'last');

// --- metrics -------------------------------------------------------------------------------------------
const metric = new metrics.CosineSimilarity({ axis: 1 });
metric.updateState(yTrue, yPred);
metric.updateState(yTrue, yPred, [0.8, 0.2]);
const mean: number = metric.result();
const running: number = metric.call(yTrue, yPred, null);
const other = new metrics.CosineSimilarity({ axis: 1, dtype: 'float64', flavor: 'keras3', name: 'cos' });
metric.merge(other);
const state: MetricState = metric.getState();
other.setState(JSON.parse(JSON.stringify(state)) as MetricState);
metric.resetState();
const mcfg: MetricConfig = metric.getConfig();
const m2: metrics.CosineSimilarity = metrics.CosineSimilarity.fromConfig(mcfg);
metrics.CosineSimilarity.fromConfig({ class_name: 'CosineSimilarity', config: { name: 'cos', dtype: 'float32', axis: -1 } });
const updated: void = metric.updateState(yTrue, yPred);
// @ts-expect-error -- merge takes a metric, not a loss
metric.merge(loss);
// @ts-expect-error -- the metric has no reduction
new metrics.CosineSimilarity({ reduction: 'sum' });
// @ts-expect-error -- a state needs both numbers
metric.setState({ total: 1 });
// @ts-expect-error -- the state is private; use getState()
metric.total;

// --- Heap tensors ---------------------------------------------------------------------------------------
const a32 = alloc([2, 768]);
assertType<Equal<typeof a32, HeapTensor<'float32'>>>();
assertType<Equal<typeof a32.data, Float32Array>>();
a32.data.fill(1);
const a64 = alloc(768, 'float64');
assertType<Equal<typeof a64.data, Float64Array>>();
const ht: HeapTensor = a64;
const htData: Float32Array | Float64Array = ht.data;
const meta: [readonly number[], Dtype, boolean, number, number] = [a32.shape, a32.dtype, a32.disposed, a32.length, a32.address];
loss.call(a32, a32);
const probe: number = internal.sum(a32);
a32.dispose();
// @ts-expect-error -- no such dtype
alloc([2], 'int32');
// Compact tables: filled with set(), read with toFloat32(), searched as the table.
const c8 = alloc([100, 768], 'int8').set(new Float32Array(76800));
assertType<Equal<typeof c8, HeapTensor<'int8'>>>();
const c16: HeapTensor<'float16'> = alloc([100, 768], 'float16').setRows(0, [1, 2]);
const cBack: Float32Array = c16.toFloat32();
const cTop: TopKResult = topK(new Float32Array(768), c8, 10);
const cMeta: [boolean, number, number] = [c8.compact, c8.rows, c8.rowLength];
a32.set([1, 2]).toFloat32();
// @ts-expect-error -- frozen shape
a64.shape.push(1);
// @ts-expect-error -- use alloc()
new HeapTensor([2], 'float32');
// @ts-expect-error -- internal.sum takes a heap tensor only
internal.sum(new Float32Array(4));
a64.dispose();

// --- Similarity and search --------------------------------------------------------------------------------
const sim: Result = similarity(yTrue, yPred);              // +cos per sample
similarity(yTrue, yPred, { axis: [1] });
// @ts-expect-error -- similarity() only takes axis
similarity(yTrue, yPred, { reduction: 'sum' });
const pw = pairwise(new Float32Array(6), new Float32Array(6));
assertType<Equal<typeof pw, Result>>();
pairwise({ data: new Float32Array(6), shape: [2, 3] }, [[1, 2, 3]]);
const top: TopKResult = topK([1, 0, 0], { data: new Float32Array(30), shape: [10, 3] }, 3);
const indices: Int32Array = top.indices;
const scores: Float32Array | Float64Array = top.values;
// @ts-expect-error -- k is a number
topK([1, 0, 0], [[1, 0, 0]], '3');

export {};

// tfjsLoss: the TF.js namespace is passed in; options are the loss's.
declare const tfNamespace: TfLike;
const tfLoss = tfjsLoss(tfNamespace, { axis: 1, reduction: 'sum' });
void tfLoss;

// cosine(a, b) -> number
{
  const c1: number = cosine(new Float32Array(3), new Float32Array(3));
  const c2: number = cosine([1, 2], new Int16Array(2));
  void c1; void c2;
  // @ts-expect-error -- nested arrays are not vectors
  cosine([[1, 2]], [[1, 2]]);
  const h = alloc([3]);
  // @ts-expect-error -- address is read-only
  h.address = 4;
}

// Type declarations for cossim (js/index.mjs): Keras's CosineSimilarity loss and metric, plus
// cosine similarity, pairwise similarity and top-k search, computed by a WebAssembly core.
// Sign convention: the loss is -cos; the metric, similarity(), pairwise() and topK() are +cos.

// ---------------------------------------------------------------------------------------------
// Tensor-likes and results
// ---------------------------------------------------------------------------------------------

/** A non-BigInt typed array; read as rank 1 (row-major data when paired with a shape). */
export type TypedArray =
  | Int8Array
  | Uint8Array
  | Uint8ClampedArray
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | Float32Array
  | Float64Array;

/**
 * A nested number array of any depth, as in the Keras docs (`[]` has shape `[0]`). A level may
 * not mix numbers and arrays; unequal lengths (raggedness) are caught at runtime (`RangeError`).
 */
export type NestedNumberArray = readonly number[] | readonly NestedNumberArray[];

/** Flat row-major data with its shape; `data.length` must equal the product of `shape`. */
export interface DataAndShape {
  /** The elements in row-major order. */
  readonly data: TypedArray | readonly number[];
  /** Non-negative integer dimensions (at most 32). */
  readonly shape: readonly number[];
}

/** Anything with `shape` and `dataSync()`, e.g. a TF.js tensor (cossim does not depend on TF.js). */
export interface TfTensorLike {
  /** The tensor's dimensions. */
  readonly shape: readonly number[];
  /** Its elements in row-major order (read once per call). */
  dataSync(): TypedArray | readonly number[];
}

/**
 * Any accepted tensor input: a number (rank 0), a nested number array, a typed array (rank 1),
 * `{ data, shape }`, a TF.js-like tensor, or a live {@link HeapTensor} (passed without a copy).
 * Invalid forms throw `TypeError`; malformed shapes or ragged arrays throw `RangeError`.
 */
export type TensorLike = number | NestedNumberArray | TypedArray | DataAndShape | TfTensorLike | HeapTensor;

/** A sample weight: a number, a tensor-like, or `null`/`undefined` for none. */
export type SampleWeight = TensorLike | null | undefined;

/**
 * A computed tensor, copied out of WebAssembly memory. `data` is float64 when the computation
 * ran in float64 (`yPred`'s data is a `Float64Array`, or an explicit Keras 3 `dtype`), else float32.
 */
export interface Result {
  /** The values in row-major order. */
  data: Float32Array | Float64Array;
  /** The dimensions (`[]` for a rank-0 result). */
  shape: number[];
}

/** A validated `{ data, shape }` as returned by {@link tensor}. */
export interface Tensor<T extends TypedArray | readonly number[] = TypedArray | number[]> {
  /** The elements (the caller's array itself when one was given). */
  data: T;
  /** The dimensions, as a fresh array. */
  shape: number[];
}

/** The floating-point dtypes of the core. */
export type Dtype = 'float32' | 'float64';
/** The storage dtypes of compact search tables (heap tensors only; README "Compact tables"). */
export type CompactDtype = 'float16' | 'bfloat16' | 'int8';
/** Every dtype a heap tensor can have. */
export type HeapDtype = Dtype | CompactDtype;

/** The typed array of a dtype: `Float64Array` for `'float64'`, `Float32Array` for `'float32'`. */
export type DtypeArray<D extends Dtype> = D extends 'float64' ? Float64Array : Float32Array;

/** An axis or a list of axes; negative axes count from the end of each operand's own rank. */
export type Axis = number | readonly number[];

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** The WebAssembly builds: SIMD128 kernels, or scalar kernels for engines without SIMD. */
export type Backend = 'simd' | 'scalar';

/** Options of {@link ready}; only the first successful call's options matter. */
export interface ReadyOptions {
  /** Which build to load; `'auto'` (the default) picks SIMD when the engine validates it. */
  backend?: Backend | 'auto' | undefined;
  /**
   * Load the full part (adds gradients, `pairwise`, `topK`, compact tables, `tfjsLoss` and
   * `tfjsMetric`, `internal.sum`): the full module and the part's JavaScript, instead of the core
   * module (loss, similarity, metric, `cosine`). Only the first `ready()` decides: asking for it
   * after the core module was loaded rejects with `Error`; full-part calls on the core module throw
   * an `Error` naming `ready({ full: true })`.
   */
  full?: boolean | undefined;
  /** The `.wasm` bytes of the chosen build and part (e.g. `cossim/wasm/cossim_simd.wasm`), instead of reading or fetching the file. */
  wasmBinary?: ArrayBuffer | Uint8Array | undefined;
  /** Maps a file name (e.g. `'cossim_simd.wasm'`) to the URL to fetch it from (bundlers that move the `.wasm`, CDNs). */
  locateFile?: ((name: string) => string) | undefined;
}

/**
 * Loads the WebAssembly module once (idempotent; later calls resolve with the first load).
 * Everything after it is synchronous; computing calls, `alloc()` and the loss constructor throw
 * `Error` before it resolves (`tensor()`, `Reduction` and the metric constructor do not need it).
 * Rejects with `TypeError` for an unknown backend, `Error` if `'simd'` is forced on an engine
 * without SIMD128 or the module fails to load (a later call may then retry), and `Error` when a
 * later call asks for another backend than the loaded one (the module cannot be swapped).
 * If the instance ever traps (a bug), every later call throws an `Error` saying it is unusable.
 */
export declare function ready(options?: ReadyOptions): Promise<void>;

/**
 * Which WebAssembly build is running.
 * @throws Error before {@link ready} has resolved.
 */
export declare function backend(): Backend;

/**
 * The current size of the WebAssembly memory in bytes (it grows, never shrinks).
 * @throws Error before {@link ready} has resolved.
 */
export declare function heapBytes(): number;

// ---------------------------------------------------------------------------------------------
// tensor() and Reduction
// ---------------------------------------------------------------------------------------------

/**
 * Validates flat `data` against `shape` and returns `{ data, shape }` (the same `data` array).
 * @throws TypeError for non-numeric or BigInt data; RangeError for a bad shape or an element-count mismatch.
 */
export declare function tensor<T extends TypedArray | readonly number[]>(data: T, shape: readonly number[]): Tensor<T>;
/**
 * Converts a typed array to `{ data, shape: [length] }` (the same array).
 * @throws TypeError for BigInt typed arrays.
 */
export declare function tensor<T extends TypedArray>(data: T): Tensor<T>;
/**
 * Converts a number or nested number array to flat `{ data, shape }`.
 * @throws TypeError for a non-number element; RangeError for a ragged array or depth over 32.
 */
export declare function tensor(data: number | NestedNumberArray): Tensor<number[]>;
/**
 * Returns a heap tensor's current view and its frozen shape as `{ data, shape }`.
 * @throws Error if the heap tensor was disposed.
 */
export declare function tensor<D extends Dtype>(data: HeapTensor<D>): { data: DtypeArray<D>; readonly shape: readonly number[] };
/**
 * Validates any tensor-like and returns it as `{ data, shape }` (for a heap tensor, its view and
 * frozen shape, which must not be modified).
 * @throws TypeError for an unsupported form or a disposed heap tensor; RangeError for malformed shapes.
 */
export declare function tensor(data: TensorLike): Tensor;

/** Keras 2's `tf.keras.losses.Reduction` keys (a frozen object). */
export declare const Reduction: Readonly<{
  /** `'auto'`: the same as `'sum_over_batch_size'` (Keras 2's default). */
  AUTO: 'auto';
  /** `'none'`: the per-sample losses, unreduced. */
  NONE: 'none';
  /** `'sum'`: the sum of the weighted losses. */
  SUM: 'sum';
  /** `'sum_over_batch_size'`: the weighted sum over the number of loss elements. */
  SUM_OVER_BATCH_SIZE: 'sum_over_batch_size';
}>;
/** One of the Keras 2 reduction keys. */
export type Reduction = (typeof Reduction)[keyof typeof Reduction];

// ---------------------------------------------------------------------------------------------
// The loss
// ---------------------------------------------------------------------------------------------

/** The Keras semantics: `'keras2'` (tf.keras 2.9, the default) or `'keras3'`. */
export type Flavor = 'keras2' | 'keras3';

/** Keras 2's reductions (`'auto'` is the default and means `'sum_over_batch_size'`). */
export type Keras2Reduction = 'auto' | 'none' | 'sum' | 'sum_over_batch_size';

/**
 * Keras 3's reductions (default `'sum_over_batch_size'`); `null` is `'none'`, `'mean'` divides
 * by the number of elements, `'mean_with_sample_weight'` by the sum of the weights.
 */
export type Keras3Reduction = 'sum_over_batch_size' | 'sum' | 'none' | null | 'mean' | 'mean_with_sample_weight';

/** Every reduction of either flavor. */
export type LossReduction = Keras2Reduction | Keras3Reduction;

/** The reductions a flavor accepts. */
export type ReductionFor<F extends Flavor> = F extends 'keras3' ? Keras3Reduction : Keras2Reduction;

/** The reduction a flavor uses when none is given. */
export type DefaultReduction<F extends Flavor> = F extends 'keras3' ? 'sum_over_batch_size' : 'auto';

/**
 * What `call()` returns for a flavor and reduction: a `Result` for `'none'`/`null`, a number for
 * Keras 2's other reductions, and a number or a `Result` for Keras 3's (Keras 3's `reduce_values`
 * passes losses of shape `[]` or `[0]` through unreduced).
 */
export type LossValue<F extends Flavor, R> = R extends 'none' | null
  ? Result
  : F extends 'keras3'
    ? number | Result
    : number;

/** Options of a Keras 2 loss (the default flavor); unknown keys throw `TypeError`. */
export interface Keras2LossOptions<R extends Keras2Reduction = Keras2Reduction> {
  /** The axis or axes along which cosines are taken (default -1). */
  axis?: Axis | undefined;
  /** The reduction (default `'auto'`); an invalid key throws Keras's message. */
  reduction?: R | undefined;
  /** The loss's name (default `'cosine_similarity'`). */
  name?: string | undefined;
  /** `'keras2'` (the default). */
  flavor?: 'keras2' | undefined;
  /** Not accepted by Keras 2 losses: the key's presence throws `TypeError`. */
  dtype?: never;
}

/** Options of a Keras 3 loss; unknown keys throw `TypeError`. */
export interface Keras3LossOptions<R extends Keras3Reduction = Keras3Reduction> {
  /** The axis or axes along which cosines are taken (default -1). */
  axis?: Axis | undefined;
  /** The reduction (default `'sum_over_batch_size'`); an invalid key throws Keras's message. */
  reduction?: R | undefined;
  /** The loss's name (default `'cosine_similarity'`). */
  name?: string | undefined;
  /** Selects Keras 3 semantics. */
  flavor: 'keras3';
  /** The computation dtype; by default float64 iff `yPred`'s data is a `Float64Array`. */
  dtype?: Dtype | undefined;
}

/** Options of the loss: Keras 2 (default) or Keras 3, discriminated by `flavor`. */
export type CosineSimilarityOptions = Keras2LossOptions | Keras3LossOptions;

/**
 * The constructor's options for a given flavor and reduction (both inferred from a literal); as
 * {@link CosineSimilarityOptions}, unknown keys throw `TypeError`.
 */
export interface LossOptionsFor<F extends Flavor, R> {
  /** The axis or axes along which cosines are taken (default -1). */
  axis?: Axis | undefined;
  /** The reduction; defaults to `'auto'` (Keras 2) or `'sum_over_batch_size'` (Keras 3). */
  reduction?: R | undefined;
  /** The loss's name (default `'cosine_similarity'`). */
  name?: string | undefined;
  /** `'keras2'` (default) or `'keras3'`. */
  flavor?: F | undefined;
  /** Keras 3 only (for Keras 2 the key must be absent): the computation dtype (default: `yPred`'s). */
  dtype?: F extends 'keras3' ? Dtype | undefined : never;
}

/** A Keras 2 loss's `getConfig()`, as Keras's `get_config()`. */
export interface Keras2LossConfig<R extends Keras2Reduction = Keras2Reduction> {
  /** The reduction key. */
  reduction: R;
  /** The loss's name. */
  name: string;
  /** The axis or axes. */
  axis: number | number[];
}

/** A Keras 3 loss's `getConfig()`; `dtype` only when one was given. */
export interface Keras3LossConfig<R extends Keras3Reduction = Keras3Reduction> {
  /** The loss's name. */
  name: string;
  /** The reduction key (`null` for None). */
  reduction: R;
  /** The axis or axes. */
  axis: number | number[];
  /** Always `'keras3'`, so that `fromConfig` restores the flavor. */
  flavor: 'keras3';
  /** The explicit computation dtype, when one was given. */
  dtype?: Dtype;
}

/** The config type of a loss of flavor `F` and reduction `R`. */
export type LossConfigFor<F extends Flavor, R> = F extends 'keras3'
  ? Keras3LossConfig<Extract<R, Keras3Reduction>>
  : Keras2LossConfig<Extract<R, Keras2Reduction>>;

/** A serialized Keras object, `{ class_name, config }`; other keys (`module`, …) are ignored. */
export interface SerializedConfig<C> {
  /** Must be `'CosineSimilarity'`, or `fromConfig` throws `TypeError`. */
  class_name: 'CosineSimilarity';
  /** The constructor options. */
  config: C;
  /** Other keys of Keras's serialization (`module`, `registered_name`), ignored. */
  [key: string]: unknown;
}

declare const untypedConfig: unique symbol;
/**
 * Matched only by an argument typed `any` (no value can carry this private key), so that
 * `CosineSimilarity.fromConfig(JSON.parse(text))` gives {@link AnyCosineSimilarity}.
 */
export interface UntypedConfig {
  /** Unreachable: no exported name refers to this key. */
  readonly [untypedConfig]: never;
}

/** Which input `valueAndGradient` differentiates with respect to. */
export type Wrt = 'yPred' | 'yTrue' | 'both';

/** Options of `gradient()`. */
export interface GradientOptions {
  /**
   * The upstream gradient, shaped like the loss output (a number for reduced outputs); without
   * it, 1 (reduction `'none'` differentiates the sum of the outputs).
   */
  dy?: TensorLike | null | undefined;
}

/** Options of `valueAndGradient()`; unknown keys throw `TypeError`. */
export interface ValueAndGradientOptions extends GradientOptions {
  /** `'yPred'` (default), `'yTrue'`, or `'both'`; anything else throws `TypeError`. */
  wrt?: Wrt | undefined;
}

/** Gradients with respect to both inputs, each with its input's shape. */
export interface BothGradients {
  /** d(output)/d yTrue, shaped like `yTrue`, in the computation dtype. */
  yTrue: Result;
  /** d(output)/d yPred, shaped like `yPred`, in the computation dtype. */
  yPred: Result;
}

/** The value of a loss (as `call()` returns it) with a gradient `G`. */
export interface ValueAndGradient<V, G> {
  /** The loss output, as `call()` returns it. */
  value: V;
  /** The gradient of the output. */
  gradient: G;
}

/**
 * `tf.keras.losses`: the loss class and Keras's function form (a frozen object). The class is
 * also exported at the top level as {@link CosineSimilarity}.
 */
export declare namespace losses {
  /**
   * Keras's `CosineSimilarity` loss: value = -cos(yTrue, yPred) along `axis`, reduced. Per-sample
   * values are in [-1, 1] (identical -1, opposite +1, orthogonal -0), beyond by float rounding and up
   * to sqrt(d) in magnitude when broadcasting along the axis; weights and `'sum'` scale the result.
   * Holds no WebAssembly memory. `F` and `R` are inferred from the options, so `call()`'s type follows
   * the reduction; use {@link AnyCosineSimilarity} for a loss of any configuration.
   */
  class CosineSimilarity<F extends Flavor = 'keras2', R extends ReductionFor<F> = DefaultReduction<F>> {
    /**
     * Creates a loss. Defaults: axis -1, reduction `'auto'` (Keras 3: `'sum_over_batch_size'`),
     * name `'cosine_similarity'`, flavor `'keras2'`.
     * @throws Error before {@link ready}, or with Keras's message for an invalid reduction;
     *   TypeError for unknown options or wrong kinds; RangeError for an out-of-range axis.
     */
    constructor(options?: LossOptionsFor<F, R>);

    /** The axis or axes, as given (default -1). */
    readonly axis: number | number[];
    /** The reduction key, as given or defaulted. */
    readonly reduction: R;
    /** The loss's name. */
    readonly name: string;
    /** The Keras semantics in use. */
    readonly flavor: F;
    /** Keras 3's explicit computation dtype, `undefined` when the dtype follows `yPred`. */
    readonly dtype: (F extends 'keras3' ? Dtype : never) | undefined;

    /**
     * The loss, -cos per sample then weighted and reduced: a number for reduced outputs,
     * `{ data, shape }` for `'none'`/`null` (and Keras 3's unreduced `[]`/`[0]` losses).
     * @throws Error before {@link ready}, or with Keras's message for incompatible shapes, axes or
     *   weights; TypeError or RangeError for malformed inputs.
     */
    call(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: SampleWeight): LossValue<F, R>;

    /**
     * d(loss output)/d yPred, shaped like `yPred`, in the computation dtype. In the full part
     * (`ready({ full: true })`), as `valueAndGradient()`.
     * @throws like `call()`; Error for a `dy` whose shape does not match the output, or without
     *   the full part.
     */
    gradient(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: SampleWeight, options?: GradientOptions): Result;

    /**
     * The loss value and its gradients with respect to both inputs.
     * @throws like `gradient()`.
     */
    valueAndGradient(
      yTrue: TensorLike,
      yPred: TensorLike,
      sampleWeight: SampleWeight,
      options: GradientOptions & { wrt: 'both' },
    ): ValueAndGradient<LossValue<F, R>, BothGradients>;
    /**
     * The loss value and its gradient with respect to `yPred` (default) or `yTrue`, shaped like it.
     * @throws like `gradient()`; TypeError for an unknown `wrt`.
     */
    valueAndGradient(
      yTrue: TensorLike,
      yPred: TensorLike,
      sampleWeight?: SampleWeight,
      options?: GradientOptions & { wrt?: 'yPred' | 'yTrue' | undefined },
    ): ValueAndGradient<LossValue<F, R>, Result>;
    /**
     * The loss value and its gradient(s): one `Result`, or `{ yTrue, yPred }` for `wrt: 'both'`.
     * @throws like `gradient()`; TypeError for an unknown `wrt`.
     */
    valueAndGradient(
      yTrue: TensorLike,
      yPred: TensorLike,
      sampleWeight?: SampleWeight,
      options?: ValueAndGradientOptions,
    ): ValueAndGradient<LossValue<F, R>, Result | BothGradients>;

    /** The config, as Keras's `get_config()` (Keras 3 adds `flavor` and a given `dtype`). */
    getConfig(): LossConfigFor<F, R>;

    /**
     * A loss from an untyped config (e.g. `JSON.parse` output, typed `any`): a loss of any flavor
     * and reduction, since its `call()` type cannot be known.
     * @throws TypeError if `class_name` is not `'CosineSimilarity'`; otherwise as the constructor.
     */
    static fromConfig(config: UntypedConfig): AnyCosineSimilarity;
    /**
     * A loss from `getConfig()` output, Keras's `get_config()` JSON, or `{ class_name, config }`.
     * @throws TypeError if `class_name` is not `'CosineSimilarity'`; otherwise as the constructor.
     */
    static fromConfig<F extends Flavor = 'keras2', R extends ReductionFor<F> = DefaultReduction<F>>(
      config: LossOptionsFor<F, R> | SerializedConfig<LossOptionsFor<F, R> | undefined>,
    ): CosineSimilarity<F, R>;
  }

  /**
   * Keras's `cosine_similarity(y_true, y_pred, axis=-1)`: per-sample losses (-cos) as
   * `{ data, shape }`, unreduced and unweighted.
   * @throws as `CosineSimilarity.call()`.
   */
  function cosineSimilarity(yTrue: TensorLike, yPred: TensorLike, axis?: Axis): Result;
}

/** Keras's `CosineSimilarity` loss (-cos); the same class as `losses.CosineSimilarity`. */
export import CosineSimilarity = losses.CosineSimilarity;

/** A loss of any flavor and reduction (what `CosineSimilarity.fromConfig` of unknown JSON gives). */
export type AnyCosineSimilarity = CosineSimilarity<Flavor, LossReduction>;

// ---------------------------------------------------------------------------------------------
// The metric
// ---------------------------------------------------------------------------------------------

/** Options of the metric; unknown keys throw `TypeError`. */
export interface MetricOptions {
  /** The metric's name (default `'cosine_similarity'`). */
  name?: string | undefined;
  /** The result's dtype (default `'float32'`; the state is float64 either way). */
  dtype?: Dtype | undefined;
  /** The axis or axes along which cosines are taken (default -1). */
  axis?: Axis | undefined;
  /** The Keras weighting and shape rules: `'keras2'` (default) or `'keras3'`. */
  flavor?: Flavor | undefined;
}

/** The metric's `getConfig()`, as Keras's `get_config()`; `flavor` only for Keras 3. */
export interface MetricConfig {
  /** The metric's name. */
  name: string;
  /** The result's dtype. */
  dtype: Dtype;
  /** The axis or axes. */
  axis: number | number[];
  /** Present (as `'keras3'`) only for Keras 3 metrics. */
  flavor?: 'keras3';
}

/** The metric's running state: Σ w·cos and Σ w, as float64 numbers (JSON-serialisable). */
export interface MetricState {
  /** The weighted sum of the cosines seen. */
  total: number;
  /** The sum of their weights. */
  count: number;
}

/** `tf.keras.metrics`: the streaming metric class (a frozen object). */
export declare namespace metrics {
  /**
   * Keras's `CosineSimilarity` metric: the weighted mean of +cos(yTrue, yPred) along `axis` over
   * every batch seen, nominally in [-1, 1]; 0 before any update or when the weights sum to 0.
   */
  class CosineSimilarity {
    /**
     * Creates a metric with an empty state. Defaults: name `'cosine_similarity'`, dtype
     * `'float32'`, axis -1, flavor `'keras2'`.
     * @throws TypeError for unknown options or invalid values; RangeError for an out-of-range axis.
     */
    constructor(options?: MetricOptions);

    /** The state: use `getState()` / `setState()`. */
    private total;
    /** The state: use `getState()` / `setState()`. */
    private count;
    /** The metric's name. */
    readonly name: string;
    /** The result's dtype. */
    readonly dtype: Dtype;
    /** The axis or axes, as given (default -1). */
    readonly axis: number | number[];
    /** The Keras semantics in use. */
    readonly flavor: Flavor;

    /**
     * Adds a batch's weighted cosines to the state.
     * @throws Error before {@link ready} or with Keras's message for incompatible shapes or
     *   weights (the state is then unchanged); TypeError or RangeError for malformed inputs.
     */
    updateState(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: SampleWeight): void;

    /** Σ w·cos / Σ w over everything seen (+cos, rounded to the metric's dtype); 0 if Σ w = 0. */
    result(): number;

    /** Empties the state. */
    resetState(): void;

    /**
     * Keras's `Metric.__call__`: `updateState()`, then `result()` (+cos, the running mean).
     * @throws as `updateState()`.
     */
    call(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: SampleWeight): number;

    /**
     * Adds another metric's state to this one (e.g. from another worker).
     * @throws TypeError if `other` is not a `metrics.CosineSimilarity`.
     */
    merge(other: CosineSimilarity): void;

    /** A copy of the state, `{ total, count }`. */
    getState(): MetricState;

    /**
     * Replaces the state (e.g. with a `getState()` result parsed from JSON).
     * @throws TypeError unless `total` and `count` are numbers.
     */
    setState(state: MetricState): void;

    /** The config, as Keras's `get_config()`. */
    getConfig(): MetricConfig;

    /**
     * A metric from `getConfig()` output, Keras's `get_config()` JSON, or `{ class_name, config }`.
     * @throws TypeError if `class_name` is not `'CosineSimilarity'`; otherwise as the constructor.
     */
    static fromConfig(config: MetricOptions | SerializedConfig<MetricOptions | undefined>): CosineSimilarity;
  }
}

// ---------------------------------------------------------------------------------------------
// Heap tensors
// ---------------------------------------------------------------------------------------------

/**
 * A tensor living in WebAssembly memory, from {@link alloc}: fill `data` once, then pass it to any
 * call without a copy. Free it with `dispose()` (a FinalizationRegistry frees forgotten ones eventually).
 */
export declare class HeapTensor<D extends HeapDtype = HeapDtype> {
  /** Heap tensors come from {@link alloc}. */
  private constructor();

  /** The dimensions (frozen). */
  readonly shape: readonly number[];
  /** The element type. */
  readonly dtype: D;
  /**
   * A view on the tensor's memory, re-derived after memory growth (an old view then reads as
   * empty). A view keeps its tensor alive, so garbage collection never frees memory under it; after
   * an explicit `dispose()` earlier views must not be used.
   * @throws Error once disposed; TypeError for a compact table (float16/bfloat16/int8), whose
   *   storage belongs to the core: use `set()` and `toFloat32()`.
   */
  readonly data: D extends Dtype ? DtypeArray<D> : never;
  /** Whether the dtype is a compact table dtype (float16, bfloat16, int8). */
  readonly compact: boolean;
  /** Elements per row: the last dimension (1 for rank 0). int8 quantises each row on its own. */
  readonly rowLength: number;
  /** Rows: the product of the leading dimensions. */
  readonly rows: number;
  /**
   * Fills every element from `values` (one per element, row-major) in one call. float32/float64:
   * a plain cast. float16/bfloat16: rounded to nearest, ties to even, from the values' own
   * precision. int8: symmetric per-row quantisation along the last axis, scale = max|x| / 127
   * (stored as float32), q = round-half-even(x / scale).
   * @throws TypeError for values of another kind; RangeError for a wrong count, or (compact
   *   dtypes) a NaN, an Inf or a value beyond the format's range, naming its index (rows before
   *   it may already be written).
   */
  set(values: Float32Array | Float64Array | readonly number[]): this;
  /** As `set()`, for rows `[firstRow, firstRow + values.length / rowLength)` only. */
  setRows(firstRow: number, values: Float32Array | Float64Array | readonly number[]): this;
  /** The values as a new Float32Array (int8: dequantised, q * scale). */
  toFloat32(): Float32Array;
  /** Whether `dispose()` has been called. */
  readonly disposed: boolean;
  /** The number of elements (the product of `shape`). */
  readonly length: number;
  /** The byte address in WebAssembly memory (read-only; 0 once disposed). */
  readonly address: number;
  /** Frees the memory; idempotent. Using the tensor afterwards throws. */
  dispose(): void;
}

/**
 * Allocates a heap tensor (contents unspecified until filled; a compact table reads as zero rows
 * until filled); a number is a rank-1 shape. A compact table (`'float16'`, `'bfloat16'`, `'int8'`)
 * is accepted by {@link similarity}, {@link topK} and {@link pairwise} as the table; compact
 * tables are in the full part (`ready({ full: true })`).
 * @throws Error before {@link ready}, or for a compact dtype without the full part; TypeError for an unknown dtype; RangeError for an invalid
 *   shape (at most 32 non-negative integer dims) or when WebAssembly memory is exhausted.
 */
export declare function alloc<D extends HeapDtype = 'float32'>(shape: number | readonly number[], dtype?: D): HeapTensor<D>;

// ---------------------------------------------------------------------------------------------
// Similarity and search
// ---------------------------------------------------------------------------------------------

/** A vector for {@link cosine}: a typed array of any non-BigInt kind, numbers, or a rank-1 heap tensor. */
export type Vector =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array
  | Int32Array | Uint32Array | readonly number[] | HeapTensor;

/**
 * +cos(a, b) of two vectors as a number (not rounded to float32), with Keras's normalisation: the
 * 1e-12 floor on each sum of squares, so a zero vector gives 0. Two float32 inputs (Float32Array or
 * float32 heap tensors) run in the float32 kernels (within 1e-6·(1+|cos|) of the float64 cosine);
 * anything else in float64 (within 1e-12). The lean path: no shape rules, one kernel call.
 * @throws RangeError when the lengths differ (naming both) or a heap tensor is not rank 1;
 *   TypeError for other kinds (nested arrays, BigInt arrays, DataView, a detached array);
 *   Error before {@link ready} or for a disposed heap tensor.
 */
export declare function cosine(a: Vector, b: Vector): number;

/** Options of {@link similarity}; unknown keys throw `TypeError`. */
export interface SimilarityOptions {
  /** The axis or axes along which cosines are taken (default -1). */
  axis?: Axis | undefined;
}

/**
 * +cos(a, b) per sample along `axis`, with the loss's shape rules (broadcasting, squeezing), in
 * [-1, 1] (beyond by rounding; a zero vector gives 0). float64 iff `b` is float64 (a
 * `Float64Array` or a float64 heap tensor): the dtype rule of every entry point.
 * With a compact table `b` `[n, d]` (float16/bfloat16/int8 heap tensor): `a` `[d]` or `[1, d]`
 * gives `[n]` (a against every row), `a` `[n, d]` gives `[n]` (row-paired); float32 results; only
 * the last axis.
 * @throws Error before {@link ready} or for incompatible shapes or axes; TypeError or RangeError
 *   for malformed inputs or options.
 */
export declare function similarity(a: TensorLike, b: TensorLike, options?: SimilarityOptions): Result;

/**
 * All-pairs +cos between the rows of `a` `[m, d]` and `b` `[n, d]`: shape `[m, n]`, in [-1, 1]
 * (beyond by rounding; a zero row gives 0). `b` may be a compact table (float32 results). In the
 * full part (`ready({ full: true })`).
 * @throws Error before {@link ready}, without the full part, or for shapes that are not `[m, d]` and `[n, d]`; TypeError or
 *   RangeError for malformed inputs.
 */
export declare function pairwise(a: TensorLike, b: TensorLike): Result;

/** The result of {@link topK}: the k' = min(k, n) best rows per query, best first. */
export interface TopKResult {
  /** Row indices into the table, row-major with `shape`. */
  indices: Int32Array;
  /** Their +cos scores in [-1, 1] (beyond by rounding), descending; NaN scores last. */
  values: Float32Array | Float64Array;
  /** `[k']` for a rank-1 query `[d]`, `[q, k']` for queries `[q, d]`. */
  shape: number[];
}

/**
 * Exact top-k search: for each query, the k table rows of highest +cos (zero and negative scores
 * included), ties by lower index. In the full part (`ready({ full: true })`).
 * @throws Error before {@link ready}, without the full part, for a query that is not `[d]`/`[q, d]` against a table
 *   `[n, d]`, or for an invalid k; TypeError or RangeError for malformed inputs.
 */
export declare function topK(query: TensorLike, table: TensorLike, k: number): TopKResult;

// ---------------------------------------------------------------------------------------------
// TensorFlow.js
// ---------------------------------------------------------------------------------------------

/** The slice of the TensorFlow.js namespace that {@link tfjsLoss} and {@link tfjsMetric} use. */
export interface TfLike {
  customGrad(f: (...args: any[]) => { value: any; gradFunc: (dy: any, saved: any[]) => any }): (...args: any[]) => any;
  scalar(value: number): any;
  tensor(values: Float32Array | Float64Array, shape: number[], dtype?: string): any;
  mul(a: any, b: any): any;
  reshape(x: any, shape: number[]): any;
}

/**
 * A drop-in TensorFlow.js loss: `(yTrue, yPred, sampleWeight?) => tf.Tensor`, the Keras loss (-cos,
 * weighted and reduced as configured) for `model.compile({ loss })`, `optimizer.minimize` or
 * `tf.variableGrads`. The value and both gradients come from one call into cossim's core per step
 * (`tf.customGrad`); the backward pass scales them by the upstream gradient on the TF.js backend.
 * `sampleWeight` (a number, a TF.js tensor or a tensor-like) is a constant: no gradient flows
 * into it. Pass your `tf` namespace; cossim does not depend on TF.js. The function's `name` is the
 * loss's name.
 * In the full part: needs `ready({ full: true })`.
 * @throws TypeError if `tf` is not the TF.js namespace or an input is not a TF.js tensor; as
 *   {@link CosineSimilarity} for bad options or shapes; Error without the full part.
 */
export declare function tfjsLoss(tf: TfLike, options?: CosineSimilarityOptions): (yTrue: any, yPred: any, sampleWeight?: any) => any;

/**
 * A TensorFlow.js metric function for `model.compile({ metrics: [tfjsMetric(tf)] })`:
 * `(yTrue, yPred) => tf.Tensor` of +cos per sample (the per-sample values Keras's
 * `metrics.CosineSimilarity` averages). tfjs-layers takes their mean per batch and the
 * batch-size-weighted mean over the epoch. Its function `name` is the metric's name
 * (`'cosine_similarity'` by default), the key in `fit`'s history.
 * In the full part: needs `ready({ full: true })`.
 * @throws TypeError if `tf` is not the TF.js namespace; as {@link metrics.CosineSimilarity} for bad
 *   options; Error without the full part.
 */
export declare function tfjsMetric(tf: TfLike, options?: MetricOptions): (yTrue: any, yPred: any) => any;

// ---------------------------------------------------------------------------------------------
// Benchmark probes
// ---------------------------------------------------------------------------------------------

/** Internals for benchmarks; not part of the stable API (a frozen object). */
export declare namespace internal {
  /**
   * The sum of a heap tensor's elements by a SIMD128 loop inside the module: the read-bandwidth
   * roofline for the kernels. In the full part (`ready({ full: true })`).
   * @throws TypeError unless given a live heap tensor from {@link alloc}; Error before {@link ready}
   *   or without the full part.
   */
  function sum(heapTensor: HeapTensor): number;
  /** For tests of the trap guard: makes the instance trap; every later call then throws. */
  function trapForTesting(): never;
}

export {};

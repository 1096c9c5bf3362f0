// Shared test harness: loads cossim once for the backend named in
// COSSIM_BACKEND ('simd' | 'scalar'; unset = let cossim choose) and provides
// comparison helpers against the independent reference (reference.mjs).
import assert from 'node:assert/strict';
import * as cossim from 'cossim';
import { refLoss, RefError, computeDtype, fmtShape } from './reference.mjs';

const wanted = process.env.COSSIM_BACKEND || undefined;
await cossim.ready({ backend: wanted, full: true });  // full: the suite covers gradients and search
if (wanted) {
  assert.equal(cossim.backend(), wanted, `COSSIM_BACKEND=${wanted} but cossim.backend() is ${cossim.backend()}`);
}

export { cossim, computeDtype };
export const { CosineSimilarity, losses, Reduction, tensor } = cossim;

export const TOL = { float32: 1e-6, float64: 1e-12 };

/** Allowed |got - ref| for a computation dtype. */
export function tolerance(dtype, ref) {
  return TOL[dtype] * (1 + Math.abs(ref));
}

function describe(x) {
  return Object.is(x, -0) ? '-0' : String(x);
}

/** Scalar comparison; NaN matches NaN, infinities must match exactly. */
export function assertClose(got, ref, dtype, msg = '', { signOfZero = false } = {}) {
  assert.equal(typeof got, 'number', `${msg}: expected a number, got ${typeof got} (${got})`);
  if (Number.isNaN(ref)) {
    assert.ok(Number.isNaN(got), `${msg}: expected NaN, got ${describe(got)}`);
    return;
  }
  if (!Number.isFinite(ref)) {
    assert.equal(got, ref, `${msg}: expected ${ref}, got ${describe(got)}`);
    return;
  }
  const err = Math.abs(got - ref);
  assert.ok(
    err <= tolerance(dtype, ref),
    `${msg}: got ${describe(got)}, reference ${describe(ref)} (|diff| ${err.toExponential(3)} > tol ${tolerance(dtype, ref).toExponential(3)}, ${dtype})`,
  );
  if (signOfZero && ref === 0) {
    assert.ok(Object.is(got, ref), `${msg}: sign of zero: got ${describe(got)}, want ${describe(ref)}`);
  }
}

export function outputArrayType(dtype) {
  return dtype === 'float64' ? Float64Array : Float32Array;
}

/** Compares a cossim 'none' result ({data, shape}) with a reference tensor. */
export function assertTensorClose(got, ref, dtype, msg = '', { signOfZero = false } = {}) {
  assert.ok(got && typeof got === 'object', `${msg}: expected {data, shape}, got ${got}`);
  assert.ok(Array.isArray(got.shape), `${msg}: result.shape must be an array`);
  assert.deepEqual([...got.shape], [...ref.shape], `${msg}: shape ${fmtShape(got.shape)} vs reference ${fmtShape(ref.shape)}`);
  const T = outputArrayType(dtype);
  assert.ok(got.data instanceof T, `${msg}: result.data should be ${T.name}, got ${got.data?.constructor?.name}`);
  assert.equal(got.data.length, ref.data.length, `${msg}: data length`);
  for (let i = 0; i < ref.data.length; i++) {
    assertClose(got.data[i], ref.data[i], dtype, `${msg} [element ${i}]`, { signOfZero });
  }
}

/** Asserts that fn throws an Error whose message contains the reference error's expected text. */
export function assertThrowsLike(fn, refErr, msg = '') {
  let thrown;
  try {
    const r = fn();
    assert.fail(`${msg}: expected an error (${refErr.kind}: ${refErr.message}), got result ${JSON.stringify(r?.shape ?? r)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    thrown = e;
  }
  assert.ok(thrown instanceof Error, `${msg}: thrown value is not an Error: ${thrown}`);
  assert.ok(
    String(thrown.message).includes(refErr.expect),
    `${msg}: error message ${JSON.stringify(thrown.message)} should contain ${JSON.stringify(refErr.expect)} (reference: ${refErr.kind}: ${refErr.message})`,
  );
  return thrown;
}

/**
 * Runs one case through cossim and the reference and compares.
 * opts: { yTrue, yPred, sampleWeight, axis, reduction, msg, signOfZero }
 * axis/reduction undefined = constructor defaults.
 */
export function checkCase({ yTrue, yPred, sampleWeight, axis, reduction, msg = '', signOfZero = false }) {
  const dtype = computeDtype(yPred);
  let ref;
  let refErr;
  try {
    ref = refLoss({ yTrue, yPred, sampleWeight, axis: axis ?? -1, reduction: reduction ?? 'auto', dtype });
  } catch (e) {
    if (!(e instanceof RefError)) throw e;
    refErr = e;
  }
  const options = {};
  if (axis !== undefined) options.axis = axis;
  if (reduction !== undefined) options.reduction = reduction;
  if (refErr && refErr.kind === 'reduction') {
    assertThrowsLike(() => new CosineSimilarity(options), refErr, msg);
    return;
  }
  const loss = new CosineSimilarity(options);
  const run = () => (sampleWeight === undefined ? loss.call(yTrue, yPred) : loss.call(yTrue, yPred, sampleWeight));
  if (refErr) {
    assertThrowsLike(run, refErr, msg);
    return;
  }
  const got = run();
  if ((reduction ?? 'auto') === 'none') assertTensorClose(got, ref, dtype, msg, { signOfZero });
  else assertClose(got, ref, dtype, msg, { signOfZero });
}

/** Convenience constructors. */
export const f32 = (data, shape) => ({ data: Float32Array.from(data), shape });
export const f64 = (data, shape) => ({ data: Float64Array.from(data), shape });

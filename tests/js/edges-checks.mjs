// Shared checks for the edge-of-memory tests (issue 8): the canary call, size refusals and the
// "value or RangeError" contract. Used in-process and inside isolated children (isolate.mjs).
import assert from 'node:assert/strict';

// The documentation example: CosineSimilarity({axis: 1}) on [[0,1],[1,1]] vs [[1,0],[1,1]] is
// -0.5 (Keras prints -0.49999997: float32 arithmetic). Tolerance: the suite's float32 1e-6.
export const DOC = { yTrue: [[0, 1], [1, 1]], yPred: [[1, 0], [1, 1]], value: -0.5 };

export function canary(cossim, msg = 'canary') {
  const got = new cossim.CosineSimilarity({ axis: 1 }).call(DOC.yTrue, DOC.yPred);
  assert.equal(typeof got, 'number', `${msg}: the documentation example returned ${got}`);
  assert.ok(Math.abs(got - DOC.value) <= 1e-6, `${msg}: the documentation example gives ${got}, not -0.5`);
}

/** Runs fn; returns { value } or { error } (never lets a throw escape). */
export function attempt(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

// Integers written in a message (digits with optional , or _ separators), as BigInts.
export function integersIn(message) {
  // Digits only: shapes print as [2147483647,1,0], whose commas separate numbers.
  return (String(message).match(/\d+/g) ?? []).map((s) => BigInt(s));
}

/**
 * A refusal of a size that does not fit: a RangeError (never a WebAssembly.RuntimeError) whose
 * message names a shape ("[...]") and a byte count. `trueCount` (BigInt, optional): the exact
 * element count or bytes involved; no integer in the message may lie strictly between 2^32 and
 * it (that would be a count that wrapped in 64-bit arithmetic, defect 10).
 */
export function assertSizeRefusal(error, msg, { trueCount } = {}) {
  assert.ok(!(error instanceof WebAssembly.RuntimeError), `${msg}: a WebAssembly trap (${error?.message})`);
  assert.ok(error instanceof RangeError,
    `${msg}: expected a RangeError, got ${error?.constructor?.name}: ${error?.message}`);
  const m = String(error.message);
  assert.match(m, /\[[\d, ]*\]/, `${msg}: the message should name the shape: ${m}`);
  assert.match(m, /byte/i, `${msg}: the message should give the byte count: ${m}`);
  assert.ok(integersIn(m).some((n) => n >= 1000n), `${msg}: the message has no byte count: ${m}`);
  if (trueCount !== undefined) {
    for (const n of integersIn(m)) {
      assert.ok(n <= 2n ** 32n || n >= trueCount,
        `${msg}: the message carries ${n}, a wrapped count (true count ${trueCount}): ${m}`);
    }
  }
}

/**
 * The contract for inputs whose result may or may not fit: either a RangeError size refusal,
 * or a value that check(value) accepts. Returns 'refused' or 'value'.
 */
export function valueOrRefusal(fn, check, msg, opts) {
  const r = attempt(fn);
  if ('error' in r) {
    assertSizeRefusal(r.error, msg, opts);
    return 'refused';
  }
  check(r.value);
  return 'value';
}

/** ±0 within nothing: a zero (either sign). */
export function assertZero(v, msg) {
  assert.equal(typeof v, 'number', `${msg}: expected a number, got ${JSON.stringify(v)}`);
  assert.ok(v === 0, `${msg}: expected 0, got ${v}`);
}

// Timing harness: calibrates each contender to a minimum sample time, interleaves the contenders
// inside every repetition (rotating the order), keeps per-sample times and reports medians.
// Every contender's result is checked against a float64 value (at warm-up and on the last sample),
// so a broken path is flagged instead of looking fast.

export const sink = { value: 0 };  // results land here so no call can be optimised away

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function consume(r) {
  if (typeof r === 'number') sink.value += r;
  else if (r && typeof r === 'object') sink.value += (r.length ?? r.data?.length ?? r.indices?.length ?? 1);
}

/**
 * contenders: [{ name, role, run, check, before?, group?, note? }]
 *   role: 'cossim' (the subject) | 'roofline' | 'baseline' (another cossim call used by a target) | 'peer'
 *   run(): one operation; returns its result
 *   check(result) -> { ok, err, detail? }
 *   before(): async, untimed (switches the TF.js backend)
 * options: { reps, minSampleMs, maxIters, budgetMs }
 *   budgetMs: a contender whose samples would take longer than this in all (the slow peers, at
 *   seconds per call) is sampled in only max(3, budgetMs / sample time) of the repetitions, spread
 *   evenly over them.
 */
export async function measure(contenders, { reps, minSampleMs, maxIters = 1_000_000, budgetMs = Infinity, log = () => {} }) {
  const state = [];
  for (const c of contenders) {
    const s = { c, samples: [], iters: 1, error: null, check: null, take: () => true };
    state.push(s);
    try {
      await c.before?.();
      const w0 = performance.now();
      const r = c.run();
      let sampleMs = performance.now() - w0;
      consume(r);
      s.check = c.check(r);
      // Warm-up and calibration: grow the iteration count until one sample takes ≥ minSampleMs
      // (JIT tiers settle and first-touch page faults are gone on the way).
      let iters = 1;
      while (minSampleMs > 0) {
        const t0 = performance.now();
        let last;
        for (let i = 0; i < iters; i++) last = c.run();
        const t = performance.now() - t0;
        consume(last);
        sampleMs = t;
        if (t >= minSampleMs || iters >= maxIters) break;
        iters = Math.min(maxIters, Math.max(iters * 2, Math.ceil(iters * 1.2 * minSampleMs / Math.max(t, 1e-3))));
      }
      s.iters = iters;
      const wanted = sampleMs * reps > budgetMs ? Math.max(3, Math.min(reps, Math.floor(budgetMs / sampleMs))) : reps;
      s.samplesWanted = wanted;
      s.take = (rep) => Math.floor(((rep + 1) * wanted) / reps) > Math.floor((rep * wanted) / reps);
    } catch (e) {
      s.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      log(`  ! ${c.name}: ${s.error}`);
    }
  }
  const live = state.filter((s) => !s.error);
  for (let rep = 0; rep < reps; rep++) {
    const shift = live.length ? rep % live.length : 0;
    const order = live.slice(shift).concat(live.slice(0, shift));
    for (const s of order) {
      if (s.error || !s.take(rep)) continue;
      try {
        await s.c.before?.();
        let r;
        const t0 = performance.now();
        for (let i = 0; i < s.iters; i++) r = s.c.run();
        const t = (performance.now() - t0) / s.iters;
        s.samples.push(t);
        consume(r);
        if (s.samples.length === s.samplesWanted) {
          const last = s.c.check(r);
          if (!last.ok || !s.check.ok) s.check = last.ok ? s.check : last;
        }
      } catch (e) {
        s.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
        log(`  ! ${s.c.name}: ${s.error}`);
      }
    }
  }
  return state.map((s) => ({
    name: s.c.name,
    role: s.c.role,
    group: s.c.group ?? null,
    note: s.c.note ?? null,
    iters: s.iters,
    samplesMs: s.samples,
    medianMs: s.samples.length && !s.error ? median(s.samples) : null,
    minMs: s.samples.length && !s.error ? Math.min(...s.samples) : null,
    check: s.check,
    error: s.error,
  }));
}

// ------------------------------------------------------------------ checks --

const fmtErr = (e) => (Number.isFinite(e) ? e.toExponential(1) : String(e));

/** A scalar against a float64 reference: |got − ref| ≤ tol·(1 + |ref|). */
export function scalarCheck(ref, tol) {
  return (got) => {
    const v = typeof got === 'number' ? got : Number(got);
    const err = Math.abs(v - ref);
    return { ok: err <= tol * (1 + Math.abs(ref)), err, detail: `|err| ${fmtErr(err)}` };
  };
}

/** A vector (typed array, or { data }) against a float64 reference, element-wise. */
export function vectorCheck(ref, tol, sign = 1) {
  return (got) => {
    const data = got?.data ?? got;
    if (!data || data.length !== ref.length) {
      return { ok: false, err: Infinity, detail: `length ${data?.length} ≠ ${ref.length}` };
    }
    let worst = 0;
    let bad = 0;
    for (let i = 0; i < ref.length; i++) {
      const e = Math.abs(sign * data[i] - ref[i]);
      if (!(e <= tol * (1 + Math.abs(ref[i])))) bad++;
      if (!(e <= worst)) worst = e;  // NaN poisons worst
    }
    return { ok: bad === 0, err: worst, detail: `max |err| ${fmtErr(worst)}${bad ? `, ${bad} bad` : ''}` };
  };
}

/** A top-k result { indices, values } against float64 scores: values match their rows; nothing better left out. */
export function topKCheck(scores, k, tol) {
  return (got) => {
    const idx = got?.indices;
    const val = got?.values;
    const kk = Math.min(k, scores.length);
    if (!idx || !val || idx.length !== kk || val.length !== kk) {
      return { ok: false, err: Infinity, detail: `expected ${kk} results` };
    }
    let worst = 0;
    let minKept = Infinity;
    const kept = new Set();
    for (let j = 0; j < kk; j++) {
      const i = idx[j];
      const e = Math.abs(val[j] - scores[i]);
      if (!(e <= worst)) worst = e;
      kept.add(i);
      minKept = Math.min(minKept, scores[i]);
      if (j > 0 && !(val[j - 1] >= val[j])) return { ok: false, err: worst, detail: `not sorted at ${j}` };
    }
    let missed = 0;
    for (let i = 0; i < scores.length; i++) if (!kept.has(i) && scores[i] > minKept + 2 * tol) missed++;
    const ok = worst <= 2 * tol && missed === 0 && kept.size === kk;
    return { ok, err: worst, detail: `max |err| ${fmtErr(worst)}${missed ? `, ${missed} better rows left out` : ''}` };
  };
}

// Targets, the console table and the Markdown report.

export function fmtTime(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${ms.toFixed(1)} ms`;
  if (ms >= 1) return `${ms.toFixed(2)} ms`;
  if (ms >= 1e-3) return `${(ms * 1e3).toFixed(ms >= 0.1 ? 0 : ms >= 0.01 ? 1 : 2)} µs`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}

const fmtRatio = (x) => (x === null || !Number.isFinite(x) ? '—' : `${x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`);
const okCheck = (c) => !c.error && c.check?.ok;

/** The contender called `name`, or the fastest (valid) member of the group `name`. */
export function resolve(r, name) {
  const exact = r.contenders.find((c) => c.name === name);
  if (exact) return exact;
  const members = r.contenders.filter((c) => c.group === name && c.medianMs !== null);
  if (!members.length) return null;
  const valid = members.filter(okCheck);
  const pool = valid.length ? valid : members;
  const best = pool.reduce((a, b) => (b.medianMs < a.medianMs ? b : a));
  return { ...best, name: `${name} → ${best.name}`, bestOf: best.name };
}

/** Ratio shown next to a contender: peer/cossim, cossim/roofline or cossim/baseline. */
export function ratioOf(r, c) {
  const subject = r.contenders.find((x) => x.role === 'cossim');
  if (!subject?.medianMs || !c?.medianMs) return null;
  if (c.role === 'cossim') return null;
  if (c.role === 'roofline' || c.role === 'baseline') return subject.medianMs / c.medianMs;
  return c.medianMs / subject.medianMs;
}

export function evaluateTargets(r, targets = [], { judge = true } = {}) {
  const subject = r.contenders.find((x) => x.role === 'cossim');
  return targets.map((t) => {
    const other = resolve(r, t.of);
    const value = other ? ratioOf(r, other) : null;
    let status;
    if (value === null) status = 'n/a';
    else if (!okCheck(subject) || !okCheck(other)) status = 'invalid (check failed)';
    else if (!judge) status = 'not judged (smoke)';
    else {
      const pass = t.op === '<=' ? value <= t.threshold : t.op === '>=' ? value >= t.threshold : value > t.threshold;
      status = pass ? 'met' : 'missed';
    }
    const what = t.kind === 'speedup' ? 'peer / cossim' : t.kind === 'roofline' ? 'cossim / roofline' : 'cossim / baseline';
    return { desc: t.desc, ratio: what, value, op: t.op, threshold: t.threshold, status, against: other?.name ?? t.of };
  });
}

function pad(s, n, right = false) {
  s = String(s);
  return right ? s.padStart(n) : s.padEnd(n);
}

function bestNames(r) {
  const best = new Set();
  for (const g of new Set(r.contenders.map((c) => c.group).filter(Boolean))) {
    const b = resolve(r, g);
    if (b?.bestOf) best.add(b.bestOf);
  }
  return best;
}

function ratioLabel(c) {
  if (c.role === 'roofline') return 'cossim/roofline';
  if (c.role === 'baseline') return 'cossim/this';
  return '';
}

export function printWorkload(r, log = console.log) {
  if (r.error && !r.contenders.length) return;
  const best = bestNames(r);
  const w = Math.max(40, ...r.contenders.map((c) => c.name.length + 2));
  log(`  ${pad('contender', w)} ${pad('median', 10, true)} ${pad('min', 10, true)} ${pad('iters', 7, true)}  ${pad('ratio', 8, true)}  check`);
  for (const c of r.contenders) {
    const ratio = ratioOf(r, c);
    const mark = best.has(c.name) ? '★' : ' ';
    const check = c.error ? `ERROR ${c.error}` : c.check?.ok ? `ok (${c.check.detail})` : `WRONG (${c.check?.detail})`;
    log(`${mark} ${pad(c.name, w)} ${pad(fmtTime(c.medianMs), 10, true)} ${pad(fmtTime(c.minMs), 10, true)} ${pad(c.iters, 7, true)}  ${pad(fmtRatio(ratio), 8, true)}  ${check}${ratioLabel(c) ? `  [${ratioLabel(c)}]` : ''}`);
  }
  if (r.note) log(`  note: ${r.note}`);
  for (const t of r.targets) {
    log(`  target ${pad(t.desc, 56)} ${pad(fmtRatio(t.value), 8, true)}  ${pad(t.status.toUpperCase(), 8)} (${t.ratio}: ${t.against})`);
  }
  log(`  (${r.seconds} s; ★ = fastest variant of its group; ratio = peer time / cossim time unless noted)`);
}

function mdEscape(s) {
  return String(s).replace(/\|/g, '\\|');
}

export function markdownReport(rep) {
  const m = rep.machine;
  const lines = [];
  lines.push(`# cossim benchmark results`);
  lines.push('');
  lines.push(`**Machine:** ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Node ${m.node} (V8 ${m.v8}); ${m.date}; load average at start ${m.loadAverage?.join(' / ')}`);
  lines.push('');
  lines.push(`cossim backend \`${m.cossimBackend}\`; TF.js ${m.tfjs}; simsimd ${m.simsimd}. ` +
    `Mode \`${rep.mode}\`: ${rep.reps} interleaved repetition(s), ≥ ${rep.minSampleMs} ms per sample, medians; seed ${rep.seed}; total ${rep.totalSeconds} s.`);
  lines.push('');
  lines.push('## Targets');
  lines.push('');
  lines.push('| Workload | cossim | Compared with | Their time | Ratio | Target | Result |');
  lines.push('|---|---:|---|---:|---:|---|---|');
  for (const r of rep.workloads) {
    const subject = r.contenders.find((c) => c.role === 'cossim');
    for (const t of r.targets) {
      const other = resolve(r, t.against.split(' → ')[0]);
      const icon = t.status === 'met' ? '✅ met' : t.status === 'missed' ? '❌ missed' : t.status;
      lines.push(`| ${mdEscape(r.title)} | ${fmtTime(subject?.medianMs)} | ${mdEscape(t.against)} | ${fmtTime(other?.medianMs)} | ${fmtRatio(t.value)} (${mdEscape(t.ratio)}) | ${mdEscape(t.desc)} | ${icon} |`);
    }
  }
  lines.push('');
  lines.push('## All timings');
  lines.push('');
  lines.push('Ratio = contender time / cossim time (how many times cossim is faster), except roofline rows (cossim / roofline) and baseline rows (cossim / baseline). ★ = fastest variant of its group.');
  lines.push('');
  lines.push('| Workload | Contender | Median | Min | Ratio | Check |');
  lines.push('|---|---|---:|---:|---:|---|');
  for (const r of rep.workloads) {
    const best = bestNames(r);
    if (r.error) lines.push(`| ${mdEscape(r.title)} | *workload failed* | | | | ${mdEscape(r.error)} |`);
    for (const c of r.contenders) {
      const check = c.error ? `error: ${c.error}` : c.check?.ok ? `ok, ${c.check.detail}` : `**WRONG**, ${c.check?.detail}`;
      const label = `${best.has(c.name) ? '★ ' : ''}${c.role === 'cossim' ? '**cossim**' : c.name}${ratioLabel(c) ? ` (${ratioLabel(c)})` : ''}`;
      lines.push(`| ${mdEscape(r.title)} | ${mdEscape(label)} | ${fmtTime(c.medianMs)} | ${fmtTime(c.minMs)} | ${fmtRatio(ratioOf(r, c))} | ${mdEscape(check)} |`);
    }
    if (r.note) lines.push(`| ${mdEscape(r.title)} | *note* | | | | ${mdEscape(r.note)} |`);
  }
  lines.push('');
  return lines.join('\n');
}

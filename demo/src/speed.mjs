// Panel 4: speed in your browser. Runs each contender in its own module Worker, one after the
// other (so they do not compete for the CPU and at most one big table is alive), and draws one
// bar chart per workload. ?quick shrinks the runs (the tests use it).
import { $, el, duration } from './format.mjs';
import { CONTENDERS, plan } from './workloads.mjs';

const TFJS_PROBE = new URL('../../node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.es2017.js', import.meta.url);
const TOLERANCE = 1e-5;  // |Δ| to the JS loop's float64 results: f32 data, f32 sums in TF.js

export function initSpeed(state, pageBackend) {
  const quick = new URLSearchParams(location.search).has('quick');
  const workloads = plan(quick);
  state.speed = { done: false, running: false, results: {}, ratios: {}, info: {}, errors: [] };
  $('sp-note').textContent = (quick ? 'Quick mode (?quick): fewer repetitions and a 10,000-row table. ' : '') +
    'cossim reads heap tensors from alloc(), filled once (no copy per call). ' +
    'TF.js is given its best path: results read outside tf.tidy, the table pre-normalised once before timing; ' +
    'it runs without threads, as on any page that is not cross-origin isolated. ' +
    `The page itself runs the ${pageBackend ?? 'automatically chosen'} build; the benchmark always runs both.`;

  async function run() {
    $('sp-run').disabled = true;
    state.speed = { done: false, running: true, results: {}, ratios: {}, info: {}, errors: [] };
    $('sp-charts').replaceChildren();
    const hasTf = await fetch(TFJS_PROBE, { method: 'HEAD' }).then((r) => r.ok, () => false);
    const contenders = CONTENDERS.filter((c) => c.id !== 'tfjs' || hasTf);
    if (!hasTf) $('sp-note').textContent += ' TF.js is not installed in node_modules: skipped.';
    const total = contenders.length * workloads.length;
    let finished = 0;
    const started = performance.now();
    for (const c of contenders) {
      await new Promise((resolve) => {
        const worker = new Worker(new URL('./bench-worker.mjs', import.meta.url), { type: 'module' });
        let got = 0;
        const fail = (message) => {
          state.speed.errors.push(`${c.name}: ${message}`);
          console.warn(`speed panel: ${c.name}: ${message}`);
          finished += workloads.length - got;
          worker.terminate();
          resolve();
        };
        worker.onerror = (e) => { e.preventDefault(); fail(e.message || 'worker failed to start'); };
        worker.onmessage = ({ data: m }) => {
          if (m.type === 'info') state.speed.info[c.id] = m.text;
          else if (m.type === 'progress') {
            const w = workloads.find((x) => x.id === m.workload);
            $('sp-progress').textContent = `${c.name}: ${w.title}… (${finished + 1} of ${total})`;
          } else if (m.type === 'result') {
            (state.speed.results[m.workload] ??= {})[c.id] = { ms: m.ms, min: m.min, checks: m.checks };
            finished++;
            got++;
            $('sp-bar').value = finished / total;
            render(contenders);
          } else if (m.type === 'done') {
            worker.terminate();
            resolve();
          } else if (m.type === 'error') fail(m.message);
        };
        worker.postMessage({ contender: c.id, quick });
      });
    }
    $('sp-bar').value = 1;
    const secs = ((performance.now() - started) / 1000).toFixed(1);
    $('sp-progress').textContent = `Done in ${secs} s.` + (state.speed.errors.length ? ` Skipped: ${state.speed.errors.join('; ')}` : '');
    render(contenders);
    state.speed.done = true;
    state.speed.running = false;
    $('sp-run').disabled = false;
  }

  function render(contenders) {
    const box = $('sp-charts');
    box.replaceChildren();
    for (const w of workloads) {
      const res = state.speed.results[w.id] ?? {};
      const ref = res['cossim-simd'] ?? res['cossim-scalar'];
      const js = res.js;
      const max = Math.max(...Object.values(res).map((r) => r.ms), 1e-9);
      const bars = el('div', { class: 'bars' });
      const ratios = (state.speed.ratios[w.id] = {});
      for (const c of contenders) {
        const r = res[c.id];
        bars.append(el('div', { class: 'name' }, c.name));
        const track = el('div', { class: 'track' });
        if (r) track.append(el('div', { class: `bar ${c.css}`, style: `width:${(100 * r.ms) / max}%` }));
        bars.append(track);
        const val = el('div', { class: 'val' });
        if (r) {
          val.title = `median ${duration(r.ms)}, fastest sample ${duration(r.min)} (of ${w.samples})`;
          val.append(duration(r.ms));
          if (ref) {
            const ratio = r.ms / ref.ms;
            ratios[c.id] = ratio;
            val.append(el('span', { class: 'ratio' }, c.id === 'cossim-simd' ? ' · 1×' : ` · ${ratio.toFixed(ratio < 10 ? 2 : 1)}×`));
          }
          if (w.rows > 1) val.append(el('span', { class: 'ratio' }, ` · ${(w.bytes / r.ms / 1e6).toFixed(1)} GB/s`));
          if (js && c.id !== 'js') {
            const err = Math.max(...r.checks.map((v, i) => Math.abs(v - js.checks[i])));
            r.maxAbsDiff = err;
            val.append(' ', el('span', { class: err <= TOLERANCE ? 'ok' : 'bad', title: `max |Δ| vs JS loop = ${err.toExponential(1)}` },
              err <= TOLERANCE ? '✓' : `✗ Δ ${err.toExponential(1)}`));
          }
        } else {
          val.append(el('span', { class: 'ratio' }, state.speed.running ? 'waiting…' : 'not run'));
        }
        bars.append(val);
      }
      bars.append(el('div', { class: 'axis-note' }, el('span', {}, '0'), el('span', {}, `time per call → ${duration(max)}`)));
      box.append(el('div', { class: 'bench' },
        el('h3', {}, w.title),
        el('p', { class: 'sub' }, `${w.what}; median of ${w.samples}${w.inner > 1 ? ` × ${w.inner} calls` : ''}. Ratio = time ÷ cossim SIMD128's (lower is faster); GB/s = input bytes read per second.`),
        bars));
    }
    const info = Object.values(state.speed.info);
    if (info.length) box.append(el('p', { class: 'hint' }, `Engines: ${info.join(' · ')}.`));
  }

  render(CONTENDERS);
  $('sp-run').addEventListener('click', run);
}

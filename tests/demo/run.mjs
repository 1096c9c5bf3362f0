// Demo test: serves the checkout on a free port, opens demo/ in Debian's headless Chromium, drives
// each of the four panels and checks the numbers they show against values computed here (Keras's
// documented float32 results and an independent float64 reference), then loads the page again with
// the scalar build forced. Full-page screenshots (1280×800 and 390 px wide) go to
// test-results/demo/. No timing is asserted; the figures the panels printed are logged.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { root } from '../../scripts/lib.mjs';
import { browserSession } from '../../scripts/chromium.mjs';

const SHOTS = path.join(root, 'test-results', 'demo');
mkdirSync(SHOTS, { recursive: true });
// The training must bring 1 − cos (= 1 + loss) down by this factor within this many steps
// (Adam, lr 0.003: about 0.96 → 0.006 by step 300 in a float64 rehearsal; noise floor ≈ 0.005).
const TRAIN_FACTOR = 20, TRAIN_STEPS = 300;

let passed = 0, failed = 0;
const check = (ok, what) => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};
const near = (got, want, tol = 1e-6) => Math.abs(got - want) <= tol * (1 + Math.abs(want));
const numbers = (text) => (text.match(/-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?|NaN/gi) ?? []).map(Number);
const allNear = (got, want, tol) => got.length === want.length && got.every((g, i) => near(g, want[i], tol));

// Independent float64 reference: Keras's cosine, normalising with the 1e-12 floor on Σx².
function cos64(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / Math.sqrt(Math.max(na, 1e-12)) / Math.sqrt(Math.max(nb, 1e-12));
}

function watch(page, label) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));  // (worker console messages arrive here too)
  return async () => {
    const rejections = await page.evaluate(() => window.cossimDemo?.errors ?? ['no cossimDemo']);
    const all = [...errors, ...rejections.map((r) => `unhandled rejection: ${r}`)];
    check(all.length === 0, `[${label}] no console errors, uncaught errors or rejections ${all.join(' | ')}`);
  };
}

async function open(context, query, viewport) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const finish = watch(page, query || 'auto');
  await page.goto(`${base}/demo/${query}`);
  await page.waitForFunction(() => window.cossimDemo?.ready === true || !document.getElementById('load-error').hidden,
    null, { timeout: 30000 });
  const loadError = await page.$eval('#load-error', (e) => (e.hidden ? '' : e.textContent));
  check(loadError === '', `[${query || 'auto'}] page loaded ${loadError}`);
  return { page, finish };
}

async function playground(page, label) {
  const preset = async (name) => {
    await page.click(`#pg-presets button[data-preset="${name}"]`);
    return {
      loss: await page.textContent('#pg-loss'),
      none: (await page.textContent('#pg-none')).split('shape')[0],
      grad: await page.textContent('#pg-grad'),
      config: await page.textContent('#pg-config'),
      error: await page.$eval('#pg-error', (e) => (e.hidden ? '' : e.textContent)),
    };
  };
  // Keras's documented float32 values (keras-semantics §8).
  let r = await preset('docs: axis=1');
  check(r.loss === '-0.5' && near(numbers(r.loss)[0], -0.49999997), `[${label}] playground docs axis=1: loss ${r.loss} (Keras -0.49999997)`);
  check(allNear(numbers(r.none), [-0, -0.99999994]) && r.none.trim().startsWith('[-0,'), `[${label}] per-sample ${r.none.trim()} (Keras [-0., -0.99999994])`);
  // ∂(−mean cos)/∂p for rows ([0,1],[1,0]) and ([1,1],[1,1]) in float64: [[0,-0.5],[0,0]].
  check(allNear(numbers(r.grad), [0, -0.5, 0, 0]), `[${label}] gradient ${r.grad}`);
  const cfg = JSON.parse(r.config);
  check(cfg.reduction === 'auto' && cfg.name === 'cosine_similarity' && cfg.axis === 1, `[${label}] getConfig() ${r.config}`);
  r = await preset('docs: weighted');
  check(near(numbers(r.loss)[0], -0.099999994), `[${label}] weighted [0.8, 0.2]: ${r.loss} (Keras -0.099999994)`);
  r = await preset("docs: 'sum'");
  check(near(numbers(r.loss)[0], -0.99999994), `[${label}] 'sum': ${r.loss} (Keras -0.99999994)`);
  r = await preset('docs: cosine_similarity()');
  check(allNear(numbers(r.loss), [-0, -0.99999994, 0.99999994]), `[${label}] cosine_similarity(): ${r.loss} (Keras [-0., -0.99999994, 0.99999994])`);
  r = await preset('zero vector');
  check(allNear(numbers(r.loss), [0, -1]) && r.error === '', `[${label}] zero vector: ${r.loss}, gradient ${r.grad}`);
  check(numbers(r.grad).every(Number.isFinite), `[${label}] zero vector gradient is finite`);
  r = await preset('broadcast [1,d]×[n,d]');
  const t = [1, 2, 3];
  check(allNear(numbers(r.loss), [[1, 2, 3], [3, 2, 1], [-1, -2, -3]].map((p) => -cos64(t, p))),
    `[${label}] broadcast [1,3]×[3,3]: ${r.loss}`);
  r = await preset('weight that broadcasts');
  // losses [2,3]: row 0 = −cos(t, [1,0]) = [−1, 0, −1/√2], row 1 = −cos(t, [0,1]) = [0, −1, −1/√2];
  // weights [1, 0.5] expanded to [2,1]; sum_over_batch_size divides by 6.
  const h = Math.SQRT1_2;
  const want = (-1 - 0 - h + 0.5 * (0 - 1 - h)) / 6;
  check(near(numbers(r.loss)[0], want), `[${label}] broadcasting weight: ${r.loss} (float64 ${want})`);
  check(allNear(numbers(r.none), [-1, 0, -h, 0, -0.5, -0.5 * h]), `[${label}] broadcasting weight per sample: ${r.none.trim()}`);
  r = await preset('bad shape');
  check(r.error.includes('Incompatible shapes: [1,3] vs. [2,2]') && /^(Range)?Error: /.test(r.error),
    `[${label}] bad shape shows a readable error: ${r.error}`);
  // Updates as you type: invalid JSON, then a valid edit.
  await page.click('#pg-presets button[data-preset="docs: axis=1"]');
  await page.fill('#pg-ytrue', '[[0, 1');
  const jsonError = await page.textContent('#pg-error');
  check(jsonError.includes('y_true is not valid JSON'), `[${label}] typing invalid JSON: ${jsonError}`);
  await page.fill('#pg-ytrue', '[[0, 1], [1, 1]]');
  await page.fill('#pg-ypred', '[[0, 2], [-1, -1]]');
  const typed = await page.textContent('#pg-loss');
  check(near(numbers(typed)[0], 0) && (await page.$eval('#pg-error', (e) => e.hidden)), `[${label}] typed y_pred → loss ${typed} (mean of −1 and +1)`);
  // Keras 3 flavour: its reductions, and its config carries the flavour.
  await page.click('#pg-presets button[data-preset="docs: axis=1"]');
  await page.selectOption('#pg-flavor', 'keras3');
  const reductions = await page.$$eval('#pg-reduction option', (os) => os.map((o) => o.value));
  const k3 = await page.textContent('#pg-config');
  check(reductions.includes('mean_with_sample_weight') && !reductions.includes('auto') && JSON.parse(k3).flavor === 'keras3' &&
    (await page.textContent('#pg-loss')) === '-0.5', `[${label}] Keras 3 flavour: reductions ${reductions.join(',')}; config ${k3}`);
  await page.selectOption('#pg-flavor', 'keras2');
  await page.click('#pg-presets button[data-preset="docs: axis=1"]');
}

async function training(page, label) {
  await page.click('#tr-start');
  await page.waitForFunction((n) => window.cossimDemo.train.step >= n, TRAIN_STEPS, { timeout: 30000 });
  await page.waitForTimeout(600);  // a little longer, so that steps/s covers several frames
  await page.click('#tr-stop');
  const tr = await page.evaluate(() => window.cossimDemo.train);
  const first = 1 + tr.losses[0], atN = 1 + tr.losses[TRAIN_STEPS - 1];
  check(tr.losses.length >= TRAIN_STEPS && atN * TRAIN_FACTOR <= first,
    `[${label}] training: 1 − cos fell from ${first.toFixed(4)} to ${atN.toFixed(4)} by step ${TRAIN_STEPS} (≥ ${TRAIN_FACTOR}× required)`);
  check(tr.epochMetric.length > 0 && tr.epochMetric.at(-1) > 0.95, `[${label}] streaming metric (last epoch mean cos) ${tr.epochMetric.at(-1)}`);
  const shown = await page.textContent('#tr-rate');
  check(Number(shown.replace(/,/g, '')) > 0 && tr.stepsPerSecond > 0, `[${label}] steps/s shown: ${shown}`);
  console.log(`     [${label}] training: ${tr.step} steps, ${Math.round(tr.stepsPerSecond)} steps/s, cossim ${(tr.cossimMsPerStep * 1000).toFixed(1)} µs/step`);
  return tr;
}

async function explorer(page, label) {
  const verify = async (what) => {
    const ex = await page.evaluate(() => {
      const e = window.cossimDemo.explorer;
      return { n: e.n, d: e.d, S: Array.from(e.matrix), X: Array.from(e.vectors), cluster: Array.from(e.cluster) };
    });
    let diagOk = true, worst = 0;
    for (let i = 0; i < ex.n; i++) {
      const row = ex.S.slice(i * ex.n, (i + 1) * ex.n);
      const max = Math.max(...row);
      if (!(row[i] >= max - 1e-6 && near(row[i], 1, 1e-6))) diagOk = false;
      worst = Math.max(worst, max - row[i]);
    }
    check(diagOk, `[${label}] heatmap (${what}): every diagonal entry is its row's maximum and ≈ 1 (worst excess ${worst.toExponential(1)})`);
    // An independent float64 reference for a few rows of the matrix (float32 output, 1e-6 relative).
    let maxErr = 0;
    for (const i of [0, 77, ex.n - 1]) {
      const a = ex.X.slice(i * ex.d, (i + 1) * ex.d);
      for (let j = 0; j < ex.n; j++) maxErr = Math.max(maxErr, Math.abs(ex.S[i * ex.n + j] - cos64(a, ex.X.slice(j * ex.d, (j + 1) * ex.d))));
    }
    check(maxErr <= 2e-6, `[${label}] pairwise rows 0, 77, ${ex.n - 1} match a float64 reference (max |Δ| ${maxErr.toExponential(1)})`);
    return ex;
  };
  const ex = await verify('noise 1');
  // Click rows on the canvas (the first and the last, then 123, whose neighbours are checked).
  const width = await page.$eval('#ex-canvas', (c) => c.clientWidth);  // the content box, as Playwright's position
  const { offset, cell, size } = await page.evaluate(() => window.cossimDemo.explorer.layout);
  const scale = width / size;  // CSS px per backing-store px
  let top;
  for (const row of [0, ex.n - 1, 123]) {
    await page.locator('#ex-canvas').click({ position: { x: (offset + 40 * cell) * scale, y: (offset + (row + 0.5) * cell) * scale } });
    top = await page.evaluate(() => window.cossimDemo.explorer.topK);
    const firstCell = await page.textContent('#ex-topk tbody tr:first-child td:nth-child(2)');
    check(top.row === row && top.indices[0] === row && firstCell === String(row) && near(top.values[0], 1, 1e-6),
      `[${label}] clicked row ${top.row} (wanted ${row}): top-k starts with itself (${top.indices.slice(0, 4).join(', ')}…, cos ${top.values[0]})`);
  }
  const row = top.row;
  const sameCluster = top.indices.every((j) => ex.cluster[j] === ex.cluster[row]);
  const desc = top.values.every((v, i) => i === 0 || v <= top.values[i - 1]);
  check(sameCluster && desc, `[${label}] top-k of row ${row}: descending and all in its cluster ${ex.cluster[row]}`);
  // Every top-k score equals the matrix entry (pairwise and topK agree).
  check(top.indices.every((j, i) => near(top.values[i], ex.S[row * ex.n + j], 1e-6)), `[${label}] top-k scores equal the pairwise entries`);
  // The slider: more noise, weaker in-cluster similarity; the diagonal stays the maximum.
  const within = (S, n, cl) => { let s = 0, c = 0; for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j && cl[i] === cl[j]) { s += S[i * n + j]; c++; } return s / c; };
  await page.fill('#ex-noise', '2.5');
  await page.waitForFunction(() => window.cossimDemo.explorer.sigma === 2.5);  // recomputed on the next frame
  const noisy = await verify('noise 2.5');
  const w1 = within(ex.S, ex.n, ex.cluster), w2 = within(noisy.S, noisy.n, noisy.cluster);
  check(w2 < w1, `[${label}] noise slider: mean in-cluster cos ${w1.toFixed(3)} → ${w2.toFixed(3)}`);
  const times = await page.evaluate(() => [document.getElementById('ex-pairwise-time').textContent, document.getElementById('ex-topk-time').textContent]);
  check(/\d/.test(times[0]) && /\d/.test(times[1]), `[${label}] call times shown: pairwise ${times[0]}; topK ${times[1]}`);
  await page.fill('#ex-noise', '1');
  await page.waitForFunction(() => window.cossimDemo.explorer.sigma === 1);
}

async function speed(page, label) {
  await page.click('#sp-run');
  await page.waitForFunction(() => window.cossimDemo.speed.done, null, { timeout: 60000 });
  const sp = await page.evaluate(() => window.cossimDemo.speed);
  check(sp.errors.length === 0, `[${label}] speed: every contender ran ${sp.errors.join('; ')}`);
  for (const [w, res] of Object.entries(sp.results)) {
    const names = Object.keys(res);
    const ratios = sp.ratios[w];
    const finite = names.every((c) => Number.isFinite(ratios[c]) && ratios[c] > 0);
    check(names.length === 4 && finite && ratios['cossim-simd'] === 1,
      `[${label}] speed ${w}: ${names.map((c) => `${c} ${(res[c].ms * 1000).toPrecision(3)} µs (${ratios[c].toFixed(2)}×)`).join(', ')}`);
    const agree = names.filter((c) => c !== 'js').every((c) => res[c].maxAbsDiff <= 1e-5);
    check(agree, `[${label}] speed ${w}: results agree with the JS loop (max |Δ| ${Math.max(...names.filter((c) => c !== 'js').map((c) => res[c].maxAbsDiff)).toExponential(1)})`);
  }
  check(Object.keys(sp.results).length === 3, `[${label}] speed: 3 workloads reported`);
  const text = await page.textContent('#sp-charts');
  check((text.match(/×/g) ?? []).length >= 12 && (await page.textContent('#sp-progress')).startsWith('Done'), `[${label}] speed: ratios printed, progress says done`);
  console.log(`     [${label}] engines: ${Object.values(sp.info).join(' · ')}`);
}

const { port, context, close } = await browserSession();
const base = `http://127.0.0.1:${port}`;
const desktop = { width: 1280, height: 800 }, narrow = { width: 390, height: 844 };
try {
  // 1. The automatically chosen build (SIMD128 in Chromium), quick speed mode.
  {
    const { page, finish } = await open(context, '?quick', desktop);
    const badge = await page.textContent('#backend');
    const version = await page.textContent('#version');
    check(badge === 'SIMD128' && /^v\d+\.\d+\.\d+/.test(version), `[auto] header: build ${badge}, version ${version}`);
    await playground(page, 'auto');
    await training(page, 'auto');
    await explorer(page, 'auto');
    await speed(page, 'auto');
    await page.screenshot({ path: path.join(SHOTS, 'desktop-1280x800.png'), fullPage: true });
    await page.setViewportSize(narrow);
    await page.waitForTimeout(300);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `[auto] narrow (390 px): no horizontal overflow (${overflow} px)`);
    await page.screenshot({ path: path.join(SHOTS, 'narrow-390.png'), fullPage: true });
    await finish();
    await page.close();
  }
  // 2. The scalar build forced by the URL.
  {
    const { page, finish } = await open(context, '?backend=scalar', narrow);
    const b = await page.evaluate(() => window.cossimDemo.backend);
    check(b === 'scalar' && (await page.textContent('#backend')) === 'scalar', `[scalar] ?backend=scalar runs the scalar build (${b})`);
    await playground(page, 'scalar');
    await training(page, 'scalar');
    // Clicks at desktop width: at 390 px a heatmap row is about one CSS pixel tall.
    await page.setViewportSize(desktop);
    await explorer(page, 'scalar');
    await page.setViewportSize(narrow);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(SHOTS, 'narrow-390-scalar.png'), fullPage: true });
    await finish();
    await page.close();
  }
} catch (error) {
  check(false, `demo test threw: ${error.stack ?? error}`);
} finally {
  await close();
}
console.log(`demo: ${passed} passed, ${failed} failed; screenshots in ${path.relative(root, SHOTS)}/`);
process.exit(failed ? 1 : 0);

// The [1000000, 768] int8 table in headless Chromium: alloc, fill (setRows from a Float32Array of
// 10,000 clustered rows, 100 times), topK(q, X, 10). Serves the checkout, opens a blank page of it
// and runs the steps there; prints the page's timings.  node bench/compact-browser.mjs [--rows=N]
import { browserSession } from '../scripts/chromium.mjs';

const rows = Number(process.argv.find((a) => a.startsWith('--rows='))?.split('=')[1] ?? 1_000_000);
const { port, context, close } = await browserSession();
try {
  const page = await context.newPage();
  await page.goto(`http://127.0.0.1:${port}/tests/browser/page.html?backend=simd`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60000 });
  const out = await page.evaluate(async (n) => {
    const cossim = await import('/js/index.mjs');
    const d = 768, piece = 10_000;
    let seed = 7;
    const u = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296; };
    const centres = Float32Array.from({ length: 100 * d }, () => u() - 0.5);
    const chunk = new Float32Array(piece * d);
    for (let i = 0; i < piece; i++) {
      const c = Math.floor(u() * 100) * d;
      for (let j = 0; j < d; j++) chunk[i * d + j] = centres[c + j] + 0.2 * (u() - 0.5);
    }
    let t0 = performance.now();
    const X = cossim.alloc([n, d], 'int8');
    const alloc = performance.now() - t0;
    t0 = performance.now();
    for (let r = 0; r < n; r += piece) X.setRows(r, chunk.subarray(0, Math.min(piece, n - r) * d));
    const fill = performance.now() - t0;
    const times = [];
    let res;
    for (let i = 0; i < 5; i++) {
      t0 = performance.now();
      res = cossim.topK(chunk.subarray(5 * d, 6 * d), X, 10);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    return { backend: cossim.backend(), alloc, fill, topK: times[2], best: res.values[0], index: res.indices[0], heapMiB: cossim.heapBytes() / 2 ** 20 };
  }, rows);
  console.log(`Chromium, [${rows},768] int8 (${cossim_mb(rows)} MB): alloc ${out.alloc.toFixed(0)} ms, fill ${out.fill.toFixed(0)} ms, ` +
    `topK(q, X, 10) median of 5 ${out.topK.toFixed(1)} ms; best ${out.best.toFixed(4)} at row ${out.index}; heap ${out.heapMiB.toFixed(0)} MiB (${out.backend})`);
} finally {
  await close();
}
function cossim_mb(n) { return (n * 768 / 1e6).toFixed(0); }

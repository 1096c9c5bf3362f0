// Browser test of TF.js training with cossim: bundles TF.js from node_modules (tf-entry.mjs →
// build/tfjs-browser/tf.mjs, esbuild), serves the checkout on 127.0.0.1, opens page.html in
// Debian's headless Chromium and checks what the page measured (training on TF.js's cpu and wasm
// backends against the composed Keras formula). Nothing is fetched from outside.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { root } from '../../scripts/lib.mjs';
import { browserSession } from '../../scripts/chromium.mjs';

const outDir = path.join(root, 'build', 'tfjs-browser');
mkdirSync(outDir, { recursive: true });
await build({
  entryPoints: [path.join(root, 'tests', 'tfjs-browser', 'tf-entry.mjs')],
  outfile: path.join(outDir, 'tf.mjs'),
  bundle: true, format: 'esm', platform: 'browser', target: 'es2020', logLevel: 'warning',
  define: { 'process.env.NODE_ENV': '"production"' },
});

const { port, context, close } = await browserSession();
let failed = 0;
let passed = 0;
const report = (ok, what) => {
  if (ok) passed++; else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};
try {
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  const outside = [];
  page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${port}/`) && !r.url().startsWith('data:')) outside.push(r.url()); });
  const fetched = [];
  page.on('response', (r) => fetched.push(path.basename(new URL(r.url()).pathname)));
  await page.goto(`http://127.0.0.1:${port}/tests/tfjs-browser/page.html`);
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60000 });
  const result = await page.evaluate(() => window.__result);
  if (result.error) report(false, `page threw ${result.error}`);
  for (const c of result.checks ?? []) report(c.ok, `${c.name}: got ${c.got}${c.want !== undefined ? `, want ${c.want}` : ''}`);
  report(fetched.some((f) => /^tfjs-backend-wasm.*\.wasm$/.test(f)), `TF.js wasm binary fetched (${fetched.filter((f) => f.endsWith('.wasm')).join(', ')})`);
  report(outside.length === 0, `no request outside 127.0.0.1 ${outside.join(' ')}`);
  report(consoleErrors.length === 0, `no console errors ${consoleErrors.join(' | ')}`);
  await page.close();
} finally {
  await close();
}
console.log(`tfjs-browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

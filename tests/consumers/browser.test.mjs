// Browser consumers of the packed package in Debian's headless Chromium: a plain
// <script type="module"> page, an import map, a module Web Worker, a page under a strict
// Content-Security-Policy, webpack 5 with its default config, and an esbuild browser bundle.
// Each asserts the documentation value; the plain page also enforces the download budget of the
// default path (entry, ready(), one loss call). Vite's dev server and build: vite.test.mjs.
import assert from 'node:assert/strict';
import { cpSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import {
  bin, downloaded, EXAMPLE, EXPECTED, html, launchChromium, openPage, project, PUBLISH, PUBLISH_ERROR,
  report, runTool, serveStatic, TOLERANCE, BUDGET_GZIP, TARGET_GZIP,
} from './fixture.mjs';

const ENTRY = '/node_modules/cossim/dist/cossim.mjs';
const app = (specifier) =>
  `import { ready, CosineSimilarity } from '${specifier}';\n` +
  `ready().then(() => {\n${EXAMPLE}\n${PUBLISH}\n}).catch(${PUBLISH_ERROR});\n`;

let p;
let browser;
let server;
let csp;
before(async () => {
  p = project('browser', {
    'plain/index.html': html('./app.mjs'),
    'plain/app.mjs': app(`..${ENTRY}`),
    'importmap/index.html': html('./app.mjs',
      `<script type="importmap">{"imports":{"cossim":"${ENTRY}"}}</script>`),
    'importmap/app.mjs': app('cossim'),
    'worker/index.html': html('./main.mjs'),
    'worker/main.mjs': `const w = new Worker(new URL('./worker.mjs', import.meta.url), { type: 'module' });\n` +
      `w.onmessage = (e) => { window.__result = { ...e.data, ms: performance.now() }; };\n` +
      `w.onerror = (e) => { window.__result = { error: e.message }; };\n`,
    'worker/worker.mjs': `import { ready, CosineSimilarity } from '..${ENTRY}';\n` +
      `ready().then(() => {\n${EXAMPLE}\npostMessage({ value });\n}).catch((e) => postMessage({ error: String(e) }));\n`,
    'webpack/src/index.js': app('cossim'),
    'webpack/dist/index.html': `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">` +
      `</head><body><script src="main.js"></script></body></html>`,
    'esbuild/src/app.mjs': `import { ready, CosineSimilarity } from 'cossim';\n` +
      // esbuild leaves new URL(…, import.meta.url) alone: the .wasm files are copied next to the
      // bundle and located there (README: bundlers).
      `ready({ locateFile: (file) => new URL(file, import.meta.url).href }).then(() => {\n${EXAMPLE}\n${PUBLISH}\n}).catch(${PUBLISH_ERROR});\n`,
    'esbuild/index.html': html('./out/app.js'),
    // The full part: its JavaScript (cossim_full.mjs) and module come with ready({ full: true }).
    'full/index.html': html('./app.mjs'),
    'full/app.mjs': `import { ready, CosineSimilarity, topK } from '..${ENTRY}';\n` +
      `ready({ full: true }).then(() => {\n${EXAMPLE}\n` +
      `if (topK([1, 0], [[0, 1], [1, 0]], 1).indices[0] !== 1) throw new Error('topK');\n${PUBLISH}\n}).catch(${PUBLISH_ERROR});\n`,
  });
  browser = await launchChromium();
  server = await serveStatic(p.dir);
  csp = await serveStatic(p.dir, { 'content-security-policy': "script-src 'self' 'wasm-unsafe-eval'" });
});
after(async () => {
  await browser?.close();  // before the servers (toolchain.md)
  await server?.close();
  await csp?.close();
  p?.remove();
});

async function scenario(name, url, { budget = false, full = false } = {}) {
  const { result, responses, errors } = await openPage(browser.context, url);
  const bytes = downloaded(responses);
  const ok = !result.error && Math.abs(result.value - EXPECTED) <= TOLERANCE;
  report({ scenario: name, result: ok ? 'pass' : `FAIL ${result.error ?? result.value}`, raw: bytes.raw,
    gzip: bytes.gzip, ms: Math.round(result.ms ?? -1),
    note: `${bytes.files.join(', ')}; ${full ? 'the full path, not budgeted'
      : `${bytes.gzip <= TARGET_GZIP ? 'within' : 'over'} the 30 KB target`}` });
  assert.equal(result.error, undefined, `${name}: ${result.error}`);
  assert.ok(Math.abs(result.value - EXPECTED) <= TOLERANCE, `${name}: got ${result.value}, want ${EXPECTED}`);
  assert.deepEqual(errors, [], `${name}: console errors`);
  const wasm = responses.filter((r) => r.url.endsWith('.wasm'));
  assert.equal(wasm.length, 1, `${name}: one .wasm download; got ${wasm.map((r) => r.url).join(', ')}`);
  // The parts: the full part's JavaScript only with ready({ full: true }); the Node reader never.
  const file = (r) => new URL(r.url).pathname.split('/').pop();
  assert.equal(/full/.test(file(wasm[0])), full, `${name}: fetched ${file(wasm[0])}`);
  if (!/webpack|esbuild/.test(name)) {  // bundlers rename the chunks
    const js = responses.map(file).filter((f) => f.startsWith('cossim')).sort();
    assert.deepEqual(js.filter((f) => !f.endsWith('.wasm')), full ? ['cossim.mjs', 'cossim_full.mjs'] : ['cossim.mjs'], name);
  }
  if (budget) {
    assert.ok(bytes.gzip <= BUDGET_GZIP, `${name}: the default path downloads ${bytes.gzip} B gzip ` +
      `(${bytes.files.join(', ')}), over the budget of ${BUDGET_GZIP} B`);
  }
  return bytes;
}

test('plain <script type="module"> page (and the download budget)', async () => {
  await scenario('plain module page', `${server.url}/plain/`, { budget: true });
});

test('ready({ full: true }): the full part and module, nothing else', async () => {
  await scenario('plain page, ready({ full: true })', `${server.url}/full/`, { full: true });
});

test('import map', async () => {
  await scenario('import map', `${server.url}/importmap/`);
});

test('module Web Worker', async () => {
  await scenario('module Web Worker', `${server.url}/worker/`);
});

test("Content-Security-Policy: script-src 'self' 'wasm-unsafe-eval'", async () => {
  await scenario('strict CSP page', `${csp.url}/plain/`);
});

test('webpack 5, default config', async () => {
  const dir = path.join(p.dir, 'webpack');
  // No webpack.config.js: entry ./src/index.js, output ./dist/main.js; 'cossim' resolves from
  // the project's node_modules.
  runTool(dir, bin('webpack-cli', 'bin/cli.js'), ['--mode=production', '--no-stats']);
  await scenario('webpack 5 (default config)', `${server.url}/webpack/dist/`);
});

test('esbuild browser bundle', async () => {
  const dir = path.join(p.dir, 'esbuild');
  runTool(dir, bin('esbuild', 'bin/esbuild'), ['src/app.mjs', '--bundle', '--format=esm', '--splitting', '--outdir=out',
    '--log-level=error']);
  const dist = path.join(p.dir, 'node_modules', 'cossim', 'dist');
  for (const f of readdirSync(dist).filter((n) => n.endsWith('.wasm'))) cpSync(path.join(dist, f), path.join(dir, 'out', f));
  await scenario('esbuild (browser)', `${server.url}/esbuild/`);
});

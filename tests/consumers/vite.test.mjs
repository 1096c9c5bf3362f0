// Vite consumers of the packed package, under Vitest: the dev server with no cossim-specific
// config (its dependency optimizer pre-bundles cossim into node_modules/.vite/deps) and
// `vite build`, each page driven in Debian's headless Chromium; the build's default path is held
// to the download budget. Vite's JS API runs with the fresh project as its root.
import path from 'node:path';
import { build, createServer } from 'vite';
import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  downloaded, EXAMPLE, EXPECTED, html, launchChromium, openPage, project, PUBLISH, PUBLISH_ERROR,
  report, serveStatic, TOLERANCE, BUDGET_GZIP, TARGET_GZIP,
} from './fixture.mjs';

let p;
let browser;
beforeAll(async () => {
  p = project('vite', {
    'index.html': html('/src/main.js'),
    'src/main.js': `import { ready, CosineSimilarity } from 'cossim';\n` +
      `ready().then(() => {\n${EXAMPLE}\n${PUBLISH}\n}).catch(${PUBLISH_ERROR});\n`,
  });
  browser = await launchChromium();
}, 60000);
afterAll(async () => {
  await browser?.close();
  p?.remove();
});

function check(name, { result, responses, errors }) {
  const bytes = downloaded(responses.filter((r) => !r.url.includes('/@vite/') && !r.url.includes('/@fs/')));
  const ok = !result.error && Math.abs(result.value - EXPECTED) <= TOLERANCE;
  report({ scenario: name, result: ok ? 'pass' : `FAIL ${result.error ?? result.value}`, raw: bytes.raw,
    gzip: bytes.gzip, ms: Math.round(result.ms ?? -1),
    note: `${bytes.files.join(', ')}; ${bytes.gzip <= TARGET_GZIP ? 'within' : 'over'} the 30 KB target` });
  expect(result.error).toBeUndefined();
  expect(Math.abs(result.value - EXPECTED)).toBeLessThanOrEqual(TOLERANCE);
  expect(errors).toEqual([]);
  expect(responses.filter((r) => r.url.endsWith('.wasm')).length).toBe(1);
  return bytes;
}

test('Vite dev server, no cossim-specific config', async () => {
  const server = await createServer({
    root: p.dir, configFile: false, logLevel: 'error', clearScreen: false,
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  try {
    const url = server.resolvedUrls.local[0];
    const page = await openPage(browser.context, url);
    check('Vite dev server (no config)', page);
    // The scenario is the pre-bundled one: the entry came from node_modules/.vite/deps.
    expect(page.responses.some((r) => r.url.includes('/node_modules/.vite/deps/cossim'))).toBe(true);
  } finally {
    await server.close();
  }
}, 90000);

test("Vite dev server with the old workaround, optimizeDeps.exclude: ['cossim']", async () => {
  const server = await createServer({
    root: p.dir, configFile: false, logLevel: 'error', clearScreen: false, cacheDir: path.join(p.dir, '.vite-exclude'),
    optimizeDeps: { exclude: ['cossim'] },
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
  });
  await server.listen();
  try {
    const page = await openPage(browser.context, server.resolvedUrls.local[0]);
    check('Vite dev server (optimizeDeps.exclude)', page);
    expect(page.responses.some((r) => r.url.includes('/node_modules/cossim/dist/cossim.mjs'))).toBe(true);
  } finally {
    await server.close();
  }
}, 90000);

test('vite build (download budget of the default path)', async () => {
  const outDir = path.join(p.dir, 'dist');
  await build({ root: p.dir, configFile: false, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  const server = await serveStatic(outDir);
  try {
    const bytes = check('vite build', await openPage(browser.context, `${server.url}/`));
    expect(bytes.gzip, `vite build downloads ${bytes.files.join(', ')}`).toBeLessThanOrEqual(BUDGET_GZIP);
  } finally {
    await server.close();
  }
}, 90000);

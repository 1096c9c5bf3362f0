// Consumer scenarios: the package as users get it. The tarball of `npm pack` (COSSIM_TARBALL, or
// packed here) is installed offline into a fresh temporary project; bundlers and Chromium come
// from this repository's node_modules (pinned in package.json), run with that project as cwd.
// Every scenario computes the README's example and records what it downloaded and how long
// its first result took (appended to COSSIM_CONSUMER_REPORT as JSON lines, when set).
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const bin = (pkg, file) => path.join(repo, 'node_modules', pkg, file);

// The documentation value: Keras gives -0.49999997 in float32 (keras-semantics.md §8).
export const EXPECTED = -0.5;
export const TOLERANCE = 1e-7;
// Download budget of the default path (entry, ready(), one loss call; everything the page fetched
// but its HTML: the app's own script, cossim's JavaScript and .wasm; each body gzip -9): 30 KB,
// enforced on the unbundled package and on a Vite build (README: Size).
export const TARGET_GZIP = 30 * 1024;
export const BUDGET_GZIP = TARGET_GZIP;
// The README's example, as every scenario's app runs it.
export const EXAMPLE = `const value = new CosineSimilarity({ axis: 1 }).call([[0, 1], [1, 1]], [[1, 0], [1, 1]]);`;

// The tarball: given by scripts/test.mjs (packed once per run), or packed here into `dir`.
export function tarball(dir) {
  if (process.env.COSSIM_TARBALL) return process.env.COSSIM_TARBALL;
  const out = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: repo, encoding: 'utf8' });
  return path.join(dir, out.trim().split('\n').pop());
}

// A fresh project with the tarball installed (offline: the package has no dependencies).
// `files` maps relative paths to contents.
export function project(name, files = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), `cossim-${name}-`));
  const tgz = tarball(dir);
  writeFileSync(path.join(dir, 'package.json'),
    JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module', ...files['package.json'] }, null, 2));
  const r = spawnSync('npm', ['install', tgz, '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'],
    { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`npm install ${tgz} failed:\n${r.stdout}\n${r.stderr}`);
  for (const [file, text] of Object.entries(files)) {
    if (file === 'package.json') continue;
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), text);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function runNode(dir, args, options = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 60000, ...options });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ...r, ms };
}

// A bundler's CLI from this repository's node_modules (a JS file run by node, or a native binary).
export function runTool(dir, file, args) {
  const native = !/\.[cm]?js$/.test(file) && readFileSync(file).subarray(0, 2).toString() !== '#!';
  const [cmd, argv] = native ? [file, args] : [process.execPath, [file, ...args]];
  const r = spawnSync(cmd, argv, { cwd: dir, encoding: 'utf8', timeout: 120000 });
  if (r.status !== 0) throw new Error(`${path.basename(file)} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r;
}

// Files of the installed package that exist, for size reports.
export function packageFiles(dir) {
  return readdirSync(path.join(dir, 'node_modules', 'cossim', 'dist'));
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.mjs': 'text/javascript', '.js': 'text/javascript',
  '.cjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json',
};

// Static server of `root` on 127.0.0.1 with extra `headers` on every response; records every
// response (path, raw bytes, gzip -9 bytes) in `served`.
export function serveStatic(root, headers = {}) {
  const served = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    if (!file.startsWith(root)) return res.writeHead(403).end();
    if (url.pathname.endsWith('/')) file = path.join(file, 'index.html');
    let body;
    try {
      body = readFileSync(file);
    } catch {
      served.push({ path: url.pathname, status: 404, raw: 0, gzip: 0 });
      return res.writeHead(404).end('not found');
    }
    served.push({ path: url.pathname, status: 200, raw: body.length, gzip: gzipSync(body, { level: 9 }).length });
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', ...headers });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    server, served, url: `http://127.0.0.1:${server.address().port}`,
    close: () => { server.closeAllConnections(); return new Promise((r) => server.close(r)); },
  })));
}

// One headless Chromium for a test file (close it before the servers).
export { launchChromium } from '../../scripts/chromium.mjs';

// Opens `url`, waits for window.__result ({ value, ms } or { error }); returns it with the
// page's responses ({ url, raw, gzip }, bodies measured in the browser: what it downloaded)
// and console errors.
export async function openPage(context, url) {
  const page = await context.newPage();
  const errors = [];
  const pending = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('response', (r) => pending.push(r.body().then(
    (b) => ({ url: r.url(), status: r.status(), raw: b.length, gzip: gzipSync(b, { level: 9 }).length }),
    () => ({ url: r.url(), status: r.status(), raw: 0, gzip: 0 }))));
  try {
    await page.goto(url);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30000 });
    const result = await page.evaluate(() => window.__result);
    const responses = await Promise.all(pending);
    return { result, responses, errors };
  } finally {
    await page.close();
  }
}

// The bytes a page downloaded other than its HTML (JS, glue, wasm).
export function downloaded(responses) {
  const assets = responses.filter((r) => !r.url.endsWith('.html') && !r.url.endsWith('/'));
  return {
    raw: assets.reduce((a, r) => a + r.raw, 0),
    gzip: assets.reduce((a, r) => a + r.gzip, 0),
    files: assets.map((r) => `${new URL(r.url).pathname.split('/').pop()} ${r.raw}/${r.gzip}`),
  };
}

export function report(row) {
  if (process.env.COSSIM_CONSUMER_REPORT) appendFileSync(process.env.COSSIM_CONSUMER_REPORT, `${JSON.stringify(row)}\n`);
}

// The page script's shared ending: publish the value and the time since navigation started.
export const PUBLISH = `window.__result = { value, ms: performance.now() };`;
export const PUBLISH_ERROR = `(e) => { window.__result = { error: String(e && e.stack || e) }; }`;
export const html = (script, head = '') =>
  `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${head}</head>` +
  `<body><script type="module" src="${script}"></script></body></html>`;

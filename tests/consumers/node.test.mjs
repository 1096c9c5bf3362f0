// Node-side consumers of the packed package: ESM, require(), TypeScript (strict; node16 and
// bundler resolution), worker_threads, an esbuild --platform=node bundle; and the packed JavaScript has
// no dynamic code evaluation. Run with node --test (scripts/test.mjs).
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { bin, EXAMPLE, EXPECTED, project, report, runNode, runTool, TOLERANCE } from './fixture.mjs';

const PRINT = `${EXAMPLE}\nconsole.log(JSON.stringify({ value, backend: backend() }));`;

let p;
before(() => {
  p = project('node', {
    'esm.mjs': `import { ready, backend, CosineSimilarity } from 'cossim';\nawait ready();\n${PRINT}\n`,
    'cjs.cjs': `const { ready, backend, CosineSimilarity } = require('cossim');\n` +
      `ready().then(() => {\n${PRINT}\n});\n`,
    'threads.mjs': `import { Worker } from 'node:worker_threads';\n` +
      `const w = new Worker(new URL('./thread-worker.mjs', import.meta.url));\n` +
      `w.on('message', (m) => { console.log(JSON.stringify(m)); w.terminate(); });\n` +
      `w.on('error', (e) => { console.error(e); process.exit(1); });\n`,
    'thread-worker.mjs': `import { parentPort } from 'node:worker_threads';\n` +
      `import { ready, backend, CosineSimilarity } from 'cossim';\nawait ready();\n${EXAMPLE}\n` +
      `parentPort.postMessage({ value, backend: backend() });\n`,
    // esbuild's default format for --platform=node is CommonJS: no top-level await there.
    'bundle-src.mjs': `import { ready, backend, CosineSimilarity } from 'cossim';\n` +
      `ready().then(() => {\n${PRINT}\n});\n`,
    // The core module by default; what the full module adds throws, naming the ready() option.
    'parts-core.mjs': `import * as c from 'cossim';\nawait c.ready();\nconst out = {};\n` +
      `const loss = new c.CosineSimilarity({ axis: 1 });\n` +
      `for (const [name, f] of Object.entries({ pairwise: () => c.pairwise([[1, 0]], [[0, 1]]),\n` +
      `  topK: () => c.topK([1, 0], [[1, 0], [0, 1]], 1), gradient: () => loss.gradient([[1, 0]], [[0, 1]]) })) {\n` +
      `  try { f(); out[name] = 'no error'; } catch (e) { out[name] = e.constructor.name + ': ' + e.message; }\n}\n` +
      `try { await c.ready({ full: true }); out.later = 'no error'; } catch (e) { out.later = e.constructor.name + ': ' + e.message; }\n` +
      `out.value = loss.call([[0, 1], [1, 1]], [[1, 0], [1, 1]]);\nconsole.log(JSON.stringify(out));\n`,
    'parts-full.mjs': `import * as c from 'cossim';\nawait c.ready({ full: true });\nawait c.ready();\n` +
      `const p = c.pairwise([[1, 0]], [[1, 0], [0, 1]]);\n` +
      `const g = new c.CosineSimilarity({ axis: 1 }).gradient([[1, 0]], [[1, 1]]);\n` +
      `console.log(JSON.stringify({ p: [...p.data], g: [...g.data] }));\n`,
    'ts/app.ts': `import { ready, CosineSimilarity, type ReadyOptions } from 'cossim';\n` +
      `const options: ReadyOptions = { backend: 'auto' };\nawait ready(options);\n` +
      `const value: number = new CosineSimilarity({ axis: 1 }).call([[0, 1], [1, 1]], [[1, 0], [1, 1]]);\n` +
      `console.log(value.toFixed(3));\nexport {};\n`,
    // The bytes handed over by the user, located through the package's ./wasm/*.wasm export.
    'binary.mjs': `import { readFileSync } from 'node:fs';\nimport { createRequire } from 'node:module';\n` +
      `import { ready, backend, CosineSimilarity } from 'cossim';\n` +
      `const file = createRequire(import.meta.url).resolve('cossim/wasm/cossim_scalar.wasm');\n` +
      `await ready({ backend: 'scalar', wasmBinary: readFileSync(file) });\n${PRINT}\n`,
    'binary-mismatch.mjs': `import { readFileSync } from 'node:fs';\nimport { createRequire } from 'node:module';\n` +
      `import { ready } from 'cossim';\n` +
      `const file = createRequire(import.meta.url).resolve('cossim/wasm/cossim_simd.wasm');\n` +
      `try { await ready({ backend: 'simd', full: true, wasmBinary: readFileSync(file) }); console.log('loaded'); }\n` +
      `catch (e) { console.log(e.constructor.name + ': ' + e.message); }\n`,
    // TypeScript in a CommonJS package (README: CommonJS): module node16 reports TS1479, node20
    // (TypeScript >= 5.8 models require() of ES modules) compiles to a require() that runs.
    'ts-cjs/package.json': JSON.stringify({ type: 'commonjs' }),
    'ts-cjs/app.ts': `import { ready, CosineSimilarity } from 'cossim';\n` +
      `ready().then(() => {\n${EXAMPLE}\nconsole.log(JSON.stringify({ value, backend: 'n/a' }));\n});\n`,
    ...Object.fromEntries(['node16', 'node20'].map((m) => [`ts-cjs/tsconfig.${m}.json`, JSON.stringify({
      compilerOptions: { strict: true, module: m, target: 'es2022', outDir: `out-${m}`, types: [] }, files: ['app.ts'] })])),
    'ts/tsconfig.node16.json': JSON.stringify({ compilerOptions: { strict: true, module: 'node16',
      moduleResolution: 'node16', target: 'es2022', noEmit: true, skipLibCheck: false, types: [] }, files: ['app.ts'] }),
    'ts/tsconfig.bundler.json': JSON.stringify({ compilerOptions: { strict: true, module: 'esnext',
      moduleResolution: 'bundler', target: 'es2022', noEmit: true, skipLibCheck: false, types: [] }, files: ['app.ts'] }),
  });
});
after(() => p?.remove());

function check(name, r) {
  assert.equal(r.status, 0, `${name} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop();
  const { value, backend } = JSON.parse(line);
  assert.ok(Math.abs(value - EXPECTED) <= TOLERANCE, `${name}: got ${value}, want ${EXPECTED} ± ${TOLERANCE}`);
  report({ scenario: name, result: 'pass', raw: null, gzip: null, ms: Math.round(r.ms), note: `${backend}; process start to result` });
}

test('Node ESM: import from the installed tarball', () => {
  check('Node ESM', runNode(p.dir, ['esm.mjs']));
});

test(`require('cossim') (Node ${process.versions.node})`, () => {
  check('require (CommonJS)', runNode(p.dir, ['--no-warnings', 'cjs.cjs']));
});

test('Node worker_threads', () => {
  check('Node worker_threads', runNode(p.dir, ['threads.mjs']));
});

test('esbuild --platform=node bundle finds the .wasm', () => {
  runTool(p.dir, bin('esbuild', 'bin/esbuild'), ['bundle-src.mjs', '--bundle', '--platform=node',
    '--outfile=out/app.cjs', '--log-level=error']);
  check('esbuild --platform=node', runNode(p.dir, ['out/app.cjs']));
});

test('core module by default: full-module calls throw an Error naming ready({ full: true })', () => {
  const r = runNode(p.dir, ['parts-core.mjs']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').pop());
  for (const name of ['pairwise', 'topK', 'gradient']) {
    assert.match(out[name], /^Error: .*ready\(\{ full: true \}\)/, `${name}: ${out[name]}`);
  }
  assert.match(out.later, /^Error: .*ready\(\{ full: true \}\) after ready\(\) loaded the core module/, out.later);
  assert.ok(Math.abs(out.value - EXPECTED) <= TOLERANCE, `loss after the refused ready(): ${out.value}`);
});

test('ready({ full: true }) first: pairwise and gradient work, a later plain ready() is fine', () => {
  const r = runNode(p.dir, ['parts-full.mjs']);
  assert.equal(r.status, 0, r.stderr);
  const { p: pw, g } = JSON.parse(r.stdout.trim().split('\n').pop());
  // Independent values: cos([1,0],[1,0]) = 1, cos([1,0],[0,1]) = 0. d/dyp of -cos(t, p) at
  // t = [1,0], p = [1,1] (Keras 'auto' over one sample): -(t/|t||p| - (t.p) p/(|t||p|^3))
  // = -([1,0]/sqrt2 - [1,1]/(2 sqrt2)) = [-1/(2 sqrt2), 1/(2 sqrt2)].
  assert.ok(Math.abs(pw[0] - 1) <= 1e-6 && Math.abs(pw[1]) <= 1e-6, `pairwise ${pw}`);
  const h = 1 / (2 * Math.SQRT2);
  assert.ok(Math.abs(g[0] + h) <= 1e-6 && Math.abs(g[1] - h) <= 1e-6, `gradient ${g}`);
});

test("ready({ wasmBinary }) with the bytes of 'cossim/wasm/cossim_scalar.wasm'", () => {
  const r = runNode(p.dir, ['binary.mjs']);
  check('Node, wasmBinary from cossim/wasm/*', r);
  assert.match(r.stdout, /"backend":"scalar"/);
});

test('wasmBinary of another module: an Error naming the expected file', () => {
  const r = runNode(p.dir, ['binary-mismatch.mjs']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Error: cossim: instantiating cossim_full_simd\.wasm failed .*pass the bytes of cossim_full_simd\.wasm/m, r.stdout);
});

test('a Node bundle with no cossim to find says to pass wasmBinary', () => {
  runTool(p.dir, bin('esbuild', 'bin/esbuild'), ['bundle-src.mjs', '--bundle', '--platform=node',
    '--outfile=out/app.cjs', '--log-level=error']);
  const elsewhere = mkdtempSync(path.join(tmpdir(), 'cossim-moved-'));
  try {
    copyFileSync(path.join(p.dir, 'out', 'app.cjs'), path.join(elsewhere, 'app.cjs'));
    const r = runNode(elsewhere, ['app.cjs']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /cossim: cannot find cossim_simd\.wasm .*wasmBinary/s, r.stderr);
  } finally {
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

for (const config of ['node16', 'bundler']) {
  test(`TypeScript strict consumer (${config})`, () => {
    const started = Date.now();
    runTool(path.join(p.dir, 'ts'), bin('typescript', 'bin/tsc'), ['-p', `tsconfig.${config}.json`]);
    report({ scenario: `TypeScript (${config}, strict)`, result: 'pass (tsc)', raw: null, gzip: null,
      ms: Date.now() - started, note: 'type check time' });
  });
}

test('TypeScript in a CommonJS package: TS1479 under node16, compiles and runs under node20', () => {
  const dir = path.join(p.dir, 'ts-cjs');
  const tsc = bin('typescript', 'bin/tsc');
  const r16 = runNode(dir, [tsc, '-p', 'tsconfig.node16.json']);
  assert.notEqual(r16.status, 0);
  assert.match(r16.stdout, /TS1479/, r16.stdout);
  runTool(dir, tsc, ['-p', 'tsconfig.node20.json']);
  check('TypeScript, CommonJS package (module node20)', runNode(dir, ['out-node20/app.js']));
});

test('the packed JavaScript (the entry, the full part, the Node reader; no glue) contains no eval or new Function', () => {
  const dist = path.join(p.dir, 'node_modules', 'cossim', 'dist');
  const files = readdirSync(dist).filter((f) => !f.endsWith('.wasm')).sort();
  assert.deepEqual(files, ['cossim.mjs', 'cossim_full.mjs', 'cossim_node.mjs']);
  for (const f of files) {
    const text = readFileSync(path.join(dist, f), 'utf8');
    assert.doesNotMatch(text, /new Function\b/, `${f} contains new Function`);
    assert.doesNotMatch(text, /(^|[^\w$.])eval\s*\(/, `${f} calls eval`);
  }
});

test('the tarball ships LICENSE and README, no workspace files', () => {
  const root = path.join(p.dir, 'node_modules', 'cossim');
  const names = readdirSync(root).sort();
  assert.deepEqual(names, ['LICENSE', 'README.md', 'dist', 'js', 'package.json']);
  assert.deepEqual(readdirSync(path.join(root, 'js')), ['index.d.ts']);
  assert.match(readFileSync(path.join(root, 'LICENSE'), 'utf8'), /MIT License[\s\S]*cossim authors/);
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  assert.match(readme, /npm install cossim/);
  assert.doesNotMatch(readme, /\.\.\/shared\/|keras-semantics\.md|toolchain\.md/, 'README links a workspace file');
});

// npm test: every test of the project, in order: native build + ctest, the same suite under
// ASan+UBSan, a 60 s libFuzzer run, the native suite under valgrind, both WebAssembly builds, the
// JS suite once per build (SIMD128 and scalar), the browser tests in headless Chromium, the demo,
// the examples, and the packed package in fresh projects (tests/consumers). Options: --quick
// skips the sanitizer, fuzzer and valgrind runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildWasm } from './build.mjs';
import { fuzzRun, valgrindRun } from './native-checks.mjs';
import { ensureNodeModules, ensureSystem, root, run } from './lib.mjs';

const quick = process.argv.includes('--quick');
ensureSystem(['native', 'wasm', 'browser', 'fuzz', 'valgrind']);
ensureNodeModules();

const results = [];
function step(name, fn) {
  const started = Date.now();
  let ok = false;
  try {
    ok = fn() === 0;
  } catch (error) {
    console.error(error);
  }
  results.push({ name, ok, seconds: (Date.now() - started) / 1000 });
  console.log(`\n=== ${ok ? 'PASS' : 'FAIL'}: ${name}`);
}

function nativeSuite(dir, extra) {
  const d = path.join('build', dir);
  return run('cmake', ['-S', '.', '-B', d, ...extra]) ||
    run('cmake', ['--build', d, '-j2']) ||
    run('ctest', ['--test-dir', d, '--output-on-failure', '-j2']);
}

step('native: build + ctest', () =>
  nativeSuite('native', ['-DCMAKE_BUILD_TYPE=Release']));
if (!quick) {
  step('native: ASan+UBSan build + ctest', () =>
    nativeSuite('asan', ['-DCMAKE_BUILD_TYPE=RelWithDebInfo', '-DCOSSIM_SANITIZE=ON']));
}
// ---- issue 8: a bounded libFuzzer run and the native suite under valgrind (scripts/native-checks.mjs)
if (!quick) {
  step('native: libFuzzer harness, 60 s on the committed corpus (clang, ASan+UBSan)', () => fuzzRun(60));
  step('native: GoogleTest suite under valgrind memcheck (x86-64-v2 build)', () => valgrindRun());
}
// ---- end issue 8
step('wasm: build SIMD128 and scalar modules', () => (buildWasm(), 0));

const jsTests = readdirSync(path.join(root, 'tests', 'js'))
  .filter((f) => f.endsWith('.test.mjs'))
  .sort()
  .map((f) => path.join('tests', 'js', f));
for (const backend of ['simd', 'scalar']) {
  step(`js: node --test (${backend})`, () =>
    run(process.execPath, ['--test', ...jsTests], { env: { ...process.env, COSSIM_BACKEND: backend } }));
}
step('types: tsc --noEmit on tests/types/usage.ts', () =>
  run(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join('tests', 'types', 'tsconfig.json')]));
step('bench: smoke run (every workload once, tiny sizes)', () =>
  run(process.execPath, [path.join('bench', 'run.mjs'), '--smoke']));
step('bench: compact tables smoke run', () =>
  run(process.execPath, [path.join('bench', 'compact.mjs'), '--smoke']));
step('browser: headless Chromium (both builds)', () =>
  run(process.execPath, [path.join('tests', 'browser', 'run.mjs')]));
// The demo page (demo/): four panels driven in headless Chromium, numbers checked, the scalar build
// forced once; screenshots in test-results/demo/ (about 20 s).
step('demo: the four panels in headless Chromium', () =>
  run(process.execPath, [path.join('tests', 'demo', 'run.mjs')]));
// TF.js training in Chromium (cpu and wasm backends), with TF.js bundled from node_modules.
step('tfjs-browser: TF.js training in headless Chromium', () =>
  run(process.execPath, [path.join('tests', 'tfjs-browser', 'run.mjs')]));
step('examples: demo/examples.mjs', () => run(process.execPath, [path.join('demo', 'examples.mjs')]));

// ---- The packed package in fresh projects (tests/consumers): npm pack once, then node:test for
// Node, TypeScript, plain pages, workers, CSP, webpack and esbuild; Vitest for Vite (dev, build).
{
  const dir = mkdtempSync(path.join(tmpdir(), 'cossim-pack-'));
  const env = { ...process.env, COSSIM_CONSUMER_REPORT: path.join(dir, 'report.jsonl') };
  step('consumers: npm pack (prepack builds dist/)', () => {
    const r = spawnSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) return r.status ?? 1;
    env.COSSIM_TARBALL = path.join(dir, r.stdout.trim().split('\n').pop());
    console.log(`packed ${env.COSSIM_TARBALL}`);
    return existsSync(env.COSSIM_TARBALL) ? 0 : 1;
  });
  if (env.COSSIM_TARBALL) {
    step('consumers: Node, TypeScript, pages, workers, CSP, webpack, esbuild (node --test)', () =>
      run(process.execPath, ['--test', '--test-concurrency=1', path.join('tests', 'consumers', 'node.test.mjs'),
        path.join('tests', 'consumers', 'browser.test.mjs')], { env }));
    step('consumers: Vite dev server and build (vitest)', () =>
      run(process.execPath, [path.join('node_modules', 'vitest', 'vitest.mjs'), 'run', '--config',
        path.join('tests', 'consumers', 'vitest.config.mjs')], { env }));
    if (existsSync(env.COSSIM_CONSUMER_REPORT)) {
      console.log('\nscenario | result | downloaded raw / gzip (B) | time to first result (ms)');
      for (const line of readFileSync(env.COSSIM_CONSUMER_REPORT, 'utf8').trim().split('\n')) {
        const r = JSON.parse(line);
        console.log(`${r.scenario} | ${r.result} | ${r.raw === null ? '-' : `${r.raw} / ${r.gzip}`} | ${r.ms} (${r.note})`);
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
}

console.log('\nSummary:');
for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds.toFixed(1)} s)`);
const failed = results.filter((r) => !r.ok).length;
console.log(`steps: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

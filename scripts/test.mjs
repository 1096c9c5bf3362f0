// npm test: every test of the project, in order: native build + ctest, the same suite under
// ASan+UBSan, both WebAssembly builds, the JS suite once per build (SIMD128 and scalar), the
// browser test in headless Chromium, and the examples. Options: --quick skips the sanitizer run.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { buildWasm } from './build.mjs';
import { ensureNodeModules, ensureSystem, root, run } from './lib.mjs';

const quick = process.argv.includes('--quick');
ensureSystem(['native', 'wasm', 'browser']);
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
step('examples: demo/examples.mjs', () => run(process.execPath, [path.join('demo', 'examples.mjs')]));

console.log('\nSummary:');
for (const r of results) console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  ${r.name}  (${r.seconds.toFixed(1)} s)`);
const failed = results.filter((r) => !r.ok).length;
console.log(`steps: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

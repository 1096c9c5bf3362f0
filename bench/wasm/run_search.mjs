// Builds bench/wasm/search_timing.cc with em++ (-O3 -msimd128) and runs it in Node: pairwise
// cosine and top-k search inside V8. Usage: node bench/wasm/run_search.mjs [--liftoff] [pairwise|topk]
// By default V8 runs with --no-liftoff (TurboFan from the first call); --liftoff keeps V8's
// default tiering, where a long first call may run in the baseline tier (see "first_ms").
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { emscriptenEnv, root, runOrDie } from '../../scripts/lib.mjs';

const out = path.join(root, 'build', 'bench-wasm');
mkdirSync(out, { recursive: true });
// The search core and what it uses (epsilon_for, Buffer, shapes), and every kernel file.
const kernels = readdirSync(path.join(root, 'cpp', 'kernels')).filter((f) => f.endsWith('.cc'))
  .map((f) => `kernels/${f}`);
const sources = ['core/search.cc', 'core/buffer.cc', 'core/tensor.cc', 'core/shape_engine.cc',
  'core/cosine_similarity.cc', ...kernels].map((f) => `cpp/${f}`);
// Every kernel set registered in the one module, so pairwise is timed with each.
runOrDie('em++', ['-O3', '-msimd128', '-std=c++17', '-fno-exceptions', '-DCOSSIM_HAVE_SIMD128=1',
  '-DCOSSIM_ALL_KERNEL_SETS=1',
  '-Icpp/include', 'bench/wasm/search_timing.cc', ...sources,
  '-sALLOW_MEMORY_GROWTH=1', '-sMAXIMUM_MEMORY=4GB', '-sENVIRONMENT=node', '-sSINGLE_FILE=1',
  '-o', path.join(out, 'search_timing.cjs')], { env: emscriptenEnv() });
const flags = process.argv.includes('--liftoff') ? [] : ['--no-liftoff'];
const group = process.argv.slice(2).filter((a) => !a.startsWith('--'));
runOrDie(process.execPath, [...flags, path.join(out, 'search_timing.cjs'), ...group]);

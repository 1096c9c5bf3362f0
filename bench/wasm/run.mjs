// Builds bench/wasm/kernels_timing.cc with em++ (-O3 -msimd128) and runs it in Node: every
// registered kernel set's row kernels inside V8, and the cost of the f32 kernel's blocked f64
// accumulation. Usage: node bench/wasm/run.mjs
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { emscriptenEnv, root, runOrDie } from '../../scripts/lib.mjs';

const out = path.join(root, 'build', 'bench-wasm');
mkdirSync(out, { recursive: true });
// Every kernel file (cpp/kernels/*.cc), with every set registered in the one module.
const kernels = readdirSync(path.join(root, 'cpp', 'kernels')).filter((f) => f.endsWith('.cc'))
  .map((f) => `cpp/kernels/${f}`);
runOrDie('em++', ['-O3', '-msimd128', '-std=c++17', '-DCOSSIM_HAVE_SIMD128=1',
  '-DCOSSIM_ALL_KERNEL_SETS=1', '-Icpp/include', 'bench/wasm/kernels_timing.cc', ...kernels,
  '-sALLOW_MEMORY_GROWTH=1', '-sENVIRONMENT=node', '-sSINGLE_FILE=1', '-o', path.join(out, 'kernels_timing.cjs')], { env: emscriptenEnv() });
// --no-liftoff: main() is one long call, and V8 does not move a running call out of its
// baseline tier (no OSR for wasm), so without it the timings are Liftoff's.
runOrDie(process.execPath, ['--no-liftoff', path.join(out, 'kernels_timing.cjs')]);

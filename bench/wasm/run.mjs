// Builds bench/wasm/kernels_timing.cc with em++ (-O3 -msimd128) and runs it in Node: the cost of
// the f32 kernel's blocked f64 accumulation inside V8. Usage: node bench/wasm/run.mjs
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { emscriptenEnv, root, runOrDie } from '../../scripts/lib.mjs';

const out = path.join(root, 'build', 'bench-wasm');
mkdirSync(out, { recursive: true });
runOrDie('em++', ['-O3', '-msimd128', '-std=c++17', '-DCOSSIM_HAVE_SIMD128=1', '-Icpp/include',
  'bench/wasm/kernels_timing.cc', 'cpp/kernels/simd128.cc', 'cpp/kernels/scalar.cc',
  '-sALLOW_MEMORY_GROWTH=1', '-sENVIRONMENT=node', '-sSINGLE_FILE=1', '-o', path.join(out, 'kernels_timing.cjs')], { env: emscriptenEnv() });
// --no-liftoff: main() is one long call, and V8 does not move a running call out of its
// baseline tier (no OSR for wasm), so without it the timings are Liftoff's.
runOrDie(process.execPath, ['--no-liftoff', path.join(out, 'kernels_timing.cjs')]);

// npm run build: everything import('cossim') needs from a checkout, i.e. dist/cossim_{simd,scalar}
// .{mjs,wasm}, built by Emscripten through CMake (incremental after the first run).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { emscriptenEnv, ensureNodeModules, ensureSystem, root, runOrDie } from './lib.mjs';

export function buildWasm() {
  ensureSystem(['wasm']);
  ensureNodeModules();
  const dir = path.join(root, 'build', 'wasm');
  const env = emscriptenEnv();
  if (!existsSync(path.join(dir, 'CMakeCache.txt'))) {
    runOrDie('emcmake', ['cmake', '-S', '.', '-B', dir, '-DCMAKE_BUILD_TYPE=Release',
      '-DCMAKE_CROSSCOMPILING_EMULATOR=node'], { env });
  }
  runOrDie('cmake', ['--build', dir, '-j2'], { env });
}

if (import.meta.url === `file://${process.argv[1]}`) buildWasm();

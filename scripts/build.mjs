// npm run build (and npm pack's prepack): everything the package ships in dist/: the .wasm of
// each build (cossim_{,full_}{simd,scalar}.wasm), built by Emscripten through CMake (incremental
// after the first run), and the minified JavaScript dist/cossim.mjs and dist/cossim_full.mjs
// (scripts/bundle.mjs, run as its own process: Rolldown's API is asynchronous).
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
  runOrDie(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')]);
}

if (import.meta.url === `file://${process.argv[1]}`) buildWasm();

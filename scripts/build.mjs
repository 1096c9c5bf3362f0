// npm run build (and npm pack's prepack): everything the package ships in dist/: the glue and
// .wasm of each build (cossim_{,full_}{simd,scalar}.{mjs,wasm}), built by Emscripten through CMake
// (incremental after the first run), and the minified entry dist/cossim.mjs (scripts/bundle.mjs).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { bundle } from './bundle.mjs';
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
  bundle();
}

if (import.meta.url === `file://${process.argv[1]}`) buildWasm();

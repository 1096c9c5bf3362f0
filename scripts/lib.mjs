// Shared helpers of the npm scripts: running commands and finding or installing what a build needs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function run(cmd, args, options = {}) {
  const pretty = [cmd, ...args].join(' ');
  console.log(`\n$ ${pretty}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (r.error) throw new Error(`${pretty}: ${r.error.message}`);
  return r.status ?? 1;
}

export function runOrDie(cmd, args, options) {
  const status = run(cmd, args, options);
  if (status !== 0) {
    console.error(`\nFailed (exit ${status}): ${cmd} ${args.join(' ')}`);
    process.exit(status);
  }
}

export function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

// What each part of the project needs from Debian: [check, package].
const SYSTEM_NEEDS = {
  native: [
    [() => has('cmake'), 'cmake'],
    [() => has('g++'), 'g++'],
    [() => has('make'), 'make'],
    [() => existsSync('/usr/include/gtest/gtest.h'), 'libgtest-dev'],
    [() => existsSync('/usr/include/simde/wasm/simd128.h'), 'libsimde-dev'],
  ],
  wasm: [
    [() => has('cmake'), 'cmake'],
    [() => has('make'), 'make'],
    [() => has('emcc'), 'emscripten'],
  ],
  browser: [[() => existsSync('/usr/bin/chromium'), 'chromium']],
  // The libFuzzer run (scripts/native-checks.mjs): clang 14 and its fuzzer runtime.
  fuzz: [
    [() => has('clang++-14'), 'clang-14'],
    [() => hasFuzzerRuntime(), 'libclang-rt-14-dev'],
  ],
  valgrind: [[() => has('valgrind'), 'valgrind']],
};

// libclang_rt.fuzzer for clang 14 (its directory is named after the patch version).
function hasFuzzerRuntime() {
  const base = '/usr/lib/llvm-14/lib/clang';
  if (!existsSync(base)) return false;
  return readdirSync(base).some((v) =>
    existsSync(path.join(base, v, 'lib', 'linux', 'libclang_rt.fuzzer-x86_64.a')));
}

// Installs the missing Debian packages for `parts` when running as root; otherwise says exactly
// what to install and exits.
export function ensureSystem(parts) {
  const missing = new Set();
  for (const part of parts) {
    for (const [check, pkg] of SYSTEM_NEEDS[part]) if (!check()) missing.add(pkg);
  }
  if (missing.size === 0) return;
  const pkgs = [...missing];
  if (process.getuid && process.getuid() === 0) {
    runOrDie('apt-get', ['update', '-qq']);
    runOrDie('apt-get', ['install', '-y', '-qq', ...pkgs], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } else {
    console.error(`Missing system packages: ${pkgs.join(' ')}\n` +
      `Install them with:  sudo apt-get update && sudo apt-get install -y ${pkgs.join(' ')}`);
    process.exit(1);
  }
}

// node_modules from the lockfile (the bundler for dist/; the test tools).
export function ensureNodeModules() {
  if (existsSync(path.join(root, 'node_modules', '.package-lock.json'))) return;
  runOrDie('npm', ['ci', '--no-audit', '--no-fund']);
}

export const emscriptenEnv = () => ({ ...process.env, NODE_PATH: '/usr/share/nodejs' });

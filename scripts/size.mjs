// Prints what a browser downloads from the published package (raw and gzip -9 bytes): on the
// default path (import, ready(), one loss call) the minified entry dist/cossim.mjs and the SIMD
// core module's .wasm; with ready({ full: true }) also the full part's JavaScript
// dist/cossim_full.mjs, and the full module's .wasm instead; and the scalar builds (engines
// without SIMD128). Run `node scripts/build.mjs` first.
// --json prints the same as JSON; --max-gzip N exits 1 when the default path exceeds N bytes.
// (Measured in Chromium from the npm pack tarball by tests/consumers.)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { root } from './lib.mjs';

const measure = (file) => {
  const bytes = readFileSync(path.join(root, 'dist', file));
  return { file: `dist/${file}`, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
};
const paths = {
  'default (SIMD128 core)': ['cossim.mjs', 'cossim_simd.wasm'],
  'ready({ full: true }) (SIMD128)': ['cossim.mjs', 'cossim_full.mjs', 'cossim_full_simd.wasm'],
  'scalar core': ['cossim.mjs', 'cossim_scalar.wasm'],
  'scalar full': ['cossim.mjs', 'cossim_full.mjs', 'cossim_full_scalar.wasm'],
};
const result = Object.fromEntries(Object.entries(paths).map(([name, files]) => {
  const rows = files.map(measure);
  const total = rows.reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
  return [name, { rows, total }];
}));
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(result, null, 2));
} else {
  const line = (name, r) => `${name.padEnd(30)} ${String(r.raw).padStart(8)} B  ${String(r.gzip).padStart(7)} B gzip`;
  for (const [name, { rows, total }] of Object.entries(result)) {
    console.log(`${name}:`);
    for (const r of rows) console.log(`  ${line(r.file, r)}`);
    console.log(`  ${line('total', total)}`);
  }
}
const max = process.argv.indexOf('--max-gzip');
const main = result['default (SIMD128 core)'].total.gzip;
if (max > 0 && main > Number(process.argv[max + 1])) {
  console.error(`the default path is ${main} B gzip, over the budget of ${process.argv[max + 1]} B`);
  process.exit(1);
}

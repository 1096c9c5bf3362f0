// Prints what a browser downloads on the default path (import, ready(), one loss call): the
// wrapper modules reachable from js/index.mjs, the SIMD glue and its .wasm; raw and gzip -9 bytes.
// --json prints the same as JSON; --max-gzip N exits 1 when the total exceeds N bytes.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { root } from './lib.mjs';

function reachable(entry, seen = new Set()) {
  if (seen.has(entry)) return seen;
  seen.add(entry);
  const text = readFileSync(entry, 'utf8');
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
    reachable(path.resolve(path.dirname(entry), m[1]), seen);
  }
  return seen;
}

const files = [...reachable(path.join(root, 'js', 'index.mjs'))];
files.push(path.join(root, 'dist', 'cossim_simd.mjs'), path.join(root, 'dist', 'cossim_simd.wasm'));
const rows = files.map((f) => {
  const bytes = readFileSync(f);
  return { file: path.relative(root, f), raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
});
const sum = (filter) => rows.filter(filter).reduce((a, r) => ({ raw: a.raw + r.raw, gzip: a.gzip + r.gzip }), { raw: 0, gzip: 0 });
const js = sum((r) => !r.file.endsWith('.wasm'));
const wasm = sum((r) => r.file.endsWith('.wasm'));
const total = { raw: js.raw + wasm.raw, gzip: js.gzip + wasm.gzip };
if (process.argv.includes('--json')) {
  console.log(JSON.stringify({ rows, js, wasm, total }, null, 2));
} else {
  for (const r of rows) console.log(`${r.file.padEnd(28)} ${String(r.raw).padStart(8)} B  ${String(r.gzip).padStart(7)} B gzip`);
  console.log(`${'JS total'.padEnd(28)} ${String(js.raw).padStart(8)} B  ${String(js.gzip).padStart(7)} B gzip`);
  console.log(`${'wasm'.padEnd(28)} ${String(wasm.raw).padStart(8)} B  ${String(wasm.gzip).padStart(7)} B gzip`);
  console.log(`${'download total'.padEnd(28)} ${String(total.raw).padStart(8)} B  ${String(total.gzip).padStart(7)} B gzip`);
}
const max = process.argv.indexOf('--max-gzip');
if (max > 0 && total.gzip > Number(process.argv[max + 1])) {
  console.error(`download is ${total.gzip} B gzip, over the budget of ${process.argv[max + 1]} B`);
  process.exit(1);
}

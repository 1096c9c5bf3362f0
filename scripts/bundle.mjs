// The published entry: js/ bundled and minified by esbuild into dist/cossim.mjs (one request
// instead of ten, about half the bytes). The glue modules and .wasm files stay separate files;
// their '../dist/…' specifiers and literal new URL(…) stay as written, and resolve from dist/
// to the same files as from js/.
import { buildSync } from 'esbuild';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './lib.mjs';

export function bundle() {
  const result = buildSync({
    entryPoints: [path.join(root, 'js', 'index.mjs')],
    outfile: path.join(root, 'dist', 'cossim.mjs'),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
    external: ['../dist/*', 'node:*'],
    write: false,
  });
  // esbuild's minifier drops the comments in import(): put back the ones bundlers read on the
  // Node-only imports (webpack would otherwise fail on the node: scheme).
  const out = result.outputFiles[0];
  const text = out.text.replaceAll('import("node:', 'import(/* webpackIgnore: true */ /* @vite-ignore */ "node:');
  if ((text.match(/webpackIgnore/g) ?? []).length !== 3) throw new Error('bundle: expected three node: imports');
  writeFileSync(out.path, text);
}

if (import.meta.url === `file://${process.argv[1]}`) bundle();

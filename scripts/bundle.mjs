// The published JavaScript: js/ bundled and minified by Rolldown (the bundler under Vite) into
//   dist/cossim.mjs       the entry: the core API (loss, similarity, metric, cosine, heap tensors)
//                         and everything the two parts share;
//   dist/cossim_full.mjs  the full part (js/full.mjs and what only it uses), imported by
//                         ready({ full: true }) and by nothing else;
//   dist/cossim_node.mjs  reading the .wasm from the file system (js/node.mjs), imported in Node only.
// So a browser's default path downloads one JavaScript file. The full part imports the shared code back
// from the entry, which therefore also exports those few internals under minified one-letter names
// (not in index.d.ts). The .wasm files stay separate; their literal new URL('../dist/…',
// import.meta.url) resolve from dist/ to the same files as from js/.
import { rolldown } from 'rolldown';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { root } from './lib.mjs';

// The modules of the full part and the Node-only one: the core's modules import none of them
// (statically).
const SEPARATE = /[\\/]js[\\/](full|search|tfjs|native-compact|node)\.mjs$/;

export async function bundle() {
  const build = await rolldown({
    input: { cossim: path.join(root, 'js', 'index.mjs') },
    external: [/^node:/],
    platform: 'neutral',
    logLevel: 'warn',
    // Lets the entry chunk export what the full part imports from it.
    preserveEntrySignatures: 'allow-extension',
  });
  const { output } = await build.generate({
    format: 'es',
    minify: true,
    entryFileNames: '[name].mjs',
    chunkFileNames: 'cossim_[name].mjs',
    // Every module outside the full part goes into the entry's chunk.
    codeSplitting: {
      groups: [{ name: 'cossim', test: (id) => !SEPARATE.test(id), includeDependenciesRecursively: false }],
    },
  });
  const names = output.map((o) => o.fileName).sort();
  if (names.join() !== 'cossim.mjs,cossim_full.mjs,cossim_node.mjs') {
    throw new Error(`bundle: expected three files; got ${names}`);
  }
  const node = output.find((o) => o.fileName === 'cossim_node.mjs').code;
  if ((node.match(/webpackIgnore/g) ?? []).length !== 3) throw new Error('bundle: expected three node: imports');
  for (const o of output) writeFileSync(path.join(root, 'dist', o.fileName), o.code);
  await build.close();
}

if (import.meta.url === `file://${process.argv[1]}`) await bundle();

// Node only: reading a .wasm from the file system (loader.mjs imports this file only in Node, so
// browsers never download it). The node: imports are dynamic and marked for bundlers to leave
// alone (webpack would otherwise fail on the node: scheme; browser builds never run them).

// The bytes of build.file ({ file }): at `here` (its URL next to loader.mjs, or null) first; then
// the installed package as the application's entry script (or the working directory) resolves
// it, which finds the file when a bundler (esbuild --platform=node, webpack target node) moved
// the JS away from node_modules.
export async function readInNode(build, here) {
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
  const tried = [];
  if (here !== null && here.protocol === 'file:') {
    try {
      return await fs.readFile(here);
    } catch (error) {
      if (error?.code !== 'ENOENT') throw error;
      tried.push(here.pathname);
    }
  }
  const { createRequire } = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:module');
  const bases = [process.argv[1], `${process.cwd()}/index.js`].filter((b) => typeof b === 'string');
  for (const base of bases) {
    try {
      const file = createRequire(base).resolve(`cossim/wasm/${build.file}`);
      return await fs.readFile(file);
    } catch {
      tried.push(`cossim/wasm/${build.file} from ${base}`);
    }
  }
  throw new Error(`cossim: cannot find ${build.file} (tried ${tried.join(', ')}). If a bundler ` +
    `moved cossim's JavaScript, pass the bytes: ready({ wasmBinary: fs.readFileSync(` +
    `'node_modules/cossim/dist/${build.file}') }), or copy node_modules/cossim/dist/*.wasm next ` +
    'to the bundle');
}

// The bytes of the file at a path or a file: URL (ready({ locateFile }) in Node).
export async function readPath(source) {
  const fs = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises');
  return fs.readFile(source.startsWith('file:') ? new URL(source) : source);
}

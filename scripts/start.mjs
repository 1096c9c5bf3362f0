// npm start: the main job. Installs what is missing, builds the WebAssembly if needed, runs the
// documentation examples, then serves the demo page (Ctrl-C stops it). --no-serve stops after
// the examples; PORT picks the port (default 8080; a free one if it is taken).
import path from 'node:path';
import { buildWasm } from './build.mjs';
import { root, runOrDie } from './lib.mjs';
import { demoUrl, serve } from './serve.mjs';

buildWasm();
runOrDie(process.execPath, [path.join(root, 'demo', 'examples.mjs')]);
if (!process.argv.includes('--no-serve')) {
  const { port } = await serve(Number(process.env.PORT ?? 8080), '127.0.0.1', { fallback: true });
  console.log(`\nDemo: ${demoUrl(port)}  (Ctrl-C to stop; ?backend=scalar forces the scalar build)`);
}

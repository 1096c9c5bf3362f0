// A minimal static file server for the demo and the browser tests (localhost only): serves the
// checkout (node_modules included, for TF.js in the demo's speed panel), never caches.
// `node scripts/serve.mjs [port]` serves and prints the demo's URL; serve() is for the scripts.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { root } from './lib.mjs';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

// Resolves to { server, port }. With `fallback`, a port already in use is replaced by a free one.
export async function serve(port = 0, host = '127.0.0.1', { fallback = false } = {}) {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file;
    try {
      file = path.normalize(path.join(root, decodeURIComponent(url.pathname)));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (file !== root && !file.startsWith(root + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    if (url.pathname.endsWith('/')) file = path.join(file, 'index.html');
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  try {
    await listen(server, port, host);
  } catch (error) {
    if (!(fallback && error.code === 'EADDRINUSE')) throw error;
    console.log(`Port ${port} is in use; picking a free one.`);
    await listen(server, 0, host);
  }
  return { server, port: server.address().port };
}

export const demoUrl = (port) => `http://127.0.0.1:${port}/demo/`;

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { port } = await serve(Number(process.argv[2] ?? process.env.PORT ?? 8080), '127.0.0.1', { fallback: true });
  console.log(`Demo: ${demoUrl(port)}  (Ctrl-C to stop)`);
}

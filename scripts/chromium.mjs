// Debian's Chromium, headless, through playwright-core, with the flags this machine needs (no
// network of its own, no sandbox as root, a fresh profile). Shared by the browser tests, the demo
// test, the consumer tests and the browser benchmarks.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from './serve.mjs';

// -> { context, close() }: close() closes the browser and removes its profile.
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'cossim-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => { await context.close(); rmSync(userDataDir, { recursive: true, force: true }); },
  };
}

// The checkout served on 127.0.0.1 (scripts/serve.mjs) and a Chromium to open it:
// -> { port, context, close() }. close() shuts the browser before the server, which would
// otherwise wait about a minute on Chromium's idle sockets.
export async function browserSession() {
  const { server, port } = await serve(0);
  const chrome = await launchChromium();
  return {
    port,
    context: chrome.context,
    close: async () => {
      await chrome.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

// Browser test: serves the checkout on 127.0.0.1, opens tests/browser/page.html in Debian's
// headless Chromium once per WebAssembly build, and checks what the page computed. Also records
// which files the page downloaded, as a check that the .wasm is fetched by URL (not inlined).
import path from 'node:path';
import { browserSession } from '../../scripts/chromium.mjs';

const { port, context, close } = await browserSession();
let failed = 0;
let passed = 0;
try {
  for (const backend of ['simd', 'scalar']) {
    const page = await context.newPage();
    const consoleErrors = [];
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    const fetched = [];
    page.on('response', (r) => fetched.push(path.basename(new URL(r.url()).pathname)));
    await page.goto(`http://127.0.0.1:${port}/tests/browser/page.html?backend=${backend}`);
    await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 30000 });
    const result = await page.evaluate(() => window.__result);
    const report = (ok, what) => {
      if (ok) passed++; else failed++;
      console.log(`${ok ? 'ok  ' : 'FAIL'} [${backend}] ${what}`);
    };
    if (result.error) {
      report(false, `page threw ${result.error}`);
    } else {
      report(result.backend === backend, `backend() is ${result.backend}`);
      for (const c of result.checks) report(c.ok, `${c.name}: got ${c.got}${c.want !== undefined ? `, want ${c.want}` : ''}`);
    }
    report(fetched.includes(`cossim_${backend}.wasm`), `fetched cossim_${backend}.wasm by URL`);
    report(consoleErrors.length === 0, `no console errors ${consoleErrors.join(' | ')}`);
    await page.close();
  }
} finally {
  await close();
}
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

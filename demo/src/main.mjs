// The demo page: loads cossim once (demo/src/load.mjs), fills the header and starts the panels.
// window.cossimDemo exposes what the panels computed, for the browser tests (tests/demo/).
import { $ } from './format.mjs';
import { backendFromQuery, loadCossim } from './load.mjs';
import { initPlayground } from './playground.mjs';
import { initTraining } from './train.mjs';
import { initExplorer } from './explorer.mjs';
import { initSpeed } from './speed.mjs';

const state = { ready: false, errors: [] };
window.cossimDemo = state;
window.addEventListener('unhandledrejection', (e) => state.errors.push(String(e.reason)));

fetch('../package.json').then((r) => r.json()).then((p) => { $('version').textContent = `v${p.version}`; },
  () => { $('version').textContent = ''; });

try {
  const requested = backendFromQuery(location.search);
  const cossim = await loadCossim(requested);
  const b = cossim.backend();
  const badge = $('backend');
  badge.textContent = b === 'simd' ? 'SIMD128' : 'scalar';
  badge.classList.toggle('scalar', b === 'scalar');
  $('simd-note').textContent = requested ? `(forced by ?backend=${requested})` : '(chosen automatically)';
  state.backend = b;
  initPlayground(cossim, state);
  initTraining(cossim, state);
  initExplorer(cossim, state);
  initSpeed(state, requested);
  state.ready = true;
} catch (e) {
  const box = $('load-error');
  box.hidden = false;
  box.textContent = `cossim failed to load: ${e.name}: ${e.message}`;
  console.error(e);
}

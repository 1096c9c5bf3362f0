// Panel 3: the similarity explorer. pairwise() over generated clustered vectors drawn as a heatmap
// (rows ordered by cluster), topK() for a clicked row, a noise slider; each call is timed.
import { $, el, duration } from './format.mjs';
import { rng } from './random.mjs';

const D = 64, SIZES = [70, 55, 45, 50, 40, 40], K = 10;
const N = SIZES.reduce((a, b) => a + b, 0);
const COLORS = ['#2f5bd3', '#d9572b', '#1d8a4e', '#8e44ad', '#c49a00', '#0f8b8d'];
// Heatmap layout in backing-store pixels: a label band and a cluster strip, then CELL px per entry.
const CELL = 2, OFFSET = 40, SIZE = OFFSET + N * CELL + 4;

// The same centres for every noise level (seed 3), the same noise directions too (seed 5), so the
// slider morphs one data set.
function makeVectors(sigma) {
  const rc = rng(3), rn = rng(5);
  const X = new Float32Array(N * D), cluster = new Int32Array(N);
  const centres = SIZES.map(() => Float64Array.from({ length: D }, () => rc.normal()));
  let i = 0;
  SIZES.forEach((size, c) => {
    for (let s = 0; s < size; s++, i++) {
      cluster[i] = c;
      for (let j = 0; j < D; j++) X[i * D + j] = centres[c][j] + sigma * rn.normal();
    }
  });
  return { X, cluster };
}

// One untimed call (the first runs in V8's baseline wasm compiler and may grow the memory), then
// fn repeatedly for at least `budget` ms (timer resolution in a page that is not cross-origin
// isolated is ~0.1 ms); returns [its result, mean ms per call].
function timed(fn, budget = 15) {
  let result = fn(), n = 0;
  const t0 = performance.now();
  let t;
  do { result = fn(); n++; t = performance.now(); } while (t - t0 < budget && n < 5000);
  return [result, (t - t0) / n];
}

// Diverging map: −1 blue, 0 near-white, +1 red.
function color(v) {
  const t = Math.max(-1, Math.min(1, v));
  const a = Math.abs(t) ** 0.8;
  const [r, g, b] = t >= 0 ? [178, 24, 43] : [33, 102, 172];
  return [247 + (r - 247) * a, 247 + (g - 247) * a, 247 + (b - 247) * a];
}

export function initExplorer(cossim, state) {
  const { pairwise, topK } = cossim;
  const canvas = $('ex-canvas');
  canvas.width = SIZE; canvas.height = SIZE;
  const ctx = canvas.getContext('2d');
  const cells = document.createElement('canvas');
  cells.width = N; cells.height = N;
  let data, S, row = 0;
  $('ex-dims').textContent = `${N} × ${D}-d`;
  $('ex-k').textContent = String(SIZES.length);
  $('ex-kk').textContent = String(K);
  drawLegend($('ex-legend'));

  function compute() {
    const sigma = Number($('ex-noise').value);
    $('ex-noise-val').textContent = sigma.toFixed(2);
    data = makeVectors(sigma);
    const X = { data: data.X, shape: [N, D] };
    const [result, ms] = timed(() => pairwise(X, X));
    S = result.data;
    $('ex-pairwise-time').textContent = `${duration(ms)} for [${N},${D}]×[${N},${D}]`;
    const img = cells.getContext('2d').createImageData(N, N);
    for (let k = 0; k < N * N; k++) {
      const [r, g, b] = color(S[k]);
      img.data[4 * k] = r; img.data[4 * k + 1] = g; img.data[4 * k + 2] = b; img.data[4 * k + 3] = 255;
    }
    cells.getContext('2d').putImageData(img, 0, 0);
    state.explorer = { n: N, d: D, sigma, matrix: S, vectors: data.X, cluster: data.cluster, pairwiseMs: ms,
      layout: { offset: OFFSET, cell: CELL, size: SIZE } };
    select(row);
  }

  function draw() {
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(cells, OFFSET, OFFSET, N * CELL, N * CELL);
    let start = 0;
    SIZES.forEach((size, c) => {  // cluster strips along both axes
      ctx.fillStyle = COLORS[c];
      ctx.fillRect(OFFSET - 10, OFFSET + start * CELL, 7, size * CELL);
      ctx.fillRect(OFFSET + start * CELL, OFFSET - 10, size * CELL, 7);
      start += size;
    });
    ctx.fillStyle = '#1d2330';
    ctx.font = '600 17px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    ctx.fillText('column j (by cluster)', OFFSET + (N * CELL) / 2, 14);
    ctx.save();
    ctx.translate(14, OFFSET + (N * CELL) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText('row i (by cluster)', 0, 0);
    ctx.restore();
    ctx.strokeStyle = '#111';
    ctx.lineWidth = 2;
    ctx.strokeRect(OFFSET - 1, OFFSET + row * CELL - 1, N * CELL + 2, CELL + 2);
  }

  function select(r) {
    row = r;
    const q = { data: data.X.subarray(r * D, (r + 1) * D), shape: [D] };
    const table = { data: data.X, shape: [N, D] };
    const [top, ms] = timed(() => topK(q, table, K));
    $('ex-topk-time').textContent = `${duration(ms)} (k=${K} of ${N})`;
    $('ex-row').textContent = String(r);
    const rows = Array.from(top.indices, (j, rank) => el('tr', { class: j === r ? 'self' : '' },
      el('td', {}, String(rank + 1)), el('td', {}, String(j)),
      el('td', {}, el('span', { class: 'sw', style: `background:${COLORS[data.cluster[j]]}` }), String(data.cluster[j])),
      el('td', {}, top.values[rank].toFixed(4))));
    $('ex-topk').tBodies[0].replaceChildren(...rows);
    state.explorer.topK = { row: r, indices: Array.from(top.indices), values: Array.from(top.values), ms };
    draw();
  }

  // Client coordinates -> [row, column] (or null outside the cells).
  const cellAt = (ev) => {
    const box = canvas.getBoundingClientRect();  // border box; the drawing fills the content box
    const scale = SIZE / canvas.clientWidth;
    const x = (ev.clientX - box.left - canvas.clientLeft) * scale - OFFSET;
    const y = (ev.clientY - box.top - canvas.clientTop) * scale - OFFSET;
    const i = Math.floor(y / CELL), j = Math.floor(x / CELL);
    return i >= 0 && i < N && j >= 0 && j < N ? [i, j] : null;
  };
  canvas.addEventListener('click', (ev) => { const c = cellAt(ev); if (c) select(c[0]); });
  canvas.tabIndex = 0;  // arrow keys move the selected row
  canvas.addEventListener('keydown', (ev) => {
    const step = { ArrowUp: -1, ArrowDown: 1, PageUp: -10, PageDown: 10 }[ev.key];
    if (step === undefined) return;
    ev.preventDefault();
    select(Math.min(N - 1, Math.max(0, row + step)));
  });
  canvas.addEventListener('mousemove', (ev) => {
    const c = cellAt(ev);
    $('ex-hover').textContent = c
      ? `row ${c[0]} (cluster ${data.cluster[c[0]]}) · column ${c[1]} (cluster ${data.cluster[c[1]]}) · cos = ${S[c[0] * N + c[1]].toFixed(4)}`
      : '\u00a0';
  });
  // Slider drags fire many input events: recompute at most once per frame.
  let pending = false;
  $('ex-noise').addEventListener('input', () => {
    $('ex-noise-val').textContent = Number($('ex-noise').value).toFixed(2);
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; compute(); });
  });
  compute();
}

function drawLegend(canvas) {
  const ctx = canvas.getContext('2d');
  const w = canvas.width, x0 = 40, x1 = w - 20;
  ctx.clearRect(0, 0, w, canvas.height);
  for (let x = x0; x < x1; x++) {
    const [r, g, b] = color(-1 + (2 * (x - x0)) / (x1 - x0));
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fillRect(x, 4, 1, 14);
  }
  ctx.strokeStyle = '#8a93a3';
  ctx.strokeRect(x0 + 0.5, 4.5, x1 - x0, 14);
  ctx.fillStyle = '#1d2330';
  ctx.font = '15px system-ui, sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of [-1, -0.5, 0, 0.5, 1]) ctx.fillText(String(t), x0 + ((t + 1) / 2) * (x1 - x0), 22);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.fillText('cos', 2, 11);
}

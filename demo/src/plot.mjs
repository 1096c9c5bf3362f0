// Canvas helpers: a crisp canvas at the device pixel ratio, and a line chart with labelled axes.

// Sizes the canvas's backing store to its CSS width (height from the aspect given) × devicePixelRatio
// and returns a 2D context in CSS pixels.
export function fitCanvas(canvas, aspect) {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(200, canvas.clientWidth || canvas.width);
  const h = Math.round(w * aspect);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return { ctx, w, h };
}

const FONT = '12px system-ui, sans-serif';

// series: [{ label, color, points: [[x, y], ...] }];
// axes: { xLabel, yLabel, xMax, yMin, yMax, yTicks, yLog (log10 scale; values below yMin drawn at yMin) }.
export function lineChart(canvas, series, axes) {
  const narrow = (canvas.clientWidth || 600) < 500;
  const { ctx, w, h } = fitCanvas(canvas, narrow ? 0.72 : 0.33);
  ctx.font = FONT;
  const legend = layoutLegend(ctx, series, narrow ? 8 : 58, w - 8);
  const m = { l: 58, r: 16, t: 14 + 18 * legend.rows, b: 42 };
  const pw = w - m.l - m.r, ph = h - m.t - m.b;
  const xMax = Math.max(axes.xMax, 1);
  const X = (x) => m.l + (x / xMax) * pw;
  const f = axes.yLog ? (y) => Math.log10(Math.max(y, axes.yMin)) : (y) => y;
  const Y = (y) => m.t + (1 - (f(y) - f(axes.yMin)) / (f(axes.yMax) - f(axes.yMin))) * ph;
  ctx.clearRect(0, 0, w, h);
  ctx.font = FONT;
  ctx.strokeStyle = '#e3e7ee';
  ctx.fillStyle = '#5b6475';
  ctx.lineWidth = 1;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of axes.yTicks) {
    ctx.beginPath(); ctx.moveTo(m.l, Y(t) + 0.5); ctx.lineTo(m.l + pw, Y(t) + 0.5); ctx.stroke();
    ctx.fillText(String(t), m.l - 6, Y(t));
  }
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of niceTicks(xMax, narrow ? 4 : 8)) {
    ctx.beginPath(); ctx.moveTo(X(t) + 0.5, m.t); ctx.lineTo(X(t) + 0.5, m.t + ph); ctx.stroke();
    ctx.fillText(String(t), X(t), m.t + ph + 5);
  }
  ctx.strokeStyle = '#8a93a3';
  ctx.strokeRect(m.l + 0.5, m.t + 0.5, pw, ph);
  ctx.fillStyle = '#1d2330';
  ctx.fillText(axes.xLabel, m.l + pw / 2, h - 17);
  ctx.save();
  ctx.translate(14, m.t + ph / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.textBaseline = 'middle';
  ctx.fillText(axes.yLabel, 0, 0);
  ctx.restore();
  ctx.save();
  ctx.beginPath(); ctx.rect(m.l, m.t, pw, ph); ctx.clip();
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.points.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke();
  }
  ctx.restore();
  // legend, above the plot, wrapped to the width
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  for (const { s, x, row } of legend.items) {
    const y = 12 + 18 * row;
    ctx.fillStyle = s.color;
    ctx.fillRect(x, y - 2, 14, 4);
    ctx.fillStyle = '#1d2330';
    ctx.fillText(s.label, x + 19, y);
  }
}

function layoutLegend(ctx, series, left, right) {
  const items = [];
  let x = left, row = 0;
  for (const s of series) {
    const width = ctx.measureText(s.label).width + 19;
    if (x > left && x + width > right) { x = left; row++; }
    items.push({ s, x, row });
    x += width + 24;
  }
  return { items, rows: row + 1 };
}

// Round tick values 0..max, about `count` of them.
export function niceTicks(max, count) {
  const raw = max / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((f) => f * p).find((s) => s >= raw);
  const ticks = [];
  for (let t = 0; t <= max + 1e-9; t += step) ticks.push(Math.round(t * 1e6) / 1e6);
  return ticks;
}

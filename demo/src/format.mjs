// Number and tensor formatting shared by the panels.

// The shortest decimal that reads back as the same float32 (how NumPy and Keras print float32);
// float64 values print in full. -0 keeps its sign, as Keras prints it.
export function num(x, f32 = true) {
  if (Object.is(x, -0)) return '-0';
  if (!Number.isFinite(x)) return String(x);
  if (!f32) return String(x);
  for (let p = 1; p <= 9; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === x) return String(y);
  }
  return String(x);
}

// { data, shape } -> a nested array literal such as [[-0, -1], [0.5, 2]].
export function nested(t) {
  const f32 = t.data instanceof Float32Array;
  const { data, shape } = t;
  if (shape.length === 0) return num(data[0], f32);
  let i = 0;
  const walk = (dim) => {
    const parts = [];
    for (let k = 0; k < shape[dim]; k++) parts.push(dim === shape.length - 1 ? num(data[i++], f32) : walk(dim + 1));
    return `[${parts.join(', ')}]`;
  };
  return walk(0);
}

// A duration in ms with a unit that keeps 3 significant digits.
export function duration(ms) {
  const [scale, unit] = ms * 1e6 < 999.5 ? [1e6, 'ns'] : ms * 1e3 < 999.5 ? [1e3, 'µs'] : ms < 999.5 ? [1, 'ms'] : [1e-3, 's'];
  return `${Number((ms * scale).toPrecision(3))} ${unit}`;
}

export const $ = (id) => document.getElementById(id);

// Creates an element with attributes and children (strings become text).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c);
  return e;
}

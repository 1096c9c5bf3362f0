// How values and shapes are named in error messages (shared by every file that throws).

// A short description of any value that never throws (Symbols and objects without a prototype
// included), for "got …" in messages.
export function describe(x) {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name}`;
  if (typeof x === 'symbol') return 'a Symbol';
  if (typeof x === 'object') return `an object with keys [${Object.keys(x).join(', ')}]`;
  if (typeof x === 'string') return `string '${x}'`;
  if (typeof x === 'function') return 'a function';
  return `${typeof x} ${String(x)}`;
}

// "[2,3]", the format of TF's error messages; any element that is not a number is described.
export const shapeString = (shape) =>
  `[${Array.from(shape, (d) => (typeof d === 'number' ? String(d) : describe(d))).join(',')}]`;

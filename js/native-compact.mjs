// The full module's compact tables (float16, bfloat16, int8; cpp/include/cossim/compact.h): their
// staging into and out of the instance's memory, beside native.mjs (whose Native `n` each function
// takes) and loaded with the full part (full.mjs).
// A compact heap tensor is one block whose layout the core defines (compactBytes); it is filled
// only through compactEncode and read through compactDecode, both in pieces of at most
// COMPACT_PIECE_BYTES of staged float values, so a table larger than the staging room fills.
import { align16, MAX_BYTES } from './native.mjs';

const COMPACT_PIECE_BYTES = 16 << 20;  // staged float values per encode/decode call

// Bytes of the block of a [rows, d] table of dtype code `code`.
export function compactBytes(n, rows, d, code, what) {
  const bytes = n.enter(() => n.x.cossim_compact_bytes(rows, d, code));
  if (bytes < 0) throw new RangeError(`${what}: ${n.lastError()}`);
  return bytes;
}

export function zero(n, address, bytes) {
  new Uint8Array(n.views().buffer, address, bytes).fill(0);
}

// Encodes `values` (Float32Array, Float64Array or number[]; a whole number of rows of d) into
// rows from `firstRow` of heap tensor `t` ({ address, dtypeCode, rows, rowLength }).
export function compactEncode(n, t, values, firstRow, count) {
  const d = t.rowLength;
  const f64 = !(values instanceof Float32Array);
  const size = f64 ? 8 : 4;
  const code = f64 ? n.F64 : n.F32;
  const piece = Math.max(1, Math.floor(COMPACT_PIECE_BYTES / Math.max(1, d * size)));
  for (let r = 0; r < count; r += piece) {
    const rows = Math.min(piece, count - r);
    const at = n.stage(align16(rows * d * size));
    const typed = n.views().heap[code];
    const part = ArrayBuffer.isView(values) ? values.subarray(r * d, (r + rows) * d) : values.slice(r * d, (r + rows) * d);
    typed.set(part, at / size);
    const status = n.enter(() => n.x.cossim_compact_encode(t.address, t.dtypeCode, t.rows, d,
      firstRow + r, rows, at, code, r * d));
    if (status !== 0) throw n.error(status);
  }
}

// Rows [firstRow, firstRow + count) of `t`, dequantised, as a new Float32Array.
export function compactDecode(n, t, firstRow, count) {
  const d = t.rowLength;
  const out = new Float32Array(count * d);
  const piece = Math.max(1, Math.floor(COMPACT_PIECE_BYTES / Math.max(1, d * 4)));
  for (let r = 0; r < count; r += piece) {
    const rows = Math.min(piece, count - r);
    const at = n.stage(align16(rows * d * 4));
    const status = n.enter(() => n.x.cossim_compact_decode(t.address, t.dtypeCode, t.rows, d,
      firstRow + r, rows, at));
    if (status !== 0) throw n.error(status);
    out.set(n.views().heap[n.F32].subarray(at / 4, at / 4 + rows * d), r * d);
  }
  return out;
}

// `method` ('compactSimilarity' | 'compactTopK' | 'compactPairwise') on query record `q`
// (toTensor(); staged as dtype code `qDtype` unless already in the heap so) and compact heap
// tensor `table` (in place, its own dtype code). Throws the core's message as a typed Error.
export function invokeCompact(n, method, q, table, qDtype, arg = undefined) {
  if (n.dead !== null) throw n.deadError();
  const size = qDtype === n.F64 ? 8 : 4;
  if (q.heap === undefined && q.data.buffer === n.buffer) q.byteOffset = q.data.byteOffset;
  let at = n.inPlace(q, qDtype);
  if (at === null) {
    const bytes = align16(q.length * size);
    if (bytes >= MAX_BYTES) {
      throw new RangeError(`the query [${q.shape.join(',')}] needs ${bytes} bytes, more than the 4 GiB of WebAssembly memory`);
    }
    const base = n.stage(bytes);
    n.views().heap[qDtype].set(n.source(q), base / size);
    at = base;
  }
  const io = n.views().io;
  const wq = n.inAt[0];
  const wt = n.inAt[1];
  io[wq] = at;
  io[wq + n.w.dtype] = qDtype;
  io[wq + n.w.rank] = q.shape.length;
  for (let i = 0; i < q.shape.length; i++) io[wq + n.w.dims + i] = q.shape[i];
  io[wt] = table.address;
  io[wt + n.w.dtype] = table.dtypeCode;
  io[wt + n.w.rank] = table.shape.length;
  for (let i = 0; i < table.shape.length; i++) io[wt + n.w.dims + i] = table.shape[i];
  io[n.w.present] = n.inBit[0] + n.inBit[1];
  io[n.w.wrt] = 0;
  n.run(null, method, arg);
}

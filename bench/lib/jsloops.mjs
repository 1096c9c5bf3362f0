// Hand-written JavaScript peers: the best plain loops we could write, in a few variants each (the
// benchmark times every variant and reports the fastest). All take typed arrays, read each element
// once, accumulate in double and follow the Keras formula dot · 1/√max(Σa², ε) · 1/√max(Σb², ε).
// They return Keras-signed results (loss = −cos) where the workload is a loss, +cos otherwise.

export const EPS = 1e-12;

// ---------------------------------------------------------------- mean loss over [n,d] rows --

/** One accumulator per sum (3 in all). */
export function meanLossAcc1(a, b, n, d) {
  let s = 0;
  for (let r = 0, o = 0; r < n; r++, o += d) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = o, e = o + d; i < e; i++) {
      const x = a[i];
      const y = b[i];
      dot += x * y;
      na += x * x;
      nb += y * y;
    }
    s -= dot / Math.sqrt(Math.max(na, EPS) * Math.max(nb, EPS));
  }
  return n === 0 ? 0 : s / n;
}

/** Two accumulators per sum (6), 2-way unrolled. */
export function meanLossAcc2(a, b, n, d) {
  let s = 0;
  const d2 = d - (d % 2);
  for (let r = 0, o = 0; r < n; r++, o += d) {
    let dot0 = 0, dot1 = 0, na0 = 0, na1 = 0, nb0 = 0, nb1 = 0;
    const e2 = o + d2;
    let i = o;
    for (; i < e2; i += 2) {
      const x0 = a[i], y0 = b[i], x1 = a[i + 1], y1 = b[i + 1];
      dot0 += x0 * y0; na0 += x0 * x0; nb0 += y0 * y0;
      dot1 += x1 * y1; na1 += x1 * x1; nb1 += y1 * y1;
    }
    if (i < o + d) {
      const x = a[i], y = b[i];
      dot0 += x * y; na0 += x * x; nb0 += y * y;
    }
    s -= (dot0 + dot1) / Math.sqrt(Math.max(na0 + na1, EPS) * Math.max(nb0 + nb1, EPS));
  }
  return n === 0 ? 0 : s / n;
}

/** Four accumulators per sum (12), 4-way unrolled. */
export function meanLossAcc4(a, b, n, d) {
  let s = 0;
  const d4 = d - (d % 4);
  for (let r = 0, o = 0; r < n; r++, o += d) {
    let dot0 = 0, dot1 = 0, dot2 = 0, dot3 = 0;
    let na0 = 0, na1 = 0, na2 = 0, na3 = 0;
    let nb0 = 0, nb1 = 0, nb2 = 0, nb3 = 0;
    const e4 = o + d4;
    const e = o + d;
    let i = o;
    for (; i < e4; i += 4) {
      const x0 = a[i], y0 = b[i], x1 = a[i + 1], y1 = b[i + 1];
      const x2 = a[i + 2], y2 = b[i + 2], x3 = a[i + 3], y3 = b[i + 3];
      dot0 += x0 * y0; na0 += x0 * x0; nb0 += y0 * y0;
      dot1 += x1 * y1; na1 += x1 * x1; nb1 += y1 * y1;
      dot2 += x2 * y2; na2 += x2 * x2; nb2 += y2 * y2;
      dot3 += x3 * y3; na3 += x3 * x3; nb3 += y3 * y3;
    }
    for (; i < e; i++) {
      const x = a[i], y = b[i];
      dot0 += x * y; na0 += x * x; nb0 += y * y;
    }
    const dot = (dot0 + dot1) + (dot2 + dot3);
    const na = (na0 + na1) + (na2 + na3);
    const nb = (nb0 + nb1) + (nb2 + nb3);
    s -= dot / Math.sqrt(Math.max(na, EPS) * Math.max(nb, EPS));
  }
  return n === 0 ? 0 : s / n;
}

/** d = 3 fully unrolled (no inner loop). */
export function meanLossD3(a, b, n) {
  let s = 0;
  for (let o = 0, e = 3 * n; o < e; o += 3) {
    const x0 = a[o], x1 = a[o + 1], x2 = a[o + 2];
    const y0 = b[o], y1 = b[o + 1], y2 = b[o + 2];
    const dot = x0 * y0 + x1 * y1 + x2 * y2;
    const na = x0 * x0 + x1 * x1 + x2 * x2;
    const nb = y0 * y0 + y1 * y1 + y2 * y2;
    s -= dot / Math.sqrt(Math.max(na, EPS) * Math.max(nb, EPS));
  }
  return n === 0 ? 0 : s / n;
}

/** d = 16 fully unrolled into 4 accumulators per sum. */
export function meanLossD16(a, b, n) {
  let s = 0;
  for (let o = 0, e = 16 * n; o < e; o += 16) {
    let dot0 = 0, dot1 = 0, dot2 = 0, dot3 = 0;
    let na0 = 0, na1 = 0, na2 = 0, na3 = 0;
    let nb0 = 0, nb1 = 0, nb2 = 0, nb3 = 0;
    for (let i = o; i < o + 16; i += 4) {
      const x0 = a[i], y0 = b[i], x1 = a[i + 1], y1 = b[i + 1];
      const x2 = a[i + 2], y2 = b[i + 2], x3 = a[i + 3], y3 = b[i + 3];
      dot0 += x0 * y0; na0 += x0 * x0; nb0 += y0 * y0;
      dot1 += x1 * y1; na1 += x1 * x1; nb1 += y1 * y1;
      dot2 += x2 * y2; na2 += x2 * x2; nb2 += y2 * y2;
      dot3 += x3 * y3; na3 += x3 * x3; nb3 += y3 * y3;
    }
    const dot = (dot0 + dot1) + (dot2 + dot3);
    const na = (na0 + na1) + (na2 + na3);
    const nb = (nb0 + nb1) + (nb2 + nb3);
    s -= dot / Math.sqrt(Math.max(na, EPS) * Math.max(nb, EPS));
  }
  return n === 0 ? 0 : s / n;
}

// ---------------------------------------------------------------- one query vs many rows --

function invNorm(q) {
  let s = 0;
  for (let i = 0; i < q.length; i++) s += q[i] * q[i];
  return 1 / Math.sqrt(Math.max(s, EPS));
}

/** +cos of q against every row of x [n,d] into out (query norm once); 2 accumulators per sum. */
export function oneVsManyAcc2(q, x, n, d, out) {
  const qi = invNorm(q);
  const d2 = d - (d % 2);
  for (let r = 0, o = 0; r < n; r++, o += d) {
    let dot0 = 0, dot1 = 0, nb0 = 0, nb1 = 0;
    let i = 0;
    for (; i < d2; i += 2) {
      const y0 = x[o + i], y1 = x[o + i + 1];
      dot0 += q[i] * y0; nb0 += y0 * y0;
      dot1 += q[i + 1] * y1; nb1 += y1 * y1;
    }
    if (i < d) {
      const y = x[o + i];
      dot0 += q[i] * y; nb0 += y * y;
    }
    out[r] = (dot0 + dot1) * qi / Math.sqrt(Math.max(nb0 + nb1, EPS));
  }
  return out;
}

/** Same with 4 accumulators per sum. */
export function oneVsManyAcc4(q, x, n, d, out) {
  const qi = invNorm(q);
  const d4 = d - (d % 4);
  for (let r = 0, o = 0; r < n; r++, o += d) {
    let dot0 = 0, dot1 = 0, dot2 = 0, dot3 = 0, nb0 = 0, nb1 = 0, nb2 = 0, nb3 = 0;
    let i = 0;
    for (; i < d4; i += 4) {
      const y0 = x[o + i], y1 = x[o + i + 1], y2 = x[o + i + 2], y3 = x[o + i + 3];
      dot0 += q[i] * y0; nb0 += y0 * y0;
      dot1 += q[i + 1] * y1; nb1 += y1 * y1;
      dot2 += q[i + 2] * y2; nb2 += y2 * y2;
      dot3 += q[i + 3] * y3; nb3 += y3 * y3;
    }
    for (; i < d; i++) {
      const y = x[o + i];
      dot0 += q[i] * y; nb0 += y * y;
    }
    out[r] = ((dot0 + dot1) + (dot2 + dot3)) * qi / Math.sqrt(Math.max((nb0 + nb1) + (nb2 + nb3), EPS));
  }
  return out;
}

/** Indices and values of the k largest entries of s (descending, ties by lower index, NaN never kept). */
export function selectTopK(s, k) {
  const idx = new Int32Array(k);
  const val = new Float64Array(k);
  let m = 0;
  for (let i = 0; i < s.length; i++) {
    const v = s[i];
    if (!(v === v)) continue;
    if (m === k && !(v > val[k - 1])) continue;
    let j = m < k ? m++ : k - 1;
    while (j > 0 && v > val[j - 1]) {
      val[j] = val[j - 1];
      idx[j] = idx[j - 1];
      j--;
    }
    val[j] = v;
    idx[j] = i;
  }
  return { indices: idx.subarray(0, m), values: val.subarray(0, m) };
}

// ---------------------------------------------------------------- pairwise on pre-normalised rows --

/** out[i*n + j] = a_i · b_j for unit rows (normalised beforehand); 4 accumulators. */
export function pairwiseDotAcc4(a, m, b, n, d, out) {
  const d4 = d - (d % 4);
  for (let i = 0; i < m; i++) {
    const ao = i * d;
    for (let j = 0; j < n; j++) {
      const bo = j * d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let k = 0;
      for (; k < d4; k += 4) {
        s0 += a[ao + k] * b[bo + k];
        s1 += a[ao + k + 1] * b[bo + k + 1];
        s2 += a[ao + k + 2] * b[bo + k + 2];
        s3 += a[ao + k + 3] * b[bo + k + 3];
      }
      for (; k < d; k++) s0 += a[ao + k] * b[bo + k];
      out[i * n + j] = (s0 + s1) + (s2 + s3);
    }
  }
  return out;
}

/** Same with 2 accumulators. */
export function pairwiseDotAcc2(a, m, b, n, d, out) {
  const d2 = d - (d % 2);
  for (let i = 0; i < m; i++) {
    const ao = i * d;
    for (let j = 0; j < n; j++) {
      const bo = j * d;
      let s0 = 0, s1 = 0;
      let k = 0;
      for (; k < d2; k += 2) {
        s0 += a[ao + k] * b[bo + k];
        s1 += a[ao + k + 1] * b[bo + k + 1];
      }
      if (k < d) s0 += a[ao + k] * b[bo + k];
      out[i * n + j] = s0 + s1;
    }
  }
  return out;
}

/** Same, register-blocked: each element of a_i is loaded once for 4 rows of B (4 dot products per pass). */
export function pairwiseDotBlock4(a, m, b, n, d, out) {
  const n4 = n - (n % 4);
  for (let i = 0; i < m; i++) {
    const ao = i * d;
    let j = 0;
    for (; j < n4; j += 4) {
      const b0 = j * d, b1 = b0 + d, b2 = b1 + d, b3 = b2 + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let k = 0; k < d; k++) {
        const x = a[ao + k];
        s0 += x * b[b0 + k];
        s1 += x * b[b1 + k];
        s2 += x * b[b2 + k];
        s3 += x * b[b3 + k];
      }
      const o = i * n + j;
      out[o] = s0;
      out[o + 1] = s1;
      out[o + 2] = s2;
      out[o + 3] = s3;
    }
    for (; j < n; j++) {
      const bo = j * d;
      let s0 = 0;
      for (let k = 0; k < d; k++) s0 += a[ao + k] * b[bo + k];
      out[i * n + j] = s0;
    }
  }
  return out;
}

/** Rows of x [n,d] scaled to unit norm (Keras's epsilon), as a new array of the same type. */
export function normaliseRows(x, n, d) {
  const out = new x.constructor(x.length);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = r * d; i < (r + 1) * d; i++) s += x[i] * x[i];
    const inv = 1 / Math.sqrt(Math.max(s, EPS));
    for (let i = r * d; i < (r + 1) * d; i++) out[i] = x[i] * inv;
  }
  return out;
}

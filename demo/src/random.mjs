// A small seeded generator (xoshiro128**, 32-bit steps) so that every Worker and
// every reload builds the same synthetic data.
export function rng(seed = 1) {
  let s0 = (seed * 0x9e3779b9) >>> 0 || 1;
  let s1 = (seed ^ 0x85ebca6b) >>> 0 || 2;
  let s2 = 0x27d4eb2f, s3 = 0x165667b1;
  const next = () => {  // xoshiro128** step, 32 bits
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11);
    return r;
  };
  for (let i = 0; i < 8; i++) next();
  const uniform = () => (next() * 2 ** -32);  // [0, 1)
  let spare = null;
  const normal = () => {  // Box–Muller
    if (spare !== null) { const s = spare; spare = null; return s; }
    let u = 0;
    while (u === 0) u = uniform();
    const r = Math.sqrt(-2 * Math.log(u)), a = 2 * Math.PI * uniform();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
  return { next, uniform, normal };
}
const rotl = (x, k) => (x << k) | (x >>> (32 - k));

// Fills `out` with uniform values in [-1, 1): cheap enough for a 300 MB table.
export function fillUniform(out, seed) {
  const r = rng(seed);
  for (let i = 0; i < out.length; i++) out[i] = r.next() * 2 ** -31 - 1;
  return out;
}

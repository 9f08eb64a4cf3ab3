// TEMPORARY stand-in for @sgmkit/tensor kernels until they land. Not committed.
import type { Batch } from '@sgmkit/tensor';
function mix(a: number, b: number): number {
  let h = (a ^ Math.imul(b, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}
function rowNormals(seed: number, stream: number, row: number, out: Float64Array, m: number): void {
  let s = mix(mix(mix(seed, stream), row), 12345) | 1;
  const u = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return ((s >>> 0) + 0.5) / 4294967296; };
  for (let j = 0; j < m; j += 2) {
    const r = Math.sqrt(-2 * Math.log(u())); const th = 2 * Math.PI * u();
    out[j] = r * Math.cos(th); if (j + 1 < m) out[j + 1] = r * Math.sin(th);
  }
}
const tmp = new Float64Array(4096);
export function fillParticleNormals(out: Batch, seed: number, stream: number, firstRow: number): void {
  const [n, d] = out.shape as [number, number];
  for (let i = 0; i < n; i++) { rowNormals(seed, stream, firstRow + i, tmp, d); for (let j = 0; j < d; j++) out.data[out.offset + i * d + j] = tmp[j]!; }
}
export function affineNoiseStep(y: Batch, s: Batch, a: number, b: number, c: number, seed: number, stream: number, firstRow: number): void {
  const [n, d] = y.shape as [number, number];
  for (let i = 0; i < n; i++) { rowNormals(seed, stream, firstRow + i, tmp, d); for (let j = 0; j < d; j++) { const p = y.offset + i * d + j; y.data[p] = a * y.data[p]! + b * s.data[s.offset + i * d + j]! + c * tmp[j]!; } }
}
export function langevinStep(y: Batch, s: Batch, epsilon: number, seed: number, stream: number, firstRow: number): void {
  affineNoiseStep(y, s, 1, epsilon, Math.sqrt(2 * epsilon), seed, stream, firstRow);
}
export function eulerMaruyamaStep(y: Batch, drift: Batch, h: number, sigma: number, seed: number, stream: number, firstRow: number): void {
  affineNoiseStep(y, drift, 1, h, sigma * Math.sqrt(h), seed, stream, firstRow);
}
export function cldExponentialIntegratorStep(x: Batch, v: Batch, s: Batch, h: number, direction: 'forward' | 'reverse', seed: number, stream: number, firstRow: number): void {
  if (direction !== 'reverse') throw new Error('shim: reverse only');
  // reverse drift R = I + N, N = [[-1,-1],[1,1]]; e^{hR} = e^h (I + hN); ∫0^h e^{rR} dr = (e^h-1) I + (h e^h - e^h + 1) N
  const e = Math.exp(h);
  const m11 = e * (1 - h), m12 = -h * e, m21 = h * e, m22 = e * (1 + h);
  const i0 = e - 1, i1 = h * e - e + 1;
  const bx = 4 * -i1, bv = 4 * (i0 + i1); // (∫ e^{rR}) [0; 4]
  // covariance ∫0^h e^{rR} diag(0,4) e^{rR}^T dr; e^{rR} e2 = e^r [-r, 1+r]
  // ∫ 4 e^{2r} [[r^2, -r(1+r)],[., (1+r)^2]]: numerically via Simpson
  let cxx = 0, cxv = 0, cvv = 0; const M = 2000;
  for (let q = 0; q <= M; q++) { const r = (h * q) / M; const w = (q === 0 || q === M ? 1 : q % 2 ? 4 : 2) * h / (3 * M); const f = 4 * Math.exp(2 * r); cxx += w * f * r * r; cxv += w * f * -r * (1 + r); cvv += w * f * (1 + r) * (1 + r); }
  const l11 = Math.sqrt(cxx), l21 = cxv / l11, l22 = Math.sqrt(Math.max(cvv - l21 * l21, 0));
  const [n, d] = x.shape as [number, number];
  for (let i = 0; i < n; i++) { rowNormals(seed, stream, firstRow + i, tmp, 2 * d); for (let j = 0; j < d; j++) {
    const px = x.offset + i * d + j, pv = v.offset + i * d + j; const xi = x.data[px]!, vi = v.data[pv]!, si = s.data[s.offset + i * d + j]!;
    x.data[px] = m11 * xi + m12 * vi + bx * si + l11 * tmp[j]!; v.data[pv] = m21 * xi + m22 * vi + bv * si + l21 * tmp[j]! + l22 * tmp[d + j]!; } }
}

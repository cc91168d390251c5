// 3×3 stride-1 convolutions by Winograd F(2×2, 3×3) (see winograd-wat.ts):
// 2.25× fewer multiplications than the direct GEMM, for the seed teacher's
// Conv2 forward pass, its input gradient (a 3×3 conv of the padded output
// gradient) and every evaluation.
import type { TensorInfo } from '@tensorflow/tfjs';
import type { SimdKernels } from './simd-kernels.js';
import { gemmBlocked } from './blocked-gemm.js';
import type { Backend, ConvShape } from './gemm-kernels.js';

const F = 4;
/** Bytes of transformed tiles per chunk of images: small enough to stay in cache between transform and GEMM. */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Whether Winograd F(2,3) applies: 3×3, stride 1, no dilation, even output, channels in whole vectors (and enough to pay off). */
export function winogradSupported(filterShape: number[], c: ConvShape): boolean {
  const [kh, kw, cin, cout] = filterShape;
  return kh === 3 && kw === 3 && c.strides[0] === 1 && c.strides[1] === 1 && c.dilations[0] === 1 && c.dilations[1] === 1 &&
    c.outH % 2 === 0 && c.outW % 2 === 0 && cin % 4 === 0 && cout % 4 === 0 && cin >= 8;
}

/** U[ξ, ν, ci, co] = (G g Gᵀ)[ξ, ν] for each (ci, co), G = [[1,0,0], [½,½,½], [½,−½,½], [0,0,1]]. */
function transformFilter(b: Backend, filter: TensorInfo): TensorInfo {
  const [, , cin, cout] = filter.shape;
  const out = b.makeOutput([16, cin, cout], 'float32');
  const g = b.typedArrayFromHeap(filter);
  const u = b.typedArrayFromHeap(out);
  const plane = cin * cout;
  const t = new Float64Array(12);
  for (let p = 0; p < plane; p++) {
    // t = G·g: 4 rows (over kh) × 3 columns (kw)
    for (let kw = 0; kw < 3; kw++) {
      const g0 = g[(0 * 3 + kw) * plane + p];
      const g1 = g[(1 * 3 + kw) * plane + p];
      const g2 = g[(2 * 3 + kw) * plane + p];
      t[kw] = g0;
      t[3 + kw] = (g0 + g1 + g2) / 2;
      t[6 + kw] = (g0 - g1 + g2) / 2;
      t[9 + kw] = g2;
    }
    for (let i = 0; i < 4; i++) {
      const a = t[i * 3];
      const m = t[i * 3 + 1];
      const z = t[i * 3 + 2];
      u[(i * 4 + 0) * plane + p] = a;
      u[(i * 4 + 1) * plane + p] = (a + m + z) / 2;
      u[(i * 4 + 2) * plane + p] = (a - m + z) / 2;
      u[(i * 4 + 3) * plane + p] = z;
    }
  }
  return out;
}

/** y = conv(xp, filter) for an already padded xp [N, OH+2, OW+2, Cin]. */
export function convWinograd(k: SimdKernels, b: Backend, xp: TensorInfo, filter: TensorInfo, c: ConvShape): TensorInfo {
  const [n, hp, wp, cin] = xp.shape;
  const cout = filter.shape[3];
  const th = c.outH / 2;
  const tw = c.outW / 2;
  const u = transformFilter(b, filter);
  const out = b.makeOutput([n, c.outH, c.outW, cout], 'float32');
  const perImage = 16 * th * tw * (cin + cout) * F;
  const chunk = Math.max(1, Math.min(n, Math.floor(CHUNK_BYTES / perImage)));
  const v = b.makeOutput([16 * chunk * th * tw * cin], 'float32');
  const m = b.makeOutput([16 * chunk * th * tw * cout], 'float32');
  const [xAddr, uAddr, vAddr, mAddr, yAddr] = [xp, u, v, m, out].map((t) => k.address(t));
  for (let n0 = 0; n0 < n; n0 += chunk) {
    const nn = Math.min(chunk, n - n0);
    const tiles = nn * th * tw;
    k.winoInput(xAddr + n0 * hp * wp * cin * F, vAddr, nn, hp, wp, cin, th, tw);
    for (let e = 0; e < 16; e++) {
      gemmBlocked(
        k, tiles, cout, cin,
        vAddr + e * tiles * cin * F, cin * F, F,
        uAddr + e * cin * cout * F, cout * F,
        mAddr + e * tiles * cout * F, cout * F, 0,
      );
    }
    k.winoOutput(mAddr, yAddr + n0 * c.outH * c.outW * cout * F, nn, c.outH, c.outW, cout, th, tw);
  }
  for (const t of [u, v, m]) b.disposeData(t.dataId);
  return out;
}

// Cache blocking around the GEMM kernel, for products with one K level
// (matrix products, a convolution's column matrix, Winograd's 16 products).
import type { SimdKernels } from './simd-kernels.js';

/**
 * Cache blocking for products with one K level (gemmBlocked): bands of 64
 * rows of A and C, K in blocks of 256. The kernel sweeps every row of a call
 * for each 8-column panel of B, so an unblocked call re-reads all of A from
 * memory once per panel; a 64 × 256 block of A (64 KB) stays in L2 while B's
 * 256 × 8 panel (8 KB) stays in L1. `npm run bench -- gemm` measured it
 * (one core, FMA): the teacher's dense layer 64 × 9216 × 128 went from 14.7
 * to 38 GFLOP/s, a strided convolution's column product 1568 × 2304 × 512
 * from 10.9 to 34; other block sizes from 32 × 1024 to 256 × 128 are within
 * 10 % of this one, except for that column product.
 */
const ROW_BAND = 64;
const K_BLOCK = 256;

/**
 * C [m, n] (+)= A [m, kk] · B [kk, n] with A's rows `ars` and its k `as2`
 * bytes apart, B and C row-major with row strides `bs2` and `crs`, through
 * the kernel in cache blocks (see ROW_BAND).
 */
export function gemmBlocked(k: Pick<SimdKernels, 'gemm'>, m: number, n: number, kk: number, a: number, ars: number, as2: number, b: number, bs2: number, c: number, crs: number, acc: 0 | 1): void {
  // An empty K still sets C (to zero) unless accumulating, as one kernel call would.
  if (kk === 0) {
    if (!acc) k.gemm(m, n, 1, 0, a, ars, 0, as2, b, 0, bs2, c, crs, 0);
    return;
  }
  for (let r = 0; r < m; r += ROW_BAND) {
    const rows = Math.min(ROW_BAND, m - r);
    for (let k0 = 0; k0 < kk; k0 += K_BLOCK) {
      k.gemm(rows, n, 1, Math.min(K_BLOCK, kk - k0), a + r * ars + k0 * as2, ars, 0, as2, b + k0 * bs2, 0, bs2, c + r * crs, crs, k0 > 0 ? 1 : acc);
    }
  }
}


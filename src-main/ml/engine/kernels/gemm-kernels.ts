// Convolutions and matrix products of the wasm backend as calls of our SIMD
// GEMM (simd-kernels.ts), operands read in place through strides.
//
// Layouts (NHWC, filter [KH, KW, Cin, Cout]) and the GEMM each is:
// - forward conv, one call per output row (n, oy):
//     y[n,oy,·,·] [OW, Cout] = Σ_kh Σ_(kw,ci) x[n, oy·sh+kh·dh, ox·sw+kw, ci] · W[kh, kw, ci, co]
//   (x padded first; (kw, ci) is contiguous in x and in W, so it is the inner K).
// - input gradient (stride 1, thin padding): the forward conv of dy, padded
//   by K−1−pad, with the filter reversed in space and its channels swapped;
//   otherwise dy scattered into dx, one call per (image, output row, tap).
// - filter gradient, one call per (image n, filter row kh), accumulated over n:
//     dW[kh, ·, ·, ·] [KW·Cin, Cout] += Σ_oy Σ_ox x[n, oy·sh+kh, ox·sw + kw, ci] · dy[n, oy, ox, co]
//   ((kw, ci) → rows at stride 1; no im2col matrix is built).
// - strided convolutions with wide enough windows instead build a column
//   (im2col) matrix per chunk of images, and all three are one blocked GEMM
//   each (useColumns); the stride-1 per-row GEMMs above have long K already.
// - matrix product with transpose flags: a transposed A is only other strides;
//   a transposed B is either copied transposed or the product is computed
//   transposed (Cᵀ = B·Aᵀ) and transposed back, whichever moves fewer floats.
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { SimdKernels } from './simd-kernels.js';
import { gemmBlocked } from './blocked-gemm.js';
import { convWinograd, winogradSupported } from './winograd.js';

const F = 4; // bytes per float32

/** The parts of the wasm backend our kernels use (not all in its public types). */
export type Backend = tf.KernelBackend & {
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: string): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array;
};

/** Calls another wasm kernel directly (no tf op, so no tensor is registered with the engine). */
export function run(name: string, backend: Backend, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap): TensorInfo {
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm backend has no ${name} kernel`);
  return k.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/**
 * Zero padding of H and W: the output zeroed, then whole image rows copied
 * into place (copyRows, memory.copy). The stock PadV2 walks every element
 * through generic index arithmetic: 6× a copy at 16 channels and 20× at one
 * channel (a first layer's input), most of a small 'same' convolution's time.
 */
function pad(k: SimdKernels, b: Backend, x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  if (!top && !bottom && !left && !right) return x;
  // Callers route negative padding elsewhere; copying with it would write outside the output.
  if (Math.min(top, bottom, left, right) < 0) throw new Error(`pad: negative padding ${[top, bottom, left, right].join(', ')}`);
  const [n, h, w, c] = x.shape;
  const hp = h + top + bottom;
  const wp = w + left + right;
  const out = b.makeOutput([n, hp, wp, c], 'float32');
  b.typedArrayFromHeap(out).fill(0);
  const row = w * c * F;
  k.copyRows(k.address(x), h * row, row, k.address(out) + (top * wp + left) * c * F, hp * wp * c * F, wp * c * F, n, h, row);
  return out;
}

/** x[:, top : top + h, left : left + w, :] as a new tensor (the inverse of pad). */
function crop(k: SimdKernels, b: Backend, x: TensorInfo, top: number, left: number, h: number, w: number): TensorInfo {
  const [n, hp, wp, c] = x.shape;
  const out = b.makeOutput([n, h, w, c], 'float32');
  const row = w * c * F;
  k.copyRows(k.address(x) + (top * wp + left) * c * F, hp * wp * c * F, wp * c * F, k.address(out), h * row, row, n, h, row);
  return out;
}

export interface ConvShape {
  strides: [number, number];
  dilations: [number, number];
  top: number;
  bottom: number;
  left: number;
  right: number;
  outH: number;
  outW: number;
}

/** Whether the forward GEMM handles this convolution (dilation along width breaks the contiguous inner K). */
export function forwardConvSupported(c: ConvShape): boolean {
  return c.dilations[1] === 1;
}

/** y = conv(x, filter) for NHWC x and a [KH, KW, Cin, Cout] filter. */
export function convForward(k: SimdKernels, b: Backend, x: TensorInfo, filter: TensorInfo, c: ConvShape): TensorInfo {
  const [n] = x.shape;
  const [kh, kw, cin, cout] = filter.shape;
  const xp = pad(k, b, x, c.top, c.bottom, c.left, c.right);
  // DISTILLERY_NO_WINOGRAD=1: the direct GEMM for every convolution, for comparisons.
  if (winogradSupported(filter.shape, c) && !process.env.DISTILLERY_NO_WINOGRAD) {
    const y = convWinograd(k, b, xp, filter, c);
    if (xp !== x) b.disposeData(xp.dataId);
    return y;
  }
  if (useColumns(c, filter.shape)) {
    const y = convForwardColumns(k, b, xp, filter, c);
    if (xp !== x) b.disposeData(xp.dataId);
    return y;
  }
  const [, hp, wp] = xp.shape;
  const out = b.makeOutput([n, c.outH, c.outW, cout], 'float32');
  const [sh, sw] = c.strides;
  const [dh] = c.dilations;
  const xAddr = k.address(xp);
  const fAddr = k.address(filter);
  const yAddr = k.address(out);
  const rowBytes = wp * cin * F;
  if (cout === 1 && (kw * cin) % 4 === 0) {
    // One output channel: dot products along (kw, ci), vectors on both sides.
    for (let i = 0; i < n; i++) {
      for (let oy = 0; oy < c.outH; oy++) {
        k.dot(
          c.outW, kh, (kw * cin) / 4,
          xAddr + (i * hp + oy * sh) * rowBytes, sw * cin * F, dh * rowBytes,
          fAddr, kw * cin * F,
          yAddr + (i * c.outH + oy) * c.outW * F, F, 0,
        );
      }
    }
    if (xp !== x) b.disposeData(xp.dataId);
    return out;
  }
  for (let i = 0; i < n; i++) {
    for (let oy = 0; oy < c.outH; oy++) {
      k.gemm(
        c.outW, cout, kh, kw * cin,
        xAddr + (i * hp + oy * sh) * rowBytes, sw * cin * F, dh * rowBytes, F,
        fAddr, kw * cin * cout * F, cout * F,
        yAddr + (i * c.outH + oy) * c.outW * cout * F, cout * F, 0,
      );
    }
  }
  if (xp !== x) b.disposeData(xp.dataId);
  return out;
}

/**
 * Strided convolutions go through a column matrix. Their per-output-row
 * GEMMs are short (M = OW: 7 rows in the Keras CNNs' 14 → 7 layers), so
 * most row blocks are the narrow 2- and 1-row ones and the whole filter
 * streams from memory again for every 7 rows; one blocked GEMM over every
 * output position reuses each filter panel from cache (the Keras teacher's
 * 256 → 512 layer: forward 921 → 220 ms, input gradient 482 → 226 ms at
 * batch 64). Gathering copies runs of KW·Cin floats: below 8 (one-channel
 * inputs) the copies cost more than they save, and the per-row GEMMs stay.
 * `DISTILLERY_CONV_COLUMNS=0` keeps the per-row GEMMs, for comparisons.
 */
function useColumns(c: ConvShape, filterShape: number[]): boolean {
  const [, kw, cin] = filterShape;
  return (c.strides[0] > 1 || c.strides[1] > 1) && kw * cin >= 8 && process.env.DISTILLERY_CONV_COLUMNS !== '0';
}

/**
 * Most floats a column matrix holds at once (16 MB), unless one image's alone is larger: the Keras teacher's
 * 14 → 7 layer needs 113k per image, so a batch of 64 is two chunks, and a
 * batch of 512 does not grow the heap by 230 MB. `DISTILLERY_COLUMNS_LIMIT`
 * overrides it (tests use it to force many chunks).
 */
const COLUMNS_LIMIT = 4 * 1024 * 1024;

/** Images per chunk so that a column matrix of `perImage` floats per image stays under the limit. */
function imagesPerChunk(n: number, perImage: number): number {
  const limit = Number(process.env.DISTILLERY_COLUMNS_LIMIT) || COLUMNS_LIMIT;
  return Math.max(1, Math.min(n, Math.floor(limit / perImage)));
}

/**
 * The column matrix of images [i0, i1) of padded x: row (i, oy, ox) holds
 * the window x[i, oy·sh + r·dh, ox·sw + q, ·] over (r, q, ci), copied as KH
 * runs of KW·Cin contiguous floats per output position.
 */
function gatherColumns(k: SimdKernels, xp: TensorInfo, cols: number, i0: number, i1: number, kh: number, kw: number, c: ConvShape): void {
  const [, hp, wp, cin] = xp.shape;
  const kk = kh * kw * cin;
  const [sh, sw] = c.strides;
  const xAddr = k.address(xp);
  for (let i = i0; i < i1; i++) {
    for (let oy = 0; oy < c.outH; oy++) {
      k.copyRows(
        xAddr + (i * hp + oy * sh) * wp * cin * F, sw * cin * F, c.dilations[0] * wp * cin * F,
        cols + ((i - i0) * c.outH + oy) * c.outW * kk * F, kk * F, kw * cin * F,
        c.outW, kh, kw * cin * F,
      );
    }
  }
}

/** y = conv(xp, filter) for padded xp and a strided convolution: gather columns, one GEMM per chunk of images. */
function convForwardColumns(k: SimdKernels, b: Backend, xp: TensorInfo, filter: TensorInfo, c: ConvShape): TensorInfo {
  const [n] = xp.shape;
  const [kh, kw, cin, cout] = filter.shape;
  const kk = kh * kw * cin;
  const positions = c.outH * c.outW;
  const chunk = imagesPerChunk(n, positions * kk);
  const out = b.makeOutput([n, c.outH, c.outW, cout], 'float32');
  const colsT = b.makeOutput([chunk * positions, kk], 'float32');
  const cols = k.address(colsT);
  const fAddr = k.address(filter);
  const yAddr = k.address(out);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const i1 = Math.min(n, i0 + chunk);
    gatherColumns(k, xp, cols, i0, i1, kh, kw, c);
    const rows = (i1 - i0) * positions;
    const y = yAddr + i0 * positions * cout * F;
    if (cout === 1 && kk % 4 === 0) k.dot(rows, 1, kk / 4, cols, kk * F, 0, fAddr, 0, y, F, 0);
    else gemmBlocked(k, rows, cout, kk, cols, kk * F, F, fAddr, cout * F, y, cout * F, 0);
  }
  b.disposeData(colsT.dataId);
  return out;
}

/**
 * dx [N, H, W, Cin] for dy and a [KH, KW, Cin, Cout] filter (no dilation),
 * by the cheapest of three routes: column matrices for strided convolutions
 * with wide enough windows (useColumns), scattering dy for the other strided
 * ones and for stride-1 ones whose padding of dy would be thick or negative,
 * else the forward convolution of padded dy.
 */
export function convInputGrad(k: SimdKernels, b: Backend, dy: TensorInfo, filter: TensorInfo, inputShape: number[], c: ConvShape): TensorInfo {
  if (useColumns(c, filter.shape)) return convInputGradColumns(k, b, dy, filter, inputShape, c);
  const strided = c.strides[0] !== 1 || c.strides[1] !== 1;
  if (strided || scatterCheaper(inputShape, dy.shape) || padsBeyondFilter(filter.shape, c)) return convInputGradScatter(k, b, dy, filter, inputShape, c);
  return convInputGradForward(k, b, dy, filter, inputShape, c);
}

/**
 * Whether a stride-1 input gradient should scatter dy (work ∝ OH·OW) rather
 * than convolve dy padded by K−1−pad (work ∝ H·W): for 'valid' convolutions
 * with large filters most of that padding is zeros (LeNet-5's 5×5 on 12×12
 * inputs: 144 against 64 positions). The forward route's longer GEMMs (and
 * Winograd for 3×3) win while the padding is thin; 1.5 is where the
 * bench profile of LeNet-5 and the teacher (3×3 'valid', 26² against 24²) part.
 */
function scatterCheaper(inputShape: number[], dyShape: number[]): boolean {
  return inputShape[1] * inputShape[2] > 1.5 * dyShape[1] * dyShape[2];
}

/** Whether the forward route's padding of dy (K − 1 − pad on each side) would be negative: explicit pads wider than the filter. */
function padsBeyondFilter(filterShape: number[], c: ConvShape): boolean {
  const [kh, kw] = filterShape;
  return Math.max(c.top, c.bottom) > kh - 1 || Math.max(c.left, c.right) > kw - 1;
}

/** dx for a stride-1 convolution: the forward conv of padded dy with the reversed, channel-swapped filter. */
function convInputGradForward(k: SimdKernels, b: Backend, dy: TensorInfo, filter: TensorInfo, inputShape: number[], c: ConvShape): TensorInfo {
  const [kh, kw] = filter.shape;
  const [, h, w] = inputShape;
  const [, oh, ow] = dy.shape;
  const reversed = run('Reverse', b, { x: filter }, { dims: [0, 1] });
  const flipped = run('Transpose', b, { x: reversed }, { perm: [0, 1, 3, 2] }); // [KH, KW, Cout, Cin]
  b.disposeData(reversed.dataId);
  const top = kh - 1 - c.top;
  const left = kw - 1 - c.left;
  const out = convForward(k, b, dy, flipped, {
    strides: [1, 1],
    dilations: [1, 1],
    top,
    bottom: h - oh + kh - 1 - top,
    left,
    right: w - ow + kw - 1 - left,
    outH: h,
    outW: w,
  });
  b.disposeData(flipped.dataId);
  return out;
}

/**
 * dx by scattering dy (see convInputGrad for when). The forward
 * trick would convolve a zero-dilated dy (s² more work, most of it zeros);
 * instead each filter tap scatters straight into dx:
 *   dx[n, oy·sh+kh−pt, ox·sw+kw−pl, ·] += dy[n, oy, ox, ·] · W[kh, kw]ᵀ
 * one GEMM per (image, output row, tap) with the C rows strided by sw. Rows
 * of one call land on distinct pixels, so accumulating is safe. It writes
 * into a buffer padded to the windows' extent, then crops the padding.
 */
function convInputGradScatter(k: SimdKernels, b: Backend, dy: TensorInfo, filter: TensorInfo, inputShape: number[], c: ConvShape): TensorInfo {
  const [kh, kw, cin, cout] = filter.shape;
  const [n, h, w] = inputShape;
  const [, oh, ow] = dy.shape;
  const [sh, sw] = c.strides;
  // [KH, KW, Cout, Cin]: each tap's Wᵀ is a contiguous [Cout, Cin] B operand.
  const wt = run('Transpose', b, { x: filter }, { perm: [0, 1, 3, 2] });
  const hp = Math.max((oh - 1) * sh + kh, c.top + h);
  const wp = Math.max((ow - 1) * sw + kw, c.left + w);
  const dxp = b.makeOutput([n, hp, wp, cin], 'float32');
  b.typedArrayFromHeap(dxp).fill(0);
  const dyAddr = k.address(dy);
  const wAddr = k.address(wt);
  const dxAddr = k.address(dxp);
  for (let i = 0; i < n; i++) {
    for (let oy = 0; oy < oh; oy++) {
      const dyRow = dyAddr + (i * oh + oy) * ow * cout * F;
      for (let r = 0; r < kh; r++) {
        const dxRow = dxAddr + (i * hp + oy * sh + r) * wp * cin * F;
        for (let q = 0; q < kw; q++) {
          k.gemm(
            ow, cin, 1, cout,
            dyRow, cout * F, 0, F,
            wAddr + (r * kw + q) * cout * cin * F, 0, cin * F,
            dxRow + q * cin * F, sw * cin * F, 1,
          );
        }
      }
    }
  }
  b.disposeData(wt.dataId);
  const out = crop(k, b, dxp, c.top, c.left, h, w);
  b.disposeData(dxp.dataId);
  return out;
}

/**
 * dx for a strided convolution through a column matrix (see useColumns):
 * dcols [positions, KH·KW·Cin] = dy [positions, Cout] · Wᵀ in one GEMM per
 * chunk of images, then each position's window added back into padded dx
 * (addRows; overlapping windows add up), then the padding cropped.
 */
function convInputGradColumns(k: SimdKernels, b: Backend, dy: TensorInfo, filter: TensorInfo, inputShape: number[], c: ConvShape): TensorInfo {
  const [kh, kw, cin, cout] = filter.shape;
  const [n, h, w] = inputShape;
  const [, oh, ow] = dy.shape;
  const [sh, sw] = c.strides;
  const kk = kh * kw * cin;
  const positions = oh * ow;
  const w2 = run('Reshape', b, { x: filter }, { shape: [kk, cout] });
  const wt = run('Transpose', b, { x: w2 }, { perm: [1, 0] }); // [Cout, KH·KW·Cin]
  b.disposeData(w2.dataId);
  const hp = Math.max((oh - 1) * sh + (kh - 1) * c.dilations[0] + 1, c.top + h);
  const wp = Math.max((ow - 1) * sw + kw, c.left + w);
  const dxp = b.makeOutput([n, hp, wp, cin], 'float32');
  b.typedArrayFromHeap(dxp).fill(0);
  const chunk = imagesPerChunk(n, positions * kk);
  const colsT = b.makeOutput([chunk * positions, kk], 'float32');
  const cols = k.address(colsT);
  const dyAddr = k.address(dy);
  const wAddr = k.address(wt);
  const dxAddr = k.address(dxp);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const i1 = Math.min(n, i0 + chunk);
    gemmBlocked(k, (i1 - i0) * positions, kk, cout, dyAddr + i0 * positions * cout * F, cout * F, F, wAddr, kk * F, cols, kk * F, 0);
    for (let i = i0; i < i1; i++) {
      for (let oy = 0; oy < oh; oy++) {
        k.addRows(
          cols + ((i - i0) * oh + oy) * ow * kk * F, kk * F, kw * cin * F,
          dxAddr + (i * hp + oy * sh) * wp * cin * F, sw * cin * F, c.dilations[0] * wp * cin * F,
          ow, kh, kw * cin * F,
        );
      }
    }
  }
  b.disposeData(colsT.dataId);
  b.disposeData(wt.dataId);
  const out = crop(k, b, dxp, c.top, c.left, h, w);
  b.disposeData(dxp.dataId);
  return out;
}

/**
 * dW for a strided convolution through a column matrix (see useColumns):
 * dW [KH·KW·Cin, Cout] += colsᵀ · dy per chunk of images, colsᵀ read
 * through strides. The per-(image, filter row) GEMMs of convFilterGrad have
 * K = OH·OW (49 in the Keras CNNs), so they re-read and re-write all of dW
 * (1.5 MB for the Keras teacher) every 49 multiply-adds per weight.
 */
function convFilterGradColumns(k: SimdKernels, b: Backend, xp: TensorInfo, dy: TensorInfo, filterShape: number[], c: ConvShape): TensorInfo {
  const [n] = xp.shape;
  const [kh, kw, cin, cout] = filterShape;
  const kk = kh * kw * cin;
  const positions = c.outH * c.outW;
  const chunk = imagesPerChunk(n, positions * kk);
  const out = b.makeOutput(filterShape, 'float32');
  const colsT = b.makeOutput([chunk * positions, kk], 'float32');
  const cols = k.address(colsT);
  const dyAddr = k.address(dy);
  for (let i0 = 0; i0 < n; i0 += chunk) {
    const i1 = Math.min(n, i0 + chunk);
    gatherColumns(k, xp, cols, i0, i1, kh, kw, c);
    gemmBlocked(k, kk, cout, (i1 - i0) * positions, cols, F, kk * F, dyAddr + i0 * positions * cout * F, cout * F, k.address(out), cout * F, i0 > 0 ? 1 : 0);
  }
  b.disposeData(colsT.dataId);
  return out;
}

/** dW for x [N, H, W, Cin], dy [N, OH, OW, Cout], filter shape [KH, KW, Cin, Cout]. */
export function convFilterGrad(k: SimdKernels, b: Backend, x: TensorInfo, dy: TensorInfo, filterShape: number[], c: ConvShape): TensorInfo {
  const [kh, kw, cin, cout] = filterShape;
  const [n, oh, ow] = dy.shape;
  // Only the padding that is read: bottom/right rows past the last window are not.
  const xp = pad(k, b, x, c.top, Math.max(0, c.bottom), c.left, Math.max(0, c.right));
  if (useColumns(c, filterShape)) {
    const dw = convFilterGradColumns(k, b, xp, dy, filterShape, c);
    if (xp !== x) b.disposeData(xp.dataId);
    return dw;
  }
  const [, hp, wp] = xp.shape;
  const out = b.makeOutput(filterShape, 'float32');
  const [sh, sw] = c.strides;
  const xAddr = k.address(xp);
  const dyAddr = k.address(dy);
  const dwAddr = k.address(out);
  const rowBytes = wp * cin * F;
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < kh; r++) {
      if (cout === 1) {
        // One output channel: dW[r] is the row vector dyᵀ·X, so the operands swap
        // (dy the broadcast side, x's contiguous (kw, ci) the vector side), and
        // [KW·Cin, 1] and [1, KW·Cin] are the same memory.
        k.gemm(
          1, kw * cin, oh, ow,
          dyAddr + i * oh * ow * F, 0, ow * F, F,
          xAddr + (i * hp + r) * rowBytes, sh * rowBytes, sw * cin * F,
          dwAddr + r * kw * cin * F, 0, i > 0 ? 1 : 0,
        );
        continue;
      }
      k.gemm(
        kw * cin, cout, oh, ow,
        xAddr + (i * hp + r) * rowBytes, F, sh * rowBytes, sw * cin * F,
        dyAddr + i * oh * ow * cout * F, ow * cout * F, cout * F,
        dwAddr + r * kw * cin * cout * F, cout * F, i > 0 ? 1 : 0,
      );
    }
  }
  if (xp !== x) b.disposeData(xp.dataId);
  return out;
}

const swapLast = (b: Backend, t: TensorInfo) => {
  const perm = t.shape.map((_, i) => i);
  const r = perm.length;
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  return run('Transpose', b, { x: t }, { perm });
};

const product = (dims: number[]) => dims.reduce((p, d) => p * d, 1);

/** Whether matMul handles these batch dimensions (equal, or one side unbatched). */
export function matMulSupported(a: TensorInfo, b: TensorInfo): boolean {
  const ba = product(a.shape.slice(0, -2));
  const bb = product(b.shape.slice(0, -2));
  return a.dtype === 'float32' && b.dtype === 'float32' && (ba === bb || ba === 1 || bb === 1);
}

/** C = op(A)·op(B), batched over leading dimensions. */
export function matMul(k: SimdKernels, be: Backend, a: TensorInfo, bIn: TensorInfo, transposeA: boolean, transposeB: boolean): TensorInfo {
  const ra = a.shape.length;
  const rb = bIn.shape.length;
  const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
  const kk = transposeA ? a.shape[ra - 2] : a.shape[ra - 1];
  const n = transposeB ? bIn.shape[rb - 2] : bIn.shape[rb - 1];
  const batchA = product(a.shape.slice(0, -2));
  const batchB = product(bIn.shape.slice(0, -2));
  const batch = Math.max(batchA, batchB);
  const outShape = [...tf.backend_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), bIn.shape.slice(0, -2)), m, n];
  const temps: TensorInfo[] = [];
  // A transposed B costs a copy of K·N floats; computing Cᵀ instead costs
  // M·N (+ M·K when A must be transposed to serve as the contiguous operand).
  const viaCT = transposeB && (transposeA ? 0 : m * kk) + m * n < kk * n;
  let out: TensorInfo;
  if (!viaCT) {
    const bt = transposeB ? swapLast(be, bIn) : bIn;
    if (bt !== bIn) temps.push(bt);
    out = be.makeOutput(outShape, 'float32');
    const aAddr = k.address(a);
    const bAddr = k.address(bt);
    const cAddr = k.address(out);
    // A transposed is read a column at a time (one cache line and page per k);
    // the cache blocks of gemmBlocked keep it in L2 either way.
    for (let i = 0; i < batch; i++) {
      gemmBlocked(
        k, m, n, kk,
        aAddr + (batchA === 1 ? 0 : i * m * kk * F), transposeA ? F : kk * F, transposeA ? m * F : F,
        bAddr + (batchB === 1 ? 0 : i * kk * n * F), n * F,
        cAddr + i * m * n * F, n * F, 0,
      );
    }
  } else {
    // Cᵀ [N, M] = B [N, K] · op(A)ᵀ [K, M]
    const aKM = transposeA ? a : swapLast(be, a);
    if (aKM !== a) temps.push(aKM);
    const ct = be.makeOutput([batch, n, m], 'float32');
    temps.push(ct);
    const aAddr = k.address(aKM);
    const bAddr = k.address(bIn);
    const cAddr = k.address(ct);
    for (let i = 0; i < batch; i++) {
      gemmBlocked(
        k, n, m, kk,
        bAddr + (batchB === 1 ? 0 : i * n * kk * F), kk * F, F,
        aAddr + (batchA === 1 ? 0 : i * kk * m * F), m * F,
        cAddr + i * n * m * F, m * F, 0,
      );
    }
    const c = run('Transpose', be, { x: ct }, { perm: [0, 2, 1] });
    out = run('Reshape', be, { x: c }, { shape: outShape });
    be.disposeData(c.dataId);
  }
  for (const t of temps) be.disposeData(t.dataId);
  return out;
}

export type { KernelFunc };

/**
 * Sum over the leading axes (a bias gradient: [N, H, W, C] → [C]) as the
 * GEMM ones[1, rows] · x[rows, C]: one pass instead of the stock generic
 * reduction (`npm run bench -- profile` compares them).
 */
export function sumLeadingAxes(k: SimdKernels, b: Backend, x: TensorInfo, leading: number, outShape: number[]): TensorInfo {
  const rows = product(x.shape.slice(0, leading));
  const cols = product(x.shape.slice(leading));
  const one = b.makeOutput([1], 'float32');
  b.typedArrayFromHeap(one)[0] = 1;
  const out = b.makeOutput(outShape, 'float32');
  k.gemm(1, cols, 1, rows, k.address(one), 0, 0, 0, k.address(x), 0, cols * F, k.address(out), 0, 0);
  b.disposeData(one.dataId);
  return out;
}

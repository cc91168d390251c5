// Training kernels for the wasm backend.
//
// Stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter at all (so a CNN
// cannot train there) and its Conv2DBackpropInput is a slow naive loop. Both
// are rewritten here as *forward* convolutions, which run on XNNPACK:
//
// - filter gradient: dW[kh,kw,ci,co] = Σ_{n,oh,ow} x[n, oh·s+kh−pt, ow·s+kw−pl, ci] · dy[n,oh,ow,co]
//   is a forward conv of x viewed as [Cin, H, W, N] (input channels as the
//   batch, examples as channels) with dy viewed as an [OH, OW, N, Cout]
//   filter, dilated by the original stride.
// - input gradient (stride 1): a forward conv of dy with the filter reversed in
//   space and its in/out channels swapped, padded by K−1−pad.
//
// - BatchMatMul with transpose flags: transposed explicitly first (see below).
// - MaxPoolGrad: one pass over the windows in JavaScript on wasm memory (see below).
// - ResizeNearestNeighborGrad (upsampling by whole factors): one pass over dy.
//
// Where our SIMD kernels (kernels/, loaded into the backend's own memory) are
// available, every one of these runs through them instead: the filter
// gradient as an implicit-im2col GEMM, the forward and input-gradient
// convolutions by Winograd F(2×2, 3×3), as GEMMs over each output row, or
// (strided) through column matrices, matrix products with their transposes
// read through strides, the max-pool gradient (any window, stride and
// padding, channels a multiple of 4) with lane masks, upsampling, bias adds,
// and the forward Conv2D/FusedConv2D and bias Sums too. XNNPACK, for all its
// speed, re-creates its operator and repacks the weights whenever a weight
// tensor changes, which in training is every step (`npm run bench --
// profile` shows the cost per kernel). The paths above stay as the fallback
// when neither kernels-fma.wasm nor kernels.wasm loads.
//
// The helpers call other wasm kernels' functions directly (not tf ops), so no
// intermediate tensor is ever registered with the engine: intermediates are
// freed with backend.disposeData, and tf.memory() stays exact.
import * as tf from '@tensorflow/tfjs';
import type { KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { simdKernelsFor } from './kernels/simd-kernels.js';
import { convFilterGrad, convForward, convInputGrad, forwardConvSupported, matMul, matMulSupported, run, sumLeadingAxes, type Backend, type ConvShape } from './kernels/gemm-kernels.js';

type Pad4 = [[number, number], [number, number], [number, number], [number, number]];

const transpose = (b: Backend, x: TensorInfo, perm: number[]) => run('Transpose', b, { x }, { perm });


function geometry(xShape: number[], filterShape: number[], attrs: NamedAttrMap): ConvShape {
  const { strides, pad, dimRoundingMode, dataFormat, dilations } = attrs as unknown as {
    strides: number | [number, number];
    dilations?: number | [number, number];
    pad: 'valid' | 'same' | number | Pad4;
    dimRoundingMode?: 'floor' | 'round' | 'ceil';
    dataFormat: 'NHWC' | 'NCHW';
  };
  if (dataFormat === 'NCHW') throw new Error('wasm training kernels support only NHWC (channelsLast) data');
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
  );
  return {
    strides: [info.strideHeight, info.strideWidth],
    dilations: [info.dilationHeight, info.dilationWidth],
    top: info.padInfo.top,
    bottom: info.padInfo.bottom,
    left: info.padInfo.left,
    right: info.padInfo.right,
    outH: info.outHeight,
    outW: info.outWidth,
  };
}


/**
 * Filter gradient for stride 1 as a single GEMM:
 *   dW [KH·KW·Cin, Cout] = colsᵀ [KH·KW·Cin, M] · dY [M, Cout],   M = N·OH·OW,
 * where row (i, j, c) of colsᵀ holds x[n, y+i, x+j, c] for every output
 * position. colsᵀ is written directly in that layout by a JavaScript loop
 * over wasm memory, dY is only a reshape, and the product lands in the
 * filter's own [KH, KW, Cin, Cout] layout: no transposes, and the GEMM has
 * no transpose flags, so XNNPACK runs it (and packs dY once).
 */
function filterGradByGemm(b: Backend, x: TensorInfo, dy: TensorInfo, filterShape: number[], g: ConvShape): TensorInfo {
  const [kh, kw, cin, cout] = filterShape;
  const [n, oh, ow] = dy.shape;
  const temps: TensorInfo[] = [];
  let xp = x;
  if (g.top || g.bottom || g.left || g.right) {
    xp = run('PadV2', b, { x }, { paddings: [[0, 0], [g.top, g.bottom], [g.left, g.right], [0, 0]], constantValue: 0 });
    temps.push(xp);
  }
  const [, h, w] = xp.shape;
  const m = n * oh * ow;
  const cols = b.makeOutput([1, kh * kw * cin, m], 'float32');
  temps.push(cols);
  const src = b.typedArrayFromHeap(xp);
  const dst = b.typedArrayFromHeap(cols);
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      for (let c = 0; c < cin; c++) {
        let p = ((i * kw + j) * cin + c) * m;
        for (let k = 0; k < n; k++) {
          for (let y = 0; y < oh; y++) {
            let s = ((k * h + y + i) * w + j) * cin + c;
            for (let xx = 0; xx < ow; xx++, s += cin) dst[p++] = src[s];
          }
        }
      }
    }
  }
  const dy3 = run('Reshape', b, { x: dy }, { shape: [1, m, cout] });
  temps.push(dy3);
  const prod = stock(tf.BatchMatMul)({ inputs: { a: cols, b: dy3 }, backend: b, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
  const out = run('Reshape', b, { x: prod }, { shape: [kh, kw, cin, cout] });
  b.disposeData(prod.dataId);
  for (const t of temps) b.disposeData(t.dataId);
  return out;
}

/** Largest column matrix (floats) for which the filter gradient goes through one GEMM. */
const GEMM_COLS_LIMIT = 4 * 1024 * 1024;

function conv2dBackpropFilter({ inputs, backend, attrs }: Parameters<KernelFunc>[0]): TensorInfo {
  const b = backend as Backend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const filterShape = (attrs as { filterShape: number[] }).filterShape;
  const [kh, kw] = filterShape;
  const [, h, w] = x.shape;
  const g = geometry(x.shape, filterShape, attrs as NamedAttrMap);
  const simd = simdKernelsFor(b);
  if (simd) return convFilterGrad(simd, b, x, dy, filterShape, g);
  // The GEMM route wins while its column matrix stays small (the first layer,
  // Cin = 1; see `npm run bench -- profile`); for wide layers the dilated convolution below is
  // faster end to end (a 42 MB column matrix per step costs more than it saves).
  const colsSize = filterShape[0] * filterShape[1] * filterShape[2] * dy.shape[0] * dy.shape[1] * dy.shape[2];
  if (g.strides[0] === 1 && g.strides[1] === 1 && stocks.has(tf.BatchMatMul) && colsSize <= GEMM_COLS_LIMIT) return filterGradByGemm(b, x, dy, filterShape, g);
  const [sh, sw] = g.strides;
  const [, oh, ow] = dy.shape;
  // Bottom/right padding that makes the output exactly KH×KW; negative means
  // the last rows/columns of x are never read (stride > 1) and are cropped.
  let padBottom = kh + (oh - 1) * sh - h - g.top;
  let padRight = kw + (ow - 1) * sw - w - g.left;
  const temps: TensorInfo[] = [];
  let xin = x;
  if (padBottom < 0 || padRight < 0) {
    const cropH = h + Math.min(0, padBottom);
    const cropW = w + Math.min(0, padRight);
    xin = run('Slice', b, { x }, { begin: [0, 0, 0, 0], size: [x.shape[0], cropH, cropW, x.shape[3]] });
    temps.push(xin);
    padBottom = Math.max(0, padBottom);
    padRight = Math.max(0, padRight);
  }
  const xT = transpose(b, xin, [3, 1, 2, 0]); // [Cin, H, W, N]
  const dyT = transpose(b, dy, [1, 2, 0, 3]); // [OH, OW, N, Cout]
  temps.push(xT, dyT);
  const pad: Pad4 = [[0, 0], [g.top, padBottom], [g.left, padRight], [0, 0]];
  const conv = run('Conv2D', b, { x: xT, filter: dyT }, {
    strides: [1, 1],
    pad: pad as unknown as NamedAttrMap[string],
    dilations: [sh, sw],
    dataFormat: 'NHWC',
  }); // [Cin, KH, KW, Cout]
  temps.push(conv);
  const out = transpose(b, conv, [1, 2, 0, 3]);
  for (const t of temps) b.disposeData(t.dataId);
  return out;
}

/** Forward convolution through our GEMM (XNNPACK re-packs a changed filter every training step). */
function conv2d(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as NamedAttrMap & { dataFormat?: string };
  const simd = simdKernelsFor(b);
  if (!simd || attrs.dataFormat === 'NCHW' || x.dtype !== 'float32') return stock(tf.Conv2D)(args) as TensorInfo;
  const g = geometry(x.shape, filter.shape, attrs);
  if (!forwardConvSupported(g)) return stock(tf.Conv2D)(args) as TensorInfo;
  return convForward(simd, b, x, filter, g);
}

/**
 * Conv + bias + ReLU/linear (what tf.layers runs at inference: every
 * evaluation) through our convolution, then the stock Add and Relu; other
 * activations stay on the stock kernel.
 */
function fusedConv2d(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { x, filter, bias, preluActivationWeights } = args.inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
  const attrs = args.attrs as NamedAttrMap & { dataFormat?: string; activation?: string };
  const activation = attrs.activation ?? 'linear';
  const simd = simdKernelsFor(b);
  if (!simd || attrs.dataFormat === 'NCHW' || x.dtype !== 'float32' || preluActivationWeights || (activation !== 'linear' && activation !== 'relu')) {
    return stock(tf.FusedConv2D)(args) as TensorInfo;
  }
  const g = geometry(x.shape, filter.shape, attrs);
  if (!forwardConvSupported(g)) return stock(tf.FusedConv2D)(args) as TensorInfo;
  let y = convForward(simd, b, x, filter, g);
  if (bias) {
    const withBias = run('Add', b, { a: y, b: bias }, {});
    b.disposeData(y.dataId);
    y = withBias;
  }
  if (activation === 'relu') {
    const r = run('Relu', b, { x: y }, {});
    b.disposeData(y.dataId);
    y = r;
  }
  return y;
}

function conv2dBackpropInput(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const inputShape = (args.attrs as { inputShape: number[] }).inputShape;
  const g = geometry(inputShape, filter.shape, args.attrs as NamedAttrMap);
  const simd = simdKernelsFor(b);
  const strided = g.strides[0] !== 1 || g.strides[1] !== 1;
  if (simd && dy.dtype === 'float32' && g.dilations[0] === 1 && g.dilations[1] === 1) {
    return convInputGrad(simd, b, dy, filter, inputShape, g);
  }
  // Without our GEMM, strided input gradients would need zero-dilated dy (s² more work): the stock kernel.
  if (strided) return stock(tf.Conv2DBackpropInput)(args) as TensorInfo;
  const [kh, kw] = filter.shape;
  const [, h, w] = inputShape;
  const [, oh, ow] = dy.shape;
  const reversed = run('Reverse', b, { x: filter }, { dims: [0, 1] });
  const flipped = transpose(b, reversed, [0, 1, 3, 2]); // [KH, KW, Cout, Cin]
  const top = kh - 1 - g.top;
  const left = kw - 1 - g.left;
  const pad: Pad4 = [[0, 0], [top, h - oh + kh - 1 - top], [left, w - ow + kw - 1 - left], [0, 0]];
  const out = run('Conv2D', b, { x: dy, filter: flipped }, {
    strides: [1, 1],
    pad: pad as unknown as NamedAttrMap[string],
    dilations: [1, 1],
    dataFormat: 'NHWC',
  });
  b.disposeData(reversed.dataId);
  b.disposeData(flipped.dataId);
  return out;
}

/**
 * The stock wasm BatchMatMul reaches XNNPACK only without transpose flags;
 * with them (every Dense layer's backward pass: dX = dY·Wᵀ, dW = Xᵀ·dY) it
 * runs a naive loop about 10× slower. An explicit transpose first is cheap.
 */
function batchMatMul(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { a, b: bIn } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
  const simd = simdKernelsFor(b);
  if (simd && matMulSupported(a, bIn)) return matMul(simd, b, a, bIn, transposeA, transposeB);
  if (!transposeA && !transposeB) return stock(tf.BatchMatMul)(args) as TensorInfo;
  const swapLast = (t: TensorInfo) => {
    const perm = t.shape.map((_, i) => i);
    const r = perm.length;
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return transpose(b, t, perm);
  };
  const aT = transposeA ? swapLast(a) : a;
  const bT = transposeB ? swapLast(bIn) : bIn;
  const out = stock(tf.BatchMatMul)({ inputs: { a: aT, b: bT }, backend: b, attrs: { transposeA: false, transposeB: false } }) as TensorInfo;
  if (aT !== a) b.disposeData(aT.dataId);
  if (bT !== bIn) b.disposeData(bT.dataId);
  return out;
}

/**
 * MaxPoolGrad: each window's gradient goes to its first maximal element
 * (TensorFlow's semantics; overlapping windows add up). The stock wasm kernel
 * is a slow generic loop (see `npm run bench -- profile`) and disagrees with the
 * cpu backend for 'same' padding with odd sizes. With channels a multiple of
 * 4 (float32) our SIMD kernels run it (pool-wat.ts): the 2×2 stride-2 one,
 * else the general one (the Keras KD CNNs' 2×2 stride-1 'same' pooling);
 * otherwise it is a single pass over the windows in JavaScript, reading and
 * writing wasm memory directly.
 */
function maxPoolGrad(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { dy, input } = args.inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = args.attrs as { filterSize: number | [number, number]; strides: number | [number, number]; pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil' };
  const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
  const simd = simdKernelsFor(b);
  if (simd && isPool2x2(info) && input.dtype === 'float32') {
    const out = b.makeOutput(input.shape, 'float32');
    // Odd sizes leave a last row/column no window covers: it gets no gradient.
    if (info.inHeight % 2 || info.inWidth % 2) b.typedArrayFromHeap(out).fill(0);
    simd.maxPoolGrad2x2(simd.address(input), simd.address(dy), simd.address(out), info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth);
    return out;
  }
  if (simd && info.inChannels % 4 === 0 && input.dtype === 'float32') {
    const out = b.makeOutput(input.shape, 'float32');
    simd.maxPoolGrad(simd.address(input), simd.address(dy), simd.address(out), info.batchSize, info.inHeight, info.inWidth, info.inChannels, info.outHeight, info.outWidth,
      info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth, info.padInfo.top, info.padInfo.left);
    return out;
  }
  const out = b.makeOutput(input.shape, 'float32');
  const x = b.typedArrayFromHeap(input);
  const g = b.typedArrayFromHeap(dy);
  const o = b.typedArrayFromHeap(out);
  o.fill(0);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < OH; oy++) {
      const y0 = Math.max(0, oy * sh - top);
      const y1 = Math.min(H, oy * sh - top + fh);
      for (let ox = 0; ox < OW; ox++) {
        const x0 = Math.max(0, ox * sw - left);
        const x1 = Math.min(W, ox * sw - left + fw);
        const gBase = ((n * OH + oy) * OW + ox) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let yy = y0; yy < y1; yy++) {
            for (let xx = x0; xx < x1; xx++) {
              const idx = ((n * H + yy) * W + xx) * C + c;
              if (x[idx] > best || at < 0) {
                best = x[idx];
                at = idx;
              }
            }
          }
          if (at >= 0) o[at] += g[gBase + c];
        }
      }
    }
  }
  return out;
}

/** The common pooling the SIMD max-pool gradient handles: 2×2 windows, stride 2, no padding, channels in whole vectors. */
function isPool2x2(info: tf.backend_util.Conv2DInfo): boolean {
  return info.filterHeight === 2 && info.filterWidth === 2 && info.strideHeight === 2 && info.strideWidth === 2 &&
    info.padInfo.top === 0 && info.padInfo.left === 0 && info.inChannels % 4 === 0 &&
    info.outHeight === Math.floor(info.inHeight / 2) && info.outWidth === Math.floor(info.inWidth / 2);
}

/** Whole upsampling factors (sh, sw) from `small` to `large` [N, H, W, C] shapes, or null. */
function wholeFactors(small: number[], large: number[]): [number, number] | null {
  const sh = large[1] / small[1];
  const sw = large[2] / small[2];
  return Number.isInteger(sh) && Number.isInteger(sw) && sh >= 1 && sw >= 1 ? [sh, sw] : null;
}

/**
 * Nearest-neighbour upsampling by whole factors (tf.layers.upSampling2d: the
 * conv AE's decoder): each pixel copied into its sh×sw block, 4 channels at
 * a time. Stock computes every source index in floating point (4× slower).
 * Without alignCorners the source of output d is ⌊d/s⌋, with or without half-pixel centres.
 */
function resizeNearestNeighbor(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { images } = args.inputs as { images: TensorInfo };
  const { alignCorners, size } = args.attrs as { alignCorners: boolean; size: [number, number] };
  const [n, h, w, c] = images.shape;
  const outShape = [n, size[0], size[1], c];
  const f = wholeFactors(images.shape, outShape);
  const simd = simdKernelsFor(b);
  if (!simd || alignCorners || !f || images.dtype !== 'float32' || c % 4) return stock(tf.ResizeNearestNeighbor)(args) as TensorInfo;
  const out = b.makeOutput(outShape, 'float32');
  simd.upsample(simd.address(images), simd.address(out), n * h, w, c, f[0], f[1]);
  return out;
}

/**
 * Gradient of nearest-neighbour upsampling by whole factors: each input
 * pixel's gradient is the sum of its sh×sw output block. The stock wasm
 * kernel computes every source index in floating point: it was the conv
 * AE's slowest kernel (19 of its 100 ms per training step at batch 64).
 * Channels in whole vectors take our SIMD pass, others one JavaScript pass
 * over dy; other geometries stay stock.
 */
function resizeNearestNeighborGrad(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
  const { alignCorners } = args.attrs as { alignCorners: boolean };
  const [n, h, w, c] = images.shape;
  const [, oh, ow] = dy.shape;
  const f = wholeFactors(images.shape, dy.shape);
  if (alignCorners || dy.dtype !== 'float32' || !f) return stock(tf.ResizeNearestNeighborGrad)(args) as TensorInfo;
  const [sh, sw] = f;
  const out = b.makeOutput(images.shape, 'float32');
  const simd = simdKernelsFor(b);
  if (simd && c % 4 === 0) {
    simd.upsampleGrad(simd.address(dy), simd.address(out), n * h, w, c, sh, sw);
    return out;
  }
  const g = b.typedArrayFromHeap(dy);
  const o = b.typedArrayFromHeap(out);
  o.fill(0);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < oh; y++) {
      const src = (i * oh + y) * ow * c;
      const dst = (i * h + Math.floor(y / sh)) * w * c;
      for (let x = 0; x < ow; x++) {
        const from = src + x * c;
        const to = dst + Math.floor(x / sw) * c;
        for (let k = 0; k < c; k++) o[to + k] += g[from + k];
      }
    }
  }
  return out;
}

/**
 * Add of a [C] vector to a [..., C] tensor (a convolution's or dense layer's
 * bias while a gradient is recorded) in one SIMD pass; every other Add,
 * broadcast or not, stays on the stock kernel.
 */
function add(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { a, b: bIn } = args.inputs as { a: TensorInfo; b: TensorInfo };
  const simd = simdKernelsFor(b);
  const isBias = (x: TensorInfo, v: TensorInfo) => v.shape.length === 1 && x.shape.length >= 2 && x.shape[x.shape.length - 1] === v.shape[0];
  const [x, v] = isBias(a, bIn) ? [a, bIn] : isBias(bIn, a) ? [bIn, a] : [null, null];
  if (!simd || !x || !v || x.dtype !== 'float32' || v.dtype !== 'float32' || v.shape[0] % 4) return stock(tf.Add)(args) as TensorInfo;
  const c = v.shape[0];
  const out = b.makeOutput(x.shape, 'float32');
  simd.biasAdd(simd.address(x), simd.address(v), simd.address(out), tf.util.sizeFromShape(x.shape) / c, c);
  return out;
}

/** Sum over leading axes (every bias gradient) through the GEMM; other reductions stay stock. */
function sum(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { x } = args.inputs as { x: TensorInfo };
  const { axis, keepDims } = args.attrs as { axis: number | number[]; keepDims: boolean };
  const simd = simdKernelsFor(b);
  const axes = tf.util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
  const leading = axes.every((a, i) => a === i) ? axes.length : 0;
  if (!simd || x.dtype !== 'float32' || leading === 0 || leading === x.shape.length) return stock(tf.Sum)(args) as TensorInfo;
  const kept = x.shape.slice(leading);
  return sumLeadingAxes(simd, b, x, leading, keepDims ? [...x.shape.slice(0, leading).map(() => 1), ...kept] : kept);
}

/**
 * Identity (tf.clone) as the cpu backend does it: the output shares the
 * input's memory (one more reference), since tensors are immutable. Stock
 * wasm copies, and the engine clones every tensor a gradient needs while
 * recording (saveTensorsForBackwardMode): a copy of each large activation
 * per training step, 3.8 of the teacher's ~190 ms at its widest layer alone.
 */
function identity(args: Parameters<KernelFunc>[0]): TensorInfo {
  const b = args.backend as Backend;
  const { x } = args.inputs as { x: TensorInfo };
  if (x.dtype === 'string') return stock(tf.Identity)(args) as TensorInfo;
  b.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/** Cast to the same dtype (every ReLU gradient casts its float32 step) shares memory like identity; real casts stay stock. */
function cast(args: Parameters<KernelFunc>[0]): TensorInfo {
  const { x } = args.inputs as { x: TensorInfo };
  const { dtype } = args.attrs as { dtype: string };
  if (dtype === x.dtype && dtype !== 'string') return identity(args);
  return stock(tf.Cast)(args) as TensorInfo;
}

/** The stock kernels we replace, kept as fallbacks (and for their setup functions). */
const stocks = new Map<string, KernelFunc>();

function stock(name: string): KernelFunc {
  const k = stocks.get(name);
  if (!k) throw new Error(`the stock wasm ${name} kernel is missing; cannot fall back`);
  return k;
}

let registered = false;

/** Registers (or replaces) the wasm training kernels. Idempotent. */
export function registerWasmTrainingKernels(): void {
  if (registered) return;
  const ours: [string, KernelFunc][] = [
    [tf.Conv2D, conv2d],
    [tf.FusedConv2D, fusedConv2d],
    [tf.Conv2DBackpropFilter, conv2dBackpropFilter], // missing from stock wasm
    [tf.Conv2DBackpropInput, conv2dBackpropInput],
    [tf.BatchMatMul, batchMatMul],
    [tf.Sum, sum],
    [tf.MaxPoolGrad, maxPoolGrad],
    [tf.ResizeNearestNeighbor, resizeNearestNeighbor],
    [tf.Add, add],
    [tf.Identity, identity],
    [tf.Cast, cast],
    [tf.ResizeNearestNeighborGrad, resizeNearestNeighborGrad],
  ];
  for (const [kernelName, kernelFunc] of ours) {
    const existing = tf.getKernel(kernelName, 'wasm');
    if (existing) {
      stocks.set(kernelName, existing.kernelFunc);
      tf.unregisterKernel(kernelName, 'wasm');
    }
    // Keep the stock setupFunc: it binds the wasm exports the fallbacks call.
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc: existing?.setupFunc });
  }
  registered = true;
}

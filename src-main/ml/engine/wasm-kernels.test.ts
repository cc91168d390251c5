// The wasm training kernels must give the same gradients as the reference
// cpu backend, for the seed's shapes and for padding/stride variants.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-cpu';
import { initBackend } from './backend.js';

// The engine's own check after every kernel: a data buffer created and never
// disposed (an intermediate our kernels forget) throws. tf.memory() counts
// only tensors, not the kernels' internal buffers.
tf.env().set('IS_TEST', true);

interface Case {
  name: string;
  x: [number, number, number, number];
  k: [number, number, number, number];
  stride: number;
  pad: 'valid' | 'same' | number;
}

const cases: Case[] = [
  { name: 'seed Conv1 28x28x1→32', x: [8, 28, 28, 1], k: [3, 3, 1, 32], stride: 1, pad: 'valid' },
  { name: 'seed Conv2 26x26x32→64', x: [2, 26, 26, 32], k: [3, 3, 32, 64], stride: 1, pad: 'valid' },
  { name: 'same padding', x: [3, 14, 14, 8], k: [3, 3, 8, 16], stride: 1, pad: 'same' },
  { name: 'stride 2 valid', x: [3, 15, 15, 4], k: [3, 3, 4, 6], stride: 2, pad: 'valid' },
  { name: 'stride 2 same, even input', x: [2, 16, 16, 3], k: [5, 5, 3, 4], stride: 2, pad: 'same' },
  { name: 'stride 2 same, odd output (Keras CNN 14→7)', x: [2, 14, 14, 5], k: [3, 3, 5, 6], stride: 2, pad: 'same' },
  { name: 'stride 3 valid, rows never read', x: [2, 12, 11, 3], k: [2, 2, 3, 4], stride: 3, pad: 'valid' },
  { name: 'odd channel counts', x: [3, 11, 9, 5], k: [3, 2, 5, 7], stride: 1, pad: 'same' },
  // one output channel (the conv AE's last layer): forward by dot products, filter gradient with the operands swapped
  { name: 'one output channel 9x8x16→1', x: [3, 9, 8, 16], k: [3, 3, 16, 1], stride: 1, pad: 'same' },
  { name: 'one output channel, stride 2, odd Cin', x: [2, 9, 9, 3], k: [3, 3, 3, 1], stride: 2, pad: 'valid' },
  // strided through column matrices: one output channel (dot products), rows and columns no window reads,
  // 289 positions per image (the filter gradient's K in more than one block of 256)
  { name: 'one output channel, stride 2, columns by dot products', x: [2, 9, 9, 4], k: [3, 3, 4, 1], stride: 2, pad: 'valid' },
  { name: 'stride 3 valid, columns, rows never read', x: [2, 12, 11, 4], k: [2, 2, 4, 4], stride: 3, pad: 'valid' },
  { name: 'stride 2 same, 17x17 outputs', x: [2, 34, 34, 8], k: [3, 3, 8, 8], stride: 2, pad: 'same' },
  // explicit padding wider than the filter: the input gradient must not pad dy negatively
  { name: 'pad 3 around a 3×3 filter', x: [2, 6, 5, 4], k: [3, 3, 4, 4], stride: 1, pad: 3 },
  // stride 1, input gradient by scattering dy (thick padding: 144 input positions against 64 outputs); 20 channels = 8 + 8 + 4 lanes
  { name: 'LeNet-5 Conv2 12x12x20→8x8x50, 5×5 valid', x: [2, 12, 12, 20], k: [5, 5, 20, 50], stride: 1, pad: 'valid' },
];

const gemmNote = process.env.DISTILLERY_WASM_GEMM === '0' ? ' (our GEMM turned off: XNNPACK fallback)' : '';

function randn(shape: number[], seed: number): Float32Array {
  return tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array;
}

/** Gradients of sum(conv(x, k) * r) w.r.t. x and k, on the current backend. */
function grads(c: Case, xs: Float32Array, ks: Float32Array, rs: Float32Array, outShape: number[]) {
  return tf.tidy(() => {
    const x = tf.tensor4d(xs, c.x);
    const k = tf.tensor4d(ks, c.k);
    const r = tf.tensor(rs, outShape);
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad), r)));
    const [dx, dk] = g([x, k]);
    return { dx: dx.dataSync().slice() as Float32Array, dk: dk.dataSync().slice() as Float32Array };
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): { abs: number; rel: number } {
  assert.equal(a.length, b.length);
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { abs, rel: abs / Math.max(scale, 1e-12) };
}

test(`wasm Conv2D forward matches the cpu backend, dilated included${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  const fwd: (Case & { dilation: number; columnsLimit?: string })[] = [
    ...cases.map((c) => ({ ...c, dilation: 1 })),
    { name: 'dilation 2', x: [2, 12, 12, 3], k: [3, 3, 3, 4], stride: 1, pad: 'same', dilation: 2 },
    // strided: column matrices of at most 1,000 floats, one or two images per chunk
    ...cases.filter((c) => c.stride > 1).map((c) => ({ ...c, name: `${c.name}, chunked columns`, dilation: 1, columnsLimit: '1000' })),
  ];
  for (const c of fwd) {
    if (c.columnsLimit) process.env.DISTILLERY_COLUMNS_LIMIT = c.columnsLimit;
    else delete process.env.DISTILLERY_COLUMNS_LIMIT;
    await tf.setBackend('cpu');
    const xs = randn(c.x, 11);
    const ks = randn(c.k, 12);
    const run = () => tf.tidy(() => tf.conv2d(tf.tensor4d(xs, c.x), tf.tensor4d(ks, c.k), c.stride, c.pad, 'NHWC', c.dilation).dataSync().slice() as Float32Array);
    const ref = run();
    const info = await initBackend('wasm');
    // Unless turned off, the fast path must really be in use, not silently the fallback.
    assert.equal(info.device.includes('Distillery GEMM'), !gemmNote, `device "${info.device}"`);
    // Node 20 compiles relaxed SIMD once simd-kernels.ts sets V8's flag: the fused build must be the one loaded.
    assert.equal(info.device.includes('with FMA'), !gemmNote && process.env.DISTILLERY_WASM_FMA !== '0', `device "${info.device}"`);
    const before = tf.memory().numTensors;
    const got = run();
    assert.equal(tf.memory().numTensors, before, 'kernels must not leak tensors');
    const e = maxAbsDiff(got, ref);
    t.diagnostic(`${c.name}: forward max abs err ${e.abs.toExponential(2)} (rel ${e.rel.toExponential(2)})`);
    assert.ok(e.rel < 1e-5, `${c.name}: forward conv differs from cpu by ${e.rel} relative`);
  }
  delete process.env.DISTILLERY_COLUMNS_LIMIT;
});

test(`wasm fused conv (bias + relu, as evaluation runs it) matches the cpu backend${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  for (const c of cases) {
    await tf.setBackend('cpu');
    const xs = randn(c.x, 13);
    const ks = randn(c.k, 14);
    const bs = randn([c.k[3]], 15);
    for (const activation of ['relu', 'linear', 'elu'] as const) {
      const run = () => tf.tidy(() => tf.fused.conv2d({ x: tf.tensor4d(xs, c.x), filter: tf.tensor4d(ks, c.k), strides: c.stride, pad: c.pad, bias: tf.tensor1d(bs), activation }).dataSync().slice() as Float32Array);
      await tf.setBackend('cpu');
      const ref = run();
      await initBackend('wasm');
      const before = tf.memory().numTensors;
      const got = run();
      assert.equal(tf.memory().numTensors, before, 'kernels must not leak tensors');
      const e = maxAbsDiff(got, ref);
      t.diagnostic(`${c.name} (${activation}): max abs err ${e.abs.toExponential(2)} (rel ${e.rel.toExponential(2)})`);
      assert.ok(e.rel < 1e-5, `${c.name} (${activation}): fused conv differs from cpu by ${e.rel} relative`);
    }
  }
});

test(`wasm Conv2D gradients match the cpu backend${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  // Strided ones once more with column matrices of at most 1,000 floats: one or two images per chunk.
  const chunked = cases.filter((c) => c.stride > 1).map((c) => ({ ...c, name: `${c.name}, chunked columns`, columnsLimit: '1000' }));
  for (const c of [...cases, ...chunked] as (Case & { columnsLimit?: string })[]) {
    if (c.columnsLimit) process.env.DISTILLERY_COLUMNS_LIMIT = c.columnsLimit;
    else delete process.env.DISTILLERY_COLUMNS_LIMIT;
    await tf.setBackend('cpu');
    const xs = randn(c.x, 1);
    const ks = randn(c.k, 2);
    const outShape = tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.k) as tf.Tensor4D, c.stride, c.pad).shape;
    const rs = randn(outShape, 3);
    const ref = grads(c, xs, ks, rs, outShape);
    const info = await initBackend('wasm');
    assert.equal(info.backend, 'wasm');
    const before = tf.memory().numTensors;
    const got = grads(c, xs, ks, rs, outShape);
    assert.equal(tf.memory().numTensors, before, 'kernels must not leak tensors');
    const ek = maxAbsDiff(got.dk, ref.dk);
    const ex = maxAbsDiff(got.dx, ref.dx);
    t.diagnostic(`${c.name}: filter grad max abs err ${ek.abs.toExponential(2)} (rel ${ek.rel.toExponential(2)}), input grad max abs err ${ex.abs.toExponential(2)} (rel ${ex.rel.toExponential(2)})`);
    assert.ok(ek.rel < 1e-4, `${c.name}: filter gradient differs from cpu by ${ek.rel} relative`);
    assert.ok(ex.rel < 1e-4, `${c.name}: input gradient differs from cpu by ${ex.rel} relative`);
  }
  delete process.env.DISTILLERY_COLUMNS_LIMIT;
});

test(`wasm BatchMatMul with transpose flags matches the cpu backend${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  const shapes: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { a: [64, 9216], b: [128, 9216], ta: false, tb: true }, // dX = dY·Wᵀ shape family
    { a: [64, 300], b: [64, 128], ta: true, tb: false }, // dW = Xᵀ·dY
    { a: [3, 20, 7], b: [3, 9, 20], ta: true, tb: true }, // batched, both flags
    { a: [33, 130], b: [130, 11], ta: false, tb: false }, // no flags, ragged blocks
    { a: [300, 130], b: [300, 20], ta: true, tb: false }, // cache blocks: rows in bands of 64, K = 300 in blocks of 256
    { a: [2, 3, 5, 6], b: [6, 4], ta: false, tb: false }, // batch broadcast against one matrix
    { a: [5, 6], b: [2, 4, 7, 6], ta: false, tb: true }, // broadcast the other way, B transposed
  ];
  for (const s of shapes) {
    await tf.setBackend('cpu');
    const as = randn(s.a, 4);
    const bs = randn(s.b, 5);
    const ref = tf.matMul(tf.tensor(as, s.a), tf.tensor(bs, s.b), s.ta, s.tb).dataSync().slice();
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => tf.matMul(tf.tensor(as, s.a), tf.tensor(bs, s.b), s.ta, s.tb).dataSync().slice());
    assert.equal(tf.memory().numTensors, before);
    const e = maxAbsDiff(got as Float32Array, ref as Float32Array);
    t.diagnostic(`matMul ${JSON.stringify(s)}: max abs err ${e.abs.toExponential(2)} (rel ${e.rel.toExponential(2)})`);
    assert.ok(e.rel < 1e-5, `matMul ${JSON.stringify(s)} differs from cpu by ${e.rel} relative`);
  }
});

test(`wasm MaxPoolGrad matches the cpu backend, overlapping windows included${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  const cases: { x: [number, number, number, number]; size: number; stride: number; pad: 'valid' | 'same' }[] = [
    { x: [4, 24, 24, 64], size: 2, stride: 2, pad: 'valid' }, // the seed teacher's MaxPool
    { x: [2, 7, 9, 8], size: 2, stride: 2, pad: 'valid' }, // odd sizes: last row and column get no gradient
    { x: [2, 7, 7, 3], size: 2, stride: 2, pad: 'same' }, // odd size, padded (the conv AE's third pool)
    { x: [2, 9, 9, 5], size: 3, stride: 1, pad: 'valid' }, // overlapping windows: gradients add up
  ];
  for (const c of cases) {
    await tf.setBackend('cpu');
    const xs = randn(c.x, 6);
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, c.size, c.stride, c.pad), tf.range(1, tf.maxPool(tf.zeros(c.x) as tf.Tensor4D, c.size, c.stride, c.pad).size + 1).reshape(tf.maxPool(tf.zeros(c.x) as tf.Tensor4D, c.size, c.stride, c.pad).shape)));
    const ref = tf.grad(f)(tf.tensor4d(xs, c.x)).dataSync().slice() as Float32Array;
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => tf.grad(f)(tf.tensor4d(xs, c.x)).dataSync().slice()) as Float32Array;
    assert.equal(tf.memory().numTensors, before);
    const e = maxAbsDiff(got, ref);
    t.diagnostic(`maxPool ${JSON.stringify(c)}: max abs err ${e.abs.toExponential(2)}`);
    assert.ok(e.rel < 1e-6, `maxPool grad ${JSON.stringify(c)} differs by ${e.rel} relative`);
  }
});

test(`wasm MaxPoolGrad gives each window's gradient to its first maximum, ties included${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  const grad = (xs: Float32Array | number[], shape: [number, number, number, number], dys: Float32Array | number[], size: number | [number, number], stride: number | [number, number], pad: 'valid' | 'same') =>
    tf.tidy(() => {
      const dy = tf.tensor(dys, tf.maxPool(tf.zeros(shape) as tf.Tensor4D, size, stride, pad).shape);
      return tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, size, stride, pad), dy)))(tf.tensor4d(xs, shape)).dataSync().slice() as Float32Array;
    });
  // By hand: one 3×3 image, 4 channels, 2×2 windows, stride 1, 'same' (3×3
  // windows, the last row and column clipped to the input); dy = 1..9 per
  // window, row by row, in every channel.
  //   channel 0, all equal: each window's top-left cell wins, dx = dy.
  //   channel 1, x = 0..8 row by row: each window's bottom-right cell wins.
  //   channel 2, x = 0 2 0 / 2 0 2 / 0 2 0: window (0,0) ties (0,1) with (1,0), window (1,1) ties
  //     (1,2) with (2,1); the first in row order wins ((0,1), (1,2)), not the first in column order.
  //   channel 3, x = 1 1 1 / 3 3 3 / 3 3 3: windows over rows 1–2 tie in all four cells: row 1 wins.
  const hx = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1],
    [0, 1, 2, 3, 4, 5, 6, 7, 8],
    [0, 2, 0, 2, 0, 2, 0, 2, 0],
    [1, 1, 1, 3, 3, 3, 3, 3, 3],
  ];
  const hdx = [
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
    [0, 0, 0, 0, 1, 2 + 3, 0, 4 + 7, 5 + 6 + 8 + 9],
    [0, 1 + 2, 0, 4, 0, 3 + 5 + 6, 0, 7 + 8, 9],
    [0, 0, 0, 1 + 4, 2 + 5, 3 + 6, 7, 8, 9],
  ];
  const nhwc = (planes: number[][]) => planes[0].flatMap((_, i) => planes.map((p) => p[i]));
  const hdy = nhwc([0, 1, 2, 3].map(() => [1, 2, 3, 4, 5, 6, 7, 8, 9]));
  await tf.setBackend('cpu');
  assert.deepEqual(Array.from(grad(nhwc(hx), [1, 3, 3, 4], hdy, 2, 1, 'same')), nhwc(hdx), 'cpu backend: first maximum in row order');
  await initBackend('wasm');
  assert.deepEqual(Array.from(grad(nhwc(hx), [1, 3, 3, 4], hdy, 2, 1, 'same')), nhwc(hdx), 'wasm backend: first maximum in row order');

  // Random inputs rounded to a few levels, so windows often hold several equal maxima.
  const cases: { x: [number, number, number, number]; size: number | [number, number]; stride: number | [number, number]; pad: 'valid' | 'same' }[] = [
    { x: [3, 7, 7, 16], size: 2, stride: 1, pad: 'same' }, // the Keras KD student's pooling, odd size
    { x: [3, 14, 14, 16], size: 2, stride: 1, pad: 'same' }, // the student's, at its size
    { x: [2, 14, 14, 256], size: 2, stride: 1, pad: 'same' }, // the teacher's
    { x: [2, 9, 9, 8], size: 3, stride: 2, pad: 'same' }, // overlapping, padded on both sides
    { x: [2, 8, 10, 4], size: 3, stride: 2, pad: 'same' }, // even sizes: padded after only
    { x: [2, 9, 10, 12], size: 3, stride: 1, pad: 'valid' },
    { x: [2, 9, 11, 8], size: [2, 3], stride: [1, 2], pad: 'same' }, // rectangular window and strides
    { x: [2, 6, 6, 8], size: 2, stride: 2, pad: 'valid' }, // the 2×2 stride-2 kernel
  ];
  for (const c of cases) {
    await tf.setBackend('cpu'); // drawn on cpu: the arrays must not be views of wasm memory
    const xs = randn(c.x, 23).map((v) => Math.round(v * 1.5));
    const dys = randn(tf.maxPool(tf.zeros(c.x) as tf.Tensor4D, c.size, c.stride, c.pad).shape, 24);
    const ref = grad(xs, c.x, dys, c.size, c.stride, c.pad);
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const got = grad(xs, c.x, dys, c.size, c.stride, c.pad);
    assert.equal(tf.memory().numTensors, before);
    const e = maxAbsDiff(got, ref);
    t.diagnostic(`maxPool with ties ${JSON.stringify(c)}: max abs err ${e.abs.toExponential(2)}`);
    assert.ok(e.rel < 1e-6, `maxPool grad with ties ${JSON.stringify(c)} differs by ${e.rel} relative`);
  }
});

test(`wasm Sum matches the cpu backend over leading, trailing and all axes${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  const cases: { x: number[]; axis: number[]; keepDims: boolean }[] = [
    { x: [32, 24, 24, 64], axis: [0, 1, 2], keepDims: false }, // a conv bias gradient
    { x: [5, 3, 7, 10], axis: [1, 0], keepDims: true }, // leading axes given out of order, odd widths
    { x: [6, 13], axis: [0], keepDims: false }, // a dense bias gradient
    { x: [4, 5, 6], axis: [2], keepDims: false }, // trailing: the stock path
    { x: [4, 5, 6], axis: [0, 1, 2], keepDims: false }, // everything: the stock path
  ];
  for (const c of cases) {
    await tf.setBackend('cpu');
    const xs = randn(c.x, 9);
    const ref = tf.sum(tf.tensor(xs, c.x), c.axis, c.keepDims);
    const [refData, refShape] = [ref.dataSync().slice() as Float32Array, ref.shape];
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => {
      const r = tf.sum(tf.tensor(xs, c.x), c.axis, c.keepDims);
      return { data: r.dataSync().slice() as Float32Array, shape: r.shape };
    });
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(got.shape, refShape, `sum ${JSON.stringify(c)} shape`);
    const e = maxAbsDiff(got.data, refData);
    t.diagnostic(`sum ${JSON.stringify(c)}: max abs err ${e.abs.toExponential(2)} (rel ${e.rel.toExponential(2)})`);
    assert.ok(e.rel < 1e-5, `sum ${JSON.stringify(c)} differs from cpu by ${e.rel} relative`);
  }
});

test(`wasm upsampling gradient (ResizeNearestNeighborGrad) sums each output block${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  await initBackend('wasm');
  // By hand: a 1×2×2×1 image upsampled ×2 to 4×4; dy = 1..16 row by row, so
  // dx[0,0] = 1+2+5+6 = 14, dx[0,1] = 3+4+7+8 = 22, dx[1,0] = 9+10+13+14 = 46, dx[1,1] = 11+12+15+16 = 54.
  const up = (x: tf.Tensor) => tf.image.resizeNearestNeighbor(x as tf.Tensor4D, [x.shape[1]! * 2, x.shape[2]! * 2]);
  const hand = tf.tidy(() => {
    const dy = tf.range(1, 17).reshape([1, 4, 4, 1]);
    return Array.from(tf.grad((x: tf.Tensor) => tf.sum(tf.mul(up(x), dy)))(tf.zeros([1, 2, 2, 1])).dataSync());
  });
  assert.deepEqual(hand, [14, 22, 46, 54]);
  // The conv AE's three upsamplings, and a factor that differs by axis. The
  // reference is the definition, gathered per input pixel: tfjs 4.22's cpu
  // backend is no reference here (for batch > 1 it returns wrong sums).
  const cases: { x: [number, number, number, number]; size: [number, number] }[] = [
    { x: [4, 4, 4, 8], size: [8, 8] },
    { x: [4, 8, 8, 8], size: [16, 16] },
    { x: [3, 14, 14, 16], size: [28, 28] },
    { x: [2, 5, 3, 3], size: [15, 6] },
  ];
  for (const c of cases) {
    const [n, h, w, ch] = c.x;
    const [oh, ow] = c.size;
    await tf.setBackend('cpu'); // drawn on cpu: randn's values must not be a view of wasm memory that later kernels reuse
    const dy = randn([n, oh, ow, ch], 22);
    const ref = new Float32Array(n * h * w * ch);
    const [sh, sw] = [oh / h, ow / w];
    for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < ch; k++) {
      let s = 0;
      for (let a = 0; a < sh; a++) for (let b = 0; b < sw; b++) s += dy[((i * oh + y * sh + a) * ow + x * sw + b) * ch + k];
      ref[((i * h + y) * w + x) * ch + k] = s;
    }
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const got = tf.tidy(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as tf.Tensor4D, c.size), tf.tensor(dy, [n, oh, ow, ch]))))(tf.zeros(c.x)).dataSync().slice()) as Float32Array;
    assert.equal(tf.memory().numTensors, before);
    const e = maxAbsDiff(got, ref);
    t.diagnostic(`upsampling ${JSON.stringify(c)}: max abs err ${e.abs.toExponential(2)}`);
    assert.ok(e.rel < 1e-6, `upsampling grad ${JSON.stringify(c)} differs by ${e.rel} relative`);
  }
});

test(`wasm upsampling (ResizeNearestNeighbor) copies each pixel into its block${gemmNote}`, async (t) => {
  tf.env().set('PROD', true);
  // Whole factors (our kernel for channels in whole vectors, stock otherwise), half-pixel centres
  // both ways, and a non-integer factor that must stay on the stock kernel.
  const cases: { x: [number, number, number, number]; size: [number, number]; halfPixel: boolean }[] = [
    { x: [3, 14, 14, 16], size: [28, 28], halfPixel: false },
    { x: [2, 4, 4, 8], size: [8, 12], halfPixel: true },
    { x: [2, 5, 3, 3], size: [15, 6], halfPixel: false },
    { x: [2, 4, 6, 4], size: [6, 9], halfPixel: false },
  ];
  for (const c of cases) {
    const [n, h, w, ch] = c.x;
    const [oh, ow] = c.size;
    await tf.setBackend('cpu');
    const xs = randn(c.x, 23);
    const up = () => tf.tidy(() => tf.image.resizeNearestNeighbor(tf.tensor4d(xs, c.x), c.size, false, c.halfPixel).dataSync().slice() as Float32Array);
    const ref = up();
    if (Number.isInteger(oh / h) && Number.isInteger(ow / w)) {
      // The definition, for whole factors: output (y, x) is input (⌊y/sh⌋, ⌊x/sw⌋).
      const [sh, sw] = [oh / h, ow / w];
      for (let i = 0; i < n; i++) for (let y = 0; y < oh; y++) for (let x = 0; x < ow; x++) for (let k = 0; k < ch; k++) {
        assert.equal(ref[((i * oh + y) * ow + x) * ch + k], xs[((i * h + Math.floor(y / sh)) * w + Math.floor(x / sw)) * ch + k]);
      }
    }
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const got = up();
    assert.equal(tf.memory().numTensors, before);
    const e = maxAbsDiff(got, ref);
    t.diagnostic(`upsampling forward ${JSON.stringify(c)}: max abs err ${e.abs.toExponential(2)}`);
    assert.equal(e.abs, 0, `upsampling ${JSON.stringify(c)} differs from cpu`);
  }
});

test(`wasm Add: a bias vector over the last axis (either side) in one pass, every other Add stock${gemmNote}`, async () => {
  tf.env().set('PROD', true);
  const cases: [number[], number[]][] = [
    [[3, 7, 5, 8], [8]], // a conv's bias
    [[16], [4, 6, 16]], // the vector first
    [[64, 12], [12]], // a dense layer's
    [[2, 3, 6], [6]], // channels not a multiple of 4: stock
    [[2, 3, 4], [2, 3, 4]], // same shapes: stock
    [[2, 3, 4], [3, 1]], // another broadcast: stock
  ];
  for (const [sa, sb] of cases) {
    await tf.setBackend('cpu');
    const av = randn(sa, 31);
    const bv = randn(sb, 32);
    const sum = () => tf.tidy(() => tf.add(tf.tensor(av, sa), tf.tensor(bv, sb)).dataSync().slice() as Float32Array);
    const ref = sum();
    await initBackend('wasm');
    const before = tf.memory().numTensors;
    const got = sum();
    assert.equal(tf.memory().numTensors, before);
    assert.deepEqual(Array.from(got), Array.from(ref), `${JSON.stringify(sa)} + ${JSON.stringify(sb)}`);
  }
});

test('wasm Identity and same-dtype Cast share memory; the source stays readable after the copy is disposed', async () => {
  await initBackend('wasm');
  const x = tf.tensor([1, 2, 3, 4], [2, 2]);
  const buffers = tf.memory().numDataBuffers;
  const c = tf.clone(x);
  const k = tf.cast(x, 'float32');
  assert.equal(tf.memory().numDataBuffers, buffers, 'no new buffer for a clone or a same-dtype cast');
  c.dispose();
  k.dispose();
  assert.deepEqual(Array.from(x.dataSync()), [1, 2, 3, 4]);
  const i = tf.cast(x, 'int32');
  assert.equal(i.dtype, 'int32');
  assert.deepEqual(Array.from(i.dataSync()), [1, 2, 3, 4]);
  tf.dispose([x, i]);
});

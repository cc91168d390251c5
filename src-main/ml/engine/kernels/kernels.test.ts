// The SIMD GEMM itself, outside tfjs: the committed binary is what its
// source assembles to, and every block shape and stride pattern gives the
// same numbers as a plain JavaScript triple loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import { assemble, KERNEL_SOURCES } from './assemble.js';
import type { DotFn, GemmFn } from './simd-kernels.js';
import { winogradSupported } from './winograd.js';
import type { ConvShape } from './gemm-kernels.js';


test('each committed .wasm is exactly what its WAT source assembles to (run `npm run build:kernels` after editing a source)', async () => {
  for (const file of Object.keys(KERNEL_SOURCES)) {
    const built = Buffer.from(await assemble(file));
    const committed = readFileSync(new URL(`./${file}`, import.meta.url));
    assert.ok(built.equals(committed), `${file} (${committed.length} bytes) differs from its assembled source (${built.length} bytes)`);
  }
});

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

interface Case {
  m: number;
  n: number;
  k1: number;
  k2: number;
  /** Strides in floats; A is read at i·ars + k1·as1 + k2·as2. */
  ars: number;
  as1: number;
  as2: number;
  bs1: number;
  bs2: number;
  crs: number;
  acc: 0 | 1;
}

const cases: Case[] = [
  // plain row-major, all block shapes (m = 4+2+1, n = 8 + 3 leftover columns)
  { m: 7, n: 11, k1: 1, k2: 5, ars: 5, as1: 0, as2: 1, bs1: 0, bs2: 11, crs: 11, acc: 0 },
  // transposed A (rows adjacent, k far apart), accumulate into C
  { m: 9, n: 16, k1: 1, k2: 6, ars: 1, as1: 0, as2: 9, bs1: 0, bs2: 16, crs: 16, acc: 1 },
  // two K levels with gaps, as the filter gradient walks (output row, column); C wider than n
  { m: 12, n: 24, k1: 3, k2: 4, ars: 1, as1: 40, as2: 6, bs1: 100, bs2: 24, crs: 30, acc: 1 },
  // a single row and a single column
  { m: 1, n: 1, k1: 2, k2: 3, ars: 1, as1: 3, as2: 1, bs1: 3, bs2: 1, crs: 1, acc: 0 },
  // 20 columns: two 8-wide panels and a 4-wide one (LeNet-5's 20 channels)
  { m: 12, n: 20, k1: 2, k2: 7, ars: 7, as1: 90, as2: 1, bs1: 140, bs2: 20, crs: 20, acc: 1 },
  // 14 columns: 8 + 4 + two scalar columns, swept four rows at a time, then single rows (m = 4·2 + 1)
  { m: 9, n: 14, k1: 1, k2: 5, ars: 6, as1: 0, as2: 1, bs1: 0, bs2: 14, crs: 16, acc: 1 },
  // one output column over many rows (a one-channel output convolution)
  { m: 10, n: 1, k1: 3, k2: 4, ars: 4, as1: 50, as2: 1, bs1: 4, bs2: 1, crs: 1, acc: 0 },
];

for (const file of ['kernels.wasm', 'kernels-fma.wasm']) {
test(`gemm (${file}) matches a JavaScript reference for every block shape, stride pattern and accumulate mode`, async () => {
  // The fused build needs relaxed SIMD, which Node 20 keeps behind this flag (simd-kernels.ts sets it the same way).
  if (file.includes('fma')) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const memory = new WebAssembly.Memory({ initial: 16 });
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL(`./${file}`, import.meta.url)), { env: { memory } });
  const gemm = instance.exports.gemm as GemmFn;
  const heap = new Float32Array(memory.buffer);
  const rand = lcg(7);
  for (const c of cases) {
    const aBase = 16;
    const bBase = 20_000;
    const cBase = 60_000;
    for (let i = 0; i < 100_000; i++) heap[i] = rand();
    const want = new Float32Array(c.m * c.n);
    for (let i = 0; i < c.m; i++) {
      for (let j = 0; j < c.n; j++) {
        let s = c.acc ? heap[cBase + i * c.crs + j] : 0;
        for (let p = 0; p < c.k1; p++) for (let q = 0; q < c.k2; q++) s += heap[aBase + i * c.ars + p * c.as1 + q * c.as2] * heap[bBase + p * c.bs1 + q * c.bs2 + j];
        want[i * c.n + j] = s;
      }
    }
    const past = heap[cBase + (c.m - 1) * c.crs + c.n]; // just past the last row's columns: must stay untouched
    gemm(c.m, c.n, c.k1, c.k2, aBase * 4, c.ars * 4, c.as1 * 4, c.as2 * 4, bBase * 4, c.bs1 * 4, c.bs2 * 4, cBase * 4, c.crs * 4, c.acc);
    let worst = 0;
    for (let i = 0; i < c.m; i++) for (let j = 0; j < c.n; j++) worst = Math.max(worst, Math.abs(heap[cBase + i * c.crs + j] - want[i * c.n + j]));
    assert.ok(worst < 1e-5, `${JSON.stringify(c)}: max error ${worst}`);
    assert.equal(heap[cBase + (c.m - 1) * c.crs + c.n], past, `${JSON.stringify(c)}: wrote past the block`);
  }
});

test(`dot (${file}) matches a JavaScript reference, four-row blocks, single rows and accumulate`, async () => {
  if (file.includes('fma')) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const memory = new WebAssembly.Memory({ initial: 4 });
  const { instance } = await WebAssembly.instantiate(readFileSync(new URL(`./${file}`, import.meta.url)), { env: { memory } });
  const dot = instance.exports.dot as DotFn;
  const heap = new Float32Array(memory.buffer);
  const rand = lcg(11);
  // m = 4 + 4 + 3 single rows; K = 3 rows of 12 (3 vectors), A's rows 20 floats apart, its K rows 50
  const m = 11, k1 = 3, k2 = 12, ars = 20, as1 = 50, bs1 = 16, crs = 2;
  const aBase = 8, bBase = 1000, cBase = 2000;
  for (let i = 0; i < 3000; i++) heap[i] = rand();
  for (const acc of [0, 1] as const) {
    const want = Array.from({ length: m }, (_, i) => {
      let s = acc ? heap[cBase + i * crs] : 0;
      for (let p = 0; p < k1; p++) for (let q = 0; q < k2; q++) s += heap[aBase + i * ars + p * as1 + q] * heap[bBase + p * bs1 + q];
      return s;
    });
    const between = heap[cBase + 1]; // C's stride skips this float: must stay untouched
    dot(m, k1, k2 / 4, aBase * 4, ars * 4, as1 * 4, bBase * 4, bs1 * 4, cBase * 4, crs * 4, acc);
    for (let i = 0; i < m; i++) assert.ok(Math.abs(heap[cBase + i * crs] - want[i]) < 1e-5, `acc ${acc}, row ${i}: ${heap[cBase + i * crs]} vs ${want[i]}`);
    assert.equal(heap[cBase + 1], between);
  }
});
}

test('Winograd F(2,3) is chosen exactly for 3×3 stride-1 convolutions with even outputs and channels in whole vectors', () => {
  const shape = (outH: number, outW: number, stride = 1, dilation = 1): ConvShape => ({ strides: [stride, stride], dilations: [dilation, dilation], top: 0, bottom: 0, left: 0, right: 0, outH, outW });
  // the seed teacher's Conv2 forward (26×26×32 → 24×24×64) and its input gradient (28×28×64 padded dy → 26×26×32)
  assert.equal(winogradSupported([3, 3, 32, 64], shape(24, 24)), true);
  assert.equal(winogradSupported([3, 3, 64, 32], shape(26, 26)), true);
  assert.equal(winogradSupported([3, 3, 1, 32], shape(26, 26)), false, 'Conv1: one input channel');
  assert.equal(winogradSupported([3, 3, 32, 64], shape(7, 7)), false, 'odd output');
  assert.equal(winogradSupported([3, 3, 32, 64], shape(12, 12, 2)), false, 'stride 2');
  assert.equal(winogradSupported([3, 3, 32, 64], shape(24, 24, 1, 2)), false, 'dilated');
  assert.equal(winogradSupported([5, 5, 32, 64], shape(24, 24)), false, '5×5');
  assert.equal(winogradSupported([3, 3, 32, 10], shape(24, 24)), false, 'output channels not a multiple of 4');
});

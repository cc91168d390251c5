// `npm run bench -- gemm`: our SIMD GEMM (kernels.wasm) against its fused
// multiply-add build (kernels-fma.wasm), in one process on one memory,
// interleaved, best of several rounds: GFLOP/s per shape and the ratio.
// The shapes are the ones training spends its time in (see `bench profile`).
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import type { GemmFn } from '../ml/engine/kernels/simd-kernels.js';
import { gemmBlocked } from '../ml/engine/kernels/blocked-gemm.js';

interface Shape {
  label: string;
  m: number;
  n: number;
  k: number;
}

const SHAPES: Shape[] = [
  { label: 'square 256', m: 256, n: 256, k: 256 },
  { label: 'square 512', m: 512, n: 512, k: 512 },
  { label: 'dense 64×784 · 784×1200', m: 64, n: 1200, k: 784 },
  { label: 'dense 64×9216 · 9216×128 (teacher)', m: 64, n: 128, k: 9216 },
  { label: 'columns 1568×2304 · 2304×512', m: 1568, n: 512, k: 2304 },
  { label: 'conv row, 12 px, K 1250 → 20 ch', m: 12, n: 20, k: 1250 },
  { label: 'conv row, 24 px, K 25 → 20 ch', m: 24, n: 20, k: 25 },
  { label: 'output layer 64×500 · 500×10', m: 64, n: 10, k: 500 },
  { label: 'one channel out, 28 px, K 288', m: 28, n: 1, k: 288 },
];

type DotFn = (m: number, k1: number, k2v: number, a: number, ars: number, as1: number, b: number, bs1: number, c: number, crs: number, acc: number) => void;

function load(file: string, memory: WebAssembly.Memory): { gemm: GemmFn; dot: DotFn } {
  const bytes = readFileSync(new URL(`../ml/engine/kernels/${file}`, import.meta.url));
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
  return { gemm: exports.gemm as GemmFn, dot: exports.dot as DotFn };
}

/** GFLOP/s of a call doing `flops`, repeated for ~50 ms, best of `rounds`. */
function rate(call: () => void, flops: number, rounds: number): number {
  const calls = Math.max(1, Math.round(5e8 / flops));
  let best = 0;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) call();
    best = Math.max(best, (flops * calls) / (performance.now() - t0) / 1e6);
  }
  return best;
}

const F = 4;

/** GFLOP/s of one row-major product of shape `s`, in one kernel call or in cache blocks (blocked-gemm.ts). */
function time(gemm: GemmFn, s: Shape, rounds: number, blocked = false): number {
  const b = s.m * s.k * F;
  const c = b + s.k * s.n * F;
  const call = blocked
    ? () => gemmBlocked({ gemm }, s.m, s.n, s.k, 0, s.k * F, F, b, s.n * F, c, s.n * F, 0)
    : () => gemm(s.m, s.n, 1, s.k, 0, s.k * F, 0, F, b, 0, s.n * F, c, s.n * F, 0);
  return rate(call, 2 * s.m * s.n * s.k, rounds);
}

export function gemmBench(rounds: number): void {
  v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  const memory = new WebAssembly.Memory({ initial: 1024 }); // 64 MiB: the column product's operands
  const data = new Float32Array(memory.buffer);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  const plain = load('kernels.wasm', memory);
  const fma = load('kernels-fma.wasm', memory);
  console.log(`# our GEMM on one core, GFLOP/s (best of ${rounds}); fma = relaxed SIMD f32x4.relaxed_madd; blocked = fma in 64-row × 256-k cache blocks`);
  for (const s of SHAPES) {
    let p = 0;
    let f = 0;
    let fb = 0;
    // Interleaved, so load from other processes hits all alike.
    for (let r = 0; r < rounds; r++) {
      p = Math.max(p, time(plain.gemm, s, 1));
      f = Math.max(f, time(fma.gemm, s, 1));
      fb = Math.max(fb, time(fma.gemm, s, 1, true));
    }
    console.log(`${s.label.padEnd(36)} plain=${p.toFixed(1)} fma=${f.toFixed(1)} blocked=${fb.toFixed(1)} fma/plain=${(f / p).toFixed(2)} blocked/fma=${(fb / f).toFixed(2)}`);
  }
  // A one-channel convolution row (the conv AE's last layer: 28 pixels, 3 rows of 3·16 taps) through
  // the GEMM (one scalar column) and through `dot` (vectors along K), as convForward chooses.
  const [m, k1, k2] = [28, 3, 48];
  const flops = 2 * m * k1 * k2;
  let g = 0;
  let d = 0;
  for (let r = 0; r < rounds; r++) {
    g = Math.max(g, rate(() => fma.gemm(m, 1, k1, k2, 0, 16 * F, 30 * 16 * F, F, 1 << 20, k2 * F, F, 2 << 20, F, 0), flops, 1));
    d = Math.max(d, rate(() => fma.dot(m, k1, k2 / 4, 0, 16 * F, 30 * 16 * F, 1 << 20, k2 * F, 2 << 20, F, 0), flops, 1));
  }
  console.log(`${'one-channel conv row: gemm vs dot'.padEnd(36)} gemm=${g.toFixed(1)} dot=${d.toFixed(1)} ratio=${(d / g).toFixed(2)}`);
}

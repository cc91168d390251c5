// Loads our kernels (kernels-fma.wasm where the engine compiles relaxed SIMD,
// else kernels.wasm; see gemm-wat.ts) into the wasm backend's own memory, so
// the kernels read and write tensors where tfjs keeps them.
import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import type { TensorInfo } from '@tensorflow/tfjs';

/**
 * C[i, j] (+)= Σ_{k1<K1, k2<K2} A[i, k1, k2] · B[k1, k2, j]. Addresses and
 * strides in bytes; B and C contiguous along j. `acc` 1 adds to C, 0 overwrites.
 */
export type GemmFn = (
  m: number, n: number, k1: number, k2: number,
  a: number, aRowStride: number, aK1Stride: number, aK2Stride: number,
  b: number, bK1Stride: number, bK2Stride: number,
  c: number, cRowStride: number, acc: 0 | 1,
) => void;

/** The parts of the wasm backend the kernels use (not in its public types). */
interface WasmBackendInternals {
  wasm?: { asm?: { memory?: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } | undefined };
}

/**
 * C[i] (+)= Σ_{k1<K1} Σ_{k2<4·K2V} A[i, k1, k2] · B[k1, k2]: one output column, A and
 * B contiguous along k2 (addresses and strides in bytes, K2 in 4-float vectors).
 */
export type DotFn = (m: number, k1: number, k2v: number, a: number, aRowStride: number, aK1Stride: number, b: number, bK1Stride: number, c: number, cRowStride: number, acc: 0 | 1) => void;

export type MaxPoolGrad2x2Fn = (x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number) => void;

/** Nearest-neighbour upsampling by whole factors, or its gradient (upsample-wat.ts); `rows` = N·H input rows. */
export type UpsampleFn = (from: number, to: number, rows: number, w: number, c: number, sh: number, sw: number) => void;

export type MaxPoolGradFn = (x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, oh: number, ow: number, fh: number, fw: number, sh: number, sw: number, top: number, left: number) => void;

/** For each of n images and `rows` rows: rowBytes bytes from src to dst, strides in bytes (copy-wat.ts). */
export type CopyRowsFn = (src: number, srcImage: number, srcRow: number, dst: number, dstImage: number, dstRow: number, n: number, rows: number, rowBytes: number) => void;

/** out[r, :] = x[r, :] + bias for x viewed as [rows, c], c a multiple of 4 (bias-wat.ts). */
export type BiasAddFn = (x: number, bias: number, out: number, rows: number, c: number) => void;

export type WinoTransformFn = (src: number, dst: number, n: number, h: number, w: number, c: number, th: number, tw: number) => void;

export interface SimdKernels {
  /** Winograd F(2×2, 3×3) input and output transforms (winograd-wat.ts). */
  winoInput: WinoTransformFn;
  winoOutput: WinoTransformFn;
  gemm: GemmFn;
  dot: DotFn;
  upsample: UpsampleFn;
  copyRows: CopyRowsFn;
  /** copyRows' walk, adding into dst. */
  addRows: CopyRowsFn;
  biasAdd: BiasAddFn;
  upsampleGrad: UpsampleFn;
  /** 2×2 stride-2 unpadded max-pool gradient, channels a multiple of 4 (pool-wat.ts). */
  maxPoolGrad2x2: MaxPoolGrad2x2Fn;
  /** Max-pool gradient for any window, stride and top/left padding, channels a multiple of 4; zeroes dx first (pool-wat.ts). */
  maxPoolGrad: MaxPoolGradFn;
  /** Byte address of a tensor's data in the backend's memory. */
  address(t: TensorInfo): number;
}

let compiled: WebAssembly.Module | null | undefined;
const perBackend = new WeakMap<object, SimdKernels | null>();

/** Why the GEMM is unavailable, if it is (reported once by the backend picker). */
export let simdKernelsUnavailable: string | null = null;

/** `DISTILLERY_WASM_GEMM=0` turns our GEMM off (stock XNNPACK paths), for comparisons. */
export const simdKernelsDisabled = () => process.env.DISTILLERY_WASM_GEMM === '0';

/** `DISTILLERY_WASM_FMA=0` keeps separate multiplies and adds (kernels.wasm), for comparisons. */
const fmaDisabled = () => process.env.DISTILLERY_WASM_FMA === '0';

/** Whether the loaded kernels use fused multiply-adds (kernels-fma.wasm); recorded with a run's backend. */
export let simdKernelsFma = false;

/**
 * kernels-fma.wasm, if this engine compiles relaxed SIMD. Chromium (so
 * Electron) ships it; Node 20's V8 has it behind a flag, which only widens
 * the instructions wasm may use, so it is set here, before compiling.
 */
function compileFma(): WebAssembly.Module | null {
  if (fmaDisabled()) return null;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = new Uint8Array(readFileSync(new URL('./kernels-fma.wasm', import.meta.url)));
  } catch {
    return null; // a package without it still runs kernels.wasm
  }
  try {
    return new WebAssembly.Module(bytes);
  } catch {
    try {
      // Node documents flags set after start-up as unsupported; this one only
      // enables a wasm feature for modules compiled from now on, and
      // wasm-kernels.test.ts checks the fused build really is the one loaded.
      v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
      return new WebAssembly.Module(bytes);
    } catch {
      return null;
    }
  }
}

function compile(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  if (simdKernelsDisabled()) {
    simdKernelsUnavailable = 'turned off by DISTILLERY_WASM_GEMM=0';
    return (compiled = null);
  }
  try {
    const fma = compileFma();
    simdKernelsFma = fma !== null;
    compiled = fma ?? new WebAssembly.Module(readFileSync(new URL('./kernels.wasm', import.meta.url)));
  } catch (e) {
    simdKernelsUnavailable = `kernels.wasm does not load (${(e as Error).message})`;
    compiled = null;
  }
  return compiled;
}

/**
 * Whether our GEMM loads for the wasm backend in use: the name of the path
 * for the run record, or the reason it does not.
 */
export function simdKernelsStatus(backend: object): { ok: true } | { ok: false; reason: string } {
  return simdKernelsFor(backend) ? { ok: true } : { ok: false, reason: simdKernelsUnavailable ?? 'unknown' };
}

/** The GEMM bound to `backend`'s memory, or null (then callers use stock kernels). */
export function simdKernelsFor(backend: object): SimdKernels | null {
  if (perBackend.has(backend)) return perBackend.get(backend)!;
  const internals = backend as unknown as WasmBackendInternals;
  const memory = internals.wasm?.asm?.memory;
  const mod = compile();
  let result: SimdKernels | null = null;
  if (!memory) simdKernelsUnavailable ??= 'the wasm backend does not expose its memory (tfjs version changed?)';
  else if (mod) {
    // Memory growth replaces memory.buffer but not the Memory object, so the
    // instance stays valid for the backend's lifetime.
    const instance = new WebAssembly.Instance(mod, { env: { memory } });
    result = {
      gemm: instance.exports.gemm as GemmFn,
      dot: instance.exports.dot as DotFn,
      upsample: instance.exports.upsample as UpsampleFn,
      copyRows: instance.exports.copyRows as CopyRowsFn,
      addRows: instance.exports.addRows as CopyRowsFn,
      biasAdd: instance.exports.biasAdd as BiasAddFn,
      upsampleGrad: instance.exports.upsampleGrad as UpsampleFn,
      maxPoolGrad2x2: instance.exports.maxPoolGrad2x2 as MaxPoolGrad2x2Fn,
      maxPoolGrad: instance.exports.maxPoolGrad as MaxPoolGradFn,
      winoInput: instance.exports.winoInput as WinoTransformFn,
      winoOutput: instance.exports.winoOutput as WinoTransformFn,
      address: (t) => {
        const d = internals.dataIdMap.get(t.dataId);
        if (!d) throw new Error('tensor data is not in the wasm backend');
        return d.memoryOffset;
      },
    };
  }
  perBackend.set(backend, result);
  return result;
}

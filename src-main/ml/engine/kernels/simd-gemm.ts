// Loads kernels.wasm (see gemm-wat.ts) into the wasm backend's own memory,
// so the GEMM reads and writes tensors where tfjs keeps them.
import { readFileSync } from 'node:fs';
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

export interface SimdGemm {
  gemm: GemmFn;
  /** Byte address of a tensor's data in the backend's memory. */
  address(t: TensorInfo): number;
}

let compiled: WebAssembly.Module | null | undefined;
const perBackend = new WeakMap<object, SimdGemm | null>();

/** Why the GEMM is unavailable, if it is (reported once by the backend picker). */
export let simdGemmUnavailable: string | null = null;

/** `DISTILLERY_WASM_GEMM=0` turns our GEMM off (stock XNNPACK paths), for comparisons. */
export const simdGemmDisabled = () => process.env.DISTILLERY_WASM_GEMM === '0';

function compile(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  if (simdGemmDisabled()) {
    simdGemmUnavailable = 'turned off by DISTILLERY_WASM_GEMM=0';
    return (compiled = null);
  }
  try {
    compiled = new WebAssembly.Module(readFileSync(new URL('./kernels.wasm', import.meta.url)));
  } catch (e) {
    simdGemmUnavailable = `kernels.wasm does not load (${(e as Error).message})`;
    compiled = null;
  }
  return compiled;
}

/**
 * Whether our GEMM loads for the wasm backend in use: the name of the path
 * for the run record, or the reason it does not.
 */
export function simdGemmStatus(backend: object): { ok: true } | { ok: false; reason: string } {
  return simdGemmFor(backend) ? { ok: true } : { ok: false, reason: simdGemmUnavailable ?? 'unknown' };
}

/** The GEMM bound to `backend`'s memory, or null (then callers use stock kernels). */
export function simdGemmFor(backend: object): SimdGemm | null {
  if (perBackend.has(backend)) return perBackend.get(backend)!;
  const internals = backend as unknown as WasmBackendInternals;
  const memory = internals.wasm?.asm?.memory;
  const mod = compile();
  let result: SimdGemm | null = null;
  if (!memory) simdGemmUnavailable ??= 'the wasm backend does not expose its memory (tfjs version changed?)';
  else if (mod) {
    // Memory growth replaces memory.buffer but not the Memory object, so the
    // instance stays valid for the backend's lifetime.
    const instance = new WebAssembly.Instance(mod, { env: { memory } });
    const gemm = instance.exports.gemm as GemmFn;
    result = {
      gemm,
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

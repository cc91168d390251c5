// WAT → wasm with wabt (a dev dependency: only the build script and a test use it).
import wabtInit from 'wabt';
import { DEFAULT_SHAPE, kernelsWat } from './gemm-wat.js';
import { adamWat } from './adam-wat.js';

/** Each committed binary (next to this file) and the source it is assembled from. */
export const KERNEL_SOURCES: Record<string, () => string> = {
  'kernels.wasm': () => kernelsWat(DEFAULT_SHAPE, { fma: false }),
  // The same kernels with fused multiply-adds (relaxed SIMD): loaded first where the engine accepts them.
  'kernels-fma.wasm': () => kernelsWat(DEFAULT_SHAPE, { fma: true }),
  'adam.wasm': adamWat,
};

export async function assemble(file: string): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const features = { simd: true, threads: true, relaxed_simd: true, bulk_memory: true };
  const mod = wabt.parseWat(file.replace('.wasm', '.wat'), KERNEL_SOURCES[file](), features);
  try {
    (mod.validate as (f: typeof features) => void)(features);
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

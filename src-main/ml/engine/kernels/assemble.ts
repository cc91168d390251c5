// WAT → wasm with wabt (a dev dependency: only the build script and a test use it).
import wabtInit from 'wabt';
import { kernelsWat } from './gemm-wat.js';

export async function assembleKernels(): Promise<Uint8Array> {
  const wabt = await wabtInit();
  const mod = wabt.parseWat('kernels.wat', kernelsWat(), { simd: true });
  try {
    mod.validate();
    return mod.toBinary({}).buffer;
  } finally {
    mod.destroy();
  }
}

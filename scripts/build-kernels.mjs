// Assembles src-main/ml/engine/kernels/kernels.wasm from its WAT source
// (gemm-wat.ts). Run after editing the source: `npm run build:kernels`.
// The binary is committed so that installs need no assembler; a test
// checks that it matches the source.
import { writeFileSync } from 'node:fs';
import { assembleKernels } from '../src-main/ml/engine/kernels/assemble.ts';

const out = new URL('../src-main/ml/engine/kernels/kernels.wasm', import.meta.url);
const bytes = await assembleKernels();
writeFileSync(out, bytes);
console.log(`wrote ${out.pathname} (${bytes.length} bytes)`);

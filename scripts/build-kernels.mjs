// Assembles the wasm kernels in src-main/ml/engine/kernels/ from their WAT
// sources (*-wat.ts). Run after editing a source: `npm run build:kernels`.
// The binaries are committed so that installs need no assembler; a test
// checks that they match the sources.
import { writeFileSync } from 'node:fs';
import { assemble, KERNEL_SOURCES } from '../src-main/ml/engine/kernels/assemble.ts';

for (const file of Object.keys(KERNEL_SOURCES)) {
  const out = new URL(`../src-main/ml/engine/kernels/${file}`, import.meta.url);
  const bytes = await assemble(file);
  writeFileSync(out, bytes);
  console.log(`wrote ${out.pathname} (${bytes.length} bytes)`);
}

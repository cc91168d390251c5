// The same checks as wasm-kernels.test.ts with our SIMD GEMM turned off, so
// the XNNPACK-based fallback (used where kernels.wasm cannot load) stays right.
process.env.DISTILLERY_WASM_GEMM = '0';
await import('./wasm-kernels.test.js');

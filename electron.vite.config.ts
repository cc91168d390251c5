// Builds the Electron main process, the preload script and the Svelte
// renderer into out/. Serve mode serves out/renderer as it is.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: { entry: resolve('src-main/app/main.ts') },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only 'electron': bundle everything else (zod).
      externalizeDeps: false,
      lib: { entry: resolve('src-main/app/preload.ts') },
      rollupOptions: { output: { format: 'cjs' } },
    },
  },
  renderer: {
    root: 'src-renderer',
    base: './',
    plugins: [svelte()],
    build: {
      outDir: resolve('out/renderer'),
      emptyOutDir: true,
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});

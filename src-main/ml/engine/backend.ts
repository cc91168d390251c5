// Picks the TensorFlow.js backend: native TensorFlow (CUDA, then CPU build)
// → WebGPU on a hardware adapter (webgpu.ts) → wasm with our training
// kernels → pure-JS cpu. The first that loads wins
// unless the user forces one. Native packages are optional dependencies and
// often missing or broken (their install downloads libtensorflow), so a
// failure is logged once with its reason and the chain moves on.
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-kernels.js';
import { simdKernelsFma, simdKernelsStatus } from './kernels/simd-kernels.js';
import { activateTfjsWebgpu, describeAdapter, findWebgpuAdapter, type GpuAdapterSummary } from './webgpu.js';

export const BACKENDS = ['tensorflow', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendInfo {
  backend: BackendName;
  /** Human-readable device, e.g. "CUDA GPU", "CPU (wasm SIMD, 1 thread)". */
  device: string;
  /** tfjs-core version plus the native binding's package when used. */
  version: string;
  /** The WebGPU adapter, on the webgpu backend. */
  adapter?: GpuAdapterSummary;
}

export interface InitOptions {
  /** Let the webgpu backend take a software adapter (SwiftShader); for tests. */
  allowSoftwareGpu?: boolean;
}

/** `warn` when something installed is broken; `info` when it is simply not installed. */
type Log = (message: string, level: 'info' | 'warn') => void;

function isNotInstalled(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

async function tryTensorflow(log: Log): Promise<BackendInfo | null> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(pkg);
      if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") returned false');
      await tf.ready();
      const gpu = pkg.endsWith('-gpu') && (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
      return { backend: 'tensorflow', device: gpu ? 'CUDA GPU' : 'CPU (libtensorflow)', version: `${pkg}@${tf.version_core}` };
    } catch (e) {
      if (isNotInstalled(e)) log(`backend: ${pkg} is not installed; trying the next backend`, 'info');
      else log(`backend: ${pkg} is installed but does not load (${firstLine(e)}); trying the next backend`, 'warn');
    }
  }
  return null;
}

async function tryWebgpu(log: Log, allowSoftware: boolean, forced: boolean): Promise<BackendInfo | null> {
  try {
    const found = await findWebgpuAdapter(allowSoftware, log);
    if (!found.ok) {
      log(`backend: webgpu is passed over: ${found.reason}${forced ? '' : '; trying the next backend'}`, found.notInstalled ? 'info' : forced ? 'warn' : 'info');
      return null;
    }
    const version = await activateTfjsWebgpu(found, tf);
    return { backend: 'webgpu', device: describeAdapter(found.adapter), version, adapter: found.adapter };
  } catch (e) {
    log(`backend: webgpu does not load (${firstLine(e)}); trying the next backend`, 'warn');
    return null;
  }
}

async function tryWasm(log: Log): Promise<BackendInfo | null> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
    await tf.ready();
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const gemm = simdKernelsStatus(tf.backend());
    if (!gemm.ok) log(`backend: Distillery's wasm GEMM is not used (${gemm.reason}); training falls back to XNNPACK paths, several times slower`, 'warn');
    const kernels = gemm.ok ? `, Distillery GEMM${simdKernelsFma ? ' with FMA' : ''}` : '';
    return { backend: 'wasm', device: `CPU (wasm${simd ? ' SIMD' : ''}${kernels}, 1 thread)`, version: `tfjs-backend-wasm@${wasm.version_wasm}` };
  } catch (e) {
    log(`backend: wasm does not load (${firstLine(e)}); trying the next backend`, 'warn');
    return null;
  }
}

async function tryCpu(): Promise<BackendInfo> {
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
  return { backend: 'cpu', device: 'CPU (JavaScript)', version: `tfjs-core@${tf.version_core}` };
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0];
}

/**
 * Initializes the backend. With `force`, only that backend is tried and a
 * failure is an error; otherwise the chain runs in order.
 */
export async function initBackend(force?: BackendName, log: Log = () => {}, opts: InitOptions = {}): Promise<BackendInfo> {
  // tfjs prints a banner about tfjs-node on every start; it is noise for us.
  tf.env().set('PROD', true);
  if (force === 'tensorflow') {
    const r = await tryTensorflow(log);
    if (!r) throw new Error('backend "tensorflow" was forced but neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads');
    return r;
  }
  if (force === 'webgpu') {
    const r = await tryWebgpu(log, opts.allowSoftwareGpu === true, true);
    if (!r) throw new Error(`backend "webgpu" was forced but no usable WebGPU adapter was found${opts.allowSoftwareGpu ? '' : ' (a software one such as SwiftShader needs --allow-software-gpu)'}; see the log`);
    return r;
  }
  if (force === 'wasm') {
    const r = await tryWasm(log);
    if (!r) throw new Error('backend "wasm" was forced but @tensorflow/tfjs-backend-wasm does not load');
    return r;
  }
  if (force === 'cpu') return tryCpu();
  return (await tryTensorflow(log)) ?? (await tryWebgpu(log, opts.allowSoftwareGpu === true, false)) ?? (await tryWasm(log)) ?? tryCpu();
}

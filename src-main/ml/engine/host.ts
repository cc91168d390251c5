// Synchronous reads (dataSync, arraySync) cannot work on the webgpu backend
// under Node: tfjs-backend-webgpu reads synchronously through an
// OffscreenCanvas, which Node lacks, and Dawn's buffer mapping only finishes
// on the event loop. Training and per-epoch evaluation on webgpu read
// asynchronously (gpu-train.ts, latent-trainer.ts); code written around
// synchronous reads (the latent models' pictures and likelihood estimates
// after training, compression analyses) runs on the host backend (wasm, else
// cpu) through these helpers.
//
// Moving between backends: tfjs moves a tensor lazily, with a synchronous read
// on the backend that holds it. An async read caches a webgpu tensor's values
// on the host, so every variable is read once (asynchronously) before leaving
// webgpu; coming back, wasm's synchronous reads are fine.
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-kernels.js';

let hostName: 'wasm' | 'cpu' | null = null;

/** The backend for synchronous code: wasm with our kernels where it loads, else cpu. Registers it once. */
export async function hostBackend(): Promise<'wasm' | 'cpu'> {
  if (hostName) return hostName;
  try {
    await import('@tensorflow/tfjs-backend-wasm');
    registerWasmTrainingKernels();
    if (tf.findBackendFactory('wasm')) return (hostName = 'wasm');
  } catch {
    // wasm does not load: cpu below.
  }
  await import('@tensorflow/tfjs-backend-cpu');
  return (hostName = 'cpu');
}

/** Reads every variable's values once (asynchronously), so a backend switch can move them synchronously. */
export async function cacheVariablesOnHost(): Promise<void> {
  await Promise.all(Object.values(tf.engine().registeredVariables).map((v) => v.data()));
}

/** Makes `name` the backend, first caching the variables when leaving webgpu. */
export async function switchBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  if (tf.getBackend() === 'webgpu') await cacheVariablesOnHost();
  if (!(await tf.setBackend(name))) throw new Error(`setBackend("${name}") returned false`);
}

/** Runs `f` on `name` (variables follow), then returns to the backend before. */
export async function runOn<T>(name: string, f: () => T | Promise<T>): Promise<T> {
  const before = tf.getBackend();
  if (before === name) return f();
  await switchBackend(name);
  try {
    return await f();
  } finally {
    await switchBackend(before);
  }
}

/** Runs synchronous-reading code: on the host backend when the current one is webgpu, else where it is. */
export async function onHost<T>(f: () => T | Promise<T>): Promise<T> {
  return tf.getBackend() === 'webgpu' ? runOn(await hostBackend(), f) : f();
}

/** From here on (e.g. after training), synchronous code runs on the host backend; returns the backend left. */
export async function leaveWebgpu(): Promise<string> {
  const before = tf.getBackend();
  if (before === 'webgpu') await switchBackend(await hostBackend());
  return before;
}

// Data-parallel training on two cores. The wasm backend runs one thread, so
// a training step uses one core of a laptop. Here every batch is split in
// two: this thread computes the gradients of one half while a worker thread
// (its own TensorFlow.js) computes the other half's; the gradients are
// averaged (weighted by the halves' sizes, which is exactly the gradient of
// the whole batch's mean loss) and applied once, here, by FlatAdam (one SIMD
// pass). Weights, gradients (in FlatAdam's shared WebAssembly memory) and
// the training and test images live in shared memory, so nothing large is
// copied through messages.
//
// Two trainers use it: the classifiers' (classifier-trainer.ts; after each
// epoch the worker also evaluates half of the test set, and its dropout
// stream is saved in checkpoints) and the plain autoencoder's
// (latent-trainer.ts, `task` 'autoencoder': the mean reconstruction loss,
// whose halves weigh by their image counts since every image has the same
// number of pixels; no random draws, so nothing of the worker's goes into a
// checkpoint; the test set is evaluated on this thread). The VAEs and
// ae-distill stay on one core (see latent-trainer.ts).
import * as tf from '@tensorflow/tfjs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import type { Split } from '../data/datasets.js';
import type { Augment } from './trainer-options.js';
import type { Backend as WasmBackend } from '../engine/kernels/gemm-kernels.js';

/** The autoencoder's loss for the worker: reconstruction logits are the output of the model's layer 'logits'. */
export interface AutoencoderTask {
  kind: 'autoencoder';
  loss: 'bce' | 'mse';
  /** Shape of one image as the model takes it: [28, 28, 1] (conv) or [784] (dense). */
  inputShape: number[];
}

export interface ParallelInit {
  modelTopology: unknown;
  /** What a half batch's loss is: a classifier's (absent) or an autoencoder's reconstruction loss. */
  task?: AutoencoderTask;
  /** Distillation: the teacher's logits per training image (shared), and the softening. */
  teacher?: { logits: Float32Array; temperature: number; alpha: number };
  pixels: Float32Array;
  labels: Uint8Array;
  rows: number;
  cols: number;
  /** Shared, the test split: the worker evaluates part of it after each epoch (classifiers only). */
  test?: { pixels: Float32Array; labels: Uint8Array; rows: number; cols: number };
  /** Shared, the model's trainable weights in order, flattened. */
  weights: Float32Array;
  /** Shared, the worker's gradients in the same layout. */
  grads: Float32Array;
  seed: number;
  /** Training-time augmentation (seeded per image and epoch: both threads augment alike). */
  augment?: Augment;
  backend?: string;
}

export interface HalfResult {
  loss: number;
  hits: number;
}

export interface EvalResult {
  correct: number;
  lossSum: number;
}

/** Copies a Split into shared memory once, so the worker reads the same images. */
export function shareSplit(split: Split): { pixels: Float32Array; labels: Uint8Array } {
  const pixels = new Float32Array(new SharedArrayBuffer(split.pixels.byteLength));
  pixels.set(split.pixels);
  const labels = new Uint8Array(new SharedArrayBuffer(split.labels.byteLength));
  labels.set(split.labels);
  return { pixels, labels };
}

/**
 * Whether a model is worth splitting across two cores: convolutional models
 * are (`npm run bench -- train` prints the gain); small dense ones are not (the
 * weight and gradient exchange costs more than half a step).
 */
export function worthParallel(model: tf.LayersModel, backend: string): boolean {
  return backend === 'wasm' && os.availableParallelism() >= 2 && model.layers.some((l) => l.getClassName() === 'Conv2D');
}

export function flatSize(vars: tf.Variable[]): number {
  return vars.reduce((n, v) => n + v.size, 0);
}

/** Writes variables' values into a flat buffer, in order. */
export function writeFlat(vars: tf.Variable[], into: Float32Array): void {
  let off = 0;
  for (const v of vars) {
    const d = v.dataSync() as Float32Array;
    into.set(d, off);
    off += d.length;
  }
}

/**
 * Writes each variable's gradient into a flat buffer, in the variables' order
 * (every trainer's step on FlatAdam/FlatSgd). On wasm a gradient is read as a
 * view of the backend's heap and copied at once, before any kernel can move
 * the heap: dataSync would allocate a copy per variable per step for the
 * garbage collector. A variable the loss does not reach gets a zero gradient.
 */
export function writeFlatGrads(vars: tf.Variable[], grads: tf.NamedTensorMap, into: Float32Array): void {
  const heap = tf.getBackend() === 'wasm' ? (tf.backend() as WasmBackend) : null;
  let off = 0;
  for (const v of vars) {
    const g = grads[v.name];
    if (g) into.set(heap ? heap.typedArrayFromHeap(g) : (g.dataSync() as Float32Array), off);
    else into.fill(0, off, off + v.size);
    off += v.size;
  }
}

/** Assigns a flat buffer's values to variables, in order. */
export function readFlat(vars: tf.Variable[], from: Float32Array): void {
  let off = 0;
  // wasm copies a new tensor's values into its heap; cpu keeps the array it is given, which would
  // alias the buffer (and every clone of the variable with it) to the next step's in-place update.
  const copy = tf.getBackend() === 'cpu';
  tf.tidy(() => {
    for (const v of vars) {
      const values = from.subarray(off, off + v.size);
      v.assign(tf.tensor(copy ? values.slice() : values, v.shape));
      off += v.size;
    }
  });
}

function workerEntry(): { url: URL; execArgv: string[] } {
  const js = new URL('./gradient-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, execArgv: [] };
  return { url: new URL('./gradient-worker-entry.mjs', import.meta.url), execArgv: [] };
}

/** The second core: a worker thread that computes gradients of its half batch. */
export class GradientWorker {
  /** Worker threads started and not yet closed, in this thread (tests check that trainers end theirs). */
  static running = 0;
  private worker: Worker;
  private closed = false;
  // One request at a time: a step or an evaluation.
  private pending: { resolve: (r: never) => void; reject: (e: Error) => void } | null = null;
  private failed: Error | null = null;
  readonly ready: Promise<void>;

  constructor(init: ParallelInit) {
    const entry = workerEntry();
    this.worker = new Worker(entry.url, { execArgv: entry.execArgv });
    GradientWorker.running++;
    this.ready = new Promise((resolve, reject) => {
      const fail = (e: Error) => {
        this.failed = e;
        reject(e);
        this.pending?.reject(e);
        this.pending = null;
      };
      this.worker.on('error', fail);
      this.worker.on('message', (m: { type: string; result?: unknown; error?: string }) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'result') {
          const p = this.pending;
          this.pending = null;
          p?.resolve(m.result as never);
        } else if (m.type === 'error') fail(new Error(`gradient worker: ${m.error}`));
      });
    });
    // An unawaited rejection of `ready` after start-up is reported through step().
    this.ready.catch(() => {});
    this.worker.postMessage({ type: 'init', ...init });
  }

  /** A worker that is ready to step; one that fails to start is closed (a thread left running would keep the process alive). */
  static async start(init: ParallelInit): Promise<GradientWorker> {
    const worker = new GradientWorker(init);
    try {
      await worker.ready;
    } catch (e) {
      await worker.close();
      throw e;
    }
    return worker;
  }

  private request<T>(message: object): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.pending = { resolve: resolve as (r: never) => void, reject };
      this.worker.postMessage(message);
    });
  }

  /** Starts the worker on `indices`; resolves when its gradients are in the shared buffer. */
  step(indices: Uint32Array, epoch = 0): Promise<HalfResult> {
    return this.request({ type: 'step', indices: Array.from(indices), epoch });
  }

  /** Evaluates test examples [from, to) with the shared weights. */
  evaluate(from: number, to: number): Promise<EvalResult> {
    return this.request({ type: 'evaluate', from, to });
  }

  /** The worker thread's Math.random state (its dropout masks), after restoring `state` when given. */
  rngState(state?: number): Promise<number> {
    return this.request({ type: 'rng', state });
  }

  async close(): Promise<void> {
    if (!this.closed) GradientWorker.running--;
    this.closed = true;
    await this.worker.terminate();
  }
}

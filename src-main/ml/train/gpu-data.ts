// A dataset split resident on the device: uploaded once per job, batches
// gathered there (tf.gather on the resident images), so a GPU step moves no
// images over the bus and waits for nothing from the host. Used on the
// webgpu backend (see gpu-train.ts); on wasm/cpu the host copies are as fast.
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/datasets.js';

export class DeviceSplit {
  /** All images, [count, rows, cols, 1], float32 in [0, 1]. */
  readonly x: tf.Tensor4D;
  /** Labels, [count], int32. */
  readonly labels: tf.Tensor1D;
  readonly count: number;

  constructor(split: Split, readonly numClasses = 10) {
    this.count = split.count;
    const bytes = split.count * split.rows * split.cols * 4;
    const limit = (tf.backend() as unknown as { device?: { limits?: { maxStorageBufferBindingSize?: number } } }).device?.limits?.maxStorageBufferBindingSize;
    if (limit && bytes > limit) {
      throw new Error(`the training set (${(bytes / 2 ** 20).toFixed(0)} MiB as float32) exceeds this GPU's largest storage binding (${(limit / 2 ** 20).toFixed(0)} MiB); use --train-limit, or another backend`);
    }
    this.x = tf.tensor4d(split.pixels.subarray(0, split.count * split.rows * split.cols), [split.count, split.rows, split.cols, 1]);
    this.labels = tf.tensor1d(Int32Array.from(split.labels.subarray(0, split.count)), 'int32');
  }

  /** The examples at `indices` (an int32 tensor on the device): images and one-hot labels. */
  gather(indices: tf.Tensor1D): { x: tf.Tensor4D; y: tf.Tensor2D } {
    return tf.tidy(() => ({
      x: tf.gather(this.x, indices) as tf.Tensor4D,
      y: tf.oneHot(tf.gather(this.labels, indices), this.numClasses).toFloat() as tf.Tensor2D,
    }));
  }

  /** Examples [from, from + n) in storage order. */
  range(from: number, n: number): { x: tf.Tensor4D; y: tf.Tensor2D } {
    return tf.tidy(() => ({
      x: tf.slice(this.x, [from, 0, 0, 0], [n, -1, -1, -1]) as tf.Tensor4D,
      y: tf.oneHot(tf.slice(this.labels, [from], [n]), this.numClasses).toFloat() as tf.Tensor2D,
    }));
  }

  dispose(): void {
    tf.dispose([this.x, this.labels]);
  }
}

/** A function of `logits` applied to every example, in batches, concatenated on the device (e.g. a teacher's logits). */
export function mapOnDevice(data: DeviceSplit, batchSize: number, f: (x: tf.Tensor4D) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    for (let from = 0; from < data.count; from += batchSize) parts.push(f(data.range(from, Math.min(batchSize, data.count - from)).x));
    return parts.length === 1 ? parts[0] : tf.concat(parts, 0);
  });
}

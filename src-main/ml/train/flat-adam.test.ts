// FlatAdam must take the same steps as tf.train.adam (the single-thread
// trainer's optimizer), or data-parallel runs would train differently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { FlatAdam } from './flat-adam.js';
import { initBackend } from '../engine/backend.js';

for (const simd of [true, false]) {
  test(`FlatAdam (${simd ? 'SIMD kernel' : 'JavaScript fallback'}) follows tf.train.adam over 20 steps, with combined half-batch gradients`, async () => {
    await initBackend('wasm');
    const size = 1001; // not a multiple of the 4-lane vectors
    const init = tf.randomNormal([size], 0, 1, 'float32', 1).dataSync() as Float32Array;
    const variable = tf.variable(tf.tensor1d(init));
    const opt = tf.train.adam(0.01);
    const flat = new FlatAdam(size, 0.01, { simd });
    assert.equal(flat.simd, simd);
    flat.weights.set(init);
    for (let s = 0; s < 20; s++) {
      const g1 = tf.randomNormal([size], 0, 1 + s, 'float32', 100 + s).dataSync() as Float32Array;
      const g2 = tf.randomNormal([size], 0.5, 1, 'float32', 200 + s).dataSync() as Float32Array;
      // Halves of 40 and 24 images: the batch-mean gradient is (40·g1 + 24·g2) / 64.
      const combined = g1.map((g, i) => (40 * g + 24 * g2[i]) / 64);
      tf.tidy(() => opt.applyGradients([{ name: variable.name, tensor: tf.tensor1d(combined) }]));
      flat.ownGrads.set(g1);
      flat.otherGrads.set(g2);
      flat.step(40 / 64, 24 / 64);
    }
    const want = variable.dataSync();
    let worst = 0;
    for (let i = 0; i < size; i++) worst = Math.max(worst, Math.abs(flat.weights[i] - want[i]));
    assert.ok(worst < 1e-5, `weights differ by ${worst} after 20 steps`);
    // and they did move (Adam steps are ~lr each): a no-op optimizer would not pass
    const moved = flat.weights.reduce((mx, w, i) => Math.max(mx, Math.abs(w - init[i])), 0);
    assert.ok(moved > 0.05, `largest move ${moved}`);
    opt.dispose();
    variable.dispose();
  });
}

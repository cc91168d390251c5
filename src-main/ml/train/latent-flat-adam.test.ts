// The latent loop steps with FlatAdam on the host backends and with
// tf.train.adam on webgpu (`tfAdam` forces the latter here): the two must
// train alike, and their checkpoints must be interchangeable (same moments
// layout, learner after learner), or a run resumed on another backend would
// continue from misplaced moments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { loadDataset } from '../data/datasets.js';
import { buildDenseAe, buildGaussianVae } from '../models/autoencoders.js';
import { trainAeDistill, trainAutoencoder, trainVae } from './latent-trainer.js';
import type { TrainCheckpoint } from './checkpoint.js';
import { DivergedError } from './gpu-train.js';
import { seedGlobalRandom } from './rng.js';

await initBackend('wasm');
const ds = loadDataset('mnist', { trainLimit: 64, testLimit: 16 });
const data = { train: { ...ds.train, count: 48 }, test: ds.test, batchSize: 4, learningRate: 0.001, seed: 3 };

const valuesOf = (models: tf.LayersModel[]) => models.flatMap((m) => m.getWeights().map((w) => w.dataSync().slice() as Float32Array));
const flatten = (xs: Float32Array[]) => Float32Array.from(xs.flatMap((x) => Array.from(x)));

/** Largest |a − b| relative to b's largest magnitude (elementwise relative differences blow up near 0). */
function relDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let d = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return d / scale;
}

/** Largest |a − b| relative to how far b moved from `start`: how much of the training the two paths disagree on. */
function moveDiff(a: Float32Array, b: Float32Array, start: Float32Array): number {
  let d = 0;
  let moved = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    moved = Math.max(moved, Math.abs(b[i] - start[i]));
  }
  return d / moved;
}

/**
 * One step agrees to float32 rounding (FlatAdam folds lr / (1 − β1ᵗ) into one
 * factor, so an update may differ in its last bit). After a few steps the
 * paths drift further apart, as any reordering of float32 arithmetic would
 * make them: a ReLU whose input is near 0 switches on one path and not on the
 * other, and Adam scales the small gradient difference up to a step of ~lr.
 * Hence a looser bound after 12 steps, still far below what one step moves.
 */
test('a dense AE and a Gaussian VAE train alike with FlatAdam and with tf.train.adam', async () => {
  for (const kind of ['ae', 'vae'] as const) {
    for (const [steps, bound] of [[1, 2.5e-7], [12, 1e-4]] as const) {
      const run = async (tfAdam: boolean) => {
        seedGlobalRandom(1);
        const o = { ...data, train: { ...data.train, count: steps * data.batchSize }, epochs: 1, tfAdam };
        if (kind === 'ae') {
          const ae = buildDenseAe();
          const start = flatten(valuesOf([ae.model]));
          await trainAutoencoder({ ae, ...o, loss: 'bce' });
          return { start, end: flatten(valuesOf([ae.model])) };
        }
        const vae = buildGaussianVae(2, 32);
        const start = flatten(valuesOf([vae.encoder, vae.decoder]));
        await trainVae({ vae, kind: 'gaussian', priorAlpha: 0, sampler: 'exact', kl: 'dirichlet', ...o });
        return { start, end: flatten(valuesOf([vae.encoder, vae.decoder])) };
      };
      const [tfRun, flatRun] = [await run(true), await run(false)];
      assert.deepEqual(tfRun.start, flatRun.start, 'the same initial weights');
      const rel = relDiff(flatRun.end, tfRun.end);
      const move = moveDiff(flatRun.end, tfRun.end, tfRun.start);
      console.log(`# ${kind}, ${steps} steps: FlatAdam vs tf.train.adam: max |diff| / max |w| ${rel.toExponential(2)}, / largest move ${move.toExponential(2)}`);
      assert.ok(rel <= bound, `${kind}, ${steps} steps: weights differ by ${rel} relative`);
      assert.ok(move <= 0.01, `${kind}, ${steps} steps: weights differ by ${move} of the largest move`);
    }
  }
});

test("ae-distill: both paths' checkpoints hold the same moments, learner after learner, and resume on the other path", async () => {
  const run = async (tfAdam: boolean, epochs: number, resume?: TrainCheckpoint) => {
    seedGlobalRandom(4);
    const [teacher, alone, guided] = [buildDenseAe(), buildDenseAe(), buildDenseAe()];
    const saved: TrainCheckpoint[] = [];
    await trainAeDistill({ alone, guided, guide: { teacher, temperature: 2, alpha: 0.5 }, ...data, epochs, loss: 'bce', tfAdam, checkpoint: { resume, save: (c) => void saved.push(c) } });
    return { saved, weights: flatten(valuesOf([alone.model, guided.model])) };
  };
  const [tfRun, flatRun] = [await run(true, 2), await run(false, 2)];
  const [a, b] = [tfRun.saved[0].adam!, flatRun.saved[0].adam!];
  // Two dense AEs' trainable weights: 2 × (784·128 + 128 + 128·784 + 784).
  assert.equal(a.m.length, 2 * (2 * 784 * 128 + 128 + 784));
  assert.equal(b.m.length, a.m.length);
  assert.deepEqual([b.accBeta1, b.accBeta2], [a.accBeta1, a.accBeta2], 'the β-products: the same float32 products');
  assert.ok(Math.abs(a.accBeta1 - 0.9 ** 13) < 1e-6, `β1ᵗ after 12 steps: ${a.accBeta1}`);
  const [dm, dv] = [relDiff(b.m, a.m), relDiff(b.v, a.v)];
  console.log(`# ae-distill epoch-1 moments, FlatAdam vs tf.train.adam: m ${dm.toExponential(2)}, v ${dv.toExponential(2)} (relative to the largest)`);
  assert.ok(dm <= 1e-4 && dv <= 1e-4, `moments differ: m ${dm}, v ${dv}`);
  // Resumed on the other path, each run continues as the uninterrupted one on that path, and as closely as the two paths agree.
  const flatFromTf = await run(false, 2, tfRun.saved[0]);
  const tfFromFlat = await run(true, 2, flatRun.saved[0]);
  const whole = relDiff(flatRun.weights, tfRun.weights);
  for (const [name, r, ref] of [['FlatAdam from tf.train.adam', flatFromTf, flatRun], ['tf.train.adam from FlatAdam', tfFromFlat, tfRun]] as const) {
    const d = relDiff(r.weights, ref.weights);
    assert.ok(d <= Math.max(1e-5, 2 * whole), `${name}: weights differ by ${d} relative (the two paths by ${whole})`);
  }
});

test('on cpu too: a NaN rolls back to the last good weights (the flat weights are not aliased by the variables)', async () => {
  await tf.setBackend('cpu');
  try {
    seedGlobalRandom(2);
    const ae = buildDenseAe();
    let steps = 0;
    const error = await trainAutoencoder({
      ae, ...data, epochs: 1, loss: 'bce', readEvery: 5,
      shouldStop: () => {
        if (++steps === 7) {
          const l = ae.model.layers.find((x) => x.getWeights().length)!;
          const w = l.getWeights();
          l.setWeights([tf.fill(w[0].shape, NaN), ...w.slice(1)]);
        }
        return false;
      },
    }).catch((e: unknown) => e);
    assert.ok(error instanceof DivergedError, String(error));
    assert.deepEqual([error.firstStep, error.lastStep], [6, 10]);
    assert.ok(valuesOf([ae.model]).every((w) => w.every(Number.isFinite)), 'weights restored to finite values');
  } finally {
    await tf.setBackend('wasm');
  }
});

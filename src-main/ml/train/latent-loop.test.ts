// The latent-model training loop's hot path and checkpoints, in process on
// wasm: losses read every few steps (no per-step wait), a NaN noticed late
// but named with its step range and metric and the last good weights kept,
// cancelling flushes the pending steps, and a run resumed from an epoch's
// checkpoint ends with the uninterrupted run's weights.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { loadDataset } from '../data/datasets.js';
import { buildDenseAe, buildGaussianVae } from '../models/autoencoders.js';
import { trainAeDistill, trainAutoencoder, trainVae } from './latent-trainer.js';
import { decodeCheckpoint, encodeCheckpoint, type TrainCheckpoint } from './checkpoint.js';
import { DivergedError } from './gpu-train.js';
import { seedGlobalRandom } from './rng.js';

await initBackend('wasm');
const ds = loadDataset('mnist', { trainLimit: 64, testLimit: 16 });
const data = { train: { ...ds.train, count: 48 }, test: ds.test, batchSize: 4, learningRate: 0.001, seed: 3 };

const valuesOf = (models: tf.LayersModel[]) => models.flatMap((m) => m.getWeights().map((w) => w.dataSync().slice() as Float32Array));
const maxDiff = (a: Float32Array[], b: Float32Array[]) => Math.max(...a.map((x, i) => x.reduce((m, v, j) => Math.max(m, Math.abs(v - b[i][j])), 0)));

/** Poisons the first layer's kernel with NaN. */
function poison(model: tf.LayersModel): void {
  const l = model.layers.find((x) => x.getWeights().length)!;
  const w = l.getWeights();
  l.setWeights([tf.fill(w[0].shape, NaN), ...w.slice(1)]);
}

test('losses are read every `readEvery` steps: the first report comes after that many steps ran', async () => {
  seedGlobalRandom(1);
  const ae = buildDenseAe();
  let taken = 0;
  const seenAtReport: number[] = [];
  const r = await trainAutoencoder({
    ae, ...data, epochs: 1, loss: 'bce', readEvery: 5,
    shouldStop: () => {
      taken++;
      return false;
    },
    onStep: () => void seenAtReport.push(taken),
  });
  assert.equal(r.epochsDone, 1);
  // 12 steps: reads after steps 5 and 10 (before those steps' own shouldStop call), and at the end of the epoch.
  assert.deepEqual(seenAtReport, [4, 4, 4, 4, 4, 9, 9, 9, 9, 9, 12, 12]);
  assert.equal(typeof r.last?.test_recon_loss, 'number');
});

test('a NaN stops training late, names the step range and the metric, and keeps the last good weights', async () => {
  seedGlobalRandom(2);
  const ae = buildDenseAe();
  const reported: number[] = [];
  let steps = 0;
  const error = await trainAutoencoder({
    ae, ...data, epochs: 1, loss: 'bce', readEvery: 5,
    // Poisoned after step 7: steps 8.. have NaN losses, noticed at the read after step 10.
    shouldStop: () => {
      if (++steps === 7) poison(ae.model);
      return false;
    },
    onStep: (s) => void reported.push(s.step),
  }).catch((e: unknown) => e);
  assert.ok(error instanceof DivergedError, String(error));
  assert.deepEqual([error.firstStep, error.lastStep, error.metric], [6, 10, 'loss']);
  assert.match(error.message, /loss became NaN between steps 6 and 10 \(epoch 1; values are read every 5 steps\); the model keeps the weights from before step 6/);
  assert.deepEqual(reported, [1, 2, 3, 4, 5]);
  assert.ok(valuesOf([ae.model]).every((w) => w.every(Number.isFinite)), 'weights restored to finite values');
});

test("ae-distill: a NaN in the baseline student is named as the baseline's", async () => {
  seedGlobalRandom(3);
  const [teacher, alone, guided] = [buildDenseAe(), buildDenseAe(), buildDenseAe()];
  let steps = 0;
  const error = await trainAeDistill({
    alone, guided, guide: { teacher, temperature: 2, alpha: 0.5 }, ...data, epochs: 1, loss: 'bce', readEvery: 4,
    shouldStop: () => {
      if (++steps === 2) poison(alone.model);
      return false;
    },
  }).catch((e: unknown) => e);
  assert.ok(error instanceof DivergedError, String(error));
  assert.deepEqual([error.firstStep, error.lastStep, error.metric], [1, 4, 'alone loss']);
});

test('cancelling reports every step taken, then stops', async () => {
  seedGlobalRandom(4);
  const ae = buildDenseAe();
  const reported: number[] = [];
  let steps = 0;
  const r = await trainAutoencoder({ ae, ...data, epochs: 2, loss: 'bce', readEvery: 5, shouldStop: () => ++steps >= 7, onStep: (s) => void reported.push(s.step) });
  assert.equal(r.stopped, true);
  assert.deepEqual(reported, [1, 2, 3, 4, 5, 6, 7]);
});

test('a VAE resumed from its epoch-1 checkpoint (through the file format) ends with the uninterrupted run\'s weights', async () => {
  const run = async (resume?: TrainCheckpoint) => {
    seedGlobalRandom(5);
    const vae = buildGaussianVae(2, 32);
    const saved: TrainCheckpoint[] = [];
    const losses: number[] = [];
    const r = await trainVae({
      vae, kind: 'gaussian', priorAlpha: 0, sampler: 'exact', kl: 'dirichlet', ...data, epochs: 3,
      checkpoint: { resume, save: (c) => void saved.push(decodeCheckpoint(encodeCheckpoint(c))) },
      onStep: (s) => void losses.push(s.metrics.loss),
    });
    return { r, saved, losses, weights: valuesOf([vae.encoder, vae.decoder]) };
  };
  const whole = await run();
  assert.deepEqual(whole.saved.map((c) => c.epoch), [1, 2, 3]);
  assert.equal(whole.saved[0].step, 12);
  assert.equal(typeof whole.saved[0].samplerRng, 'number');
  assert.deepEqual(Object.keys(whole.saved[0].lastMetrics!).sort(), ['test_elbo', 'test_kl', 'test_recon']);
  const resumed = await run(whole.saved[0]);
  assert.deepEqual(resumed.saved.map((c) => c.epoch), [2, 3]);
  assert.deepEqual(resumed.losses, whole.losses.slice(12), 'the same losses from step 13 on');
  assert.deepEqual(resumed.r.last, whole.r.last);
  assert.ok(maxDiff(resumed.weights, whole.weights) <= 1e-6, `max |difference| ${maxDiff(resumed.weights, whole.weights)}`);
  // A checkpoint of the last epoch resumes to nothing left to do, with that epoch's metrics.
  const after = await run(whole.saved[2]);
  assert.deepEqual([after.r.epochsDone, after.r.stopped, after.losses.length], [3, false, 0]);
  assert.deepEqual(after.r.last, whole.r.last);
});

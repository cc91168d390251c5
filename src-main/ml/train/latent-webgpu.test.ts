// The latent-model loop on webgpu (SwiftShader here, so every shape is tiny;
// the real GPU under scripts/gpu-check.sh): evaluation reads asynchronously
// and so runs on the device, training matches wasm, a checkpoint taken on the
// device resumes there to the uninterrupted run's weights (the DirVAE's
// device Gamma sampler included), and a NaN is named late with its steps.
// Skipped, saying why, where the package or any adapter is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { activateTfjsWebgpu, describeAdapter, findWebgpuAdapter } from '../engine/webgpu.js';
import { loadDataset } from '../data/datasets.js';
import { buildDenseAe, buildDirichletVae } from '../models/autoencoders.js';
import { evaluateAutoencoder, evaluateVae, trainAutoencoder, trainVae, type VaeSpec } from './latent-trainer.js';
import type { TrainCheckpoint } from './checkpoint.js';
import { DivergedError } from './gpu-train.js';
import { mulberry32, seedGlobalRandom } from './rng.js';

const onRealGpu = process.env.DISTILLERY_GPU_CHECK === '1';
const found = await findWebgpuAdapter(true);
const skip = !found.ok ? `no WebGPU adapter: ${found.reason}` : onRealGpu && found.adapter.software ? `software adapter (${describeAdapter(found.adapter)}) under gpu-check` : false;
if (found.ok) {
  await activateTfjsWebgpu(found, tf);
  console.log(`# latent webgpu tests on ${describeAdapter(found.adapter)}`);
}
await initBackend('wasm');

const ds = loadDataset('mnist', { trainLimit: 8, testLimit: 4 });
/** 2 steps an epoch at batch 4; the test set is one batch of the same shape (SwiftShader compiles no extra pipelines). */
const data = { train: ds.train, test: ds.test, batchSize: 4, learningRate: 0.001, seed: 3 };
const valuesOf = async (models: tf.LayersModel[]) => Promise.all(models.flatMap((m) => m.getWeights()).map(async (w) => Float32Array.from(await w.data())));
const maxDiff = (a: Float32Array[], b: Float32Array[]) => Math.max(...a.map((x, i) => x.reduce((m, v, j) => Math.max(m, Math.abs(v - b[i][j])), 0)));

/** Builds `build`'s models on `backend` from the same seed (so the same initial weights on either backend). */
async function on<T>(backend: 'wasm' | 'webgpu', build: () => T): Promise<T> {
  await tf.setBackend(backend);
  seedGlobalRandom(11);
  return build();
}

test('AE and DirVAE evaluation run on webgpu (no synchronous read) and match wasm', { skip }, async () => {
  const spec = (b: 'wasm' | 'webgpu') => on(b, () => ({ ae: buildDenseAe(), dir: { vae: buildDirichletVae(3, 8), kind: 'dirichlet', priorAlpha: 0.5, sampler: 'exact', kl: 'dirichlet' } as VaeSpec }));
  const results: Record<string, number>[] = [];
  for (const b of ['wasm', 'webgpu'] as const) {
    const { ae, dir } = await spec(b);
    assert.equal(tf.getBackend(), b);
    const recon = await evaluateAutoencoder(ae, ds.test, 'bce');
    // The closed-form KL and the reconstruction at the posterior sample; the device sampler's noise differs from the host's.
    const vae = await evaluateVae(dir, ds.test, mulberry32(1));
    results.push({ recon, kl: vae.test_kl, finite: Number(Number.isFinite(vae.test_elbo)) });
    tf.dispose([ae.model, dir.vae.encoder, dir.vae.decoder].flatMap((m) => m.getWeights()));
  }
  await tf.setBackend('wasm');
  const [w, g] = results;
  assert.ok(Math.abs(w.recon - g.recon) <= 1e-3 * Math.abs(w.recon), `recon loss: wasm ${w.recon} webgpu ${g.recon}`);
  assert.ok(Math.abs(w.kl - g.kl) <= 1e-3 * Math.max(1, Math.abs(w.kl)), `KL: wasm ${w.kl} webgpu ${g.kl}`);
  assert.equal(g.finite, 1);
});

test('AE training on webgpu matches wasm; resumed from its device checkpoint it ends with the uninterrupted run\'s weights', { skip }, async () => {
  const run = async (backend: 'wasm' | 'webgpu', resume?: TrainCheckpoint) => {
    const ae = await on(backend, buildDenseAe);
    const saved: TrainCheckpoint[] = [];
    const losses: number[] = [];
    const r = await trainAutoencoder({ ae, ...data, epochs: 2, loss: 'bce', checkpoint: { resume, save: (c) => void saved.push(c) }, onStep: (s) => void losses.push(s.metrics.loss) });
    return { r, saved, losses, weights: await valuesOf([ae.model]) };
  };
  const wasm = await run('wasm');
  const gpu = await run('webgpu');
  assert.equal(tf.getBackend(), 'wasm', 'after training, synchronous code continues on the host backend');
  assert.equal(gpu.losses.length, 4);
  wasm.losses.forEach((l, i) => assert.ok(Math.abs(l - gpu.losses[i]) <= 2e-3 * Math.max(1, Math.abs(l)), `step ${i + 1}: wasm ${l} webgpu ${gpu.losses[i]}`));
  assert.ok(maxDiff(wasm.weights, gpu.weights) <= 2e-3, `weights: max |wasm − webgpu| ${maxDiff(wasm.weights, gpu.weights)}`);
  const resumed = await run('webgpu', gpu.saved[0]);
  assert.deepEqual(resumed.losses, gpu.losses.slice(2));
  assert.ok(maxDiff(resumed.weights, gpu.weights) <= 1e-5, `resumed on webgpu: max |difference| ${maxDiff(resumed.weights, gpu.weights)}`);
});

test('DirVAE on webgpu (device Gamma sampler): resumed from epoch 1 to the uninterrupted run\'s weights', { skip }, async () => {
  const run = async (resume?: TrainCheckpoint) => {
    const vae = await on('webgpu', () => buildDirichletVae(3, 8));
    const saved: TrainCheckpoint[] = [];
    const r = await trainVae({ vae, kind: 'dirichlet', priorAlpha: 0.5, sampler: 'exact', kl: 'dirichlet', ...data, epochs: 2, checkpoint: { resume, save: (c) => void saved.push(c) } });
    return { r, saved, weights: await valuesOf([vae.encoder, vae.decoder]) };
  };
  const whole = await run();
  assert.ok(Number.isFinite(whole.r.last!.test_elbo));
  const resumed = await run(whole.saved[0]);
  assert.deepEqual(resumed.r.last, whole.r.last);
  assert.ok(maxDiff(resumed.weights, whole.weights) <= 1e-5, `max |difference| ${maxDiff(resumed.weights, whole.weights)}`);
});

test('a NaN on webgpu is noticed at the next read, named with its steps, and the last good weights are kept', { skip }, async () => {
  const ae = await on('webgpu', buildDenseAe);
  const reported: number[] = [];
  let steps = 0;
  const error = await trainAutoencoder({
    ae, ...data, epochs: 3, loss: 'bce', readEvery: 2,
    // Poisoned after step 3: step 4 has a NaN loss, noticed at the read after it.
    shouldStop: () => {
      if (++steps === 3) {
        const l = ae.model.getLayer('encoded');
        const w = l.getWeights();
        l.setWeights([tf.fill(w[0].shape, NaN), w[1]]);
      }
      return false;
    },
    onStep: (s) => void reported.push(s.step),
  }).catch((e: unknown) => e);
  const weights = await valuesOf([ae.model]);
  await tf.setBackend('wasm');
  assert.ok(error instanceof DivergedError, String(error));
  assert.deepEqual([error.firstStep, error.lastStep, error.metric], [3, 4, 'loss']);
  assert.deepEqual(reported, [1, 2]);
  assert.ok(weights.every((w) => w.every(Number.isFinite)), 'weights restored to finite values');
});

// The plain autoencoder on two cores (data-parallel.ts, latent-trainer.ts's
// flatAdam with a worker): a two-core step's gradient is the one-core step's
// over the same batch up to float32 rounding, so training takes the same
// path; the worker thread ends with training, stopped or failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { loadDataset, type Split } from '../data/datasets.js';
import { buildConvAe, buildDenseAe, type Autoencoder } from '../models/autoencoders.js';
import { flatSize, GradientWorker, shareSplit, writeFlat, writeFlatGrads } from './data-parallel.js';
import { batchOf, reconLoss, trainAutoencoder, type ReconLoss } from './latent-trainer.js';
import type { TrainCheckpoint } from './checkpoint.js';
import { seedGlobalRandom } from './rng.js';

await initBackend('wasm');
const ds = loadDataset('mnist', { trainLimit: 200, testLimit: 40 });

const workers = () => GradientWorker.running;
const valuesOf = (m: tf.LayersModel) => Float32Array.from(m.getWeights().flatMap((w) => Array.from(w.dataSync())));

/** The gradient of the mean reconstruction loss over `idx`, flat in the trainable weights' order. */
function gradient(ae: Autoencoder, loss: ReconLoss, split: Split, idx: Uint32Array): Float32Array {
  const vars = ae.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const out = new Float32Array(flatSize(vars));
  tf.tidy(() => {
    const x = batchOf(split, idx, ae.inputShape);
    const { grads } = tf.variableGrads(() => reconLoss(loss, ae.logits.apply(x) as tf.Tensor, x), vars);
    writeFlatGrads(vars, grads, out);
  });
  return out;
}

test("the worker's half-batch gradient, weighted by the halves' sizes, is the whole batch's to float32 rounding", async () => {
  for (const [name, build] of [['conv', buildConvAe], ['dense', buildDenseAe]] as const) {
    for (const loss of ['bce', 'mse'] as const) {
      seedGlobalRandom(3);
      const ae = build();
      const vars = ae.model.trainableWeights.map((w) => w.read() as tf.Variable);
      const size = flatSize(vars);
      const weights = new Float32Array(new SharedArrayBuffer(size * 4));
      const grads = new Float32Array(new SharedArrayBuffer(size * 4));
      writeFlat(vars, weights);
      const worker = new GradientWorker({
        modelTopology: ae.model.toJSON(null, false),
        task: { kind: 'autoencoder', loss, inputShape: ae.inputShape },
        ...shareSplit(ds.train),
        rows: 28,
        cols: 28,
        weights,
        grads,
        seed: 1,
        backend: 'wasm',
      });
      try {
        await worker.ready;
        // An odd batch, halves of 17 and 16 images, from anywhere in the split.
        const idx = Uint32Array.from({ length: 33 }, (_, i) => (i * 37 + 5) % ds.train.count);
        const [n1, n2] = [17, 16];
        const whole = gradient(ae, loss, ds.train, idx);
        const mine = gradient(ae, loss, ds.train, idx.subarray(0, n1));
        const r = await worker.step(idx.subarray(n1));
        const theirs = gradient(ae, loss, ds.train, idx.subarray(n1));
        let d = 0;
        let scale = 0;
        let workerDiff = 0;
        for (let i = 0; i < size; i++) {
          const combined = Math.fround(Math.fround(mine[i] * (n1 / 33)) + Math.fround(grads[i] * (n2 / 33)));
          d = Math.max(d, Math.abs(combined - whole[i]));
          scale = Math.max(scale, Math.abs(whole[i]));
          workerDiff = Math.max(workerDiff, Math.abs(grads[i] - theirs[i]));
        }
        console.log(`# ${name} AE, ${loss}: max |two-core − one-core gradient| / max |gradient| = ${(d / scale).toExponential(2)}; worker vs this thread on its half: ${workerDiff}`);
        // The worker computes its half exactly as this thread would (same kernels, same order).
        assert.equal(workerDiff, 0, `${name}/${loss}: the worker's half gradient differs from this thread's by ${workerDiff}`);
        assert.ok(d / scale <= 4e-6, `${name}/${loss}: gradients differ by ${d / scale} of the largest`);
        const halfLoss = tf.tidy(() => {
          const x = batchOf(ds.train, idx.subarray(n1), ae.inputShape);
          return reconLoss(loss, ae.logits.apply(x) as tf.Tensor, x).dataSync()[0];
        });
        assert.equal(r.loss, halfLoss);
      } finally {
        await worker.close();
        ae.model.dispose();
      }
    }
  }
});

/** 166 = 5·33 + 1: halves of 17 and 16 images (a wrong weighting would show), and each epoch ends with a batch of one, which stays on this thread. */
const train = { ...ds.train, count: 166 };
const opts = { train, test: ds.test, batchSize: 33, learningRate: 0.003, seed: 4, loss: 'bce' as const, readEvery: 1 };

async function trainConv(dataParallel: boolean, epochs: number, extra: Partial<Parameters<typeof trainAutoencoder>[0]> = {}) {
  seedGlobalRandom(8);
  const ae = buildConvAe();
  const start = valuesOf(ae.model);
  const losses: number[] = [];
  const threads: number[] = [];
  const tensors: number[] = [];
  const r = await trainAutoencoder({
    ae, ...opts, epochs, dataParallel, ...extra,
    onStep: (s) => {
      losses.push(s.metrics.loss);
      threads.push(workers());
    },
    onEpoch: () => tensors.push(tf.memory().numTensors),
  });
  return { ae, r, start, end: valuesOf(ae.model), losses, threads, tensors };
}

test('the conv AE trains alike on one and two cores: per-step losses and weights agree to float32 rounding; the worker ends with training', async () => {
  for (const epochs of [1, 3]) {
    const one = await trainConv(false, epochs);
    const two = await trainConv(true, epochs);
    assert.deepEqual(one.start, two.start, 'the same initial weights');
    assert.ok(one.threads.every((n) => n === 0) && two.threads.every((n) => n === 1), 'one worker thread while training two-core, none one-core');
    assert.equal(workers(), 0, 'the worker thread ended with training');
    assert.equal(one.losses.length, 6 * epochs);
    let lossDiff = 0;
    one.losses.forEach((l, i) => (lossDiff = Math.max(lossDiff, Math.abs(l - two.losses[i]) / l)));
    let d = 0;
    let moved = 0;
    one.end.forEach((w, i) => {
      d = Math.max(d, Math.abs(w - two.end[i]));
      moved = Math.max(moved, Math.abs(w - one.start[i]));
    });
    console.log(`# conv AE, ${6 * epochs} steps, one vs two cores: losses differ by ${lossDiff.toExponential(2)} relative, weights by ${(d / moved).toExponential(2)} of the largest move`);
    // Measured: losses 7.1e-6, weights 3.7e-6 and 1.2e-6 (6 and 18 steps). Adam divides each gradient by its running RMS, so a rounding
    // difference in a tiny gradient could grow to ~lr in its step (see latent-flat-adam.test.ts); these bounds leave
    // room for that and none for a wrong weighting of the halves.
    assert.ok(lossDiff <= 2e-5, `${epochs} epoch(s): step losses differ by ${lossDiff} relative`);
    assert.ok(d / moved <= 5e-5, `${epochs} epoch(s): weights differ by ${d / moved} of the largest move`);
    assert.ok(Math.abs(one.r.last!.test_recon_loss - two.r.last!.test_recon_loss) <= 1e-5 * one.r.last!.test_recon_loss);
    if (epochs === 3) assert.equal(two.tensors[2], two.tensors[1], `no tensor leak two-core: ${two.tensors.join(', ')}`);
    one.ae.model.dispose();
    two.ae.model.dispose();
  }
});

test('two cores resume exactly from a checkpoint (no random draws in the worker to restore)', async () => {
  const saved: TrainCheckpoint[] = [];
  const full = await trainConv(true, 3, { checkpoint: { save: (c) => void saved.push(c) } });
  assert.equal(saved.length, 3);
  assert.equal(saved[0].workerRng, null);
  const resumed = await trainConv(true, 3, { checkpoint: { resume: saved[0] } });
  assert.equal(resumed.losses.length, 12, 'epochs 2 and 3 only');
  assert.deepEqual(resumed.losses, full.losses.slice(6));
  assert.deepEqual(resumed.end, full.end, 'the resumed run ends on the uninterrupted run\'s weights, bit for bit');
  assert.equal(workers(), 0);
  full.ae.model.dispose();
  resumed.ae.model.dispose();
});

test('the worker thread ends when training is stopped, and when it fails before the first step', async () => {
  let polls = 0; // once after each step
  const stopped = await trainConv(true, 2, { shouldStop: () => ++polls >= 2 });
  assert.equal(stopped.r.stopped, true);
  assert.equal(stopped.losses.length, 2);
  assert.equal(workers(), 0, 'stopped');
  const saved: TrainCheckpoint[] = [];
  await trainConv(true, 1, { checkpoint: { save: (c) => void saved.push(c) } });
  const other = { ...saved[0], order: saved[0].order.subarray(0, 100) };
  await assert.rejects(trainConv(true, 2, { checkpoint: { resume: other } }), /was made on 100 training images, this run has 166/);
  assert.equal(workers(), 0, 'failed');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { loadDataset } from '../data/datasets.js';
import { buildStudent } from '../models/classifiers.js';
import { trainClassifier } from './classifier-trainer.js';

await initBackend('wasm');
const ds = loadDataset('mnist', { trainLimit: 192, testLimit: 64 });

test('a NaN loss stops training with an error that says where and what to do', async () => {
  const model = buildStudent();
  const w = model.getLayer('FC1').getWeights();
  model.getLayer('FC1').setWeights([tf.fill(w[0].shape, NaN), w[1]]);
  await assert.rejects(
    trainClassifier({ model, train: ds.train, test: ds.test, epochs: 1, batchSize: 64, learningRate: 0.001, seed: 1 }),
    /loss became NaN at epoch 1, batch 1; lower the learning rate/,
  );
});

for (const dataParallel of [false, true]) {
  test(`training does not leak tensors across epochs (${dataParallel ? 'data-parallel, with a batch of one at the end' : 'one thread'})`, async () => {
    const model = buildStudent();
    const counts: number[] = [];
    // 191 = 2·95 + 1 ends each epoch with a batch of one, which the parallel path keeps on this thread.
    const train = dataParallel ? { ...ds.train, count: 191 } : ds.train;
    await trainClassifier({
      model, train, test: ds.test, epochs: 3, batchSize: dataParallel ? 95 : 64, learningRate: 0.001, seed: 1, dataParallel,
      onEpoch: () => counts.push(tf.memory().numTensors),
    });
    assert.equal(counts.length, 3);
    assert.equal(counts[2], counts[1], `numTensors per epoch: ${counts.join(', ')}`);
  });
}

test('the loss falls over a few epochs (the loop really trains)', async () => {
  const model = buildStudent();
  const losses: number[] = [];
  await trainClassifier({ model, train: ds.train, test: ds.test, epochs: 4, batchSize: 32, learningRate: 0.001, seed: 2, onEpoch: (e) => losses.push(e.trainLoss) });
  assert.ok(losses[3] < losses[0] * 0.8, `train loss per epoch: ${losses.map((l) => l.toFixed(3)).join(', ')}`);
});

test('data-parallel steps on two threads give the same weights as one thread (no dropout)', async () => {
  const { seedGlobalRandom } = await import('./rng.js');
  const weightsAfter = async (dataParallel: boolean) => {
    seedGlobalRandom(11);
    const model = buildStudent();
    const r = await trainClassifier({ model, train: ds.train, test: ds.test, epochs: 1, batchSize: 64, learningRate: 0.01, seed: 3, dataParallel });
    const w = model.getWeights().map((t) => t.dataSync().slice() as Float32Array);
    model.dispose();
    return { w, r };
  };
  const one = await weightsAfter(false);
  const two = await weightsAfter(true);
  let maxDiff = 0;
  one.w.forEach((w, i) => w.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - two.w[i][j])))));
  assert.ok(maxDiff < 1e-4, `weights differ by ${maxDiff} after 3 steps`);
  // The two-thread evaluation (half the test set on each core) gives the one-thread numbers.
  assert.ok(Math.abs(one.r.testLoss! - two.r.testLoss!) < 1e-4, `test loss ${one.r.testLoss} vs ${two.r.testLoss}`);
  assert.equal(one.r.testAccuracy, two.r.testAccuracy);
});

test('data-parallel training keeps weights an afterStep hook changes (pruning masks): same result as one thread, masked weights stay zero', async () => {
  const { seedGlobalRandom } = await import('./rng.js');
  const run = async (dataParallel: boolean) => {
    seedGlobalRandom(5);
    const model = buildStudent();
    const kernel = model.getLayer('FC1').trainableWeights[0].read() as tf.Variable;
    const mask = tf.tensor(Float32Array.from({ length: kernel.size }, (_, i) => (i % 3 === 0 ? 0 : 1)), kernel.shape);
    const apply = () => tf.tidy(() => kernel.assign(tf.mul(kernel, mask)));
    apply();
    await trainClassifier({ model, train: ds.train, test: ds.test, epochs: 1, batchSize: 64, learningRate: 0.01, seed: 4, dataParallel, afterStep: apply });
    const w = kernel.dataSync().slice() as Float32Array;
    model.dispose();
    mask.dispose();
    return w;
  };
  const one = await run(false);
  const two = await run(true);
  assert.ok(two.every((v, i) => i % 3 !== 0 || v === 0), 'masked weights stay zero');
  let maxDiff = 0;
  one.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - two[i]))));
  assert.ok(maxDiff < 1e-4, `masked training differs by ${maxDiff} between one and two threads`);
});

test("distillation uses the teacher's logits computed once, equal to its per-batch predictions", async () => {
  const { teacherLogitsOf } = await import('./classifier-trainer.js');
  const { logitsModel } = await import('../models/classifiers.js');
  const teacher = buildStudent();
  const cached = teacherLogitsOf(teacher, ds.train, 50); // batch size that does not divide 192
  const direct = (logitsModel(teacher).predict(tf.tensor4d(ds.train.pixels, [ds.train.count, 28, 28, 1])) as tf.Tensor).dataSync();
  assert.equal(cached.length, ds.train.count * 10);
  let maxDiff = 0;
  for (let i = 0; i < cached.length; i++) maxDiff = Math.max(maxDiff, Math.abs(cached[i] - direct[i]));
  assert.ok(maxDiff < 1e-5, `cached vs direct logits differ by ${maxDiff}`);
  const student = buildStudent();
  const r = await trainClassifier({ model: student, train: ds.train, test: ds.test, epochs: 1, batchSize: 64, learningRate: 0.001, seed: 1, teacher: { model: teacher, temperature: 4, alpha: 0.5 } });
  assert.ok(r.testAccuracy !== null && Number.isFinite(r.testAccuracy));
});

// Resuming trainClassifier from a checkpoint in process (no job process):
// a distillation with dropout in the student (on the data-parallel path, so
// both threads' random streams matter), and a checkpoint of the last epoch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { loadDataset } from '../data/datasets.js';
import { buildStudent, buildTeacher, LOGITS_LAYER } from '../models/classifiers.js';
import { decodeCheckpoint, encodeCheckpoint, type TrainCheckpoint } from './checkpoint.js';
import { trainClassifier, type TrainOptions } from './classifier-trainer.js';
import { seedGlobalRandom } from './rng.js';

await initBackend('wasm');
const ds = loadDataset('mnist', { trainLimit: 96, testLimit: 32 });

/** A student with dropout, so Math.random decides its masks on both threads. */
function studentWithDropout(): tf.LayersModel {
  const input = tf.input({ shape: [28, 28, 1] });
  let x = tf.layers.flatten().apply(input);
  x = tf.layers.dense({ units: 32, activation: 'relu' }).apply(x);
  x = tf.layers.dropout({ rate: 0.5 }).apply(x);
  x = tf.layers.dense({ name: LOGITS_LAYER, units: 10 }).apply(x);
  const out = tf.layers.activation({ activation: 'softmax' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

const weightsOf = (m: tf.LayersModel) => m.getWeights().flatMap((t) => [...(t.dataSync() as Float32Array)]);
const maxDiff = (a: number[], b: number[]) => a.reduce((d, v, i) => Math.max(d, Math.abs(v - b[i])), 0);

test('a distillation with dropout on two threads, resumed from its epoch-1 checkpoint, ends with the uninterrupted weights', async () => {
  seedGlobalRandom(1);
  const teacher = { model: buildTeacher(), temperature: 4, alpha: 0.5 };
  const base = (model: tf.LayersModel): TrainOptions => ({ model, teacher, train: ds.train, test: ds.test, epochs: 3, batchSize: 32, learningRate: 0.003, seed: 4, dataParallel: true });

  seedGlobalRandom(21);
  const reference = studentWithDropout();
  const saved: TrainCheckpoint[] = [];
  const full = await trainClassifier({ ...base(reference), checkpoint: { save: (c) => void saved.push(decodeCheckpoint(encodeCheckpoint(c))) } });
  assert.deepEqual(saved.map((c) => c.epoch), [1, 2, 3]);
  assert.ok(saved[0].workerRng !== null && saved[0].globalRng !== null);

  // A fresh process would build the model from the same seed, then restore.
  seedGlobalRandom(21);
  const resumed = studentWithDropout();
  const r = await trainClassifier({ ...base(resumed), checkpoint: { resume: saved[0] } });
  assert.equal(r.epochsDone, 3);
  assert.equal(r.testAccuracy, full.testAccuracy);
  const d = maxDiff(weightsOf(reference), weightsOf(resumed));
  assert.ok(d <= 1e-5, `max |difference| ${d}`);

  // Without the random streams restored, dropout masks differ: the check above can fail.
  seedGlobalRandom(21);
  const careless = studentWithDropout();
  await trainClassifier({ ...base(careless), checkpoint: { resume: { ...saved[0], globalRng: null, workerRng: null } } });
  assert.ok(maxDiff(weightsOf(reference), weightsOf(careless)) > 1e-4);

  // Resuming from the last epoch's checkpoint trains no further and reports its results.
  seedGlobalRandom(21);
  const last = studentWithDropout();
  let steps = 0;
  const again = await trainClassifier({ ...base(last), onStep: () => void steps++, checkpoint: { resume: saved[2] } });
  assert.equal(steps, 0);
  assert.equal(again.testAccuracy, full.testAccuracy);
  assert.equal(maxDiff(weightsOf(reference), weightsOf(last)), 0);
});

test('a checkpoint from another data slice or model is refused', async () => {
  seedGlobalRandom(2);
  const model = buildStudent();
  let ckpt: TrainCheckpoint | undefined;
  await trainClassifier({ model, train: ds.train, test: ds.test, epochs: 1, batchSize: 48, learningRate: 0.001, seed: 1, checkpoint: { save: (c) => void (ckpt = c) } });
  await assert.rejects(trainClassifier({ model: buildStudent(), train: { ...ds.train, count: 64 }, test: ds.test, epochs: 2, batchSize: 48, learningRate: 0.001, seed: 1, checkpoint: { resume: ckpt } }), /made on 96 training images, this run has 64/);
  await assert.rejects(trainClassifier({ model: studentWithDropout(), train: ds.train, test: ds.test, epochs: 2, batchSize: 48, learningRate: 0.001, seed: 1, checkpoint: { resume: ckpt } }), /does not fit this model/);
});

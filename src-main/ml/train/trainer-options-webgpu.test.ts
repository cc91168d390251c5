// On webgpu the device trainer does Adam at a constant rate only: other
// trainer options train on the host backend instead, saying so in the log,
// and the job stays on webgpu afterwards. SwiftShader here (tiny shapes);
// skipped, saying why, where no adapter answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { activateTfjsWebgpu, findWebgpuAdapter } from '../engine/webgpu.js';
import { loadDataset } from '../data/datasets.js';
import { buildStudent } from '../models/classifiers.js';
import { trainClassifier } from './classifier-trainer.js';
import { seedGlobalRandom } from './rng.js';

const found = await findWebgpuAdapter(true);
const skip = found.ok ? false : `no WebGPU adapter: ${found.reason}`;
await initBackend('wasm');

test('SGD with a schedule on webgpu falls back to the host trainer with a log line, and equals a wasm run', { skip }, async () => {
  if (!found.ok) return;
  const ds = loadDataset('mnist', { trainLimit: 64, testLimit: 16 });
  const trainer = { optimizer: 'sgd', lrSchedule: 'exponential', lrDecay: 0.5, jitter: 1 } as const;
  const run = async () => {
    seedGlobalRandom(3);
    const model = buildStudent();
    const logs: string[] = [];
    const r = await trainClassifier({ model, train: ds.train, test: ds.test, epochs: 2, batchSize: 32, learningRate: 0.05, seed: 1, trainer, log: (_l, m) => logs.push(m) });
    const w = await Promise.all(model.getWeights().map(async (t) => [...((await t.data()) as Float32Array)]));
    return { r, logs, w: w.flat() };
  };
  const onWasm = await run();
  await activateTfjsWebgpu(found, tf);
  assert.equal(tf.getBackend(), 'webgpu');
  const onGpu = await run();
  assert.equal(tf.getBackend(), 'webgpu', 'back on webgpu after training');
  assert.ok(onGpu.logs.some((m) => /the GPU trainer does Adam at a constant rate .*: training on wasm instead \(trainer: SGD/.test(m)), onGpu.logs.join('\n'));
  assert.equal(onGpu.r.epochsDone, 2);
  const d = onWasm.w.reduce((m, v, i) => Math.max(m, Math.abs(v - onGpu.w[i])), 0);
  assert.ok(d < 1e-5, `webgpu fallback vs wasm: ${d}`);
  await initBackend('wasm');
});

// The webgpu backend against the cpu and wasm backends, on whatever adapter
// Dawn finds: SwiftShader here and in CI (Debian's chromium ships it; slow,
// so every shape is tiny), the real GPU under scripts/gpu-check.sh
// (DISTILLERY_GPU_CHECK=1: a software adapter is then a failure, not a pass).
// Skipped, saying why, where the package or any adapter is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend.js';
import { findWebgpuAdapter, activateTfjsWebgpu, describeAdapter } from './webgpu.js';
import { onHost, runOn } from './host.js';
import { loadDataset } from '../data/datasets.js';
import { buildStudent, buildTeacher } from '../models/classifiers.js';
import { trainClassifier } from '../train/classifier-trainer.js';
import { DivergedError, trainClassifierOnDevice } from '../train/gpu-train.js';
import { softCrossEntropy } from '../train/distill-loss.js';
import { digamma, lgamma } from '../latent/special.js';
import { multiGammaKl, sampleGamma } from '../latent/distributions.js';
import { sampleGammaOnDevice } from '../latent/gamma-device.js';
import { mulberry32, seedGlobalRandom } from '../train/rng.js';
import type { TrainCheckpoint } from '../train/checkpoint.js';

const onRealGpu = process.env.DISTILLERY_GPU_CHECK === '1';

// The adapter, software allowed (this points Vulkan at SwiftShader where no other ICD answers);
// then the chain, before anything activates webgpu: it must pass a software adapter over.
const found = await findWebgpuAdapter(true);
// Under gpu-check a software adapter means the GPU is not reachable: one failing test below says so, the rest skip.
const skip = !found.ok ? `no WebGPU adapter: ${found.reason}` : onRealGpu && found.adapter.software ? `software adapter (${describeAdapter(found.adapter)}) under gpu-check` : false;
const chainLog: string[] = [];
const strict = await findWebgpuAdapter(false);
const chain = await initBackend(undefined, (m) => chainLog.push(m));
if (found.ok) {
  await activateTfjsWebgpu(found, tf);
  console.log(`# webgpu tests on ${describeAdapter(found.adapter)}`);
}
await initBackend('wasm');

test('the chain takes a software adapter only when asked', { skip }, () => {
  if (!found.ok) return;
  if (found.adapter.software) {
    assert.equal(strict.ok, false);
    assert.notEqual(chain.backend, 'webgpu');
    assert.ok(chainLog.some((l) => /webgpu is passed over: only a software adapter .*--allow-software-gpu/.test(l)), chainLog.join('\n'));
  } else {
    assert.equal(strict.ok, true);
    if (chain.backend !== 'tensorflow') assert.equal(chain.backend, 'webgpu');
  }
});

test('on a GPU machine the adapter is hardware', { skip: onRealGpu ? false : 'only under scripts/gpu-check.sh (DISTILLERY_GPU_CHECK=1)' }, () => {
  assert.ok(found.ok && !found.adapter.software, found.ok ? `software adapter: ${describeAdapter(found.adapter)}` : 'no adapter');
});

/** Seeded float32 data in [lo, hi). */
function data(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * r());
}

/** Runs `f` on the cpu backend and on webgpu and returns both results' values. */
async function both(f: () => tf.Tensor | tf.Tensor[]): Promise<[Float32Array[], Float32Array[]]> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const out = tf.tidy(f);
    const list = Array.isArray(out) ? out : [out];
    const values = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
    tf.dispose(list);
    return values;
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  await tf.setBackend('wasm');
  return [cpu, gpu];
}

function assertClose(a: Float32Array[], b: Float32Array[], tol: number, what: string): void {
  assert.equal(a.length, b.length);
  a.forEach((x, k) => {
    assert.equal(x.length, b[k].length, `${what}[${k}] length`);
    let scale = 1e-3;
    for (const v of x) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - b[k][i]);
      if (!(d <= tol * scale)) assert.fail(`${what}[${k}][${i}]: cpu ${x[i]} webgpu ${b[k][i]} (|Δ| ${d} > ${tol}·${scale})`);
    }
  });
}

test('synchronous reads: none on webgpu under Node; onHost runs such code on wasm with the variables, and back', { skip }, async () => {
  await tf.setBackend('webgpu');
  const v = tf.variable(tf.tensor1d([1, 2, 3]));
  v.assign(tf.mul(v, 2));
  assert.throws(() => tf.sum(v).dataSync(), /OffscreenCanvas/, 'tfjs-backend-webgpu reads synchronously through an OffscreenCanvas');
  const inside = await onHost(() => [tf.getBackend(), Array.from(tf.mul(v, 10).dataSync())]);
  assert.deepEqual(inside, ['wasm', [20, 40, 60]]);
  assert.equal(tf.getBackend(), 'webgpu');
  v.assign(tf.add(v, 1));
  assert.deepEqual(Array.from(await v.data()), [3, 5, 7]);
  // And the other way: device code from the host.
  await tf.setBackend('wasm');
  assert.deepEqual(await runOn('webgpu', async () => [tf.getBackend(), Array.from(await tf.square(v).data())]), ['webgpu', [9, 25, 49]]);
  assert.equal(tf.getBackend(), 'wasm');
  v.dispose();
});

const conv = { x: [2, 6, 6, 3], w: [3, 3, 3, 4] } as const;

test('conv2d forward and both gradients match cpu', { skip }, async () => {
  for (const padding of ['valid', 'same'] as const) {
    const [c, g] = await both(() => {
      const x = tf.tensor4d(data(2 * 6 * 6 * 3, 1), [...conv.x]);
      const w = tf.tensor4d(data(3 * 3 * 3 * 4, 2), [...conv.w]);
      const f = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.sum(tf.square(tf.conv2d(a, b, 1, padding)));
      const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, b as tf.Tensor4D))([x, w]);
      return [tf.conv2d(x, w, 1, padding), dx, dw];
    });
    assertClose(c, g, 1e-4, `conv2d ${padding} [y, dx, dw]`);
  }
});

test('max-pool and its gradient match cpu', { skip }, async () => {
  const [c, g] = await both(() => {
    const x = tf.tensor4d(data(2 * 6 * 6 * 3, 3), [2, 6, 6, 3]);
    const f = (a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid'), tf.range(1, 2 * 3 * 3 * 3 + 1).reshape([2, 3, 3, 3])));
    return [tf.maxPool(x, 2, 2, 'valid'), tf.grad(f)(x)];
  });
  assertClose(c, g, 1e-5, 'maxPool [y, dx]');
});

test('matmul (dense forward and gradients) matches cpu', { skip }, async () => {
  const [c, g] = await both(() => {
    const a = tf.tensor2d(data(5 * 17, 4), [5, 17]);
    const b = tf.tensor2d(data(17 * 9, 5), [17, 9]);
    const [da, db] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.matMul(p as tf.Tensor2D, q as tf.Tensor2D)))))([a, b]);
    return [tf.matMul(a, b), da, db];
  });
  assertClose(c, g, 1e-4, 'matMul [y, da, db]');
});

test('softmax cross-entropy and its gradient match cpu', { skip }, async () => {
  const [c, g] = await both(() => {
    const z = tf.tensor2d(data(6 * 10, 6, -5, 5), [6, 10]);
    const y = tf.oneHot(tf.tensor1d([0, 3, 9, 2, 2, 7], 'int32'), 10).toFloat();
    return [softCrossEntropy(y, z as tf.Tensor2D), tf.grad((t: tf.Tensor) => softCrossEntropy(y, t as tf.Tensor2D))(z)];
  });
  assertClose(c, g, 1e-5, 'softCrossEntropy [loss, dz]');
});

test('lgamma, digamma, the multi-Gamma KL and their gradients match cpu', { skip }, async () => {
  const [c, g] = await both(() => {
    const x = tf.tensor2d(data(4 * 5, 7, 0.05, 20), [4, 5]);
    const kl = (t: tf.Tensor) => tf.sum(multiGammaKl(t as tf.Tensor2D, 0.98));
    return [lgamma(x), digamma(x), tf.grad((t: tf.Tensor) => tf.sum(lgamma(t)))(x), multiGammaKl(x, 0.98), tf.grad(kl)(x)];
  });
  assertClose(c, g, 2e-4, 'special [lgamma, digamma, dlgamma, kl, dkl]');
});

test('the Gamma sampler on the device (values and reparameterized gradient) matches cpu', { skip }, async () => {
  const [c, g] = await both(() => {
    const alpha = tf.tensor2d(data(3 * 4, 8, 0.1, 5), [3, 4]);
    const f = (a: tf.Tensor) => tf.sum(sampleGammaOnDevice(a as tf.Tensor2D, mulberry32(9)));
    return [sampleGammaOnDevice(alpha, mulberry32(9)), tf.grad(f)(alpha)];
  });
  assertClose(c, g, 2e-4, 'sampleGammaOnDevice [v, dv/dα]');
});

test('the device Gamma sampler has the right mean and spread (Gamma(α, 1): mean α, variance α)', { skip }, async () => {
  await tf.setBackend('webgpu');
  const alphas = [0.3, 1, 4];
  const n = 4000;
  const v = sampleGamma(tf.tensor2d(alphas.flatMap((a) => Array(n).fill(a)), [alphas.length, n]), mulberry32(12));
  const values = await v.data();
  v.dispose();
  await tf.setBackend('wasm');
  alphas.forEach((a, k) => {
    const xs = values.subarray(k * n, (k + 1) * n);
    let mean = 0;
    for (const x of xs) mean += x / n;
    let variance = 0;
    for (const x of xs) variance += (x - mean) ** 2 / n;
    assert.ok(xs.every((x) => Number.isFinite(x) && x >= 0), `α=${a}: finite, non-negative`);
    assert.ok(Math.abs(mean - a) < 4 * Math.sqrt(a / n), `α=${a}: mean ${mean}`);
    assert.ok(Math.abs(variance - a) < 0.15 * a, `α=${a}: variance ${variance}`);
  });
});

test('an Adam step matches cpu', { skip }, async () => {
  const [c, g] = await both(() => {
    const v = tf.variable(tf.tensor2d(data(7 * 3, 10), [7, 3]));
    const opt = tf.train.adam(0.01);
    const target = tf.tensor2d(data(7 * 3, 11), [7, 3]);
    for (let i = 0; i < 3; i++) opt.minimize(() => tf.sum(tf.square(tf.sub(v, target))));
    const out = tf.clone(v);
    opt.dispose();
    v.dispose();
    return out;
  });
  assertClose(c, g, 1e-5, 'adam 3 steps');
});

const ds = loadDataset('mnist', { trainLimit: 48, testLimit: 16 });
/** The test split cut to one batch of 4 (the batch size of the loop tests below). */
const test4 = { ...ds.test, count: 4 };

/** Trains `steps` steps of `build`'s model from the same initial weights on wasm and on webgpu; returns losses and final weights. */
async function stepsOn(backend: 'wasm' | 'webgpu', build: () => tf.LayersModel, init: tf.Tensor[], batchSize: number, limit: number) {
  await tf.setBackend(backend);
  seedGlobalRandom(5);
  const model = build();
  model.setWeights(init);
  const losses: number[] = [];
  // The test set is one batch: same shapes as training, so SwiftShader compiles no extra pipelines.
  await trainClassifier({ model, train: { ...ds.train, count: limit }, test: { ...ds.test, count: batchSize }, epochs: 1, batchSize, learningRate: 0.002, seed: 3, onStep: (s) => void losses.push(s.loss) });
  const weights = await Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
  model.dispose();
  return { losses, weights };
}

for (const [name, build, batchSize, limit, tol] of [
  ['student', buildStudent, 4, 12, 2e-3],
  ['teacher', buildTeacher, 2, 4, 5e-3],
] as const) {
  test(`${limit / batchSize} training steps of the ${name} on webgpu match wasm`, { skip }, async () => {
    await tf.setBackend('wasm');
    seedGlobalRandom(4);
    const m = build();
    const init = m.getWeights().map((w) => w.clone());
    m.dispose();
    const a = await stepsOn('wasm', build, init, batchSize, limit);
    const b = await stepsOn('webgpu', build, init, batchSize, limit);
    await tf.setBackend('wasm');
    tf.dispose(init);
    assert.equal(b.losses.length, a.losses.length);
    a.losses.forEach((l, i) => assert.ok(Math.abs(l - b.losses[i]) <= tol * Math.max(1, Math.abs(l)), `step ${i + 1}: wasm ${l} webgpu ${b.losses[i]}`));
    assertClose(a.weights, b.weights, tol, `${name} weights`);
  });
}

test('3 distillation steps on webgpu (teacher logits kept on the device) match wasm', { skip }, async () => {
  // A dense "teacher" keeps SwiftShader's time down; the path (logits computed once, gathered per batch) is the same.
  await tf.setBackend('wasm');
  seedGlobalRandom(6);
  const t = buildStudent();
  const s = buildStudent();
  const tInit = t.getWeights().map((w) => w.clone());
  const sInit = s.getWeights().map((w) => w.clone());
  tf.dispose([t, s].flatMap((m) => m.getWeights()));
  const run = async (backend: 'wasm' | 'webgpu') => {
    await tf.setBackend(backend);
    const teacher = buildStudent();
    teacher.setWeights(tInit);
    const model = buildStudent();
    model.setWeights(sInit);
    const losses: number[] = [];
    await trainClassifier({
      model, train: { ...ds.train, count: 12 }, test: test4, epochs: 1, batchSize: 4, learningRate: 0.002, seed: 3,
      teacher: { model: teacher, temperature: 4, alpha: 0.5 },
      onStep: (r) => void losses.push(r.loss),
    });
    const weights = await Promise.all(model.getWeights().map(async (w) => Float32Array.from(await w.data())));
    teacher.dispose();
    model.dispose();
    return { losses, weights };
  };
  const a = await run('wasm');
  const b = await run('webgpu');
  await tf.setBackend('wasm');
  tf.dispose([...tInit, ...sInit]);
  a.losses.forEach((l, i) => assert.ok(Math.abs(l - b.losses[i]) <= 2e-3 * Math.max(1, Math.abs(l)), `step ${i + 1}: wasm ${l} webgpu ${b.losses[i]}`));
  assertClose(a.weights, b.weights, 2e-3, 'distilled student weights');
});

test('webgpu training keeps the tensor count flat over many steps', { skip }, async () => {
  await tf.setBackend('webgpu');
  const model = buildStudent();
  const counts: number[] = [];
  // 16 images at batch 4 = 4 steps an epoch, read every 2 steps: 2 reads an epoch, 4 epochs.
  await trainClassifierOnDevice({
    model, train: { ...ds.train, count: 16 }, test: test4, epochs: 4, batchSize: 4, learningRate: 0.001, seed: 1, readEvery: 2,
    onStep: (s) => { if (s.step % 2 === 0) counts.push(tf.memory().numTensors); },
  });
  model.dispose();
  await tf.setBackend('wasm');
  assert.equal(counts.length, 8);
  assert.ok(counts.every((n) => n === counts[1]), `numTensors at each read: ${counts.join(', ')}`);
});

test('a NaN on webgpu stops the job late but names the steps and keeps the last good weights', { skip }, async () => {
  await tf.setBackend('webgpu');
  const model = buildStudent();
  const reported: number[] = [];
  let steps = 0;
  let error: unknown;
  try {
    await trainClassifierOnDevice({
      model, train: ds.train, test: test4, epochs: 1, batchSize: 4, learningRate: 0.001, seed: 1, readEvery: 5,
      onStep: (s) => void reported.push(s.step),
      // Poison the weights after step 7: steps 8.. have NaN losses, noticed at the read after step 10.
      afterStep: () => {
        if (++steps !== 7) return;
        const l = model.getLayer('FC1');
        const w = l.getWeights();
        l.setWeights([tf.fill(w[0].shape, NaN), w[1]]);
      },
    });
  } catch (e) {
    error = e;
  }
  const weights = await Promise.all(model.getWeights().map((w) => w.data()));
  model.dispose();
  await tf.setBackend('wasm');
  assert.ok(error instanceof DivergedError, String(error));
  assert.deepEqual([error.firstStep, error.lastStep, error.metric], [6, 10, 'loss']);
  assert.match(error.message, /loss became NaN between steps 6 and 10/);
  assert.deepEqual(reported, [1, 2, 3, 4, 5]);
  assert.ok(weights.every((w) => w.every(Number.isFinite)), 'weights restored to finite values');
});

test('a NaN just after an epoch ends restores the weights of that epoch\'s end, as the message says', { skip }, async () => {
  await tf.setBackend('webgpu');
  const model = buildStudent();
  // 48 images at batch 4: 12 steps an epoch, read every 5 (after steps 5 and 10, then at the epoch's end, 12).
  let steps = 0;
  let atEpochEnd: tf.Tensor[] = [];
  let error: unknown;
  try {
    await trainClassifierOnDevice({
      model, train: ds.train, test: test4, epochs: 2, batchSize: 4, learningRate: 0.01, seed: 1, readEvery: 5,
      onEpoch: (e) => {
        if (e.epoch === 1) atEpochEnd = model.getWeights().map((w) => tf.clone(w));
      },
      // Poison the weights after step 13 (the first of epoch 2): noticed at the read after step 17.
      afterStep: () => {
        if (++steps !== 13) return;
        const l = model.getLayer('FC1');
        const w = l.getWeights();
        l.setWeights([tf.fill(w[0].shape, NaN), w[1]]);
      },
    });
  } catch (e) {
    error = e;
  }
  const restored = await Promise.all(model.getWeights().map((w) => w.data()));
  const expected = await Promise.all(atEpochEnd.map((w) => w.data()));
  tf.dispose(atEpochEnd);
  model.dispose();
  await tf.setBackend('wasm');
  assert.ok(error instanceof DivergedError, String(error));
  assert.deepEqual([error.firstStep, error.lastStep], [13, 17]);
  assert.match(error.message, /keeps the weights from before step 13/);
  assert.equal(restored.length, expected.length);
  restored.forEach((w, i) => assert.deepEqual(Array.from(w), Array.from(expected[i]), `weight ${i}: the end of epoch 1, not the read after step 10`));
});

test('a webgpu run resumed from its epoch-1 checkpoint ends with the uninterrupted run\'s weights', { skip }, async () => {
  await tf.setBackend('webgpu');
  const run = async (resume?: TrainCheckpoint) => {
    seedGlobalRandom(7);
    const model = buildStudent();
    const saved: TrainCheckpoint[] = [];
    await trainClassifierOnDevice({
      model, train: ds.train, test: test4, epochs: 2, batchSize: 8, learningRate: 0.01, seed: 3, readEvery: 4,
      checkpoint: { save: (c) => void saved.push(c), resume },
    });
    const weights = await Promise.all(model.getWeights().map((w) => w.data()));
    model.dispose();
    return { weights, saved };
  };
  const whole = await run();
  assert.deepEqual(whole.saved.map((c) => c.epoch), [1, 2]);
  assert.ok(whole.saved[0].adam && whole.saved[0].adam.m.some((x) => x !== 0), 'Adam moments are in the checkpoint');
  const resumed = await run(whole.saved[0]);
  await tf.setBackend('wasm');
  assert.deepEqual(resumed.saved.map((c) => c.epoch), [2], 'only epoch 2 is trained again');
  let maxDiff = 0;
  whole.weights.forEach((w, i) => w.forEach((x, j) => (maxDiff = Math.max(maxDiff, Math.abs(x - resumed.weights[i][j])))));
  assert.ok(maxDiff <= 1e-5, `resumed weights differ by ${maxDiff}`);
});

test('cancelling on webgpu reports every step taken, then stops', { skip }, async () => {
  await tf.setBackend('webgpu');
  const model = buildStudent();
  const reported: number[] = [];
  let steps = 0;
  const r = await trainClassifierOnDevice({
    model, train: ds.train, test: test4, epochs: 2, batchSize: 4, learningRate: 0.001, seed: 1, readEvery: 5,
    afterStep: () => void steps++,
    shouldStop: () => steps >= 7,
    onStep: (s) => void reported.push(s.step),
  });
  model.dispose();
  await tf.setBackend('wasm');
  assert.equal(r.stopped, true);
  assert.deepEqual(reported, [1, 2, 3, 4, 5, 6, 7]);
});

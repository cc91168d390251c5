// The trainer options (optimizer, schedule, weight decay, max-norm, input
// dropout, jitter) against values computed by hand, and their checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import type { Split } from '../data/datasets.js';
import { loadDataset } from '../data/datasets.js';
import { buildStudent, LOGITS_LAYER } from '../models/classifiers.js';
import { KINDS } from '../../contract/kinds/index.js';
import { decodeCheckpoint, encodeCheckpoint, type TrainCheckpoint } from './checkpoint.js';
import { BatchFiller, trainClassifier, type TrainOptions } from './classifier-trainer.js';
import { FlatSgd } from './flat-sgd.js';
import { seedGlobalRandom } from './rng.js';
import { augmentImage, DEFAULT_TRAINER, isPlainTrainer, kernelSegments, learningRateAt, maxNormProject, resolveTrainer, translateImage } from './trainer-options.js';

await initBackend('wasm');

/** One 1×1 image of value 1, label 3. */
const one: Split = { pixels: Float32Array.from([1]), labels: Uint8Array.from([3]), images: Uint8Array.from([255]), rows: 1, cols: 1, count: 1 } as Split;

/** 1×1 input → Dense(10) logits with zero kernel and bias → softmax. */
function tinyModel(): tf.LayersModel {
  const input = tf.input({ shape: [1, 1, 1] });
  let x = tf.layers.flatten().apply(input);
  x = tf.layers.dense({ name: LOGITS_LAYER, units: 10, kernelInitializer: 'zeros', biasInitializer: 'zeros' }).apply(x);
  return tf.model({ inputs: input, outputs: tf.layers.activation({ activation: 'softmax' }).apply(x) as tf.SymbolicTensor });
}

/** Softmax cross-entropy gradient wrt the logits z for label 3: p − y. */
function grad(z: number[]): number[] {
  const e = z.map(Math.exp);
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v, j) => v / s - (j === 3 ? 1 : 0));
}

/** Kernel (1×10) and bias after `steps` steps on `one`: both see the same gradient, since x = 1. */
async function trainTiny(steps: number, trainer: TrainOptions['trainer'], lr = 0.1): Promise<{ kernel: number[]; bias: number[] }> {
  const model = tinyModel();
  await trainClassifier({ model, train: one, test: one, epochs: steps, batchSize: 1, learningRate: lr, seed: 1, trainer });
  const [k, b] = model.getLayer(LOGITS_LAYER).getWeights().map((t) => [...t.dataSync()]);
  return { kernel: k, bias: b };
}

const close = (a: number[], b: number[], tol = 1e-6) => {
  assert.equal(a.length, b.length);
  const d = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
  assert.ok(d <= tol, `max |difference| ${d}: ${a.map((v) => v.toFixed(7)).join(' ')} vs ${b.map((v) => v.toFixed(7)).join(' ')}`);
};

test('SGD with momentum: two steps on a one-weight-per-class model equal the hand computation', async () => {
  const lr = 0.1;
  const m = 0.9;
  // Step 1 at w = 0: p = 0.1 everywhere, g1 = p − y; v1 = g1; w1 = −lr·g1.
  const g1 = grad(new Array(10).fill(0));
  assert.ok(Math.abs(g1[3] + 0.9) < 1e-12 && Math.abs(g1[0] - 0.1) < 1e-12);
  const w1 = g1.map((g) => -lr * g);
  // Step 2: z = kernel·1 + bias = 2·w1 (kernel and bias moved alike); v2 = m·v1 + g2; w2 = w1 − lr·v2.
  const g2 = grad(w1.map((w) => 2 * w));
  const v2 = g1.map((g, j) => m * g + g2[j]);
  const w2 = w1.map((w, j) => w - lr * v2[j]);
  const r = await trainTiny(2, { optimizer: 'sgd', momentum: m });
  close(r.kernel, w2);
  close(r.bias, w2);
  // One step: plain −lr·g1.
  close((await trainTiny(1, { optimizer: 'sgd', momentum: m })).kernel, w1);
});

test('Nesterov momentum and weight decay: two steps equal the hand computation', async () => {
  const lr = 0.1;
  const m = 0.9;
  const wd = 0.05;
  // Nesterov: v ← m·v + g; w ← w − lr·(g + m·v). Weight decay adds wd·w to g (zero at step 1, w = 0).
  const g1 = grad(new Array(10).fill(0));
  const v1 = g1;
  const w1 = g1.map((g, j) => -lr * (g + m * v1[j]));
  const g2 = grad(w1.map((w) => 2 * w)).map((g, j) => g + wd * w1[j]);
  const v2 = v1.map((v, j) => m * v + g2[j]);
  const w2 = w1.map((w, j) => w - lr * (g2[j] + m * v2[j]));
  const r = await trainTiny(2, { optimizer: 'sgd', momentum: m, nesterov: true, weightDecay: wd });
  close(r.kernel, w2);
  close(r.bias, w2);
});

test('FlatSgd combines two half-batch gradients by their weights', () => {
  const s = new FlatSgd(3, 0.5, { momentum: 0.5 });
  s.weights.set([1, 2, 3]);
  s.ownGrads.set([1, 1, 1]);
  s.otherGrads.set([3, -1, 0]);
  s.step(0.25, 0.75); // g = (2.5, −0.5, 0.25)
  assert.deepEqual([...s.weights], [1 - 1.25, 2 + 0.25, 3 - 0.125]);
  s.step(0.25, 0.75); // v = 0.5·g + g = 1.5·g
  assert.deepEqual([...s.weights], [1 - 1.25 - 1.875, 2 + 0.25 + 0.375, 3 - 0.125 - 0.1875]);
  assert.deepEqual([...s.state().velocity], [3.75, -0.75, 0.375]);
});

test('learning-rate schedules, epoch by epoch', () => {
  const t = (o: object) => resolveTrainer(o);
  const per = (o: object, epochs: number) => Array.from({ length: epochs }, (_, i) => learningRateAt(0.5, t(o), i + 1, epochs));
  assert.deepEqual(per({}, 3), [0.5, 0.5, 0.5]);
  close(per({ lrSchedule: 'step', lrStepGamma: 0.1, lrStepEpochs: 2 }, 5), [0.5, 0.5, 0.05, 0.05, 0.005], 1e-15);
  close(per({ lrSchedule: 'exponential', lrDecay: 0.9 }, 4), [0.5, 0.45, 0.405, 0.3645], 1e-15);
  // Cosine over 4 epochs: ½·lr·(1 + cos(π·e/4)), e = 0..3.
  close(per({ lrSchedule: 'cosine' }, 4), [0.5, 0.25 * (1 + Math.SQRT1_2), 0.25, 0.25 * (1 - Math.SQRT1_2)], 1e-15);
});

test('the trainer uses the schedule: each epoch checkpoints the rate it trained at', async () => {
  const saved: TrainCheckpoint[] = [];
  const model = tinyModel();
  await trainClassifier({ model, train: one, test: one, epochs: 3, batchSize: 1, learningRate: 0.2, seed: 1, trainer: { optimizer: 'sgd', momentum: 0, lrSchedule: 'exponential', lrDecay: 0.5 }, checkpoint: { save: (c) => void saved.push(c) } });
  assert.deepEqual(saved.map((c) => c.schedule), [{ epoch: 1, learningRate: 0.2 }, { epoch: 2, learningRate: 0.1 }, { epoch: 3, learningRate: 0.05 }]);
  assert.ok(saved[2].sgd && !saved[2].adam);
});

test('max-norm scales only the incoming weight vectors longer than c, down to norm c', () => {
  // Dense kernel [2 inputs, 3 units], row-major: unit 0 = (3, 4) norm 5, unit 1 = (0.6, 0.8) norm 1, unit 2 = (0, 0).
  const w = Float32Array.from([9, 3, 0.6, 0, 4, 0.8, 0, 7]); // a 1-value weight, the kernel, a 1-value weight
  const segs = kernelSegments([{ name: 'a/bias', shape: [1] }, { name: 'FC1/kernel', shape: [2, 3] }, { name: 'FC1/bias', shape: [1] }]);
  assert.deepEqual(segs, [{ offset: 1, fanIn: 2, units: 3 }]);
  assert.equal(maxNormProject(w, segs, 2.5), 1);
  close([...w], [9, 1.5, 0.6, 0, 2, 0.8, 0, 7]);
  // A conv kernel [kh, kw, in, out] = [1, 2, 1, 2]: each filter's 2 weights form its vector.
  const c = Float32Array.from([6, 1, 8, 0]);
  const cs = kernelSegments([{ name: 'Conv1/kernel', shape: [1, 2, 1, 2] }]);
  assert.deepEqual(cs, [{ offset: 0, fanIn: 2, units: 2 }]);
  maxNormProject(c, cs, 5);
  close([...c], [3, 1, 4, 0]);
});

test('max-norm during training keeps every unit of every layer within c', async () => {
  const ds = loadDataset('mnist', { trainLimit: 64, testLimit: 16 });
  const model = buildStudent();
  await trainClassifier({ model, train: ds.train, test: ds.test, epochs: 1, batchSize: 32, learningRate: 0.5, seed: 1, trainer: { optimizer: 'sgd', maxNorm: 0.5 } });
  for (const l of model.layers.filter((x) => x.getClassName() === 'Dense')) {
    const [k] = l.getWeights();
    const norms = tf.tidy(() => [...tf.sqrt(tf.sum(tf.square(k), 0)).dataSync()]);
    assert.ok(Math.max(...norms) <= 0.5 + 1e-5, `${l.name}: largest norm ${Math.max(...norms)}`);
  }
});

test('translation shifts an image by exactly k pixels, filling with zeros', () => {
  const rows = 4;
  const cols = 5;
  const src = Float32Array.from({ length: rows * cols }, (_, i) => i + 1);
  const out = new Float32Array(rows * cols);
  translateImage(src, rows, cols, 2, -1, out);
  // Right by 2 (columns 0–1 empty), up by 1 (the last row empty).
  assert.deepEqual([...out], [0, 0, 6, 7, 8, 0, 0, 11, 12, 13, 0, 0, 16, 17, 18, 0, 0, 0, 0, 0]);
  translateImage(src, rows, cols, -3, 2, out);
  assert.deepEqual([...out], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 5, 0, 0, 0, 9, 10, 0, 0, 0]);
  translateImage(src, rows, cols, 0, 0, out);
  assert.deepEqual(out, src);
});

test('jitter moves each image by a shift within ±k, the same for the same image and epoch, and every shift occurs', () => {
  const rows = 7;
  const cols = 7;
  const src = Float32Array.from({ length: rows * cols }, (_, i) => i + 1); // all distinct, no zeros
  const tmp = new Float32Array(rows * cols);
  const seen = new Set<string>();
  for (let index = 0; index < 400; index++) {
    const img = src.slice();
    augmentImage(img, rows, cols, { seed: 3, jitter: 2, inputDropout: 0 }, 1, index, tmp);
    // Find the shift: the pixel that was at (3, 3) (value 25) is now at (3 + dy, 3 + dx).
    const at = img.indexOf(25);
    const dx = (at % cols) - 3;
    const dy = Math.floor(at / cols) - 3;
    assert.ok(Math.abs(dx) <= 2 && Math.abs(dy) <= 2, `shift ${dx}, ${dy}`);
    assert.deepEqual(img, translateImage(src, rows, cols, dx, dy, new Float32Array(rows * cols)));
    seen.add(`${dx},${dy}`);
    const again = src.slice();
    augmentImage(again, rows, cols, { seed: 3, jitter: 2, inputDropout: 0 }, 1, index, tmp);
    assert.deepEqual(again, img);
  }
  assert.equal(seen.size, 25);
});

test('input dropout zeroes about the given share of pixels and scales the rest by 1/(1 − rate)', () => {
  const n = 10_000;
  const img = new Float32Array(n).fill(1);
  augmentImage(img, 100, 100, { seed: 1, jitter: 0, inputDropout: 0.2 }, 1, 0, new Float32Array(n));
  const zeros = img.filter((v) => v === 0).length;
  assert.ok(img.every((v) => v === 0 || v === Math.fround(1.25)));
  assert.ok(Math.abs(zeros / n - 0.2) < 0.02, `${zeros} of ${n} dropped`);
  // Evaluation never augments: a filler without augmentation copies the images as they are.
  const ds = loadDataset('mnist', { trainLimit: 4, testLimit: 4 });
  const f = new BatchFiller(ds.train, 4);
  f.fill(Uint32Array.from([0, 1, 2, 3]), 0, 4, 7);
  assert.deepEqual(f.x, ds.train.pixels.subarray(0, 4 * 784));
});

test('the defaults are the plain trainer (Adam, constant rate, no extras)', () => {
  assert.ok(isPlainTrainer(DEFAULT_TRAINER));
  assert.deepEqual(DEFAULT_TRAINER, { optimizer: 'adam', momentum: 0.9, nesterov: false, lrSchedule: 'constant', lrStepGamma: 0.1, lrStepEpochs: 10, lrDecay: 0.998, weightDecay: 0, inputDropout: 0, jitter: 0 });
  // Parsing a config fills them in; a config built in code may leave them out.
  const c = KINDS.train.schema.parse({ kind: 'train', model: 'student' });
  assert.equal(c.optimizer, 'adam');
  assert.equal(c.maxNorm, undefined);
});

test('invalid trainer options are refused with a message naming the field', () => {
  const issues = (kind: 'train' | 'distill' | 'finetune' | 'prune' | 'factorize' | 'cluster', extra: object) => {
    const base = kind === 'train' ? { model: 'student' } : kind === 'distill' ? { teacherRunId: 'x' } : { sourceRunId: 'x' };
    const r = KINDS[kind].schema.safeParse({ kind, ...base, ...extra });
    assert.ok(!r.success, `${JSON.stringify(extra)} was accepted`);
    return r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };
  assert.deepEqual(issues('train', { momentum: 1 }), ['momentum: must be in [0, 1)']);
  assert.deepEqual(issues('train', { optimizer: 'rmsprop' }).map((s) => s.split(':')[0]), ['optimizer']);
  assert.deepEqual(issues('distill', { lrSchedule: 'linear' }).map((s) => s.split(':')[0]), ['lrSchedule']);
  assert.deepEqual(issues('finetune', { inputDropout: 1 }), ['inputDropout: must be in [0, 1)']);
  assert.deepEqual(issues('prune', { jitter: 1.5 }), ['jitter: must be an integer']);
  assert.deepEqual(issues('factorize', { maxNorm: 0 }), ['maxNorm: must be greater than 0']);
  assert.deepEqual(issues('cluster', { weightDecay: -1 }), ['weightDecay: must be 0 or more']);
  assert.deepEqual(issues('train', { lrDecay: 0 }), ['lrDecay: must be in (0, 1]']);
  assert.deepEqual(issues('train', { lrStepEpochs: 0 }), ['lrStepEpochs: must be at least 1']);
  assert.deepEqual(issues('train', { nesterov: true }), ['nesterov: needs optimizer sgd (Nesterov momentum is an SGD variant)']);
});

test('a checkpoint with SGD state and the schedule position reads back bit for bit', () => {
  const c: TrainCheckpoint = {
    epoch: 2, step: 8, elapsed: 1, shuffleRng: 7, globalRng: null, workerRng: null,
    order: Uint32Array.from([1, 0]),
    weights: [{ name: 'FC1/kernel', shape: [1, 2], values: Float32Array.from([0.5, -1e-20]) }],
    sgd: { velocity: Float32Array.from([0.1, -3e10]) },
    schedule: { epoch: 2, learningRate: 0.045 },
    lastTest: null,
  };
  assert.deepEqual(decodeCheckpoint(encodeCheckpoint(c)), c);
});

const weightsOf = (m: tf.LayersModel) => m.getWeights().flatMap((t) => [...(t.dataSync() as Float32Array)]);
const maxDiff = (a: number[], b: number[]) => a.reduce((d, v, i) => Math.max(d, Math.abs(v - b[i])), 0);

test('every option on two threads: the same weights as one thread, and a resume from epoch 1 ends where the uninterrupted run does', async () => {
  const ds = loadDataset('mnist', { trainLimit: 96, testLimit: 32 });
  const trainer = { optimizer: 'sgd', momentum: 0.9, nesterov: true, lrSchedule: 'exponential', lrDecay: 0.7, weightDecay: 1e-3, maxNorm: 1, inputDropout: 0.2, jitter: 2 } as const;
  const base = (model: tf.LayersModel, dataParallel: boolean): TrainOptions => ({ model, train: ds.train, test: ds.test, epochs: 3, batchSize: 32, learningRate: 0.05, seed: 4, dataParallel, trainer });
  seedGlobalRandom(21);
  const single = buildStudent();
  await trainClassifier(base(single, false));
  seedGlobalRandom(21);
  const reference = buildStudent();
  const saved: TrainCheckpoint[] = [];
  await trainClassifier({ ...base(reference, true), checkpoint: { save: (c) => void saved.push(decodeCheckpoint(encodeCheckpoint(c))) } });
  // Augmentation is seeded per image and epoch, so splitting the batch changes nothing (but float rounding).
  const split = maxDiff(weightsOf(single), weightsOf(reference));
  assert.ok(split < 1e-4, `one vs two threads: ${split}`);
  assert.ok(saved[0].sgd && saved[0].sgd.velocity.some((v) => v !== 0));

  seedGlobalRandom(21);
  const resumed = buildStudent();
  await trainClassifier({ ...base(resumed, true), checkpoint: { resume: saved[0] } });
  const d = maxDiff(weightsOf(reference), weightsOf(resumed));
  assert.ok(d <= 1e-5, `resumed vs uninterrupted: ${d}`);

  // Without the velocity restored, the resumed run goes elsewhere: the check above means something.
  seedGlobalRandom(21);
  const careless = buildStudent();
  await trainClassifier({ ...base(careless, true), checkpoint: { resume: { ...saved[0], sgd: { velocity: new Float32Array(saved[0].sgd!.velocity.length) } } } });
  assert.ok(maxDiff(weightsOf(reference), weightsOf(careless)) > 1e-4);

  // A checkpoint from another optimizer or another schedule is refused.
  await assert.rejects(trainClassifier({ ...base(buildStudent(), false), trainer: { ...trainer, optimizer: 'adam', nesterov: false }, checkpoint: { resume: saved[0] } }), /made with sgd, this run uses adam/);
  await assert.rejects(trainClassifier({ ...base(buildStudent(), false), learningRate: 0.1, checkpoint: { resume: saved[1] } }), /trained at learning rate 0\.03\d*, this run's schedule gives 0\.0[67]\d* for that epoch/);
});

test("clustering's centroid SGD takes the trainer's momentum steps", async () => {
  const { CentroidMomentum } = await import('../compress/cluster.js');
  const c = Float32Array.from([1, -1]);
  const opt = new CentroidMomentum(2, 0.1, 0.5);
  opt.step(c, Float64Array.from([2, 4])); // v = (2, 4)
  opt.step(c, Float64Array.from([2, 4])); // v = (3, 6)
  close([...c], [1 - 0.2 - 0.3, -1 - 0.4 - 0.6]);
  const n = Float32Array.from([0]);
  const nes = new CentroidMomentum(1, 0.1, 0.5, true);
  nes.step(n, Float64Array.from([2])); // v = 2, w −= 0.1·(2 + 0.5·2)
  close([...n], [-0.3]);
});

// Training loop for the classifiers, plain or distilled from a teacher.
// A custom loop (not model.fit) because distillation needs the teacher's
// logits per batch, and because the job must report every step and stop
// cleanly between two steps when cancelled.
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../data/datasets.js';
import { logitsModel } from '../models/classifiers.js';
import { distillationLoss, softCrossEntropy } from './distill-loss.js';
import { mulberry32, seededStateOrNull, setGlobalRandomState, shuffle } from './rng.js';
import type { TrainCheckpoint } from './checkpoint.js';
import { flatSize, GradientWorker, readFlat, shareSplit, writeFlat, writeFlatGrads, type ParallelInit } from './data-parallel.js';
import { FlatAdam } from './flat-adam.js';
import { FlatSgd } from './flat-sgd.js';
import { trainClassifierOnDevice } from './gpu-train.js';
import { augmentImage, augments, describeTrainer, isPlainTrainer, kernelSegments, learningRateAt, maxNormProject, resolveTrainer, type Augment, type Trainer } from './trainer-options.js';
import type { TrainingData } from './types.js';
import { hostBackend, runOn } from '../engine/host.js';
import type { TrainerOptions } from '../../contract/kinds/common.js';

export const NUM_CLASSES = 10;

export interface StepReport {
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  step: number;
  loss: number;
  accuracy: number;
  /** Seconds since training started. */
  elapsed: number;
  images: number;
}

export interface EpochReport {
  epoch: number;
  step: number;
  trainLoss: number;
  trainAccuracy: number;
  testLoss: number;
  testAccuracy: number;
  elapsed: number;
}

export interface TrainOptions extends TrainingData {
  model: tf.LayersModel;
  teacher?: { model: tf.LayersModel; temperature: number; alpha: number };
  /** After every step; a returned promise is awaited before the next step. */
  onStep?: (r: StepReport) => void | Promise<void>;
  onEpoch?: (r: EpochReport) => void;
  /** Polled between steps; true ends training after the current step. */
  shouldStop?: () => boolean;
  /** Runs after every optimizer step (e.g. re-applying pruning masks). */
  afterStep?: () => void;
  /** Split each batch with a worker thread on a second core (see data-parallel.ts). */
  dataParallel?: boolean;
  /** Optimizer, learning-rate schedule, regularization and augmentation (trainer-options.ts); absent = Adam at a constant rate. */
  trainer?: Partial<TrainerOptions>;
  /** The job's log, for what the trainer decides (e.g. a fallback and why). */
  log?: (level: 'info' | 'warn', message: string) => void;
  /** End-of-epoch checkpoints (checkpoint.ts): `save` gets each epoch's state, `resume` continues from one. */
  checkpoint?: {
    save?: (c: TrainCheckpoint) => void | Promise<void>;
    resume?: TrainCheckpoint;
  };
}

export interface Softening {
  temperature: number;
  alpha: number;
}

/**
 * One batch's loss (plain, or distillation when the teacher's logits `t` and
 * the softening are given) and number of correct predictions; called inside a gradient function.
 */
export function batchLossAndHits(student: tf.LayersModel, batch: { x: tf.Tensor; y: tf.Tensor; t?: tf.Tensor }, soft?: Softening): { loss: tf.Scalar; hits: tf.Scalar } {
  const z = student.apply(batch.x, { training: true }) as tf.Tensor2D;
  const hits = tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(batch.y, 1)), 'float32')) as tf.Scalar;
  if (!soft || !batch.t) return { loss: softCrossEntropy(batch.y, z), hits };
  return { loss: distillationLoss(z, batch.t, batch.y, soft.temperature, soft.alpha), hits };
}

export interface TrainResult {
  stopped: boolean;
  epochsDone: number;
  testAccuracy: number | null;
  testLoss: number | null;
}

/**
 * Copies the examples `order[from..from+n)` into preallocated batch buffers:
 * images, one-hot labels, and (for distillation) the teacher's logits.
 */
export class BatchFiller {
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly t: Float32Array | null;
  private readonly tmp: Float32Array | null;
  constructor(
    private readonly split: Split,
    private readonly batchSize: number,
    /** Teacher logits per training example (NUM_CLASSES each), computed once before training. */
    private readonly teacherLogits: Float32Array | null = null,
    /** Training-time augmentation of each image (jitter, input dropout); none for evaluation. */
    private readonly augment: Augment | null = null,
  ) {
    this.x = new Float32Array(batchSize * split.rows * split.cols);
    this.y = new Float32Array(batchSize * NUM_CLASSES);
    this.t = teacherLogits ? new Float32Array(batchSize * NUM_CLASSES) : null;
    this.tmp = augment ? new Float32Array(split.rows * split.cols) : null;
  }

  /** Copies examples order[from..from+n) in; `epoch` seeds their augmentation (with the image index). */
  fill(order: Uint32Array, from: number, n: number, epoch = 0): void {
    const size = this.split.rows * this.split.cols;
    this.y.fill(0, 0, n * NUM_CLASSES);
    for (let i = 0; i < n; i++) {
      const idx = order[from + i];
      this.x.set(this.split.pixels.subarray(idx * size, (idx + 1) * size), i * size);
      if (this.augment) augmentImage(this.x.subarray(i * size, (i + 1) * size), this.split.rows, this.split.cols, this.augment, epoch, idx, this.tmp!);
      this.y[i * NUM_CLASSES + this.split.labels[idx]] = 1;
      if (this.t) this.t.set(this.teacherLogits!.subarray(idx * NUM_CLASSES, (idx + 1) * NUM_CLASSES), i * NUM_CLASSES);
    }
  }

  tensors(n: number): { x: tf.Tensor4D; y: tf.Tensor2D; t?: tf.Tensor2D } {
    const { rows, cols } = this.split;
    return {
      x: tf.tensor4d(this.x.subarray(0, n * rows * cols), [n, rows, cols, 1]),
      y: tf.tensor2d(this.y.subarray(0, n * NUM_CLASSES), [n, NUM_CLASSES]),
      t: this.t ? tf.tensor2d(this.t.subarray(0, n * NUM_CLASSES), [n, NUM_CLASSES]) : undefined,
    };
  }
}

/**
 * The teacher's logits for every training image, computed once. The teacher
 * is in inference mode (no dropout), so they are the same every epoch, and
 * this saves one teacher forward pass per student step (for the seed's CNN
 * teacher, most of a distillation step's time).
 */
export function teacherLogitsOf(teacher: tf.LayersModel, split: Split, batchSize = 500): Float32Array {
  const logits = logitsModel(teacher);
  const out = new Float32Array(split.count * NUM_CLASSES);
  const order = Uint32Array.from({ length: split.count }, (_, i) => i);
  const filler = new BatchFiller(split, Math.min(batchSize, split.count));
  for (let from = 0; from < split.count; from += batchSize) {
    const n = Math.min(batchSize, split.count - from);
    filler.fill(order, from, n);
    out.set(tf.tidy(() => (logits.predict(filler.tensors(n).x) as tf.Tensor).dataSync() as Float32Array), from * NUM_CLASSES);
  }
  return out;
}

/** Correct predictions and summed cross-entropy over examples [from, to) of `split`, for a logits model. */
export function evaluateRange(logits: tf.LayersModel, split: Split, from: number, to: number, batchSize = 1000): { correct: number; lossSum: number } {
  const order = new Uint32Array(split.count).map((_, i) => i);
  const filler = new BatchFiller(split, Math.max(1, Math.min(batchSize, to - from)));
  let correct = 0;
  let lossSum = 0;
  for (let at = from; at < to; at += batchSize) {
    const n = Math.min(batchSize, to - at);
    filler.fill(order, at, n);
    const [c, l] = tf.tidy(() => {
      const { x, y } = filler.tensors(n);
      const z = logits.predict(x) as tf.Tensor2D;
      const hits = tf.sum(tf.cast(tf.equal(tf.argMax(z, 1), tf.argMax(y, 1)), 'float32'));
      return [hits.dataSync()[0], softCrossEntropy(y, z).dataSync()[0] * n];
    });
    correct += c;
    lossSum += l;
  }
  return { correct, lossSum };
}

/** Test accuracy and mean cross-entropy of `model` (which outputs probabilities), in large batches. */
export function evaluate(model: tf.LayersModel, split: Split, batchSize = 1000): { accuracy: number; loss: number } {
  const { correct, lossSum } = evaluateRange(logitsModel(model), split, 0, split.count, batchSize);
  return { accuracy: correct / split.count, loss: lossSum / split.count };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Puts a checkpoint's weights into `model`, checking they fit it. */
export function restoreWeights(model: tf.LayersModel, c: TrainCheckpoint): void {
  const ws = model.weights;
  if (ws.length !== c.weights.length || ws.some((w, i) => w.shape.join('x') !== c.weights[i].shape.join('x'))) {
    throw new Error(`checkpoint of epoch ${c.epoch} does not fit this model (${c.weights.length} weights saved, ${ws.length} in the model)`);
  }
  tf.tidy(() => model.setWeights(c.weights.map((w) => tf.tensor(w.values, w.shape))));
}

export async function trainClassifier(o: TrainOptions): Promise<TrainResult> {
  const t = resolveTrainer(o.trainer ?? {});
  if (tf.getBackend() === 'webgpu') {
    // webgpu: data resident on the device, losses read every few steps (gpu-train.ts), Adam at a constant rate only.
    if (isPlainTrainer(t)) return trainClassifierOnDevice(o);
    const host = await hostBackend();
    o.log?.('warn', `the GPU trainer does Adam at a constant rate without max-norm, weight decay or augmentation only: training on ${host} instead (${describeTrainer(t, o.learningRate)})`);
    return runOn(host, () => trainOnHost(o, t));
  }
  return trainOnHost(o, t);
}

async function trainOnHost(o: TrainOptions, t: Trainer): Promise<TrainResult> {
  if (!isPlainTrainer(t)) o.log?.('info', describeTrainer(t, o.learningRate));
  if (o.teacher && augments(t)) o.log?.('warn', "augmentation with a teacher: the student sees shifted / dropped-out images, the soft targets stay the teacher's outputs on the original images (computed once)");
  const random = mulberry32(o.seed);
  const resume = o.checkpoint?.resume;
  const soft = o.teacher && { temperature: o.teacher.temperature, alpha: o.teacher.alpha };
  const teacherLogits = o.teacher ? teacherLogitsOf(o.teacher.model, o.train) : null;
  const order = new Uint32Array(o.train.count).map((_, i) => i);
  const batches = Math.ceil(o.train.count / o.batchSize);
  if (resume) {
    if (resume.order.length !== o.train.count) throw new Error(`checkpoint of epoch ${resume.epoch} was made on ${resume.order.length} training images, this run has ${o.train.count}`);
    restoreWeights(o.model, resume);
    order.set(resume.order);
    random.state = resume.shuffleRng;
    const sgd = t.optimizer === 'sgd';
    if (sgd ? !resume.sgd : !resume.adam) throw new Error(`checkpoint of epoch ${resume.epoch} was made with ${resume.sgd ? 'sgd' : 'adam'}, this run uses ${t.optimizer}`);
    // The schedule is a function of the epoch: the rate the checkpoint's epoch trained at must be this run's.
    const expected = learningRateAt(o.learningRate, t, resume.epoch, o.epochs);
    const saved = resume.schedule?.learningRate ?? o.learningRate;
    if (resume.epoch > 0 && Math.abs(saved - expected) > 1e-12 * Math.max(1, Math.abs(expected))) {
      throw new Error(`checkpoint of epoch ${resume.epoch} trained at learning rate ${saved}, this run's schedule gives ${expected} for that epoch (resume with the run's own options)`);
    }
  }
  // Only the student's weights train (a distillation teacher's stay as they are).
  const trainable = o.model.trainableWeights.map((w) => w.read() as tf.Variable);
  const stepper = await startStepper(o, t, trainable, teacherLogits);
  // Last, after everything that may draw from Math.random while setting up.
  if (resume) await stepper.restore(resume);
  const started = performance.now() - (resume?.elapsed ?? 0) * 1000;
  let step = resume?.step ?? 0;
  let stopped = false;
  let epochsDone = resume?.epoch ?? 0;
  let last: { accuracy: number; loss: number } | null = resume?.lastTest ?? null;

  try {
    for (let epoch = epochsDone + 1; epoch <= o.epochs && !stopped; epoch++) {
      shuffle(order, random);
      const lr = learningRateAt(o.learningRate, t, epoch, o.epochs);
      stepper.setLearningRate(lr);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batches; b++) {
        const n = Math.min(o.batchSize, o.train.count - b * o.batchSize);
        const [lossValue, hitValue] = await stepper.step(order.subarray(b * o.batchSize, b * o.batchSize + n), epoch, soft);
        if (o.afterStep) {
          o.afterStep();
          // The hook may change weights (pruning masks): the optimizer's flat copy must follow.
          stepper.weightsChanged();
        }
        if (!Number.isFinite(lossValue)) {
          throw new Error(`loss became ${lossValue} at epoch ${epoch}, batch ${b + 1}; lower the learning rate (now ${lr})`);
        }
        step++;
        seen += n;
        lossSum += lossValue * n;
        correct += hitValue;
        await o.onStep?.({
          epoch,
          epochs: o.epochs,
          batch: b + 1,
          batches,
          step,
          loss: lossValue,
          accuracy: hitValue / n,
          elapsed: (performance.now() - started) / 1000,
          images: n,
        });
        // Let IPC messages (cancel) in; wasm kernels are synchronous.
        await yieldToEventLoop();
        if (o.shouldStop?.()) {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      last = await stepper.evaluate();
      epochsDone = epoch;
      o.onEpoch?.({
        epoch,
        step,
        trainLoss: lossSum / seen,
        trainAccuracy: correct / seen,
        testLoss: last.loss,
        testAccuracy: last.accuracy,
        elapsed: (performance.now() - started) / 1000,
      });
      if (o.checkpoint?.save) {
        await o.checkpoint.save({
          epoch,
          step,
          elapsed: (performance.now() - started) / 1000,
          shuffleRng: random.state,
          globalRng: seededStateOrNull(),
          workerRng: await stepper.workerRng(),
          order: order.slice(),
          weights: o.model.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[], values: w.read().dataSync() as Float32Array })),
          ...stepper.optimizerState(),
          schedule: { epoch, learningRate: lr },
          lastTest: last,
        });
      }
    }
  } finally {
    await stepper.close();
  }
  return { stopped, epochsDone, testAccuracy: last?.accuracy ?? null, testLoss: last?.loss ?? null };
}

/** The worker thread of a data-parallel run, sharing the images and the optimizer's memory; see data-parallel.ts. */
async function startWorker(o: TrainOptions, adam: FlatAdam | FlatSgd, teacherLogits: Float32Array | null, augment: Augment | null): Promise<GradientWorker> {
  const shared = shareSplit(o.train);
  const test = shareSplit(o.test);
  let teacherInit: ParallelInit['teacher'];
  if (o.teacher && teacherLogits) {
    const logits = new Float32Array(new SharedArrayBuffer(teacherLogits.byteLength));
    logits.set(teacherLogits);
    teacherInit = { logits, temperature: o.teacher.temperature, alpha: o.teacher.alpha };
  }
  return GradientWorker.start({
    modelTopology: o.model.toJSON(null, false),
    teacher: teacherInit,
    ...shared,
    rows: o.train.rows,
    cols: o.train.cols,
    test: { pixels: test.pixels, labels: test.labels, rows: o.test.rows, cols: o.test.cols },
    weights: adam.weights,
    grads: adam.otherGrads,
    seed: o.seed,
    augment: augment ?? undefined,
    backend: tf.getBackend(),
  });
}

/**
 * Training steps for `o`: gradients on this thread (and, data-parallel, half
 * of each batch on a worker thread), then one FlatAdam pass over the flat
 * weights, copied back into the variables. One path for one or two cores, so
 * both train identically; tf.train.adam would cost ~12 tensor ops per
 * variable per step, a large share of a one-core step.
 */
async function startStepper(o: TrainOptions, t: Trainer, vars: tf.Variable[], teacherLogits: Float32Array | null) {
  // Weights and both gradients live in the optimizer's (shared) memory.
  const decay = t.weightDecay > 0 ? { weightDecay: t.weightDecay } : {};
  const sgd = t.optimizer === 'sgd' ? new FlatSgd(flatSize(vars), o.learningRate, { momentum: t.momentum, nesterov: t.nesterov, ...decay }) : null;
  const adam = sgd ? null : new FlatAdam(flatSize(vars), o.learningRate, decay);
  const opt = (sgd ?? adam)!;
  const augment: Augment | null = augments(t) ? { seed: o.seed, jitter: t.jitter, inputDropout: t.inputDropout } : null;
  const worker = o.dataParallel ? await startWorker(o, opt, teacherLogits, augment) : null;
  const student = logitsModel(o.model);
  const half = new BatchFiller(o.train, worker ? Math.ceil(o.batchSize / 2) : o.batchSize, teacherLogits, augment);
  const { weights, ownGrads: mine } = opt;
  // Max-norm acts on the kernels among the trainable weights, in the flat buffer both threads read.
  const segments = t.maxNorm !== undefined ? kernelSegments(vars.map((v, i) => ({ name: o.model.trainableWeights[i].originalName, shape: v.shape }))) : [];
  writeFlat(vars, weights);
  return {
    /**
     * One step: the worker's half (if any) and this thread's in parallel, then
     * one optimizer pass. Returns the batch's mean loss and its number of
     * correct predictions.
     */
    async step(indices: Uint32Array, epoch: number, soft?: Softening): Promise<[number, number]> {
      // A batch of one (the last of an epoch) stays on this thread.
      const n1 = worker && indices.length >= 2 ? Math.ceil(indices.length / 2) : indices.length;
      const n2 = indices.length - n1;
      const other = worker && n2 > 0 ? worker.step(indices.subarray(n1), epoch) : null;
      half.fill(indices, 0, n1, epoch);
      let hits1 = 0;
      const loss1 = tf.tidy(() => {
        const batch = half.tensors(n1);
        const { value, grads: g } = tf.variableGrads(() => {
          const r = batchLossAndHits(student, batch, soft);
          hits1 = r.hits.dataSync()[0];
          return r.loss;
        }, vars);
        writeFlatGrads(vars, g, mine);
        return value.dataSync()[0];
      });
      const r2 = other ? await other : { loss: 0, hits: 0 };
      // Mean over the whole batch = size-weighted mean of the halves' means.
      const total = n1 + n2;
      opt.step(n1 / total, n2 / total);
      if (t.maxNorm !== undefined) maxNormProject(weights, segments, t.maxNorm);
      readFlat(vars, weights);
      return [(loss1 * n1 + r2.loss * n2) / total, hits1 + r2.hits];
    },
    /** Test accuracy and loss with the current weights, half of the test set on each core when there are two. */
    async evaluate(): Promise<{ accuracy: number; loss: number }> {
      if (!worker) return evaluate(o.model, o.test);
      const count = o.test.count;
      const mid = Math.ceil(count / 2);
      const other = mid < count ? worker.evaluate(mid, count) : Promise.resolve({ correct: 0, lossSum: 0 });
      const mineEval = evaluateRange(student, o.test, 0, mid);
      const theirs = await other;
      return { accuracy: (mineEval.correct + theirs.correct) / count, loss: (mineEval.lossSum + theirs.lossSum) / count };
    },
    /** Call after changing the variables outside step(). */
    weightsChanged: () => writeFlat(vars, weights),
    setLearningRate: (lr: number) => opt.setLearningRate(lr),
    /** The optimizer's state for a checkpoint: `adam` or `sgd`. */
    optimizerState: () => (sgd ? { sgd: sgd.state() } : { adam: adam!.moments() }),
    workerRng: async (): Promise<number | null> => (worker ? worker.rngState() : null),
    /** Restores the optimizer and both threads' random streams from a checkpoint (the weights are already in the variables). */
    async restore(c: TrainCheckpoint): Promise<void> {
      if (sgd) sgd.restoreState(c.sgd!);
      else adam!.restoreMoments(c.adam!);
      if (worker && c.workerRng !== null) await worker.rngState(c.workerRng);
      if (c.globalRng !== null) setGlobalRandomState(c.globalRng);
    },
    close: async () => worker?.close(),
  };
}
